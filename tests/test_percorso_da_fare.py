"""The busy operator's page /da-fare/: what waits for her, within her perimeter — segnalazioni
to evaluate, projects to validate, CPI interviews not yet held, projects ending soon, follow-ups
due 6 (and 12) months after closure. Plus servizi.da_fare called directly at the boundaries."""
from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from conftest import ApiClient, token_per

from tests.aiuti_percorso import CAV, EQUIPE, crea, nuova_segnalazione, valuta, passa  # noqa: E402
OGGI = date.today()


# --- helpers -----------------------------------------------------------------------------

_CLIENT: dict[str, ApiClient] = {}


@pytest.fixture(scope="module")
def api(app):
    """api("cav.crema") -> a JWT client, one login per user for the whole module."""
    _CLIENT.clear()

    def _fa(username):
        if username not in _CLIENT:
            c = app.test_client()
            _CLIENT[username] = ApiClient(c, token_per(c, username))
        return _CLIENT[username]
    return _fa


@pytest.fixture(scope="module")
def browser(app):
    """browser("equipe.crema") -> a client logged in through the form, once per module."""
    from conftest import login

    cache = {}

    def _fa(username):
        if username not in cache:
            cache[username] = login(app.test_client(), username)
        return cache[username]
    return _fa




def nuova_donna(cav):
    ambiti = {a["codice"]: a["id"] for a in cav.get("/api/v1/ambito/").get_json()["result"]}
    ambito = next(a for a, u in CAV.items() if cav is _CLIENT.get(u))
    donna = crea(cav, "beneficiaria", {"ambito": ambiti[ambito], "fascia_eta": "40-49",
                                       "condizione_occupazionale": "inoccupata"})
    return donna, cav.get(f"/api/v1/beneficiaria/{donna}").get_json()["result"]["codice"]








def caso(api, ambito="CM", budget=0, fino_a="bozza", inizio="2022-06-01", fine="2023-05-31"):
    """A fresh woman, her segnalazione admitted, a project brought to `fino_a`."""
    cav, equipe = api(CAV[ambito]), api(EQUIPE[ambito])
    donna, codice = nuova_donna(cav)
    segn = nuova_segnalazione(cav, donna)
    valuta(equipe, segn)
    pid = crea(cav, "progetto", {"segnalazione": segn, "area": "lavoro", "obiettivi": "autonomia lavorativa",
                                 "data_inizio": str(inizio), "data_fine": str(fine), "budget_asse_ii": budget})
    percorso = [(cav, "proposto"), (equipe, "validato_equipe")]
    if budget:
        percorso.append((api("capofila"), "validato_capofila"))
    percorso += [(cav, "in_corso"), (cav, "concluso")]
    if fino_a != "bozza":
        for chi, verso in percorso:
            passa(chi, pid, verso)
            if verso == fino_a:
                break
    codice_progetto = cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]["codice"]
    return {"pid": pid, "donna": donna, "codice": codice, "segn": segn, "codice_progetto": codice_progetto}


def da_fare(client):
    r = client.get("/da-fare/")
    assert r.status_code == 200
    return html.unescape(r.get_data(as_text=True))


def sezione(pagina, titolo):
    """The HTML of one panel of the page, from its title to the next panel."""
    inizio = pagina.index(titolo)
    fine = pagina.find('<div class="panel panel-default">', inizio)
    return pagina[inizio:fine if fine >= 0 else len(pagina)]


def elencato(pagina, titolo, codice):
    return re.search(rf">{re.escape(codice)}<|\b{re.escape(codice)} —", sezione(pagina, titolo)) is not None


SEGNALAZIONI = "Segnalazioni da valutare"
DA_VALIDARE = "Progetti da validare"
COLLOQUI = "Colloqui al CPI previsti e non ancora svolti"
FOLLOW_UP = "Follow-up dovuti"
IN_SCADENZA = "Progetti in scadenza nei prossimi 30 giorni"


