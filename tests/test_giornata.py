"""The home page is what to do today, per role (issue 11, §5): counts and rows that lead to the
action, codes only, with their age; "Da fare" tells the CAV her project can start; the woman's
page has her code (her name for her own CAV only), her path and her money.

Each test creates the records it counts and asserts on them, never on totals (the demo data and
the records of other tests share the database)."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from conftest import UTENTI_DEMO, login
from tests.aiuti_percorso import (CAV, EQUIPE, crea, identita, nuova_segnalazione, passa, progetto_validato, spesa,
                                  valuta)
from tests.aiuti_percorso import voce_id

OGGI = date.today()


@pytest.fixture(scope="module")
def browser(app):
    """browser("equipe.crema") -> a client logged in through the form, once per module."""
    cache = {}

    def _fa(username):
        if username not in cache:
            cache[username] = login(app.test_client(), username)
        return cache[username]
    return _fa


def pagina(client, url="/"):
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return html.unescape(r.get_data(as_text=True))


def solo_testo(frammento):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", frammento)).replace(" :", ":")


def pannello(testo, chiave):
    """The HTML of one list of the home page ('' when the list is not shown)."""
    inizio = testo.find(f'id="oggi-{chiave}"')
    if inizio < 0:
        return ""
    fine = testo.find('class="panel panel-default lia-oggi"', inizio + 1)
    return testo[inizio:fine if fine >= 0 else len(testo)]


def riga(testo, chiave, codice, href):
    """The row of `codice` in list `chiave`, linking to `href`: its text after the link, or None."""
    trovato = re.search(rf'<a href="{re.escape(href)}">{re.escape(codice)}</a>\s*<span[^>]*>([^<]*)</span>',
                        pannello(testo, chiave))
    return trovato.group(1).strip() if trovato else None


def nella_lista(client, chiave, codice, href):
    """The row of `codice` in the user's whole list `chiave` (the page its count opens: the home
    shows only the first rows, and the suite's other tests add theirs), or None; None too when
    the user has no such list."""
    r = client.get(f"/oggi/{chiave}")
    if r.status_code in (403, 404):
        return None
    assert r.status_code == 200, (chiave, r.status_code)
    return riga(html.unescape(r.get_data(as_text=True)), "elenco", codice, href)


def nuova_donna(api_cav, ambito):
    r = api_cav.get("/api/v1/ambito/?q=(page_size:100)")
    ambiti = {a["codice"]: a["id"] for a in r.get_json()["result"]}
    donna = crea(api_cav, "beneficiaria", {"ambito": ambiti[ambito], "fascia_eta": "30-39",
                                            "condizione_occupazionale": "inoccupata"})
    return donna, api_cav.get(f"/api/v1/beneficiaria/{donna}").get_json()["result"]["codice"]


def progetto(api_di, ambito="CM", budget=0, fino_a="proposto"):
    """A fresh woman of the ambito's CAV, admitted, with a project brought to `fino_a`."""
    cav, equipe = api_di(CAV[ambito]), api_di(EQUIPE[ambito])
    donna, codice = nuova_donna(cav, ambito)
    segn = nuova_segnalazione(cav, donna)
    valuta(equipe, segn)
    pid = crea(cav, "progetto", {"segnalazione": segn, "area": "lavoro", "obiettivi": "autonomia lavorativa",
                                 "data_inizio": "2022-06-01", "data_fine": "2024-05-31", "budget_asse_ii": budget})
    passi = [(cav, "proposto"), (equipe, "validato_equipe"), (api_di("capofila"), "validato_capofila"),
             (cav, "in_corso"), (cav, "concluso")]
    for chi, verso in passi:
        if verso == "validato_capofila" and not budget:
            continue
        passa(chi, pid, verso)
        if verso == fino_a:
            break
    codice_progetto = cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]["codice"]
    return {"pid": pid, "donna": donna, "codice": codice, "segn": segn, "progetto": codice_progetto}


def sposta_data(app, modello, pk, **valori):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        record = db.session.get(getattr(m, modello), pk)
        for k, v in valori.items():
            setattr(record, k, v)
        db.session.commit()
        db.session.remove()


# --- équipe -------------------------------------------------------------------------------------

