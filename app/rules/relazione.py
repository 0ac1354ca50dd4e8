"""The relazione finale (issue 13, §3): a Word document for the capofila, built from plain data.

The numbers come from the data (app.servizi.relazione): each expected result with target and
value reached, paths activated per ambito and area, spending per asse against budget, the
laboratorio, agreements and training events. Beside them, the text the capofila wrote for each
section of the programme file's [[relazione_finale]].

NO PERSONAL DATA: this module receives counts, amounts, names of enti and of agreements, never a
woman or her code. Counts of women or of their paths arrive already protected
(app.rules.riservatezza): a hidden value is RISERVATO and is printed as such, with one note that
says why. A hidden count is not printed as "<3": next to a complementary hidden value (one
hidden only because a total would give the small one back) it would tell the reader which is
which, and the difference would give both back.

Pure Python (no Flask, no SQLAlchemy): python-docx only.
"""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from app.rules.eligibility import formatta_data, formatta_euro
from app.rules.programma import SezioneRelazione
from app.rules.riservatezza import RISERVATO

Conteggio = int | str  # a count, or RISERVATO


@dataclass(frozen=True)
class Risultato:
    descrizione: str
    target: int
    valore: Conteggio


@dataclass(frozen=True)
class SpesaAsse:
    asse: str
    nome: str
    speso: Decimal
    budget: Decimal | None


@dataclass(frozen=True)
class Sessione:
    data: date
    edizione: str
    tema: str
    presenti: Conteggio


@dataclass(frozen=True)
class Accordo:
    controparte: str
    tipo: str
    area: str
    stato: str
    data_firma: date | None


@dataclass(frozen=True)
class Evento:
    data: date
    tema: str
    operatori: int


@dataclass(frozen=True)
class DatiRelazione:
    programma: str
    decreto: str
    dal: date
    al: date
    soglia: int
    risultati: Sequence[Risultato]
    aree: Sequence[str]  # column labels of the paths' table (the areas, or one for all of them)
    percorsi: Sequence[tuple[str, Sequence[Conteggio]]]  # (ambito, one count per column); empty: not publishable
    percorsi_totale: Conteggio
    spese: Sequence[SpesaAsse]
    edizioni: int
    sessioni: Sequence[Sessione]
    donne_presenti: Conteggio
    accordi: Sequence[Accordo]
    eventi: Sequence[Evento]
    testi: dict[str, str] = field(default_factory=dict)  # section codice -> the capofila's text


def euro(v: Decimal | None) -> str:
    return formatta_euro(v) if v is not None else "—"


def _percentuale(valore: Conteggio, target: int) -> str:
    if valore == RISERVATO or not target:
        return "—"
    return f"{round(valore * 100 / target)}%"


# Characters XML 1.0 cannot carry (control characters, lone surrogates): python-docx refuses
# them, and a name typed or pasted with one (an accordo's counterpart, a narrative text) must not
# stop the document.
_NON_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(testo) -> str:
    return _NON_XML.sub("", str(testo))


def _tabella(doc, intestazione: Sequence[str], righe: Sequence[Sequence[str]], numeriche_da: int = 1):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    t = doc.add_table(rows=1, cols=len(intestazione))
    t.style = "Table Grid"
    for cella, testo in zip(t.rows[0].cells, intestazione):
        cella.text = ""
        cella.paragraphs[0].add_run(testo).bold = True
    for riga in righe:
        celle = t.add_row().cells
        for j, (cella, testo) in enumerate(zip(celle, riga)):
            cella.text = _xml(testo)
            if j >= numeriche_da:
                cella.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return t


def _testo(doc, sezione: SezioneRelazione, testi: dict[str, str]):
    scritto = (testi.get(sezione.codice) or "").strip()
    if not scritto:
        p = doc.add_paragraph()
        p.add_run("(Testo da scrivere nell'applicazione, «Relazione finale»: " + sezione.guida + ")").italic = True
        return
    for blocco in scritto.splitlines():
        if blocco.strip():
            doc.add_paragraph(_xml(blocco.strip()))


