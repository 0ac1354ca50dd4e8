"""The second factor in the browser: right after the password a CAV operator who must have it
scans the QR drawn on the page, confirms a code and sees her recovery codes once; she logs
out from the navbar (a POST form); the next login asks the code after the password.

Served by a second app instance on the suite's database with LIA_2FA_RUOLI set (the shared
app has no second factor, like the demo)."""
from __future__ import annotations

import os
import threading
import time

import pyotp
import pytest

from tests.aiuti_accesso import RUOLI_2FA, nuovo_utente, seconda_istanza
from tests.conftest import PASSWORD
from .conftest import _statici_in_cache, messaggi


@pytest.fixture(scope="module")
def server_2fa(chromium, app):
    from werkzeug.serving import make_server

    app_2fa = seconda_istanza(app, LIA_2FA_RUOLI=RUOLI_2FA)
    srv = make_server("127.0.0.1", 0, _statici_in_cache(app_2fa), threaded=True)
    filo = threading.Thread(target=srv.serve_forever, name="lia-e2e-2fa", daemon=True)
    filo.start()
    yield f"http://127.0.0.1:{srv.server_port}", app_2fa
    srv.shutdown()
    filo.join(timeout=10)
    srv.server_close()


def _password(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[name=login] [type=submit]")
    page.wait_for_load_state()


def test_attivazione_col_qr_codici_di_recupero_uscita_e_accesso_col_codice(server_2fa, nuovo_contesto,
                                                                           cartella_schermate):
    base, app_2fa = server_2fa
    username, _ = nuovo_utente(app_2fa)
    page = nuovo_contesto().new_page()

    _password(page, base, username)
    assert page.url.endswith("/secondo-fattore/attiva"), page.url
    assert page.locator("#qr-secondo-fattore svg").is_visible()
    assert page.locator(".navbar form[name=esci]").count() == 0, "prima del secondo fattore non è entrata"
    page.screenshot(path=os.path.join(cartella_schermate, "secondo_fattore_attivazione.png"), full_page=True)
    segreto = page.inner_text("#chiave-secondo-fattore").replace(" ", "")

    page.fill("#codice", "000000" if pyotp.TOTP(segreto).now() != "000000" else "111111")
    page.click("form[name=attiva_secondo_fattore] [type=submit]")
    page.wait_for_load_state()
    assert any("Codice non valido" in m for m in messaggi(page, "danger")), messaggi(page)

    page.fill("#codice", pyotp.TOTP(segreto).now())
    page.click("form[name=attiva_secondo_fattore] [type=submit]")
    page.wait_for_load_state()
    codici = page.locator("#codici-recupero li").all_inner_texts()
    assert len(codici) == 10, messaggi(page)
    page.screenshot(path=os.path.join(cartella_schermate, "secondo_fattore_codici.png"), full_page=True)
    page.click("text=Ho conservato i codici, continua")
    page.wait_for_load_state()
    assert "Buon lavoro" in page.inner_text("body")

    page.click(".navbar a.dropdown-toggle:has(.fa-user)")
    page.screenshot(path=os.path.join(cartella_schermate, "menu_utente_esci.png"))
    page.click(".navbar form[name=esci] button[type=submit]")
    page.wait_for_load_state()
    assert "/login" in page.url
    assert any("Disconnessione eseguita" in m for m in messaggi(page)), messaggi(page)

    _password(page, base, username)
    assert page.url.endswith("/secondo-fattore/"), page.url
    page.screenshot(path=os.path.join(cartella_schermate, "secondo_fattore_codice.png"), full_page=True)
    page.fill("#codice", pyotp.TOTP(segreto).at(time.time() + 30))  # the enrolment spent the current one
    page.click("form[name=secondo_fattore] [type=submit]")
    page.wait_for_load_state()
    assert "Buon lavoro" in page.inner_text("body"), messaggi(page)


def test_l_amministratore_azzera_il_secondo_fattore_dalla_pagina_dell_utente(app, server, pagina_di,
                                                                              cartella_schermate):
    from app import autenticazione
    from app.extensions import db

    username, uid = nuovo_utente(app)
    with app.app_context():
        autenticazione.attiva_totp(uid, pyotp.random_base32(), 0)
        db.session.remove()
    page = pagina_di("admin")
    page.goto(f"{server}/users/show/{uid}")
    pulsante = page.locator("a:has-text('Azzera il secondo fattore')")
    assert pulsante.is_visible()
    page.screenshot(path=os.path.join(cartella_schermate, "utente_azzera_secondo_fattore.png"), full_page=True)
    pulsante.click()
    page.click("#modal-confirm-ok")  # posts FAB's action form; back on the same page's URL
    page.locator(".alert-success", has_text="Secondo fattore azzerato").wait_for()
    with app.app_context():
        assert not autenticazione.totp_attivo(uid)
        db.session.remove()
