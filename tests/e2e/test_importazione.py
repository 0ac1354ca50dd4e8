"""A CAV operator imports her women from Excel (issue 13, §1): the template from the menu, a file
with an error tried (the error on the page, nothing written), the corrected file tried, its report
downloaded, then «Importa»; a long file shows its progress bar until its outcome replaces it."""
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
    # Its outcome: on the page at once for a short file, else after the progress bar.
    page.wait_for_selector("#lia-esito" if azione == "prova" else ".alert-success, #lia-esito")


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
    page.wait_for_selector(".alert-success")
    assert "Importazione completata" in page.inner_text(".alert-success")
    page.screenshot(path=os.path.join(cartella_schermate, "importazione-fatta.png"), full_page=True)


def test_un_file_lungo_mostra_l_avanzamento_poi_l_esito(app, pagina_di, server, cartella_schermate, monkeypatch):
    monkeypatch.setitem(app.config, "LIA_IMPORTAZIONE_ATTESA_S", 0)  # the bar at once, whatever the machine
    page = pagina_di("cav.crema")
    page.goto(server + "/importazione/")
    fogli, _ = caso_completo(300, 0, prefisso="E2L")
    page.set_input_files("#lia-file", files=[{"name": "lungo.xlsx", "mimeType": XLSX, "buffer": cartella(fogli)}])
    page.click("button[value='prova']")
    page.wait_for_selector("#lia-avanzamento")
    assert "in corso" in page.inner_text("#lia-lavoro")
    # The bar moves as the page asks for the state (or the run is already over on a fast machine).
    for _ in range(600):
        barra = page.locator("#lia-avanzamento")
        if not barra.count() or float(barra.get_attribute("value") or 0) > 0:
            break
        page.wait_for_timeout(200)
    page.screenshot(path=os.path.join(cartella_schermate, "importazione-avanzamento.png"), full_page=True)
    page.wait_for_selector("#lia-esito", timeout=120_000)  # the page asks for the state and reloads itself
    assert "Prova riuscita" in page.inner_text("#lia-esito")
    assert "Donne: 300 righe, 300 nuove" in page.inner_text("#lia-sintesi")
    assert page.locator("#lia-avanzamento").count() == 0
