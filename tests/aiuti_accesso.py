"""Helpers shared by the login tests and their browser journey."""
from __future__ import annotations

import uuid

from tests.conftest import PASSWORD

RUOLI_2FA = ["Operatrice CAV", "Amministratore"]


def seconda_istanza(app, **config):
    """Another create_app() on the same database: what a second gunicorn worker is."""
    from app import create_app, segreti

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "LIA_UPLOAD_DIR": app.config["LIA_UPLOAD_DIR"],
                       **{k: app.config[k] for k in (*segreti.SEGRETI, "LIA_SEGRETI_FILE")},
                       "LIA_LIMITE_LOGIN": app.config["LIA_LIMITE_LOGIN"], **config})


def nuovo_utente(app, ruolo="Operatrice CAV", come="cav.crema"):
    """A fresh user with the role given and the ente of the demo user `come`: (username, id)."""
    from app.extensions import db

    with app.app_context():
        sm = app.appbuilder.sm
        username = f"prova.accesso.{uuid.uuid4().hex[:8]}"
        utente = sm.add_user(username, "Prova", "Accesso", f"{username}@esempio.it", sm.find_role(ruolo),
                             password=PASSWORD)
        assert utente, "utente di prova non creato"
        utente.ente_id = sm.find_user(username=come).ente_id
        db.session.commit()
        uid = utente.id
        db.session.remove()
    return username, uid
