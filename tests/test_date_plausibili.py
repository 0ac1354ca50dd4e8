"""Dates outside 01/01/1900 … the programme's end plus its margin are refused, form and API alike,
with an Italian reason on the field and nothing written."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.rules.date_plausibili import DATA_MINIMA, data_massima, motivo_data_non_plausibile
from app.rules.programma import ProgrammaNonValido, leggi_programma, programma_predefinito
from tests.aiuti_percorso import progetto_validato, spesa, voce_id
from tests.conftest import csrf_da

MASSIMA = date(2029, 3, 31)  # lia2.toml: data_fine 2024-03-31, margine_anni_date 5
IMPLAUSIBILI = ["2999-01-01", "0001-01-01", "9999-12-31", "1899-12-31"]


# --- the rule ---------------------------------------------------------------------------------

def test_limiti_della_regola():
    assert data_massima(date(2024, 3, 31), 5) == MASSIMA
    assert data_massima(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert motivo_data_non_plausibile(DATA_MINIMA, MASSIMA) is None
    assert motivo_data_non_plausibile(MASSIMA, MASSIMA) is None
    assert motivo_data_non_plausibile(None, MASSIMA) is None
    assert motivo_data_non_plausibile(date(1899, 12, 31), MASSIMA) == (
        "Data 31/12/1899 non plausibile: sono ammesse le date dal 01/01/1900 al 31/03/2029.")
    assert "01/04/2029" in motivo_data_non_plausibile(date(2029, 4, 1), MASSIMA)
    assert "01/01/0001" in motivo_data_non_plausibile(date(1, 1, 1), MASSIMA)


def test_il_margine_viene_dal_file_del_programma():
    programma = programma_predefinito("lia2")
    assert data_massima(programma.data_fine, programma.margine_anni_date) == MASSIMA
    import tomllib

    from app.rules.programma import CARTELLA_PROGRAMMI

    dati = tomllib.loads((CARTELLA_PROGRAMMI / "lia2.toml").read_text())
    dati["impostazioni"]["margine_anni_date"] = -1
    with pytest.raises(ProgrammaNonValido) as errore:
        leggi_programma(dati)
    assert "margine_anni_date" in str(errore.value)


# --- the API ------------------------------------------------------------------------------------

def _conta(app, modello) -> int:
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        n = db.session.execute(select(func.count(getattr(m, modello).id))).scalar()
        db.session.remove()
    return n


def _rifiutata(r, campo):
    assert r.status_code == 422, (r.status_code, r.get_data(as_text=True))
    messaggio = r.get_json()["message"]
    assert "non plausibile" in " ".join(messaggio[campo]), messaggio


def _ambito(api, sigla="CM"):
    return next(a["id"] for a in api.get("/api/v1/ambito/").get_json()["result"] if a["codice"] == sigla)


@pytest.mark.parametrize("valore", IMPLAUSIBILI)
def test_api_beneficiaria_presa_in_carico_implausibile(app, api_di, valore):
    cav = api_di("cav.crema")
    prima = _conta(app, "Beneficiaria")
    _rifiutata(cav.post("/api/v1/beneficiaria/", json={"ambito": _ambito(cav), "data_presa_in_carico": valore}),
               "data_presa_in_carico")
    assert _conta(app, "Beneficiaria") == prima


def test_api_modifica_con_data_implausibile_non_scrive(app, api_di):
    cav = api_di("cav.crema")
    r = cav.post("/api/v1/beneficiaria/", json={"ambito": _ambito(cav), "data_presa_in_carico": "2023-05-05"})
    assert r.status_code == 201, r.get_json()
    bid = r.get_json()["id"]
    _rifiutata(cav.put(f"/api/v1/beneficiaria/{bid}", json={"data_presa_in_carico": "2999-05-05"}),
               "data_presa_in_carico")
    assert cav.get(f"/api/v1/beneficiaria/{bid}").get_json()["result"]["data_presa_in_carico"] == "2023-05-05"
    # The edges are accepted.
    assert cav.put(f"/api/v1/beneficiaria/{bid}", json={"data_presa_in_carico": "1900-01-01"}).status_code == 200
    assert cav.put(f"/api/v1/beneficiaria/{bid}", json={"data_presa_in_carico": "2029-03-31"}).status_code == 200


def test_api_segnalazione_progetto_spesa_e_transizione(app, api_di):
    cav = api_di("cav.crema")
    pid, donna = progetto_validato(api_di)
    _rifiutata(cav.post("/api/v1/segnalazione/", json={"beneficiaria": donna["id"], "data": "2999-05-02",
                                                       "area_richiesta": "lavoro"}), "data")
    _rifiutata(cav.put(f"/api/v1/progetto/{pid}", json={"data_fine": "9999-12-31"}), "data_fine")
    prima = _conta(app, "Spesa")
    r = spesa(cav, pid, voce_id(app, "III-TRASPORTO"), "20", giustificativo_data="9999-12-31")
    _rifiutata(r, "giustificativo_data")
    r = spesa(cav, pid, voce_id(app, "III-TRASPORTO"), "20", data="0001-01-01")
    _rifiutata(r, "data")
    assert _conta(app, "Spesa") == prima
    r = cav.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": "interrotto", "nota": "trasferita",
                                                              "data": "0001-01-01"})
    _rifiutata(r, "data")
    assert cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]["stato"] == "in_corso"


# --- the forms ----------------------------------------------------------------------------------

def _modulo(client, url, dati):
    pagina = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_da(pagina), **dati}, content_type="multipart/form-data")


@pytest.mark.parametrize("valore", ["2999-01-01", "0001-01-01"])
def test_modulo_beneficiaria_data_implausibile_errore_sul_campo(app, api_di, client_di, valore):
    prima = _conta(app, "Beneficiaria")
    r = _modulo(client_di("cav.crema"), "/beneficiariaview/add",
                {"ambito": str(_ambito(api_di("cav.crema"))), "data_presa_in_carico": valore, "fascia_eta": "30-39",
                 "cittadinanza": "italiana", "figli_minori": "1", "relazione_autore": "partner",
                 "condizione_occupazionale": "disoccupata"})
    assert r.status_code == 200
    assert "non plausibile: sono ammesse le date dal 01/01/1900 al 31/03/2029" in r.get_data(as_text=True)
    assert _conta(app, "Beneficiaria") == prima


def test_moduli_segnalazione_e_spesa_data_implausibile(app, api_di, client_di):
    c = client_di("cav.crema")
    pid, donna = progetto_validato(api_di)
    prima = _conta(app, "Segnalazione")
    r = _modulo(c, "/segnalazioneview/add", {"beneficiaria": str(donna["id"]), "data": "2999-05-02",
                                             "area_richiesta": "lavoro", "note": ""})
    assert r.status_code == 200 and "Data 02/05/2999 non plausibile" in r.get_data(as_text=True)
    assert _conta(app, "Segnalazione") == prima
    prima = _conta(app, "Spesa")
    r = _modulo(c, "/spesaview/add", {"progetto": str(pid), "voce": str(voce_id(app, "III-PASTI")), "importo": "10",
                                      "data": "2023-01-10", "fornitore": "Ditta Esempio", "giustificativo_tipo": "fattura",
                                      "giustificativo_numero": "F-DATA-1", "giustificativo_data": "9999-12-31",
                                      "note": ""})
    assert r.status_code == 200 and "Data 31/12/9999 non plausibile" in r.get_data(as_text=True)
    assert _conta(app, "Spesa") == prima
