"""Small counts of women in the tables that leave the system (statistical disclosure control).

A count of women under the programme's threshold (`soglia_conteggi_piccoli` in the programme
file) could single one out, so it is not published: the *primary* suppression. Hiding it alone
is not enough when the table also shows its totals: the total minus the other cells gives it
back. So other entries are hidden with it (*complementary* suppression) until no hidden value
follows from the published ones. One marker, RISERVATO, stands for both kinds: a distinct
"<3" would tell the reader which hidden entry is the small one and undo the protection (a "<3"
and another hidden month, at least 3, that add up to 4 are a 1 and a 3).

The table: counts in rows × columns with its margins (row totals, column totals, grand total),
each family published or not. What a reader knows: the published numbers, that every row and
every column adds up to its total and the totals to the grand total, that a hidden value is at
least 1 (zeros are always shown: there is nobody to single out) and a total never published at
least 0.

The exact check (`_Griglia.ricavabili`). Written as an (R+1)×(C+1) grid with the margins negated (the
grand total not), every row and column of the grid sums to zero, and the hidden entries are the
edges of a bipartite graph (grid rows – grid columns). Any other table agreeing with everything
published is the true one plus a circulation on that graph, which splits into simple cycles
of alternating ±1 steps, each of which alone stays within the bounds (conformal decomposition).
So a hidden value can be recomputed iff no alternating cycle through it can be walked one step
without taking a value under its bound: a reachability search per direction.

The choice, cheapest first. Primary: every published entry with 0 < n < soglia, totals included
(a total under the threshold is itself a small count of women). Then the classic rule, until
stable: a row or column of the grid holding exactly one entry to protect gets a second one, its
smallest non-zero cell (preferring one that also partners a lone entry of its other line), its
total only when no cell is left. Then the exact check catches what
that rule misses (two hidden 1s whose sum is published are two 1s; chains in two-way tables)
and hides the smallest entry beside the value it finds. Last, each complementary entry is
published again, totals and large values first, if the table stays safe without it: none is
hidden without need. Cells are preferred to totals because the totals are the figures the
Region follows (the programme's indicators).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

RISERVATO = "riservato"

Posizione = tuple[int, int]  # (row, column) in the grid: row R = column totals, column C = row totals


@dataclass(frozen=True)
class TabellaProtetta:
    """The table as it may be published: each value an int or RISERVATO. `totali_righe`,
    `totali_colonne` and `totale` are None when not published. `primarie` and `complementari`
    are grid positions (the cells, then (i, C) for row totals, (R, j) for column totals, (R, C)
    for the grand total)."""

    celle: tuple[tuple[int | str, ...], ...]
    totali_righe: tuple[int | str, ...] | None
    totali_colonne: tuple[int | str, ...] | None
    totale: int | str | None
    primarie: frozenset[Posizione]
    complementari: frozenset[Posizione]


def proteggi(celle: Sequence[Sequence[int]], soglia: int, *, totali_righe: bool = True,
             totali_colonne: bool = True, gia_riservate: frozenset[Posizione] = frozenset()) -> TabellaProtetta:
    """Suppress the small counts of a table of counts of women and whatever would give them back.

    A list with its total is one row with `totali_colonne=False`; a lone number is a 1×1 table
    without totals. The grand total is published when either family of totals is. A soglia of
    0 or 1 hides nothing. `gia_riservate`: grid positions hidden in another table that shows the
    same figure (the women per ambito, in every table of the statistics): hidden here too, never
    published again, or the other table would give them back."""
    righe = [list(r) for r in celle]
    if not righe or not righe[0] or any(len(r) != len(righe[0]) for r in righe):
        raise ValueError("la tabella deve essere rettangolare e non vuota")
    if any(type(n) is not int or n < 0 for r in righe for n in r):
        raise ValueError("i conteggi devono essere interi non negativi")
    if type(soglia) is not int or soglia < 0:
        raise ValueError("la soglia deve essere un intero non negativo")
    g = _Griglia(righe, totali_righe, totali_colonne)

    primarie = {p for p in g.pubblicabili if 0 < g.valore[p] < soglia}
    imposte = {p for p in gia_riservate if p in g.valore and p not in g.mai_pubblicate and g.valore[p] > 0}
    riservate = primarie | imposte
    cambiato = True
    while cambiato:
        cambiato = False
        for linea in g.linee:
            if g.sola_da_proteggere(linea, riservate):
                riservate.add(g.scegli(g.candidate([linea], riservate), riservate))
                cambiato = True
    while ricavabili := g.ricavabili(riservate):
        e = ricavabili[0]
        vicine = g.candidate(g.linee_di(e), riservate)
        # Hiding everything non-zero is safe (see the module's docstring), so some entry is left.
        riservate.add(g.scegli(vicine or g.candidate([g.pubblicabili], riservate), riservate))
    for p in sorted(riservate - primarie - imposte, key=lambda p: (-g.e_totale(p), -g.valore[p], p)):
        if not g.ricavabili(riservate - {p}):
            riservate.discard(p)
    return g.pubblica(frozenset(primarie), frozenset(riservate - primarie), totali_righe, totali_colonne)


class _Griglia:
    def __init__(self, righe: list[list[int]], totali_righe: bool, totali_colonne: bool):
        self.R, self.C = R, C = len(righe), len(righe[0])
        self.valore: dict[Posizione, int] = {(i, j): n for i, r in enumerate(righe) for j, n in enumerate(r)}
        for i, r in enumerate(righe):
            self.valore[i, C] = sum(r)
        for j in range(C):
            self.valore[R, j] = sum(r[j] for r in righe)
        self.valore[R, C] = sum(map(sum, righe))
        self.mai_pubblicate: set[Posizione] = set()
        if not totali_righe:
            self.mai_pubblicate |= {(i, C) for i in range(R)}
        if not totali_colonne:
            self.mai_pubblicate |= {(R, j) for j in range(C)}
        if not (totali_righe or totali_colonne):
            self.mai_pubblicate.add((R, C))
        self.pubblicabili = [p for p in sorted(self.valore) if p not in self.mai_pubblicate]
        self.linee = ([[(i, j) for j in range(C + 1)] for i in range(R + 1)]
                      + [[(i, j) for i in range(R + 1)] for j in range(C + 1)])

    def e_totale(self, p: Posizione) -> bool:
        return p[0] == self.R or p[1] == self.C

    def scegli(self, candidate: list[Posizione], riservate) -> Posizione:
        """The complement that costs least: a cell before a total; among those, one that also
        partners a lone hidden entry of its other line (it closes a cycle instead of opening a
        new line); then the smallest."""
        def compagna(p):
            return sum(self.sola_da_proteggere(linea, riservate) for linea in self.linee_di(p))
        return min(candidate, key=lambda p: (self.e_totale(p), -compagna(p), self.valore[p], p))

    def sola_da_proteggere(self, linea: list[Posizione], riservate) -> bool:
        """Does the line hide exactly one entry, one that is shown as RISERVATO (its total would
        give it back)?"""
        coperte = [p for p in linea if p in riservate or p in self.mai_pubblicate]
        return len(coperte) == 1 and coperte[0] in riservate

    def linee_di(self, p: Posizione) -> list[list[Posizione]]:
        return [self.linee[p[0]], self.linee[self.R + 1 + p[1]]]

    def candidate(self, linee, riservate) -> list[Posizione]:
        return [p for linea in linee for p in linea
                if p not in riservate and p not in self.mai_pubblicate and self.valore[p] > 0]

    def _passo_possibile(self, p: Posizione, verso: int, riservate) -> bool:
        """Can the grid entry p take a step `verso` (+1/-1 in the grid's signs) within its bound?"""
        negato = p != (self.R, self.C) and self.e_totale(p)
        if (verso > 0) != negato:  # its value grows
            return True
        minimo = 1 if p in riservate else 0  # hidden values are never 0; unpublished totals may be
        return self.valore[p] - 1 >= minimo

    def ricavabili(self, riservate) -> list[Posizione]:
        """The hidden entries whose value follows exactly from what is published."""
        coperte = riservate | self.mai_pubblicate
        archi: dict[tuple[str, int], list[Posizione]] = {}
        for p in coperte:
            archi.setdefault(("r", p[0]), []).append(p)
            archi.setdefault(("c", p[1]), []).append(p)
        return [e for e in sorted(riservate) if not any(
            self._passo_possibile(e, verso, riservate) and self._ciclo(e, verso, archi, riservate)
            for verso in (1, -1))]

    def _ciclo(self, e: Posizione, verso: int, archi, riservate) -> bool:
        """Is there an alternating path from e's column back to e's row, without e? Leaving a
        column vertex an edge takes the step -verso, leaving a row vertex +verso."""
        partenza, arrivo = ("c", e[1]), ("r", e[0])
        visti, coda = {partenza}, deque([partenza])
        while coda:
            tipo, indice = vertice = coda.popleft()
            for p in archi.get(vertice, ()):
                if p == e:
                    continue
                prossimo = ("r", p[0]) if tipo == "c" else ("c", p[1])
                if prossimo in visti or not self._passo_possibile(p, -verso if tipo == "c" else verso, riservate):
                    continue
                if prossimo == arrivo:
                    return True
                visti.add(prossimo)
                coda.append(prossimo)
        return False

    def pubblica(self, primarie, complementari, totali_righe, totali_colonne) -> TabellaProtetta:
        riservate = primarie | complementari

        def mostra(p):
            return RISERVATO if p in riservate else self.valore[p]

        R, C = self.R, self.C
        return TabellaProtetta(
            celle=tuple(tuple(mostra((i, j)) for j in range(C)) for i in range(R)),
            totali_righe=tuple(mostra((i, C)) for i in range(R)) if totali_righe else None,
            totali_colonne=tuple(mostra((R, j)) for j in range(C)) if totali_colonne else None,
            totale=mostra((R, C)) if (R, C) not in self.mai_pubblicate else None,
            primarie=primarie, complementari=complementari)
