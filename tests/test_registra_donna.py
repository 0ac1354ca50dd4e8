"""Registering a woman is one step (issue 11, §9): profile and personal data in one form, saved
in one transaction (both rows or none), confirmed by her code; only an Operatrice CAV may."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.rules.codice_fiscale import con_carattere_controllo
from tests.conftest import csrf_da

URL = "/registra-donna/"
NOME, COGNOME = "Gelsomina", "Registratuccia"  # invented, found nowhere else
CF = con_carattere_controllo("RGSGSM80A41Z999")
CF_SBAGLIATO = CF[:15] + ("A" if CF[15] != "A" else "B")
ALTRI_RUOLI = ["admin", "capofila", "equipe.cremona", "equipe.crema", "equipe.casalmaggiore", "servizi.cpi",
               "regione"]


def _conta(app):
    """(women, personal-data rows, audit rows of their creation): every CAV's, counted as the system."""
    from app import models as m
    from app.extensions import db
    from app.models.audit import AuditEvento
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        try:
            conta = lambda q: db.session.execute(q).scalar()  # noqa: E731
            return (conta(select(func.count()).select_from(m.Beneficiaria)),
                    conta(select(func.count()).select_from(m.DatiPersonali)),
                    conta(select(func.count()).select_from(AuditEvento).where(AuditEvento.azione == "creazione")))
        finally:
            db.session.remove()


def _creazioni_di(app, codice) -> set[str]:
    """The record types whose creation the audit trail holds for the woman with this code."""
    from app.extensions import db
    from app.models.audit import AuditEvento
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        try:
            return set(db.session.execute(select(AuditEvento.tipo_record).where(
                AuditEvento.azione == "creazione", AuditEvento.codici == codice)).scalars())
        finally:
            db.session.remove()


def _modulo(cf=CF, **altro):
    return {"ambito": "", "data_presa_in_carico": "15/10/2023", "fascia_eta": "30-39", "cittadinanza": "italiana",
            "figli_minori": "1", "relazione_autore": "partner", "condizione_occupazionale": "disoccupata",
            "nome": NOME, "cognome": COGNOME, "codice_fiscale": cf, "data_nascita": "01/01/1980",
            "telefono": "", "email": "", "indirizzo": "", "comune": "Crema", **altro}


def _ambito_crema(client):
    pagina = client.get(URL).get_data(as_text=True)
    return re.search(r'<option selected value="(\d+)">', pagina).group(1), csrf_da(pagina)


def _elimina_cf(app, cf):
    """Tests share the database: free the codice fiscale for the next run of the suite's tests."""
    from app import models as m
    from app.crypto import indice_cieco
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        for dp in db.session.execute(select(m.DatiPersonali).where(m.DatiPersonali.cf_indice == indice_cieco(cf))
                                     ).scalars():
            dp.codice_fiscale = None
        db.session.commit()
        db.session.remove()


# --- the service ------------------------------------------------------------------------------

def _come(app, username, fn):
    from app.extensions import db
    from app.security import come_utente

    with app.app_context():
        utente = app.appbuilder.sm.find_user(username=username)
        with come_utente(utente):
            try:
                return fn(utente)
            finally:
                db.session.remove()


def _profilo():
    return {"data_presa_in_carico": date(2023, 10, 15), "fascia_eta": "30-39", "cittadinanza": "italiana",
            "figli_minori": 0, "relazione_autore": "partner", "condizione_occupazionale": "disoccupata"}


def _registra(dati, utente):
    from app import models as m
    from app.servizi.beneficiarie import registra_donna

    return registra_donna(m.Beneficiaria(**_profilo()), m.DatiPersonali(**dati), utente)


