"""No lost edits (issue 10 §3): two people saving the same record, the second on an old read, is
refused with an Italian message, through the screens and the API; nothing of it is written and the
form keeps what the second typed. The version check also holds when the other save lands between
the read and the write (the UPDATE's own `WHERE versione = …`), and is never a 500."""
from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.versioni import MSG_API, MSG_SUPERATA
from tests.aiuti_percorso import beneficiaria_di, crea, nuova_segnalazione, progetto_validato, spesa, valuta, voce_id
from tests.conftest import csrf_da

MESSAGGIO = "Qualcun altro ha modificato questo record dopo che l&#39;hai aperto"


def _leggi(app, modello, pk):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        record = db.session.get(getattr(m, modello), pk)
        valori = {c.key: getattr(record, c.key) for c in record.__table__.columns}
        db.session.remove()
    return valori


def _apri(client, url):
    """GET an edit form: (csrf token, the version it carries)."""
    pagina = client.get(url)
    assert pagina.status_code == 200, url
    html = pagina.get_data(as_text=True)
    versione = re.search(r'name="versione" type="hidden" value="(\d+)"', html)
    assert versione, "il modulo di modifica non porta la versione"
    return csrf_da(html), versione.group(1)


def _salva(client, url, aperto, dati):
    csrf, versione = aperto
    return client.post(url, data={"csrf_token": csrf, "versione": versione, **dati},
                       content_type="multipart/form-data")


def _spesa_di_crema(app, api_di, importo="500.00"):
    api = api_di("cav.crema")
    pid, _ = progetto_validato(api_di)
    voce = voce_id(app, "III-PASTI")
    r = spesa(api, pid, voce, importo)
    assert r.status_code == 201, r.get_json()
    return api, pid, voce, r.get_json()["id"]


def _dati_spesa(app, sid, **cambi):
    s = _leggi(app, "Spesa", sid)
    dati = {"progetto": str(s["progetto_id"]), "voce": str(s["voce_id"]), "importo": str(s["importo"]),
            "data": s["data"].isoformat(), "fornitore": s["fornitore"], "giustificativo_tipo": "fattura",
            "giustificativo_numero": s["giustificativo_numero"],
            "giustificativo_data": s["giustificativo_data"].isoformat(), "note": s["note"]}
    return {**dati, **cambi}


def _progetto_in_bozza(api_di):
    cav, equipe = api_di("cav.crema"), api_di("equipe.crema")
    donna = beneficiaria_di(cav, "CM-")[0]
    segn = nuova_segnalazione(cav, donna["id"], note="versioni")
    valuta(equipe, segn)
    pid = crea(cav, "progetto", {"segnalazione": segn, "area": "lavoro", "obiettivi": "autonomia",
                                 "data_inizio": "2022-06-01", "data_fine": "2024-03-31"})
    return segn, pid


# --- the screens -------------------------------------------------------------------------------

def test_spesa_due_schede_la_seconda_e_rifiutata_e_tiene_i_suoi_valori(app, api_di, client_di):
    _, _, _, sid = _spesa_di_crema(app, api_di)
    url = f"/spesaview/edit/{sid}"
    prima, seconda = client_di("cav.crema"), client_di("cav.crema")
    aperto_1, aperto_2 = _apri(prima, url), _apri(seconda, url)

    r = _salva(prima, url, aperto_1, _dati_spesa(app, sid, importo="480,00"))
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    r = _salva(seconda, url, aperto_2, _dati_spesa(app, sid, importo="500,00", note="nota della seconda"))
    html = r.get_data(as_text=True)

    assert r.status_code == 200
    assert MESSAGGIO in html
    assert "Valore salvato ora: «€ 480,00»" in html  # the current value, under its field
    assert "nota della seconda" in html and 'value="500.00"' in html  # what she typed stays
    salvata = _leggi(app, "Spesa", sid)
    assert salvata["importo"] == Decimal("480.00") and salvata["note"] == ""

    # Having seen both, she saves again: the form now carries the stored version.
    versione_nuova = re.search(r'name="versione" type="hidden" value="(\d+)"', html).group(1)
    assert versione_nuova == str(salvata["versione"]) != aperto_2[1]
    r = _salva(seconda, url, (csrf_da(html), versione_nuova), _dati_spesa(app, sid, importo="500,00",
                                                                          note="nota della seconda"))
    assert r.status_code == 302
    assert _leggi(app, "Spesa", sid)["importo"] == Decimal("500.00")


