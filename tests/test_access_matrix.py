"""Who sees what, end to end: every demo user against every channel that reaches a woman.

THE RULE: a woman's identifying data (nome, cognome, codice fiscale, telefono, e-mail, indirizzo,
data di nascita) is seen only by the CAV that holds her; the others see the pseudonymous code
and the profile; the Region sees no individual record. A record outside the perimeter answers
404 (never the data); a screen without permission answers 403; anonymous users are sent to the
login (screens) or get 401 (API).

Every response body of this module is scanned for the personal data of every woman NOT held by
the caller's CAV (see `Scanner`). Surnames are shared across the CAVs in the demo network
(Finzionelli is a name in all three), so for a CAV user the values her own women carry are
taken out of the forbidden list: a value that is both hers and someone else's cannot tell the two
apart. Codici fiscali, phones, e-mails, addresses and birth dates are unique per woman.
"""
from __future__ import annotations

import html
import json
import re
from types import SimpleNamespace
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

import pytest

from conftest import PASSWORD, UTENTI_DEMO, csrf_da, ente_di, login, token_per, ApiClient

CAV = ("cav.cremona", "cav.crema", "cav.casalmaggiore")
EQUIPE = ("equipe.cremona", "equipe.crema", "equipe.casalmaggiore")


def ruolo(username):
    if username in CAV:
        return "cav"
    if username in EQUIPE:
        return "equipe"
    return {"admin": "admin", "capofila": "capofila", "servizi.cpi": "servizi", "regione": "regione"}[username]


# The specification, written out (not read from app.security_roles).
LETTURA = {
    "Beneficiaria": {"capofila", "cav", "equipe", "servizi"},
    "DatiPersonali": {"cav"},
    "Consenso": {"cav"},
    "AltraMisura": {"capofila", "cav", "equipe"},
}
SCRITTURA = {"Beneficiaria": {"cav"}, "DatiPersonali": {"cav"}, "Consenso": {"cav"}, "AltraMisura": {"cav"}}
VISTA = {"Beneficiaria": "beneficiariaview", "DatiPersonali": "datipersonaliview",
         "Consenso": "consensoview", "AltraMisura": "altramisuraview"}
CLASSE_VISTA = {"Beneficiaria": "BeneficiariaView", "DatiPersonali": "DatiPersonaliView",
                "Consenso": "ConsensoView", "AltraMisura": "AltraMisuraView"}
API = {"Beneficiaria": "beneficiaria", "DatiPersonali": "datipersonali", "Consenso": "consenso",
       "AltraMisura": "altramisura"}
RISORSE = list(VISTA)


# --- requests that never blow up the test run --------------------------------------------

class _Eccezione:
    """Stands in for a response when the app raised (TESTING propagates exceptions)."""

    def __init__(self, exc):
        self.status_code = 500
        self.headers = {}
        self.testo = f"ECCEZIONE {type(exc).__name__}: {exc}"

    def get_data(self, as_text=False):
        return self.testo if as_text else self.testo.encode()

    def get_json(self, silent=True):
        return None


def chiedi(client, metodo, url, **kw):
    try:
        return getattr(client, metodo)(url, **kw)
    except Exception as exc:  # noqa: BLE001  (an exception IS the finding: report it as a 500)
        return _Eccezione(exc)


def descrivi(r, url):
    corpo = r.get_data(as_text=True)
    return f"{url} -> {r.status_code}: {corpo[:300]!r}"


# --- the PII scanner ------------------------------------------------------------------------

def _varianti(valore):
    forme = {valore, html.escape(valore), html.escape(valore, quote=False), valore.replace("'", "&#39;"),
             json.dumps(valore)[1:-1], quote(valore), quote_plus(valore)}
    return {f for f in forme if f}


class Scanner:
    """Finds any forbidden personal value in a body, as a whole word (so "Lia" does not match
    "LiaModelView" and "Via dell'Esempio 1" does not match "Via dell'Esempio 12")."""

    def __init__(self, proibiti):
        self.proibiti = sorted(set(proibiti), key=len, reverse=True)
        alternative = sorted({re.escape(f) for v in self.proibiti for f in _varianti(v)}, key=len, reverse=True)
        self.re = re.compile(r"(?<![\w])(?:" + "|".join(alternative) + r")(?![\w])") if alternative else None

    def trova(self, testo):
        if not self.re or not testo:
            return []
        return sorted({m.group(0) for m in self.re.finditer(testo)})

    def verifica(self, r, url, eccetto=()):
        testo = r.get_data(as_text=True) + "\n" + str(dict(r.headers))
        for e in eccetto:
            for f in _varianti(e):
                testo = testo.replace(f, "")
        trovati = self.trova(testo)
        assert not trovati, f"dati personali altrui in {url} ({r.status_code}): {trovati}"