def imposta_chiusura(app, pid, quando):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        db.session.get(m.Progetto, pid).data_chiusura = quando
        db.session.commit()
        db.session.remove()


def mesi_dopo(d, mesi):
    from app.rules.workflow import aggiungi_mesi

    return aggiungi_mesi(d, mesi)


def mesi_fa(mesi):
    return mesi_dopo(OGGI, -mesi)


def esito(cav, pid, tipo, quando, atteso=201):
    return crea(cav, "esitoprogetto", {"progetto": pid, "tipo": tipo, "data": str(quando),
                                       "condizione_lavorativa": "occupata", "tipo_contratto": "determinato",
                                       "condizione_abitativa": "autonoma"}, atteso)


# --- segnalazioni to evaluate ----------------------------------------------------------------

def test_segnalazione_senza_valutazione_attende_l_equipe_del_suo_ambito(api, browser):
    cav, equipe = api("cav.crema"), api("equipe.crema")
    donna, codice = nuova_donna(cav)
    segn = nuova_segnalazione(cav, donna)
    assert elencato(da_fare(browser("equipe.crema")), SEGNALAZIONI, codice)
    assert codice not in da_fare(browser("equipe.cremona"))
    valuta(equipe, segn, esito="sospesa", pronta=None, motivazione="in attesa di documenti", data="2022-05-10")
    pagina = da_fare(browser("equipe.crema"))
    assert elencato(pagina, SEGNALAZIONI, codice)
    assert re.search(rf"{re.escape(codice)}</a> — 02/05/2022 \(sospesa\)", pagina)
    valuta(equipe, segn, esito="ammessa", pronta=True, data="2022-05-20")
    assert not elencato(da_fare(browser("equipe.crema")), SEGNALAZIONI, codice)


# --- projects to validate --------------------------------------------------------------------

def test_equipe_vede_i_progetti_proposti_del_suo_ambito(api, browser):
    c = caso(api, "CM", fino_a="proposto")
    assert elencato(da_fare(browser("equipe.crema")), DA_VALIDARE, c["codice_progetto"])
    assert c["codice_progetto"] not in da_fare(browser("equipe.casalmaggiore"))
    passa(api("equipe.crema"), c["pid"], "validato_equipe")
    assert not elencato(da_fare(browser("equipe.crema")), DA_VALIDARE, c["codice_progetto"])


def test_capofila_vede_i_progetti_con_fondi_regionali_validati_dall_equipe(api, browser):
    con_fondi = caso(api, "CR", budget=3000, fino_a="validato_equipe")
    senza_fondi = caso(api, "CA", budget=0, fino_a="validato_equipe")
    solo_proposto = caso(api, "CM", budget=3000, fino_a="proposto")
    pagina = da_fare(browser("capofila"))
    assert elencato(pagina, DA_VALIDARE, con_fondi["codice_progetto"])
    assert not elencato(pagina, DA_VALIDARE, senza_fondi["codice_progetto"])
    assert not elencato(pagina, DA_VALIDARE, solo_proposto["codice_progetto"])
    passa(api("capofila"), con_fondi["pid"], "validato_capofila")
    assert not elencato(da_fare(browser("capofila")), DA_VALIDARE, con_fondi["codice_progetto"])


# --- CPI interviews --------------------------------------------------------------------------

def test_colloquio_cpi_previsto_e_non_svolto_appare_alla_cav(api, browser):
    cav = api("cav.crema")
    enti = cav.get("/api/v1/ente/?q=(page_size:100)").get_json()["result"]
    cpi = next(e["id"] for e in enti if e["nome"] == "Centro per l'Impiego di Crema")
    donna, codice = nuova_donna(cav)
    previsto = OGGI + timedelta(days=7)
    cid = crea(cav, "colloquiocpi", {"beneficiaria": donna, "ente_cpi": cpi, "data_prevista": str(previsto)})
    pagina = da_fare(browser("cav.crema"))
    assert f"{codice} — previsto il {previsto:%d/%m/%Y}" in sezione(pagina, COLLOQUI)
    assert codice not in da_fare(browser("cav.cremona"))
    r = cav.put(f"/api/v1/colloquiocpi/{cid}", json={"data_svolta": str(OGGI), "esito": "DID rilasciata"})
    assert r.status_code == 200, r.get_json()
    assert codice not in sezione(da_fare(browser("cav.crema")), COLLOQUI)


