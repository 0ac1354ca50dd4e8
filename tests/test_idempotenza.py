"""The optional Idempotency-Key of the API's POSTs: a repeat returns the first answer and creates
nothing; another body with the same key is refused; two at once create one record."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import requests
from sqlalchemy import func, select, update

from tests.aiuti_percorso import progetto_validato
from tests.test_concorrenza import _token, server  # noqa: F401  (the gunicorn fixture)


def _conta(app, modello, **filtri) -> int:
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    tipo = getattr(m, modello)
    with app.app_context(), come_sistema():
        n = db.session.execute(select(func.count(tipo.id)).filter_by(**filtri)).scalar()
        db.session.remove()
    return n


def _ambito(api, sigla="CM"):
    return next(a["id"] for a in api.get("/api/v1/ambito/").get_json()["result"] if a["codice"] == sigla)


def _post(api, url, corpo, chiave):
    return api.client.post(url, json=corpo, headers={**api._h(), "Idempotency-Key": chiave})


def test_stessa_chiave_due_volte_stessa_risposta_una_sola_creazione(app, api_di):
    cav = api_di("cav.crema")
    corpo, chiave = {"ambito": _ambito(cav), "data_presa_in_carico": "2023-06-01"}, str(uuid.uuid4())
    prima = _conta(app, "Beneficiaria")
    primo = _post(cav, "/api/v1/beneficiaria/", corpo, chiave)
    assert primo.status_code == 201, primo.get_json()
    secondo = _post(cav, "/api/v1/beneficiaria/", corpo, chiave)
    assert (secondo.status_code, secondo.get_json()) == (201, primo.get_json())
    assert secondo.headers["Idempotent-Replayed"] == "true"
    assert _conta(app, "Beneficiaria") == prima + 1
    # Without the key, or with a new one, the same body is a new registration.
    assert _post(cav, "/api/v1/beneficiaria/", corpo, str(uuid.uuid4())).status_code == 201
    assert cav.post("/api/v1/beneficiaria/", json=corpo).status_code == 201
    assert _conta(app, "Beneficiaria") == prima + 3


def test_stessa_chiave_con_altro_corpo_o_altro_indirizzo_422_in_italiano(app, api_di):
    cav = api_di("cav.crema")
    chiave = str(uuid.uuid4())
    ambito = _ambito(cav)
    assert _post(cav, "/api/v1/beneficiaria/", {"ambito": ambito, "data_presa_in_carico": "2023-06-02"},
                 chiave).status_code == 201
    prima = _conta(app, "Beneficiaria")
    for url, corpo in (("/api/v1/beneficiaria/", {"ambito": ambito, "data_presa_in_carico": "2023-06-03"}),
                       ("/api/v1/altramisura/", {"tipo": "x"})):
        r = _post(cav, url, corpo, chiave)
        assert r.status_code == 422, r.get_json()
        assert r.get_json()["message"].startswith("La chiave Idempotency-Key è già stata usata per una richiesta diversa")
    assert _conta(app, "Beneficiaria") == prima
    # The same JSON with its keys in another order is the same request.
    r = _post(cav, "/api/v1/beneficiaria/", {"data_presa_in_carico": "2023-06-02", "ambito": ambito}, chiave)
    assert r.status_code == 201 and r.headers["Idempotent-Replayed"] == "true"


def test_le_chiavi_sono_di_ciascun_utente(app, api_di):
    chiave = str(uuid.uuid4())
    prima = _conta(app, "Beneficiaria")
    for utente, sigla in (("cav.crema", "CM"), ("cav.cremona", "CR")):
        api = api_di(utente)
        r = _post(api, "/api/v1/beneficiaria/", {"ambito": _ambito(api, sigla), "data_presa_in_carico": "2023-06-04"},
                  chiave)
        assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    assert _conta(app, "Beneficiaria") == prima + 2


def test_un_rifiuto_si_ripete_uguale_e_la_chiave_non_valida_e_400(app, api_di):
    cav = api_di("cav.crema")
    chiave, corpo = str(uuid.uuid4()), {"ambito": _ambito(cav), "data_presa_in_carico": "2999-01-01"}
    primo = _post(cav, "/api/v1/beneficiaria/", corpo, chiave)
    assert primo.status_code == 422
    secondo = _post(cav, "/api/v1/beneficiaria/", corpo, chiave)
    assert (secondo.status_code, secondo.get_json()) == (422, primo.get_json())
    assert secondo.headers["Idempotent-Replayed"] == "true"
    for cattiva in ("x" * 256, "chiave-è-accentata"):
        r = _post(cav, "/api/v1/beneficiaria/", corpo, cattiva)
        assert r.status_code == 400 and "Idempotency-Key non valida" in r.get_json()["message"]


def test_transizione_ripetuta_con_la_chiave_conta_una_volta(app, api_di):
    pid, _ = progetto_validato(api_di, avvia=False)
    cav = api_di("cav.crema")
    prima = _conta(app, "TransizioneProgetto", progetto_id=pid)
    chiave, corpo = str(uuid.uuid4()), {"verso": "in_corso", "data": "2022-06-20"}
    primo = _post(cav, f"/api/v1/progetto/{pid}/transizione", corpo, chiave)
    assert primo.status_code == 200, primo.get_json()
    secondo = _post(cav, f"/api/v1/progetto/{pid}/transizione", corpo, chiave)
    assert (secondo.status_code, secondo.get_json()) == (200, primo.get_json())
    assert _conta(app, "TransizioneProgetto", progetto_id=pid) == prima + 1
    # Without the key the repeat is a new request, refused by the workflow.
    assert cav.post(f"/api/v1/progetto/{pid}/transizione", json=corpo).status_code == 422


def test_la_risposta_scade_dopo_il_tempo_configurato(app, api_di):
    from app import models as m
    from app.extensions import db

    cav = api_di("cav.crema")
    chiave, corpo = str(uuid.uuid4()), {"ambito": _ambito(cav), "data_presa_in_carico": "2023-06-05"}
    assert _post(cav, "/api/v1/beneficiaria/", corpo, chiave).status_code == 201
    ore = app.config["LIA_IDEMPOTENZA_ORE"]
    with app.app_context():
        db.session.execute(update(m.RichiestaIdempotente).where(m.RichiestaIdempotente.chiave == chiave)
                           .values(creata=m.RichiestaIdempotente.creata - timedelta(hours=ore, minutes=1)))
        db.session.commit()
        db.session.remove()
    r = _post(cav, "/api/v1/beneficiaria/", corpo, chiave)
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers


def test_openapi_documenta_la_chiave_su_ogni_post(api_di):
    documento = api_di("cav.crema").get("/api/v1/_openapi").get_json()
    post = {p: ops["post"] for p, ops in documento["paths"].items() if "post" in ops}
    assert "/api/v1/progetto/{pk}/transizione" in post and "/api/v1/beneficiaria/" in post
    for percorso, operazione in post.items():
        nomi = [p.get("name") for p in operazione.get("parameters", [])]
        assert ("Idempotency-Key" in nomi) == ("/security/" not in percorso), percorso


def test_stessa_chiave_insieme_una_sola_creazione(app, api_di, server):  # noqa: F811
    """8 identical requests with one key at the same moment, through gunicorn's workers: one
    registration; each answer is the first one (201, the same id) or a 409 while it runs."""
    cav = api_di("cav.crema")
    corpo, chiave, n = {"ambito": _ambito(cav), "data_presa_in_carico": "2023-06-06"}, str(uuid.uuid4()), 8
    prima = _conta(app, "Beneficiaria")
    tokens = [_token(server) for _ in range(n)]
    via, esiti = threading.Barrier(n), [None] * n

    def invia(i):
        via.wait(timeout=30)
        r = requests.post(server + "/api/v1/beneficiaria/", json=corpo, timeout=90,
                          headers={"Authorization": f"Bearer {tokens[i]}", "Idempotency-Key": chiave})
        esiti[i] = (r.status_code, r.json())

    fili = [threading.Thread(target=invia, args=(i,)) for i in range(n)]
    for f in fili:
        f.start()
    for f in fili:
        f.join(timeout=120)
    print(f"\nstessa chiave insieme: {n} richieste, stati {sorted(c for c, _ in esiti)}")
    assert _conta(app, "Beneficiaria") == prima + 1
    riuscite = [corpo for c, corpo in esiti if c == 201]
    assert riuscite and all(r == riuscite[0] for r in riuscite)
    assert all(c in (201, 409) for c, _ in esiti), esiti