def test_equipe_vede_la_segnalazione_da_valutare_del_suo_ambito_con_la_sua_eta(api_di, browser, app):
    cav, equipe = api_di("cav.crema"), api_di("equipe.crema")
    donna, codice = nuova_donna(cav, "CM")
    segn = nuova_segnalazione(cav, donna)
    sposta_data(app, "Segnalazione", segn, data=OGGI - timedelta(days=12))
    href = f"/segnalazioneview/show/{segn}"
    assert nella_lista(browser("equipe.crema"), "segnalazioni", codice, href) == "da 12 giorni"
    # The full list behind the count has it too; another ambito's équipe and the CAV do not.
    assert codice in pagina(browser("equipe.crema"), "/oggi/segnalazioni")
    assert codice not in pagina(browser("equipe.cremona"))
    assert nella_lista(browser("cav.crema"), "segnalazioni", codice, href) is None
    # The row leads to the action: the segnalazione's «Valuta».
    assert 'id="valuta"' in pagina(browser("equipe.crema"), href)
    valuta(equipe, segn, esito="sospesa", pronta=None, motivazione="documenti mancanti")
    assert nella_lista(browser("equipe.crema"), "segnalazioni", codice, href) == "da 12 giorni · sospesa"
    valuta(equipe, segn)
    assert nella_lista(browser("equipe.crema"), "segnalazioni", codice, href) is None


def test_equipe_vede_i_progetti_proposti_del_suo_ambito(api_di, browser):
    c = progetto(api_di, "CM", fino_a="proposto")
    href = f"/progettoview/show/{c['pid']}"
    assert nella_lista(browser("equipe.crema"), "da_validare", c["progetto"], href) == "da oggi · Proposto"
    assert c["progetto"] not in pagina(browser("equipe.casalmaggiore"))
    assert nella_lista(browser("capofila"), "da_validare", c["progetto"], href) is None
    passa(api_di("equipe.crema"), c["pid"], "validato_equipe")
    assert nella_lista(browser("equipe.crema"), "da_validare", c["progetto"], href) is None


def test_capofila_valida_solo_i_progetti_con_fondi_regionali(api_di, browser, app):
    con_fondi = progetto(api_di, "CR", budget=2000, fino_a="validato_equipe")
    senza_fondi = progetto(api_di, "CR", budget=0, fino_a="validato_equipe")
    sposta_data(app, "Progetto", con_fondi["pid"], data_validazione_equipe=OGGI - timedelta(days=3))
    testo = pagina(browser("capofila"))
    assert riga(testo, "da_validare", con_fondi["progetto"], f"/progettoview/show/{con_fondi['pid']}") == (
        "da 3 giorni · Validato dall'équipe")
    assert senza_fondi["progetto"] not in pannello(testo, "da_validare")
    assert con_fondi["progetto"] in pagina(browser("capofila"), "/oggi/da_validare")


# --- CAV ----------------------------------------------------------------------------------------

def test_cav_vede_il_progetto_validato_da_avviare_sulla_home_e_in_da_fare(api_di, browser, app):
    c = progetto(api_di, "CM", budget=0, fino_a="validato_equipe")
    sposta_data(app, "Progetto", c["pid"], data_validazione_equipe=OGGI - timedelta(days=2))
    href = f"/progettoview/show/{c['pid']}"
    assert nella_lista(browser("cav.crema"), "da_avviare", c["progetto"], href) == (
        "da 2 giorni · Validato dall'équipe")
    da_fare = pagina(browser("cav.crema"), "/da-fare/")
    assert (f"{c['progetto']}</a> — Validato dall'équipe il {OGGI - timedelta(days=2):%d/%m/%Y}: "
            "può essere avviato") in da_fare
    # Not the équipe's to start, nor another CAV's.
    assert nella_lista(browser("equipe.crema"), "da_avviare", c["progetto"], href) is None
    assert c["progetto"] not in pagina(browser("cav.cremona"), "/da-fare/")
    passa(api_di("cav.crema"), c["pid"], "in_corso")
    assert nella_lista(browser("cav.crema"), "da_avviare", c["progetto"], href) is None


def test_con_fondi_regionali_si_avvia_solo_dopo_il_capofila(api_di, browser):
    c = progetto(api_di, "CA", budget=1000, fino_a="validato_equipe")
    href = f"/progettoview/show/{c['pid']}"
    assert nella_lista(browser("cav.casalmaggiore"), "da_avviare", c["progetto"], href) is None
    passa(api_di("capofila"), c["pid"], "validato_capofila")
    assert nella_lista(browser("cav.casalmaggiore"), "da_avviare", c["progetto"], href) is not None