def test_registra_donna_scrive_entrambe_le_righe_in_una_transazione(app):
    from app import servizi

    cf = con_carattere_controllo("RGSGSM81A41Z998")
    prima = _conta(app)

    def registra(utente):
        with servizi.transazione():
            b = _registra({"nome": NOME, "cognome": COGNOME, "codice_fiscale": cf.lower()}, utente)
        return b.codice, b.ente.nome, b._dati_personali[0].codice_fiscale

    codice, centro, salvato = _come(app, "cav.crema", registra)
    assert re.fullmatch(r"CM-2023-\d{4}", codice) and "Crema" in centro and salvato == cf
    dopo = _conta(app)
    assert dopo[:2] == (prima[0] + 1, prima[1] + 1)
    assert _creazioni_di(app, codice) >= {"Beneficiaria", "DatiPersonali"}, "creazione non nel registro di audit"
    _elimina_cf(app, cf)


@pytest.mark.parametrize("dati, campo", [
    ({"nome": NOME, "cognome": COGNOME, "codice_fiscale": CF_SBAGLIATO}, "codice_fiscale"),
    ({"nome": NOME, "cognome": " "}, "cognome"),
    ({"nome": NOME, "cognome": COGNOME, "data_nascita": date(0o1, 1, 1)}, "data_nascita"),
])
def test_un_rifiuto_non_scrive_nulla(app, dati, campo):
    from app import servizi

    prima = _conta(app)

    def registra(utente):
        with pytest.raises(servizi.Rifiuto) as exc, servizi.transazione():
            _registra(dati, utente)
        return exc.value

    rifiuto = _come(app, "cav.crema", registra)
    assert rifiuto.per_campo.get(campo), rifiuto.per_campo
    assert _conta(app) == prima, "una donna senza identità o una riga a metà"


def test_il_servizio_rifiuta_chi_non_e_un_cav(app):
    from app import servizi

    prima = _conta(app)

    def registra(utente):
        with pytest.raises(servizi.Rifiuto), servizi.transazione():
            _registra({"nome": NOME, "cognome": COGNOME}, utente)

    _come(app, "equipe.crema", registra)
    assert _conta(app) == prima


# --- the page ---------------------------------------------------------------------------------

def test_la_cav_registra_una_donna_in_un_passo(app, client_di):
    cav = client_di("cav.crema")
    pagina = cav.get(URL)
    assert pagina.status_code == 200
    testo = html.unescape(pagina.get_data(as_text=True))
    di_chi = testo.split('id="lia-di-chi"')[1].split("</p>")[0]
    assert "Centro Antiviolenza di Crema" in di_chi, "la pagina non dice di quale centro sarà il caso"
    assert "<legend>Profilo</legend>" in testo and "<legend>Dati personali</legend>" in testo
    ambito, token = _ambito_crema(cav)
    prima = _conta(app)
    r = cav.post(URL, data={**_modulo(ambito=ambito), "csrf_token": token})
    assert r.status_code == 302
    assert "/beneficiariaview/show/" in r.headers["Location"]
    lei = cav.get(r.headers["Location"])
    testo = html.unescape(lei.get_data(as_text=True))
    conferma = re.search(r"Beneficiaria (CM-2023-\d{4}) registrata\.", testo)
    assert conferma, "nessuna conferma col suo codice"
    assert COGNOME in testo, "la sua CAV non vede il suo nome sulla sua pagina"
    assert _conta(app)[:2] == (prima[0] + 1, prima[1] + 1)

    altra = client_di("cav.cremona").get(r.headers["Location"])
    assert altra.status_code == 404 and COGNOME not in altra.get_data(as_text=True)
    capofila = client_di("capofila").get(r.headers["Location"])
    assert capofila.status_code == 200 and COGNOME not in capofila.get_data(as_text=True)
    assert conferma.group(1) in capofila.get_data(as_text=True)
    _elimina_cf(app, CF)


