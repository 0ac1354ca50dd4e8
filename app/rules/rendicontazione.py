"""The Excel "rendicontazione" for Regione Lombardia, written from plain rows.

NO PERSONAL DATA. This module only ever receives *codes*: codice beneficiaria, codice
progetto, voce and asse codes, names of enti and the numbers of giustificativi. It has no
way to look up a name, a codice fiscale or an address, and must not be given one: the
caller builds the rows (``RigaSpesa``, ``RigaProgetto``, ``RigaIndicatore``) from the
database after applying the row perimeter of the logged-in user. Free text that reaches the
workbook (``motivi``, ``giustificativo``) is produced by the eligibility rules or typed as an
invoice number, never as a woman's data.

Pure Python (no Flask, no SQLAlchemy): xlsxwriter only, money is Decimal until the very
moment it becomes an Excel number.

Sheets, in this order: "Riepilogo", "Spese", "Progetti", "Indicatori". Each one has a title
on row 1 (programme, decree, period, extraction time, optional ente), row 2 blank, the header
on row 3, panes frozen below the header and an autofilter over the table.

Strings are always written with ``write_string``: a giustificativo typed as "=HYPERLINK(…)"
stays text and never becomes a formula.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import xlsxwriter

from app import provvisori
from app.rules.eligibility import formatta_data
from app.rules.programma import Programma

FOGLI = ("Riepilogo", "Spese", "Progetti", "Indicatori")
FORMATO_EURO = "#,##0.00 [$€-410]"
FORMATO_DATA = "dd/mm/yyyy"
FORMATO_PERCENTUALE = "0.0%"
RIGA_TITOLO = 0       # Excel row 1
RIGA_INTESTAZIONE = 2  # Excel row 3 (row 2 left blank)
PRIMA_RIGA_DATI = 3   # Excel row 4: panes frozen at A4
LARGHEZZA_MASSIMA = 60
ESITO_AMMISSIBILE = "Ammissibile"
ESITO_NON_AMMISSIBILE = "Non ammissibile"
ESITO_ANNULLATA = "Annullata"  # kept as a row, out of every sum (app.rules.annullamento)
ZERO = Decimal("0")

COLONNE_RIEPILOGO = ("Asse", "Ente pagatore", "Importo ammissibile", "Importo non ammissibile",
                     "Numero di spese")
COLONNE_SPESE = ("Codice beneficiaria", "Codice progetto", "Ambito", "Asse", "Priorità", "Voce",
                 "Data", "Importo", "Ente pagatore", "Giustificativo", "Esito", "Motivi")
COLONNE_INDICATORI = ("Indicatore", "Descrizione", "Target", "Valore raggiunto", "%")

_EPOCA_EXCEL = date(1899, 12, 30)


@dataclass(frozen=True)
class RigaSpesa:
    codice_beneficiaria: str | None  # None for Asse I spese (system actions, no woman)
    codice_progetto: str | None
    ambito: str | None
    asse: str
    priorita: str
    voce: str
    data: date
    importo: Decimal
    ente_pagatore: str
    giustificativo: str
    ammissibile: bool
    motivi: str
    annullata_il: date | None = None  # an annulled spesa: its own status, in no sum

    @property
    def esito(self) -> str:
        if self.annullata_il is not None:
            return ESITO_ANNULLATA
        return ESITO_AMMISSIBILE if self.ammissibile else ESITO_NON_AMMISSIBILE


@dataclass(frozen=True)
class RigaProgetto:
    codice: str
    ambito: str
    area: str
    data_inizio: date | None
    data_fine: date | None
    stato: str
    speso_per_asse: dict[str, Decimal]  # eligible spending, by asse codice
    residui: dict[str, Decimal]  # residual, by massimale codice


@dataclass(frozen=True)
class RigaIndicatore:
    codice: str
    descrizione: str
    target: int
    valore: int


# --- small helpers --------------------------------------------------------------------

def _seriale(d: date) -> int:
    """Excel serial day number (1900 date system); cheaper than write_datetime per cell."""
    return (d - _EPOCA_EXCEL).days


def _testo(valore) -> str:
    """Text for a cell. In constant_memory mode xlsxwriter copies a string shaped like
    "<r>…</r>" into the XML unescaped (it takes it for rich text): such a string coming from
    user input would corrupt the file or inject XML, so it gets a trailing space."""
    s = "" if valore is None else str(valore)
    if s.startswith("<r>") and s.endswith("</r>"):
        s += " "
    return s


def _colonna(indice: int) -> str:
    lettere = ""
    indice += 1
    while indice:
        indice, resto = divmod(indice - 1, 26)
        lettere = chr(65 + resto) + lettere
    return lettere


def titolo(programma: Programma, estratto_il: datetime, periodo: tuple[date | None, date | None],
           filtro_ente: str | None = None) -> str:
    dal = periodo[0] or programma.data_inizio
    al = periodo[1] or programma.data_fine
    parti = [programma.nome, programma.decreto, f"Periodo: dal {formatta_data(dal)} al {formatta_data(al)}",
             f"Estratto il {estratto_il:%d/%m/%Y %H:%M}"]
    if filtro_ente:
        parti.append(f"Ente: {filtro_ente}")
    return " — ".join(parti)


def _ordine_assi(programma: Programma):
    posizione = {a.codice: i for i, a in enumerate(programma.assi)}
    return lambda asse: (posizione.get(asse, len(posizione)), asse)


class _Foglio:
    """One worksheet: title, header, freeze, and column widths that follow the content."""

    def __init__(self, wb, nome: str, colonne: tuple[str, ...], testo_titolo: str, formati: dict):
        self.ws = wb.add_worksheet(nome)
        self.colonne = colonne
        self.formati = formati
        self.larghezze = [min(max(len(c), 8) + 2, LARGHEZZA_MASSIMA) for c in colonne]
        self.ws.write_string(RIGA_TITOLO, 0, testo_titolo, formati["titolo"])
        for c, testo in enumerate(colonne):
            self.ws.write_string(RIGA_INTESTAZIONE, c, testo, formati["intestazione"])
        self.ws.freeze_panes(PRIMA_RIGA_DATI, 0)

    def misura(self, c: int, testo: str) -> None:
        if len(testo) + 2 > self.larghezze[c]:
            self.larghezze[c] = min(len(testo) + 2, LARGHEZZA_MASSIMA)

    def chiudi(self, ultima_riga_dati: int, larghezze_fisse: dict[int, int] | None = None) -> None:
        """Autofilter over header + data rows (a totals row below stays out of the sort)."""
        for c, w in {**dict(enumerate(self.larghezze)), **(larghezze_fisse or {})}.items():
            self.ws.set_column(c, c, w)
        self.ws.autofilter(RIGA_INTESTAZIONE, 0, max(ultima_riga_dati, RIGA_INTESTAZIONE),
                           len(self.colonne) - 1)


# --- the workbook ---------------------------------------------------------------------

def scrivi_rendicontazione(
    destinazione: str | os.PathLike | BinaryIO,
    programma: Programma,
    spese: Iterable[RigaSpesa],
    progetti: Iterable[RigaProgetto],
    indicatori: Iterable[RigaIndicatore],
    estratto_il: datetime,
    periodo: tuple[date | None, date | None] = (None, None),
    filtro_ente: str | None = None,
) -> dict:
    """Write the rendicontazione workbook to ``destinazione`` (a path or a binary file).

    ``spese``, ``progetti`` and ``indicatori`` are each iterated exactly once, so generators
    straight from a database cursor are fine. Spese dated outside ``periodo`` (either end may
    be None) are left out, so the period in the title is always true; the ente perimeter is
    the caller's job and ``filtro_ente`` is only shown in the title.

    Every number is exact, small counts included. The file is a record-level extract by code
    for the Region's check of each spesa: the Riepilogo's "Numero di spese" counts spese (not
    women) and equals the number of rows of the Spese sheet beside it, so a "<3" there hid
    nothing. The suppression of small counts of women (app.rules.riservatezza) is for the
    aggregate screens; this file is protected by who may download it and by carrying codes only.

    An annulled spesa is a row of the Spese sheet ("Annullata", with its date in "Motivi": the
    reason typed by a person stays in the system) and counts in "Numero di spese", which equals
    those rows; its amount is in no sum.

    Returns ``{"ammissibile": Decimal, "non_ammissibile": Decimal, "righe_spese": int}``.
    """
    dal, al = periodo
    if dal and al and al < dal:
        raise ValueError("periodo non valido: la data finale precede quella iniziale")
    testo_titolo = titolo(programma, estratto_il, periodo, filtro_ente)

    percorso = Path(destinazione) if isinstance(destinazione, (str, os.PathLike)) else None
    # A path gets a sibling ".parziale" file renamed into place at the end: readers never see
    # a half-written report, and a failure leaves nothing behind. A killed export cannot clean
    # up: its partial file is removed by the next export to the same name.
    uscita = destinazione
    if percorso:
        provvisori.pulisci(percorso.parent, f".{percorso.name}", ".parziale")
        uscita = percorso.with_name(provvisori.nome_provvisorio(f".{percorso.name}", ".parziale"))
    # Everything xlsxwriter puts on disk meanwhile (the constant_memory row files, the package
    # parts) lives in a private temporary folder removed even when writing fails half-way, and
    # by the next export when this one was killed.
    with provvisori.cartella_provvisoria("lia-rendicontazione") as tmp:
        wb = xlsxwriter.Workbook(str(uscita) if percorso else uscita, {"constant_memory": True, "tmpdir": tmp})
        try:
            totali = _scrivi(wb, programma, spese, progetti, indicatori, testo_titolo, dal, al)
            wb.close()
            if percorso:
                provvisori.su_disco(uscita)  # the content is durable before the name says "finished"
                os.replace(uscita, percorso)
        except BaseException:
            # No close() here: a half-written workbook must never look like a finished report.
            for ws in wb.worksheets():
                fh = getattr(ws, "row_data_fh", None)
                if fh is not None and not fh.closed:
                    fh.close()
            if percorso:
                Path(uscita).unlink(missing_ok=True)
            raise
    return totali


def _formati(wb) -> dict:
    return {
        "titolo": wb.add_format({"bold": True, "font_size": 12}),
        "intestazione": wb.add_format({"bold": True, "bg_color": "#D9E1F2", "bottom": 1,
                                       "text_wrap": True, "valign": "top"}),
        "euro": wb.add_format({"num_format": FORMATO_EURO}),
        "data": wb.add_format({"num_format": FORMATO_DATA}),
        "intero": wb.add_format({"num_format": "0", "align": "right"}),
        "percentuale": wb.add_format({"num_format": FORMATO_PERCENTUALE}),
        "totale": wb.add_format({"bold": True, "top": 1}),
        "totale_euro": wb.add_format({"bold": True, "top": 1, "num_format": FORMATO_EURO}),
        "totale_intero": wb.add_format({"bold": True, "top": 1, "num_format": "0", "align": "right"}),
    }


def _scrivi(wb, programma, spese, progetti, indicatori, testo_titolo, dal, al) -> dict:
    # Memory: the Riepilogo comes first in tab order but needs totals over every spesa. With
    # constant_memory each worksheet streams its own rows to its own temp file and only has to
    # receive them in ascending order, so the sheets are created in tab order, the Riepilogo
    # gets its title and header now, the spese are streamed once into "Spese" while the
    # (asse, ente) totals accumulate in a small dict, and the Riepilogo body (rows 4+, after
    # its header) is written afterwards. Nothing is materialised: memory is O(assi × enti),
    # not O(spese), and the iterable is consumed exactly once.
    f = _formati(wb)
    riepilogo = _Foglio(wb, "Riepilogo", COLONNE_RIEPILOGO, testo_titolo, f)
    foglio_spese = _Foglio(wb, "Spese", COLONNE_SPESE, testo_titolo, f)
    assi_progetto = [a.codice for a in programma.assi
                     if any(a.codice in assi for assi in programma.aree.values())]
    colonne_progetti = (("Codice", "Ambito", "Area", "Inizio", "Fine", "Stato")
                        + tuple(f"Speso Asse {a}" for a in assi_progetto)
                        + tuple(f"Residuo {m.descrizione}" for m in programma.massimali))
    foglio_progetti = _Foglio(wb, "Progetti", colonne_progetti, testo_titolo, f)
    foglio_indicatori = _Foglio(wb, "Indicatori", COLONNE_INDICATORI, testo_titolo, f)

    aggregati, totale_si, totale_no, n = _scrivi_spese(foglio_spese, spese, dal, al, f)
    _scrivi_riepilogo(riepilogo, programma, aggregati, totale_si, totale_no, n, f)
    _scrivi_progetti(foglio_progetti, programma, progetti, assi_progetto, f)
    _scrivi_indicatori(foglio_indicatori, indicatori, f)
    return {"ammissibile": totale_si, "non_ammissibile": totale_no, "righe_spese": n}


def _scrivi_spese(foglio: _Foglio, spese, dal, al, f):
    ws = foglio.ws
    scrivi_testo, scrivi_numero = ws.write_string, ws.write_number
    fmt_euro, fmt_data = f["euro"], f["data"]
    misura = foglio.misura
    aggregati: dict[tuple[str, str], list] = {}
    totale_si = totale_no = ZERO
    r = PRIMA_RIGA_DATI
    for s in spese:
        if (dal and s.data < dal) or (al and s.data > al):
            continue
        importo = Decimal(s.importo)
        chiave = (s.asse, s.ente_pagatore)
        voce = aggregati.get(chiave)
        if voce is None:
            voce = aggregati[chiave] = [ZERO, ZERO, 0]
        esito, motivi = s.esito, s.motivi
        if esito == ESITO_ANNULLATA:
            motivi = f"Annullata il {formatta_data(s.annullata_il)}"
        elif s.ammissibile:
            voce[0] += importo
            totale_si += importo
        else:
            voce[1] += importo
            totale_no += importo
        voce[2] += 1
        testi = (
            (0, s.codice_beneficiaria), (1, s.codice_progetto), (2, s.ambito), (3, s.asse),
            (4, s.priorita), (5, s.voce), (8, s.ente_pagatore), (9, s.giustificativo), (10, esito), (11, motivi),
        )
        for c, valore in testi:
            if valore:
                t = _testo(valore)
                scrivi_testo(r, c, t)
                misura(c, t)
        scrivi_numero(r, 6, _seriale(s.data), fmt_data)
        scrivi_numero(r, 7, float(importo), fmt_euro)
        r += 1
    foglio.chiudi(r - 1, {6: 12, 7: 15})
    return aggregati, totale_si, totale_no, r - PRIMA_RIGA_DATI


def _scrivi_riepilogo(foglio: _Foglio, programma, aggregati, totale_si, totale_no, n, f):
    ws = foglio.ws
    ordine = _ordine_assi(programma)
    r = PRIMA_RIGA_DATI
    for (asse, ente) in sorted(aggregati, key=lambda k: (ordine(k[0]), k[1].casefold(), k[1])):
        si, no, conteggio = aggregati[(asse, ente)]
        for c, valore in ((0, asse), (1, ente)):
            if valore:
                t = _testo(valore)
                ws.write_string(r, c, t)
                foglio.misura(c, t)
        ws.write_number(r, 2, float(si), f["euro"])
        ws.write_number(r, 3, float(no), f["euro"])
        ws.write_number(r, 4, conteggio, f["intero"])
        r += 1
    ultima_dati = r - 1
    ws.write_string(r, 0, "Totale", f["totale"])
    ws.write_blank(r, 1, None, f["totale"])
    for c, totale, formato in ((2, float(totale_si), f["totale_euro"]), (3, float(totale_no), f["totale_euro"]),
                               (4, n, f["totale_intero"])):
        if aggregati:
            lettera = _colonna(c)
            ws.write_formula(r, c, f"=SUM({lettera}{PRIMA_RIGA_DATI + 1}:{lettera}{ultima_dati + 1})",
                             formato, totale)
        else:
            ws.write_number(r, c, 0, formato)
    foglio.chiudi(ultima_dati, {2: 20, 3: 20, 4: 16})


def _scrivi_progetti(foglio: _Foglio, programma, progetti, assi_progetto, f):
    ws = foglio.ws
    prima_speso = 6
    prima_residuo = prima_speso + len(assi_progetto)
    r = PRIMA_RIGA_DATI
    for p in progetti:
        for c, valore in ((0, p.codice), (1, p.ambito), (2, p.area), (5, p.stato)):
            if valore:
                t = _testo(valore)
                ws.write_string(r, c, t)
                foglio.misura(c, t)
        for c, d in ((3, p.data_inizio), (4, p.data_fine)):
            if d is not None:
                ws.write_number(r, c, _seriale(d), f["data"])
        for i, asse in enumerate(assi_progetto):
            ws.write_number(r, prima_speso + i, float(p.speso_per_asse.get(asse, ZERO)), f["euro"])
        for i, m in enumerate(programma.massimali):
            residuo = p.residui.get(m.codice)
            if residuo is not None:  # unknown (e.g. the ceiling does not apply): left blank
                ws.write_number(r, prima_residuo + i, float(residuo), f["euro"])
        r += 1
    larghezze = {3: 12, 4: 12}
    larghezze.update({c: 16 for c in range(prima_speso, prima_residuo)})
    larghezze.update({c: 24 for c in range(prima_residuo, len(foglio.colonne))})
    foglio.chiudi(r - 1, larghezze)


def _scrivi_indicatori(foglio: _Foglio, indicatori, f):
    ws = foglio.ws
    r = PRIMA_RIGA_DATI
    for i in indicatori:
        for c, valore in ((0, i.codice), (1, i.descrizione)):
            if valore:
                t = _testo(valore)
                ws.write_string(r, c, t)
                foglio.misura(c, t)
        ws.write_number(r, 2, int(i.target), f["intero"])
        ws.write_number(r, 3, int(i.valore), f["intero"])
        if i.target:
            ws.write_formula(r, 4, f"=D{r + 1}/C{r + 1}", f["percentuale"], int(i.valore) / int(i.target))
        r += 1
    foglio.chiudi(r - 1, {2: 10, 3: 16, 4: 10})