def proibiti_per(pii, ente_id):
    propri = {v for d in pii.values() if d["ente_id"] == ente_id for v in d["valori"]}
    altrui = {v for d in pii.values() if d["ente_id"] != ente_id for v in d["valori"]}
    return altrui - propri


# --- module fixtures: the network as data, logged-in clients ------------------------------

@pytest.fixture(scope="module")
def rete(app):
    """The network read as the system: women, their records, samples per CAV, the users."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        cavs = db.session.query(m.Ente).filter(m.Ente.tipo == "centro_antiviolenza").order_by(m.Ente.id).all()
        # The demo has no AltraMisura: give the first woman of each CAV one, so the matrix has rows.
        for cav in cavs:
            prima = db.session.query(m.Beneficiaria).filter_by(ente_id=cav.id).order_by(m.Beneficiaria.id).first()
            if not db.session.query(m.AltraMisura).filter_by(beneficiaria_id=prima.id).count():
                from datetime import date
                db.session.add(m.AltraMisura(beneficiaria_id=prima.id, tipo="fondo_poverta",
                                             data_inizio=date(2023, 1, 1), assi_coperti="IV",
                                             note="Misura di prova della matrice"))
        db.session.commit()

        donne = {b.id: SimpleNamespace(id=b.id, codice=b.codice, ente_id=b.ente_id, ambito_id=b.ambito_id)
                 for b in db.session.query(m.Beneficiaria).all()}
        righe = {
            "Beneficiaria": {b: b for b in donne},
            "DatiPersonali": {r.id: r.beneficiaria_id for r in db.session.query(m.DatiPersonali).all()},
            "Consenso": {r.id: r.beneficiaria_id for r in db.session.query(m.Consenso).all()},
            "AltraMisura": {r.id: r.beneficiaria_id for r in db.session.query(m.AltraMisura).all()},
        }
        cf = {r.beneficiaria_id: r.codice_fiscale for r in db.session.query(m.DatiPersonali).all()}
        cognomi = {r.beneficiaria_id: (r.nome, r.cognome) for r in db.session.query(m.DatiPersonali).all()}
        utenti = {}
        for u in UTENTI_DEMO:
            user = app.appbuilder.sm.find_user(username=u)
            membro = set()
            try:
                from app.models import MicroEquipe, membri_microequipe
                membro = set(db.session.execute(
                    db.select(MicroEquipe.beneficiaria_id)
                    .join(membri_microequipe, membri_microequipe.c.microequipe_id == MicroEquipe.id)
                    .where(membri_microequipe.c.user_id == user.id)).scalars())
            except ImportError:
                pass
            utenti[u] = SimpleNamespace(ente_id=user.ente_id, ambito_id=user.ente.ambito_id if user.ente else None,
                                        microequipe=membro, email=user.email)
        ambiti = [a.codice for a in db.session.query(m.Ambito).all()]
        ente_cav = {c.id: c.nome for c in cavs}
        db.session.remove()

    yield _componi_rete(donne, righe, cf, cognomi, utenti, ente_cav, ambiti)

    with app.app_context(), come_sistema():
        db.session.query(m.AltraMisura).filter_by(note="Misura di prova della matrice").delete()
        db.session.commit()
        db.session.remove()


def _componi_rete(donne, righe, cf, cognomi, utenti, ente_cav, ambiti):
    campioni = {}
    for res, mappa in righe.items():
        campioni[res] = {}
        for rid in sorted(mappa):
            ente = donne[mappa[rid]].ente_id
            campioni[res].setdefault(ente, rid)
    return SimpleNamespace(donne=donne, righe=righe, cf=cf, nomi=cognomi, utenti=utenti, campioni=campioni,
                           cav=ente_cav, re_codice=re.compile(r"\b(?:%s)-\d{4}-\d{4}\b" % "|".join(ambiti)))


def visibili(rete, username):
    """The women a user should see, from the specification."""
    u, r = rete.utenti[username], ruolo(username)
    if r == "capofila":
        return set(rete.donne)
    if r == "cav":
        base = {b.id for b in rete.donne.values() if b.ente_id == u.ente_id}
    elif r == "equipe":
        base = {b.id for b in rete.donne.values() if b.ambito_id == u.ambito_id}
    else:
        base = set()
    if r in ("cav", "equipe", "servizi", "capofila"):
        base |= u.microequipe  # micro-équipe members see their cases by code
    return base


def titolare(rete, username, bid):
    """Does this user's CAV hold woman `bid` (the only case in which she may see her identity)?"""
    return ruolo(username) == "cav" and rete.donne[bid].ente_id == rete.utenti[username].ente_id