def test_progetto_due_operatrici_la_seconda_non_sovrascrive(app, api_di, client_di):
    _, pid = _progetto_in_bozza(api_di)
    url = f"/progettoview/edit/{pid}"
    prima, seconda = client_di("cav.crema"), client_di("cav.crema")
    aperto_1, aperto_2 = _apri(prima, url), _apri(seconda, url)
    base = {"area": "lavoro", "data_inizio": "2022-06-01", "data_fine": "2024-03-31", "budget_asse_ii": "0",
            "budget_asse_iii": "0", "budget_asse_iv": "0"}

    assert _salva(prima, url, aperto_1, {**base, "obiettivi": "obiettivi della prima"}).status_code == 302
    r = _salva(seconda, url, aperto_2, {**base, "obiettivi": "obiettivi della seconda"})
    html = r.get_data(as_text=True)

    assert r.status_code == 200 and MESSAGGIO in html
    assert "obiettivi della seconda" in html and "Valore salvato ora: «obiettivi della prima»" in html
    assert _leggi(app, "Progetto", pid)["obiettivi"] == "obiettivi della prima"


def test_segnalazione_due_schede_la_seconda_e_rifiutata(app, api_di, client_di):
    segn, _ = _progetto_in_bozza(api_di)
    url = f"/segnalazioneview/edit/{segn}"
    prima, seconda = client_di("cav.crema"), client_di("cav.crema")
    aperto_1, aperto_2 = _apri(prima, url), _apri(seconda, url)

    base = {"data": "2022-05-02", "area_richiesta": "lavoro"}
    assert _salva(prima, url, aperto_1, {**base, "note": "nota della prima"}).status_code == 302
    r = _salva(seconda, url, aperto_2, {**base, "note": "nota della seconda"})

    assert r.status_code == 200 and MESSAGGIO in r.get_data(as_text=True)
    assert "nota della seconda" in r.get_data(as_text=True)
    assert _leggi(app, "Segnalazione", segn)["note"] == "nota della prima"


def test_modulo_senza_modifiche_altrui_si_salva_e_la_versione_cresce(app, api_di, client_di):
    segn, _ = _progetto_in_bozza(api_di)
    url = f"/segnalazioneview/edit/{segn}"
    c = client_di("cav.crema")
    prima = _leggi(app, "Segnalazione", segn)["versione"]
    r = _salva(c, url, _apri(c, url), {"data": "2022-05-02", "area_richiesta": "lavoro", "note": "una"})
    assert r.status_code == 302
    assert _leggi(app, "Segnalazione", segn)["versione"] == prima + 1


def _scrittura_altrui(app, tabella, pk, **valori):
    """Another request's save, committed on its own connection."""
    from app.extensions import db

    assegna = ", ".join(f"{k} = :{k}" for k in valori)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text(f"UPDATE {tabella} SET {assegna}, versione = versione + 1 WHERE id = :id"),
                         {**valori, "id": pk})


def test_salvataggio_altrui_tra_lettura_e_scrittura_e_il_messaggio_non_un_500(app, api_di, client_di, monkeypatch):
    """The form carries the current version, but another save commits after this request read the
    record: the UPDATE's WHERE versione = … (version_id_col) refuses it. Without the version column
    the second save would silently overwrite the first."""
    from app.views.percorso import SegnalazioneView

    segn, _ = _progetto_in_bozza(api_di)
    url = f"/segnalazioneview/edit/{segn}"
    c = client_di("cav.crema")
    aperto = _apri(c, url)
    monkeypatch.setattr(SegnalazioneView, "pre_update",
                        lambda self, item: _scrittura_altrui(app, "lia_segnalazione", segn, note="nel frattempo"),
                        raising=False)
    r = _salva(c, url, aperto, {"data": "2022-05-02", "area_richiesta": "lavoro", "note": "la mia"})

    assert r.status_code == 200 and MESSAGGIO in r.get_data(as_text=True)
    assert "Valore salvato ora: «nel frattempo»" in r.get_data(as_text=True)
    assert _leggi(app, "Segnalazione", segn)["note"] == "nel frattempo"


