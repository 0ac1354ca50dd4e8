"""What every response carries (app.risposte): the browser protections on pages, API answers,
error pages and static files; no caching of what a signed-in user sees; and the Italian error
pages, inside the app's layout, that never echo a stack trace, SQL or a personal value."""
from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import csrf_da

# A value that must never reach a page, a JSON body or a log, and the SQL it would travel in.
SEGRETO = "Finzionelli RSSMRA80A01H501U"
SQL = f"SELECT cognome FROM lia_dati_personali WHERE cognome = '{SEGRETO}'"
INTESTAZIONI = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def csp(risposta) -> dict[str, list[str]]:
    valore = risposta.headers.get("Content-Security-Policy", "")
    out = {}
    for parte in valore.split(";"):
        voci = parte.split()
        if voci:
            out[voci[0]] = voci[1:]
    return out


def verifica_protezioni(r, cache_vietata=True):
    """Every header of issue 9 §3 on one response; returns the CSP nonce."""
    for nome, valore in INTESTAZIONI.items():
        assert r.headers.get(nome) == valore, (nome, r.headers.get(nome))
    politica = csp(r)
    script = politica.get("script-src", [])
    assert "'self'" in script and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, script
    nonce = [s for s in script if s.startswith("'nonce-")]
    assert len(nonce) == 1, script
    assert politica["object-src"] == ["'none'"]
    assert politica["base-uri"] == ["'self'"]
    assert politica["frame-ancestors"] == ["'none'"]
    assert politica["form-action"] == ["'self'"]
    assert politica["default-src"] == ["'self'"]
    assert set(politica["img-src"]) == {"'self'", "data:"}
    permessi = r.headers.get("Permissions-Policy", "")
    for funzione in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{funzione}=()" in permessi, permessi
    assert "Strict-Transport-Security" not in r.headers  # only in production, over https
    if cache_vietata:
        assert r.headers.get("Cache-Control") == "no-store", r.headers.get("Cache-Control")
    return nonce[0][len("'nonce-"):-1]


def nel_layout(testo: str, autenticata: bool) -> None:
    assert 'class="navbar' in testo and "bootstrap.min.css" in testo
    if autenticata:
        assert "/logout/" in testo and "Casi" in testo  # the menu of a signed-in operator
    else:
        assert "/login/" in testo and "/logout/" not in testo


def senza_dettagli(testo: str) -> None:
    for vietato in ("Traceback", "File \"", "SELECT ", "sqlalchemy", "Werkzeug", SEGRETO, "Fatal error"):
        assert vietato not in testo, vietato


# --- headers -----------------------------------------------------------------------------------

def test_pagina_di_un_utente_ha_ogni_protezione_e_i_suoi_script_il_nonce(client_di):
    c = client_di("cav.crema")
    r = c.get("/beneficiariaview/list/")
    assert r.status_code == 200
    nonce = verifica_protezioni(r)
    html = r.get_data(as_text=True)
    script = re.findall(r"<script\b[^>]*>", html)
    assert len(script) > 5
    senza = [s for s in script if f'nonce="{nonce}"' not in s]
    assert not senza, senza
    assert verifica_protezioni(c.get("/beneficiariaview/list/")) != nonce  # one nonce per response


def test_risposta_api_ha_ogni_protezione_e_no_store(api_di):
    r = api_di("cav.crema").get("/api/v1/beneficiaria/")
    assert r.status_code == 200
    verifica_protezioni(r)


def test_pagina_di_accesso_e_home_anonima_protette_e_non_in_cache(app):
    c = app.test_client()
    for url in ("/login/", "/"):
        r = c.get(url)
        assert r.status_code == 200, url
        verifica_protezioni(r)


def test_pagina_di_errore_ha_ogni_protezione(client_di):
    r = client_di("cav.crema").get("/pagina-che-non-esiste")
    assert r.status_code == 404
    nonce = verifica_protezioni(r)
    assert f'nonce="{nonce}"' in r.get_data(as_text=True)


def test_file_statico_protetto_ma_lasciato_in_cache(app):
    c = app.test_client()
    r = c.get("/static/appbuilder/js/ab.js")
    assert r.status_code == 200
    verifica_protezioni(r, cache_vietata=False)
    assert "no-store" not in r.headers.get("Cache-Control", "")


def test_errore_csrf_ha_il_nonce_anche_se_nasce_prima_di_talisman(client_di):
    # CSRFProtect refuses the request in a before_request hook that runs before talisman's.
    r = client_di("cav.crema").post("/beneficiariaview/add", data={"ambito": "1"})
    assert r.status_code == 400
    nonce = verifica_protezioni(r)
    assert nonce and f'nonce="{nonce}"' in r.get_data(as_text=True)