@pytest.fixture(scope="module")
def browser(app):
    cache = {}

    def _fa(username):
        if username not in cache:
            cache[username] = login(app.test_client(), username)
        return cache[username]
    return _fa


@pytest.fixture(scope="module")
def jwt(app):
    cache = {}

    def _fa(username):
        if username not in cache:
            c = app.test_client()
            cache[username] = ApiClient(c, token_per(c, username))
        return cache[username]
    return _fa


@pytest.fixture
def scanner(app, pii):
    def _fa(username):
        return Scanner(proibiti_per(pii, ente_di(app, username)))
    return _fa


def csrf_di(client):
    """A CSRF token of the client's session, from a form every signed-in user may open."""
    return csrf_da(client.get("/resetmypassword/form").get_data(as_text=True))


def atteso(rete, username, res, rid, permessi):
    if ruolo(username) not in permessi[res]:
        return 403
    bid = rete.righe[res][rid]
    if res == "DatiPersonali":
        return 200 if titolare(rete, username, bid) else 404
    return 200 if bid in visibili(rete, username) else 404


# --- screens ---------------------------------------------------------------------------

@pytest.mark.parametrize("res", RISORSE)
@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_list_page_shows_only_rows_in_the_users_perimeter(username, res, rete, browser, scanner):
    atteso_stato = 200 if ruolo(username) in LETTURA[res] else 403
    nella_pagina, pagina = set(), 0
    while True:  # every page: the tests before this one may have added more than a page of rows
        url = f"/{VISTA[res]}/list/?psize_{CLASSE_VISTA[res]}=100&page_{CLASSE_VISTA[res]}={pagina}"
        r = chiedi(browser(username), "get", url)
        scanner(username).verifica(r, url)
        assert r.status_code == atteso_stato, descrivi(r, url)
        if r.status_code != 200:
            return
        codici = set(rete.re_codice.findall(r.get_data(as_text=True)))
        if not codici or pagina > 50:  # every row names her code: a page without any is past the end
            break
        nella_pagina |= codici
        pagina += 1
    mie = visibili(rete, username)
    codici_visibili = {rete.donne[b].codice for b in mie}
    assert nella_pagina <= codici_visibili, f"{username} vede codici fuori perimetro: {sorted(nella_pagina - codici_visibili)}"
    righe_visibili = {rete.donne[b].codice for rid, b in rete.righe[res].items()
                      if b in mie and (res != "DatiPersonali" or titolare(rete, username, b))}
    assert righe_visibili <= nella_pagina, f"{username}: righe mancanti {sorted(righe_visibili - nella_pagina)}"
    if res == "Beneficiaria":
        assert nella_pagina == codici_visibili


@pytest.mark.parametrize("res", RISORSE)
@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_show_page_opens_own_records_and_answers_404_outside_perimeter(username, res, rete, browser, scanner):
    s = scanner(username)
    for ente, rid in sorted(rete.campioni[res].items()):
        url = f"/{VISTA[res]}/show/{rid}"
        r = chiedi(browser(username), "get", url)
        s.verifica(r, url)
        assert r.status_code == atteso(rete, username, res, rid, LETTURA), descrivi(r, url)
        if r.status_code == 404:
            assert rete.donne[rete.righe[res][rid]].codice not in r.get_data(as_text=True)


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_printed_summary_of_a_woman_follows_her_page(username, rete, browser, scanner):
    """The printed summary (/stampa/beneficiaria) answers as her page does, and carries her
    identity only to her CAV (the scanner checks every other woman's)."""
    s = scanner(username)
    for ente, rid in sorted(rete.campioni["Beneficiaria"].items()):
        url = f"/stampa/beneficiaria/{rid}"
        r = chiedi(browser(username), "get", url)
        s.verifica(r, url)
        assert r.status_code == atteso(rete, username, "Beneficiaria", rid, LETTURA), descrivi(r, url)


