"""The CAV finds her woman by surname from the menu bar and opens her page (issue 11, §2)."""
from __future__ import annotations

import os
import uuid

from .conftest import donna_nuova


def test_la_cav_cerca_un_cognome_dal_menu_e_apre_la_sua_pagina(pagina_di, server, app, api_di, cartella_schermate):
    cognome = f"Ricercabilissima{uuid.uuid4().hex[:5]}"
    api = api_di("cav.crema")
    bid, codice = donna_nuova(app, api, ambito="CM")
    r = api.post("/api/v1/datipersonali/", json={"beneficiaria": bid, "nome": "Genoveffa", "cognome": cognome})
    assert r.status_code == 201, r.get_json()

    page = pagina_di("cav.crema")
    casella = page.locator("#lia-ricerca-menu")
    assert casella.is_visible()
    casella.fill(cognome.lower()[:-2])  # as she remembers it: lower case, not to the end
    casella.press("Enter")
    page.wait_for_load_state()
    # A POST: what she typed is in no address, and the page is the results'.
    assert page.url.rstrip("/").endswith("/ricerca") and cognome.lower()[:-2] not in page.url
    risultati = page.locator("#lia-risultati-ricerca tbody tr")
    assert risultati.count() == 1
    assert cognome in risultati.inner_text() and "Genoveffa" in risultati.inner_text()
    page.screenshot(path=os.path.join(cartella_schermate, "ricerca-per-nome-cav.png"), full_page=True)

    risultati.locator(f"a:text-is('{codice}')").click()
    page.wait_for_load_state()
    assert f"/beneficiariaview/show/{bid}" in page.url
    assert codice in page.inner_text("body")

    # Nothing found: said so, in Italian.
    page.fill("#lia-ricerca-menu", "Nessunissima" + uuid.uuid4().hex[:5])
    page.press("#lia-ricerca-menu", "Enter")
    page.wait_for_load_state()
    assert "Nessuna donna trovata" in page.inner_text("body")


def test_l_equipe_non_ha_la_casella_di_ricerca(pagina_di):
    page = pagina_di("equipe.crema")
    assert page.locator("[data-lia-ricerca]").count() == 0
