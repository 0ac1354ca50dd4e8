"""Annulling a spesa from its screen: the button, the reason (required), and the spesa that
stays, marked «Annullata» with the reason, in the list and on its page."""
from __future__ import annotations

import os

from .conftest import messaggi, progetto_via_api, spesa_via_api


def test_annullare_una_spesa_dalla_sua_schermata(app, api_di, pagina_di, server, cartella_schermate):
    pid, _ = progetto_via_api(app, api_di, fino_a="validato_capofila", budget_asse_ii=3000)
    numero = spesa_via_api(app, api_di("cav.crema"), pid, importo="240.00")
    page = pagina_di("cav.crema")
    page.goto(f"{server}/spesaview/list/?psize_SpesaView=100")
    riga = page.locator("table.table-hover > tbody > tr", has_text=numero)
    with page.expect_navigation():
        riga.locator("a[href*='/spesaview/show/']").first.click()

    # The button on the spesa's page opens the small form.
    with page.expect_navigation():
        page.locator("[id='btn-action-SpesaView.action-annulla']").click()
    page.wait_for_url("**/spesaview/annulla/**")
    # The reason is required: the browser itself does not send the form without it.
    assert page.locator("#motivo").get_attribute("required") is not None
    page.fill("#motivo", "  ")
    page.click("#conferma-annullamento")
    page.wait_for_load_state()
    assert "/spesaview/annulla/" in page.url
    assert "Indicare il motivo dell'annullamento" in page.inner_text("body")

    page.fill("#motivo", "Fattura registrata due volte")
    schermata = os.path.join(cartella_schermate, "annulla-spesa-modulo.png")
    page.screenshot(path=schermata, full_page=True)
    page.click("#conferma-annullamento")
    page.wait_for_load_state()
    assert "/spesaview/show/" in page.url
    assert any("Spesa annullata" in m for m in messaggi(page, "success")), messaggi(page)
    testo = page.inner_text("body")
    assert "Annullata" in testo and "Fattura registrata due volte" in testo
    schermata = os.path.join(cartella_schermate, "annulla-spesa-fatto.png")
    page.screenshot(path=schermata, full_page=True)
    assert os.path.getsize(schermata) > 10_000

    # Still in the list, marked as annulled.
    page.goto(f"{server}/spesaview/list/?psize_SpesaView=100")
    riga = page.locator("table.table-hover > tbody > tr", has_text=numero)
    assert riga.count() == 1 and "Annullata" in riga.inner_text()
