"""What every response carries: the browser protections (flask-talisman), no caching of what a
signed-in user sees, and the Italian error pages and JSON bodies, which never echo the request.

Content-Security-Policy: scripts only from this server and only with the request's nonce (FAB's
templates and ours put `nonce="{{ baselib.get_nonce() }}"` on every <script>; the Jinja global
`csp_nonce` that macro looks for is defined by talisman). Styles allow 'unsafe-inline': FAB's
templates and widgets use style="" attributes (a nonce cannot cover an attribute) and a style
cannot run code; an injected style would need an HTML injection point, which autoescaping closes.
"""
from __future__ import annotations

import logging
import traceback

from flask import Flask, current_app, g, jsonify, render_template, render_template_string, request
from flask_login import current_user
from flask_talisman import Talisman
from flask_talisman.talisman import NONCE_LENGTH, get_random_string
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

log = logging.getLogger(__name__)

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",  # + the request's nonce (content_security_policy_nonce_in)
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",  # QR codes drawn as data: URIs
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
# Powerful browser features the app never uses, off for every page (and anything it embeds).
PERMISSIONS_POLICY = {f: "()" for f in (
    "accelerometer", "browsing-topics", "camera", "display-capture", "geolocation", "gyroscope", "hid",
    "magnetometer", "microphone", "midi", "payment", "serial", "usb")}

_STATICI = {"static", "appbuilder.static"}
_SCRITTURE = {"POST", "PUT", "PATCH", "DELETE"}

ERRORI = {
    400: ("Richiesta non valida", "La richiesta contiene dati non validi o incompleti."),
    401: ("Accesso richiesto", "Per questa operazione occorre accedere."),
    403: ("Accesso negato", "Non hai i permessi per questa pagina o per questa operazione."),
    404: ("Pagina non trovata", "La pagina o il record richiesto non esiste o non è visibile per te."),
    405: ("Operazione non consentita", "Questa operazione non è consentita su questa pagina."),
    409: ("Modificato da altri", "Qualcun altro ha modificato questo record nel frattempo: l'operazione non è "
                                 "stata registrata. Ricarica la pagina, controlla il record e riprova."),
    413: ("File troppo grande", "Il file o i dati inviati superano la dimensione massima ammessa ({mb} MB)."),
    429: ("Troppe richieste", "Hai inviato troppe richieste in poco tempo: attendi un minuto e riprova."),
    500: ("Errore interno", "Si è verificato un errore interno. Riprova tra qualche minuto; se l'errore si "
                            "ripete, avvisa l'amministratore indicando l'ora."),
}
MSG_CSRF = ("Il modulo è scaduto o non è stato inviato da questa applicazione: ricarica la pagina "
            "e riprova.")
# Only when the request meant to change something: a reader is never told "not saved".
MSG_NON_SALVATO = ("L'operazione potrebbe non essere stata salvata: controlla il record prima di "
                   "ripeterla.")
_GENERICO = ("Errore", "La richiesta non può essere soddisfatta.")

# When even the layout cannot be drawn (e.g. the database is down): a page with no menu.
_PAGINA_MINIMA = """<!doctype html><html lang="it"><head><meta charset="utf-8"><title>{{ titolo }}</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>{{ titolo }}</h1>{% for t in testi %}<p>{{ t }}</p>{% endfor %}
<p><a href="/">Torna alla pagina iniziale</a></p></body></html>"""


def configura(app: Flask) -> None:
    """Wire headers, caching and error pages into `app` (after AppBuilder and CSRFProtect)."""
    produzione = app.config.get("LIA_ENV") == "production"
    Talisman(
        app,
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="no-referrer",
        permissions_policy=PERMISSIONS_POLICY,
        # Behind the TLS proxy (X-Forwarded-Proto: https); development and the tests run on http.
        force_https=produzione,
        strict_transport_security=produzione,
        strict_transport_security_include_subdomains=False,
        # Talisman would otherwise rewrite the cookie settings of config.py.
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", produzione),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
    )
    # With Referrer-Policy: no-referrer the browser sends no Referer (and Origin: null) on a form
    # POST, so Flask-WTF's extra Referer check on https would refuse every form once the app sees
    # https (TLS in gunicorn, or ProxyFix). The CSRF token and the SameSite cookie remain.
    app.config["WTF_CSRF_SSL_STRICT"] = False
    app.before_request(_limita_corpo_api)
    app.after_request(_niente_cache)
    app.after_request(_errore_api_in_italiano)
    app.register_error_handler(HTTPException, _errore_http)
    app.register_error_handler(InternalServerError, _errore_interno)
    _proteggi_log_eccezioni(app)