@pytest.mark.parametrize("res", RISORSE)
@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_edit_page_opens_only_own_records_for_writers(username, res, rete, browser, scanner):
    s = scanner(username)
    for ente, rid in sorted(rete.campioni[res].items()):
        url = f"/{VISTA[res]}/edit/{rid}"
        r = chiedi(browser(username), "get", url)
        s.verifica(r, url)
        assert r.status_code == atteso(rete, username, res, rid, SCRITTURA), descrivi(r, url)


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_add_pages_offer_only_own_women_and_leak_nothing(username, rete, browser, scanner):
    s = scanner(username)
    for res in RISORSE:
        url = f"/{VISTA[res]}/add"
        r = chiedi(browser(username), "get", url)
        s.verifica(r, url)
        assert r.status_code == (200 if ruolo(username) in SCRITTURA[res] else 403), descrivi(r, url)
        if r.status_code == 200:
            codici = set(rete.re_codice.findall(r.get_data(as_text=True)))
            assert codici <= {rete.donne[b].codice for b in visibili(rete, username)}


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_search_filters_never_reach_outside_the_perimeter(username, rete, browser, scanner):
    s = scanner(username)
    c = browser(username)
    codici_visibili = {rete.donne[b].codice for b in visibili(rete, username)}
    prefissi = sorted({d.codice.split("-")[0] for d in rete.donne.values()})
    urls = [f"/beneficiariaview/list/?_flt_0_codice={p}&psize_BeneficiariaView=100" for p in prefissi]
    urls += [f"/beneficiariaview/list/?_flt_2_codice=-&_oc_BeneficiariaView=codice&_od_BeneficiariaView=desc"
             f"&psize_BeneficiariaView=100"]
    for bid in rete.campioni["Beneficiaria"].values():
        urls.append(f"/beneficiariaview/list/?_flt_3_codice={rete.donne[bid].codice}")
        for res in ("DatiPersonali", "Consenso", "AltraMisura"):
            urls.append(f"/{VISTA[res]}/list/?_flt_0_beneficiaria={bid}&psize_{CLASSE_VISTA[res]}=100")
    for url in urls:
        r = chiedi(c, "get", url)
        s.verifica(r, url)
        assert r.status_code in (200, 403), descrivi(r, url)
        res = next(k for k, v in VISTA.items() if url.startswith(f"/{v}/"))
        assert r.status_code == (200 if ruolo(username) in LETTURA[res] else 403), descrivi(r, url)
        if r.status_code == 200:
            testo = r.get_data(as_text=True)
            # FAB re-shows the active filter's value (what she typed) in the search widget's script.
            for chiave, valore in parse_qsl(urlsplit(url).query):
                if chiave.startswith("_flt_"):
                    testo = testo.replace(json.dumps([valore]), "")
            trovati = set(rete.re_codice.findall(testo))
            assert trovati <= codici_visibili, f"{url}: codici fuori perimetro {sorted(trovati - codici_visibili)}"


# --- the CF search form -------------------------------------------------------------------

@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_cf_search_form_finds_only_the_holding_cavs_women(username, rete, browser, scanner):
    s = scanner(username)
    c = browser(username)
    r = chiedi(c, "get", "/cerca-cf/form")
    s.verifica(r, "/cerca-cf/form")
    assert r.status_code == (200 if ruolo(username) == "cav" else 403), descrivi(r, "/cerca-cf/form")
    token = csrf_di(c)
    for ente, bid in sorted(rete.campioni["Beneficiaria"].items()):
        cf = rete.cf[bid]
        r = chiedi(c, "post", "/cerca-cf/form", data={"codice_fiscale": cf, "csrf_token": token})
        # The form may re-show what she herself typed; nothing else of anyone else's.
        s.verifica(r, f"POST /cerca-cf/form {cf}", eccetto=[cf])
        if ruolo(username) != "cav":
            assert r.status_code == 403, descrivi(r, "POST /cerca-cf/form")
        elif titolare(rete, username, bid):
            assert r.status_code == 302, descrivi(r, "POST /cerca-cf/form")
            assert r.headers["Location"].rstrip("/").endswith(f"/beneficiariaview/show/{bid}")
        else:
            # Not found in her centre: a page with the message (directly, or after FAB's redirect
            # back to the previous page), never the woman's record.
            if r.status_code == 302:
                dove = urlsplit(r.headers["Location"]).path
                assert "/show/" not in dove and "/edit/" not in dove, descrivi(r, "POST /cerca-cf/form")
                r = chiedi(c, "get", dove)
                s.verifica(r, f"{dove} dopo la ricerca")
            assert r.status_code == 200, descrivi(r, "POST /cerca-cf/form")
            assert "Nessuna beneficiaria del tuo centro" in r.get_data(as_text=True)
            assert rete.donne[bid].codice not in r.get_data(as_text=True)


# --- REST API ---------------------------------------------------------------------------

