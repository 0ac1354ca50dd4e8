"""Logging in (issue 9, section 2, and the section-0 hole "sessions and tokens survive logout and
password change; refresh tokens last 30 days; logout works by GET; the REST API accepts the
browser's session cookie without a CSRF token").

The shared app has no second factor (development defaults); the TOTP tests run on a second
app instance built on the SAME database with LIA_2FA_RUOLI set, which is also how the
lockout is shown to hold across workers. Every test that locks, enrols or logs out works on
users it creates: the demo users stay as they are for the rest of the suite.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import jwt as pyjwt
import pyotp
import pytest

from tests.aiuti_accesso import RUOLI_2FA, nuovo_utente, seconda_istanza
from tests.conftest import PASSWORD, UTENTI_DEMO, ApiClient, csrf_da, login, token_per

MSG_CREDENZIALI = "Credenziali non valide o accesso temporaneamente bloccato"
NUOVA_PASSWORD = "Cavallo-Batteria-Graffetta-91"


# --- helpers ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_2fa(app):
    return seconda_istanza(app, LIA_2FA_RUOLI=RUOLI_2FA)


def stato(app, uid):
    from app.extensions import db
    from app.models import AccessoUtente, CodiceRecupero

    with app.app_context():
        riga = db.session.get(AccessoUtente, uid)
        fuori = None if riga is None else {
            "sigillo": riga.sigillo, "bloccato_fino": riga.bloccato_fino, "fallimenti": riga.fallimenti,
            "totp": riga.totp_segreto, "codici": db.session.query(CodiceRecupero).filter_by(user_id=uid).count()}
        db.session.remove()
    return fuori


def sblocca(app, uid):
    """The lock ends: its time is moved into the past (no sleeping for 15 minutes)."""
    from datetime import datetime

    from sqlalchemy import update

    from app.extensions import db
    from app.models import AccessoUtente

    with app.app_context():
        db.session.execute(update(AccessoUtente).where(AccessoUtente.user_id == uid)
                           .values(bloccato_fino=datetime(2000, 1, 1)))
        db.session.commit()
        db.session.remove()


def attiva_direttamente(app, uid):
    """Enrol a user without the screens (for tests about what comes after): (secret, codes)."""
    from app import autenticazione
    from app.extensions import db

    segreto = pyotp.random_base32()
    with app.app_context():
        codici = autenticazione.attiva_totp(uid, segreto, int(time.time()) // 30 - 2)
        db.session.remove()
    return segreto, codici


def invia_login(client, username, password=PASSWORD, **kw):
    pagina = client.get("/login/").get_data(as_text=True)
    return client.post("/login/", data={"username": username, "password": password, "csrf_token": csrf_da(pagina)},
                       **kw)


def avvisi(html):
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>|×", "", a)).strip()
            for a in re.findall(r'<div class="alert[^"]*">(.*?)</div>', html, re.S)]


def login_api(client, username, password=PASSWORD, **extra):
    return client.post("/api/v1/security/login",
                       json={"username": username, "password": password, "provider": "db", **extra})


def invia_codice(client, url, codice):
    pagina = client.get(url).get_data(as_text=True)
    return client.post(url, data={"codice": codice, "csrf_token": csrf_da(pagina)})


def attiva_dal_form(client):
    """On the enrolment page: read the key shown under the QR, confirm a code from it."""
    pagina = client.get("/secondo-fattore/attiva").get_data(as_text=True)
    assert '<svg' in pagina and 'class="segno"' in pagina, "nessun QR disegnato nella pagina"
    assert "http" not in pagina[pagina.index('id="qr-secondo-fattore"'):][:200], "QR da un servizio esterno?"
    segreto = re.search(r'id="chiave-secondo-fattore">([A-Z2-7 ]+)<', pagina).group(1).replace(" ", "")
    r = client.post("/secondo-fattore/attiva", data={"codice": pyotp.TOTP(segreto).now(),
                                                     "csrf_token": csrf_da(pagina)})
    assert r.status_code == 200
    codici = re.findall(r"<li>([A-Z0-9]{5}-[A-Z0-9]{5})</li>", r.get_data(as_text=True))
    assert len(codici) == 10, avvisi(r.get_data(as_text=True))
    return segreto, codici


def esci(client):
    pagina = client.get("/logout/").get_data(as_text=True)
    return client.post("/logout/", data={"csrf_token": csrf_da(pagina)})


def entrato(client):
    r = client.get("/beneficiariaview/list/")
    return r.status_code == 200


def codice_successivo(segreto):
    # The next 30-second step: the current one may already have been spent (codes work once).
    return pyotp.TOTP(segreto).at(time.time() + 30)


# --- lockout ------------------------------------------------------------------------------

def test_cinque_errori_bloccano_l_utente_anche_sull_altra_istanza(app, app_2fa):
    username, uid = nuovo_utente(app, ruolo="Equipe territoriale", come="equipe.crema")
    for _ in range(5):
        r = invia_login(app.test_client(), username, "password-sbagliata")
        assert "/login" in r.headers["Location"]
    assert stato(app, uid)["bloccato_fino"] is not None
    # The other "worker" reads the same count: the right password is refused there too.
    altra = app_2fa.test_client()
    r = invia_login(altra, username, follow_redirects=True)
    assert not entrato(altra)
    assert any(MSG_CREDENZIALI in a for a in avvisi(r.get_data(as_text=True)))
    r = login_api(app_2fa.test_client(), username)
    assert r.status_code == 401 and MSG_CREDENZIALI in r.get_json()["message"]
    # When the lock has run out, the right password opens the session.
    sblocca(app, uid)
    invia_login(altra, username)
    assert entrato(altra)


def test_un_accesso_riuscito_azzera_il_conteggio(app):
    username, uid = nuovo_utente(app, ruolo="Equipe territoriale", come="equipe.crema")
    for _ in range(2):
        for _ in range(4):
            invia_login(app.test_client(), username, "password-sbagliata")
        c = app.test_client()
        invia_login(c, username)
        assert entrato(c), "dopo 4 errori e un accesso riuscito l'utente deve poter entrare"
    assert stato(app, uid)["fallimenti"] == 0


def test_stesso_messaggio_per_utente_inesistente_password_errata_e_bloccato(app):
    username, uid = nuovo_utente(app, ruolo="Equipe territoriale", come="equipe.crema")
    sconosciuto = invia_login(app.test_client(), f"nessuno.{uuid.uuid4().hex[:6]}", "x", follow_redirects=True)
    errata = invia_login(app.test_client(), username, "password-sbagliata", follow_redirects=True)
    for _ in range(4):
        invia_login(app.test_client(), username, "password-sbagliata")
    bloccato = invia_login(app.test_client(), username, follow_redirects=True)
    messaggi = [avvisi(r.get_data(as_text=True)) for r in (sconosciuto, errata, bloccato)]
    assert messaggi[0] == messaggi[1] == messaggi[2], messaggi
    assert any(MSG_CREDENZIALI in a for a in messaggi[0])
    corpi = [login_api(app.test_client(), u, p).get_json() for u, p in
             [(f"nessuno.{uuid.uuid4().hex[:6]}", "x"), (username, "password-sbagliata"), (username, PASSWORD)]]
    assert corpi[0] == corpi[1] == corpi[2] and MSG_CREDENZIALI in corpi[0]["message"]


# --- per-IP limit -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_limitata(app):
    return seconda_istanza(app, LIA_LIMITE_LOGIN="3 per minute", LIA_PROXY_FIDATI=1)


def test_limite_per_indirizzo_sul_login_e_sull_api_risponde_429_in_italiano(app, app_limitata):
    c = app_limitata.test_client()
    for _ in range(3):
        assert invia_login(c, f"nessuno.{uuid.uuid4().hex[:6]}", "x").status_code == 302
    r = invia_login(c, "admin")
    assert r.status_code == 429
    assert "Troppi tentativi" in r.get_data(as_text=True)
    r = login_api(c, "admin")
    assert r.status_code == 429 and "Troppi tentativi" in r.get_json()["message"]
    assert c.get("/login/").status_code == 200, "la pagina di accesso (GET) non è limitata"
    # The shared app of the suite has its own counter and a limit the suite cannot reach.
    assert invia_login(app.test_client(), "nessuno").status_code == 302


def test_dietro_il_proxy_il_limite_vale_per_l_indirizzo_di_chi_si_collega(app_limitata):
    c = app_limitata.test_client()
    for _ in range(3):
        r = c.post("/api/v1/security/login", json={"username": "nessuno", "password": "x", "provider": "db"},
                   headers={"X-Forwarded-For": "198.51.100.7"})
        assert r.status_code == 401
    r = c.post("/api/v1/security/login", json={"username": "nessuno", "password": "x", "provider": "db"},
               headers={"X-Forwarded-For": "198.51.100.7"})
    assert r.status_code == 429
    r = c.post("/api/v1/security/login", json={"username": "nessuno", "password": "x", "provider": "db"},
               headers={"X-Forwarded-For": "198.51.100.8"})
    assert r.status_code == 401, "un altro ufficio dietro lo stesso proxy è stato bloccato"


# --- second factor ------------------------------------------------------------------------

def test_chi_deve_avere_il_secondo_fattore_lo_attiva_subito_dopo_la_password_e_poi_lo_usa(app_2fa):
    username, uid = nuovo_utente(app_2fa)
    c = app_2fa.test_client()
    r = invia_login(c, username)
    assert r.headers["Location"].endswith("/secondo-fattore/attiva")
    # Between the password and the second factor nothing else opens.
    assert c.get("/beneficiariaview/list/").status_code == 302
    assert c.get("/api/v1/beneficiaria/").status_code == 401
    segreto, _ = attiva_dal_form(c)
    assert entrato(c)
    assert stato(app_2fa, uid)["totp"] == segreto
    esci(c)

    r = invia_login(c, username)
    assert r.headers["Location"].endswith("/secondo-fattore/")
    assert not entrato(c)
    r = invia_codice(c, "/secondo-fattore/", "000000" if codice_successivo(segreto) != "000000" else "111111")
    assert r.status_code == 200 and "Codice non valido" in r.get_data(as_text=True)
    assert not entrato(c)
    r = invia_codice(c, "/secondo-fattore/", codice_successivo(segreto))
    assert r.status_code == 302
    assert entrato(c)
    assert stato(app_2fa, uid)["fallimenti"] == 0


def test_chi_attiva_il_secondo_fattore_senza_obbligo_poi_lo_deve_usare(app):
    """On the shared app no role requires it: a user who enrols anyway is asked the code."""
    username, _ = nuovo_utente(app, ruolo="Capofila", come="capofila")
    c = login(app.test_client(), username)
    segreto, _ = attiva_dal_form(c)
    assert entrato(c), "dopo l'attivazione la sessione resta aperta"
    assert "Il secondo fattore è attivo" in c.get("/secondo-fattore/attiva").get_data(as_text=True)
    esci(c)
    assert invia_login(c, username).headers["Location"].endswith("/secondo-fattore/")
    assert not entrato(c)
    assert login_api(app.test_client(), username).status_code == 401
    assert login_api(app.test_client(), username, totp=codice_successivo(segreto)).status_code == 200


def test_il_segreto_totp_e_cifrato_nel_database(app_2fa):
    from sqlalchemy import text

    from app.extensions import db

    _, uid = nuovo_utente(app_2fa)
    segreto, _ = attiva_direttamente(app_2fa, uid)
    with app_2fa.app_context():
        grezzo = db.session.execute(text("SELECT totp_segreto FROM lia_accesso_utente WHERE user_id = :u"),
                                    {"u": uid}).scalar()
        impronte = db.session.execute(text("SELECT impronta FROM lia_codice_recupero WHERE user_id = :u"),
                                      {"u": uid}).scalars().all()
        db.session.remove()
    assert segreto not in grezzo and grezzo.startswith("gAAAA")  # a Fernet token
    assert len(impronte) == 10 and all(re.fullmatch(r"[0-9a-f]{64}", i) for i in impronte)


def test_un_codice_di_recupero_vale_una_volta_sola(app_2fa):
    username, uid = nuovo_utente(app_2fa)
    _, codici = attiva_direttamente(app_2fa, uid)
    c = app_2fa.test_client()
    invia_login(c, username)
    r = invia_codice(c, "/secondo-fattore/", codici[0].lower())
    assert r.status_code == 302
    assert "ne restano 9" in c.get(r.headers["Location"]).get_data(as_text=True)
    assert entrato(c)
    esci(c)
    invia_login(c, username)
    r = invia_codice(c, "/secondo-fattore/", codici[0])
    assert r.status_code == 200 and not entrato(c)
    r = invia_codice(c, "/secondo-fattore/", codici[1])
    assert r.status_code == 302 and entrato(c)


def test_api_login_chiede_il_codice_totp_ai_ruoli_che_lo_richiedono(app_2fa):
    username, uid = nuovo_utente(app_2fa)
    c = app_2fa.test_client()
    r = login_api(c, username)
    assert r.status_code == 401 and "non è ancora attivo" in r.get_json()["message"]
    segreto, _ = attiva_direttamente(app_2fa, uid)
    r = login_api(c, username)
    assert r.status_code == 401 and "secondo fattore" in r.get_json()["message"]
    r = login_api(c, username, totp="123")
    assert r.status_code == 401
    r = login_api(c, username, totp=pyotp.TOTP(segreto).now())
    assert r.status_code == 200, r.get_json()
    assert ApiClient(c, r.get_json()["access_token"]).get("/api/v1/beneficiaria/").status_code == 200
    # A role without the requirement logs in with the password alone, on the same instance.
    assert login_api(c, "capofila").status_code == 200


def test_codici_totp_sbagliati_via_api_contano_per_il_blocco(app_2fa):
    username, uid = nuovo_utente(app_2fa)
    segreto, _ = attiva_direttamente(app_2fa, uid)
    for _ in range(5):
        assert login_api(app_2fa.test_client(), username, totp="000000").status_code == 401
    r = login_api(app_2fa.test_client(), username, totp=pyotp.TOTP(segreto).now())
    assert r.status_code == 401 and MSG_CREDENZIALI in r.get_json()["message"]


def test_codici_totp_sbagliati_nel_modulo_contano_per_il_blocco(app_2fa):
    username, uid = nuovo_utente(app_2fa)
    segreto, _ = attiva_direttamente(app_2fa, uid)
    c = app_2fa.test_client()
    invia_login(c, username)
    for _ in range(4):
        assert invia_codice(c, "/secondo-fattore/", "000000").status_code == 200
    r = invia_codice(c, "/secondo-fattore/", "000000")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert stato(app_2fa, uid)["bloccato_fino"] is not None
    r = invia_login(c, username)
    assert "/login" in r.headers["Location"] and not entrato(c)


def test_l_amministratore_azzera_il_secondo_fattore_di_un_altra_utente_non_il_proprio(app, app_2fa, client_di):
    username, uid = nuovo_utente(app_2fa)
    segreto, _ = attiva_direttamente(app_2fa, uid)
    sua = app_2fa.test_client()
    r = login_api(sua, username, totp=pyotp.TOTP(segreto).now())
    token = r.get_json()["access_token"]

    admin = client_di("admin")
    pagina = admin.get(f"/users/show/{uid}").get_data(as_text=True)
    assert "Azzera il secondo fattore" in pagina
    r = admin.post(f"/users/action/azzera_secondo_fattore/{uid}", data={"csrf_token": csrf_da(pagina)})
    assert r.status_code == 302
    assert any("Secondo fattore azzerato" in a for a in avvisi(admin.get(r.headers["Location"]).get_data(as_text=True)))
    dopo = stato(app, uid)
    assert dopo["totp"] is None and dopo["codici"] == 0
    assert ApiClient(sua, token).get("/api/v1/beneficiaria/").status_code == 401, "le sue sessioni restano aperte"
    assert invia_login(sua, username).headers["Location"].endswith("/secondo-fattore/attiva")

    # Not her own: a stolen administrator session must not replace the factor.
    admin_id = stato_id(app, "admin")
    prima = stato(app, admin_id)
    r = admin.post(f"/users/action/azzera_secondo_fattore/{admin_id}", data={"csrf_token": csrf_da(pagina)})
    assert any("Non puoi azzerare" in a for a in avvisi(admin.get(r.headers["Location"]).get_data(as_text=True)))
    assert stato(app, admin_id) == prima
    # By GET, as FAB's old action links did: refused (it would be a CSRF hole).
    attiva_direttamente(app_2fa, uid)
    admin.get(f"/users/action/azzera_secondo_fattore/{uid}")
    assert stato(app, uid)["totp"] is not None


def stato_id(app, username):
    from app.extensions import db

    with app.app_context():
        uid = app.appbuilder.sm.find_user(username=username).id
        db.session.remove()
    return uid


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_accesso_alle_schermate_del_secondo_fattore_per_ogni_ruolo(app, client_di, username):
    """Enrolment and logout pages open for every role; only the Amministratore resets a factor."""
    _, uid = nuovo_utente(app)
    attiva_direttamente(app, uid)
    c = client_di(username)
    pagina = c.get("/secondo-fattore/attiva")
    assert pagina.status_code == 200 and "Chiave" in pagina.get_data(as_text=True)
    assert c.get("/logout/").status_code == 200
    assert c.get("/secondo-fattore/").status_code == 302  # already signed in: nothing to verify
    r = c.post(f"/users/action/azzera_secondo_fattore/{uid}", data={"csrf_token": csrf_da(pagina.get_data(as_text=True))})
    assert r.status_code in (302, 403)
    assert (stato(app, uid)["totp"] is None) == (username == "admin")
    assert c.get("/secondo-fattore/attiva").status_code == 200  # her session survived the refusal


def test_senza_accesso_le_schermate_del_secondo_fattore_rimandano_al_login(app):
    c = app.test_client()
    for url in ("/secondo-fattore/", "/secondo-fattore/attiva", "/logout/"):
        r = c.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url
    _, uid = nuovo_utente(app)
    attiva_direttamente(app, uid)
    r = c.post(f"/users/action/azzera_secondo_fattore/{uid}")
    assert r.status_code in (302, 400) and stato(app, uid)["totp"] is not None


def test_i_ruoli_col_secondo_fattore_predefiniti_dipendono_da_lia_env():
    radice = Path(__file__).resolve().parent.parent

    def ruoli(ambiente):
        env = {k: v for k, v in os.environ.items() if k != "LIA_2FA_RUOLI"}
        env["LIA_ENV"] = ambiente
        r = subprocess.run([sys.executable, "-c", "import config; print(config.LIA_2FA_RUOLI)"], cwd=radice,
                           env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    assert ruoli("production") == "['Operatrice CAV', 'Amministratore']"
    assert ruoli("development") == "[]"


# --- sessions and tokens ------------------------------------------------------------------

def test_logout_solo_per_post_e_chiude_sessioni_e_token(app):
    username, _ = nuovo_utente(app)
    c = login(app.test_client(), username)
    altrove = login(app.test_client(), username)  # another browser of hers
    token = token_per(app.test_client(), username)
    copia = c.get_cookie("session").value

    r = c.get("/logout/")
    assert r.status_code == 200 and 'name="esci"' in r.get_data(as_text=True)
    assert entrato(c), "un GET su /logout/ (un link, un'immagine) non deve far uscire"
    assert c.post("/logout/").status_code == 400, "logout senza token CSRF accettato"
    assert entrato(c)

    pagina = c.get("/").get_data(as_text=True)
    assert 'action="/logout/"' in pagina and 'href="/logout/"' not in pagina
    r = c.post("/logout/", data={"csrf_token": csrf_da(pagina)})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert not entrato(c)
    rubato = app.test_client()
    rubato.set_cookie("session", copia)
    assert not entrato(rubato), "una copia del cookie di prima del logout apre ancora la sessione"
    assert not entrato(altrove)
    assert ApiClient(app.test_client(), token).get("/api/v1/beneficiaria/").status_code == 401


def test_il_cambio_password_chiude_le_altre_sessioni_e_i_jwt(app):
    username, uid = nuovo_utente(app)
    c = login(app.test_client(), username)
    altrove = login(app.test_client(), username)
    token = token_per(app.test_client(), username)
    pagina = c.get("/resetmypassword/form").get_data(as_text=True)
    r = c.post("/resetmypassword/form", data={"password_attuale": PASSWORD, "password": NUOVA_PASSWORD,
                                              "conf_password": NUOVA_PASSWORD, "csrf_token": csrf_da(pagina)})
    assert r.status_code == 302, avvisi(r.get_data(as_text=True))
    assert entrato(c), "la sessione da cui ha cambiato la password resta aperta"
    assert not entrato(altrove)
    assert ApiClient(app.test_client(), token).get("/api/v1/beneficiaria/").status_code == 401
    assert token_per(app.test_client(), username, NUOVA_PASSWORD)


def test_una_password_reimpostata_da_un_altra_via_chiude_le_sessioni_dell_utente(app):
    """The seal follows the password whatever path sets it (here FAB's reset_password, as the
    Amministratore's reset and the CLI use it)."""
    from app.extensions import db

    username, uid = nuovo_utente(app)
    sua = login(app.test_client(), username)
    with app.app_context():
        app.appbuilder.sm.reset_password(uid, NUOVA_PASSWORD)
        db.session.remove()
    assert not entrato(sua)
    assert entrato(login(app.test_client(), username, NUOVA_PASSWORD))


def test_la_disattivazione_chiude_sessioni_e_token_anche_dopo_la_riattivazione(app):
    from app.extensions import db

    username, uid = nuovo_utente(app)
    c = login(app.test_client(), username)
    token = token_per(app.test_client(), username)
    with app.app_context():
        utente = app.appbuilder.sm.get_user_by_id(uid)
        utente.active = False
        db.session.commit()
        utente = app.appbuilder.sm.get_user_by_id(uid)
        utente.active = True
        db.session.commit()
        db.session.remove()
    assert not entrato(c)
    assert ApiClient(app.test_client(), token).get("/api/v1/beneficiaria/").status_code == 401
    assert entrato(login(app.test_client(), username))


def test_sessione_scade_dopo_30_minuti_di_inattivita(app):
    username, _ = nuovo_utente(app)
    assert app.config["LIA_SESSIONE_INATTIVITA_MINUTI"] == 30
    c = login(app.test_client(), username)
    with c.session_transaction() as s:
        s["lia_ultimo"] -= 29 * 60
    assert entrato(c), "29 minuti di pausa: la sessione è ancora aperta"
    with c.session_transaction() as s:
        assert time.time() - s["lia_ultimo"] < 60, "l'attività non aggiorna l'ultimo accesso"
        s["lia_ultimo"] -= 31 * 60
    r = c.get("/beneficiariaview/list/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert any("inattività" in a for a in avvisi(c.get("/login/").get_data(as_text=True)))


@pytest.mark.parametrize("intestazioni", [{"Sec-Fetch-Mode": "cors"}, {"Sec-Fetch-Mode": "same-origin"},
                                          {"X-Requested-With": "XMLHttpRequest"}])
def test_le_richieste_di_fondo_non_riscrivono_il_cookie_di_sessione(client_di, intestazioni):
    """The bell's count and the spese totals are asked by the page itself: answered after a click,
    a cookie of theirs would overwrite the click's own (its message, where to go back)."""
    c = client_di("cav.crema")
    for url in ("/promemoria/conteggio", "/spesaview/totali"):
        with c.session_transaction() as s:
            s["lia_ultimo"] -= 5
        r = c.get(url, headers=intestazioni)
        assert r.status_code == 200, (url, r.status_code)
        assert "Set-Cookie" not in r.headers, (url, r.headers["Set-Cookie"])
        r = c.get(url, headers={"Sec-Fetch-Mode": "navigate"})
        assert "session=" in r.headers.get("Set-Cookie", ""), "una pagina aperta dall'utente è attività"


def test_sessione_scade_dopo_la_durata_massima_anche_se_attiva(app):
    username, _ = nuovo_utente(app)
    c = login(app.test_client(), username)
    with c.session_transaction() as s:
        s["lia_inizio"] -= app.config["LIA_SESSIONE_DURATA_MASSIMA_ORE"] * 3600 + 60
    assert not entrato(c)


def test_refresh_token_dura_otto_ore_e_muore_col_logout(app):
    username, _ = nuovo_utente(app)
    api = app.test_client()
    r = login_api(api, username, refresh=True)
    dati = r.get_json()
    refresh = pyjwt.decode(dati["refresh_token"], options={"verify_signature": False})
    assert refresh["exp"] - refresh["iat"] == 8 * 3600
    r = api.post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {dati['refresh_token']}"})
    assert r.status_code == 200
    assert ApiClient(api, r.get_json()["access_token"]).get("/api/v1/beneficiaria/").status_code == 200
    esci(login(app.test_client(), username))
    r = api.post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {dati['refresh_token']}"})
    assert r.status_code == 401


def test_api_rifiuta_scritture_col_cookie_senza_token_csrf(app, client_di, api_di):
    browser = client_di("cav.crema")
    r = browser.post("/api/v1/beneficiaria/", json={})
    assert r.status_code == 400 and "CSRF" in r.get_json()["message"]
    assert browser.get("/api/v1/beneficiaria/").status_code == 200, "le letture col cookie restano possibili"
    token = csrf_da(browser.get("/").get_data(as_text=True))
    r = browser.post("/api/v1/beneficiaria/", json={}, headers={"X-CSRFToken": token})
    assert r.status_code == 422, r.get_json()  # past the CSRF check, stopped by validation
    assert api_di("cav.crema").post("/api/v1/beneficiaria/", json={}).status_code == 422  # JWT: no CSRF needed


def test_swagger_ui_manda_il_token_csrf(client_di):
    pagina = client_di("capofila").get("/swagger/v1").get_data(as_text=True)
    assert 'req.headers["X-CSRFToken"]' in pagina
