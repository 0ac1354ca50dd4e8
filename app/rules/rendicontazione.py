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

Sheets, in the order and with the Spese columns that the programme file's [rendiconto] gives
(the L.I.A. 2 default: "Riepilogo", "Budget", "Spese", "Controlli", "Progetti", "Indicatori").
Each one has a title on row 1 (programme, decree, period, extraction time, optional ente), row 2
blank, the header on row 3, panes frozen below the header and an autofilter over the table.

Strings are always written with ``write_string``: a giustificativo typed as "=HYPERLINK(…)"
stays text and never becomes a formula.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from typing import BinaryIO, NamedTuple

import xlsxwriter

from app import provvisori
from app.rules.eligibility import formatta_data
from app.rules.programma import COLONNE_SPESE_LIA2, FOGLI_RENDICONTO, Programma

FOGLI = FOGLI_RENDICONTO  # the L.I.A. 2 order; a programme file may choose another ([rendiconto])
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

COLONNE_RIEPILOGO = ("Asse", "Priorità", "Voce", "Descrizione", "Importo ammissibile", "Importo non ammissibile",
                     "Numero di spese")
COLONNE_SPESE = tuple(c.etichetta for c in COLONNE_SPESE_LIA2)  # the default layout's labels
COLONNE_BUDGET = ("Livello", "Asse / ente", "Budget regionale previsto", "Speso ammissibile", "Residuo",
                  "% utilizzato")
COLONNE_COFINANZIAMENTO = ("Cofinanziamento monetario", "Cofinanziamento valorizzato (personale)",
                           "Totale previsto (regionale + cofinanziamento)")
# One row per spesa with something to check, one column per check (blank: nothing to say), so
# the reviewer filters on a column to get each list; the other columns find the spesa in Spese.
COLONNE_CONTROLLI = ("N. spesa", "Codice progetto", "Numero giustificativo", "Ente pagatore", "Importo",
                     "Senza quietanza", "Senza file del giustificativo", "Non ammissibile: motivi")
LIVELLO_ASSE, LIVELLO_ENTE = "Asse", "Ente"
COLONNE_INDICATORI = ("Indicatore", "Descrizione", "Target", "Valore raggiunto", "%")
# How each field of CAMPI_SPESA is written: dates and money as Excel numbers, the rest as text.
CAMPI_DATA = frozenset({"data", "giustificativo_data", "quietanza_data"})
CAMPI_EURO = frozenset({"importo"})
CAMPI_INTERI = frozenset({"numero_spesa", "rettifica_di"})

_EPOCA_EXCEL = date(1899, 12, 30)


class RigaSpesa(NamedTuple):  # a tuple: one is built per spesa, 100,000 in a decade
    codice_beneficiaria: str | None  # None for Asse I spese (system actions, no woman)
    codice_progetto: str | None
    ambito: str | None
    asse: str
    priorita: str
    voce: str
    data: date
    importo: Decimal
    ente_pagatore: str
    ammissibile: bool
    motivi: str
    annullata_il: date | None = None  # an annulled spesa: its own status, in no sum
    numero_spesa: int | None = None  # its id: how the reviewer and the ente find it in the system
    fornitore: str = ""  # who was paid (a firm, a landlord), as typed on the spesa
    giustificativo_tipo: str = ""  # the label ("Fattura"), not the stored key
    giustificativo_numero: str = ""
    giustificativo_data: date | None = None
    quietanza_tipo: str = ""  # the label ("Bonifico")
    quietanza_data: date | None = None
    allegato: bool = False  # the file of the giustificativo is attached
    rettifica_di: int | None = None  # a rettifica (negative amount): the «N. spesa» it gives money back on

    @property
    def giustificativo(self) -> str:
        """The giustificativo in one phrase ("Fattura n. F1/2023 del 01/06/2023"), for a layout
        that wants it in one column; built only when asked, not for every spesa."""
        parti = (self.giustificativo_tipo, f"n. {self.giustificativo_numero}" if self.giustificativo_numero else "",
                 f"del {formatta_data(self.giustificativo_data)}" if self.giustificativo_data else "")
        return " ".join(p for p in parti if p)

    @property
    def esito(self) -> str:
        if self.annullata_il is not None:
            return ESITO_ANNULLATA
        return ESITO_AMMISSIBILE if self.ammissibile else ESITO_NON_AMMISSIBILE

    @property
    def annullata(self) -> bool:
        return self.annullata_il is not None

    @property
    def motivi_esposti(self) -> str:
        """What the «Motivi» column says: an annulled spesa's date (the reason typed by a person
        stays in the system), otherwise the eligibility rules' reasons."""
        return f"Annullata il {formatta_data(self.annullata_il)}" if self.annullata else self.motivi

    @property
    def file_allegato(self) -> str:
        return "Sì" if self.allegato else "No"

    def controlli(self) -> tuple[str, str, str] | None:
        """What a reviewer checks on this spesa, in the order of the Controlli columns: the missing
        quietanza, the missing file, the reasons it is not eligible ("" where all is well); None
        when all is well, and for an annulled spesa, which is out of the accounts."""
        if self.annullata:
            return None
        if not self.quietanza_tipo and self.quietanza_data is None:
            quietanza = "quietanza non registrata"
        elif not self.quietanza_tipo:
            quietanza = "manca il tipo di quietanza"
        elif self.quietanza_data is None:
            quietanza = "manca la data della quietanza"
        else:
            quietanza = ""
        file = "" if self.allegato else "nessun file allegato"
        motivi = "" if self.ammissibile else (self.motivi or ESITO_NON_AMMISSIBILE)
        return (quietanza, file, motivi) if quietanza or file or motivi else None


