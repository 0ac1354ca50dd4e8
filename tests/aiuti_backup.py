"""A second, empty database and upload folder beside the suite's, and `flask lia` run in its own
process against them: for the backup and crash tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

RADICE = Path(__file__).resolve().parent.parent


def _url_pg(url, nome):
    return make_url(url).set(database=nome).render_as_string(hide_password=False)


@pytest.fixture
def destinazione(app, tmp_path):
    """An empty target: a new SQLite file, or a new PostgreSQL database beside the suite's; its
    upload folder. (url for the app's config, url for the test's own engine, folder)"""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    cartella = tmp_path / "allegati-ripristinati"
    if url.startswith("sqlite"):
        nuovo = f"sqlite:///{tmp_path / 'ripristinato.db'}"
        yield nuovo, nuovo, cartella
        return
    from app.backup import _ambiente_pg

    nome = f"{make_url(url).database}_ripristino"
    env = _ambiente_pg(url)
    subprocess.run(["dropdb", "--if-exists", nome], env=env, check=True)
    subprocess.run(["createdb", nome], env=env, check=True)
    try:
        yield _url_pg(os.environ["DATABASE_URL"], nome), _url_pg(url, nome), cartella
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", nome], env=env, check=True)


def flask_lia(cartella_istanza, url, cartella_allegati, *argomenti):
    """`flask lia …` in its own process, as the secretary runs it: the suite's keys, the given
    database and upload folder."""
    env = dict(os.environ, LIA_INSTANCE_DIR=cartella_istanza, DATABASE_URL=url,
               LIA_UPLOAD_DIR=str(cartella_allegati), FLASK_APP="run.py")
    return subprocess.run([sys.executable, "-m", "flask", "lia", *argomenti], cwd=RADICE, env=env,
                          capture_output=True, text=True, timeout=120)