@pytest.mark.parametrize("errato, campo, messaggio", [
    ({"codice_fiscale": CF_SBAGLIATO}, "codice_fiscale", "Carattere di controllo errato"),
    ({"cognome": ""}, "cognome", "Campo obbligatorio."),
    ({"fascia_eta": ""}, "fascia_eta", "Campo obbligatorio."),
    ({"data_presa_in_carico": "15/13/2023"}, "data_presa_in_carico", "Data non valida"),
    ({"email": "non-una-mail"}, "email", "Indirizzo e-mail non valido."),
])
def test_un_errore_resta_sul_campo_coi_valori_scritti_e_nulla_e_salvato(app, client_di, errato, campo, messaggio):
    cav = client_di("cav.crema")
    ambito, token = _ambito_crema(cav)
    prima = _conta(app)
    r = cav.post(URL, data={**_modulo(ambito=ambito), **errato, "csrf_token": token})
    assert r.status_code == 200
    testo = html.unescape(r.get_data(as_text=True))
    assert messaggio in testo
    riga = testo.split(f'id="{campo}"')[1].split("</tr>")[0]
    assert "alert-danger" in riga, f"l'errore non è sul campo {campo}"
    assert f'value="{NOME}"' in testo and "value=\"Crema\"" in testo, "i valori scritti sono persi"
    assert _conta(app) == prima


def test_lo_stesso_codice_fiscale_due_volte_e_rifiutato_senza_scrivere(app, client_di):
    cav = client_di("cav.crema")
    cf = con_carattere_controllo("RGSGSM82A41Z997")
    ambito, token = _ambito_crema(cav)
    assert cav.post(URL, data={**_modulo(cf=cf, ambito=ambito), "csrf_token": token}).status_code == 302
    prima = _conta(app)
    ambito, token = _ambito_crema(cav)
    r = cav.post(URL, data={**_modulo(cf=cf, ambito=ambito), "csrf_token": token})
    assert r.status_code == 200 and "Codice fiscale già registrato" in html.unescape(r.get_data(as_text=True))
    assert _conta(app) == prima
    _elimina_cf(app, cf)


def test_senza_token_csrf_nulla_e_salvato(app, client_di):
    cav = client_di("cav.crema")
    ambito, _ = _ambito_crema(cav)
    prima = _conta(app)
    r = cav.post(URL, data=_modulo(ambito=ambito))
    assert r.status_code in (200, 400)
    assert _conta(app) == prima


@pytest.mark.parametrize("username", ALTRI_RUOLI)
def test_gli_altri_ruoli_non_hanno_la_pagina_ne_la_voce_di_menu(client_di, username):
    c = client_di(username)
    assert c.get(URL).status_code == 403
    assert c.post(URL, data=_modulo()).status_code in (400, 403)
    assert "Registra una donna" not in c.get("/").get_data(as_text=True)


def test_la_cav_ha_la_voce_di_menu(client_di):
    assert 'href="/registra-donna/"' in client_di("cav.crema").get("/").get_data(as_text=True)


def test_chi_non_ha_fatto_accesso_va_al_login(app):
    r = app.test_client().get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_l_elenco_delle_beneficiarie_porta_alla_registrazione_solo_per_la_cav(client_di):
    assert 'href="/registra-donna/"' in client_di("cav.crema").get("/beneficiariaview/list/").get_data(as_text=True)
    for username in ("capofila", "equipe.crema", "servizi.cpi"):
        pagina = client_di(username).get("/beneficiariaview/list/").get_data(as_text=True)
        assert "/registra-donna/" not in pagina, username


def test_la_pagina_ha_un_solo_titolo(client_di):
    assert client_di("cav.crema").get(URL).get_data(as_text=True).count("<h1") == 1


# --- the API ----------------------------------------------------------------------------------

API = "/api/v1/beneficiaria/registra"


def _corpo(cf=CF, **dati):
    return {"data_presa_in_carico": "2023-10-15", "fascia_eta": "30-39", "cittadinanza": "italiana",
            "figli_minori": 1, "relazione_autore": "partner", "condizione_occupazionale": "disoccupata",
            "dati_personali": {"nome": NOME, "cognome": COGNOME, "codice_fiscale": cf, "data_nascita": "1980-01-01",
                               "comune": "Crema", **dati}}