@pytest.mark.parametrize("res", RISORSE)
@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_api_list_and_get_follow_the_perimeter(username, res, rete, jwt, scanner):
    s = scanner(username)
    a = jwt(username)
    ricevuti, pagina = [], 0
    while True:  # every page: the tests before this one may have added more than a page of rows
        url = f"/api/v1/{API[res]}/?q=(page:{pagina},page_size:100)"
        r = chiedi(a, "get", url)
        s.verifica(r, url)
        assert r.status_code == (200 if ruolo(username) in LETTURA[res] else 403), descrivi(r, url)
        if r.status_code != 200 or not r.get_json()["result"]:
            break
        ricevuti += [x["id"] for x in r.get_json()["result"]]
        pagina += 1
    if r.status_code == 200:
        attesi = {rid for rid in rete.righe[res] if atteso(rete, username, res, rid, LETTURA) == 200}
        assert set(ricevuti) == attesi and len(ricevuti) == len(attesi)
        assert r.get_json()["count"] == len(attesi)
    for ente, rid in sorted(rete.campioni[res].items()):
        url = f"/api/v1/{API[res]}/{rid}"
        r = chiedi(a, "get", url)
        s.verifica(r, url)
        assert r.status_code == atteso(rete, username, res, rid, LETTURA), descrivi(r, url)
        if r.status_code == 404:
            assert rete.donne[rete.righe[res][rid]].codice not in r.get_data(as_text=True)
    url = f"/api/v1/{API[res]}/_info"
    r = chiedi(a, "get", url)
    s.verifica(r, url)
    assert r.status_code in (200, 403), descrivi(r, url)


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_api_cf_search_answers_only_for_the_holding_cav(username, rete, jwt, scanner):
    s = scanner(username)
    a = jwt(username)
    for ente, bid in sorted(rete.campioni["Beneficiaria"].items()):
        url = "/api/v1/datipersonali/cerca"
        r = chiedi(a, "post", url, json={"codice_fiscale": rete.cf[bid]})
        s.verifica(r, url)
        if ruolo(username) != "cav":
            assert r.status_code == 403, descrivi(r, url)
        elif titolare(rete, username, bid):
            assert r.status_code == 200, descrivi(r, url)
            assert r.get_json()["result"]["beneficiaria_id"] == bid
        else:
            assert r.status_code == 404, descrivi(r, url)
            assert rete.donne[bid].codice not in r.get_data(as_text=True)


# --- the named cases -------------------------------------------------------------------------

def _di_cav(rete, username_cav):
    return rete.utenti[username_cav].ente_id


def test_cav_crema_cannot_open_cremona_woman_by_url(rete, browser, jwt, scanner):
    cremona = _di_cav(rete, "cav.cremona")
    bid = rete.campioni["Beneficiaria"][cremona]
    dp = rete.campioni["DatiPersonali"][cremona]
    s = scanner("cav.crema")
    for url in (f"/beneficiariaview/show/{bid}", f"/beneficiariaview/edit/{bid}",
                f"/datipersonaliview/show/{dp}", f"/datipersonaliview/edit/{dp}"):
        r = chiedi(browser("cav.crema"), "get", url)
        s.verifica(r, url)
        assert r.status_code == 404, descrivi(r, url)
    for url in (f"/api/v1/beneficiaria/{bid}", f"/api/v1/datipersonali/{dp}"):
        r = chiedi(jwt("cav.crema"), "get", url)
        s.verifica(r, url)
        assert r.status_code == 404, descrivi(r, url)


def test_error_page_for_foreign_record_is_italian_and_carries_no_data(rete, browser, pii):
    cremona = _di_cav(rete, "cav.cremona")
    dp = rete.campioni["DatiPersonali"][cremona]
    bid = rete.righe["DatiPersonali"][dp]
    r = chiedi(browser("cav.casalmaggiore"), "get", f"/datipersonaliview/show/{dp}")
    assert r.status_code == 404, descrivi(r, "show")
    testo = r.get_data(as_text=True)
    assert "Pagina non trovata" in testo
    assert Scanner(pii[bid]["valori"]).trova(testo) == []
    assert rete.donne[bid].codice not in testo


def test_cav_own_lists_do_contain_her_own_womens_identities(rete, browser, jwt, pii):
    """The scan above can fail: a CAV's own screens really show her women's names and CFs."""
    ente = _di_cav(rete, "cav.crema")
    proprie = [b for b, d in pii.items() if d["ente_id"] == ente]
    assert proprie
    testo = browser("cav.crema").get("/datipersonaliview/list/?psize_DatiPersonaliView=100").get_data(as_text=True)
    for b in proprie:
        nome, cognome = rete.nomi[b]
        assert cognome in testo and nome in testo
    corpo = jwt("cav.crema").get("/api/v1/datipersonali/?q=(page_size:100)").get_data(as_text=True)
    assert any(rete.cf[b] for b in proprie)
    for b in proprie:
        assert rete.cf[b] is None or rete.cf[b] in corpo  # women other tests register without one
    # And the scanner itself flags another CAV's value when it is there.
    altrui = next(d for d in pii.values() if d["ente_id"] != ente)
    cf_altrui = next(v for v in altrui["valori"] if re.fullmatch(r"[A-Z0-9]{16}", v))
    assert Scanner(proibiti_per(pii, ente)).trova(f"<td>{cf_altrui}</td>") == [cf_altrui]


