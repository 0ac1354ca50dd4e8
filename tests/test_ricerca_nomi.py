"""A CAV finds her woman by name, surname or codice fiscale (issue 11, §2); nobody else searches by
name; the terms reach no log, no audit row, no URL."""
from __future__ import annotations

import logging
import re
import uuid

import pytest

from app.rules.codice_fiscale import con_carattere_controllo
from app.rules.nomi import (
    MSG_SENZA_LETTERE, MSG_TROPPE_PAROLE, MSG_TROPPO_LUNGA, MSG_VUOTA, chiavi_del_nome, motivi_ricerca_non_valida,
    parole, sembra_codice_fiscale,
)
from tests.conftest import UTENTI_DEMO, csrf_da
from tests.e2e.conftest import donna_nuova

# --- the matching rules (pure) -------------------------------------------------------------


def test_apostrofi_trattini_e_accenti_separano_e_si_tolgono():
    assert parole("D'Angelo-Rossi") == ["d", "angelo", "rossi"]
    assert parole("  Zoë   LUCÍA ") == ["zoe", "lucia"]
    assert parole("D’Amico De Santis") == ["d", "amico", "de", "santis"]
    assert parole("Maria maria") == ["maria"]
    assert parole("Straße") == ["strasse"]
    assert parole("!!! --") == []


def test_si_indicizzano_le_parole_e_i_prefissi_di_almeno_tre_lettere():
    assert chiavi_del_nome("Rossi") == {"ros", "ross", "rossi"}
    assert chiavi_del_nome("Li", "D'Angelo") == {"li", "d", "ang", "ange", "angel", "angelo"}
    assert chiavi_del_nome(None, "") == set()
    # "ro" is no key: two letters would match half of any list.
    assert "ro" not in chiavi_del_nome("Rossi")


def test_una_ricerca_a_forma_di_codice_fiscale_si_cerca_come_codice():
    cf = con_carattere_controllo("RSSMRA80A41D150")
    assert sembra_codice_fiscale(cf) and sembra_codice_fiscale(cf.lower()) and sembra_codice_fiscale(" " + cf[:8] + " " + cf[8:])
    assert not sembra_codice_fiscale("Rossi Maria")
    assert not sembra_codice_fiscale("RSSMRA80A41")
    # A 16-letter word (a surname with this run's suffix) has letters where a code has digits.
    assert not sembra_codice_fiscale("zuccherinieb6c8d") and not sembra_codice_fiscale("Rinominataeb6c8d")
    assert sembra_codice_fiscale(cf[:6] + "LM" + cf[8:15] + "X")  # omocodia letters are digits


def test_motivi_di_una_ricerca_non_valida():
    assert motivi_ricerca_non_valida("") == [MSG_VUOTA]
    assert motivi_ricerca_non_valida("   ") == [MSG_VUOTA]
    assert motivi_ricerca_non_valida(None) == [MSG_VUOTA]
    assert motivi_ricerca_non_valida(["Rossi"]) == [MSG_VUOTA]
    assert motivi_ricerca_non_valida("x" * 101) == [MSG_TROPPO_LUNGA]
    assert motivi_ricerca_non_valida("?!") == [MSG_SENZA_LETTERE]
    assert motivi_ricerca_non_valida("a b c d e f g") == [MSG_TROPPE_PAROLE]
    assert motivi_ricerca_non_valida("ros") == []


# --- through the real stack ----------------------------------------------------------------

SUFFISSO = uuid.uuid4().hex[:6]  # words of their own: this module's women only, in any test order
COGNOME = f"D'Angelo-Zuccherini{SUFFISSO}"
ALTRO_COGNOME = f"Zuccheroni{SUFFISSO}"
NOME = "Ottavìa"


def _cf(inizio: str) -> str:
    return con_carattere_controllo(inizio)


@pytest.fixture(scope="module")
def donne(app):
    """Two women of cav.crema, and one of cav.cremona with exactly the name of the first."""
    from tests.conftest import ApiClient, token_per

    def api(username):
        c = app.test_client()
        return ApiClient(c, token_per(c, username))

    crema, cremona = api("cav.crema"), api("cav.cremona")
    out = {}
    for chiave, cliente, ambito, nome, cognome, cf in (
            ("crema", crema, "CM", NOME, COGNOME, _cf("ZCCTTV80A41D150")),
            ("crema_2", crema, "CM", "Bianca", ALTRO_COGNOME, _cf("ZCCBNC81A41D150")),
            ("cremona", cremona, "CR", NOME, COGNOME, _cf("ZCCTTV82A41D150"))):
        bid, codice = donna_nuova(app, cliente, ambito=ambito)
        r = cliente.post("/api/v1/datipersonali/", json={"beneficiaria": bid, "nome": nome, "cognome": cognome,
                                                       "codice_fiscale": cf})
        assert r.status_code == 201, r.get_json()
        out[chiave] = {"id": bid, "codice": codice, "cf": cf, "dp": r.get_json()["id"]}
    return out