# The attribute of RigaSpesa that each field of the programme file's Spese columns reads.
_ATTRIBUTI = {"motivi": "motivi_esposti"}


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
            totali = _scrivi(wb, programma, spese, progetti, indicatori, testo_titolo, dal, al, filtro_ente)
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
        "totale_percentuale": wb.add_format({"bold": True, "top": 1, "num_format": FORMATO_PERCENTUALE}),
        "subtotale": wb.add_format({"bold": True, "italic": True}),
        "subtotale_euro": wb.add_format({"bold": True, "italic": True, "num_format": FORMATO_EURO}),
        "subtotale_intero": wb.add_format({"bold": True, "italic": True, "num_format": "0", "align": "right"}),
    }


def _scrivi(wb, programma, spese, progetti, indicatori, testo_titolo, dal, al, filtro_ente) -> dict:
    # Memory: the Riepilogo and the Budget come before the Spese in tab order but need totals
    # over every spesa. With constant_memory each worksheet streams its own rows to its own temp
    # file and only has to receive them in ascending order, so the sheets are created in tab
    # order with their title and header, the spese are streamed once into "Spese" (and their
    # problems into "Controlli", row by row as well) while the totals accumulate in small dicts,
    # and the bodies of Riepilogo and Budget (rows 4+, after their header) are written
    # afterwards. Nothing is materialised: memory is O(voci + enti), not O(spese), and the
    # iterable is consumed exactly once.
    f = _formati(wb)
    layout = programma.rendiconto
    cofinanziato = bool(layout.cofinanziamento)
    assi_progetto = [a.codice for a in programma.assi
                     if any(a.codice in assi for assi in programma.aree.values())]
    colonne = {
        "Riepilogo": COLONNE_RIEPILOGO,
        "Budget": COLONNE_BUDGET + (COLONNE_COFINANZIAMENTO if cofinanziato else ()),
        "Spese": tuple(c.etichetta for c in layout.colonne_spese),
        "Controlli": COLONNE_CONTROLLI,
        "Progetti": (("Codice", "Ambito", "Area", "Inizio", "Fine", "Stato")
                     + tuple(f"Speso Asse {a}" for a in assi_progetto)
                     + tuple(f"Residuo {m.descrizione}" for m in programma.massimali)),
        "Indicatori": COLONNE_INDICATORI,
    }
    fogli = {nome: _Foglio(wb, nome, colonne[nome], testo_titolo, f) for nome in layout.fogli}

    totali = _scrivi_spese(fogli.get("Spese"), fogli.get("Controlli"), layout.colonne_spese, spese, dal, al, f)
    if "Riepilogo" in fogli:
        _scrivi_riepilogo(fogli["Riepilogo"], programma, totali, f)
    if "Budget" in fogli:
        _scrivi_budget(fogli["Budget"], programma, totali, filtro_ente, f)
    if "Progetti" in fogli:
        _scrivi_progetti(fogli["Progetti"], programma, progetti, assi_progetto, f)
    if "Indicatori" in fogli:
        _scrivi_indicatori(fogli["Indicatori"], indicatori, f)
    return {"ammissibile": totali.ammissibile, "non_ammissibile": totali.non_ammissibile,
            "righe_spese": totali.righe}


