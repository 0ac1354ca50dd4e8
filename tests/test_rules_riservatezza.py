"""Small counts of women and the suppression that protects them (app.rules.riservatezza).

The attacker here is independent of the module: she takes the published table, tries every
table whose hidden cells lie within `raggio` of the true ones (hidden values at least 1,
hidden totals at least 1, totals never published at least 0) and keeps those that agree with
every published number. A hidden entry taking one value in all of them is recovered. Radius 1
is enough: two integer tables with the same published numbers differ by a sum of alternating
cycles, and one ±1 step along one of them is already a second table (the module's docstring);
a property below checks that radius 3 finds nothing more."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from app.rules.riservatezza import RISERVATO, proteggi

IMPOSTAZIONI = settings(max_examples=300, deadline=None,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# --- the attacker ------------------------------------------------------------------------

def _griglia(t):
    """The published view as a grid {(i, j): value | RISERVATO | None (never published)}."""
    R, C = len(t.celle), len(t.celle[0])
    g = {(i, j): v for i, riga in enumerate(t.celle) for j, v in enumerate(riga)}
    for i in range(R):
        g[i, C] = t.totali_righe[i] if t.totali_righe is not None else None
    for j in range(C):
        g[R, j] = t.totali_colonne[j] if t.totali_colonne is not None else None
    g[R, C] = t.totale
    return g, R, C


def _completa(celle):
    R, C = len(celle), len(celle[0])
    g = {(i, j): v for i, riga in enumerate(celle) for j, v in enumerate(riga)}
    for i in range(R):
        g[i, C] = sum(celle[i])
    for j in range(C):
        g[R, j] = sum(r[j] for r in celle)
    g[R, C] = sum(map(sum, celle))
    return g


def recuperati(veri, griglia, R, C, raggio=1):
    """Grid positions of the RISERVATO entries the attacker pins down."""
    nascoste = [(i, j) for i in range(R) for j in range(C) if griglia[i, j] == RISERVATO]
    valori = {p: set() for p, v in griglia.items() if v == RISERVATO}
    for scelta in itertools.product(*[range(max(1, veri[i][j] - raggio), veri[i][j] + raggio + 1)
                                      for i, j in nascoste]):
        prova = [list(r) for r in veri]
        for (i, j), v in zip(nascoste, scelta):
            prova[i][j] = v
        completa = _completa(prova)
        if all(v is None or (completa[p] >= 1 if v == RISERVATO else completa[p] == v) for p, v in griglia.items()):
            for p in valori:
                valori[p].add(completa[p])
    return {p for p, visti in valori.items() if len(visti) < 2}


def _nascoste(griglia):
    return sum(1 for i, j in griglia if griglia[i, j] == RISERVATO)


# --- random tables -------------------------------------------------------------------------

conteggio = st.one_of(st.integers(0, 3), st.integers(0, 12))


@st.composite
def tabelle(draw):
    """Two-way tables (ambito × area and the like), each family of totals published or not."""
    R, C = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    celle = draw(st.lists(st.lists(conteggio, min_size=C, max_size=C), min_size=R, max_size=R))
    return celle, draw(st.sampled_from([0, 1, 2, 3, 3, 3, 4, 5])), draw(st.booleans()), draw(st.booleans())


@st.composite
def mesi(draw):
    """The dashboard's shape: one count per month, mostly zero, and the total."""
    n = draw(st.integers(1, 24))
    valori = draw(st.lists(st.one_of(st.just(0), st.just(0), conteggio), min_size=n, max_size=n))
    return [valori], draw(st.sampled_from([2, 3, 3, 4])), True, False


def _pubblica(caso):
    celle, soglia, tr, tc = caso
    t = proteggi(celle, soglia, totali_righe=tr, totali_colonne=tc)
    griglia, R, C = _griglia(t)
    assume(_nascoste(griglia) <= 9)  # the attacker's search is exponential in the hidden cells
    return t, griglia, R, C


# --- properties ----------------------------------------------------------------------------

@IMPOSTAZIONI
@given(st.one_of(tabelle(), mesi()))
@example(([[0, 1, 4, 7, 0]], 3, True, False))       # the issue: the total minus the shown months
@example(([[1, 1, 0]], 3, True, False))             # two hidden 1s whose published sum is 2
@example(([[1, 5, 0], [0, 5, 1], [5, 0, 5]], 3, True, True))  # a locked cycle the line rule misses
@example(([[2]], 3, True, True))
def test_nessun_valore_riservato_si_ricava(caso):
    t, griglia, R, C = _pubblica(caso)
    assert not recuperati(caso[0], griglia, R, C), t


@IMPOSTAZIONI
@given(st.one_of(tabelle(), mesi()))
def test_ogni_riga_colonna_e_totale_con_un_riservato_ne_nasconde_almeno_due(caso):
    """The rule the issue asks for: a row, a column, the row of column totals or the column of
    row totals that hides one value hides at least another (a cell or its total)."""
    t, griglia, R, C = _pubblica(caso)
    linee = ([[(i, j) for j in range(C + 1)] for i in range(R + 1)]
             + [[(i, j) for i in range(R + 1)] for j in range(C + 1)])
    for linea in linee:
        nascoste = [p for p in linea if griglia[p] in (RISERVATO, None)]
        if any(griglia[p] == RISERVATO for p in linea):
            assert len(nascoste) >= 2, (linea, t)


