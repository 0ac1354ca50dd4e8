"""A CAV operator imports her women from Excel (issue 13, §1): the template from the menu, a file
with an error tried (the error on the page, nothing written), the corrected file tried, its report
downloaded, then «Importa»; the women are then in her list."""
from __future__ import annotations

import io
import os

import openpyxl

from aiuti_importazione import caso_completo, cartella
from .conftest import menu

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _carica(page, contenuto: bytes, azione: str):
    page.set_input_files("#lia-file", files=[{"name": "donne.xlsx", "mimeType": XLSX, "buffer": contenuto}])
    page.click(f"button[value='{azione}']")
    page.wait_for_load_state()


def test_la_cav_prova_e_importa_un_file_excel(pagina_di, server, cartella_schermate):
    page = pagina_di("cav.crema")
    menu(page, "Casi", "Importa da Excel")
    assert "/importazione/" in page.url
    with page.expect_download() as scaricato:
        page.click("#lia-modello")
    modello = openpyxl.load_workbook(io.BytesIO(open(scaricato.value.path(), "rb").read()))
    assert modello.sheetnames[0] == "Istruzioni" and "Spese" in modello.sheetnames

    fogli, _ = caso_completo(2, 1, prefisso="E2E")
    buono = cartella(fogli)
    fogli["Altre misure"][0][1] = "bonus vacanze"
    _carica(page, cartella(fogli), "prova")
    assert "nessun dato importato" in page.inner_text("#lia-esito")
    errori = page.inner_text("#lia-errori")
    assert "Altre misure" in errori and "Tipo" in errori and "bonus vacanze" in errori
    assert page.locator("#lia-importa").count() == 0, "«Importa» offerto per un file con errori"
    page.screenshot(path=os.path.join(cartella_schermate, "importazione-errori.png"), full_page=True)

    _carica(page, buono, "prova")
    assert "Prova riuscita" in page.inner_text("#lia-esito")
    assert "Donne: 2 righe, 2 nuove" in page.inner_text("#lia-sintesi")
    with page.expect_download() as scaricato:
        page.click("#lia-resoconto")
    resoconto = openpyxl.load_workbook(io.BytesIO(open(scaricato.value.path(), "rb").read()))
    assert resoconto["Resoconto"]["B2"].value == 2
    page.screenshot(path=os.path.join(cartella_schermate, "importazione-prova.png"), full_page=True)

    page.click("#lia-importa")
    page.wait_for_load_state()
    assert "Importazione completata" in page.inner_text(".alert-success")
    page.screenshot(path=os.path.join(cartella_schermate, "importazione-fatta.png"), full_page=True)
