"""Application factory of the L.I.A. 2 case and expense manager."""
import logging

from flask import Flask, jsonify, render_template_string, request

log = logging.getLogger(__name__)


class ConfigurazioneNonSicura(RuntimeError):
    pass


def _verifica_produzione(app: Flask) -> None:
    import config

    if app.config.get("LIA_ENV") != "production":
        return
    difetti = []
    if app.config["SECRET_KEY"] == config.DEV_SECRET_KEY:
        difetti.append("SECRET_KEY")
    if config.DEV_ENCRYPTION_KEY in app.config["LIA_ENCRYPTION_KEYS"]:
        difetti.append("LIA_ENCRYPTION_KEYS")
    if app.config["LIA_BLIND_INDEX_KEY"] == config.DEV_BLIND_INDEX_KEY:
        difetti.append("LIA_BLIND_INDEX_KEY")
    if difetti:
        raise ConfigurazioneNonSicura(
            "LIA_ENV=production con valori di sviluppo ancora in uso: " + ", ".join(difetti)
        )


def create_app(config_overrides: dict | None = None) -> Flask:
    from flask_appbuilder import AppBuilder

    from app import crypto
    from app.autenticazione import viste as accesso
    from app.extensions import csrf, db, migrate

    app = Flask(__name__)
    app.config.from_object("config")
    if config_overrides:
        app.config.update(config_overrides)
    _verifica_produzione(app)
    crypto.configura(app.config["LIA_ENCRYPTION_KEYS"], app.config["LIA_BLIND_INDEX_KEY"])

    from app import models  # noqa: F401  (models before AppBuilder, as FAB requires)

    db.init_app(app)
    # CSRF before AppBuilder: FAB exempts its REST API only when CSRFProtect is already there.
    csrf.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    appbuilder = AppBuilder(update_perms=False)
    with app.app_context():
        appbuilder.init_app(app, db.session)
        from app import api, views

        views.registra(appbuilder)
        api.registra(appbuilder)
        appbuilder.post_init()
    accesso.registra(app)  # CSRF for cookie-authenticated API writes, the Italian 429

    from app.cli import lia

    app.cli.add_command(lia)
    _registra_errori(app)
    _proteggi_log()
    return app


class _SenzaRighe(logging.Filter):
    """SQLAlchemy at DEBUG logs result rows, decrypted: never let them reach a log."""

    def filter(self, record):
        return not str(record.msg).startswith(("Row ", "Col "))


def _proteggi_log() -> None:
    for nome in ("sqlalchemy.engine", "sqlalchemy.engine.Engine"):
        logger = logging.getLogger(nome)
        if not any(isinstance(f, _SenzaRighe) for f in logger.filters):
            logger.addFilter(_SenzaRighe())


_PAGINA_ERRORE = """<!doctype html><html lang="it"><head><meta charset="utf-8"><title>{{ titolo }}</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>{{ titolo }}</h1><p>{{ testo }}</p>
<p><a href="/">Torna alla pagina iniziale</a></p></body></html>"""

_ERRORI = {
    400: ("Richiesta non valida", "La richiesta contiene dati non validi."),
    403: ("Accesso negato", "Non hai i permessi per questa pagina."),
    404: ("Pagina non trovata", "La pagina o il record richiesto non esiste o non è visibile per te."),
    405: ("Metodo non consentito", "Operazione non consentita su questa pagina."),
    413: ("File troppo grande", "Il file inviato supera la dimensione massima."),
    500: ("Errore interno", "Si è verificato un errore. L'operazione non è stata salvata."),
}


def _registra_errori(app: Flask) -> None:
    """Italian error pages and JSON bodies that never echo the request's data."""
    from app.extensions import db

    def risposta(codice):
        titolo, testo = _ERRORI[codice]
        if request.path.startswith("/api/"):
            return jsonify(message=testo), codice
        return render_template_string(_PAGINA_ERRORE, titolo=titolo, testo=testo), codice

    for codice in (400, 403, 404, 405, 413):
        app.register_error_handler(codice, lambda e, c=codice: risposta(c))

    @app.errorhandler(500)
    def errore_interno(e):
        db.session.rollback()
        # Log the exception type and route only: values can carry personal data.
        orig = getattr(e, "original_exception", e)
        log.error("errore interno su %s %s: %s", request.method, request.url_rule, type(orig).__name__)
        return risposta(500)
