"""Helpers shared by tests that need a woman with an admitted segnalazione and a project."""
from __future__ import annotations

import uuid

_contatore = {"n": 0}


def spesa(api, pid, voce, importo, data="2023-01-10", **extra):
    """POST a spesa with a giustificativo number unique across the whole test session."""
    corpo = {"progetto": pid, "voce": voce, "importo": importo, "data": data, "fornitore": "Ditta Esempio",
             "giustificativo_tipo": "fattura", "giustificativo_numero": f"T-{uuid.uuid4().hex[:12]}",
             "giustificativo_data": data, **extra}
    return api.post("/api/v1/spesa/", json=corpo)


def voce_id(app, codice):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        vid = db.session.query(m.VoceSpesa).filter_by(codice=codice).one().id
        db.session.remove()
    return vid


def beneficiaria_di(api, prefisso):
    r = api.get("/api/v1/beneficiaria/?q=(page_size:100)")
    assert r.status_code == 200, r.get_json()
    return [x for x in r.get_json()["result"] if x["codice"].startswith(prefisso)]


def progetto_validato(api_di, cav="cav.crema", equipe="equipe.crema", prefisso="CM-", area="lavoro",
                      budget=None, inizio="2022-06-01", fine="2024-03-31", data_equipe="2022-06-10",
                      data_capofila="2022-06-15", avvia=True, intermedia=False):
    """A new project for one of `cav`'s women, validated by équipe and capofila on given dates."""
    api_cav, api_eq, api_cap = api_di(cav), api_di(equipe), api_di("capofila")
    # Women whose case no other test opened to a micro-équipe (whose members would then see
    # her spese): the demo's have none.
    r = api_cav.get("/api/v1/microequipe/?q=(page_size:100)")
    assert r.status_code == 200, r.get_json()
    aperte = {x["beneficiaria"]["id"] for x in r.get_json()["result"]}
    # Nor women another test gave an other measure (Reddito di Libertà, GOL…): it would refuse or
    # warn on her spese (double funding) where the caller expects none.
    r = api_cav.get("/api/v1/altramisura/?q=(page_size:100)")
    assert r.status_code == 200, r.get_json()
    aperte |= {x["beneficiaria"]["id"] for x in r.get_json()["result"]}
    donne = [d for d in beneficiaria_di(api_cav, prefisso) if d["id"] not in aperte]
    _contatore["n"] += 1
    donna = donne[_contatore["n"] % len(donne)]
    consenti(api_cav, donna["id"], ("condivisione_equipe", "statistiche"))  # other tests' women may have none
    r = api_cav.post("/api/v1/segnalazione/", json={"beneficiaria": donna["id"], "data": "2022-05-02",
                                                    "area_richiesta": area})
    assert r.status_code == 201, r.get_json()
    segn = r.get_json()["id"]
    r = api_eq.post("/api/v1/valutazione/", json={"segnalazione": segn, "esito": "ammessa", "pronta": True,
                                                  "data": "2022-05-20"})
    assert r.status_code == 201, r.get_json()
    budget = budget if budget is not None else {"budget_asse_ii": 3000, "budget_asse_iv": 1500}
    r = api_cav.post("/api/v1/progetto/", json={"segnalazione": segn, "area": area, "obiettivi": "autonomia",
                                                "data_inizio": inizio, "data_fine": fine,
                                                "soluzione_abitativa_intermedia": intermedia, **budget})
    assert r.status_code == 201, r.get_json()
    pid = r.get_json()["id"]
    passi = [(api_cav, "proposto", None), (api_eq, "validato_equipe", data_equipe)]
    if any(v for v in budget.values()):
        passi.append((api_cap, "validato_capofila", data_capofila))
    if avvia:
        passi.append((api_cav, "in_corso", data_capofila))
    for chi, verso, data in passi:
        corpo = {"verso": verso, **({"data": data} if data else {})}
        r = chi.post(f"/api/v1/progetto/{pid}/transizione", json=corpo)
        assert r.status_code == 200, r.get_json()
    return pid, donna


# --- API steps shared by the tests of the path (one definition each) ------------------------

CAV = {"CR": "cav.cremona", "CM": "cav.crema", "CA": "cav.casalmaggiore"}
EQUIPE = {"CR": "equipe.cremona", "CM": "equipe.crema", "CA": "equipe.casalmaggiore"}


# The consents a CAV records with a woman whose case goes to the équipe and the CPI, and who is
# counted in the statistics (as the demo's women are).
CONSENSI_DEL_PERCORSO = ("condivisione_equipe", "condivisione_cpi", "statistiche")


def consenti(cav, donna, finalita=CONSENSI_DEL_PERCORSO, data="2014-01-01"):
    """Her consents, recorded by her CAV (a segnalazione or a CPI step needs them)."""
    for f in finalita:
        r = cav.post("/api/v1/consenso/", json={"beneficiaria": donna, "tipo": f, "data": data})
        assert r.status_code == 201, (f, r.get_json())


def crea(chi, risorsa, dati, atteso=201):
    """POST a record; the new id when 201 is expected, else the response (already checked). A new
    woman comes with the consents of her path (`consenti`), as her CAV records them."""
    r = chi.post(f"/api/v1/{risorsa}/", json=dati)
    assert r.status_code == atteso, (risorsa, r.status_code, r.get_json())
    if risorsa == "beneficiaria" and atteso == 201:
        consenti(chi, r.get_json()["id"])
    return r.get_json().get("id") if atteso == 201 else r


def nuova_segnalazione(cav, donna, area="lavoro", note="richiesta di tirocinio"):
    return crea(cav, "segnalazione", {"beneficiaria": donna, "data": "2022-05-02", "area_richiesta": area,
                                      "note": note})


def valuta(equipe, segn, esito="ammessa", pronta=True, motivazione="", data="2022-05-10", atteso=201):
    dati = {"segnalazione": segn, "esito": esito, "pronta": pronta, "data": data, "motivazione": motivazione}
    return crea(equipe, "valutazione", dati, atteso)


def transita(chi, pid, verso, nota=None):
    dati = {"verso": verso} if nota is None else {"verso": verso, "nota": nota}
    return chi.post(f"/api/v1/progetto/{pid}/transizione", json=dati)


def passa(chi, pid, verso, nota=None):
    r = transita(chi, pid, verso, nota)
    assert r.status_code == 200, (verso, r.status_code, r.get_json())
    assert r.get_json()["result"]["stato"] == verso


def identita(api_cav, bid, pii) -> tuple[str, str]:
    """Her name and surname as her CAV reads them: the demo's (`pii`, from tests/conftest.py), or a
    new identity for a woman the suite created without one."""
    if bid in pii:
        return tuple(pii[bid]["valori"][:2])
    nome, cognome = "Ottavia", f"Senzanome{uuid.uuid4().hex[:6]}"
    crea(api_cav, "datipersonali", {"beneficiaria": bid, "nome": nome, "cognome": cognome})
    return nome, cognome