def test_follow_up_dovuto_all_ente_che_coordina(api_di, browser, app):
    from app.rules.workflow import aggiungi_mesi

    c = progetto(api_di, "CM", fino_a="concluso")
    chiusura = aggiungi_mesi(OGGI, -6) - timedelta(days=5)
    sposta_data(app, "Progetto", c["pid"], data_chiusura=chiusura)
    href = f"/progettoview/show/{c['pid']}"
    giorni = (OGGI - aggiungi_mesi(chiusura, 6)).days  # waiting since the due date
    assert nella_lista(browser("cav.crema"), "follow_up", c["progetto"], href) == (
        f"da {giorni} giorni · follow-up a 6 mesi")
    assert nella_lista(browser("equipe.crema"), "follow_up", c["progetto"], href) is None


def test_progetto_al_novanta_per_cento_del_massimale(api_di, browser, app):
    pid, _ = progetto_validato(api_di)  # cav.crema's, € 3.000 ceiling on Asse II
    cav = api_di("cav.crema")
    codice = cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]["codice"]
    tirocinio = voce_id(app, "II-TIROCINIO-INDENNITA")
    href = f"/progettoview/show/{pid}"
    assert spesa(cav, pid, tirocinio, "2699,99").status_code == 201
    assert nella_lista(browser("cav.crema"), "massimali", codice, href) is None
    # Near the ceiling since the spesa that brought it there.
    assert spesa(cav, pid, tirocinio, "0,01", data="2023-02-01").status_code == 201
    giorni = (OGGI - date(2023, 2, 1)).days
    attesa = f"da {giorni} giorni · Budget di autonomia al 90% (€ 2.700,00 di € 3.000,00)"
    assert nella_lista(browser("cav.crema"), "massimali", codice, href) == attesa
    assert nella_lista(browser("capofila"), "massimali", codice, href) == attesa
    for altro in ("cav.cremona", "equipe.crema"):
        assert codice not in pannello(pagina(browser(altro)), "massimali")


def test_capofila_vede_le_sessioni_senza_presenze(browser, app):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        ambito = db.session.query(m.Ambito).filter_by(codice="CR").one()
        donna = db.session.query(m.Beneficiaria).filter_by(ambito_id=ambito.id).first()
        lab = m.Laboratorio(edizione=f"Edizione di prova {OGGI:%Y%m%d}-{id(ambito)}", ambito=ambito)
        db.session.add(lab)
        db.session.flush()
        db.session.add(m.IscrizioneLaboratorio(laboratorio=lab, beneficiaria=donna))
        fatta = m.SessioneLaboratorio(laboratorio=lab, data=OGGI - timedelta(days=9), tema="CV")
        futura = m.SessioneLaboratorio(laboratorio=lab, data=OGGI + timedelta(days=9), tema="colloquio")
        db.session.add_all([fatta, futura])
        db.session.commit()
        ids, nomi = (fatta.id, futura.id), (str(fatta), str(futura))
        donna_id = donna.id
        db.session.remove()
    testo = pagina(browser("capofila"))
    assert riga(testo, "sessioni", nomi[0], f"/presenze/{ids[0]}") == "da 9 giorni"
    assert nomi[1] not in testo
    assert nomi[0] not in pagina(browser("cav.cremona"))
    with app.app_context(), come_sistema():
        db.session.add(m.Presenza(sessione_id=ids[0], beneficiaria_id=donna_id, presente=False))
        db.session.commit()
        db.session.remove()
    assert nomi[0] not in pagina(browser("capofila"))


# --- counts, links, empty state, roles ------------------------------------------------------------

def test_un_solo_elemento_il_conteggio_apre_il_record_altrimenti_l_elenco(app):
    from app.servizi.giornata import Riga, Voce
    from app.views.giornata import _link_conteggio

    with app.test_request_context():
        assert _link_conteggio(Voce("da_avviare", "x", [Riga(7, "P", None)])) == "/progettoview/show/7"
        assert _link_conteggio(Voce("sessioni", "x", [Riga(3, "S", None)])) == "/presenze/3"
        due = Voce("segnalazioni", "x", [Riga(1, "A", None), Riga(2, "B", None)])
        assert _link_conteggio(due) == "/oggi/segnalazioni"


