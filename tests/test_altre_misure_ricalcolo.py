"""A woman's other measures speak on her spese (a warning of possible double funding): adding,
changing or removing one recomputes her spese at once, through the API and the form, so the stored
verdicts stay those of a full recompute."""
from __future__ import annotations

from tests.aiuti_percorso import progetto_validato, spesa, voce_id
from tests.conftest import csrf_da


def _avvisi(api, sid):
    r = api.get(f"/api/v1/spesa/{sid}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["result"]["avvisi"] or ""


def test_una_misura_aggiunta_e_tolta_cambia_subito_gli_avvisi_delle_sue_spese(app, api_di):
    cav = api_di("cav.crema")
    pid, donna = progetto_validato(api_di)
    r = spesa(cav, pid, voce_id(app, "II-TIROCINIO-INDENNITA"), "300", data="2023-01-10")
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]
    assert "la donna riceve" not in _avvisi(cav, sid)

    r = cav.post("/api/v1/altramisura/", json={"beneficiaria": donna["id"], "tipo": "reddito_liberta",
                                               "data_inizio": "2022-12-01", "assi_coperti": "II"})
    assert r.status_code == 201, r.get_json()
    mid = r.get_json()["id"]
    assert "la donna riceve «Reddito di Libertà»" in _avvisi(cav, sid)

    assert cav.put(f"/api/v1/altramisura/{mid}", json={"data_inizio": "2023-02-01"}).status_code == 200
    assert "la donna riceve" not in _avvisi(cav, sid), "la misura comincia dopo la spesa"

    assert cav.put(f"/api/v1/altramisura/{mid}", json={"data_inizio": "2023-01-01"}).status_code == 200
    assert "la donna riceve" in _avvisi(cav, sid)
    assert cav.delete(f"/api/v1/altramisura/{mid}").status_code == 200
    assert "la donna riceve" not in _avvisi(cav, sid)


def test_dal_modulo_anche(app, api_di, client_di):
    cav = api_di("cav.crema")
    pid, donna = progetto_validato(api_di)
    sid = spesa(cav, pid, voce_id(app, "II-TIROCINIO-INDENNITA"), "300", data="2023-01-10").get_json()["id"]
    c = client_di("cav.crema")
    token = csrf_da(c.get("/altramisuraview/add").get_data(as_text=True))
    r = c.post("/altramisuraview/add", data={"beneficiaria": donna["id"], "tipo": "reddito_liberta",
                                             "data_inizio": "2022-12-01", "assi_coperti": "II", "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert "la donna riceve «Reddito di Libertà»" in _avvisi(cav, sid)
