"""Concurrent requests against a real multi-worker server (gunicorn, 4 processes of 4 threads,
over the suite's own database): ceilings and the giustificativo's uniqueness hold, SQLite gives no "database is locked".

Each request runs in its own thread with its own JWT; a barrier releases them together. The
assertions are on outcomes (how many succeeded, the money admitted), never on which request won.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from tests.aiuti_percorso import progetto_validato, spesa, voce_id
from tests.conftest import PASSWORD

RADICE = Path(__file__).resolve().parent.parent
# 4 processes of 4 threads each: 16 requests in flight at once, as a busy installation has.
LAVORATORI, FILI = 4, 4


def _porta_libera() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(app, cartella_istanza):
    """gunicorn -w 4 --threads 4 on the suite's database and secrets; stopped even when a test fails."""
    porta = _porta_libera()
    env = dict(os.environ, LIA_INSTANCE_DIR=cartella_istanza,  # segreti.env of the suite is there
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], LIA_UPLOAD_DIR=app.config["LIA_UPLOAD_DIR"],
               LIA_LIMITE_LOGIN="100000 per minute")
    log = open(Path(cartella_istanza) / f"gunicorn-{porta}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(LAVORATORI), "--threads", str(FILI), "-b", f"127.0.0.1:{porta}",
                             "--timeout", "60", "run:app"], cwd=RADICE, env=env, stdout=log, stderr=log,
                            start_new_session=True)
    base = f"http://127.0.0.1:{porta}"
    try:
        scadenza = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "gunicorn non è partito"
            try:
                if requests.get(base + "/login/", timeout=20).status_code == 200:
                    break
            except requests.RequestException:  # workers still booting
                pass
            assert time.monotonic() < scadenza, "gunicorn non risponde"
            time.sleep(0.3)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _token(base, username="cav.crema") -> str:
    r = requests.post(base + "/api/v1/security/login", timeout=30,
                      json={"username": username, "password": PASSWORD, "provider": "db"})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _insieme(base, corpi: list[dict], username="cav.crema") -> list[tuple[int, dict]]:
    """POST every body at the same moment, one thread and one token each; (status, json) in order."""
    tokens = [_token(base, username) for _ in corpi]
    via = threading.Barrier(len(corpi))
    esiti: list = [None] * len(corpi)

    def invia(i):
        sessione = requests.Session()
        sessione.headers["Authorization"] = f"Bearer {tokens[i]}"
        via.wait(timeout=30)
        r = sessione.post(base + "/api/v1/spesa/", json=corpi[i], timeout=60)
        try:
            esiti[i] = (r.status_code, r.json())
        except ValueError:
            esiti[i] = (r.status_code, {"testo": r.text[:200]})

    fili = [threading.Thread(target=invia, args=(i,)) for i in range(len(corpi))]
    for f in fili:
        f.start()
    for f in fili:
        f.join(timeout=90)
    assert all(e is not None for e in esiti), esiti
    return esiti


def _corpo(pid, voce, importo, numero=None, data="2023-01-10"):
    return {"progetto": pid, "voce": voce, "importo": importo, "data": data, "fornitore": "Ditta Esempio",
            "giustificativo_tipo": "fattura", "giustificativo_numero": numero or f"C-{uuid.uuid4().hex[:12]}",
            "giustificativo_data": data}


def _spese_progetto(app, pid) -> list[tuple[Decimal, bool]]:
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        righe = [(Decimal(s.importo), s.ammissibile)
                 for s in db.session.query(m.Spesa).filter_by(progetto_id=pid).all()]
        db.session.remove()
    return righe


def _motivi(corpo) -> str:
    return str(corpo.get("message", corpo))


PROGETTI = 3  # several projects at once: more requests overlap, a race cannot hide behind luck