def _cerca(client, testo, pagina="/ricerca/"):
    token = csrf_da(client.get(pagina).get_data(as_text=True))
    return client.post("/ricerca/", data={"testo": testo, "csrf_token": token})


# Templates: {s} is this run's suffix (formatted in the test, so every xdist worker collects the same ids).
@pytest.mark.parametrize("testo, attese", [
    ("zuccherini{s}", {"crema"}),  # the surname, lower case
    ("D'ANGELO-ZUCCHERINI{s}", {"crema"}),  # as typed on the form
    ("ottavia zuccheri", {"crema"}),  # two words, one a prefix; the accent ignored
    ("zuccheroni{s} ottavia", set()),  # two words must both match the same woman
    ("angelo zuccherini{s}", {"crema"}),
])
def test_la_cav_trova_la_sua_donna_per_cognome_prefisso_e_piu_parole(testo, attese, donne, client_di):
    testo = testo.format(s=SUFFISSO)
    r = _cerca(client_di("cav.crema"), testo)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "no-store" in r.headers["Cache-Control"]
    for chiave, d in donne.items():
        assert (d["codice"] in html) == (chiave in attese), (chiave, testo)
    if attese:
        assert f"/beneficiariaview/show/{donne['crema']['id']}" in html and "Ottavìa" in html
        assert COGNOME in html.replace("&#39;", "'")
    else:
        assert "Nessuna donna trovata" in html


def test_un_prefisso_di_tre_lettere_trova_tutte_le_sue(donne, client_di):
    html = _cerca(client_di("cav.crema"), "zuc").get_data(as_text=True)
    assert donne["crema"]["codice"] in html and donne["crema_2"]["codice"] in html
    assert donne["cremona"]["codice"] not in html


def test_la_cav_trova_per_codice_fiscale_anche_minuscolo(donne, client_di):
    html = _cerca(client_di("cav.crema"), donne["crema"]["cf"].lower()).get_data(as_text=True)
    assert donne["crema"]["codice"] in html and donne["cremona"]["codice"] not in html


def test_mai_la_donna_di_un_altro_cav_neppure_col_nome_esatto_o_il_cf(donne, client_di):
    cremona = client_di("cav.cremona")
    html = _cerca(cremona, f"Ottavìa D'Angelo-Zuccherini{SUFFISSO}").get_data(as_text=True)
    assert donne["cremona"]["codice"] in html and donne["crema"]["codice"] not in html
    html = _cerca(cremona, donne["crema"]["cf"]).get_data(as_text=True)
    assert "Nessuna donna trovata" in html and donne["crema"]["codice"] not in html
    html = _cerca(client_di("cav.casalmaggiore"), f"zuccherini{SUFFISSO}").get_data(as_text=True)
    assert "Nessuna donna trovata" in html


def test_oltre_il_limite_lo_dice(donne, client_di, monkeypatch):
    from app.servizi import ricerca

    monkeypatch.setattr(ricerca, "LIMITE", 1)
    html = _cerca(client_di("cav.crema"), "zuc").get_data(as_text=True)
    assert "Più di 1 donne corrispondono" in html
    assert (donne["crema"]["codice"] in html) != (donne["crema_2"]["codice"] in html)


def test_una_ricerca_non_valida_lo_dice_sul_modulo(client_di):
    r = _cerca(client_di("cav.crema"), "?!")
    assert r.status_code == 200 and MSG_SENZA_LETTERE in r.get_data(as_text=True)
    r = _cerca(client_di("cav.crema"), "x" * 150)
    assert r.status_code == 200 and MSG_TROPPO_LUNGA in r.get_data(as_text=True)


def test_senza_token_csrf_la_ricerca_e_rifiutata_e_non_ripete_i_termini(donne, client_di):
    c = client_di("cav.crema")
    r = c.post("/ricerca/", data={"testo": f"zuccherini{SUFFISSO}"})
    assert r.status_code == 400
    assert SUFFISSO not in r.get_data(as_text=True)


