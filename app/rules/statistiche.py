"""Statistics of the women in the programme, without identities (issue 13, §4).

Counts of women by the variables the national survey of anti-violence centre users publishes
(age band, citizenship group, relationship with the author, occupational condition, children),
per year of taking charge and per ambito, with the province's totals. Small counts, and whatever
would give them back by difference, are hidden by app.rules.riservatezza.

Every table of a year shows the same margins: the women of each ambito and of the province.
A margin hidden in one table is hidden in all of them, or the table showing it would give
back what the other hides; the tables are protected again until they agree.

Pure Python (no Flask, no SQLAlchemy). It receives one plain record per woman: ambito, year,
category of each variable. No name, no code, no date of birth ever reaches it.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import xlsxwriter

from app.rules.riservatezza import RISERVATO, TabellaProtetta, proteggi


@dataclass(frozen=True)
class Variabile:
    codice: str
    titolo: str
    categorie: tuple[tuple[str, str], ...]  # (key, Italian label), in the order they are printed


@dataclass(frozen=True)
class Donna:
    """What the statistics know of a woman."""

    ambito: str
    anno: int
    valori: Mapping[str, str]  # Variabile.codice -> category key


@dataclass(frozen=True)
class Tabella:
    anno: int
    variabile: Variabile
    ambiti: tuple[str, ...]
    protetta: TabellaProtetta


FIGLI_MINORI = Variabile("figli_minori", "Figli minori", (
    ("0", "Nessun figlio minore"), ("1", "Un figlio minore"), ("2", "Due figli minori"),
    ("3+", "Tre o più figli minori")))


def categoria_figli(n: int) -> str:
    return "3+" if n >= 3 else str(max(n, 0))


def conteggi(donne: Iterable[Donna], variabile: Variabile, ambiti: Sequence[str]) -> list[list[int]]:
    """Women per category (rows) and ambito (columns)."""
    righe = {k: i for i, (k, _) in enumerate(variabile.categorie)}
    colonne = {a: j for j, a in enumerate(ambiti)}
    celle = [[0] * len(ambiti) for _ in variabile.categorie]
    for d in donne:
        chiave = d.valori[variabile.codice]
        if chiave not in righe:
            raise ValueError(f"categoria «{chiave}» non prevista per {variabile.titolo}")
        if d.ambito not in colonne:
            raise ValueError(f"ambito «{d.ambito}» non previsto")
        celle[righe[chiave]][colonne[d.ambito]] += 1
    return celle


def tabelle(donne: Iterable[Donna], variabili: Sequence[Variabile], ambiti: Sequence[str],
            soglia: int) -> list[Tabella]:
    """One protected table per year and variable, years in order."""
    per_anno: dict[int, list[Donna]] = {}
    for d in donne:
        per_anno.setdefault(d.anno, []).append(d)
    ambiti = tuple(ambiti)
    risultato = []
    for anno in sorted(per_anno):
        celle = {v.codice: conteggi(per_anno[anno], v, ambiti) for v in variabili}
        risultato += [Tabella(anno, v, ambiti, t) for v, t in _protette_insieme(variabili, celle, len(ambiti), soglia)]
    return risultato


def _protette_insieme(variabili, celle, n_ambiti, soglia):
    """Protect a year's tables with the same margins hidden in each: the women per ambito (the
    column totals) and in the province (the grand total)."""
    colonne_nascoste: set[int] = set()
    totale_nascosto = False
    while True:
        protette = []
        for v in variabili:
            R, C = len(v.categorie), n_ambiti
            imposte = {(R, j) for j in colonne_nascoste} | ({(R, C)} if totale_nascosto else set())
            protette.append((v, proteggi(celle[v.codice], soglia, gia_riservate=frozenset(imposte))))
        nascoste = set(colonne_nascoste)
        nuovo_totale = totale_nascosto
        for v, t in protette:
            R = len(v.categorie)
            for i, j in t.primarie | t.complementari:
                if i == R and j < n_ambiti:
                    nascoste.add(j)
                elif (i, j) == (R, n_ambiti):
                    nuovo_totale = True
        if nascoste == colonne_nascoste and nuovo_totale == totale_nascosto:
            return protette
        colonne_nascoste, totale_nascosto = nascoste, nuovo_totale


# --- what leaves the system: JSON and the workbook ---------------------------------------

def come_dati(tabs: Sequence[Tabella], soglia: int, estratto_il: datetime, programma: str) -> dict:
    """The tables as plain data (the API's answer); hidden values are RISERVATO."""
    anni: dict[int, dict] = {}
    for t in tabs:
        anno = anni.setdefault(t.anno, {"anno": t.anno, "ambiti": list(t.ambiti), "tabelle": []})
        p = t.protetta
        anno["tabelle"].append({
            "variabile": t.variabile.codice, "titolo": t.variabile.titolo,
            "righe": [{"categoria": k, "etichetta": etichetta, "per_ambito": list(p.celle[i]),
                       "provincia": p.totali_righe[i]}
                      for i, (k, etichetta) in enumerate(t.variabile.categorie)],
            "totale": {"per_ambito": list(p.totali_colonne), "provincia": p.totale},
        })
    return {"programma": programma, "estratto_il": estratto_il.isoformat(timespec="seconds"),
            "soglia": soglia, "riservato": RISERVATO, "anni": [anni[a] for a in sorted(anni)]}


NOTA = ("Donne del programma che hanno acconsentito all'uso dei loro dati per statistiche anonime, per anno "
        "di presa in carico e ambito territoriale. I conteggi inferiori a {soglia} sono mostrati come "
        "«riservato», e così gli altri valori (anche i totali) da cui si potrebbero ricavare per differenza: "
        "una stessa tabella non permette di risalire a un valore nascosto. Nessun dato identificativo.")


def scrivi_xlsx(tabs: Sequence[Tabella], soglia: int, estratto_il: datetime, programma: str) -> bytes:
    """The workbook: a "Note" sheet, then one sheet per year with a block per variable. Counts
    are numbers, hidden values the text «riservato»."""
    uscita = io.BytesIO()
    wb = xlsxwriter.Workbook(uscita, {"in_memory": True})
    grassetto = wb.add_format({"bold": True})
    titolo = wb.add_format({"bold": True, "font_size": 13})
    intestazione = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    numero = wb.add_format({"border": 1, "num_format": "0"})
    nascosto = wb.add_format({"border": 1, "italic": True, "align": "right", "font_color": "#555555"})
    testo = wb.add_format({"border": 1})
    totale = wb.add_format({"border": 1, "bold": True, "num_format": "0"})

    note = wb.add_worksheet("Note")
    note.set_column(0, 0, 110)
    note.write_string(0, 0, f"Statistiche delle donne — {programma}", titolo)
    note.write_string(1, 0, f"Estratte il {estratto_il:%d/%m/%Y alle %H:%M}")
    note.write_string(3, 0, NOTA.format(soglia=soglia), wb.add_format({"text_wrap": True}))

    per_anno: dict[int, list[Tabella]] = {}
    for t in tabs:
        per_anno.setdefault(t.anno, []).append(t)
    for anno in sorted(per_anno):
        foglio = wb.add_worksheet(str(anno))
        foglio.set_column(0, 0, 44)
        riga = 0
        foglio.write_string(riga, 0, f"Donne prese in carico nel {anno}, per ambito", titolo)
        riga += 2
        for t in per_anno[anno]:
            foglio.set_column(1, len(t.ambiti) + 1, 16)
            foglio.write_string(riga, 0, t.variabile.titolo, grassetto)
            riga += 1
            for j, nome in enumerate(("Categoria", *t.ambiti, "Totale provincia")):
                foglio.write_string(riga, j, nome, intestazione)
            riga += 1
            p = t.protetta
            for i, (_, etichetta) in enumerate(t.variabile.categorie):
                foglio.write_string(riga, 0, etichetta, testo)
                for j, v in enumerate((*p.celle[i], p.totali_righe[i]), start=1):
                    _cella(foglio, riga, j, v, numero, nascosto)
                riga += 1
            foglio.write_string(riga, 0, "Totale", grassetto)
            for j, v in enumerate((*p.totali_colonne, p.totale), start=1):
                _cella(foglio, riga, j, v, totale, nascosto)
            riga += 2
    wb.close()
    return uscita.getvalue()


def _cella(foglio, riga, colonna, valore, formato_numero, formato_nascosto):
    if valore == RISERVATO:
        foglio.write_string(riga, colonna, RISERVATO, formato_nascosto)
    else:
        foglio.write_number(riga, colonna, valore, formato_numero)
