"""Application factory of the L.I.A. 2 case and expense manager."""
import logging

from flask import Flask

log = logging.getLogger(__name__)


class ConfigurazioneNonSicura(RuntimeError):
    pass


def create_app(config_overrides: dict | None = None) -> Flask:
    from flask_appbuilder import AppBuilder

    from app import crypto, segreti
    from app.autenticazione import viste as accesso
    from app.extensions import csrf, db, migrate

    app = Flask(__name__)
    app.config.from_object("config")
    if config_overrides:
        app.config.update(config_overrides)
    # No secret has a default: missing, short or once-published ones stop the start.
    segreti.verifica(app.config)
    crypto.configura(app.config["LIA_ENCRYPTION_KEYS"], app.config["LIA_BLIND_INDEX_KEY"])

    from app import models  # noqa: F401  (models before AppBuilder, as FAB requires)

    db.init_app(app)
    from app import concorrenza, integrita

    with app.app_context():
        integrita.installa(db.engine)  # SQLite enforces foreign keys on every connection
        concorrenza.installa(db.engine)  # SQLite: WAL, and waiting for another worker's write
    from app.servizi import consensi, date_plausibili

    date_plausibili.installa()  # no date before 1900 or past the programme's end plus its margin
    consensi.installa()  # a revoked consent hides her case from who saw it through it
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

    from app import audit
    from app.cli import lia

    audit.init_app(app)
    app.cli.add_command(lia)
    from app import risposte

    risposte.configura(app)  # security headers, no-store, Italian error pages
    from app import versioni

    versioni.installa(app)  # a stale write met by any route: the Italian 409, never a 500
    _proteggi_log()
    _senza_aggregati()
    return app


def _senza_aggregati() -> None:
    """sqlalchemy_utils (imported by FAB) listens to every flush to keep its `@aggregated` columns,
    walking every object of the session each time: a one-transaction import that flushes once per
    spesa became quadratic. No model declares one, so its listener goes."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from sqlalchemy_utils import aggregates

    ascolto = aggregates.manager.construct_aggregate_queries
    if not aggregates.aggregated_attrs and event.contains(Session, "after_flush", ascolto):
        event.remove(Session, "after_flush", ascolto)


class _SenzaRighe(logging.Filter):
    """SQLAlchemy at DEBUG logs result rows, decrypted: never let them reach a log."""

    def filter(self, record):
        return not str(record.msg).startswith(("Row ", "Col "))


def _proteggi_log() -> None:
    for nome in ("sqlalchemy.engine", "sqlalchemy.engine.Engine"):
        logger = logging.getLogger(nome)
        if not any(isinstance(f, _SenzaRighe) for f in logger.filters):
            logger.addFilter(_SenzaRighe())