def _ambito_api(api, nome="Crema"):
    ambiti = api.get("/api/v1/ambito/?q=(page_size:100)").get_json()["result"]
    return next(a["id"] for a in ambiti if nome in a["nome"])


def test_l_api_registra_una_donna_in_una_richiesta(app, api_di):
    cf = con_carattere_controllo("RGSGSM83A41Z996")
    cav = api_di("cav.crema")
    prima = _conta(app)
    r = cav.post(API, json={**_corpo(cf), "ambito": _ambito_api(cav)})
    assert r.status_code == 201, r.get_json()
    corpo = r.get_json()
    assert re.fullmatch(r"CM-2023-\d{4}", corpo["codice"]), corpo
    assert _conta(app)[:2] == (prima[0] + 1, prima[1] + 1)
    assert _creazioni_di(app, corpo["codice"]) >= {"Beneficiaria", "DatiPersonali"}
    letti = cav.get(f"/api/v1/datipersonali/{corpo['dati_personali_id']}").get_json()["result"]
    assert (letti["cognome"], letti["codice_fiscale"], letti["beneficiaria"]["id"]) == (COGNOME, cf, corpo["id"])
    assert cav.get(f"/api/v1/beneficiaria/{corpo['id']}").get_json()["result"]["codice"] == corpo["codice"]
    _elimina_cf(app, cf)


@pytest.mark.parametrize("corpo, chiave, campo", [
    (_corpo(CF_SBAGLIATO), "dati_personali", "codice_fiscale"),
    (_corpo(cognome=""), "dati_personali", "cognome"),
    (_corpo(email="non-una-mail"), "dati_personali", "email"),
    (_corpo(data_nascita="1980-13-01"), "dati_personali", "data_nascita"),
    ({**_corpo(), "fascia_eta": "centenaria"}, "fascia_eta", None),
    ({**_corpo(), "ambito": 999999}, "ambito", None),
    ({**_corpo(), "data_presa_in_carico": "2999-01-01"}, "data_presa_in_carico", None),
])
def test_l_api_rifiuta_con_422_e_non_scrive_nulla(app, api_di, corpo, chiave, campo):
    cav = api_di("cav.crema")
    prima = _conta(app)
    r = cav.post(API, json={"ambito": _ambito_api(cav), **corpo})
    assert r.status_code == 422, r.get_data(as_text=True)
    errori = r.get_json()["message"]
    assert chiave in errori and (campo is None or campo in errori[chiave]), errori
    assert _conta(app) == prima


@pytest.mark.parametrize("corpo", [None, [], {"fascia_eta": "30-39"}, {"dati_personali": "Rossi"}])
def test_l_api_risponde_400_a_una_richiesta_malformata(app, api_di, corpo):
    prima = _conta(app)
    r = api_di("cav.crema").post(API, json=corpo)
    assert r.status_code == 400 and r.get_json()["message"], r.get_data(as_text=True)
    assert _conta(app) == prima


@pytest.mark.parametrize("username", ALTRI_RUOLI)
def test_l_api_di_registrazione_e_solo_della_cav(app, api_di, username):
    prima = _conta(app)
    r = api_di(username).post(API, json=_corpo())
    assert r.status_code == 403, (username, r.status_code)
    assert COGNOME not in r.get_data(as_text=True)
    assert _conta(app) == prima


def test_il_modulo_del_solo_profilo_rimanda_alla_registrazione_completa(client_di):
    pagina = html.unescape(client_di("cav.crema").get("/beneficiariaview/add").get_data(as_text=True))
    avviso = pagina.split('id="lia-solo-profilo"')[1].split("</p>")[0]
    assert 'href="/registra-donna/"' in avviso and "senza nome né codice fiscale" in avviso
    assert "Nuova beneficiaria, solo profilo" in pagina
