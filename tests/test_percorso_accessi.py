"""Who sees what, extended to the records of the path: for every demo user and every resource
(segnalazione, valutazione, microequipe, progetto, colloquiocpi, intervento, esitoprogetto) the
list and show pages and the API, with every response scanned for personal data that the user's
CAV does not hold. Plus micro-équipe membership: a member sees the case by code, never by name."""
from __future__ import annotations

import functools
import html
import random
import re
import uuid
from datetime import date

import pytest

from conftest import UTENTI_DEMO, ApiClient, ente_di, login, token_per

from tests.aiuti_percorso import CAV, EQUIPE, crea  # noqa: E402
AMBITO_DI = {**{u: a for a, u in CAV.items()}, **{u: a for a, u in EQUIPE.items()}}
RISORSE = ["segnalazione", "valutazione", "microequipe", "progetto", "colloquiocpi", "intervento", "esitoprogetto"]


# --- helpers -----------------------------------------------------------------------------

_CLIENT: dict[str, ApiClient] = {}
_BROWSER: dict[str, object] = {}


@pytest.fixture(scope="module")
def api(app):
    _CLIENT.clear()
    _APP[:] = [app]

    def _fa(username):
        if username not in _CLIENT:
            c = app.test_client()
            _CLIENT[username] = ApiClient(c, token_per(c, username))
        return _CLIENT[username]
    return _fa


@pytest.fixture(scope="module")
def browser(app):
    _BROWSER.clear()

    def _fa(username):
        if username not in _BROWSER:
            _BROWSER[username] = login(app.test_client(), username)
        return _BROWSER[username]
    return _fa




def _cf(cognome, nome, nascita):
    from app.rules.codice_fiscale import con_carattere_controllo

    mesi = "ABCDEHLMPRST"
    return con_carattere_controllo(f"{cognome[:3].upper()}{nome[:3].upper()}{nascita:%y}{mesi[nascita.month - 1]}"
                                   f"{nascita.day + 40:02d}Z999")


def nuova_donna(cav, ambito):
    """A new woman of the CAV, with identifying data unique to this run (to look for them later)."""
    ambiti = {a["codice"]: a["id"] for a in cav.get("/api/v1/ambito/").get_json()["result"]}
    donna = crea(cav, "beneficiaria", {"ambito": ambiti[ambito], "fascia_eta": "30-39",
                                       "condizione_occupazionale": "disoccupata"})
    codice = cav.get(f"/api/v1/beneficiaria/{donna}").get_json()["result"]["codice"]
    rnd = random.Random(uuid.uuid4().int)
    cognome = "Riservat" + "".join(rnd.choice("bcdfglmnprstvz") + rnd.choice("aeiou") for _ in range(3))
    nome = "Zenob" + "".join(rnd.choice("aeiou") + rnd.choice("lmnr") for _ in range(2)) + "a"
    nascita = date(1980 + rnd.randint(0, 15), rnd.randint(1, 12), rnd.randint(1, 28))
    dp = crea(cav, "datipersonali", {
        "beneficiaria": donna, "nome": nome, "cognome": cognome, "codice_fiscale": _cf(cognome, nome, nascita),
        "telefono": f"+39 333 {rnd.randint(1000000, 9999999)}",
        "email": f"{nome.lower()}.{cognome.lower()}@riservato.invalid",
        "indirizzo": f"Vicolo {cognome} {rnd.randint(1, 99)}", "comune": "Comune di prova"})
    # The date of birth is set in the database: the API refuses it (see the report, DataCifrata).
    _imposta_nascita(dp, nascita)
    return donna, codice


_APP = []


def _imposta_nascita(dp_id, nascita):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    app = _APP[0]
    with app.app_context(), come_sistema():
        db.session.get(m.DatiPersonali, dp_id).data_nascita = nascita
        db.session.commit()
        db.session.remove()