# --- projects ending soon --------------------------------------------------------------------

def test_progetto_in_corso_che_termina_entro_30_giorni(api, browser):
    inizio = OGGI - timedelta(days=300)
    vicino = caso(api, "CM", fino_a="in_corso", inizio=inizio, fine=OGGI + timedelta(days=10))
    lontano = caso(api, "CM", fino_a="in_corso", inizio=inizio, fine=OGGI + timedelta(days=60))
    non_avviato = caso(api, "CM", fino_a="validato_equipe", inizio=inizio, fine=OGGI + timedelta(days=10))
    pagina = da_fare(browser("cav.crema"))
    assert elencato(pagina, IN_SCADENZA, vicino["codice_progetto"])
    assert f"termina il {OGGI + timedelta(days=10):%d/%m/%Y}" in sezione(pagina, IN_SCADENZA)
    assert not elencato(pagina, IN_SCADENZA, lontano["codice_progetto"])
    assert not elencato(pagina, IN_SCADENZA, non_avviato["codice_progetto"])
    assert vicino["codice_progetto"] not in da_fare(browser("cav.cremona"))
    passa(api("cav.crema"), vicino["pid"], "concluso")
    assert not elencato(da_fare(browser("cav.crema")), IN_SCADENZA, vicino["codice_progetto"])


# --- follow-ups ------------------------------------------------------------------------------

def test_follow_up_dovuto_sette_mesi_dopo_la_chiusura_finche_non_registrato(api, browser, app):
    cav = api("cav.crema")
    c = caso(api, "CM", fino_a="concluso")
    # Just closed: nothing due yet.
    assert not elencato(da_fare(browser("cav.crema")), FOLLOW_UP, c["codice_progetto"])
    chiusura = mesi_fa(7)
    imposta_chiusura(app, c["pid"], chiusura)
    pagina = da_fare(browser("cav.crema"))
    assert elencato(pagina, FOLLOW_UP, c["codice_progetto"])
    assert f"{c['codice_progetto']}</a> — follow-up a 6 mesi" in pagina
    assert c["codice_progetto"] not in da_fare(browser("cav.casalmaggiore"))
    # Neither the outcome at closure nor a follow-up before the 6-month mark count.
    sei_mesi = mesi_dopo(chiusura, 6)
    esito(cav, c["pid"], "chiusura", chiusura)
    esito(cav, c["pid"], "follow_up", sei_mesi - timedelta(days=1))
    assert elencato(da_fare(browser("cav.crema")), FOLLOW_UP, c["codice_progetto"])
    esito(cav, c["pid"], "follow_up", sei_mesi + timedelta(days=3))
    assert not elencato(da_fare(browser("cav.crema")), FOLLOW_UP, c["codice_progetto"])


def test_follow_up_anche_per_i_progetti_interrotti(api, browser, app):
    c = caso(api, "CA", fino_a="in_corso")
    passa(api("cav.casalmaggiore"), c["pid"], "interrotto", nota="trasferimento in altra regione")
    imposta_chiusura(app, c["pid"], mesi_fa(8))
    assert elencato(da_fare(browser("cav.casalmaggiore")), FOLLOW_UP, c["codice_progetto"])


# --- who may open the page -------------------------------------------------------------------

@pytest.mark.parametrize("utente", ["regione", "admin"])
def test_regione_e_amministratore_non_hanno_da_fare(browser, utente):
    assert browser(utente).get("/da-fare/").status_code == 403


@pytest.mark.parametrize("utente", ["capofila", "cav.cremona", "equipe.casalmaggiore", "servizi.cpi"])
def test_ruoli_operativi_aprono_da_fare(browser, utente):
    pagina = da_fare(browser(utente))
    for titolo in (SEGNALAZIONI, DA_VALIDARE, COLLOQUI, FOLLOW_UP, IN_SCADENZA):
        assert titolo in pagina


