"""A micro-équipe member from another CAV opens the woman's case and tries to change it: the
screen tells her, in Italian, that only the holding CAV may; the holding CAV trying to delete a
woman with a segnalazione is told what keeps her."""
from __future__ import annotations

import os

from .conftest import donna_nuova, messaggi

SOLO_TITOLARE = "Solo il centro antiviolenza che ha in carico la beneficiaria"


def test_il_membro_della_micro_equipe_di_un_altro_cav_non_modifica_la_donna(app, api_di, pagina_di, server,
                                                                               cartella_schermate):
    cav = api_di("cav.crema")
    bid, codice = donna_nuova(app, cav)
    r = cav.post("/api/v1/segnalazione/", json={"beneficiaria": bid, "data": "2023-02-01", "area_richiesta": "lavoro"})
    assert r.status_code == 201, r.get_json()
    with app.app_context():
        membro = app.appbuilder.sm.find_user(username="cav.cremona").id
        ente = app.appbuilder.sm.find_user(username="cav.crema").ente_id
    r = api_di("equipe.crema").post("/api/v1/microequipe/", json={"beneficiaria": bid, "ente_coordinatore": ente,
                                                                  "membri": [membro]})
    assert r.status_code == 201, r.get_json()

    # The member finds the case in her list and presses its "modifica" button.
    page = pagina_di("cav.cremona")
    page.goto(f"{server}/beneficiariaview/list/?_flt_0_codice={codice}")  # her row, whatever the list's size
    riga = page.locator("table.table-hover > tbody > tr", has_text=codice)
    riga.locator(f"a[href*='/beneficiariaview/edit/{bid}']").click()
    page.wait_for_load_state()
    assert any(SOLO_TITOLARE in m for m in messaggi(page, "danger")), messaggi(page)
    assert "/beneficiariaview/list/" in page.url  # back where she was
    schermata = os.path.join(cartella_schermate, "modifica-rifiutata.png")
    page.screenshot(path=schermata, full_page=True)
    assert os.path.getsize(schermata) > 10_000

    # Her own CAV deletes her from the list: the confirmation, then the reason she stays.
    page = pagina_di("cav.crema")
    page.goto(f"{server}/beneficiariaview/list/?_flt_0_codice={codice}")  # her row, whatever the list's size
    page.locator(f"[id='btn-delete-/beneficiariaview/delete/{bid}']").click()
    page.locator("#modal-confirm-ok").click()
    page.wait_for_load_state()
    assert any("non può essere eliminata" in m and "1 segnalazione" in m for m in messaggi(page, "danger")), \
        messaggi(page)
    page.screenshot(path=os.path.join(cartella_schermate, "eliminazione-rifiutata.png"), full_page=True)
    assert cav.get(f"/api/v1/beneficiaria/{bid}").status_code == 200