def test_capofila_sees_every_code_but_no_identity(rete, browser, jwt, scanner):
    r = browser("capofila").get("/beneficiariaview/list/?psize_BeneficiariaView=100")
    assert set(rete.re_codice.findall(r.get_data(as_text=True))) == {d.codice for d in rete.donne.values()}
    scanner("capofila").verifica(r, "list")
    r = jwt("capofila").get("/api/v1/beneficiaria/?q=(page_size:100)")
    assert {x["id"] for x in r.get_json()["result"]} == set(rete.donne)


def test_servizi_sees_no_woman_outside_her_micro_equipe(rete, browser, jwt):
    attese = {rete.donne[b].codice for b in rete.utenti["servizi.cpi"].microequipe}
    r = browser("servizi.cpi").get("/beneficiariaview/list/?psize_BeneficiariaView=100")
    assert r.status_code == 200
    assert set(rete.re_codice.findall(r.get_data(as_text=True))) == attese
    r = jwt("servizi.cpi").get("/api/v1/beneficiaria/")
    assert r.status_code == 200 and r.get_json()["count"] == len(attese)


# --- FAB action, delete and edit routes with another CAV's records ---------------------------------

def _estranei(rete, username, res):
    """Sample records of this resource whose woman is not held by the user's CAV."""
    return [rid for ente, rid in sorted(rete.campioni[res].items())
            if not titolare(rete, username, rete.righe[res][rid])]


def _esiste(app, modello, rid):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        ok = db.session.get(getattr(m, modello), rid) is not None
        db.session.remove()
    return ok


@pytest.mark.parametrize("res", ["Beneficiaria", "DatiPersonali"])
@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_action_routes_on_foreign_records_neither_succeed_nor_leak(username, res, app, rete, browser, scanner):
    s = scanner(username)
    c = browser(username)
    token = csrf_di(c)
    vista = VISTA[res]
    for rid in _estranei(rete, username, res):
        prove = [
            ("get", f"/{vista}/action/muldelete/{rid}", {}),
            ("post", f"/{vista}/action/muldelete/{rid}", {"data": {"csrf_token": token}}),
            ("post", f"/{vista}/action_post", {"data": {"action": "muldelete", "rowid": [str(rid)], "csrf_token": token}}),
            ("post", f"/{vista}/delete/{rid}", {"data": {"csrf_token": token}}),
        ]
        for metodo, url, kw in prove:
            r = chiedi(c, metodo, url, **kw)
            s.verifica(r, f"{metodo.upper()} {url}")
            assert r.status_code in (403, 404, 405), descrivi(r, f"{metodo.upper()} {url}")
        assert _esiste(app, res, rid), f"{username} ha cancellato {res} {rid} di un altro centro"


@pytest.mark.parametrize("username", CAV)
def test_action_post_mixing_own_and_foreign_rows_is_refused(username, app, rete, browser, scanner):
    c = browser(username)
    token = csrf_di(c)
    propria = rete.campioni["Beneficiaria"][rete.utenti[username].ente_id]
    for rid in _estranei(rete, username, "Beneficiaria"):
        for azione in ("muldelete", "delete", ""):
            r = chiedi(c, "post", "/beneficiariaview/action_post",
                       data={"action": azione, "rowid": [str(propria), str(rid)], "csrf_token": token})
            scanner(username).verifica(r, "action_post")
            assert r.status_code in (403, 404, 405), descrivi(r, "action_post")
        assert _esiste(app, "Beneficiaria", rid) and _esiste(app, "Beneficiaria", propria)


@pytest.mark.parametrize("username", CAV)
def test_edit_post_on_foreign_woman_is_refused_and_changes_nothing(username, app, rete, browser, scanner):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    c = browser(username)
    token = csrf_di(c)
    for rid in _estranei(rete, username, "DatiPersonali"):
        url = f"/datipersonaliview/edit/{rid}"
        r = chiedi(c, "post", url, data={"nome": "Manomessa", "cognome": "Manomessi", "csrf_token": token})
        scanner(username).verifica(r, url)
        assert r.status_code in (403, 404), descrivi(r, url)
        with app.app_context(), come_sistema():
            assert db.session.get(m.DatiPersonali, rid).cognome != "Manomessi"
            db.session.remove()


# --- deny by default -------------------------------------------------------------------------

