"""The audit trail: one row for each channel that reads a woman's identity, for every change,
transition, export, login and logout; never a personal value in a row; the chain verifies, a row
edited or deleted in the database breaks it, and concurrent appends never fork it."""
from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import text

from conftest import PASSWORD, csrf_da, ente_di, token_per

DOMINIO = "esempio.invalid"


# --- helpers -------------------------------------------------------------------------------

def ultimo_id(app) -> int:
    from app.extensions import db

    with app.app_context():
        n = db.session.execute(text("SELECT coalesce(max(id), 0) FROM lia_audit")).scalar()
        db.session.remove()
    return n


def righe_dopo(app, inizio: int) -> list[dict]:
    from app.extensions import db

    with app.app_context():
        righe = [dict(r) for r in db.session.execute(
            text("SELECT * FROM lia_audit WHERE id > :i ORDER BY id"), {"i": inizio}).mappings()]
        db.session.remove()
    return righe


def durante(app, fa):
    """(what `fa()` returns, the audit rows written while it ran)."""
    inizio = ultimo_id(app)
    esito = fa()
    return esito, righe_dopo(app, inizio)


def solo(righe, azione):
    trovate = [r for r in righe if r["azione"] == azione]
    assert len(trovate) == 1, (azione, righe)
    return trovate[0]


def dettaglio(riga) -> dict:
    return json.loads(riga["dettaglio"]) if riga["dettaglio"] else {}