class _SenzaMessaggioEccezione(logging.Filter):
    """A logged exception keeps its type and traceback, not its message: the message of a
    database or decryption error can carry SQL or personal values (Flask logs every unhandled
    exception, FAB's @safe every API one, as its message: `log.exception(e)`)."""

    def filter(self, record):
        if isinstance(record.msg, BaseException):
            record.msg, record.args = type(record.msg).__name__, ()
        if record.exc_info and record.exc_info[1] is not None:
            tipo, _, tb = record.exc_info
            record.exc_text = ("Traceback (most recent call last):\n" + "".join(traceback.format_tb(tb))
                               + f"{tipo.__module__}.{tipo.__qualname__} (messaggio omesso)")
        return True


def _proteggi_log_eccezioni(app: Flask) -> None:
    for logger in (app.logger, logging.getLogger("flask_appbuilder.api")):
        if not any(isinstance(f, _SenzaMessaggioEccezione) for f in logger.filters):
            logger.addFilter(_SenzaMessaggioEccezione())


def _api() -> bool:
    return request.path.startswith("/api/")


def _limita_corpo_api():
    # FAB's @safe turns any exception of an API method into a 500, the 413 of a body over
    # MAX_CONTENT_LENGTH included: refuse it here, before the method runs. A chunked body has no
    # length: werkzeug reads it up to the limit and silently stops there, so a body that fills
    # the limit is refused too (rather than parsed cut short).
    if not _api() or request.method not in _SCRITTURE:
        return
    limite = current_app.config.get("MAX_CONTENT_LENGTH")
    if limite is None:
        return
    if request.content_length is None:
        request.get_data(cache=True)
        if getattr(request.stream, "is_exhausted", False):
            raise RequestEntityTooLarge()
    elif request.content_length > limite:
        raise RequestEntityTooLarge()


def _niente_cache(risposta):
    # Pages and API answers carry case data (and the login form a CSRF token): never stored by a
    # browser or proxy. Only the static files (FAB's and ours) may be cached.
    if request.endpoint not in _STATICI:
        risposta.headers["Cache-Control"] = "no-store"
    return risposta


def _errore_api_in_italiano(risposta):
    # FAB's @safe answers an API exception with {"message": "Fatal error"} (or a stack trace when
    # FAB_API_SHOW_STACKTRACE is on): the same Italian body as any other 500.
    if risposta.status_code == 500 and _api():
        corpo = jsonify(message=" ".join(_testi(500, None)[1]))
        risposta.set_data(corpo.get_data())
        risposta.headers["Content-Type"] = corpo.headers["Content-Type"]
    return risposta


def _testi(codice: int, e: HTTPException | None) -> tuple[str, list[str]]:
    titolo, testo = ERRORI.get(codice) or (ERRORI[500] if codice >= 500 else _GENERICO)
    if codice == 413:
        testo = testo.format(mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024))
    if isinstance(e, CSRFError):
        testo = MSG_CSRF
    testi = [testo]
    if codice >= 500 and request.method in _SCRITTURE:
        testi.append(MSG_NON_SALVATO)
    return titolo, testi


def _come_una_pagina_normale() -> None:
    # An error raised by a before_request hook that runs before AppBuilder's and talisman's
    # (CSRFProtect's 400) leaves the request without its user and nonce: the menu could not be
    # drawn and the page's scripts would be blocked.
    if "user" not in g:
        g.user = current_user
    if not getattr(request, "csp_nonce", None):
        request.csp_nonce = get_random_string(NONCE_LENGTH)


def risposta_errore(codice: int, e: HTTPException | None = None):
    """The Italian answer for an HTTP error: JSON under /api/, else a page in the app's layout."""
    titolo, testi = _testi(codice, e)
    if _api():
        risposta = jsonify(message=" ".join(testi))
    else:
        _come_una_pagina_normale()
        try:
            appbuilder = current_app.appbuilder
            html = render_template("lia_errore.html", titolo=titolo, testi=testi, codice=codice,
                                   appbuilder=appbuilder, base_template=appbuilder.base_template)
        except Exception as exc:  # the layout needs the database (menu, user): never fail twice
            log.error("pagina di errore senza menu (%s)", type(exc).__name__)
            html = render_template_string(_PAGINA_MINIMA, titolo=titolo, testi=testi)
        risposta = current_app.make_response(html)
    risposta.status_code = codice
    # Keep what the protocol needs (Allow of a 405, Retry-After of a 429), never a body of werkzeug's.
    for nome, valore in (e.get_headers() if e is not None else []):
        if nome.lower() not in ("content-type", "content-length"):
            risposta.headers[nome] = valore
    return risposta


def _errore_http(e: HTTPException):
    if e.code >= 500:
        return _errore_interno(e)
    return risposta_errore(e.code, e)


def _errore_interno(e: HTTPException):
    from app.extensions import db

    db.session.rollback()
    # The exception's type and the route only: a message can carry personal data or SQL.
    orig = getattr(e, "original_exception", None) or e
    log.error("errore interno su %s %s: %s", request.method, request.url_rule, type(orig).__name__)
    return risposta_errore(e.code or 500)
