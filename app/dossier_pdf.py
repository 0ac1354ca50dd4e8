"""A woman's dossier (issue 12 §4) laid out as a PDF: plain data in, bytes out; what it says is
decided by app.servizi.dossier.

The text is written with fpdf2's core font (Helvetica) in Windows-1252, which holds the Italian
accents, «», – and €: no font file is needed on the server. A letter outside it (ș, ő…) is
written without its accent, anything else as «?», rather than refusing the document.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

# fpdf2 (with numpy and Pillow behind it) is loaded by the first dossier, not by every process:
# `componi` imports it. It would add ≈ 25 MB to each gunicorn worker and to the export's process.

CODIFICA = "windows-1252"


@dataclass(frozen=True)
class Tabella:
    titolo: str  # "" under a section of its own name
    colonne: tuple[str, ...]
    righe: list[tuple[str, ...]]
    larghezze: tuple[int, ...]  # proportions of the page's width
    vuota: str = "Nessun dato registrato."


@dataclass(frozen=True)
class Sezione:
    titolo: str
    voci: list[tuple[str, str]] = field(default_factory=list)  # «etichetta: valore» lines
    tabelle: list[Tabella] = field(default_factory=list)
    nota: str = ""  # a sentence after the tables (a total, a caveat)


@dataclass(frozen=True)
class Documento:
    titolo: str
    intestazione: list[str]
    sezioni: list[Sezione]


def _carattere(c: str) -> str:
    senza_accento = "".join(b for b in unicodedata.normalize("NFKD", c) if not unicodedata.combining(b))
    for candidato in (c, senza_accento):
        try:
            if candidato and candidato.encode(CODIFICA):
                return candidato
        except UnicodeEncodeError:
            pass
    return "?"


def scrivibile(testo) -> str:
    """The text as the core font can write it (see the module's docstring)."""
    return "".join(map(_carattere, str(testo)))


def _pdf():
    from fpdf import FPDF

    class _Pdf(FPDF):
        def footer(self):
            self.set_y(-12)
            self.set_font("helvetica", size=8)
            self.cell(0, 6, f"{self.title} – pagina {self.page_no()} di {{nb}}", align="C")

    return _Pdf(format="A4")


def componi(documento: Documento) -> bytes:
    from fpdf.fonts import FontFace

    pdf = _pdf()
    pdf.core_fonts_encoding = CODIFICA
    pdf.set_title(scrivibile(documento.titolo))  # metadata: the code, never her name
    pdf.set_lang("it")
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 8, scrivibile(documento.titolo), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=9)
    for riga in documento.intestazione:
        pdf.multi_cell(0, 5, scrivibile(riga), new_x="LMARGIN", new_y="NEXT")
    for sezione in documento.sezioni:
        pdf.ln(4)
        pdf.set_font("helvetica", "B", 13)
        pdf.multi_cell(0, 7, scrivibile(sezione.titolo), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=9)
        if sezione.voci:
            with pdf.table(col_widths=(1, 2), first_row_as_headings=False, borders_layout="NONE",
                           line_height=5) as t:
                for etichetta, valore in sezione.voci:
                    riga = t.row()
                    riga.cell(scrivibile(etichetta), style=FontFace(emphasis="BOLD"))
                    riga.cell(scrivibile(valore))
        for tabella in sezione.tabelle:
            _tabella(pdf, tabella)
        if sezione.nota:
            pdf.ln(1)
            pdf.multi_cell(0, 5, scrivibile(sezione.nota), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _tabella(pdf, tabella: Tabella) -> None:
    from fpdf.fonts import FontFace

    pdf.ln(2)
    if pdf.will_page_break(25):  # a title is never left alone at the foot of a page
        pdf.add_page()
    if tabella.titolo:
        pdf.set_font("helvetica", "B", 10)
        pdf.multi_cell(0, 6, scrivibile(tabella.titolo), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=9)
    if not tabella.righe:
        pdf.multi_cell(0, 5, scrivibile(tabella.vuota), new_x="LMARGIN", new_y="NEXT")
        return
    with pdf.table(col_widths=tabella.larghezze, line_height=5,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230))) as t:
        for riga in [tabella.colonne, *tabella.righe]:
            r = t.row()
            for valore in riga:
                r.cell(scrivibile(valore))