def test_la_ricerca_non_accetta_termini_nell_url(donne, client_di):
    r = client_di("cav.crema").get(f"/ricerca/?testo=zuccherini{SUFFISSO}")
    assert r.status_code == 200 and donne["crema"]["codice"] not in r.get_data(as_text=True)


def test_la_vecchia_pagina_del_cf_mostra_la_nuova_ricerca(client_di):
    html = client_di("cav.crema").get("/cerca-cf/form").get_data(as_text=True)
    assert "Cerca una donna" in html and 'action="/ricerca/"' in html


# --- who: every other role gets 403 and sees no box ------------------------------------------

ALTRI = [u for u in UTENTI_DEMO if not u.startswith("cav.")]


@pytest.mark.parametrize("username", ALTRI)
def test_gli_altri_ruoli_non_cercano_per_nome_e_non_vedono_la_casella(username, donne, client_di, api_di):
    c = client_di(username)
    assert c.get("/ricerca/").status_code == 403
    token = csrf_da(c.get("/resetmypassword/form").get_data(as_text=True))
    r = c.post("/ricerca/", data={"testo": f"zuccherini{SUFFISSO}", "csrf_token": token})
    assert r.status_code == 403 and donne["crema"]["codice"] not in r.get_data(as_text=True)
    assert "data-lia-ricerca" not in c.get("/").get_data(as_text=True)
    lista = c.get("/beneficiariaview/list/")
    assert "data-lia-ricerca" not in lista.get_data(as_text=True)
    r = api_di(username).post("/api/v1/datipersonali/cerca", json={"testo": f"zuccherini{SUFFISSO}"})
    assert r.status_code == 403 and donne["crema"]["codice"] not in r.get_data(as_text=True)


@pytest.mark.parametrize("username", ["cav.crema", "cav.cremona", "cav.casalmaggiore"])
def test_la_cav_ha_la_casella_nel_menu_e_sull_elenco(username, client_di):
    c = client_di(username)
    assert 'id="lia-ricerca-menu"' in c.get("/").get_data(as_text=True)
    elenco = c.get("/beneficiariaview/list/").get_data(as_text=True)
    assert 'id="lia-ricerca-elenco"' in elenco and 'method="post"' in elenco


# --- the API ---------------------------------------------------------------------------------

def test_api_testo_trova_le_sue_e_rifiuta_l_input_sbagliato(donne, api_di):
    a = api_di("cav.crema")
    r = a.post("/api/v1/datipersonali/cerca", json={"testo": f"zuccherini{SUFFISSO}"})
    assert r.status_code == 200, r.get_json()
    corpo = r.get_json()
    assert corpo["count"] == 1 and corpo["troncato"] is False
    assert corpo["result"][0] == {"beneficiaria_id": donne["crema"]["id"], "codice": donne["crema"]["codice"],
                                  "cognome": COGNOME, "nome": NOME, "ambito": corpo["result"][0]["ambito"]}
    r = a.post("/api/v1/datipersonali/cerca", json={"testo": donne["cremona"]["cf"]})
    assert r.status_code == 200 and r.get_json()["count"] == 0
    for cattivo in ({"testo": ""}, {"testo": 12}, {"testo": None}, {"testo": "x" * 101}, {"testo": "--"},
                    {"testo": "rossi", "codice_fiscale": donne["crema"]["cf"]}):
        r = a.post("/api/v1/datipersonali/cerca", json=cattivo)
        assert r.status_code == 422, (cattivo, r.status_code)
        assert "testo" in r.get_json()["message"]
    # The old exact search by codice fiscale still answers as before.
    r = a.post("/api/v1/datipersonali/cerca", json={"codice_fiscale": donne["crema"]["cf"]})
    assert r.status_code == 200 and r.get_json()["result"]["beneficiaria_id"] == donne["crema"]["id"]


# --- the terms never reach a log or the audit; the results are an audited read -----------------

