"""The statistics in the browser: the Regione opens them from the menu, reads the tables with
«riservato» where a count is small, and downloads the same tables as an Excel file."""
from __future__ import annotations

import io
import os

import openpyxl

from .test_schermate import _da_leggere, _problemi


def test_la_regione_apre_e_scarica_le_statistiche(api_di, pagina_di, cartella_schermate):
    dati = api_di("regione").get("/api/v1/statistiche/").get_json()["result"]
    page = pagina_di("regione")
    page.click(".navbar a.dropdown-toggle:has-text('Contabilità')")
    page.click(".navbar a[href='/statistiche/']")
    page.wait_for_load_state()
    assert page.url.endswith("/statistiche/")
    schermata = os.path.join(cartella_schermate, "statistiche.png")
    page.screenshot(path=schermata, full_page=True)
    problemi = _problemi("statistiche", _da_leggere(page))
    assert not problemi, f"schermata in {schermata}:\n" + "\n".join(problemi)
    assert page.locator("h3[id^='anno-']").count() == len(dati["anni"]) > 0
    primo = dati["anni"][0]
    t = primo["tabelle"][0]
    tabella = page.locator(f"#tabella-{primo['anno']}-{t['variabile']}")
    assert tabella.locator("tfoot th").last.inner_text().strip() == str(t["totale"]["provincia"])
    assert "«riservato»" in page.locator("#nota-riservatezza").inner_text()

    with page.expect_download() as scaricato:
        page.click("#scarica-statistiche")
    percorso = scaricato.value.path()
    wb = openpyxl.load_workbook(io.BytesIO(open(percorso, "rb").read()))
    assert wb.sheetnames == ["Note", *[str(a["anno"]) for a in dati["anni"]]]