def dati_personali_di(app, username):
    """[(dp id, beneficiaria id, codice, codice fiscale)] of the women of her CAV, by dp id."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    ente = ente_di(app, username)
    with app.app_context(), come_sistema():
        out = [(dp.id, dp.beneficiaria_id, dp.beneficiaria.codice, dp.codice_fiscale)
               for dp in db.session.query(m.DatiPersonali).join(m.Beneficiaria)
               .filter(m.Beneficiaria.ente_id == ente).order_by(m.DatiPersonali.id)]
        db.session.remove()
    return out


def nuovo_utente(app, ruolo="Servizi", ente_di_utente="cav.crema"):
    """A user of her own (tests must not lock out or change a demo user): (id, username)."""
    from app.extensions import db

    username = f"audit.{uuid.uuid4().hex[:10]}"
    ente = ente_di(app, ente_di_utente)
    with app.app_context():
        sm = app.appbuilder.sm
        u = sm.add_user(username, "Prova", "Audit", f"{username}@{DOMINIO}", sm.find_role(ruolo), password=PASSWORD)
        u.ente_id = ente
        db.session.commit()
        uid = u.id
        db.session.remove()
    return uid, username


def ambito_id(app, codice):
    from app import models as m
    from app.extensions import db

    with app.app_context():
        aid = db.session.query(m.Ambito).filter_by(codice=codice).one().id
        db.session.remove()
    return aid


def donna_nuova(app, api, data="2023-03-01"):
    """A new woman of the calling CAV: (id, codice)."""
    r = api.post("/api/v1/beneficiaria/", json={"ambito": ambito_id(app, "CM"), "data_presa_in_carico": data,
                                                "fascia_eta": "30-39"})
    assert r.status_code == 201, r.get_json()
    bid = r.get_json()["id"]
    return bid, api.get(f"/api/v1/beneficiaria/{bid}").get_json()["result"]["codice"]


def controlla_lettura(riga, username, ente_id, codici, record_id=None, canale=None):
    assert riga["azione"] == "lettura_dati_personali" and riga["tipo_record"] == "DatiPersonali"
    assert riga["username"] == username and riga["ente_id"] == ente_id and riga["utente_id"]
    assert riga["codici"].split() == sorted(codici)
    assert riga["record_id"] == record_id
    assert riga["ip"] == "127.0.0.1"
    uuid.UUID(riga["request_id"])
    if canale:
        assert dettaglio(riga)["canale"] == canale


@pytest.fixture
def cav(client_di):
    return client_di("cav.crema")


@pytest.fixture
def api_cav(api_di):
    return api_di("cav.crema")


# --- reads of personal data: one row per page or answer ----------------------------------------

def test_show_page_of_her_personal_data_writes_one_row_with_her_code(app, cav):
    dp, _, codice, _ = dati_personali_di(app, "cav.crema")[0]
    r, righe = durante(app, lambda: cav.get(f"/datipersonaliview/show/{dp}"))
    assert r.status_code == 200
    assert len(righe) == 1, righe
    controlla_lettura(righe[0], "cav.crema", ente_di(app, "cav.crema"), [codice], dp, "DatiPersonaliView.show")
    assert r.headers["X-Request-Id"] == righe[0]["request_id"]


def test_edit_page_writes_a_read_row_and_saving_writes_a_change_with_field_names_only(app, cav):
    dp, _, codice, _ = dati_personali_di(app, "cav.crema")[1]
    r, righe = durante(app, lambda: cav.get(f"/datipersonaliview/edit/{dp}"))
    assert r.status_code == 200 and len(righe) == 1, righe
    controlla_lettura(righe[0], "cav.crema", ente_di(app, "cav.crema"), [codice], dp, "DatiPersonaliView.edit")

    pagina = r.get_data(as_text=True)
    campi = dict(re.findall(r'<input[^>]*id="(nome|cognome|telefono)"[^>]*value="([^"]*)"', pagina))
    nuovo_telefono = f"0373{uuid.uuid4().int % 10**6:06d}"
    dati = {"nome": campi["nome"], "cognome": campi["cognome"], "telefono": nuovo_telefono,
            "csrf_token": csrf_da(pagina)}
    r, righe = durante(app, lambda: cav.post(f"/datipersonaliview/edit/{dp}", data=dati))
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    riga = solo(righe, "modifica")
    assert riga["tipo_record"] == "DatiPersonali" and riga["record_id"] == dp and riga["codici"] == codice
    assert "telefono" in dettaglio(riga)["campi"]
    assert nuovo_telefono not in json.dumps(riga, default=str)
    assert not [x for x in righe if x["azione"] == "lettura_dati_personali"]  # a save shows nothing


def test_list_page_writes_one_row_naming_every_code_shown(app, cav):
    r, righe = durante(app, lambda: cav.get("/datipersonaliview/list/"))
    assert r.status_code == 200 and len(righe) == 1, righe
    codici = righe[0]["codici"].split()
    propri = {c for _, _, c, _ in dati_personali_di(app, "cav.crema")}
    assert len(codici) == min(25, len(propri)) and set(codici) <= propri
    pagina = r.get_data(as_text=True)
    assert all(c in pagina for c in codici)
    controlla_lettura(righe[0], "cav.crema", ente_di(app, "cav.crema"), codici, None, "DatiPersonaliView.list")
    assert dettaglio(righe[0])["righe"] == len(codici)


def test_her_page_with_the_personal_data_tab_writes_one_row(app, cav):
    dp, bid, codice, _ = dati_personali_di(app, "cav.crema")[0]
    r, righe = durante(app, lambda: cav.get(f"/beneficiariaview/show/{bid}"))
    assert r.status_code == 200 and len(righe) == 1, righe
    controlla_lettura(righe[0], "cav.crema", ente_di(app, "cav.crema"), [codice], None, "BeneficiariaView.show")


def test_api_list_and_get_write_one_row_each_even_without_the_code_column(app, api_cav):
    r, righe = durante(app, lambda: api_cav.get("/api/v1/datipersonali/?q=(page_size:100)"))
    assert r.status_code == 200 and len(righe) == 1, righe
    codici = sorted({x["beneficiaria"]["codice"] for x in r.get_json()["result"]})
    controlla_lettura(righe[0], "cav.crema", ente_di(app, "cav.crema"), codici, None, "DatiPersonaliApi.get_list")

    # Only the surname asked for: the codes still come from the ids answered.
    r, righe = durante(app, lambda: api_cav.get("/api/v1/datipersonali/?q=(columns:!(cognome),page_size:100)"))
    assert r.status_code == 200 and "beneficiaria" not in r.get_json()["result"][0]
    assert len(righe) == 1 and righe[0]["codici"].split() == codici

    dp, _, codice, _ = dati_personali_di(app, "cav.crema")[0]
    r, righe = durante(app, lambda: api_cav.get(f"/api/v1/datipersonali/{dp}"))
    assert r.status_code == 200 and len(righe) == 1, righe
    controlla_lettura(righe[0], "cav.crema", ente_di(app, "cav.crema"), [codice], dp, "DatiPersonaliApi.get")


def test_a_refused_read_writes_no_read_row(app, api_di):
    dp, _, _, _ = dati_personali_di(app, "cav.crema")[0]
    altra = api_di("cav.cremona")
    r, righe = durante(app, lambda: altra.get(f"/api/v1/datipersonali/{dp}"))
    assert r.status_code == 404
    assert not [x for x in righe if x["azione"] == "lettura_dati_personali"], righe


def test_cf_search_by_form_records_the_search_never_the_code_searched(app, cav):
    _, bid, codice, cf = dati_personali_di(app, "cav.crema")[0]
    _, _, _, cf_altrui = dati_personali_di(app, "cav.cremona")[0]
    token = csrf_da(cav.get("/cerca-cf/form").get_data(as_text=True))
    r, righe = durante(app, lambda: cav.post("/cerca-cf/form", data={"codice_fiscale": cf, "csrf_token": token}))
    assert r.status_code == 302
    riga = solo(righe, "ricerca_cf")
    assert riga["codici"] == codice and riga["username"] == "cav.crema" and dettaglio(riga)["trovata"] is True
    r, righe = durante(app, lambda: cav.post("/cerca-cf/form", data={"codice_fiscale": cf_altrui,
                                                                       "csrf_token": token}))
    riga = solo(righe, "ricerca_cf")
    assert riga["codici"] is None and riga["record_id"] is None and dettaglio(riga)["trovata"] is False
    for x in righe:
        assert cf_altrui not in json.dumps(x, default=str) and cf not in json.dumps(x, default=str)


def test_cf_search_by_api_records_the_search(app, api_cav):
    dp, _, codice, cf = dati_personali_di(app, "cav.crema")[0]
    r, righe = durante(app, lambda: api_cav.post("/api/v1/datipersonali/cerca", json={"codice_fiscale": cf}))
    assert r.status_code == 200
    riga = solo(righe, "ricerca_cf")
    assert (riga["codici"], riga["record_id"], dettaglio(riga)["canale"]) == (codice, dp, "DatiPersonaliApi.cerca")
    assert cf not in json.dumps(riga, default=str)


def test_downloading_a_document_of_her_expense_is_audited_with_her_code(app, api_di, client_di):
    from pathlib import Path

    from app import models as m
    from app.extensions import db
    from app.security import come_sistema
    from tests.aiuti_percorso import progetto_validato, spesa, voce_id

    pid, donna = progetto_validato(api_di)
    r = spesa(api_di("cav.crema"), pid, voce_id(app, "III-PASTI"), "10.00")
    assert r.status_code == 201, r.get_json()
    sid, nome = r.get_json()["id"], f"{uuid.uuid4().hex}.pdf"
    cartella = Path(app.config["LIA_UPLOAD_DIR"])
    cartella.mkdir(parents=True, exist_ok=True)
    (cartella / nome).write_bytes(b"%PDF-1.4 fattura con un nome dentro")
    with app.app_context(), come_sistema():
        db.session.get(m.Spesa, sid).allegato = nome
        db.session.commit()
        db.session.remove()
    for chi in ("cav.crema", "capofila"):
        r, righe = durante(app, lambda: client_di(chi).get(f"/spesaview/allegato/{sid}"))
        assert r.status_code == 200
        riga = solo(righe, "scaricamento_allegato")
        assert (riga["tipo_record"], riga["record_id"], riga["codici"], riga["username"]) == \
            ("Spesa", sid, donna["codice"], chi)
    # The same document through the API: the same row.
    r, righe = durante(app, lambda: api_di("cav.crema").get(f"/api/v1/spesa/{sid}/allegato"))
    assert r.status_code == 200
    riga = solo(righe, "scaricamento_allegato")
    assert (riga["record_id"], riga["codici"], dettaglio(riga)["canale"]) == (sid, donna["codice"],
                                                                             "SpesaApi.scarica_allegato")


# --- changes: in the same transaction, field names never values -----------------------------------

def test_create_update_delete_of_her_records_carry_her_code_and_no_value(app, api_cav):
    (bid, codice), righe = durante(app, lambda: donna_nuova(app, api_cav))
    riga = solo(righe, "creazione")
    assert (riga["tipo_record"], riga["record_id"], riga["codici"], riga["username"]) == \
        ("Beneficiaria", bid, codice, "cav.crema")

    cognome, telefono = f"Auditata{uuid.uuid4().hex[:6]}", "0373 999111"
    r, righe = durante(app, lambda: api_cav.post("/api/v1/datipersonali/", json={
        "beneficiaria": bid, "nome": "Prova", "cognome": cognome, "telefono": telefono}))
    assert r.status_code == 201, r.get_json()
    dp = r.get_json()["id"]
    riga = solo(righe, "creazione")
    assert (riga["tipo_record"], riga["record_id"], riga["codici"]) == ("DatiPersonali", dp, codice)

    # A write refused by the database leaves no row: the row commits with the change, or not at all.
    r, righe = durante(app, lambda: api_cav.post("/api/v1/datipersonali/", json={
        "beneficiaria": bid, "nome": "Doppia", "cognome": cognome}))
    assert r.status_code == 422 and righe == [], righe

    r, righe = durante(app, lambda: api_cav.put(f"/api/v1/datipersonali/{dp}", json={"telefono": "0373 111999"}))
    assert r.status_code == 200, r.get_json()
    riga = solo(righe, "modifica")
    assert dettaglio(riga)["campi"] == ["telefono"] and riga["codici"] == codice

    r, righe = durante(app, lambda: api_cav.delete(f"/api/v1/datipersonali/{dp}"))
    assert r.status_code == 200
    riga = solo(righe, "eliminazione")
    assert (riga["tipo_record"], riga["record_id"], riga["codici"]) == ("DatiPersonali", dp, codice)
    r, righe = durante(app, lambda: api_cav.delete(f"/api/v1/beneficiaria/{bid}"))
    assert r.status_code == 200, r.get_json()
    assert solo(righe, "eliminazione")["codici"] == codice
    for x in righe_dopo(app, 0):
        # Hashes and request ids are hex: any six digits may be in them by chance, so the phone
        # numbers are looked for whole, with and without their space.
        testo = json.dumps({k: v for k, v in x.items() if k not in ("hash", "hash_precedente")}, default=str)
        assert cognome not in testo
        assert not [n for n in ("0373 999111", "0373999111", "0373 111999", "0373111999") if n in testo]


def test_a_change_is_not_saved_when_its_audit_row_cannot_be_written(app, api_cav, monkeypatch):
    from app import audit
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    def guasto(conn, eventi):
        raise RuntimeError("registro di audit non scrivibile")

    monkeypatch.setattr(audit, "_appendi", guasto)
    prima = ultimo_id(app)
    r = api_cav.post("/api/v1/beneficiaria/", json={"ambito": ambito_id(app, "CM"),
                                                    "data_presa_in_carico": "2023-03-02", "fascia_eta": "40-49"})
    assert r.status_code >= 400
    monkeypatch.undo()
    with app.app_context(), come_sistema():
        assert db.session.query(m.Beneficiaria).filter_by(data_presa_in_carico=date(2023, 3, 2)).count() == 0
        db.session.remove()
    assert ultimo_id(app) == prima


def test_users_and_their_roles_are_audited_by_field_name(app):
    from app.extensions import db

    uid, username = nuovo_utente(app)
    inizio = ultimo_id(app)
    with app.app_context():
        sm = app.appbuilder.sm
        u = sm.get_user_by_id(uid)
        u.roles.append(sm.find_role("Regione"))
        db.session.commit()
        db.session.delete(sm.get_user_by_id(uid))
        db.session.commit()
        db.session.remove()
    righe = righe_dopo(app, inizio)
    modifica, eliminazione = solo(righe, "modifica"), solo(righe, "eliminazione")
    assert (modifica["tipo_record"], modifica["record_id"], dettaglio(modifica)["campi"]) == ("Utente", uid, ["roles"])
    assert (eliminazione["tipo_record"], eliminazione["record_id"]) == ("Utente", uid)
    assert modifica["username"] == "sistema" and modifica["ip"] is None  # the CLI / a script


def test_a_new_user_is_audited_with_who_created_it(app):
    inizio = ultimo_id(app)
    uid, _ = nuovo_utente(app)
    creazione = [r for r in righe_dopo(app, inizio) if r["azione"] == "creazione" and r["tipo_record"] == "Utente"]
    assert [r["record_id"] for r in creazione] == [uid]
    assert creazione[0]["username"] == "sistema"


def test_a_transition_writes_its_from_and_to_states(app, api_di):
    from tests.aiuti_percorso import consenti, crea, nuova_segnalazione, valuta

    cav, equipe = api_di("cav.crema"), api_di("equipe.crema")
    bid, codice = donna_nuova(app, cav)
    consenti(cav, bid)
    segn = nuova_segnalazione(cav, bid)
    valuta(equipe, segn)
    pid = crea(cav, "progetto", {"segnalazione": segn, "area": "lavoro", "obiettivi": "autonomia",
                                 "data_inizio": "2022-06-01", "data_fine": "2024-03-31"})
    r, righe = durante(app, lambda: cav.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": "proposto"}))
    assert r.status_code == 200, r.get_json()
    riga = solo(righe, "transizione")
    assert (riga["tipo_record"], riga["record_id"], riga["codici"], riga["username"]) == \
        ("Progetto", pid, codice, "cav.crema")
    assert dettaglio(riga)["da"] == "bozza" and dettaglio(riga)["a"] == "proposto"
    # The change of state and the history row are there too, in the same request.
    assert {(x["azione"], x["tipo_record"]) for x in righe} >= {("modifica", "Progetto"),
                                                               ("creazione", "TransizioneProgetto")}
    assert len({x["request_id"] for x in righe}) == 1


# --- exports --------------------------------------------------------------------------------------

def test_rendicontazione_download_and_cli_are_audited_with_scope_and_rows(app, client_di, tmp_path):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        spese_crema = db.session.query(m.Spesa).filter_by(ente_pagatore_id=ente_di(app, "cav.crema")).count()
        db.session.remove()
    cav = client_di("cav.crema")
    r, righe = durante(app, lambda: cav.get("/rendicontazione/scarica"))
    assert r.status_code == 200
    riga = solo(righe, "esportazione")
    d = dettaglio(riga)
    assert (riga["tipo_record"], riga["username"], d["ambito"], d["ente_id"], d["righe_spese"]) == \
        ("Rendicontazione", "cav.crema", "ente", ente_di(app, "cav.crema"), spese_crema)

    uscita = tmp_path / "rendicontazione.xlsx"
    esito, righe = durante(app, lambda: app.test_cli_runner().invoke(
        args=["lia", "rendicontazione", "--out", str(uscita), "--dal", "2022-01-01"]))
    assert esito.exit_code == 0, esito.output
    riga = solo(righe, "esportazione")
    assert (riga["username"], riga["utente_id"], riga["ip"], dettaglio(riga)["ambito"], dettaglio(riga)["dal"]) == \
        ("sistema", None, None, "rete", "2022-01-01")


# --- login and logout -------------------------------------------------------------------------------

def _login_form(app, username, password):
    c = app.test_client()
    token = csrf_da(c.get("/login/").get_data(as_text=True))
    return c, c.post("/login/", data={"username": username, "password": password, "csrf_token": token})


def test_login_success_failure_and_logout_by_form(app):
    uid, username = nuovo_utente(app)
    (c, r), righe = durante(app, lambda: _login_form(app, username, PASSWORD))
    assert r.status_code == 302 and "/login" not in r.headers["Location"]
    riga = solo(righe, "login_riuscito")
    assert (riga["utente_id"], riga["username"], riga["ente_id"], dettaglio(riga)["canale"]) == \
        (uid, username, ente_di(app, "cav.crema"), "LiaAuthDBView.login")

    token = csrf_da(c.get("/").get_data(as_text=True)) if "csrf_token" in c.get("/").get_data(as_text=True) else ""
    r, righe = durante(app, lambda: c.post("/logout/", data={"csrf_token": token}))
    if r.status_code == 405:  # logout by GET, as FAB ships it
        r, righe = durante(app, lambda: c.get("/logout/"))
    riga = solo(righe, "logout")
    assert (riga["utente_id"], riga["username"]) == (uid, username)

    (_, r), righe = durante(app, lambda: _login_form(app, username, "password-sbagliata"))
    riga = solo(righe, "login_fallito")
    assert (riga["utente_id"], riga["username"], riga["record_id"]) == (uid, username, uid)


def test_a_failed_login_with_an_unknown_username_stores_nothing_identifying(app):
    digitato = f"Maria.Rossi.{uuid.uuid4().hex[:6]}"
    (_, r), righe = durante(app, lambda: _login_form(app, digitato, "qualcosa"))
    assert r.status_code in (200, 302)
    riga = solo(righe, "login_fallito")
    assert (riga["utente_id"], riga["username"], riga["ente_id"], riga["record_id"]) == (None, None, None, None)
    c = app.test_client()
    r, righe = durante(app, lambda: c.post("/api/v1/security/login", json={
        "username": digitato, "password": "qualcosa", "provider": "db"}))
    assert r.status_code == 401
    riga = solo(righe, "login_fallito")
    assert riga["utente_id"] is None and dettaglio(riga)["canale"] == "LiaSecurityApi.login"
    for x in righe_dopo(app, 0):
        assert digitato.lower() not in json.dumps(x, default=str).lower()


def test_api_login_is_audited(app):
    uid, username = nuovo_utente(app)
    c = app.test_client()
    _, righe = durante(app, lambda: token_per(c, username))
    riga = solo(righe, "login_riuscito")
    assert (riga["utente_id"], dettaglio(riga)["canale"]) == (uid, "LiaSecurityApi.login")


# --- no personal value, ever -----------------------------------------------------------------------

def test_no_audit_row_carries_a_personal_value(app, pii, client_di, api_di):
    from tests.test_crypto_e_log import regex_parole, tutti_i_valori

    # Every read channel once (whatever else ran before in this process), then the whole table.
    cav = client_di("cav.crema")
    api = api_di("cav.crema")
    dp, bid, _, cf = dati_personali_di(app, "cav.crema")[0]
    for url in ("/datipersonaliview/list/", f"/datipersonaliview/show/{dp}", f"/datipersonaliview/edit/{dp}",
                f"/beneficiariaview/show/{bid}"):
        assert cav.get(url).status_code == 200
    token = csrf_da(cav.get("/cerca-cf/form").get_data(as_text=True))
    cav.post("/cerca-cf/form", data={"codice_fiscale": cf, "csrf_token": token})
    assert api.get("/api/v1/datipersonali/?q=(page_size:100)").status_code == 200
    assert api.post("/api/v1/datipersonali/cerca", json={"codice_fiscale": cf}).status_code == 200

    cercatore = regex_parole(tutti_i_valori(pii))
    righe = righe_dopo(app, 0)
    assert len(righe) > 50
    trovati = {(r["id"], m.group(0)) for r in righe for m in cercatore.finditer(json.dumps(
        {k: v for k, v in r.items() if k not in ("hash", "hash_precedente")}, default=str, ensure_ascii=False))}
    assert trovati == set()


# --- the chain --------------------------------------------------------------------------------------

def test_the_chain_verifies_through_the_cli(app):
    from app.audit import verifica_catena

    with app.app_context():
        assert verifica_catena() == (True, None)
    esito = app.test_cli_runner().invoke(args=["lia", "verifica-audit"])
    assert esito.exit_code == 0, esito.output
    assert "OK" in esito.output and re.search(r"\b\d+ righe\b", esito.output)


@pytest.fixture
def riga_di_mezzo(app, api_di):
    """A row with rows after it (the chain is shared by the session's tests: put it back)."""
    api_di("cav.crema").get("/api/v1/datipersonali/?q=(page_size:5)")
    api_di("cav.crema").get("/api/v1/datipersonali/?q=(page_size:5)")
    from app.extensions import db

    with app.app_context():
        riga = dict(db.session.execute(text(
            "SELECT * FROM lia_audit WHERE azione = 'lettura_dati_personali' ORDER BY id DESC LIMIT 1 OFFSET 1")
        ).mappings().one())
        db.session.remove()
    yield riga
    with app.app_context():
        db.session.execute(text("DELETE FROM lia_audit WHERE id = :id"), {"id": riga["id"]})
        colonne = ", ".join(riga)
        db.session.execute(text(f"INSERT INTO lia_audit ({colonne}) VALUES ({', '.join(':' + c for c in riga)})"),
                           riga)
        db.session.commit()
        db.session.remove()
    esito = app.test_cli_runner().invoke(args=["lia", "verifica-audit"])
    assert esito.exit_code == 0, esito.output


def _sql(app, istruzione, **valori):
    from app.extensions import db

    with app.app_context():
        db.session.execute(text(istruzione), valori)
        db.session.commit()
        db.session.remove()


def test_a_row_edited_in_the_database_breaks_the_chain_at_that_row(app, riga_di_mezzo):
    _sql(app, "UPDATE lia_audit SET username = 'qualcun.altro' WHERE id = :id", id=riga_di_mezzo["id"])
    esito = app.test_cli_runner().invoke(args=["lia", "verifica-audit"])
    assert esito.exit_code != 0
    assert f"n. {riga_di_mezzo['id']} " in esito.output, esito.output


def test_a_row_deleted_in_the_database_breaks_the_chain_at_the_next_row(app, riga_di_mezzo):
    from app.audit import verifica_catena
    from app.extensions import db

    _sql(app, "DELETE FROM lia_audit WHERE id = :id", id=riga_di_mezzo["id"])

    with app.app_context():
        ok, rotto = verifica_catena()
        nuovo = db.session.execute(
            text("SELECT min(id) FROM lia_audit WHERE id > :id"), {"id": riga_di_mezzo["id"]}).scalar()
        db.session.remove()
    assert not ok and rotto == nuovo
    esito = app.test_cli_runner().invoke(args=["lia", "verifica-audit"])
    assert esito.exit_code != 0 and f"n. {nuovo} " in esito.output


def test_concurrent_appends_never_fork_the_chain(app):
    from app import audit
    from app.extensions import db

    errori = []
    inizio = ultimo_id(app)

    def scrive(n):
        try:
            for i in range(15):
                with app.app_context():
                    audit.registra("esportazione", tipo_record="Prova", dettaglio={"filo": n, "i": i})
                    db.session.remove()
        except Exception as exc:  # noqa: BLE001  (reported below)
            errori.append(exc)

    fili = [threading.Thread(target=scrive, args=(n,)) for n in range(4)]
    for f in fili:
        f.start()
    for f in fili:
        f.join()
    assert errori == []
    righe = righe_dopo(app, inizio)
    assert len([r for r in righe if r["tipo_record"] == "Prova"]) == 60
    assert len({r["hash_precedente"] for r in righe}) == len(righe)  # nobody chained onto the same row
    with app.app_context():
        assert audit.verifica_catena() == (True, None)


def test_an_unknown_action_name_is_refused(app):
    from app import audit

    with app.app_context(), pytest.raises(ValueError):
        audit.registra("lettura_dati")
