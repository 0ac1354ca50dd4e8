"""Integrity of a woman's records (issue 9, section 0).

The hole, as found: a micro-équipe member from another CAV deleted a woman she did not hold; her
personal-data row stayed behind (SQLite did not enforce foreign keys, the ORM did not cascade,
SQLite reused the freed id), and the next woman registered by a third CAV showed the deleted
woman's identity and her other records. Each of the four causes has its own test here, plus the
search and ordering on encrypted columns of the personal-data list.
"""
from __future__ import annotations

import html
import re
import uuid

import pytest

from conftest import UTENTI_DEMO, ApiClient, csrf_da, ente_di, login, token_per
from tests.aiuti_percorso import crea

MSG_TITOLARE = "Solo il centro antiviolenza che ha in carico la beneficiaria"
CAV_TITOLARE = "cav.crema"
MEMBRO = "cav.cremona"  # an operator of another CAV, member of the case's micro-équipe


# --- helpers -----------------------------------------------------------------------------

_API: dict[str, ApiClient] = {}
_BROWSER: dict[str, object] = {}


@pytest.fixture(scope="module")
def api(app):
    _API.clear()

    def _fa(username):
        if username not in _API:
            c = app.test_client()
            _API[username] = ApiClient(c, token_per(c, username))
        return _API[username]
    return _fa


@pytest.fixture(scope="module")
def browser(app):
    _BROWSER.clear()

    def _fa(username):
        if username not in _BROWSER:
            _BROWSER[username] = login(app.test_client(), username)
        return _BROWSER[username]
    return _fa


def csrf_di(client):
    return csrf_da(client.get("/resetmypassword/form").get_data(as_text=True))


def ambito_id(chi, codice):
    return {a["codice"]: a["id"] for a in chi.get("/api/v1/ambito/").get_json()["result"]}[codice]


def id_utente(app, username):
    from app.extensions import db

    with app.app_context():
        uid = app.appbuilder.sm.find_user(username=username).id
        db.session.remove()
    return uid


