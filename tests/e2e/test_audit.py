"""The audit in the browser: the CAV holding a woman opens "Chi ha consultato i suoi dati" on her
page and finds her own reading of the woman's data; the équipe, which sees the same page by
code, has no such tab; the Amministratore finds the read in the audit search and downloads it."""
from __future__ import annotations

import io
import os
import re

from openpyxl import load_workbook

from .conftest import accedi, aggiungi_filtro, donna_nuova, menu, messaggi

TAB = "Chi ha consultato i suoi dati"


def test_cav_vede_chi_ha_consultato_i_dati_e_l_equipe_no(app, api_di, pagina_di, nuovo_contesto, server,
                                                        cartella_schermate):
    api = api_di("cav.crema")
    bid, codice = donna_nuova(app, api)
    r = api.post("/api/v1/datipersonali/", json={"beneficiaria": bid, "nome": "Ottavia", "cognome": "Registrini"})
    assert r.status_code == 201, r.get_json()

    page = pagina_di("cav.crema")
    page.goto(f"{server}/beneficiariaview/show/{bid}")
    page.click("a[href='#DatiPersonaliView']")
    page.locator("#DatiPersonaliView a[href*='/datipersonaliview/show/']").first.click()
    page.wait_for_load_state()
    assert "Registrini" in page.inner_text("body")

    page.goto(f"{server}/beneficiariaview/show/{bid}")
    page.click(f"a:text-is('{TAB}')")
    scheda = page.locator("#AccessiDatiPersonaliView")
    scheda.wait_for(state="visible")
    righe = [re.sub(r"\s+", " ", t).strip() for t in scheda.locator("tbody tr").all_inner_texts()]
    assert any("cav.crema" in t and "Centro Antiviolenza di Crema" in t and "Lettura dei dati personali" in t
               for t in righe), righe
    assert any("Creazione" in t for t in righe), righe
    assert "Registrini" not in scheda.inner_text() and "Ottavia" not in scheda.inner_text()
    immagine = os.path.join(cartella_schermate, "chi-ha-consultato.png")
    page.screenshot(path=immagine, full_page=True)
    assert os.path.getsize(immagine) > 10_000

    equipe = accedi(nuovo_contesto().new_page(), server, "equipe.crema")
    equipe.goto(f"{server}/beneficiariaview/show/{bid}")
    assert codice in equipe.inner_text("body")
    assert equipe.locator(f"a:text-is('{TAB}')").count() == 0
    assert equipe.locator("#AccessiDatiPersonaliView").count() == 0


def test_amministratore_cerca_nel_registro_e_lo_scarica(app, pagina_di, server, cartella_schermate):
    page = pagina_di("admin")  # her own login is a row to find, at least
    menu(page, "Sicurezza", "Registro di audit")
    assert "/auditview/list" in page.url
    assert page.locator("table.table-hover > tbody > tr").count() > 0

    # The search, through FAB's own search form: "Azione", "Uguale a", "Accesso riuscito".
    riga = aggiungi_filtro(page, "azione")
    riga.locator(".select2-container").first.click()
    page.locator("li.select2-results__option", has_text=re.compile(r"^Uguale a$")).click()
    riga.locator("select.filter_val").select_option(label="Accesso riuscito")
    page.click("#filter_form button[type=submit]")
    page.wait_for_load_state()
    assert "_flt_3_azione=login_riuscito" in page.url, page.url
    azioni = {t.strip() for t in page.locator("table.table-hover > tbody > tr > td:nth-child(6)").all_inner_texts()}
    assert azioni == {"Accesso riuscito"}, (azioni, messaggi(page))
    immagine = os.path.join(cartella_schermate, "registro-audit.png")
    page.screenshot(path=immagine, full_page=True)

    with page.expect_download() as scaricamento:
        page.click("#scarica-audit")
    contenuto = open(scaricamento.value.path(), "rb").read()
    foglio = load_workbook(io.BytesIO(contenuto), read_only=True).active
    valori = list(foglio.iter_rows(values_only=True))
    assert valori[0][6] == "Azione" and len(valori) > 1
    assert {riga[6] for riga in valori[1:]} == {"Accesso riuscito"}