def test_i_termini_non_finiscono_nei_log_ne_nell_audit(donne, app, client_di, api_di, caplog):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import AuditEvento

    with app.app_context():
        prima = db.session.execute(select(func.max(AuditEvento.id))).scalar() or 0
        db.session.remove()
    termini = [f"zuccherini{SUFFISSO}", f"Ottavìa zuccheroni{SUFFISSO}", donne["crema"]["cf"], "x" * 150]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
        try:
            c, a = client_di("cav.crema"), api_di("cav.crema")
            for testo in termini:
                _cerca(c, testo)
                a.post("/api/v1/datipersonali/cerca", json={"testo": testo})
            c.post("/ricerca/", data={"testo": termini[0]})  # no CSRF token: refused
        finally:
            logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    registro = caplog.text.casefold()
    assert "select" in registro  # the statements were logged: the check below means something
    for segno in [SUFFISSO, donne["crema"]["cf"].casefold(), "x" * 150, "ottav"]:
        assert segno not in registro, segno
    with app.app_context():
        righe = db.session.execute(select(AuditEvento).where(AuditEvento.id > prima)).scalars().all()
        testo_audit = " ".join(str(getattr(r, col.key)) for r in righe
                               for col in AuditEvento.__table__.columns).casefold()
        letture = [r for r in righe if r.azione == "lettura_dati_personali"]
        db.session.remove()
    for segno in [SUFFISSO, donne["crema"]["cf"].casefold(), "ottav", "zucch"]:
        assert segno not in testo_audit, segno
    # The pages and answers that showed her name: one read each, with her code.
    assert len(letture) >= 4 and all(r.codici == donne["crema"]["codice"] for r in letture)
    assert {r.username for r in letture} == {"cav.crema"}


# --- the index follows the data ----------------------------------------------------------------

def test_l_indice_segue_il_cambio_di_cognome_e_la_cancellazione(app, client_di, api_di):
    from sqlalchemy import select

    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    a = api_di("cav.crema")
    bid, codice = donna_nuova(app, a, ambito="CM")
    vecchio, nuovo = f"Primocognome{SUFFISSO}", f"Rinominata{SUFFISSO}"
    r = a.post("/api/v1/datipersonali/", json={"beneficiaria": bid, "nome": "Bianca", "cognome": vecchio})
    assert r.status_code == 201, r.get_json()
    dp = r.get_json()["id"]
    c = client_di("cav.crema")
    assert codice in _cerca(c, vecchio).get_data(as_text=True)
    # Changed through the real form: the index follows in the same transaction.
    pagina = c.get(f"/datipersonaliview/edit/{dp}").get_data(as_text=True)
    versione = re.search(r'name="versione"[^>]*value="(\d+)"', pagina) or re.search(
        r'value="(\d+)"[^>]*name="versione"', pagina)
    dati = {"nome": "Bianca", "cognome": nuovo, "csrf_token": csrf_da(pagina)}
    if versione:
        dati["versione"] = versione.group(1)
    r = c.post(f"/datipersonaliview/edit/{dp}", data=dati)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert codice in _cerca(c, nuovo).get_data(as_text=True)
    assert "Nessuna donna trovata" in _cerca(c, vecchio).get_data(as_text=True)
    # Her identity deleted: her index rows go with it (ON DELETE CASCADE).
    with app.app_context(), come_sistema():
        assert db.session.execute(select(m.IndiceNome).where(m.IndiceNome.dati_personali_id == dp)).first()
        db.session.delete(db.session.get(m.DatiPersonali, dp))
        db.session.commit()
        resti = db.session.execute(select(m.IndiceNome).where(m.IndiceNome.dati_personali_id == dp)).all()
        db.session.remove()
    assert resti == []


def test_reindicizza_nomi_ricostruisce_gli_stessi_indici(app, donne, client_di):
    from sqlalchemy import select

    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    def stato():
        with app.app_context(), come_sistema():
            righe = set(db.session.execute(select(m.IndiceNome.dati_personali_id, m.IndiceNome.hash)).all())
            cf = set(db.session.execute(select(m.DatiPersonali.id, m.DatiPersonali.cf_indice)).all())
            db.session.remove()
        return righe, cf

    prima = stato()
    with app.app_context():
        esito = app.test_cli_runner().invoke(args=["lia", "reindicizza-nomi"])
    assert esito.exit_code == 0, esito.output
    assert "indicizzati" in esito.output
    assert stato() == prima
    assert donne["crema"]["codice"] in _cerca(client_di("cav.crema"), f"zuccherini{SUFFISSO}").get_data(as_text=True)


@pytest.mark.parametrize("fornitore, suo", [
    ("Maria Rossi", True), ("ROSSI MARIA", True), ("rossi maria - indennità di tirocinio", True),
    ("Sig.ra Maria Grazia Rossi", True), ("pagato a RSSMRA80A41H501Z", True), ("rssmra80a41h501z", True),
    ("Rossi Srl", False), ("Maria Immobiliare", False), ("Beneficiaria", False), ("", False), (None, False),
    ("Maria Grazia", False),
])
def test_fornitore_che_nomina_la_donna(fornitore, suo):
    from app.rules.nomi import fornitore_con_dati_personali

    assert fornitore_con_dati_personali(fornitore, "Maria Grazia", "Rossi", "RSSMRA80A41H501Z") is suo