@dataclass
class _Totali:
    """What the summary sheets need of the spese, accumulated in the one pass over them."""
    per_voce: dict  # (asse, priorità, voce) -> [ammissibile, non ammissibile, numero di spese]
    per_ente: dict  # ente -> [ammissibile, non ammissibile, numero di spese]
    ammissibile: Decimal = ZERO
    non_ammissibile: Decimal = ZERO
    righe: int = 0


def _scrivi_spese(foglio: _Foglio | None, controlli: _Foglio | None, colonne, spese, dal, al, f) -> _Totali:
    totali = _Totali({}, {})
    ws = foglio.ws if foglio else None
    # Each column once resolved to (column, reader): no lookup by name per cell.
    testi, date_, euro, interi = [], [], [], []
    for c, colonna in enumerate(colonne if foglio else ()):
        lettore = attrgetter(_ATTRIBUTI.get(colonna.campo, colonna.campo))
        gruppo = (date_ if colonna.campo in CAMPI_DATA else euro if colonna.campo in CAMPI_EURO
                  else interi if colonna.campo in CAMPI_INTERI else testi)
        gruppo.append((c, lettore))
    fmt_euro, fmt_data, fmt_intero = f["euro"], f["data"], f["intero"]
    if ws is not None:  # bound once: this loop runs once per spesa
        scrivi_numero = ws.write_number
    r = r_controlli = PRIMA_RIGA_DATI
    for s in spese:
        if (dal and s.data < dal) or (al and s.data > al):
            continue
        importo = s.importo
        chiave = (s.asse, s.priorita, s.voce)
        voce = totali.per_voce.get(chiave)
        if voce is None:
            voce = totali.per_voce[chiave] = [ZERO, ZERO, 0]
        ente = totali.per_ente.get(s.ente_pagatore)
        if ente is None:
            ente = totali.per_ente[s.ente_pagatore] = [ZERO, ZERO, 0]
        if s.annullata:
            pass
        elif s.ammissibile:
            voce[0] += importo
            ente[0] += importo
            totali.ammissibile += importo
        else:
            voce[1] += importo
            ente[1] += importo
            totali.non_ammissibile += importo
        voce[2] += 1
        ente[2] += 1
        if ws is not None:
            _scrivi_testi(foglio, r, [(c, lettore(s)) for c, lettore in testi])
            for c, lettore in date_:
                d = lettore(s)
                if d is not None:
                    scrivi_numero(r, c, (d - _EPOCA_EXCEL).days, fmt_data)
            for c, lettore in euro:
                scrivi_numero(r, c, float(lettore(s)), fmt_euro)
            for c, lettore in interi:
                n = lettore(s)
                if n is not None:
                    scrivi_numero(r, c, n, fmt_intero)
        r += 1
        if controlli is not None:
            problemi = s.controlli()
            if problemi is not None:
                _scrivi_controllo(controlli, r_controlli, problemi, s, importo, f)
                r_controlli += 1
    totali.righe = r - PRIMA_RIGA_DATI
    if foglio:
        larghezze = {c: 12 for c, _ in date_}
        larghezze.update({c: 15 for c, _ in euro})
        foglio.chiudi(r - 1, larghezze)
    if controlli:
        controlli.chiudi(r_controlli - 1, {4: 15})
    return totali


def _scrivi_controllo(foglio: _Foglio, r: int, problemi, s: RigaSpesa, importo, f) -> None:
    testi = ((1, s.codice_progetto), (2, s.giustificativo_numero), (3, s.ente_pagatore)) + tuple(
        zip((5, 6, 7), problemi))
    _scrivi_testi(foglio, r, testi)
    if s.numero_spesa is not None:
        foglio.ws.write_number(r, 0, s.numero_spesa, f["intero"])
    foglio.ws.write_number(r, 4, float(importo), f["euro"])


def _scrivi_testi(foglio: _Foglio, r: int, testi, formato=None) -> None:
    scrivi_testo, larghezze = foglio.ws.write_string, foglio.larghezze
    for c, t in testi:
        if t:
            if t.__class__ is not str or t.startswith("<r>"):  # _testo's cases, tested inline
                t = _testo(t)
            scrivi_testo(r, c, t, formato)
            if len(t) + 2 > larghezze[c]:
                foglio.misura(c, t)