def scrivi_docx(d: DatiRelazione, sezioni: Sequence[SezioneRelazione], generata_il: datetime) -> bytes:
    """The document: a heading per section of the programme file, its text, then the numbers of
    the sections that have them (by codice: risultati, percorsi, spese, laboratorio,
    accordi_formazione). python-docx (with lxml) is loaded here, by the first relazione, not by
    every process that imports this module."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    doc.core_properties.title = f"Relazione finale — {d.programma}"
    doc.core_properties.author = ""
    doc.core_properties.comments = ""
    doc.add_heading(f"Relazione finale — {d.programma}", level=0)
    doc.add_paragraph(d.decreto)
    doc.add_paragraph(f"Periodo: dal {formatta_data(d.dal)} al {formatta_data(d.al)}. "
                      f"Documento generato dai dati il {generata_il:%d/%m/%Y alle %H:%M}.")
    nota = doc.add_paragraph()
    nota.add_run(f"Nessun dato personale. I conteggi di donne o dei loro percorsi inferiori a {d.soglia} sono "
                 f"indicati come «{RISERVATO}», e così gli altri valori da cui si potrebbero ricavare per "
                 "differenza. Gli importi sono esatti.").italic = True

    numeri = {"risultati": _risultati, "percorsi": _percorsi, "spese": _spese, "laboratorio": _laboratorio,
              "accordi_formazione": _accordi_formazione}
    for n, sezione in enumerate(sezioni, start=1):
        doc.add_heading(f"{n}. {sezione.titolo}", level=1)
        _testo(doc, sezione, d.testi)
        if sezione.codice in numeri:
            numeri[sezione.codice](doc, d)
    uscita = io.BytesIO()
    doc.save(uscita)
    return uscita.getvalue()


def _risultati(doc, d: DatiRelazione):
    _tabella(doc, ("Risultato atteso", "Obiettivo", "Valore raggiunto", "Avanzamento"),
             [(r.descrizione, str(r.target), str(r.valore), _percentuale(r.valore, r.target)) for r in d.risultati])


def _percorsi(doc, d: DatiRelazione):
    if d.percorsi:
        doc.add_paragraph("Percorsi attivati (progetti avviati) per ambito" + (" e area:" if len(d.aree) > 1 else ":"))
        _tabella(doc, ("Ambito", *d.aree), [(ambito, *map(str, valori)) for ambito, valori in d.percorsi])
    else:
        doc.add_paragraph("Il dettaglio per ambito non è pubblicabile: i percorsi sono troppo pochi per non far "
                          "riconoscere qualcuna.")
    doc.add_paragraph(f"Totale percorsi attivati: {d.percorsi_totale}.")


def _spese(doc, d: DatiRelazione):
    righe = []
    for s in d.spese:
        quota = f"{round(s.speso * 100 / s.budget)}%" if s.budget else "—"
        righe.append((f"Asse {s.asse} — {s.nome}", euro(s.speso), euro(s.budget), quota))
    totale = sum((s.speso for s in d.spese), Decimal("0"))
    budget = sum((s.budget for s in d.spese if s.budget), Decimal("0"))
    righe.append(("Totale", euro(totale), euro(budget), f"{round(totale * 100 / budget)}%" if budget else "—"))
    _tabella(doc, ("Asse", "Spese ammissibili", "Budget previsto", "Utilizzo"), righe)


def _laboratorio(doc, d: DatiRelazione):
    doc.add_paragraph(f"Edizioni con almeno una sessione svolta: {d.edizioni}. Sessioni svolte: {len(d.sessioni)}. "
                      f"Donne presenti almeno una volta: {d.donne_presenti}.")
    if d.sessioni:
        _tabella(doc, ("Data", "Edizione", "Tema", "Presenti"),
                 [(formatta_data(s.data), s.edizione, s.tema, str(s.presenti)) for s in d.sessioni], numeriche_da=3)


def _accordi_formazione(doc, d: DatiRelazione):
    doc.add_paragraph(f"Accordi, protocolli e patti: {len(d.accordi)}.")
    if d.accordi:
        _tabella(doc, ("Controparte", "Tipo", "Area", "Stato", "Firmato il"),
                 [(a.controparte, a.tipo, a.area, a.stato, formatta_data(a.data_firma) if a.data_firma else "—")
                  for a in d.accordi], numeriche_da=5)
    doc.add_paragraph(f"Eventi formativi per operatori: {len(d.eventi)}; operatori formati: "
                      f"{sum(e.operatori for e in d.eventi)}.")
    if d.eventi:
        _tabella(doc, ("Data", "Tema", "Operatori"),
                 [(formatta_data(e.data), e.tema, str(e.operatori)) for e in d.eventi], numeriche_da=2)
