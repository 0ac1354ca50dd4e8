"""The security headers in a real browser: the journeys fail on any Content-Security-Policy
violation (tests/e2e/conftest.py); here the pages no other journey opens (an error page, the
Swagger UI) and proof that the collector catches a violation."""
from __future__ import annotations

import os

from .conftest import menu


def test_pagina_di_errore_nel_layout_con_il_menu_che_funziona(pagina_di, server, cartella_schermate):
    page = pagina_di("cav.crema")
    risposta = page.goto(f"{server}/beneficiariaview/show/999999999")
    assert risposta.status == 404
    assert page.locator("h2", has_text="Pagina non trovata").is_visible()
    page.screenshot(path=os.path.join(cartella_schermate, "errore-404.png"), full_page=True)
    menu(page, "Casi", "Beneficiarie")  # bootstrap's dropdown runs: the page's scripts loaded
    assert "/beneficiariaview/list" in page.url


def test_swagger_ui_si_apre_e_descrive_l_api(pagina_di, server, cartella_schermate):
    page = pagina_di("cav.crema")
    page.goto(f"{server}/swagger/v1")
    page.wait_for_selector("#swagger-ui .opblock-tag", timeout=15_000)
    assert page.locator("#swagger-ui .opblock-tag", has_text="Spesa").count() >= 1
    page.screenshot(path=os.path.join(cartella_schermate, "swagger.png"))


def test_uno_script_in_linea_iniettato_e_bloccato_e_segnalato(pagina_di, server, violazioni_csp):
    page = pagina_di("cav.crema")
    page.goto(f"{server}/beneficiariaview/list/")
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.iniettato = true';
        document.body.appendChild(s);
        const b = document.createElement('button');
        b.setAttribute('onclick', 'window.cliccato = true');
        document.body.appendChild(b);
        b.click();
    }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => [window.iniettato, window.cliccato]") == [None, None]
    assert any("script-src" in v for v in violazioni_csp), violazioni_csp
    violazioni_csp.clear()  # expected here: the other journeys must have none