def _subtotale(ws, r: int, colonne, prima: int, ultima: int, valori, formati) -> None:
    """SUBTOTAL(9, …) over Excel rows prima..ultima (1-based): Excel leaves the subtotals nested
    in that range out, so a priority's, an asse's and the grand total never count twice. The
    cached value is written too, for readers that do not compute formulas."""
    for c, valore, formato in zip(colonne, valori, formati):
        lettera = _colonna(c)
        ws.write_formula(r, c, f"=SUBTOTAL(9,{lettera}{prima}:{lettera}{ultima})", formato, valore)


def _scrivi_riepilogo(foglio: _Foglio, programma: Programma, totali: _Totali, f) -> None:
    """Per asse → priorità → voce (programme order), with a subtotal per priority and per asse
    and the grand total on the last row."""
    ws = foglio.ws
    ordine_assi = _ordine_assi(programma)
    posizione_priorita = {p.codice: i for i, p in enumerate(programma.priorita)}
    posizione_voce = {v.codice: i for i, v in enumerate(programma.voci)}
    per_asse: dict[str, dict[str, list]] = {}
    for asse, priorita, voce in totali.per_voce:
        per_asse.setdefault(asse, {}).setdefault(priorita, []).append(voce)
    euro, intero = f["euro"], f["intero"]
    sub_euro, sub_intero = f["subtotale_euro"], f["subtotale_intero"]
    r = PRIMA_RIGA_DATI
    for asse in sorted(per_asse, key=ordine_assi):
        inizio_asse = r
        somma_asse = [ZERO, ZERO, 0]
        for priorita in sorted(per_asse[asse], key=lambda p: (posizione_priorita.get(p, len(posizione_priorita)), p)):
            inizio = r
            somma = [ZERO, ZERO, 0]
            voci = sorted(per_asse[asse][priorita], key=lambda v: (posizione_voce.get(v, len(posizione_voce)), v))
            for voce in voci:
                si, no, n = totali.per_voce[(asse, priorita, voce)]
                descrizione = programma.voce(voce).descrizione if programma.voce(voce) else ""
                _scrivi_testi(foglio, r, ((0, asse), (1, priorita), (2, voce), (3, descrizione)))
                ws.write_number(r, 4, float(si), euro)
                ws.write_number(r, 5, float(no), euro)
                ws.write_number(r, 6, n, intero)
                somma = [somma[0] + si, somma[1] + no, somma[2] + n]
                r += 1
            _scrivi_testi(foglio, r, ((0, asse), (1, priorita), (2, f"Totale priorità {priorita}")),
                          f["subtotale"])
            _subtotale(ws, r, (4, 5, 6), inizio + 1, r, (float(somma[0]), float(somma[1]), somma[2]),
                       (sub_euro, sub_euro, sub_intero))
            somma_asse = [a + b for a, b in zip(somma_asse, somma)]
            r += 1
        _scrivi_testi(foglio, r, ((0, asse), (1, f"Totale asse {asse}")), f["subtotale"])
        _subtotale(ws, r, (4, 5, 6), inizio_asse + 1, r,
                   (float(somma_asse[0]), float(somma_asse[1]), somma_asse[2]), (sub_euro, sub_euro, sub_intero))
        r += 1
    ultima_dati = r - 1
    ws.write_string(r, 0, "Totale", f["totale"])
    for c in (1, 2, 3):
        ws.write_blank(r, c, None, f["totale"])
    valori = (float(totali.ammissibile), float(totali.non_ammissibile), totali.righe)
    formati = (f["totale_euro"], f["totale_euro"], f["totale_intero"])
    if totali.per_voce:
        _subtotale(ws, r, (4, 5, 6), PRIMA_RIGA_DATI + 1, ultima_dati + 1, valori, formati)
    else:
        for c, formato in zip((4, 5, 6), formati):
            ws.write_number(r, c, 0, formato)
    foglio.chiudi(ultima_dati, {3: 50, 4: 20, 5: 20, 6: 16})