def caso_completo(api, ambito, ente_cpi):
    """One woman of the ambito's CAV with one record of every resource of the path."""
    cav, equipe = api(CAV[ambito]), api(EQUIPE[ambito])
    donna, codice = nuova_donna(cav, ambito)
    ids = {"beneficiaria": donna}
    ids["segnalazione"] = crea(cav, "segnalazione", {"beneficiaria": donna, "data": "2022-05-02",
                                                     "area_richiesta": "lavoro"})
    ids["valutazione"] = crea(equipe, "valutazione", {"segnalazione": ids["segnalazione"], "esito": "ammessa",
                                                      "pronta": True, "data": "2022-05-10"})
    ids["microequipe"] = crea(cav, "microequipe", {"beneficiaria": donna, "ente_coordinatore": cav_ente(cav),
                                                   "membri": [], "note": "micro-équipe"})
    ids["progetto"] = crea(cav, "progetto", {"segnalazione": ids["segnalazione"], "area": "lavoro",
                                             "obiettivi": "autonomia", "data_inizio": "2022-06-01",
                                             "data_fine": "2023-05-31", "budget_asse_ii": 0})
    for chi, verso in [(cav, "proposto"), (equipe, "validato_equipe"), (cav, "in_corso")]:
        r = chi.post(f"/api/v1/progetto/{ids['progetto']}/transizione", json={"verso": verso})
        assert r.status_code == 200, r.get_json()
    ids["colloquiocpi"] = crea(cav, "colloquiocpi", {"beneficiaria": donna, "ente_cpi": ente_cpi,
                                                     "data_prevista": "2022-05-20", "data_svolta": "2022-05-21",
                                                     "esito": "DID rilasciata"})
    ids["intervento"] = crea(cav, "intervento", {"progetto": ids["progetto"], "tipo": "tirocinio",
                                                 "ente_erogatore": cav_ente(cav), "data_inizio": "2022-07-01",
                                                 "stato": "in_corso", "note": "tirocinio in azienda"})
    ids["esitoprogetto"] = crea(cav, "esitoprogetto", {"progetto": ids["progetto"], "tipo": "chiusura",
                                                       "data": "2023-06-01", "condizione_lavorativa": "occupata",
                                                       "tipo_contratto": "determinato",
                                                       "condizione_abitativa": "autonoma"})
    codice_progetto = cav.get(f"/api/v1/progetto/{ids['progetto']}").get_json()["result"]["codice"]
    return {"ambito": ambito, "codice": codice, "codice_progetto": codice_progetto, "ids": ids}


_ENTI: dict[str, int] = {}


def cav_ente(cav):
    username = next(u for u, c in _CLIENT.items() if c is cav)
    return _ENTI[username]


@pytest.fixture(scope="module")
def casi(app, api):
    for u in UTENTI_DEMO:
        _ENTI[u] = ente_di(app, u)
    enti = api("cav.cremona").get("/api/v1/ente/?q=(page_size:100)").get_json()["result"]
    cpi = next(e["id"] for e in enti if e["nome"] == "Centro per l'Impiego di Cremona")
    return {a: caso_completo(api, a, cpi) for a in ("CR", "CM", "CA")}


def atteso(utente, ambito):
    """HTTP status of reading one record of a woman of `ambito`'s CAV."""
    if utente in ("regione", "admin"):
        return 403
    if utente == "capofila":
        return 200
    return 200 if AMBITO_DI.get(utente) == ambito else 404  # servizi.cpi: member of no micro-équipe here


def pii_vietati(pii, app, utente):
    """Every personal value of every woman whose data the user's CAV does not hold."""
    propri = ente_di(app, utente) if utente in CAV.values() else None
    return sorted({v for d in pii.values() if d["ente_id"] != propri for v in d["valori"]})


@functools.lru_cache(maxsize=64)
def _regex_pii(valori: tuple[str, ...]):
    ordinati = sorted(valori, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordinati)) + r")(?!\w)")


def pii_trovati(testo, valori):
    """The personal values (whole words) found in a response body, HTML entities decoded."""
    if not valori:
        return []
    return sorted(set(_regex_pii(tuple(valori)).findall(html.unescape(testo))))


def filtro_per(risorsa, caso):
    ids = caso["ids"]
    if risorsa == "progetto":
        return f"(col:codice,opr:eq,value:'{caso['codice_progetto']}')"
    if risorsa in ("intervento", "esitoprogetto"):
        return f"(col:progetto,opr:rel_o_m,value:{ids['progetto']})"
    return f"(col:beneficiaria,opr:rel_o_m,value:{ids['beneficiaria']})"


# --- the matrix --------------------------------------------------------------------------

@pytest.mark.parametrize("utente", UTENTI_DEMO)
def test_matrice_pagine_dei_record_del_percorso(utente, casi, browser, pii, app):
    client = browser(utente)
    vietati = pii_vietati(pii, app, utente)
    for risorsa in RISORSE:
        r = client.get(f"/{risorsa}view/list/")
        pagina = r.get_data(as_text=True)
        assert r.status_code == (403 if utente in ("regione", "admin") else 200), (risorsa, r.status_code)
        assert pii_trovati(pagina, vietati) == [], (risorsa, "list")
        for ambito, caso in casi.items():
            if atteso(utente, ambito) != 200:
                assert caso["codice"] not in pagina, (risorsa, ambito)
            r = client.get(f"/{risorsa}view/show/{caso['ids'][risorsa]}")
            assert r.status_code == atteso(utente, ambito), (risorsa, ambito, r.status_code)
            pagina_show = r.get_data(as_text=True)
            assert pii_trovati(pagina_show, vietati) == [], (risorsa, ambito, "show")
            if r.status_code == 200:
                assert caso["codice"] in pagina_show, (risorsa, ambito)
            else:
                assert caso["codice"] not in pagina_show, (risorsa, ambito)


