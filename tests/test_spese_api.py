"""Spese through the API with real tokens: each rule at its boundary, bad input, nothing written."""
from decimal import Decimal

import pytest

from tests.aiuti_percorso import progetto_validato, spesa as _spesa, voce_id as _voce_id

def _conta_spese(app):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        n = db.session.query(m.Spesa).count()
        db.session.remove()
    return n


def test_massimale_autonomia_al_centesimo(app, api_di):
    pid, _ = progetto_validato(api_di)
    cav = api_di("cav.crema")
    tirocinio = _voce_id(app, "II-TIROCINIO-INDENNITA")
    assert _spesa(cav, pid, tirocinio, "2999,99").status_code == 201
    r = _spesa(cav, pid, tirocinio, "0,02")
    assert r.status_code == 422
    corpo = r.get_json()["message"]
    assert any("residuo disponibile: € 0,01" in m for m in corpo["_schema"])
    assert "importo" in corpo  # the reason is attached to the field too
    assert _spesa(cav, pid, tirocinio, "0.01").status_code == 201
    assert _spesa(cav, pid, tirocinio, "0.01").status_code == 422


def test_massimale_abitare_e_residuo_in_euro(app, api_di):
    pid, _ = progetto_validato(api_di, area="entrambe")
    cav = api_di("cav.crema")
    canone = _voce_id(app, "IV-CANONE")
    assert _spesa(cav, pid, canone, "1287,50").status_code == 201
    r = _spesa(cav, pid, canone, "300")
    assert r.status_code == 422
    assert any("residuo disponibile: € 212,50" in m for m in r.get_json()["message"]["_schema"])


@pytest.mark.parametrize("data,atteso", [("2024-03-31", 201), ("2024-04-01", 422)])
def test_fine_programma(app, api_di, data, atteso):
    pid, _ = progetto_validato(api_di, fine="2024-06-30")
    r = _spesa(api_di("cav.crema"), pid, _voce_id(app, "III-TRASPORTO"), "50", data=data)
    assert r.status_code == atteso, r.get_json()


def test_spesa_il_giorno_prima_della_validazione_del_capofila(app, api_di):
    pid, _ = progetto_validato(api_di, data_equipe="2022-06-10", data_capofila="2022-06-15")
    cav, voce = api_di("cav.crema"), _voce_id(app, "III-TRASPORTO")
    r = _spesa(cav, pid, voce, "20", data="2022-06-14")
    assert r.status_code == 422
    assert any("validazione" in m for m in r.get_json()["message"]["_schema"])
    assert _spesa(cav, pid, voce, "20", data="2022-06-15").status_code == 201


def test_giustificativo_non_due_volte(app, api_di):
    pid, _ = progetto_validato(api_di)
    cav, voce = api_di("cav.crema"), _voce_id(app, "III-PASTI")
    corpo = {"giustificativo_numero": "FT 2023/77", "giustificativo_data": "2023-02-01"}
    assert _spesa(cav, pid, voce, "10", data="2023-02-01", **corpo).status_code == 201
    corpo["giustificativo_numero"] = "ft2023/77"  # same document, typed differently
    r = _spesa(cav, pid, voce, "10", data="2023-02-01", **corpo)
    assert r.status_code == 422


def test_servizio_cpi_senza_costo_e_voce_fuori_area(app, api_di):
    pid, _ = progetto_validato(api_di, area="lavoro")
    cav = api_di("cav.crema")
    assert _spesa(cav, pid, _voce_id(app, "II-SERVIZI-CPI"), "10").status_code == 422
    assert _spesa(cav, pid, _voce_id(app, "IV-UTENZE"), "10").status_code == 422


def test_quota_ente_gestore_solo_soluzioni_intermedie(app, api_di):
    voce = _voce_id(app, "IV-QUOTA-ENTE-GESTORE")
    pid, _ = progetto_validato(api_di, area="abitare", budget={"budget_asse_iv": 1500})
    assert _spesa(api_di("cav.crema"), pid, voce, "100").status_code == 422
    pid2, _ = progetto_validato(api_di, area="abitare", budget={"budget_asse_iv": 1500}, intermedia=True)
    assert _spesa(api_di("cav.crema"), pid2, voce, "100").status_code == 201


def test_registrata_come_non_ammissibile_su_richiesta(app, api_di):
    pid, _ = progetto_validato(api_di)
    r = _spesa(api_di("cav.crema"), pid, _voce_id(app, "III-PASTI"), "15", coperta_da_altra_misura=True,
               registra_non_ammissibile=True)
    assert r.status_code == 201, r.get_json()
    spesa = api_di("cav.crema").get(f"/api/v1/spesa/{r.get_json()['id']}").get_json()["result"]
    assert spesa["ammissibile"] is False and "altra misura" in spesa["motivi"]


@pytest.mark.parametrize("importo", ["-5", "0", "12,345", "dieci", "", None, True, [1], "1e3"])
def test_importi_non_validi_nulla_scritto(app, api_di, importo):
    pid, _ = progetto_validato(api_di)
    prima = _conta_spese(app)
    r = _spesa(api_di("cav.crema"), pid, _voce_id(app, "III-PASTI"), importo)
    assert 400 <= r.status_code < 500, r.get_json()
    assert _conta_spese(app) == prima