def _scrivi_budget(foglio: _Foglio, programma: Programma, totali: _Totali, filtro_ente: str | None, f) -> None:
    """Planned regional money against eligible spending, per asse and then per ente, with the
    co-financing columns when the programme file declares co-financing. A single ente's
    download (filtro_ente) shows its own planned amount; the network's amounts per asse are
    not its own, so its asse rows show the spending only."""
    ws = foglio.ws
    layout = programma.rendiconto
    cofinanziato = bool(layout.cofinanziamento)
    speso_asse: dict[str, Decimal] = {}
    for (asse, _, _), (si, _, _) in totali.per_voce.items():
        speso_asse[asse] = speso_asse.get(asse, ZERO) + si
    ordine = _ordine_assi(programma)
    assi = sorted({a.codice for a in programma.assi} | set(speso_asse), key=ordine)
    if filtro_ente:
        enti = [filtro_ente]
    else:
        enti = sorted(set(layout.budget_enti) | set(totali.per_ente), key=lambda e: (e.casefold(), e))
    righe = [(LIVELLO_ASSE, a, None if filtro_ente else layout.budget_assi.get(a), speso_asse.get(a, ZERO),
              layout.cofinanziamento_di(asse=a)) for a in assi]
    righe += [(LIVELLO_ENTE, e, layout.budget_enti.get(e), totali.per_ente.get(e, [ZERO])[0],
               layout.cofinanziamento_di(ente=e)) for e in enti]
    r = PRIMA_RIGA_DATI
    for livello, nome, previsto, speso, (monetario, valorizzato) in righe:
        _scrivi_testi(foglio, r, ((0, livello), (1, nome)))
        ws.write_number(r, 3, float(speso), f["euro"])
        if previsto is not None:
            ws.write_number(r, 2, float(previsto), f["euro"])
            ws.write_formula(r, 4, f"=C{r + 1}-D{r + 1}", f["euro"], float(previsto - speso))
            ws.write_formula(r, 5, f"=D{r + 1}/C{r + 1}", f["percentuale"], float(speso / previsto))
        if cofinanziato:
            ws.write_number(r, 6, float(monetario), f["euro"])
            ws.write_number(r, 7, float(valorizzato), f["euro"])
            ws.write_number(r, 8, float((previsto or ZERO) + monetario + valorizzato), f["euro"])
        r += 1
    ultima_dati = r - 1
    # The total is the assi's (each spesa counted once; the ente rows split the same money).
    ws.write_string(r, 0, "Totale", f["totale"])
    ws.write_string(r, 1, "Tutti gli assi", f["totale"])
    asse_righe = [x for x in righe if x[0] == LIVELLO_ASSE]
    previsti = [x[2] for x in asse_righe if x[2] is not None]
    somme = {3: sum((x[3] for x in asse_righe), ZERO)}
    if previsti:
        somme[2] = sum(previsti, ZERO)
    if cofinanziato:
        somme[6] = sum((x[4][0] for x in asse_righe), ZERO)
        somme[7] = sum((x[4][1] for x in asse_righe), ZERO)
        somme[8] = sum(((x[2] or ZERO) + x[4][0] + x[4][1] for x in asse_righe), ZERO)
    intervallo = f"$A${PRIMA_RIGA_DATI + 1}:$A${ultima_dati + 1}"
    for c, valore in somme.items():
        lettera = _colonna(c)
        ws.write_formula(r, c, f'=SUMIF({intervallo},"{LIVELLO_ASSE}",{lettera}{PRIMA_RIGA_DATI + 1}:'
                               f'{lettera}{ultima_dati + 1})', f["totale_euro"], float(valore))
    if 2 in somme:
        ws.write_formula(r, 4, f"=C{r + 1}-D{r + 1}", f["totale_euro"], float(somme[2] - somme[3]))
        ws.write_formula(r, 5, f"=D{r + 1}/C{r + 1}", f["totale_percentuale"], float(somme[3] / somme[2]))
    larghezze = {c: 20 for c in range(2, len(foglio.colonne))}
    larghezze[5] = 14
    foglio.chiudi(ultima_dati, larghezze)


def _scrivi_progetti(foglio: _Foglio, programma, progetti, assi_progetto, f):
    ws = foglio.ws
    prima_speso = 6
    prima_residuo = prima_speso + len(assi_progetto)
    r = PRIMA_RIGA_DATI
    for p in progetti:
        _scrivi_testi(foglio, r, ((0, p.codice), (1, p.ambito), (2, p.area), (5, p.stato)))
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
        _scrivi_testi(foglio, r, ((0, i.codice), (1, i.descrizione)))
        ws.write_number(r, 2, int(i.target), f["intero"])
        ws.write_number(r, 3, int(i.valore), f["intero"])
        if i.target:
            ws.write_formula(r, 4, f"=D{r + 1}/C{r + 1}", f["percentuale"], int(i.valore) / int(i.target))
        r += 1
    foglio.chiudi(r - 1, {2: 10, 3: 16, 4: 10})