def test_versione_non_scritta_dal_modulo_di_aggiunta(app, client_di):
    html = client_di("cav.crema").get("/segnalazioneview/add").get_data(as_text=True)
    assert 'name="versione"' not in html


def _put_se(api, url, json, if_match):
    """PUT with an If-Match header (the suite's API client sends only its token)."""
    return api.client.put(url, json=json, headers={**api._h(), "If-Match": if_match})


# --- the API -----------------------------------------------------------------------------------

def test_api_get_da_l_etag_e_put_con_if_match_vecchio_e_409(app, api_di):
    api, _, _, sid = _spesa_di_crema(app, api_di)
    r = api.get(f"/api/v1/spesa/{sid}")
    etag, versione = r.headers["ETag"], r.get_json()["result"]["versione"]
    assert etag == f'"{versione}"'

    r = _put_se(api, f"/api/v1/spesa/{sid}", {"importo": "480.00"}, etag)
    assert r.status_code == 200, r.get_json()
    assert r.headers["ETag"] == f'"{versione + 1}"' and r.get_json()["result"]["versione"] == versione + 1

    r = _put_se(api, f"/api/v1/spesa/{sid}", {"importo": "500.00"}, etag)
    assert r.status_code == 409
    assert r.get_json() == {"message": MSG_API, "versione": versione + 1}
    assert r.headers["ETag"] == f'"{versione + 1}"'
    assert _leggi(app, "Spesa", sid)["importo"] == Decimal("480.00")


def test_api_put_con_versione_vecchia_nel_corpo_e_409(app, api_di):
    api, _, _, sid = _spesa_di_crema(app, api_di)
    versione = api.get(f"/api/v1/spesa/{sid}").get_json()["result"]["versione"]
    assert api.put(f"/api/v1/spesa/{sid}", json={"importo": "480.00", "versione": versione}).status_code == 200
    r = api.put(f"/api/v1/spesa/{sid}", json={"importo": "500.00", "versione": versione})
    assert r.status_code == 409 and r.get_json()["message"] == MSG_API
    assert _leggi(app, "Spesa", sid)["importo"] == Decimal("480.00")


@pytest.mark.parametrize("versione", ["abc", True, 1.5, 0, 2**40, None])
def test_api_versione_non_valida_e_422(app, api_di, versione):
    segn, _ = _progetto_in_bozza(api_di)
    r = api_di("cav.crema").put(f"/api/v1/segnalazione/{segn}", json={"note": "x", "versione": versione})
    assert r.status_code == 422 and "versione" in r.get_json()["message"]


def test_api_senza_versione_vince_l_ultima_scrittura(app, api_di):
    segn, _ = _progetto_in_bozza(api_di)
    a, b = api_di("cav.crema"), api_di("cav.crema")
    assert a.put(f"/api/v1/segnalazione/{segn}", json={"note": "prima"}).status_code == 200
    assert b.put(f"/api/v1/segnalazione/{segn}", json={"note": "seconda"}).status_code == 200
    assert _leggi(app, "Segnalazione", segn)["note"] == "seconda"


def test_api_if_match_asterisco_e_lista(app, api_di):
    segn, _ = _progetto_in_bozza(api_di)
    api = api_di("cav.crema")
    etag = api.get(f"/api/v1/segnalazione/{segn}").headers["ETag"]
    assert _put_se(api, f"/api/v1/segnalazione/{segn}", {"note": "a"}, "*").status_code == 200
    nuovo = api.get(f"/api/v1/segnalazione/{segn}").headers["ETag"]
    r = _put_se(api, f"/api/v1/segnalazione/{segn}", {"note": "b"}, f"{etag}, {nuovo}")
    assert r.status_code == 200