def test_il_conteggio_porta_all_elenco(api_di, browser):
    cav = api_di("cav.casalmaggiore")
    for _ in range(2):
        donna, _codice = nuova_donna(cav, "CA")
        nuova_segnalazione(cav, donna)
    testo = pagina(browser("equipe.casalmaggiore"))
    assert re.search(r'<a class="lia-conteggio" href="/oggi/segnalazioni"><span class="badge">\d+</span> '
                     r'Segnalazioni da valutare</a>', pannello(testo, "segnalazioni"))


def test_chi_non_ha_nulla_legge_niente_da_fare_oggi(app):
    from app import models as m
    from app.extensions import db
    from app.security_roles import RUOLO_SERVIZI

    with app.app_context():
        sm = app.appbuilder.sm
        nome = f"servizi.vuoto.{OGGI:%Y%m%d}"
        if sm.find_user(username=nome) is None:
            ente = db.session.query(m.Ente).filter_by(nome="ATS Val Padana").one()
            u = sm.add_user(nome, "Operatore", "Vuoto", f"{nome}@esempio.invalid", [sm.find_role(RUOLO_SERVIZI)],
                            password="demo-lia2-test")
            u.ente_id = ente.id
            db.session.commit()
        db.session.remove()
    testo = pagina(login(app.test_client(), nome))
    assert "Niente da fare oggi." in testo
    assert 'class="panel panel-default lia-oggi"' not in testo


@pytest.mark.parametrize("utente", ["regione", "admin"])
def test_regione_e_amministratore_non_hanno_liste(browser, utente):
    testo = pagina(browser(utente))
    assert "lia-oggi" not in testo and "Niente da fare oggi" not in testo
    assert ('id="link-cruscotto"' in testo) == (utente == "regione")
    assert browser(utente).get("/oggi/segnalazioni").status_code == 403


@pytest.mark.parametrize("utente,chiave", [("cav.crema", "sessioni"), ("cav.crema", "segnalazioni"),
                                           ("equipe.crema", "massimali"), ("capofila", "inesistente")])
def test_l_elenco_di_un_altro_ruolo_non_esiste(browser, utente, chiave):
    assert browser(utente).get(f"/oggi/{chiave}").status_code == 404


def test_anonima_vede_solo_l_accesso(app):
    r = app.test_client().get("/")
    assert r.status_code == 200
    assert "Accedi" in r.get_data(as_text=True) and "lia-oggi" not in r.get_data(as_text=True)
    assert app.test_client().get("/oggi/segnalazioni").status_code == 302


@pytest.mark.parametrize("utente", UTENTI_DEMO)
def test_nessun_dato_personale_su_nessuna_home(browser, pii, utente):
    valori = {v for d in pii.values() for v in d["valori"]}
    testi = [pagina(browser(utente))]
    for chiave in ("segnalazioni", "da_validare", "da_avviare", "follow_up", "massimali", "sessioni"):
        r = browser(utente).get(f"/oggi/{chiave}")
        if r.status_code == 200:
            testi.append(html.unescape(r.get_data(as_text=True)))
    for testo in testi:
        # Whole words: a short first name ("Ida") may sit inside a random CSRF token or nonce.
        trovati = sorted(v for v in valori if re.search(rf"(?<!\w){re.escape(v)}(?!\w)", testo))
        assert not trovati, (utente, len(trovati))


# --- the woman's page -----------------------------------------------------------------------------

def _letture_di(app, codice, dopo_id):
    """The read rows naming her code written after row `dopo_id`."""
    from app.extensions import db
    from app.models.audit import AuditEvento

    with app.app_context():
        righe = db.session.query(AuditEvento).filter(AuditEvento.azione == "lettura_dati_personali",
                                                     AuditEvento.id > dopo_id).all()
        n = sum(1 for r in righe if codice in (r.codici or "").split())
        db.session.remove()
    return n


def _ultima_riga(app):
    from sqlalchemy import func

    from app.extensions import db
    from app.models.audit import AuditEvento

    with app.app_context():
        ultima = db.session.query(func.max(AuditEvento.id)).scalar() or 0
        db.session.remove()
    return ultima