def test_moduli_accettati_su_https_senza_referer(client_di):
    """The browser sends no Referer (Referrer-Policy: no-referrer): over https Flask-WTF's strict
    Referer check would refuse every form with a valid token."""
    c = client_di("cav.crema")
    https = {"base_url": "https://localhost"}
    token = csrf_da(c.get("/beneficiariaview/add", **https).get_data(as_text=True))
    r = c.post("/beneficiariaview/add", data={"csrf_token": token}, **https)
    assert r.status_code == 200, r.status_code  # the form again, with its own errors: not a 400
    assert "Campo obbligatorio" in r.get_data(as_text=True)


def _app_minima(ambiente: str) -> Flask:
    from app import risposte

    app = Flask(__name__)
    app.config.update(LIA_ENV=ambiente, SESSION_COOKIE_SECURE=ambiente == "production",
                      SESSION_COOKIE_SAMESITE="Lax")
    app.add_url_rule("/", "home", lambda: "ok")
    risposte.configura(app)
    return app


def test_in_produzione_https_obbligatorio_e_hsts():
    c = _app_minima("production").test_client()
    r = c.get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("https://")
    r = c.get("/", headers={"X-Forwarded-Proto": "https"})  # behind the TLS proxy
    assert r.status_code == 200
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_fuori_produzione_niente_hsts_e_niente_redirect():
    c = _app_minima("development").test_client()
    r = c.get("/")
    assert r.status_code == 200 and "Strict-Transport-Security" not in r.headers
    r = c.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r.headers


def test_i_modelli_del_progetto_non_hanno_script_senza_nonce_ne_gestori_inline():
    cartella = Path(__file__).resolve().parent.parent / "app" / "templates"
    problemi = []
    for modello in sorted(cartella.glob("*.html")):
        testo = modello.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", testo):
            if "nonce=" not in tag:
                problemi.append(f"{modello.name}: {tag}")
        problemi += [f"{modello.name}: {h}" for h in re.findall(r"\son[a-z]+\s*=", testo)]
        problemi += [f"{modello.name}: javascript:" for _ in re.findall(r"javascript:", testo, re.I)]
    assert not problemi, problemi


# --- error pages -------------------------------------------------------------------------------

def test_404_in_italiano_nel_layout_per_chi_ha_acceduto_e_per_chi_no(app, client_di):
    for c, autenticata in ((client_di("cav.crema"), True), (app.test_client(), False)):
        r = c.get("/pagina-che-non-esiste")
        assert r.status_code == 404
        testo = r.get_data(as_text=True)
        assert "Pagina non trovata" in testo and "non esiste o non è visibile" in testo
        nel_layout(testo, autenticata)
        senza_dettagli(testo)


def test_403_in_italiano_nel_layout(client_di):
    r = client_di("regione").get("/beneficiariaview/list/")
    assert r.status_code == 403
    testo = r.get_data(as_text=True)
    assert "Accesso negato" in testo and "Non hai i permessi" in testo
    assert 'class="navbar' in testo and "/logout/" in testo


def test_405_in_italiano_nel_layout_e_in_json_per_l_api(client_di, api_di):
    c = client_di("cav.crema")
    token = csrf_da(c.get("/beneficiariaview/add").get_data(as_text=True))
    r = c.post("/beneficiariaview/list/", data={"csrf_token": token})
    assert r.status_code == 405
    testo = r.get_data(as_text=True)
    assert "Operazione non consentita" in testo
    nel_layout(testo, True)
    assert "GET" in r.headers.get("Allow", "")
    r = api_di("cav.crema").post("/api/v1/beneficiaria/1", json={})
    assert r.status_code == 405 and r.is_json
    assert r.get_json() == {"message": "Questa operazione non è consentita su questa pagina."}
    assert "PUT" in r.headers.get("Allow", "")


def test_400_csrf_in_italiano_nel_layout(client_di):
    r = client_di("cav.crema").post("/beneficiariaview/add", data={"ambito": "1"})
    assert r.status_code == 400
    testo = r.get_data(as_text=True)
    assert "Richiesta non valida" in testo and "Il modulo è scaduto" in testo
    nel_layout(testo, True)
    assert "CSRF" not in testo and "The CSRF token" not in testo


def test_404_dell_api_in_json(api_di):
    r = api_di("cav.crema").get("/api/v1/risorsa-che-non-esiste/")
    assert r.status_code == 404 and r.is_json
    assert "non esiste" in r.get_json()["message"]


def _corpo_troppo_grande(app) -> bytes:
    return b'{"note": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1024) + b'"}'


