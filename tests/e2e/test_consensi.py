"""Her consent in the browser (issue 12, §1): the woman's page says, purpose by purpose, what she
consented to; without the consent to share, the segnalazione is refused with the reason on the
form; her CAV records an override with its reason, and the page then says the case is shared by
override, the reason shown to her CAV."""
from __future__ import annotations

import os

from .conftest import (ambito_id, errori_del_modulo, menu, messaggi, salva, salva_e_verifica, scegli, scegli_valore,
                       scrivi_data)


def test_la_cav_vede_i_consensi_e_registra_una_deroga_motivata(app, api_di, pagina_di, server, cartella_schermate):
    cav = api_di("cav.crema")
    r = cav.post("/api/v1/beneficiaria/", json={"ambito": ambito_id(app, "CM"), "fascia_eta": "30-39",
                                                "data_presa_in_carico": "2023-02-01"})
    assert r.status_code == 201, r.get_json()
    bid = r.get_json()["id"]
    page = pagina_di("cav.crema")
    page.goto(f"{server}/beneficiariaview/show/{bid}")
    consensi = page.inner_text("#consensi-beneficiaria")
    assert "Condivisione del caso (per codice)" in consensi and "non registrato" in consensi

    # The segnalazione, from her page: refused, the reason says which consent is missing.
    page.click("a[href='#SegnalazioneView']")
    page.click("#SegnalazioneView a[href*='/segnalazioneview/add']")
    page.wait_for_load_state()
    scrivi_data(page, "data", "10/02/2023")
    scegli(page, "area_richiesta", "Lavoro")
    salva(page)
    assert any("serve il consenso di lei" in e for e in errori_del_modulo(page)), errori_del_modulo(page)

    # The override: «Casi → Deroghe al consenso», her code, the purpose, the reason.
    menu(page, "Casi", "Deroghe al consenso")
    page.click("a[href*='/derogaconsensoview/add']")
    page.wait_for_load_state()
    scegli_valore(page, "beneficiaria", bid)
    scegli(page, "finalita", "Condivisione del caso (per codice) con l'équipe dell'ambito e la micro-équipe")
    page.fill("#motivo", "Pericolo imminente: l'équipe deve attivarsi oggi.")
    page.screenshot(path=os.path.join(cartella_schermate, "deroga-consenso-cav.png"), full_page=True)
    salva_e_verifica(page)
    assert any("registrata" in m for m in messaggi(page, "success")), messaggi(page)

    page.goto(f"{server}/beneficiariaview/show/{bid}")
    consensi = page.inner_text("#consensi-beneficiaria")
    assert "per deroga del centro" in consensi and "Pericolo imminente" in consensi, consensi
    assert "__None" not in page.content()
    page.screenshot(path=os.path.join(cartella_schermate, "consensi-beneficiaria-cav.png"), full_page=True)