def test_richieste_insieme_non_superano_il_massimale(app, api_di, server):
    """Per project € 1.100 left of the € 3.000 autonomy budget, 10 requests of € 400 at once:
    exactly 2 fit, the other 8 are refused with the reason."""
    tirocinio = voce_id(app, "II-TIROCINIO-INDENNITA")
    progetti = []
    for _ in range(PROGETTI):
        pid, _ = progetto_validato(api_di)
        assert spesa(api_di("cav.crema"), pid, tirocinio, "1900").status_code == 201
        progetti.append(pid)
    esiti = _insieme(server, [_corpo(pid, tirocinio, "400") for _ in range(10) for pid in progetti])
    assert not [c for c, _ in esiti if c >= 500], esiti
    for pid in progetti:
        accolte = [e for e in esiti if e[0] == 201 and e[1]["result"]["progetto"] == pid]
        assert len(accolte) == 2, (pid, esiti)
        spese = _spese_progetto(app, pid)
        assert len(spese) == 3  # the refused ones left nothing behind
        assert sum(i for i, ammessa in spese if ammessa) == Decimal("2700.00")
    rifiutate = [(c, corpo) for c, corpo in esiti if c != 201]
    assert len(rifiutate) == 8 * PROGETTI
    assert all(c in (409, 422) and "supera il massimale «Budget di autonomia»" in _motivi(corpo)
               for c, corpo in rifiutate), rifiutate


def test_stesso_giustificativo_insieme_una_volta_sola(app, api_di, server):
    trasporto = voce_id(app, "III-TRASPORTO")
    casi = [(progetto_validato(api_di)[0], f"G-{uuid.uuid4().hex[:10]}") for _ in range(PROGETTI)]
    esiti = _insieme(server, [_corpo(pid, trasporto, "20", numero=numero) for _ in range(8) for pid, numero in casi])
    assert not [c for c, _ in esiti if c >= 500], esiti
    for pid, _ in casi:
        assert len([e for e in esiti if e[0] == 201 and e[1]["result"]["progetto"] == pid]) == 1, (pid, esiti)
        assert len(_spese_progetto(app, pid)) == 1
    assert all(c in (409, 422) and "già imputato a un'altra spesa" in _motivi(corpo)
               for c, corpo in esiti if c != 201), esiti


def test_stesso_giustificativo_su_progetti_diversi_insieme_una_volta_sola(app, api_di, server):
    """Each project has its own lock: a copy judged at the same moment on another project is stopped
    by the unique index (409), one judged after the first commit by the rule (422)."""
    trasporto = voce_id(app, "III-TRASPORTO")
    progetti = [progetto_validato(api_di)[0] for _ in range(4)]
    numero = f"P-{uuid.uuid4().hex[:10]}"
    esiti = _insieme(server, [_corpo(pid, trasporto, "20", numero=numero) for _ in range(2) for pid in progetti])
    assert not [c for c, _ in esiti if c >= 500], esiti
    assert [c for c, _ in esiti].count(201) == 1, esiti
    assert all(c in (409, 422) and "già imputato a un'altra spesa" in _motivi(corpo)
               for c, corpo in esiti if c != 201), esiti
    assert sum(len(_spese_progetto(app, pid)) for pid in progetti) == 1


def test_scritture_e_letture_insieme_per_qualche_secondo(app, api_di, server):
    """8 writers (two on each project) and 4 readers for 4 seconds: no 5xx, no "database is
    locked", every acknowledged spesa is in the database afterwards."""
    trasporto = voce_id(app, "III-TRASPORTO")  # Asse III has no ceiling: every write is valid
    progetti = [progetto_validato(api_di)[0] for _ in range(4)]
    scrittori, lettori = [p for p in progetti for _ in range(2)], 4
    tokens = [_token(server) for _ in range(len(scrittori) + lettori)]
    via, fine = threading.Barrier(len(tokens)), time.monotonic() + 4 + 5  # 5 s to get past the barrier
    esiti: list[list] = [[] for _ in tokens]

    def lavora(i):
        sessione = requests.Session()
        sessione.headers["Authorization"] = f"Bearer {tokens[i]}"
        via.wait(timeout=30)
        stop = time.monotonic() + 4
        while time.monotonic() < min(stop, fine):
            if i < len(scrittori):
                r = sessione.post(server + "/api/v1/spesa/", json=_corpo(scrittori[i], trasporto, "1"), timeout=60)
                esiti[i].append((r.status_code, r.json().get("id") if r.status_code == 201 else r.text[:200]))
            else:
                r = sessione.get(server + "/api/v1/spesa/?q=(page_size:20)", timeout=60)
                esiti[i].append((r.status_code, None))

    fili = [threading.Thread(target=lavora, args=(i,)) for i in range(len(tokens))]
    for f in fili:
        f.start()
    for f in fili:
        f.join(timeout=90)
    tutti = [e for lista in esiti for e in lista]
    assert tutti and not [e for e in tutti if e[0] != 200 and e[0] != 201], [e for e in tutti if e[0] >= 300]
    scritte = {id_ for lista in esiti[:len(scrittori)] for _, id_ in lista}
    assert len(scritte) >= len(scrittori)  # every writer got through at least once
    salvate = sum(len(_spese_progetto(app, pid)) for pid in progetti)
    assert salvate == len(scritte)  # every acknowledged write is there, and nothing else

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from app.extensions import db

        with app.app_context():
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15_000