def test_413_api_json_in_italiano_mai_500(app, api_di):
    a = api_di("cav.crema")
    r = a.client.post("/api/v1/beneficiaria/", data=_corpo_troppo_grande(app),
                      headers={**a._h(), "Content-Type": "application/json"})
    assert r.status_code == 413 and r.is_json
    assert r.get_json()["message"].startswith("Il file o i dati inviati superano la dimensione massima")


def test_413_api_anche_per_un_corpo_a_pezzi_senza_lunghezza(app, api_di):
    a = api_di("cav.crema")
    r = a.client.put("/api/v1/beneficiaria/1", input_stream=io.BytesIO(_corpo_troppo_grande(app)),
                     headers={**a._h(), "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                     environ_overrides={"wsgi.input_terminated": True})
    assert r.status_code == 413 and r.is_json, (r.status_code, r.get_data(as_text=True)[:200])


def test_413_del_modulo_in_italiano_nel_layout(app, client_di):
    c = client_di("cav.crema")
    token = csrf_da(c.get("/spesaview/add").get_data(as_text=True))
    r = c.post("/spesaview/add", content_type="multipart/form-data", data={
        "csrf_token": token,
        "file_giustificativo": (io.BytesIO(b"%PDF-1.4 " + b"x" * app.config["MAX_CONTENT_LENGTH"]), "grande.pdf")})
    assert r.status_code == 413
    testo = r.get_data(as_text=True)
    assert "File troppo grande" in testo and "10 MB" in testo
    nel_layout(testo, True)


# --- 500: a failing view, never its details ------------------------------------------------------

def _guasto(*args, **kwargs):
    raise RuntimeError(SQL)


@pytest.fixture
def errori_veri(app, monkeypatch):
    """The 500 handler as in production (the test app propagates exceptions otherwise)."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    return monkeypatch


def test_500_in_lettura_non_dice_non_salvato(app, client_di, errori_veri, caplog):
    c = client_di("cav.crema")
    errori_veri.setitem(app.view_functions, "BeneficiariaView.list", _guasto)
    with caplog.at_level(logging.ERROR):
        r = c.get("/beneficiariaview/list/")
    assert r.status_code == 500
    testo = r.get_data(as_text=True)
    assert "Errore interno" in testo and "Riprova tra qualche minuto" in testo
    assert "salvat" not in testo
    nel_layout(testo, True)
    senza_dettagli(testo)
    assert "RuntimeError" in caplog.text and SEGRETO not in caplog.text


def test_500_in_scrittura_dice_che_potrebbe_non_essere_salvato(app, client_di, errori_veri):
    c = client_di("cav.crema")
    token = csrf_da(c.get("/beneficiariaview/add").get_data(as_text=True))
    errori_veri.setitem(app.view_functions, "BeneficiariaView.add", _guasto)
    r = c.post("/beneficiariaview/add", data={"csrf_token": token})
    assert r.status_code == 500
    testo = r.get_data(as_text=True)
    assert "Errore interno" in testo and "potrebbe non essere stata salvata" in testo
    nel_layout(testo, True)
    senza_dettagli(testo)


def test_500_dell_api_json_in_italiano_anche_dentro_il_safe_di_fab(app, api_di, errori_veri, caplog):
    a = api_di("cav.crema")
    api = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "BeneficiariaApi")
    # Inside FAB's @safe (which would answer {"message": "Fatal error"} and log the message)...
    errori_veri.setattr(api, "get_list_headless", _guasto)
    with caplog.at_level(logging.ERROR):
        r = a.get("/api/v1/beneficiaria/")
    assert "RuntimeError" in caplog.text and SEGRETO not in caplog.text
    assert r.status_code == 500 and r.is_json
    assert r.get_json()["message"].startswith("Si è verificato un errore interno")
    assert "salvat" not in r.get_json()["message"]
    senza_dettagli(r.get_data(as_text=True))
    # ...and outside it, on a write.
    errori_veri.setitem(app.view_functions, "BeneficiariaApi.post", _guasto)
    r = a.post("/api/v1/beneficiaria/", json={})
    assert r.status_code == 500 and r.is_json
    assert "potrebbe non essere stata salvata" in r.get_json()["message"]
    senza_dettagli(r.get_data(as_text=True))


def test_500_senza_menu_se_il_layout_non_si_puo_disegnare(app, client_di, errori_veri):
    """When drawing the menu fails too (e.g. the database is down): a plain Italian page."""
    c = client_di("cav.crema")
    errori_veri.setitem(app.view_functions, "BeneficiariaView.list", _guasto)
    errori_veri.setattr("app.risposte.render_template", _guasto)
    r = c.get("/beneficiariaview/list/")
    assert r.status_code == 500
    testo = r.get_data(as_text=True)
    assert "Errore interno" in testo and "Torna alla pagina iniziale" in testo
    senza_dettagli(testo)
