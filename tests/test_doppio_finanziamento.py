"""Double funding checked against what she receives (issue 12, §2): the programme file says which
voci each other measure already pays for; a spesa on such a voce, dated while her measure is
active, is refused (GOL's active-policy services) or kept with a warning (Reddito di Libertà's
rent), the measure named — through the API, the form, and the recompute of spese already there."""
from __future__ import annotations

import html
import uuid

from sqlalchemy import func, select

from tests.aiuti_percorso import progetto_validato, spesa, voce_id
from tests.conftest import csrf_da


def _misura(cav, donna, tipo, inizio="2022-12-01", fine=None):
    corpo = {"beneficiaria": donna, "tipo": tipo, "data_inizio": inizio, "assi_coperti": ""}
    if fine:
        corpo["data_fine"] = fine
    r = cav.post("/api/v1/altramisura/", json=corpo)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def _spese(app):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        n = db.session.execute(select(func.count(m.Spesa.id))).scalar()
        db.session.remove()
    return n


def test_una_spesa_che_la_sua_misura_paga_gia_e_rifiutata_dall_api_con_la_misura(app, api_di):
    cav = api_di("cav.crema")
    pid, donna = progetto_validato(api_di)
    _misura(cav, donna["id"], "gol_cluster4", fine="2023-06-30")
    prima = _spese(app)
    r = spesa(cav, pid, voce_id(app, "II-TIROCINIO-INDENNITA"), "300", data="2023-01-10")
    assert r.status_code == 422, r.get_json()
    motivi = r.get_json()["message"]
    assert any("«GOL – cluster 4»" in m and "doppio finanziamento" in m for m in motivi["_schema"]), motivi
    assert "coperta_da_altra_misura" in motivi
    assert _spese(app) == prima
    # Another voce, or the same after the measure ended, is admitted.
    assert spesa(cav, pid, voce_id(app, "III-PASTI"), "12", data="2023-01-10").status_code == 201
    assert spesa(cav, pid, voce_id(app, "II-TIROCINIO-INDENNITA"), "300", data="2023-07-10").status_code == 201


def test_una_sovrapposizione_da_verificare_e_ammessa_con_un_avviso(app, api_di):
    cav = api_di("cav.crema")
    pid, donna = progetto_validato(api_di, area="abitare")
    _misura(cav, donna["id"], "reddito_liberta")
    r = spesa(cav, pid, voce_id(app, "IV-CANONE"), "400", data="2023-01-10")
    assert r.status_code == 201, r.get_json()
    avvisi = cav.get(f"/api/v1/spesa/{r.get_json()['id']}").get_json()["result"]["avvisi"]
    assert "«Reddito di Libertà»" in avvisi and "Mensilità di canone" in avvisi, avvisi


def test_dal_modulo_il_motivo_e_sul_campo_e_nulla_e_scritto(app, api_di, client_di):
    cav = api_di("cav.crema")
    pid, donna = progetto_validato(api_di)
    _misura(cav, donna["id"], "gol_cluster4")
    c = client_di("cav.crema")
    prima = _spese(app)
    pagina = c.get("/spesaview/add").get_data(as_text=True)
    r = c.post("/spesaview/add", content_type="multipart/form-data", data={
        "csrf_token": csrf_da(pagina), "progetto": str(pid), "voce": str(voce_id(app, "II-ORIENTAMENTO")),
        "importo": "150,00", "data": "10/01/2023", "fornitore": "Ditta Esempio", "giustificativo_tipo": "fattura",
        "giustificativo_numero": f"F-{uuid.uuid4().hex[:10]}", "giustificativo_data": "10/01/2023", "note": ""})
    testo = html.unescape(r.get_data(as_text=True))
    assert r.status_code == 200 and "«GOL – cluster 4»" in testo and "doppio finanziamento" in testo
    assert _spese(app) == prima


def test_una_misura_registrata_dopo_rende_non_ammissibile_la_spesa_che_paga_gia(app, api_di):
    cav = api_di("cav.crema")
    pid, donna = progetto_validato(api_di)
    r = spesa(cav, pid, voce_id(app, "II-FORMAZIONE"), "200", data="2023-01-10")
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]
    assert cav.get(f"/api/v1/spesa/{sid}").get_json()["result"]["ammissibile"] is True
    mid = _misura(cav, donna["id"], "gol_cluster4")
    letta = cav.get(f"/api/v1/spesa/{sid}").get_json()["result"]
    assert letta["ammissibile"] is False and "«GOL – cluster 4»" in letta["motivi"], letta
    assert cav.delete(f"/api/v1/altramisura/{mid}").status_code == 200
    assert cav.get(f"/api/v1/spesa/{sid}").get_json()["result"]["ammissibile"] is True