def nel_db(app, funzione):
    """Run funzione(session, models) across the perimeter and return its (plain) result."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        try:
            return funzione(db.session, m)
        finally:
            db.session.rollback()
            db.session.remove()


def identita(suffisso):
    """Identifying data unique to this run, with a well-formed codice fiscale."""
    import random

    from app.rules.codice_fiscale import con_carattere_controllo

    rnd = random.Random(suffisso)
    lettere = "".join(rnd.choice("BCDFGLMNPRSTVZ") for _ in range(6))
    cf = con_carattere_controllo(f"{lettere}{rnd.randint(50, 99)}{rnd.choice('ABCDEHLMPRST')}"
                                 f"{rnd.randint(41, 68)}Z{rnd.randint(100, 999)}")
    return {"nome": f"Ottavia{suffisso}", "cognome": f"Segretissima{suffisso}", "codice_fiscale": cf,
            "telefono": f"+39 347 {suffisso[:7]}", "email": f"ottavia.{suffisso}@riservato.invalid",
            "indirizzo": f"Via Nascosta {suffisso}", "comune": "Comune riservato"}


def nuova_donna(cav, ambito, dati=True, consenso=False, misura=False):
    """A woman of `cav`, with her identity (unique to this run) and, on request, a consent and a measure."""
    ids = {"beneficiaria": crea(cav, "beneficiaria", {"ambito": ambito_id(cav, ambito), "fascia_eta": "30-39",
                                                      "condizione_occupazionale": "disoccupata"})}
    suffisso = uuid.uuid4().hex[:10]
    if dati:
        ident = identita(suffisso)
        ids["datipersonali"] = crea(cav, "datipersonali", {"beneficiaria": ids["beneficiaria"], **ident})
        ids["identita"] = ident
    if consenso:
        ids["consenso"] = crea(cav, "consenso", {"beneficiaria": ids["beneficiaria"], "tipo": "programma",
                                                 "data": "2024-01-10", "ambito_consenso": "percorso"})
    if misura:
        ids["altramisura"] = crea(cav, "altramisura", {"beneficiaria": ids["beneficiaria"], "tipo": "fondo_poverta",
                                                       "data_inizio": "2024-01-01", "assi_coperti": "",
                                                       "note": "misura"})
    return ids


def micro_equipe(app, equipe, beneficiaria, membri, coordinatore="cav.crema"):
    return crea(equipe, "microequipe", {"beneficiaria": beneficiaria, "ente_coordinatore": ente_di(app, coordinatore),
                                        "membri": [id_utente(app, u) for u in membri], "note": "prova integrità"})


def flash_di(r):
    return html.unescape(r.get_data(as_text=True))


# --- the hole, reproduced as found -----------------------------------------------------------

def test_identita_di_una_donna_eliminata_non_passa_a_un_altro_cav(app, api, browser):
    titolare, membro, terzo = api(CAV_TITOLARE), api(MEMBRO), api("cav.casalmaggiore")
    # A woman of CAV Crema with her identity and a segnalazione carrying a free-text note.
    donna = nuova_donna(titolare, "CM", consenso=True)
    bid, ident = donna["beneficiaria"], donna["identita"]
    nota = f"nota libera {uuid.uuid4().hex[:8]}"
    crea(titolare, "segnalazione", {"beneficiaria": bid, "data": "2024-02-01", "area_richiesta": "lavoro",
                                    "note": nota})
    # The équipe puts an operator of CAV Cremona in her micro-équipe: she sees the case by code.
    micro_equipe(app, api("equipe.crema"), bid, [MEMBRO])
    assert membro.get(f"/api/v1/beneficiaria/{bid}").status_code == 200

    # The member deletes the woman she does not hold.
    cancellazione = membro.delete(f"/api/v1/beneficiaria/{bid}")

    # A third CAV registers a new woman, typing nothing about her.
    nuova = crea(terzo, "beneficiaria", {"ambito": ambito_id(terzo, "CA"), "fascia_eta": "40-49"})
    dati_terzo = terzo.get("/api/v1/datipersonali/?q=(page_size:100)").get_data(as_text=True)
    segn_terzo = terzo.get("/api/v1/segnalazione/?q=(page_size:100)").get_data(as_text=True)
    schermata = browser("cav.casalmaggiore").get(f"/beneficiariaview/show/{nuova}").get_data(as_text=True)
    for valore in (ident["cognome"], ident["telefono"], ident["email"], ident["indirizzo"]):
        assert valore not in dati_terzo and valore not in html.unescape(schermata), "identità passata a un altro CAV"
    assert nota not in segn_terzo, "la segnalazione della donna eliminata si è riattaccata"
    assert nuova > bid, "id riusato"
    cf = {"codice_fiscale": ident["codice_fiscale"]}
    assert terzo.post("/api/v1/datipersonali/cerca", json=cf).status_code == 404, "ricerca per CF"

    # The deletion itself was refused, in Italian, and nothing was lost.
    assert cancellazione.status_code == 403, cancellazione.get_json()
    assert MSG_TITOLARE in cancellazione.get_json()["message"]
    r = titolare.get(f"/api/v1/datipersonali/{donna['datipersonali']}")
    assert r.status_code == 200 and r.get_json()["result"]["cognome"] == ident["cognome"]
    assert titolare.get(f"/api/v1/consenso/{donna['consenso']}").status_code == 200


# --- 1. foreign keys enforced on SQLite --------------------------------------------------------

def test_pragma_foreign_keys_attivo_su_ogni_connessione(app):
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL applica sempre le chiavi esterne")
        connessioni = [db.engine.connect() for _ in range(3)]  # more than one pooled DBAPI connection
        try:
            assert [c.exec_driver_sql("PRAGMA foreign_keys").scalar() for c in connessioni] == [1, 1, 1]
        finally:
            for c in connessioni:
                c.close()


def test_vincoli_sospesi_per_le_migrazioni_e_ripristinati(app):
    """Migrations recreate tables (batch mode) with the checks off, then give the connection back with them on."""
    from app.extensions import db
    from app.integrita import vincoli_sospesi

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("solo SQLite")
        with db.engine.connect() as conn:
            with vincoli_sospesi(conn):
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_il_database_stesso_rifiuta_un_riferimento_a_una_donna_inesistente(app):
    from sqlalchemy.exc import IntegrityError

    def inserisci(s, m):
        s.add(m.Consenso(beneficiaria_id=10**8, tipo="programma"))
        with pytest.raises(IntegrityError):
            s.flush()
    nel_db(app, inserisci)


def _flask(args, env, riesce=True):
    import subprocess
    import sys
    from pathlib import Path

    flask = Path(sys.executable).with_name("flask")
    r = subprocess.run([str(flask), *args], cwd=Path(__file__).resolve().parent.parent, env=env,
                       capture_output=True, text=True, timeout=300)
    assert (r.returncode == 0) == riesce, r.stdout + r.stderr
    return r.stdout + r.stderr


def test_la_migrazione_conserva_i_dati_e_toglie_i_resti_delle_donne_eliminate(tmp_path):
    """An install as it was: demo data at 0005 plus the rows SQLite let survive a deletion."""
    import os
    import sqlite3

    env = {**os.environ, "FLASK_APP": "run.py", "LIA_INSTANCE_DIR": str(tmp_path), "LIA_ENV": "development"}
    env.pop("DATABASE_URL", None)
    # Today's demo loader writes today's tables: load it at the head, then go back to 0005.
    _flask(["db", "upgrade"], env)
    _flask(["lia", "demo", "--password", "prova-integrita"], env)
    _flask(["db", "downgrade", "0005_orari_sessioni"], env)
    con = sqlite3.connect(tmp_path / "lia.db")
    eliminata = con.execute("SELECT max(id) FROM lia_beneficiaria").fetchone()[0] + 1
    ente, ambito = con.execute("SELECT ente_id, ambito_id FROM lia_beneficiaria LIMIT 1").fetchone()
    with con:
        # What a deleted woman left behind: identity, consent, segnalazione and its valutazione.
        con.execute("INSERT INTO lia_dati_personali (beneficiaria_id, nome, cognome) VALUES (?, 'x', 'y')",
                    (eliminata,))
        con.execute("INSERT INTO lia_consenso (beneficiaria_id, tipo, data, ambito_consenso) "
                    "VALUES (?, 'servizi', '2023-01-01', '')", (eliminata,))
        segn = con.execute("INSERT INTO lia_segnalazione (beneficiaria_id, ente_segnalante_id, ambito_id, data, "
                           "area_richiesta, note) VALUES (?, ?, ?, '2023-01-01', 'lavoro', 'nota')",
                           (eliminata, ente, ambito)).lastrowid
        con.execute("INSERT INTO lia_valutazione (segnalazione_id, beneficiaria_id, esito, data, motivazione) "
                    "VALUES (?, ?, 'ammessa', '2023-01-02', '')", (segn, eliminata))
        # A consent registered by a user deleted since: the consent stays, "by whom" is lost.
        consenso = con.execute("INSERT INTO lia_consenso (beneficiaria_id, tipo, data, ambito_consenso, "
                               "registrato_da_id) VALUES ((SELECT min(id) FROM lia_beneficiaria), 'servizi', "
                               "'2023-01-01', '', 99999)").lastrowid
        # A spesa of the deleted woman: money, a person decides.
        spesa = con.execute("INSERT INTO lia_spesa (beneficiaria_id, voce_id, importo, data, ente_pagatore_id, "
                            "fornitore, coperta_da_altra_misura, note, ammissibile, motivi, avvisi, creato_il) "
                            "SELECT ?, voce_id, importo, data, ente_pagatore_id, fornitore, 0, '', 0, '', '', "
                            "creato_il FROM lia_spesa LIMIT 1", (eliminata,)).lastrowid
    tabelle = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'lia_%'")]
    prima = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tabelle}
    con.close()

    uscita = _flask(["db", "upgrade"], env, riesce=False)
    assert "1 righe di lia_spesa.beneficiaria_id" in uscita
    con = sqlite3.connect(tmp_path / "lia.db")
    with con:
        con.execute("DELETE FROM lia_spesa WHERE id = ?", (spesa,))
    con.close()
    _flask(["db", "upgrade"], env)
    _flask(["db", "downgrade", "0005_orari_sessioni"], env)  # the way back works too,
    _flask(["db", "upgrade"], env)  # and forward again

    con = sqlite3.connect(tmp_path / "lia.db")
    dopo = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tabelle}
    tolte = {"lia_dati_personali": 1, "lia_consenso": 1, "lia_segnalazione": 1, "lia_valutazione": 1,
             "lia_spesa": 1}
    assert dopo == {t: n - tolte.get(t, 0) for t, n in prima.items()}
    assert con.execute("SELECT registrato_da_id FROM lia_consenso WHERE id = ?", (consenso,)).fetchone() == (None,)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    ddl = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type='table'"))
    assert all("AUTOINCREMENT" in ddl[t] for t in tabelle if t != "lia_microequipe_membro")
    regole = {r[3]: r[6] for r in con.execute("PRAGMA foreign_key_list(lia_segnalazione)")}
    assert regole == {"beneficiaria_id": "RESTRICT", "ente_segnalante_id": "RESTRICT", "ambito_id": "RESTRICT",
                      "creato_da_id": "RESTRICT"}
    con.close()


# --- 2. cascades and refusals declared ---------------------------------------------------------

def _fk_del_database(app):
    from sqlalchemy import inspect

    from app.extensions import db

    with app.app_context():
        ispettore = inspect(db.engine)
        out = {}
        for tabella in ispettore.get_table_names():
            if not tabella.startswith("lia_"):
                continue
            for fk in ispettore.get_foreign_keys(tabella):
                regola = (fk.get("options") or {}).get("ondelete")
                out[(tabella, fk["constrained_columns"][0])] = (fk["referred_table"], (regola or "").upper())
        db.session.remove()
    return out


def test_ogni_chiave_esterna_dichiara_cascata_o_rifiuto_nel_modello_e_nel_database(app):
    from flask_appbuilder import Model

    attese = {}
    for tabella in Model.metadata.sorted_tables:
        if not tabella.name.startswith("lia_"):
            continue
        for fk in tabella.foreign_keys:
            # SET NULL only where a snapshot keeps the fact (a request names its user by username).
            assert fk.ondelete in ("CASCADE", "RESTRICT", "SET NULL"), f"{tabella.name}.{fk.parent.name} senza ondelete"
            attese[(tabella.name, fk.parent.name)] = (fk.column.table.name, fk.ondelete)
    assert _fk_del_database(app) == attese


def test_cosa_pende_da_una_donna_la_trattiene_e_i_suoi_dati_la_seguono(app):  # app: models loaded
    from flask_appbuilder import Model

    regole = {t.name: fk.ondelete for t in Model.metadata.sorted_tables for fk in t.foreign_keys
              if fk.column.table.name == "lia_beneficiaria"}
    cascata = {t for t, r in regole.items() if r == "CASCADE"}
    assert cascata == {"lia_dati_personali", "lia_consenso", "lia_deroga_consenso", "lia_altra_misura"}
    for storia in ("lia_segnalazione", "lia_valutazione", "lia_microequipe", "lia_progetto", "lia_spesa",
                   "lia_colloquio_cpi", "lia_intervento", "lia_esito_progetto", "lia_transizione_progetto",
                   "lia_iscrizione_laboratorio", "lia_presenza"):
        assert regole[storia] == "RESTRICT", storia


def test_il_database_cancella_in_cascata_dati_personali_e_consensi(app, api):
    titolare = api(CAV_TITOLARE)
    donna = nuova_donna(titolare, "CM", consenso=True, misura=True)
    bid = donna["beneficiaria"]

    def elimina_in_sql(s, m):
        # Plain SQL, past the ORM: only the database's own rules act.
        s.execute(m.Beneficiaria.__table__.delete().where(m.Beneficiaria.__table__.c.id == bid))
        s.flush()
        return [s.query(mod).filter(mod.beneficiaria_id == bid).count()
                for mod in (m.DatiPersonali, m.Consenso, m.AltraMisura)]
    assert nel_db(app, elimina_in_sql) == [0, 0, 0]


def test_il_database_rifiuta_di_cancellare_una_donna_con_una_segnalazione(app, api):
    from sqlalchemy.exc import IntegrityError

    titolare = api(CAV_TITOLARE)
    bid = nuova_donna(titolare, "CM")["beneficiaria"]
    crea(titolare, "segnalazione", {"beneficiaria": bid, "data": "2024-02-01", "area_richiesta": "lavoro"})

    def elimina_in_sql(s, m):
        with pytest.raises(IntegrityError):
            s.execute(m.Beneficiaria.__table__.delete().where(m.Beneficiaria.__table__.c.id == bid))
            s.flush()
    nel_db(app, elimina_in_sql)


def test_eliminare_una_donna_con_storia_e_rifiutato_con_il_motivo_in_italiano(app, api, browser):
    titolare = api(CAV_TITOLARE)
    donna = nuova_donna(titolare, "CM", consenso=True)
    bid = donna["beneficiaria"]
    crea(titolare, "segnalazione", {"beneficiaria": bid, "data": "2024-02-01", "area_richiesta": "lavoro"})

    r = titolare.delete(f"/api/v1/beneficiaria/{bid}")
    assert r.status_code == 422, r.get_json()
    motivo = " ".join(r.get_json()["message"]["_schema"])
    assert "non può essere eliminata" in motivo and "1 segnalazione" in motivo, motivo

    c = browser(CAV_TITOLARE)
    r = c.post(f"/beneficiariaview/delete/{bid}", data={"csrf_token": csrf_di(c)}, follow_redirects=True)
    assert r.status_code == 200
    assert "non può essere eliminata" in flash_di(r) and "1 segnalazione" in flash_di(r)
    assert titolare.get(f"/api/v1/beneficiaria/{bid}").status_code == 200
    assert titolare.get(f"/api/v1/datipersonali/{donna['datipersonali']}").status_code == 200
    assert titolare.get(f"/api/v1/consenso/{donna['consenso']}").status_code == 200


def test_un_errore_di_integrita_alla_cancellazione_e_un_messaggio_non_un_500(app, browser, api):
    """A delete the database refuses (here: an ente one of its users still belongs to) reads as a sentence."""
    from app.extensions import db
    from app.security_roles import RUOLO_CAV

    ente = crea(api("admin"), "ente", {"nome": f"Ente di prova {uuid.uuid4().hex[:8]}", "tipo": "altro"})
    with app.app_context():
        sm = app.appbuilder.sm
        nome = f"integrita.{uuid.uuid4().hex[:8]}"
        u = sm.add_user(nome, "Prova", "Ente", f"{nome}@esempio.invalid", sm.find_role(RUOLO_CAV),
                        password=uuid.uuid4().hex)
        u.ente_id = ente
        db.session.commit()
        db.session.remove()
    c = browser("admin")
    r = c.post(f"/enteview/delete/{ente}", data={"csrf_token": csrf_di(c)}, follow_redirects=True)
    assert r.status_code == 200
    assert "collegato ad altri dati" in flash_di(r)
    assert nel_db(app, lambda s, m: s.get(m.Ente, ente) is not None)
    r = api("admin").delete(f"/api/v1/ente/{ente}")
    assert r.status_code == 422 and "collegato ad altri dati" in r.get_json()["message"]


# --- 3. ids never reused ------------------------------------------------------------------------

def test_gli_id_non_sono_mai_riusati(app, api):
    titolare = api(CAV_TITOLARE)
    for _ in range(2):  # the deleted row is the last one: SQLite without AUTOINCREMENT would hand it out again
        donna = nuova_donna(titolare, "CM", consenso=True)
        vecchio, vecchio_consenso = donna["beneficiaria"], donna["consenso"]
        assert titolare.delete(f"/api/v1/consenso/{vecchio_consenso}").status_code == 200
        assert titolare.delete(f"/api/v1/beneficiaria/{vecchio}").status_code == 200
        nuova = nuova_donna(titolare, "CM", dati=False, consenso=True)
        assert nuova["beneficiaria"] > vecchio and nuova["consenso"] > vecchio_consenso


def test_ogni_tabella_del_dominio_e_autoincrement_su_sqlite(app):
    from flask_appbuilder import Model

    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL: le sequenze non riusano mai un id")
        with db.engine.connect() as conn:
            ddl = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type='table'").all())
    for tabella in Model.metadata.sorted_tables:
        if tabella.name.startswith("lia_") and "id" in tabella.c and tabella.c.id.primary_key:
            assert tabella.kwargs.get("sqlite_autoincrement"), tabella.name
            assert "AUTOINCREMENT" in ddl[tabella.name].upper(), tabella.name


# --- 4. only the holding CAV touches a woman's profile, consents, identity, measures, existence ---

MODIFICHE_API = {
    "beneficiaria": {"figli_minori": 3},
    "datipersonali": {"comune": "Manomesso"},
    "consenso": {"ambito_consenso": "manomesso"},
    "altramisura": {"note": "manomessa"},
}
FORM_MODIFICA = {
    "beneficiariaview": {"data_presa_in_carico": "2024-01-10", "fascia_eta": "30-39", "cittadinanza": "italiana",
                         "figli_minori": "3", "relazione_autore": "partner", "condizione_occupazionale": "disoccupata"},
    "datipersonaliview": {"nome": "Ottavia", "cognome": "Manomessa", "comune": "Manomesso"},
    "consensoview": {"tipo": "programma", "data": "2024-01-10", "ambito_consenso": "manomesso"},
    "altramisuraview": {"tipo": "fondo_poverta", "data_inizio": "2024-01-01", "assi_coperti": "", "note": "manomessa"},
}
VISTA = {"beneficiaria": "beneficiariaview", "datipersonali": "datipersonaliview", "consenso": "consensoview",
         "altramisura": "altramisuraview"}


@pytest.fixture(scope="module")
def caso(app, api):
    """A woman of CAV Crema with identity, consent and measure, and a second one with nothing yet;
    both in a micro-équipe with an operator of CAV Cremona and the CPI."""
    titolare = api(CAV_TITOLARE)
    piena = nuova_donna(titolare, "CM", consenso=True, misura=True)
    vuota = nuova_donna(titolare, "CM", dati=False)
    for donna in (piena, vuota):
        micro_equipe(app, api("equipe.crema"), donna["beneficiaria"], [MEMBRO, "servizi.cpi"])
    return {"piena": piena, "vuota": vuota["beneficiaria"]}


def _stato(app, caso):
    piena, vuota = caso["piena"], caso["vuota"]

    def leggi(s, m):
        b = s.get(m.Beneficiaria, piena["beneficiaria"])
        dp = s.get(m.DatiPersonali, piena["datipersonali"])
        c = s.get(m.Consenso, piena["consenso"])
        a = s.get(m.AltraMisura, piena["altramisura"])
        return (b and b.figli_minori, dp and dp.comune, c and c.ambito_consenso, a and a.note,
                [s.query(mod).filter(mod.beneficiaria_id == vuota).count()
                 for mod in (m.DatiPersonali, m.Consenso, m.AltraMisura)],
                s.get(m.Beneficiaria, vuota) is not None)
    return nel_db(app, leggi)


def _aggiunte_api(vuota):
    return {"datipersonali": {"beneficiaria": vuota, "nome": "Intrusa", "cognome": "Intrusi"},
            "consenso": {"beneficiaria": vuota, "tipo": "programma", "data": "2024-01-10"},
            "altramisura": {"beneficiaria": vuota, "tipo": "altro", "data_inizio": "2024-01-01"}}


def _aggiunte_schermo(vuota):
    return {"datipersonaliview": {"beneficiaria": str(vuota), "nome": "Intrusa", "cognome": "Intrusi"},
            "consensoview": {"beneficiaria": str(vuota), "tipo": "programma", "data": "2024-01-10"},
            "altramisuraview": {"beneficiaria": str(vuota), "tipo": "altro", "data_inizio": "2024-01-01"}}


@pytest.mark.parametrize("username", [u for u in UTENTI_DEMO if u != CAV_TITOLARE])
def test_chi_non_detiene_la_donna_non_modifica_ne_elimina_nulla(username, app, api, browser, caso):
    prima = _stato(app, caso)
    chi, c = api(username), browser(username)
    token = csrf_di(c)
    piena = caso["piena"]
    esiti = []
    for risorsa, corpo in MODIFICHE_API.items():
        esiti.append((f"PUT {risorsa}", chi.put(f"/api/v1/{risorsa}/{piena[risorsa]}", json=corpo)))
        esiti.append((f"DELETE {risorsa}", chi.delete(f"/api/v1/{risorsa}/{piena[risorsa]}")))
    for risorsa, corpo in _aggiunte_api(caso["vuota"]).items():
        esiti.append((f"POST {risorsa}", chi.post(f"/api/v1/{risorsa}/", json=corpo)))
    for risorsa, vista in VISTA.items():
        pk = piena[risorsa]
        esiti.append((f"GET {vista}/edit", c.get(f"/{vista}/edit/{pk}")))
        esiti.append((f"POST {vista}/edit", c.post(f"/{vista}/edit/{pk}",
                                                   data={**FORM_MODIFICA[vista], "csrf_token": token})))
        esiti.append((f"POST {vista}/delete", c.post(f"/{vista}/delete/{pk}", data={"csrf_token": token})))
    for vista, dati in _aggiunte_schermo(caso["vuota"]).items():
        esiti.append((f"POST {vista}/add", c.post(f"/{vista}/add", data={**dati, "csrf_token": token})))
    for descrizione, r in esiti:
        # 403 no permission or not hers, 404 not in her perimeter, 422 the woman to attach is not
        # visible, 302 back to the page with the refusal on the screen, 200 an add form again
        # (she is not among the choices). What counts: nothing changed (below).
        consentiti = (200, 302, 403, 404, 422) if descrizione.endswith("/add") else (302, 403, 404, 422)
        assert r.status_code in consentiti, (username, descrizione, r.status_code)
    assert _stato(app, caso) == prima, f"{username} ha modificato i dati di una donna che non detiene"


def test_il_membro_della_micro_equipe_legge_il_caso_ma_e_respinto_in_italiano(app, api, browser, caso):
    prima = _stato(app, caso)
    membro, c = api(MEMBRO), browser(MEMBRO)
    token = csrf_di(c)
    piena = caso["piena"]
    for risorsa in ("beneficiaria", "consenso", "altramisura"):
        assert membro.get(f"/api/v1/{risorsa}/{piena[risorsa]}").status_code == 200  # she reads the case
        for r in (membro.put(f"/api/v1/{risorsa}/{piena[risorsa]}", json=MODIFICHE_API[risorsa]),
                  membro.delete(f"/api/v1/{risorsa}/{piena[risorsa]}")):
            assert r.status_code == 403 and MSG_TITOLARE in r.get_json()["message"], (risorsa, r.get_json())
    assert membro.get(f"/api/v1/datipersonali/{piena['datipersonali']}").status_code == 404  # never her identity
    for risorsa, corpo in _aggiunte_api(caso["vuota"]).items():
        r = membro.post(f"/api/v1/{risorsa}/", json=corpo)
        assert r.status_code in (403, 422), (risorsa, r.get_json())
    for risorsa in ("beneficiaria", "consenso", "altramisura"):
        vista, pk = VISTA[risorsa], piena[risorsa]
        for r in (c.get(f"/{vista}/edit/{pk}", follow_redirects=True),
                  c.post(f"/{vista}/edit/{pk}", data={**FORM_MODIFICA[vista], "csrf_token": token},
                         follow_redirects=True),
                  c.post(f"/{vista}/delete/{pk}", data={"csrf_token": token}, follow_redirects=True)):
            assert r.status_code == 200 and MSG_TITOLARE in flash_di(r), vista
    # The add forms do not even offer her.
    for vista in ("consensoview", "altramisuraview", "datipersonaliview"):
        pagina = c.get(f"/{vista}/add").get_data(as_text=True)
        assert f'value="{caso["vuota"]}"' not in pagina, vista
    assert _stato(app, caso) == prima


def test_il_cav_titolare_modifica_ed_elimina(app, api, browser, caso):
    titolare, c = api(CAV_TITOLARE), browser(CAV_TITOLARE)
    token = csrf_di(c)
    piena, vuota = caso["piena"], caso["vuota"]
    for risorsa, corpo in MODIFICHE_API.items():
        r = titolare.put(f"/api/v1/{risorsa}/{piena[risorsa]}", json=corpo)
        assert r.status_code == 200, (risorsa, r.get_json())
    for vista, dati in FORM_MODIFICA.items():
        risorsa = next(k for k, v in VISTA.items() if v == vista)
        r = c.post(f"/{vista}/edit/{piena[risorsa]}", data={**dati, "csrf_token": token})
        assert r.status_code == 302, (vista, r.get_data(as_text=True)[:500])
    for risorsa, corpo in _aggiunte_api(vuota).items():
        nuovo = crea(titolare, risorsa, corpo)
        assert titolare.delete(f"/api/v1/{risorsa}/{nuovo}").status_code == 200
    for vista, dati in _aggiunte_schermo(vuota).items():
        r = c.post(f"/{vista}/add", data={**dati, "csrf_token": token})
        assert r.status_code == 302, (vista, r.get_data(as_text=True)[:500])
    for risorsa in ("consenso", "altramisura", "datipersonali"):
        assert c.post(f"/{VISTA[risorsa]}/delete/{piena[risorsa]}", data={"csrf_token": token}).status_code == 302
    assert nel_db(app, lambda s, m: [s.get(mod, piena[k]) is None for k, mod in
                                     (("consenso", m.Consenso), ("altramisura", m.AltraMisura),
                                      ("datipersonali", m.DatiPersonali))]) == [True, True, True]
    # Her micro-équipe is history: the woman herself stays, and the holder is told why.
    r = titolare.delete(f"/api/v1/beneficiaria/{piena['beneficiaria']}")
    assert r.status_code == 422 and "micro-équipe" in " ".join(r.get_json()["message"]["_schema"])


# --- 5. micro-équipe members: users of the network's enti, active, who work cases ---------------

@pytest.fixture(scope="module")
def utenti_estranei(app):
    """Users an équipe must not put in a micro-équipe: inactive, without an ente, not working cases."""
    from app.extensions import db
    from app.security_roles import RUOLO_CAV

    sm = app.appbuilder.sm
    with app.app_context():
        ruolo = sm.find_role(RUOLO_CAV)
        cav = sm.find_user(username="cav.crema").ente_id
        ids = {}
        for nome, attiva, ente in (("integrita.inattiva", False, cav), ("integrita.senzaente", True, None)):
            u = sm.find_user(username=nome) or sm.add_user(nome, "Prova", "Integrità", f"{nome}@esempio.invalid",
                                                             ruolo, password=uuid.uuid4().hex)
            u.active, u.ente_id = attiva, ente
            db.session.commit()
            ids[nome] = u.id
        for nome in ("admin", "regione"):
            ids[nome] = sm.find_user(username=nome).id
        db.session.remove()
    return ids


def test_la_micro_equipe_accoglie_solo_utenti_attivi_della_rete(app, api, browser, utenti_estranei):
    equipe = api("equipe.crema")
    bid = nuova_donna(api(CAV_TITOLARE), "CM", dati=False)["beneficiaria"]
    ente = ente_di(app, "cav.crema")
    for nome, uid in utenti_estranei.items():
        r = equipe.post("/api/v1/microequipe/", json={"beneficiaria": bid, "ente_coordinatore": ente, "membri": [uid]})
        assert r.status_code == 422, (nome, r.get_json())
        assert "micro-équipe" in str(r.get_json()["message"]), nome
    mid = micro_equipe(app, equipe, bid, [MEMBRO])  # a CAV operator of another ambito: yes
    for nome, uid in utenti_estranei.items():
        r = equipe.put(f"/api/v1/microequipe/{mid}", json={"membri": [id_utente(app, MEMBRO), uid]})
        assert r.status_code == 422, (nome, r.get_json())
    r = equipe.get(f"/api/v1/microequipe/{mid}")
    assert [m["username"] for m in r.get_json()["result"]["membri"]] == [MEMBRO]
    # The API offers only eligible users for the field.
    info = equipe.get("/api/v1/microequipe/_info?q=(keys:!(add_columns,edit_columns),"
                      "add_columns:(membri:(page_size:100)),edit_columns:(membri:(page_size:100)))").get_json()
    for chiave in ("add_columns", "edit_columns"):
        campo = next(c for c in info[chiave] if c["name"] == "membri")
        ammessi = {x["id"] for x in campo["values"]}
        assert id_utente(app, MEMBRO) in ammessi and not ammessi & set(utenti_estranei.values()), chiave

    c = browser("equipe.crema")
    token = csrf_di(c)
    for pagina in (c.get("/microequipeview/add"), c.get(f"/microequipeview/edit/{mid}")):
        testo = pagina.get_data(as_text=True)
        assert pagina.status_code == 200
        opzioni = set(re.findall(r'<option[^>]*value="(\d+)"', testo.split('name="membri"', 1)[1].split("</select>")[0]))
        assert str(id_utente(app, MEMBRO)) in opzioni
        assert not opzioni & {str(i) for i in utenti_estranei.values()}
    r = c.post(f"/microequipeview/edit/{mid}", data={"ente_coordinatore": str(ente), "note": "",
                                                     "membri": [str(utenti_estranei["integrita.inattiva"])],
                                                     "csrf_token": token})
    assert r.status_code == 200  # the form again, with the error
    assert [m["username"] for m in equipe.get(f"/api/v1/microequipe/{mid}").get_json()["result"]["membri"]] == [MEMBRO]


# --- (b) search and ordering on encrypted columns -------------------------------------------------

def _colonne_cifrate(modello):
    from app.crypto import DataCifrata, TestoCifrato

    return {c.key for c in modello.__table__.columns if isinstance(c.type, (TestoCifrato, DataCifrata))}


def _viste_e_api(app):
    from flask_appbuilder import ModelRestApi, ModelView

    viste = [v for v in app.appbuilder.baseviews if isinstance(v, ModelView)]
    apis = [v for v in app.appbuilder.baseviews if isinstance(v, ModelRestApi)]
    return viste, apis


def test_nessuna_ricerca_ne_ordinamento_su_colonne_cifrate(app):
    viste, apis = _viste_e_api(app)
    assert viste and apis
    for v in viste + apis:
        cifrate = _colonne_cifrate(v.datamodel.obj)
        assert not cifrate & set(v.search_columns), (type(v).__name__, v.search_columns)
        assert not cifrate & set(v.order_columns), (type(v).__name__, v.order_columns)


def test_la_ricerca_per_comune_non_esiste_piu(browser):
    c = browser(CAV_TITOLARE)
    pagina = c.get("/datipersonaliview/list/").get_data(as_text=True)
    assert "_flt_0_comune" not in pagina and 'name="comune"' not in pagina
    # A hand-made filter on it is ignored, not applied to ciphertext.
    tutti = c.get("/datipersonaliview/list/?psize_DatiPersonaliView=100").get_data(as_text=True)
    filtrati = c.get("/datipersonaliview/list/?psize_DatiPersonaliView=100&_flt_0_comune=Crema").get_data(as_text=True)
    assert re.findall(r"CM-\d{4}-\d{4}", filtrati) == re.findall(r"CM-\d{4}-\d{4}", tutti) != []


def test_ordinare_le_donne_per_dati_personali_non_da_500(browser, api):
    c = browser(CAV_TITOLARE)
    r = c.get("/beneficiariaview/list/?_oc_BeneficiariaView=_dati_personali&_od_BeneficiariaView=asc")
    assert r.status_code == 200
    r = api(CAV_TITOLARE).get("/api/v1/beneficiaria/?q=(order_column:_dati_personali,order_direction:asc)")
    assert r.status_code == 400 and "ordinamento" in r.get_json()["message"]


@pytest.mark.parametrize("username", ["cav.crema", "capofila", "equipe.crema", "servizi.cpi", "admin", "regione"])
def test_ogni_lista_e_ogni_api_ignora_o_rifiuta_un_ordinamento_non_previsto(username, app, browser, api):
    viste, apis = _viste_e_api(app)
    c, chi = browser(username), api(username)
    candidate = ["_dati_personali", "beneficiaria", "cognome", "xyz"]
    for v in viste:
        nome = type(v).__name__
        for colonna in candidate:
            url = f"{v.route_base}/list/?_oc_{nome}={colonna}&_od_{nome}=desc"
            # 404: a view shown only as a tab of another page has no list of its own.
            assert c.get(url).status_code in (200, 403, 404), url
    for a in apis:
        for colonna in candidate:
            if colonna in a.order_columns:
                continue
            url = f"/api/v1/{a.resource_name}/?q=(order_column:{colonna},order_direction:asc)"
            assert chi.get(url).status_code in (400, 403), url


def test_le_liste_collegate_ignorano_un_ordinamento_non_previsto(api, browser):
    bid = nuova_donna(api(CAV_TITOLARE), "CM", consenso=True)["beneficiaria"]
    c = browser(CAV_TITOLARE)
    r = c.get(f"/beneficiariaview/show/{bid}?_oc_DatiPersonaliView=beneficiaria&_od_DatiPersonaliView=asc"
              "&_oc_ConsensoView=beneficiaria&_od_ConsensoView=desc")
    assert r.status_code == 200