@IMPOSTAZIONI
@given(st.one_of(tabelle(), mesi()))
@example(([[1, 0, 1], [2, 5, 0]], 3, True, False))  # the 5 hidden first is freed once the total 7 is hidden
def test_si_nascondono_i_conteggi_sotto_soglia_e_solo_il_necessario(caso):
    celle, soglia, tr, tc = caso
    t, griglia, R, C = _pubblica(caso)
    veri = _completa(celle)
    pubblicate = {p for p, v in griglia.items() if v is not None}
    assert t.primarie == {p for p in pubblicate if 0 < veri[p] < soglia}
    assert not t.primarie & t.complementari
    for p, v in griglia.items():
        if v == RISERVATO:
            assert p in t.primarie | t.complementari and veri[p] > 0  # a zero is never hidden
        elif v is not None:
            assert v == veri[p]  # what is shown is the truth
    assert all(veri[p] >= soglia for p in t.complementari)
    # Each complementary entry is needed: publishing it alone gives some hidden value back.
    for p in t.complementari:
        assert recuperati(celle, {**griglia, p: veri[p]}, R, C), f"{p} nascosta senza bisogno: {t}"


@st.composite
def schemi(draw):
    """A small table and any choice of hidden entries (not proteggi's): the attacker's radius
    is checked on patterns good and bad."""
    R = draw(st.integers(1, 2))
    celle = draw(st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), min_size=R, max_size=R))
    g = _completa(celle)
    non_zero = sorted(p for p in g if p[0] < R and p[1] < 3 and g[p] > 0)
    nascoste = draw(st.lists(st.sampled_from(non_zero), max_size=3, unique=True)) if non_zero else []
    totali = sorted(p for p in g if (p[0] == R or p[1] == 3) and g[p] > 0)
    griglia = {p: v for p, v in g.items()}
    for p in nascoste + draw(st.lists(st.sampled_from(totali), unique=True)) if totali else nascoste:
        griglia[p] = RISERVATO
    for p in draw(st.lists(st.sampled_from(totali), unique=True)) if totali else []:
        griglia[p] = None
    return celle, griglia, R


@settings(max_examples=300, deadline=None)
@given(schemi())
def test_il_raggio_uno_basta_all_attaccante(caso):
    """The attacker above only looks within one of the truth: looking within three finds the
    same recovered entries, on tables small enough to search."""
    celle, griglia, R = caso
    assert recuperati(celle, griglia, R, 3, raggio=1) == recuperati(celle, griglia, R, 3, raggio=3)


@given(tabelle())
@settings(max_examples=50, deadline=None)
def test_stesso_risultato_e_tabella_intatta(caso):
    celle, soglia, tr, tc = caso
    copia = [list(r) for r in celle]
    assert proteggi(celle, soglia, totali_righe=tr, totali_colonne=tc) == proteggi(
        copia, soglia, totali_righe=tr, totali_colonne=tc)
    assert celle == copia


# --- examples ------------------------------------------------------------------------------

def test_l_attacco_della_segnalazione_non_riesce_piu():
    """Months 0, 1, 4, 7, 0 and their total 12: hiding only the 1 left 12 - 4 - 7 = 1."""
    t = proteggi([[0, 1, 4, 7, 0]], 3, totali_colonne=False)
    assert t.celle == ((0, RISERVATO, RISERVATO, 7, 0),)
    assert t.totale == 12  # the indicator the Region follows stays published
    assert t.primarie == {(0, 1)} and t.complementari == {(0, 2)}
    # The two hidden months add up to 5: 1 + 4, 2 + 3, 3 + 2 or 4 + 1.
    griglia, R, C = _griglia(t)
    assert not recuperati([[0, 1, 4, 7, 0]], griglia, R, C, raggio=4)


def test_un_totale_sotto_soglia_o_che_non_lascia_scelta_si_nasconde():
    assert proteggi([[1, 1, 0]], 3, totali_colonne=False).totale == RISERVATO  # 1 + 1 = 2
    assert proteggi([[0, 2, 0]], 3, totali_colonne=False).totale == RISERVATO
    t = proteggi([[1, 0, 2]], 3, totali_colonne=False)  # two hidden, sum 3: 1+2 or 2+1
    assert t.celle == ((RISERVATO, 0, RISERVATO),) and t.totale == 3
    t = proteggi([[4, 0, 1]], 3, totali_colonne=False)  # the only other month must go
    assert t.celle == ((RISERVATO, 0, RISERVATO),) and t.totale == 5


def test_un_numero_solo():
    def solo(n):
        return proteggi([[n]], 3, totali_righe=False, totali_colonne=False)
    assert [solo(n).celle[0][0] for n in (0, 1, 2, 3, 11)] == [0, RISERVATO, RISERVATO, 3, 11]
    assert solo(2).totale is None and solo(2).totali_righe is None and solo(2).totali_colonne is None


def test_soglia_zero_o_uno_non_nasconde_nulla():
    for soglia in (0, 1):
        t = proteggi([[1, 2], [0, 5]], soglia)
        assert t.celle == ((1, 2), (0, 5)) and t.totali_righe == (3, 5) and t.totali_colonne == (1, 7)
        assert t.totale == 8 and not t.primarie and not t.complementari


def test_tabella_a_due_vie_cellule_prima_dei_totali():
    t = proteggi([[5, 1, 7], [4, 6, 9], [8, 3, 2]], 3)
    assert t.primarie == {(0, 1), (2, 2)}
    assert t.complementari == {(0, 2), (2, 1)}  # one cycle closes both, no total hidden
    assert t.totali_righe == (13, 19, 13) and t.totali_colonne == (17, 10, 18) and t.totale == 45


@pytest.mark.parametrize("celle,soglia", [([], 3), ([[]], 3), ([[1, 2], [3]], 3), ([[-1]], 3), ([[1.5]], 3),
                                          ([[True]], 3), ([[1]], -1), ([[1]], "3")])
def test_ingressi_non_validi(celle, soglia):
    with pytest.raises(ValueError):
        proteggi(celle, soglia)
