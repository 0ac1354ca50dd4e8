"""A spesa of a closed rendicontazione period is corrected in the browser: no «Modifica» on its page,
«Registra una rettifica» instead; the form (the sum given back, its date, the reason, its credit
note) refuses more than the spesa charged, on the field; saved, the rettifica's page shows its
negative amount and links the spesa it corrects."""
from __future__ import annotations

import os

from sqlalchemy import delete

from .conftest import messaggi, progetto_via_api, scrivi_data, spesa_via_api


def test_la_cav_rettifica_una_spesa_gia_inviata_alla_regione(app, api_di, pagina_di, server, cartella_schermate):
    pid, _ = progetto_via_api(app, api_di, fino_a="validato_capofila", budget_asse_ii=3000)
    numero = spesa_via_api(app, api_di("cav.crema"), pid, importo="240.00", data="2023-08-10")
    capofila = api_di("capofila")
    r = capofila.post("/api/v1/periodorendicontazione/", json={"dal": "2023-08-01", "al": "2023-08-31",
                                                              "descrizione": "Agosto 2023 (rettifica)"})
    assert r.status_code == 201, r.get_json()
    try:
        assert capofila.post(f"/api/v1/periodorendicontazione/{r.get_json()['id']}/chiudi").status_code == 200
        page = pagina_di("cav.crema")
        page.goto(f"{server}/spesaview/list/?psize_SpesaView=100")
        riga = page.locator("table.table-hover > tbody > tr", has_text=numero)
        with page.expect_navigation():
            riga.locator("a[href*='/spesaview/show/']").first.click()
        assert page.locator("a[href*='/spesaview/edit/']").count() == 0  # sent to the Region: not changed
        with page.expect_navigation():
            page.locator("[id='btn-action-SpesaView.action-rettifica']").click()
        page.wait_for_url("**/spesaview/rettifica/**")
        assert "€ 240,00" in page.inner_text("#lia-spesa-rettificata")
        assert page.locator("#giustificativo_tipo").input_value() == "nota_credito"

        page.fill("#importo", "300")
        scrivi_data(page, "data", "05/09/2023")
        page.fill("#note", "Rimborso parziale del fornitore")
        page.fill("#giustificativo_numero", f"NC-{numero}")
        page.click("#conferma-rettifica")
        page.wait_for_load_state()
        assert "/spesaview/rettifica/" in page.url
        assert "al massimo € 240,00" in page.inner_text("#model_form")

        page.fill("#importo", "40,00")
        page.screenshot(path=os.path.join(cartella_schermate, "rettifica-modulo.png"), full_page=True)
        page.click("#conferma-rettifica")
        page.wait_for_load_state()
        assert "/spesaview/show/" in page.url
        assert any("Rettifica registrata: € -40,00" in m for m in messaggi(page, "success")), messaggi(page)
        testo = page.inner_text("body")
        assert "€ -40,00" in testo and "spesa del 10/08/2023 di € 240,00" in testo and "__None" not in testo
        assert page.locator("a[href*='/spesaview/edit/']").count() == 0  # annulled and recorded again, not changed
        page.screenshot(path=os.path.join(cartella_schermate, "rettifica-registrata.png"), full_page=True)
    finally:
        from app import models as m
        from app.extensions import db

        with app.app_context():
            db.session.execute(delete(m.PeriodoRendicontazione).where(
                m.PeriodoRendicontazione.descrizione == "Agosto 2023 (rettifica)"))
            db.session.commit()
            db.session.remove()