def test_il_database_rifiuta_un_giustificativo_ammesso_due_volte(app, api_di):
    """The index itself, on each engine: a second eligible copy is refused by the database with the
    Italian reason for its field; a copy stored as "non ammissibile" is accepted."""
    import sqlalchemy.exc

    from app import models as m
    from app.extensions import db
    from app.security import come_sistema
    from app.servizi.spese import rifiuto_da_conflitto

    pid, _ = progetto_validato(api_di)
    r = spesa(api_di("cav.crema"), pid, voce_id(app, "III-TRASPORTO"), "20")
    assert r.status_code == 201
    with app.app_context(), come_sistema():
        originale = db.session.get(m.Spesa, r.get_json()["id"])
        copia = dict(progetto_id=pid, beneficiaria_id=originale.beneficiaria_id, voce_id=originale.voce_id,
                     importo=originale.importo, data=originale.data, ente_pagatore_id=originale.ente_pagatore_id,
                     giustificativo_numero=" " + originale.giustificativo_numero.lower() + " ",
                     giustificativo_data=originale.giustificativo_data)
        db.session.add(m.Spesa(ammissibile=True, **copia))
        with pytest.raises(sqlalchemy.exc.IntegrityError) as errore:
            db.session.commit()
        db.session.rollback()
        rifiuto = rifiuto_da_conflitto(errore.value)
        assert rifiuto is not None and "già imputato a un'altra spesa" in rifiuto.per_campo["giustificativo_numero"][0]
        forzata = m.Spesa(ammissibile=False, **copia)
        db.session.add(forzata)
        db.session.commit()
        db.session.delete(forzata)
        db.session.commit()
        db.session.remove()


def test_testi_della_relazione_salvati_insieme_uno_solo_vince(app, api_di, server):
    """Eight saves of the same section of the relazione finale at once, all from the same read:
    one is written, the other seven are refused as stale (409), none answers 500 or overwrites."""
    sezione = "accordi_formazione"
    letto = api_di("capofila").get("/api/v1/relazionefinale/").get_json()["result"]
    versione = next(s["versione"] for s in letto if s["sezione"] == sezione)
    tokens = [_token(server, "capofila") for _ in range(8)]
    via = threading.Barrier(len(tokens))
    esiti: list = [None] * len(tokens)

    def invia(i):
        via.wait(timeout=30)
        r = requests.put(server + "/api/v1/relazionefinale/", timeout=60,
                         headers={"Authorization": f"Bearer {tokens[i]}"},
                         json={sezione: {"testo": f"Stesura numero {i}", "versione": versione}})
        esiti[i] = r.status_code

    fili = [threading.Thread(target=invia, args=(i,)) for i in range(len(tokens))]
    for f in fili:
        f.start()
    for f in fili:
        f.join(timeout=90)
    assert sorted(esiti) == [200] + [409] * 7, esiti
    dopo = api_di("capofila").get("/api/v1/relazionefinale/").get_json()["result"]
    salvata = next(s for s in dopo if s["sezione"] == sezione)
    assert salvata["versione"] == versione + 1
    assert salvata["testo"] == f"Stesura numero {esiti.index(200)}"