def test_pagina_della_donna_per_la_sua_cav_e_per_gli_altri(api_di, browser, app, pii):
    pid, donna = progetto_validato(api_di)
    cav = api_di("cav.crema")
    codice_progetto = cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]["codice"]
    assert spesa(cav, pid, voce_id(app, "II-TIROCINIO-INDENNITA"), "1234,50").status_code == 201
    assert spesa(cav, pid, voce_id(app, "II-TIROCINIO-INDENNITA"), "5000", registra_non_ammissibile=True
                 ).status_code == 201
    url = f"/beneficiariaview/show/{donna['id']}"
    nome, cognome = identita(cav, donna["id"], pii)
    suoi = [v for v in (pii[donna["id"]]["valori"] if donna["id"] in pii else [nome, cognome]) if v]
    prima = _ultima_riga(app)

    testo = pagina(browser("cav.crema"), url)
    testata = testo[testo.index('id="testata-beneficiaria"'):testo.index('id="riepilogo-beneficiaria"')]
    assert donna["codice"] in testata and f"{nome} {cognome}" in testata
    assert _letture_di(app, donna["codice"], prima) == 1  # the page with her name: one recorded read
    riepilogo = testo[testo.index('id="riepilogo-beneficiaria"'):]
    assert "Lavoro: Ammessa il 20/05/2022" in solo_testo(riepilogo)
    assert f"{codice_progetto} — In corso" in solo_testo(riepilogo)
    assert "Validato dal capofila 15/06/2022" in riepilogo
    spese = riepilogo[riepilogo.index('id="spese-beneficiaria"'):]
    assert re.search(r'id="totale-ammissibile">€ [\d.]+,\d\d<', spese)
    assert f"<td>{codice_progetto}</td><td class=\"text-right\">€ 6.234,50</td>" \
           f"<td class=\"text-right\">€ 1.234,50</td>" in spese

    # The équipe of her ambito: her code and her path, neither her name nor the money it may not read.
    prima = _ultima_riga(app)
    testo = pagina(browser("equipe.crema"), url)
    assert _letture_di(app, donna["codice"], prima) == 0
    testata = testo[testo.index('id="testata-beneficiaria"'):testo.index('id="riepilogo-beneficiaria"')]
    assert donna["codice"] in testata and 'id="nome-beneficiaria"' not in testo
    assert not [v for v in suoi if v in testo]
    assert codice_progetto in testo and 'id="spese-beneficiaria"' not in testo
    # The capofila reads the money, never the name.
    testo = pagina(browser("capofila"), url)
    assert 'id="spese-beneficiaria"' in testo and 'id="nome-beneficiaria"' not in testo
    assert not [v for v in suoi if v in testo]
    # Outside the perimeter, or without the permission: as before.
    assert browser("cav.cremona").get(url).status_code == 404
    assert browser("regione").get(url).status_code == 403


def test_segnalazione_in_attesa_nel_riepilogo(api_di, browser):
    cav = api_di("cav.cremona")
    donna, codice = nuova_donna(cav, "CR")
    nuova_segnalazione(cav, donna)
    testo = pagina(browser("cav.cremona"), f"/beneficiariaview/show/{donna}")
    riepilogo = testo[testo.index('id="riepilogo-beneficiaria"'):]
    assert "Lavoro: In attesa di valutazione" in solo_testo(riepilogo) and "Nessun progetto." in riepilogo
    # No identity recorded yet: the header has her code only.
    assert 'id="nome-beneficiaria"' not in testo and codice in testo


# --- access rows of the new screens (every demo role) --------------------------------------------

_OPERATIVI = {"capofila", "cav.cremona", "cav.crema", "cav.casalmaggiore", "equipe.cremona", "equipe.crema",
              "equipe.casalmaggiore", "servizi.cpi"}
_EQUIPE = {"equipe.cremona", "equipe.crema", "equipe.casalmaggiore"}
_CAV = {"cav.cremona", "cav.crema", "cav.casalmaggiore"}
# Which list of the home page each role has: 200; a list of another role's work: 404; no case work: 403.
_ELENCHI = {"segnalazioni": _EQUIPE, "da_validare": _EQUIPE | {"capofila"}, "da_avviare": _OPERATIVI,
            "follow_up": _OPERATIVI, "massimali": _CAV | {"capofila"}, "sessioni": {"capofila"}}


@pytest.mark.parametrize("utente", UTENTI_DEMO)
def test_matrice_accessi_home_ed_elenchi(browser, utente):
    assert browser(utente).get("/").status_code == 200
    for chiave, chi in _ELENCHI.items():
        atteso = 200 if utente in chi else (404 if utente in _OPERATIVI else 403)
        assert browser(utente).get(f"/oggi/{chiave}").status_code == atteso, (utente, chiave)
        # Read-only screens: nothing to post.
        assert browser(utente).post(f"/oggi/{chiave}").status_code in (400, 405), (utente, chiave)