def test_api_salvataggio_altrui_tra_lettura_e_scrittura_e_409(app, api_di, monkeypatch):
    from app.api.percorso import SegnalazioneApi

    segn, _ = _progetto_in_bozza(api_di)
    api = api_di("cav.crema")
    etag = api.get(f"/api/v1/segnalazione/{segn}").headers["ETag"]
    monkeypatch.setattr(SegnalazioneApi, "pre_update",
                        lambda self, item: _scrittura_altrui(app, "lia_segnalazione", segn, note="nel frattempo"),
                        raising=False)
    r = _put_se(api, f"/api/v1/segnalazione/{segn}", {"note": "la mia"}, etag)
    assert r.status_code == 409 and r.get_json()["message"] == MSG_API
    assert _leggi(app, "Segnalazione", segn)["note"] == "nel frattempo"


def test_transizione_che_incontra_un_salvataggio_altrui_e_409_non_500(app, api_di, client_di, monkeypatch):
    """Any other route (here the project's transition, API and screen) meets a stale write as the
    Italian 409 (app.versioni.installa and the API's response_500), never a 500."""
    from app.servizi import percorso

    originale = percorso.esegui_transizione

    def _con_scrittura_altrui(progetto, *args, **kwargs):
        _scrittura_altrui(app, "lia_progetto", progetto.id, obiettivi="cambiati nel frattempo")
        return originale(progetto, *args, **kwargs)

    _, pid = _progetto_in_bozza(api_di)
    monkeypatch.setattr(percorso, "esegui_transizione", _con_scrittura_altrui)
    r = api_di("cav.crema").post(f"/api/v1/progetto/{pid}/transizione", json={"verso": "proposto"})
    assert r.status_code == 409 and r.get_json()["message"] == MSG_SUPERATA
    c = client_di("cav.crema")
    csrf = csrf_da(c.get(f"/progettoview/show/{pid}").get_data(as_text=True))
    r = c.post(f"/progettoview/transizione/{pid}", data={"csrf_token": csrf, "verso": "proposto"})
    assert r.status_code == 409 and "Qualcun altro ha modificato questo record" in r.get_data(as_text=True)
    assert _leggi(app, "Progetto", pid)["stato"] == "bozza"


def test_openapi_documenta_if_match_etag_e_versione(app, api_di):
    spec = api_di("capofila").get("/api/v1/_openapi").get_json()
    put = spec["paths"]["/api/v1/spesa/{pk}"]["put"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in put["parameters"])
    assert "409" in put["responses"]
    assert "ETag" in spec["paths"]["/api/v1/spesa/{pk}"]["get"]["responses"]["200"]["headers"]
    assert spec["components"]["schemas"]["SpesaApi.put"]["properties"]["versione"]["type"] == "integer"


# --- what the version does not count ------------------------------------------------------------

def test_il_ricalcolo_del_progetto_non_rende_vecchi_i_moduli_aperti(app, api_di, client_di):
    """A spesa's verdict is rewritten at every recompute of its project: that is nobody's edit, so
    an operator editing one spesa is not refused because a colleague saved another."""
    api, pid, voce, sid = _spesa_di_crema(app, api_di, importo="20.00")
    r = spesa(api, pid, voce, "30.00", giustificativo_numero=f"V-{uuid.uuid4().hex[:8]}")
    altra = r.get_json()["id"]
    url = f"/spesaview/edit/{sid}"
    c = client_di("cav.crema")
    aperto = _apri(c, url)
    assert api.put(f"/api/v1/spesa/{altra}", json={"importo": "31.00"}).status_code == 200  # recomputes all
    r = _salva(c, url, aperto, _dati_spesa(app, sid, note="corretta"))
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    assert _leggi(app, "Spesa", sid)["note"] == "corretta"


def test_la_versione_non_e_una_colonna_da_leggere(app, client_di):
    """Lists and record pages never show «Versione»: it travels only hidden in the edit form."""
    c = client_di("capofila")
    for url in ("/enteview/list/", "/ambitoview/list/", "/laboratorioview/list/", "/accordoview/list/",
                "/modellolaboratorioview/list/", "/sessionelaboratorioview/list/"):
        r = c.get(url)
        assert r.status_code == 200, url
        assert "Versione" not in r.get_data(as_text=True), url
        primo = re.search(r'/show/(\d+)"', r.get_data(as_text=True))
        if primo:
            pagina = c.get(url.replace("/list/", f"/show/{primo.group(1)}")).get_data(as_text=True)
            assert "Versione" not in pagina, url
