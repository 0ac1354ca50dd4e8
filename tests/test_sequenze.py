"""Codes handed out by a counter row under lock: no collision under concurrency, no reuse.

The concurrent test runs against the real multi-worker server of tests/test_concorrenza.py
(gunicorn, 4 processes of 4 threads) on the suite's database, SQLite or PostgreSQL.
"""
from __future__ import annotations

import re
import threading

import requests

from tests.aiuti_percorso import CAV, EQUIPE, crea, nuova_segnalazione, valuta
from tests.test_concorrenza import _token, server  # noqa: F401  (the gunicorn fixture)

# Three CAVs in three ambiti, the same year: 3 sequences, each hit by many requests at once.
PER_CAV = 16


def _registra_insieme(base, utenti: list[tuple[str, dict]]) -> list[tuple[int, dict]]:
    tokens = [_token(base, u) for u, _ in utenti]
    via = threading.Barrier(len(utenti))
    esiti: list = [None] * len(utenti)

    def invia(i):
        sessione = requests.Session()
        sessione.headers["Authorization"] = f"Bearer {tokens[i]}"
        via.wait(timeout=30)
        r = sessione.post(base + "/api/v1/beneficiaria/", json=utenti[i][1], timeout=90)
        esiti[i] = (r.status_code, r.json() if r.headers.get("content-type", "").startswith("application/json")
                    else {"testo": r.text[:200]})

    fili = [threading.Thread(target=invia, args=(i,)) for i in range(len(utenti))]
    for f in fili:
        f.start()
    for f in fili:
        f.join(timeout=120)
    assert all(e is not None for e in esiti), esiti
    return esiti


def _codici(app, ids) -> list[str]:
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        codici = [db.session.get(m.Beneficiaria, id_).codice for id_ in ids]
        db.session.remove()
    return codici


def _ambito(api, sigla) -> int:
    return next(a["id"] for a in api.get("/api/v1/ambito/").get_json()["result"] if a["codice"] == sigla)


def test_registrazioni_insieme_hanno_tutte_un_codice_distinto(app, api_di, server):  # noqa: F811
    ambiti = {a["codice"]: a["id"] for a in api_di("cav.crema").get("/api/v1/ambito/").get_json()["result"]}
    utenti = [(u, {"ambito": ambiti[sigla], "data_presa_in_carico": "2023-11-20", "fascia_eta": "30-39"})
              for sigla, u in CAV.items() for _ in range(PER_CAV)]
    esiti = _registra_insieme(server, utenti)
    riuscite = _codici(app, [corpo["id"] for stato, corpo in esiti if stato == 201])
    print(f"\nregistrazioni concorrenti: {len(esiti)} richieste, {len(riuscite)} riuscite")
    assert len(riuscite) == len(esiti), [e for e in esiti if e[0] != 201]
    assert len(set(riuscite)) == len(riuscite)
    # Per sequence (ambito, year) the new numbers follow each other: none lost, none taken twice.
    per_sequenza: dict[str, list[int]] = {}
    for codice in riuscite:
        prefisso, numero = re.fullmatch(r"(.+-2023)-(\d{4})", codice).groups()
        per_sequenza.setdefault(prefisso, []).append(int(numero))
    assert len(per_sequenza) == len(CAV)
    for numeri in per_sequenza.values():
        assert sorted(numeri) == list(range(min(numeri), min(numeri) + PER_CAV))


def test_il_codice_di_una_donna_eliminata_non_torna(api_di):
    """max + 1 handed the code of a deleted woman (the highest) to the next one: a code in an
    old export or audit row would then name another woman."""
    cav = api_di("cav.casalmaggiore")
    prima = crea(cav, "beneficiaria", {"ambito": _ambito(cav, "CA"), "data_presa_in_carico": "2023-02-01"})
    codice_prima = cav.get(f"/api/v1/beneficiaria/{prima}").get_json()["result"]["codice"]
    assert cav.delete(f"/api/v1/beneficiaria/{prima}").status_code == 200
    dopo = crea(cav, "beneficiaria", {"ambito": _ambito(cav, "CA"), "data_presa_in_carico": "2023-02-01"})
    codice_dopo = cav.get(f"/api/v1/beneficiaria/{dopo}").get_json()["result"]["codice"]
    assert codice_dopo != codice_prima
    assert int(codice_dopo[-4:]) == int(codice_prima[-4:]) + 1


def test_il_numero_di_un_progetto_eliminato_non_torna(api_di):
    """The project's number was count + 1: after deleting the first of two projects the third
    got the second's code and the database refused it."""
    cav, equipe = api_di(CAV["CA"]), api_di(EQUIPE["CA"])
    donna = crea(cav, "beneficiaria", {"ambito": _ambito(cav, "CA"), "data_presa_in_carico": "2023-03-01"})
    codici, ids = [], []
    for _ in range(3):
        segn = nuova_segnalazione(cav, donna)
        valuta(equipe, segn)
        pid = crea(cav, "progetto", {"segnalazione": segn, "area": "lavoro", "obiettivi": "autonomia",
                                     "data_inizio": "2023-04-01", "data_fine": "2024-03-31"})
        ids.append(pid)
        codici.append(cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]["codice"])
        if len(ids) == 2:
            assert cav.delete(f"/api/v1/progetto/{ids[0]}").status_code == 200
    assert [c.rsplit("-", 1)[1] for c in codici] == ["1", "2", "3"]