def test_voce_sconosciuta_e_progetto_altrui(app, api_di):
    pid, _ = progetto_validato(api_di)
    prima = _conta_spese(app)
    assert _spesa(api_di("cav.crema"), pid, 999999, "10").status_code == 422
    assert _spesa(api_di("cav.cremona"), pid, _voce_id(app, "III-PASTI"), "10").status_code == 422
    assert _conta_spese(app) == prima


def test_ente_pagatore_dalla_richiesta_ignorato(app, api_di):
    pid, _ = progetto_validato(api_di)
    cav = api_di("cav.crema")
    r = _spesa(cav, pid, _voce_id(app, "III-PASTI"), "12", ente_pagatore=1, ammissibile=True)
    # Unknown fields are refused by the schema: nothing the caller sends can set payer or verdict.
    assert r.status_code == 422


def test_la_validazione_revocata_ricalcola_le_spese(app, api_di):
    pid, _ = progetto_validato(api_di, avvia=False)
    cav = api_di("cav.crema")
    r = _spesa(cav, pid, _voce_id(app, "III-PASTI"), "12")
    assert r.status_code == 201
    sid = r.get_json()["id"]
    # Back to "bozza" would need a path from validato_capofila: interrupting keeps the dates;
    # instead check the stored verdict is recomputed and still eligible after a transition.
    r = cav.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": "in_corso", "data": "2022-06-20"})
    assert r.status_code == 200
    assert cav.get(f"/api/v1/spesa/{sid}").get_json()["result"]["ammissibile"] is True
    assert Decimal(cav.get(f"/api/v1/spesa/{sid}").get_json()["result"]["importo"]) == Decimal("12.00")


def test_quietanza_registrata_e_mostrata(app, api_di):
    pid, _ = progetto_validato(api_di)
    cav = api_di("cav.crema")
    r = _spesa(cav, pid, _voce_id(app, "III-PASTI"), "12,00", quietanza_tipo="bonifico",
               quietanza_data="2023-01-15")
    assert r.status_code == 201, r.get_json()
    spesa = cav.get(f"/api/v1/spesa/{r.get_json()['id']}").get_json()["result"]
    assert (spesa["quietanza_tipo"], spesa["quietanza_data"]) == ("bonifico", "2023-01-15")


def test_quietanza_prima_del_giustificativo_rifiutata_nulla_scritto(app, api_di):
    pid, _ = progetto_validato(api_di)
    cav = api_di("cav.crema")
    prima = _conta_spese(app)
    r = _spesa(cav, pid, _voce_id(app, "III-PASTI"), "12,00", quietanza_tipo="bonifico",
               quietanza_data="2023-01-09")
    assert r.status_code == 422
    motivo = ("La data della quietanza (09/01/2023) non può precedere la data del giustificativo "
              "(10/01/2023).")
    assert r.get_json()["message"]["quietanza_data"] == [motivo]
    r = _spesa(cav, pid, _voce_id(app, "III-PASTI"), "12,00", quietanza_tipo="assegno circolare")
    assert 400 <= r.status_code < 500 and "quietanza_tipo" in r.get_json()["message"]
    assert _conta_spese(app) == prima


def test_fornitore_con_nome_e_cognome_della_donna_rifiutato(app, api_di):
    """The fornitore travels in the rendicontazione: her own name is refused on the field (a
    payment to her is written «Beneficiaria»), a surname alone is a supplier's."""
    from app import models as m
    from app.extensions import db
    from app.rules.nomi import MSG_FORNITORE_CON_DATI_PERSONALI
    from app.security import come_sistema

    pid, donna = progetto_validato(api_di)
    cav = api_di("cav.crema")
    with app.app_context(), come_sistema():
        dp = db.session.query(m.DatiPersonali).filter_by(beneficiaria_id=donna["id"]).one_or_none()
        db.session.remove()
    if dp is None:  # a woman another test registered without her identity: her CAV records it now
        r = cav.post("/api/v1/datipersonali/", json={"beneficiaria": donna["id"], "nome": "Fornitella",
                                                     "cognome": "Pagatini"})
        assert r.status_code == 201, r.get_json()
    with app.app_context(), come_sistema():
        dp = db.session.query(m.DatiPersonali).filter_by(beneficiaria_id=donna["id"]).one()
        nome, cognome, cf = dp.nome, dp.cognome, dp.codice_fiscale
        db.session.remove()
    prima = _conta_spese(app)
    for fornitore in (f"{cognome.upper()} {nome.lower()} (indennità)", f"c.f. {cf}" if cf else f"{nome} {cognome}"):
        r = _spesa(cav, pid, _voce_id(app, "III-PASTI"), "12,00", fornitore=fornitore)
        assert r.status_code == 422, fornitore
        assert r.get_json()["message"]["fornitore"] == [MSG_FORNITORE_CON_DATI_PERSONALI]
        assert nome not in str(r.get_json()) and cognome not in str(r.get_json())
    assert _conta_spese(app) == prima
    r = _spesa(cav, pid, _voce_id(app, "III-PASTI"), "12,00", fornitore=f"{cognome} Srl")
    assert r.status_code == 201, r.get_json()
    # Deleted again: her surname in a supplier's name is no leak, but the workbook tests that run
    # later on this database scan every cell for any woman's surname.
    assert cav.delete(f"/api/v1/spesa/{r.get_json()['id']}").status_code == 200
    assert _spesa(cav, pid, _voce_id(app, "III-PASTI"), "12,00", fornitore="Beneficiaria").status_code == 201
