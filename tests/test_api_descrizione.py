"""The API's own description: readable by any signed-in user (it holds no data), not by
anonymous callers; and the session times are validated as HH:MM."""


def test_openapi_per_utenti_autenticati(app, api_di):
    assert app.test_client().get("/api/v1/_openapi").status_code == 401
    r = api_di("cav.crema").get("/api/v1/_openapi")
    assert r.status_code == 200
    percorsi = r.get_json()["paths"]
    assert "/api/v1/progetto/{pk}/transizione" in percorsi and "/api/v1/spesa/" in percorsi


def test_orario_sessione_nel_formato_hh_mm(app, api_di):
    capofila = api_di("capofila")
    lab = capofila.get("/api/v1/laboratorio/?q=(page_size:1)").get_json()["result"]
    if not lab:
        ambito = capofila.get("/api/v1/ambito/").get_json()["result"][0]["id"]
        r = capofila.post("/api/v1/laboratorio/", json={"edizione": "Prova orari", "ambito": ambito})
        assert r.status_code == 201, r.get_json()
        lab_id = r.get_json()["id"]
    else:
        lab_id = lab[0]["id"]
    corpo = {"laboratorio": lab_id, "data": "2023-03-01", "tema": "orari"}
    r = capofila.post("/api/v1/sessionelaboratorio/", json={**corpo, "ora_inizio": "25:00"})
    assert r.status_code == 422 and "ora_inizio" in r.get_json()["message"]
    r = capofila.post("/api/v1/sessionelaboratorio/", json={**corpo, "ora_inizio": "09:30", "ora_fine": "12:00"})
    assert r.status_code == 201, r.get_json()
