"""One woman's path through the API, with real tokens: every step by the role that owns it."""
from tests.aiuti_percorso import consenti


def _una_donna(api, prefisso):
    """The first of her CAV's women, with the consent her segnalazione needs (another test's
    woman may have none)."""
    r = api.get("/api/v1/beneficiaria/?q=(page_size:100)")
    assert r.status_code == 200
    donna = next(x for x in r.get_json()["result"] if x["codice"].startswith(prefisso))
    consenti(api, donna["id"], ("condivisione_equipe",))
    return donna


def test_percorso_completo_con_fondi_regionali(api_di):
    cav, equipe, capofila = api_di("cav.crema"), api_di("equipe.crema"), api_di("capofila")
    donna = _una_donna(cav, "CM-")
    r = cav.post("/api/v1/segnalazione/", json={"beneficiaria": donna["id"], "data": "2022-05-02",
                                                "area_richiesta": "lavoro", "note": "tirocinio"})
    assert r.status_code == 201, r.get_json()
    segn = r.get_json()["id"]
    # Before admission no project can exist.
    r = cav.post("/api/v1/progetto/", json={"segnalazione": segn, "area": "lavoro", "obiettivi": "autonomia",
                                            "data_inizio": "2022-06-01", "data_fine": "2023-05-31",
                                            "budget_asse_ii": 2000})
    assert r.status_code == 422
    assert "ammessa" in str(r.get_json())
    # The équipe of another ambito cannot evaluate it (she does not even see it).
    r = api_di("equipe.cremona").post("/api/v1/valutazione/", json={"segnalazione": segn, "esito": "ammessa",
                                                                    "pronta": True, "data": "2022-05-10"})
    assert r.status_code == 422
    r = equipe.post("/api/v1/valutazione/", json={"segnalazione": segn, "esito": "ammessa", "pronta": True,
                                                  "data": "2022-05-10"})
    assert r.status_code == 201, r.get_json()
    r = cav.post("/api/v1/progetto/", json={"segnalazione": segn, "area": "lavoro", "obiettivi": "autonomia",
                                            "data_inizio": "2022-06-01", "data_fine": "2023-05-31",
                                            "budget_asse_ii": 2000})
    assert r.status_code == 201, r.get_json()
    pid = r.get_json()["id"]
    passi = [(cav, "proposto"), (equipe, "validato_equipe")]
    for chi, verso in passi:
        r = chi.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": verso})
        assert r.status_code == 200, r.get_json()
    # Regional money: the capofila must validate before it starts.
    r = cav.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": "in_corso"})
    assert r.status_code == 422
    assert any("capofila" in m for m in r.get_json()["message"]["_schema"])
    # The équipe cannot validate as capofila.
    r = equipe.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": "validato_capofila"})
    assert r.status_code == 422
    for chi, verso in [(capofila, "validato_capofila"), (cav, "in_corso")]:
        r = chi.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": verso})
        assert r.status_code == 200, r.get_json()
    r = cav.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": "interrotto"})
    assert r.status_code == 422  # a reason is required
    r = cav.post(f"/api/v1/progetto/{pid}/transizione",
                 json={"verso": "interrotto", "nota": "non sostenibile dal punto di vista psico-fisico"})
    assert r.status_code == 200
    storico = cav.get(f"/api/v1/progetto/{pid}/storico").get_json()["result"]
    assert [t["a"] for t in storico] == ["proposto", "validato_equipe", "validato_capofila", "in_corso", "interrotto"]
    assert storico[1]["utente"] == "equipe.crema"
    # Another CAV does not see the project at all.
    assert api_di("cav.cremona").post(f"/api/v1/progetto/{pid}/transizione",
                                      json={"verso": "concluso"}).status_code == 404
    assert api_di("cav.cremona").get(f"/api/v1/progetto/{pid}").status_code == 404