@pytest.mark.parametrize("utente", UTENTI_DEMO)
def test_matrice_api_dei_record_del_percorso(utente, casi, api, pii, app):
    chi = api(utente)
    vietati = pii_vietati(pii, app, utente)
    for risorsa in RISORSE:
        r = chi.get(f"/api/v1/{risorsa}/?q=(page_size:100)")
        assert r.status_code == (403 if utente in ("regione", "admin") else 200), (risorsa, r.status_code)
        assert pii_trovati(r.get_data(as_text=True), vietati) == [], (risorsa, "list")
        for ambito, caso in casi.items():
            rid = caso["ids"][risorsa]
            r = chi.get(f"/api/v1/{risorsa}/?q=(filters:!({filtro_per(risorsa, caso)}))")
            if utente in ("regione", "admin"):
                assert r.status_code == 403
            else:
                assert r.status_code == 200, (risorsa, r.get_json())
                trovati = r.get_json()["ids"]
                assert trovati == ([rid] if atteso(utente, ambito) == 200 else []), (risorsa, ambito, trovati)
            r = chi.get(f"/api/v1/{risorsa}/{rid}")
            assert r.status_code == atteso(utente, ambito), (risorsa, ambito, r.status_code)
            assert pii_trovati(r.get_data(as_text=True), vietati) == [], (risorsa, ambito, "get")
            if r.status_code == 200:
                assert r.get_json()["id"] == rid
            else:
                assert caso["codice"] not in r.get_data(as_text=True)


@pytest.mark.parametrize("utente", ["capofila", "equipe.cremona"])
def test_progetto_e_beneficiaria_per_codice_senza_dati_personali(utente, casi, browser, pii):
    caso = casi["CR"]
    suoi = pii[caso["ids"]["beneficiaria"]]["valori"]
    client = browser(utente)
    for url in (f"/progettoview/show/{caso['ids']['progetto']}", f"/beneficiariaview/show/{caso['ids']['beneficiaria']}"):
        r = client.get(url)
        assert r.status_code == 200, url
        pagina = html.unescape(r.get_data(as_text=True))
        assert caso["codice"] in pagina
        assert pii_trovati(pagina, suoi) == [], url
        assert "Dati personali" not in pagina, url  # neither the related tab nor the menu entry
        assert "datipersonaliview" not in pagina.lower(), url
    assert client.get("/datipersonaliview/list/").status_code == 403


def test_la_cav_titolare_vede_i_dati_personali_nella_scheda(casi, browser, pii):
    """Positive control of the scan above: the holding CAV does see the related tab and the data."""
    caso = casi["CR"]
    dp = pii[caso["ids"]["beneficiaria"]]["valori"]
    pagina = html.unescape(browser("cav.cremona").get(
        f"/beneficiariaview/show/{caso['ids']['beneficiaria']}").get_data(as_text=True))
    assert "Dati personali" in pagina
    assert dp[1] in pagina  # cognome, in the related list


# --- micro-équipe membership ---------------------------------------------------------------

def _codici_visti(chi):
    r = chi.get("/api/v1/beneficiaria/?q=(page_size:100)")
    assert r.status_code == 200
    assert r.get_json()["count"] <= 100
    return {b["codice"] for b in r.get_json()["result"]}