# --- scadenze.da_fare at the boundaries --------------------------------------------------------

def _da_fare_di(app, username, oggi):
    """scadenze.da_fare for `username` at date `oggi`, within her perimeter: ids per list."""
    from app.extensions import db
    from app.security import come_utente
    from app.servizi import scadenze

    with app.app_context():
        utente = app.appbuilder.sm.find_user(username=username)
        with come_utente(utente):
            liste = scadenze.da_fare(utente, oggi=oggi)
            out = {
                "segnalazioni": {s.id for s in liste["segnalazioni_da_valutare"]},
                "da_validare": {p.id for p in liste["progetti_da_validare"]},
                "in_scadenza": {p.id for p in liste["progetti_in_scadenza"]},
                "follow_up": {p.id: (mesi, scadenza) for p, mesi, scadenza in liste["follow_up_dovuti"]},
            }
        db.session.remove()
    return out


def test_da_fare_follow_up_esattamente_a_sei_mesi(api, app):
    cav = api("cav.crema")
    pid = caso(api, "CM", fino_a="concluso")["pid"]
    imposta_chiusura(app, pid, date(2023, 8, 31))  # + 6 months = 29/02/2024 (leap year, month end)
    assert pid not in _da_fare_di(app, "cav.crema", date(2024, 2, 28))["follow_up"]
    assert _da_fare_di(app, "cav.crema", date(2024, 2, 29))["follow_up"][pid] == (6, date(2024, 2, 29))
    assert pid not in _da_fare_di(app, "cav.cremona", date(2024, 2, 29))["follow_up"]
    esito(cav, pid, "follow_up", date(2024, 2, 28))  # one day early: does not count
    assert pid in _da_fare_di(app, "cav.crema", date(2024, 3, 1))["follow_up"]
    esito(cav, pid, "follow_up", date(2024, 2, 29))  # on the day: counts
    assert pid not in _da_fare_di(app, "cav.crema", date(2024, 3, 1))["follow_up"]
    # The 12-month follow-up comes due in turn.
    assert pid not in _da_fare_di(app, "cav.crema", date(2024, 8, 30))["follow_up"]
    assert _da_fare_di(app, "cav.crema", date(2024, 8, 31))["follow_up"][pid] == (12, date(2024, 8, 31))


def test_da_fare_scadenza_entro_trenta_giorni_ai_confini(api, app):
    pid = caso(api, "CR", fino_a="in_corso", inizio="2022-06-01", fine="2023-05-31")["pid"]
    assert pid in _da_fare_di(app, "cav.cremona", date(2023, 5, 1))["in_scadenza"]  # 30 days before
    assert pid not in _da_fare_di(app, "cav.cremona", date(2023, 4, 30))["in_scadenza"]  # 31 days before
    assert pid in _da_fare_di(app, "cav.cremona", date(2023, 5, 31))["in_scadenza"]  # the last day
    assert pid not in _da_fare_di(app, "cav.cremona", date(2023, 6, 1))["in_scadenza"]  # already over
    assert pid not in _da_fare_di(app, "cav.crema", date(2023, 5, 15))["in_scadenza"]  # another CAV


def test_da_fare_rispetta_il_perimetro(api, app):
    cav = api("cav.casalmaggiore")
    donna, _ = nuova_donna(cav)
    segn = nuova_segnalazione(cav, donna)
    assert segn in _da_fare_di(app, "equipe.casalmaggiore", OGGI)["segnalazioni"]
    assert segn in _da_fare_di(app, "cav.casalmaggiore", OGGI)["segnalazioni"]
    assert segn in _da_fare_di(app, "capofila", OGGI)["segnalazioni"]
    for altro in ("equipe.crema", "cav.cremona", "servizi.cpi"):
        assert segn not in _da_fare_di(app, altro, OGGI)["segnalazioni"]
