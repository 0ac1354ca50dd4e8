"""Shared fixtures: one real app on a real database (SQLite file, or PostgreSQL when
DATABASE_URL is set), migrated with Alembic and loaded with the demo network; clients that
log in through the real login form with CSRF, and API clients with real JWT tokens."""
from __future__ import annotations

import os
import re
import tempfile

import pytest

PASSWORD = "demo-lia2-test"
ALTRA_PASSWORD = PASSWORD
UTENTI_DEMO = ["admin", "capofila", "cav.cremona", "cav.crema", "cav.casalmaggiore", "equipe.cremona",
               "equipe.crema", "equipe.casalmaggiore", "servizi.cpi", "regione"]


def _database_del_processo():
    """Under pytest-xdist each worker runs the whole session on a database of its own: on
    PostgreSQL, `<database>_<worker>` beside DATABASE_URL's, created here if missing. Set in the
    environment before `config` is imported, so the app, the CLI runs and the second databases
    the backup and fuzz tests derive from it all follow."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("DATABASE_URL")
    if not worker or not url or os.environ.get("LIA_TEST_DB_DEL_PROCESSO") == url:
        return
    from sqlalchemy import create_engine, make_url, text

    base = make_url(url)
    nome = f"{base.database}_{worker}"
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": nome}).first():
            conn.execute(text(f'CREATE DATABASE "{nome}"'))
    server.dispose()
    os.environ["DATABASE_URL"] = os.environ["LIA_TEST_DB_DEL_PROCESSO"] = \
        base.set(database=nome).render_as_string(hide_password=False)


_database_del_processo()


def _database_url(tmpdir):
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmpdir}/lia-test.db"


def _svuota_postgres(url):
    from sqlalchemy import create_engine, text

    import config

    engine = create_engine(config.SQLALCHEMY_DATABASE_URI if url == os.environ.get("DATABASE_URL") else url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def segreti_generati(cartella) -> dict:
    """Fresh random secrets in `cartella`/segreti.env, as `make run` generates them: the suite
    runs with no secret in the environment and none in the code."""
    from pathlib import Path

    from app import segreti

    file = Path(cartella) / "segreti.env"
    segreti.genera(file, ambiente={})
    return {**segreti.leggi(file), "LIA_SEGRETI_FILE": str(file)}


@pytest.fixture(scope="session")
def cartella_istanza():
    with tempfile.TemporaryDirectory(prefix="lia-test-") as d:
        yield d


@pytest.fixture(scope="session")
def app(cartella_istanza):
    url = _database_url(cartella_istanza)
    if url.startswith("postgres"):
        _svuota_postgres(url)
    from app import create_app

    overrides = {"TESTING": True, "LIA_UPLOAD_DIR": os.path.join(cartella_istanza, "allegati"),
                 # The suite logs in hundreds of times from 127.0.0.1: the per-IP login limit is
                 # proved on an app of its own (tests/test_accesso_sicuro.py).
                 "LIA_LIMITE_LOGIN": "100000 per minute"}
    overrides.update(segreti_generati(cartella_istanza))
    if not os.environ.get("DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = url
    application = create_app(overrides)
    with application.app_context():
        from flask_migrate import upgrade

        from app.cli import carica_programma, init_roles
        from app.demo import carica_demo
        from app.security import come_sistema

        upgrade()
        init_roles()
        carica_programma()
        with come_sistema():
            carica_demo(PASSWORD)
    yield application


@pytest.fixture(scope="session")
def db_path(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else None


def byte_del_file_sqlite(*percorsi: str) -> bytes:
    """The raw bytes of the live SQLite files, read by a child process.

    Closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
    own included: a plain open()/close() here would let another process (a gunicorn worker, a
    `flask lia` run) believe it is the database's last user and delete the -wal and -shm under
    this process's connections, which then read an old snapshot or fail with "disk I/O error".
    """
    import subprocess

    esistenti = [p for p in percorsi if os.path.exists(p)]
    return subprocess.run(["cat", *esistenti], check=True, capture_output=True).stdout if esistenti else b""


def csrf_da(html: str) -> str:
    trovato = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert trovato, "nessun token CSRF nella pagina"
    return trovato.group(1)


def login(client, username, password=PASSWORD):
    pagina = client.get("/login/")
    r = client.post("/login/", data={"username": username, "password": password,
                                     "csrf_token": csrf_da(pagina.get_data(as_text=True))})
    assert r.status_code == 302, f"login di {username} fallito ({r.status_code})"
    assert "/login" not in r.headers.get("Location", ""), f"login di {username} rifiutato"
    return client


@pytest.fixture
def client_di(app):
    """client_di("cav.crema") -> a test client logged in through the real form."""
    def _fa(username):
        return login(app.test_client(), username)
    return _fa


class ApiClient:
    def __init__(self, client, token):
        self.client, self.token = client, token

    def _h(self):
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self._h(), **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self._h(), **kw)

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=self._h(), **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self._h(), **kw)


def token_per(client, username, password=PASSWORD):
    r = client.post("/api/v1/security/login",
                    json={"username": username, "password": password, "provider": "db"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["access_token"]


@pytest.fixture
def api_di(app):
    """api_di("capofila") -> an API client holding a real JWT access token."""
    def _fa(username):
        c = app.test_client()
        return ApiClient(c, token_per(c, username))
    return _fa


@pytest.fixture
def pii(app):
    """Every woman's decrypted personal data: {beneficiaria_id: {"ente_id":…, "valori": [...]}}."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        out = {}
        for dp in db.session.query(m.DatiPersonali).all():
            valori = [dp.nome, dp.cognome, dp.codice_fiscale, dp.telefono, dp.email, dp.indirizzo,
                      dp.data_nascita.strftime("%d/%m/%Y") if dp.data_nascita else None,
                      dp.data_nascita.isoformat() if dp.data_nascita else None]
            out[dp.beneficiaria_id] = {"ente_id": dp.beneficiaria.ente_id,
                                       "codice": dp.beneficiaria.codice,
                                       "valori": [v for v in valori if v]}
        db.session.remove()
    return out


def ente_di(app, username):
    from app.extensions import db

    with app.app_context():
        u = app.appbuilder.sm.find_user(username=username)
        ente_id = u.ente_id
        db.session.remove()
    return ente_id
