"""The attendance screen of a demo session with times, reached from the menu as each role
that uses it: the page answers (no 500), shows the times as typed and no raw value."""
from __future__ import annotations

import os

import pytest

from .conftest import menu

RAW = ("__None", "None", "Internal Server Error", "Errore interno")


@pytest.mark.parametrize("chi", ["capofila", "cav.cremona"])
def test_presenze_di_una_sessione_con_orari(chi, pagina_di, cartella_schermate):
    page = pagina_di(chi)
    menu(page, "Asse I", "Sessioni del laboratorio")
    riga = page.locator("table.table-hover > tbody > tr", has_text="Conoscersi")
    assert "09:30" in riga.inner_text()
    with page.expect_response(lambda r: "/presenze/" in r.url) as risposta:
        riga.locator("a[href*='/presenze/']").click()
    assert risposta.value.status == 200, f"presenze: HTTP {risposta.value.status}"
    page.wait_for_load_state()
    page.screenshot(path=os.path.join(cartella_schermate, f"presenze-{chi}.png"), full_page=True)
    testo = page.locator("body > .container, body > div.container").first.inner_text()
    assert "Presenze — Cremona 2023" in testo
    assert "dalle 09:30 alle 12:00 — Conoscersi" in testo
    assert not [p for p in RAW if p in testo], testo
    # The three Cremona women the demo enrols, each with her attendance.
    assert page.locator("input[name=presenti]").count() == 3
