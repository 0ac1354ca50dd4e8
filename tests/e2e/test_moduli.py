"""Forms that start empty and are bound to the record they were opened from (issue 11, points
3 and 8): the équipe evaluates from the segnalazione's page, the CAV writes the project from
the woman's page; nothing is answered for them."""
from __future__ import annotations

import os

from .conftest import (
    campi_rifiutati_dal_browser, colonna, donna_nuova, id_da_url, menu, salva_e_verifica, scegli, scrivi_data,
)


VUOTO = ("", "__None")


def _vuoto(page, campo):
    """Whether the select `campo` shows its blank option, no answer assumed."""
    return page.input_value(f"#{campo}") in VUOTO and "__None" not in page.inner_text(f"#select2-{campo}-container")


def test_valuta_dalla_segnalazione_e_progetto_dalla_sua_pagina(app, api_di, pagina_di, server, cartella_schermate):
    bid, codice = donna_nuova(app, api_di("cav.crema"))
    r = api_di("cav.crema").post("/api/v1/segnalazione/", json={"beneficiaria": bid, "data": "2023-01-10",
                                                                  "area_richiesta": "lavoro"})
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]

    # The équipe finds her pending in the list and opens it.
    equipe = pagina_di("equipe.crema")
    menu(equipe, "Casi", "Segnalazioni")
    equipe.goto(f"{server}/segnalazioneview/show/{sid}")
    assert "In attesa di valutazione" in equipe.inner_text("body")
    equipe.click("#valuta")
    equipe.wait_for_load_state()
    assert f"_flt_0_segnalazione={sid}" in equipe.url
    assert equipe.locator("#segnalazione").count() == 0  # bound to hers: nothing to choose
    assert _vuoto(equipe, "esito")  # no answer assumed
    equipe.screenshot(path=os.path.join(cartella_schermate, "valuta.png"), full_page=True)
    scrivi_data(equipe, "data", "2023-01-20")
    assert any(r.startswith("Esito") for r in campi_rifiutati_dal_browser(equipe))
    scegli(equipe, "esito", "Ammessa")
    scegli(equipe, "pronta", "Sì")
    salva_e_verifica(equipe)
    equipe.goto(f"{server}/segnalazioneview/show/{sid}")
    assert equipe.locator("#valuta").count() == 0
    assert "Ammessa (20/01/2023)" in equipe.inner_text("body")

    # The CAV writes the project from her page: her segnalazione is the one chosen.
    cav = pagina_di("cav.crema")
    cav.goto(f"{server}/beneficiariaview/show/{bid}")
    cav.click("a[href='#ProgettoView']")
    cav.click("#ProgettoView a[href*='/progettoview/add']")
    cav.wait_for_load_state()
    assert cav.input_value("#segnalazione") == str(sid)
    assert cav.locator("#segnalazione option").all_inner_texts() == \
        ["Selezionare un valore", f"Segnalazione {codice} del 10/01/2023"]
    assert _vuoto(cav, "area")
    scegli(cav, "area", "Lavoro")
    cav.fill("#obiettivi", "Autonomia lavorativa")
    scrivi_data(cav, "data_inizio", "2023-02-01")
    scrivi_data(cav, "data_fine", "2024-03-31")
    salva_e_verifica(cav)
    # Her project by its code: the tests before this one may have filled more than a page.
    cav.goto(f"{server}/progettoview/list/?_flt_0_codice=P-{codice}-1")
    assert f"P-{codice}-1" in colonna(cav, 2)
    assert id_da_url(cav.locator("table.table-hover > tbody > tr", has_text=f"P-{codice}-1")
                     .locator("a[href*='/progettoview/show/']").first.get_attribute("href"))
