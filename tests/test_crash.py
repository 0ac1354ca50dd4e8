"""Crashes (issue 10 §4): a server killed with SIGKILL while it writes loses no acknowledged row
and leaves a sound database; an export killed half-way never leaves a file that looks finished,
and its leftovers are gone at the next export."""
from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import requests
from sqlalchemy import MetaData, create_engine, insert, select

from tests.aiuti_backup import RADICE, destinazione  # noqa: F401  (a fixture)
from tests.aiuti_percorso import progetto_validato, spesa, voce_id
from tests.conftest import PASSWORD

UCCISIONI = 3


def _porta_libera() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ambiente(app, cartella_istanza, url=None, **altro) -> dict:
    return dict(os.environ, LIA_INSTANCE_DIR=cartella_istanza, FLASK_APP="run.py",
                DATABASE_URL=url or app.config["SQLALCHEMY_DATABASE_URI"], LIA_UPLOAD_DIR=app.config["LIA_UPLOAD_DIR"],
                LIA_LIMITE_LOGIN="100000 per minute", **altro)


def _uccidi(proc) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _ids_presenti(app, ids) -> set[int]:
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        trovati = set(db.session.execute(select(m.Spesa.id).where(m.Spesa.id.in_(ids))).scalars())
        db.session.remove()
    return trovati


def test_server_ucciso_mentre_scrive_non_perde_righe_confermate(app, api_di, cartella_istanza):
    """gunicorn (2 workers) under 4 writers, killed with SIGKILL after a random delay, several
    times: every spesa answered 201 is in the database, SQLite's integrity check is ok."""
    pid, _ = progetto_validato(api_di)
    corpo_base = {"progetto": pid, "voce": voce_id(app, "III-TRASPORTO"), "importo": "1", "data": "2023-01-10",
                  "fornitore": "Ditta Esempio", "giustificativo_tipo": "fattura", "giustificativo_data": "2023-01-10"}
    token = api_di("cav.crema").token  # the same SECRET_KEY: valid for every restart
    confermate: list[int] = []
    for giro in range(UCCISIONI):
        porta = _porta_libera()
        base = f"http://127.0.0.1:{porta}"
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "2", "-b",
                                 f"127.0.0.1:{porta}", "run:app"], cwd=RADICE, env=_ambiente(app, cartella_istanza),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            scadenza = time.monotonic() + 90
            while True:
                assert proc.poll() is None, "gunicorn non è partito"
                try:
                    if requests.get(base + "/login/", timeout=10).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < scadenza, "gunicorn non risponde"
                time.sleep(0.2)
            primo, fine = threading.Event(), threading.Event()
            esiti: list[list[int]] = [[] for _ in range(4)]

            def scrivi(i):
                sessione = requests.Session()
                sessione.headers["Authorization"] = f"Bearer {token}"
                n = 0
                while not fine.is_set():
                    n += 1
                    corpo = {**corpo_base, "giustificativo_numero": f"K{giro}-{i}-{n}-{random.randrange(10**9)}"}
                    try:
                        r = sessione.post(base + "/api/v1/spesa/", json=corpo, timeout=30)
                    except requests.RequestException:
                        return  # the server is gone: this answer never came
                    assert r.status_code == 201, r.text[:300]
                    esiti[i].append(r.json()["id"])
                    primo.set()

            fili = [threading.Thread(target=scrivi, args=(i,)) for i in range(4)]
            for f in fili:
                f.start()
            assert primo.wait(timeout=60), "nessuna scrittura confermata"
            time.sleep(random.uniform(0.05, 1.0))
            _uccidi(proc)
            fine.set()
            for f in fili:
                f.join(timeout=60)
        finally:
            if proc.poll() is None:
                _uccidi(proc)
        confermate += [i for lista in esiti for i in lista]
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        if uri.startswith("sqlite:///"):
            with sqlite3.connect(uri[len("sqlite:///"):]) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert _ids_presenti(app, confermate) == set(confermate), f"giro {giro}: righe confermate perse"
    assert len(confermate) >= UCCISIONI


def _gonfia_spese(url, quante: int) -> None:
    """`quante` copies of a spesa, recorded as "non ammissibile" (outside the unique index): an
    export long enough to be killed in the middle."""
    motore = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(motore, only=["lia_spesa"])
        spese = meta.tables["lia_spesa"]
        with motore.begin() as conn:
            modello = dict(conn.execute(select(spese).limit(1)).mappings().one())
            modello.pop("id")
            righe = [{**modello, "ammissibile": False, "giustificativo_numero": f"X{i}",
                      "giustificativo_chiave": f"X{i}", "allegato": None} for i in range(quante)]
            conn.execute(insert(spese), righe)
    finally:
        motore.dispose()


def test_esportazione_uccisa_non_lascia_file_finito_ne_cartelle(app, api_di, tmp_path, destinazione,
                                                                cartella_istanza):
    from app import backup

    pid, _ = progetto_validato(api_di)
    assert spesa(api_di("cav.crema"), pid, voce_id(app, "III-PASTI"), "5").status_code == 201
    dest_url, dest_url_test, dest_cartella = destinazione
    # A copy of the suite's database (the backup of §5), inflated: the suite's own stays as it is.
    backup.crea(tmp_path / "copia.tar.gz", app.config["SQLALCHEMY_DATABASE_URI"], app.config["LIA_UPLOAD_DIR"])
    backup.ripristina(tmp_path / "copia.tar.gz", dest_url_test, dest_cartella)
    _gonfia_spese(dest_url_test, 30_000)

    provvisoria = tmp_path / "tmp"  # the export's TMPDIR: its temporary folders can be counted
    provvisoria.mkdir()
    uscita = tmp_path / "uscita"
    uscita.mkdir()
    file = uscita / "rendicontazione.xlsx"
    env = _ambiente(app, cartella_istanza, url=dest_url, TMPDIR=str(provvisoria))
    comando = [sys.executable, "-m", "flask", "lia", "rendicontazione", "--out", str(file)]
    uccise_a_meta = 0
    for _ in range(UCCISIONI + 1):
        proc = subprocess.Popen(comando, cwd=RADICE, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        scadenza = time.monotonic() + 90
        while proc.poll() is None and not any(provvisoria.glob("lia-rendicontazione-*")):
            assert time.monotonic() < scadenza, "l'esportazione non comincia"
            time.sleep(0.005)
        time.sleep(random.uniform(0, 1.0))  # a random moment of the writing
        finito = proc.poll() is not None
        _uccidi(proc) if not finito else proc.wait()
        if finito:
            file.unlink()  # finished before the kill: start again from no file
            continue
        uccise_a_meta += 1
        assert not file.exists(), "un'esportazione uccisa ha lasciato un file che sembra finito"
    assert uccise_a_meta >= 2, "le esportazioni sono finite prima di essere uccise: nulla è stato provato"
    assert list(provvisoria.iterdir()), "nessuna cartella provvisoria lasciata: l'uccisione non era a metà"

    fatto = subprocess.run(comando, cwd=RADICE, env=env, capture_output=True, text=True, timeout=180)
    assert fatto.returncode == 0, fatto.stderr
    with zipfile.ZipFile(file) as z:
        assert z.testzip() is None and "xl/workbook.xml" in z.namelist()
    assert list(provvisoria.iterdir()) == []  # the killed exports' folders are gone
    assert list(uscita.iterdir()) == [file]  # and so are their partial files