def test_chiusura_di_un_periodo_e_spese_insieme_nessuna_spesa_manca_dal_rendiconto(app, api_di, server):
    """The capofila closes a period while 12 spese dated inside it arrive at the same moment: each
    spesa is either in the stored workbook (it committed before the close) or refused with the
    closed period's reason (it came after); never in the database and missing from the file."""
    import io as _io
    from datetime import date

    import openpyxl

    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    trasporto = voce_id(app, "III-TRASPORTO")
    progetti = [progetto_validato(api_di)[0] for _ in range(3)]
    capofila = api_di("capofila")
    r = capofila.post("/api/v1/periodorendicontazione/", json={"dal": "2023-08-01", "al": "2023-08-31"})
    assert r.status_code == 201, r.get_json()
    periodo = r.get_json()["id"]
    try:
        richieste = [("capofila", f"/api/v1/periodorendicontazione/{periodo}/chiudi", None)]
        richieste += [("cav.crema", "/api/v1/spesa/", _corpo(progetti[i % 3], trasporto, "2", data=f"2023-08-{10 + i}"))
                      for i in range(12)]
        tokens = [_token(server, chi) for chi, _, _ in richieste]
        via = threading.Barrier(len(richieste))
        esiti: list = [None] * len(richieste)

        def invia(i):
            sessione = requests.Session()
            sessione.headers["Authorization"] = f"Bearer {tokens[i]}"
            via.wait(timeout=30)
            # The spese spread over ~0.4 s, the close in the middle: some land before it, some at the
            # same moment, some after.
            time.sleep(0.2 if i == 0 else 0.035 * i)
            r = sessione.post(server + richieste[i][1], json=richieste[i][2], timeout=60)
            esiti[i] = (r.status_code, r.json())

        fili = [threading.Thread(target=invia, args=(i,)) for i in range(len(richieste))]
        for f in fili:
            f.start()
        for f in fili:
            f.join(timeout=90)
        assert all(e is not None for e in esiti), esiti
        assert esiti[0][0] == 200, esiti[0]
        spese = esiti[1:]
        assert all(c in (201, 422) for c, _ in spese), spese
        assert all("dentro il periodo di rendicontazione 01/08/2023–31/08/2023 chiuso il" in _motivi(corpo)
                   for c, corpo in spese if c == 422), spese
        accolte = {corpo["id"] for c, corpo in spese if c == 201}

        file = capofila.get(f"/api/v1/periodorendicontazione/{periodo}/rendiconto").data
        ws = openpyxl.load_workbook(_io.BytesIO(file))["Spese"]
        righe = list(ws.iter_rows(min_row=3, values_only=True))
        colonna = righe[0].index("Data")
        nel_file = [r for r in righe[1:] if r[colonna] is not None and hasattr(r[colonna], "year")]
        with app.app_context(), come_sistema():
            in_agosto = db.session.query(m.Spesa).filter(m.Spesa.data >= date(2023, 8, 1),
                                                         m.Spesa.data <= date(2023, 8, 31)).all()
            ids = {s.id for s in in_agosto}
            db.session.remove()
        assert accolte <= ids  # every acknowledged spesa was stored...
        assert len(nel_file) == len(in_agosto)  # ...and every stored one is in the file sent
    finally:
        with app.app_context(), come_sistema():
            db.session.query(m.PeriodoRendicontazione).filter_by(id=periodo).delete()
            db.session.commit()
            db.session.remove()


def test_le_strutture_costruite_una_volta_reggono_i_fili_di_un_worker(app, api_di, client_di):
    """The joins, load options and perimeter criteria a worker builds once (app.servizi.interfaccia,
    app.security) are built by whichever threads arrive first: many at once on a cold cache, with
    the interpreter switching threads as often as it can, must all get their page, and so must
    every request after them (a join whose alias disagreed with its options broke the worker)."""
    from app import security
    from app.servizi import interfaccia

    url = ["/api/v1/spesa/?q=(page_size:20)", "/api/v1/progetto/?q=(page_size:20)",
           "/api/v1/beneficiaria/?q=(page_size:20)"]
    letture = [(api_di("cav.cremona"), url[i % len(url)]) for i in range(6)] + \
              [(client_di("cav.cremona"), "/spesaview/list/") for _ in range(2)]
    esiti, intervallo = [], sys.getswitchinterval()

    def leggi(cliente, indirizzo):
        try:
            via.wait(timeout=30)
            esiti.append(cliente.get(indirizzo).status_code)
        except Exception as exc:  # noqa: BLE001 — the assertion below names it
            esiti.append(repr(exc))

    sys.setswitchinterval(1e-6)
    try:
        for _ in range(12):
            interfaccia._JOIN_RELAZIONI.clear()
            interfaccia._SELEZIONI.clear()
            interfaccia._INTERFACCE_COLLEGATE.clear()
            security._opzioni_perimetro.cache_clear()
            via = threading.Barrier(len(letture))
            fili = [threading.Thread(target=leggi, args=lettura) for lettura in letture]
            for f in fili:
                f.start()
            for f in fili:
                f.join(timeout=60)
            esiti += [letture[0][0].get(u).status_code for u in url]
    finally:
        sys.setswitchinterval(intervallo)
    assert esiti and set(esiti) == {200}, [e for e in esiti if e != 200]