SCHERMI = ["/beneficiariaview/list/", "/datipersonaliview/list/", "/consensoview/list/", "/altramisuraview/list/",
           "/beneficiariaview/show/1", "/datipersonaliview/show/1", "/beneficiariaview/edit/1",
           "/datipersonaliview/edit/1", "/beneficiariaview/add", "/datipersonaliview/add", "/cerca-cf/form",
           "/consensoview/show/1", "/altramisuraview/show/1", "/registra-donna/", "/dossier/beneficiaria/1",
           "/derogaconsensoview/list/", "/derogaconsensoview/add", "/beneficiariaview/cancella-dati/1",
           "/periodorendicontazioneview/list/", "/periodorendicontazioneview/add",
           "/periodorendicontazioneview/chiudi/1", "/periodorendicontazioneview/rendiconto/1"]
API_URL = ["/api/v1/beneficiaria/", "/api/v1/beneficiaria/1", "/api/v1/datipersonali/", "/api/v1/datipersonali/1",
           "/api/v1/consenso/",
           "/api/v1/altramisura/", "/api/v1/datipersonali/_info", "/api/v1/beneficiaria/_info",
           "/api/v1/beneficiaria/1/dossier", "/api/v1/derogaconsenso/", "/api/v1/periodorendicontazione/",
           "/api/v1/periodorendicontazione/1/rendiconto"]


@pytest.fixture(scope="module")
def utenti_di_prova(app):
    """A user with a brand-new empty role (and a CAV as ente), and a CAV operator without ente."""
    from app import models as m
    from app.extensions import db

    with app.app_context():
        sm = app.appbuilder.sm
        ruolo_vuoto = sm.find_role("Ruolo di prova senza permessi") or sm.add_role("Ruolo di prova senza permessi")
        cav = db.session.query(m.Ente).filter_by(nome="Centro Antiviolenza di Crema").one()
        if sm.find_user(username="prova.ruolo.vuoto") is None:
            u = sm.add_user("prova.ruolo.vuoto", "Prova", "Vuota", "prova.vuoto@esempio.invalid", ruolo_vuoto,
                            password=PASSWORD)
            assert u, "add_user non ha creato l'utente"
            u.ente_id = cav.id
            db.session.commit()
        if sm.find_user(username="prova.senza.ente") is None:
            u = sm.add_user("prova.senza.ente", "Prova", "Senza ente", "prova.senzaente@esempio.invalid",
                            sm.find_role("Operatrice CAV"), password=PASSWORD)
            assert u and u.ente_id is None
        db.session.remove()
    return {"vuoto": "prova.ruolo.vuoto", "senza_ente": "prova.senza.ente"}


def test_user_with_new_empty_role_is_denied_every_screen(app, utenti_di_prova, pii):
    c = login(app.test_client(), utenti_di_prova["vuoto"])
    s = Scanner(proibiti_per(pii, None))
    for url in SCHERMI:
        r = chiedi(c, "get", url)
        s.verifica(r, url)
        assert r.status_code == 403, descrivi(r, url)


def test_user_with_new_empty_role_is_denied_every_api(app, utenti_di_prova, pii):
    c = app.test_client()
    r = c.post("/api/v1/security/login", json={"username": utenti_di_prova["vuoto"], "password": PASSWORD,
                                                "provider": "db"})
    s = Scanner(proibiti_per(pii, None))
    if r.status_code != 200:
        assert r.status_code == 401
        return
    a = ApiClient(c, r.get_json()["access_token"])
    for url in API_URL:
        r = chiedi(a, "get", url)
        s.verifica(r, url)
        assert r.status_code in (401, 403), descrivi(r, url)
    for url in ("/api/v1/beneficiaria/", "/api/v1/beneficiaria/registra"):
        r = chiedi(a, "post", url, json={"fascia_eta": "nd", "dati_personali": {"nome": "Prova"}})
        assert r.status_code in (401, 403), descrivi(r, f"POST {url}")
    r = chiedi(a, "post", "/api/v1/datipersonali/cerca", json={"codice_fiscale": "RSSMRA80A41Z999X"})
    assert r.status_code in (401, 403), descrivi(r, "POST cerca")


def test_user_without_ente_cannot_log_in(app, utenti_di_prova):
    c = app.test_client()
    pagina = c.get("/login/")
    r = c.post("/login/", data={"username": utenti_di_prova["senza_ente"], "password": PASSWORD,
                                "csrf_token": csrf_da(pagina.get_data(as_text=True))})
    assert r.status_code in (200, 302)
    if r.status_code == 302:
        assert "/login" in r.headers["Location"], "l'utente senza ente è stato fatto entrare"
    r = c.get("/beneficiariaview/list/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = c.post("/api/v1/security/login", json={"username": utenti_di_prova["senza_ente"], "password": PASSWORD,
                                               "provider": "db"})
    assert r.status_code == 401, descrivi(r, "API login")