def test_membro_della_micro_equipe_vede_il_caso_per_codice_ma_non_i_dati(app, api, browser, request):
    for u in UTENTI_DEMO:
        _ENTI.setdefault(u, ente_di(app, u))
    with app.app_context():
        cpi_id = app.appbuilder.sm.find_user(username="servizi.cpi").id
    cav, equipe, cpi = api("cav.cremona"), api("equipe.cremona"), api("servizi.cpi")
    donna, codice = nuova_donna(cav, "CR")
    altra, codice_altra = nuova_donna(cav, "CR")
    segn = crea(cav, "segnalazione", {"beneficiaria": donna, "data": "2022-09-01", "area_richiesta": "lavoro"})
    crea(equipe, "valutazione", {"segnalazione": segn, "esito": "ammessa", "pronta": True, "data": "2022-09-05"})
    pid = crea(cav, "progetto", {"segnalazione": segn, "area": "lavoro", "obiettivi": "inserimento lavorativo",
                                 "data_inizio": "2022-10-01", "data_fine": "2023-09-30"})
    pii = request.getfixturevalue("pii")  # now that her data exist
    prima = _codici_visti(cpi)
    assert codice not in prima and codice_altra not in prima
    assert cpi.get(f"/api/v1/beneficiaria/{donna}").status_code == 404
    assert cpi.get(f"/api/v1/progetto/{pid}").status_code == 404

    mid = crea(cav, "microequipe", {"beneficiaria": donna, "ente_coordinatore": _ENTI["cav.cremona"],
                                    "membri": [cpi_id], "note": "con il Centro per l'Impiego"})
    membri = cav.get(f"/api/v1/microequipe/{mid}").get_json()["result"]["membri"]
    assert [m["username"] for m in membri] == ["servizi.cpi"]

    # Now she is visible by code, with her project and her path; nobody else is added.
    assert _codici_visti(cpi) == prima | {codice}
    assert cpi.get(f"/api/v1/beneficiaria/{donna}").status_code == 200
    r = cpi.get(f"/api/v1/progetto/{pid}")
    assert r.status_code == 200 and r.get_json()["result"]["beneficiaria"]["codice"] == codice
    assert cpi.get(f"/api/v1/segnalazione/{segn}").status_code == 200
    assert cpi.get(f"/api/v1/microequipe/{mid}").status_code == 200
    assert cpi.get(f"/api/v1/beneficiaria/{altra}").status_code == 404

    # Never her identity.
    assert cpi.get("/api/v1/datipersonali/").status_code == 403
    assert cpi.get(f"/api/v1/datipersonali/?q=(filters:!((col:beneficiaria,opr:rel_o_m,value:{donna})))"
                   ).status_code == 403
    assert cpi.post("/api/v1/datipersonali/cerca", json={"codice_fiscale": pii[donna]["valori"][2]}).status_code == 403
    tutti = sorted({v for d in pii.values() for v in d["valori"]})
    client = browser("servizi.cpi")
    assert client.get("/datipersonaliview/list/").status_code == 403
    for url in (f"/beneficiariaview/show/{donna}", f"/progettoview/show/{pid}", "/beneficiariaview/list/",
                "/progettoview/list/", f"/segnalazioneview/show/{segn}"):
        r = client.get(url)
        assert r.status_code == 200, url
        pagina = r.get_data(as_text=True)
        assert codice in pagina, url
        assert pii_trovati(pagina, tutti) == [], url
        assert "Dati personali" not in html.unescape(pagina), url
        assert codice_altra not in pagina, url
    for url in ("/api/v1/beneficiaria/?q=(page_size:100)", f"/api/v1/beneficiaria/{donna}",
                f"/api/v1/progetto/{pid}", "/api/v1/progetto/?q=(page_size:100)"):
        assert pii_trovati(cpi.get(url).get_data(as_text=True), tutti) == [], url


def test_un_cav_nella_micro_equipe_di_un_altro_vede_quel_caso_e_le_sue_come_prima(app, api):
    """The perimeter of a CAV lists the micro-équipe cases of other CAVs only: its own women it sees
    anyway, and naming them again would only turn its one equality into an OR (issue 14)."""
    from app.security import perimetro_di

    for u in ("cav.cremona", "cav.crema"):
        _ENTI.setdefault(u, ente_di(app, u))
    with app.app_context():
        id_cremona = app.appbuilder.sm.find_user(username="cav.cremona").id
    cremona, crema = api("cav.cremona"), api("cav.crema")
    sua, codice_sua = nuova_donna(cremona, "CR")
    altrui, codice_altrui = nuova_donna(crema, "CM")
    assert codice_altrui not in _codici_per_codice(cremona, codice_altrui)
    crea(cremona, "microequipe", {"beneficiaria": sua, "ente_coordinatore": _ENTI["cav.cremona"],
                                  "membri": [id_cremona]})
    crea(crema, "microequipe", {"beneficiaria": altrui, "ente_coordinatore": _ENTI["cav.crema"],
                                "membri": [id_cremona]})

    with app.app_context():
        perimetro = perimetro_di(app.appbuilder.sm.find_user(username="cav.cremona"))
        assert sua not in perimetro.id_beneficiarie and altrui in perimetro.id_beneficiarie
    assert _codici_per_codice(cremona, codice_sua) == {codice_sua}
    assert _codici_per_codice(cremona, codice_altrui) == {codice_altrui}
    assert cremona.get(f"/api/v1/beneficiaria/{altrui}").status_code == 200
    dati_altrui = f"/api/v1/datipersonali/?q=(filters:!((col:beneficiaria,opr:rel_o_m,value:{altrui})))"
    assert cremona.get(dati_altrui).get_json()["count"] == 0  # her case, never her identity


def _codici_per_codice(chi, codice):
    r = chi.get(f"/api/v1/beneficiaria/?q=(filters:!((col:codice,opr:eq,value:'{codice}')))")
    assert r.status_code == 200, r.get_data(as_text=True)
    return {b["codice"] for b in r.get_json()["result"]}