# --- anonymous ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", SCHERMI)
def test_anonymous_screen_redirects_to_login(app, url, pii):
    r = chiedi(app.test_client(), "get", url)
    Scanner(proibiti_per(pii, None)).verifica(r, url)
    assert r.status_code == 302, descrivi(r, url)
    assert "/login/" in r.headers["Location"]


@pytest.mark.parametrize("url", API_URL)
def test_anonymous_api_answers_401(app, url, pii):
    r = chiedi(app.test_client(), "get", url)
    Scanner(proibiti_per(pii, None)).verifica(r, url)
    assert r.status_code == 401, descrivi(r, url)


def test_anonymous_cf_search_answers_401_and_get_is_not_offered(app):
    c = app.test_client()
    r = c.post("/api/v1/datipersonali/cerca", json={"codice_fiscale": "RSSMRA80A41Z999X"})
    assert r.status_code == 401, descrivi(r, "POST cerca")
    # A codice fiscale in a URL would land in access logs: the search takes it only in the body.
    assert c.get("/api/v1/datipersonali/cerca?codice_fiscale=RSSMRA80A41Z999X").status_code == 405


def test_anonymous_post_to_api_answers_401_and_writes_nothing(app):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        prima = db.session.query(m.Beneficiaria).count()
        db.session.remove()
    for url in ("/api/v1/beneficiaria/", "/api/v1/beneficiaria/registra"):
        r = app.test_client().post(url, json={"fascia_eta": "nd", "dati_personali": {"nome": "Prova"}})
        assert r.status_code == 401, descrivi(r, f"POST {url}")
    with app.app_context(), come_sistema():
        assert db.session.query(m.Beneficiaria).count() == prima
        db.session.remove()


# --- reminders: the bell's page and the daily e-mail (issue 11, §15) ------------------------

CASI = {"capofila", "cav", "equipe", "servizi"}  # the roles with case work, hence reminders


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_reminders_page_shows_codes_of_the_perimeter_only(username, rete, browser, scanner):
    r = chiedi(browser(username), "get", "/promemoria/")
    scanner(username).verifica(r, "/promemoria/")
    assert r.status_code == (200 if ruolo(username) in CASI else 403), descrivi(r, "/promemoria/")
    codici = set(rete.re_codice.findall(r.get_data(as_text=True)))
    assert codici <= {rete.donne[b].codice for b in visibili(rete, username)}, descrivi(r, "/promemoria/")
    # The bell's number, asked by the page after it is shown: a count, and only for case work.
    r = chiedi(browser(username), "get", "/promemoria/conteggio")
    scanner(username).verifica(r, "/promemoria/conteggio")
    assert r.status_code == (200 if ruolo(username) in CASI else 403), descrivi(r, "/promemoria/conteggio")
    if r.status_code == 200:
        assert set(r.get_json()) == {"conteggio"} and isinstance(r.get_json()["conteggio"], int)


def test_reminder_emails_carry_codes_of_the_perimeter_and_no_identity(app, rete, pii, monkeypatch):
    """Every demo user chooses the e-mail; one run: the roles without case work get none, the
    others only codes they may see, and nobody (her own CAV included) any identifying value."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema
    from tests.aiuti_posta import server_smtp

    def scegli(valore):
        with app.app_context(), come_sistema():
            for u in db.session.query(m.Utente).filter(m.Utente.username.in_(UTENTI_DEMO)):
                u.promemoria_email = valore
            db.session.commit()
            db.session.remove()

    nessuna_identita = Scanner({v for d in pii.values() for v in d["valori"]})
    scegli(True)
    try:
        with server_smtp() as (controller, casella):
            for chiave, valore in {"LIA_SMTP_HOST": "127.0.0.1", "LIA_SMTP_PORT": controller.port,
                                   "LIA_SMTP_SICUREZZA": "nessuna"}.items():
                monkeypatch.setitem(app.config, chiave, valore)
            r = app.test_cli_runner().invoke(args=["lia", "invia-promemoria"])
            assert r.exit_code == 0, r.output
            for username in UTENTI_DEMO:
                testi = casella.testi_per(rete.utenti[username].email)
                if ruolo(username) not in CASI:
                    assert testi == [], username
                for testo in testi:
                    assert not nessuna_identita.trova(testo), (username, nessuna_identita.trova(testo))
                    codici = set(rete.re_codice.findall(testo))
                    assert codici <= {rete.donne[b].codice for b in visibili(rete, username)}, username
            assert casella.arrivate, "nessun promemoria nella rete demo: la prova non prova nulla"
    finally:
        scegli(False)
