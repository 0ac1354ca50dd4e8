"""Asse I: the indicators computed from the records (scenarios built here, compared before and
after, since the database is shared by the whole session); attendance for a whole session at
once, through the screen (form login, CSRF) and the API; who may see and write what, for the
ten demo users, with every response scanned for personal data the user's CAV does not hold."""
from __future__ import annotations

import html
import json
import re
import uuid
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy import select, text

from conftest import UTENTI_DEMO, ApiClient, csrf_da, ente_di, login, token_per
from tests.aiuti_percorso import consenti, progetto_validato

CAV = ("cav.cremona", "cav.crema", "cav.casalmaggiore")
EQUIPE = ("equipe.cremona", "equipe.crema", "equipe.casalmaggiore")


def _futura() -> str:
    """An event not held yet, within the plausible dates (app.rules.date_plausibili)."""
    return (date.today() + timedelta(days=200)).isoformat()


def ruolo(username):
    if username in CAV:
        return "cav"
    if username in EQUIPE:
        return "equipe"
    return {"admin": "admin", "capofila": "capofila", "servizi.cpi": "servizi", "regione": "regione"}[username]


# The specification, written out (not read from app.security_roles).
LEGGE = {
    "Laboratorio": {"capofila", "cav", "equipe"},
    "ModelloLaboratorio": {"capofila", "cav", "equipe"},
    "EventoFormativo": {"capofila", "cav", "equipe"},
    "Accordo": {"capofila", "cav", "equipe"},
    "Cruscotto": {"capofila", "equipe", "regione"},
}
SCRIVE = {"Laboratorio": {"capofila", "cav"}, "ModelloLaboratorio": {"capofila"}, "EventoFormativo": {"capofila"},
          "Accordo": {"capofila"}}


# --- the PII scanner (whole words, in every form a page or a JSON body may carry them) -------------

def _varianti(valore):
    forme = {valore, html.escape(valore), html.escape(valore, quote=False), valore.replace("'", "&#39;"),
             json.dumps(valore)[1:-1], quote(valore), quote_plus(valore)}
    return {f for f in forme if f}


class Scanner:
    def __init__(self, proibiti):
        alternative = sorted({re.escape(f) for v in set(proibiti) for f in _varianti(v)}, key=len, reverse=True)
        self.re = re.compile(r"(?<![\w])(?:" + "|".join(alternative) + r")(?![\w])") if alternative else None

    def verifica(self, r, url):
        testo = r.get_data(as_text=True) + "\n" + str(dict(r.headers))
        trovati = sorted({x.group(0) for x in self.re.finditer(testo)}) if self.re else []
        assert not trovati, f"dati personali altrui in {url} ({r.status_code}): {trovati}"


def proibiti_per(pii, ente_id):
    """Values of women not held by `ente_id`; a value her own women also carry (a shared
    surname) cannot tell the two apart and is left out."""
    propri = {v for d in pii.values() if d["ente_id"] == ente_id for v in d["valori"]}
    return {v for d in pii.values() if d["ente_id"] != ente_id for v in d["valori"]} - propri


RE_CODICE = re.compile(r"\b(?:CR|CM|CA)-\d{4}-\d{4}\b")


# --- helpers ----------------------------------------------------------------------------------

def _db(app, fn):
    """Run fn() in an app context as the system (to check what was written) and clean up."""
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def conteggi(app):
    from app.extensions import db
    from app.servizi.indicatori import conteggi as calcola

    with app.app_context():
        try:
            return calcola()
        finally:
            db.session.remove()


def presenze_di(app, sessione_id):
    from app import models as m

    return _db(app, lambda s: {p.beneficiaria_id: p.presente
                               for p in s.query(m.Presenza).filter_by(sessione_id=sessione_id)})


def ambito_id(api, codice="CR"):
    r = api.get("/api/v1/ambito/?q=(page_size:100)")
    assert r.status_code == 200, r.get_json()
    return next(a["id"] for a in r.get_json()["result"] if a["codice"] == codice)


def nuovo_laboratorio(cap, edizione=None, ambito="CR"):
    r = cap.post("/api/v1/laboratorio/", json={"edizione": edizione or f"Edizione {uuid.uuid4().hex[:8]}",
                                               "ambito": ambito_id(cap, ambito), "conduttori": "Conduttrice di prova",
                                               "sede": "Sala del Comune"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def nuova_sessione(cap, lab, data="2023-03-14", svolta=True):
    r = cap.post("/api/v1/sessionelaboratorio/", json={"laboratorio": lab, "data": data, "tema": "Autostima",
                                                       "svolta": svolta})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def iscrivi(api, lab, bid, atteso=201):
    r = api.post("/api/v1/iscrizionelaboratorio/", json={"laboratorio": lab, "beneficiaria": bid})
    assert r.status_code == atteso, r.get_json()
    return (r.get_json() or {}).get("id")


def donne_del_cav(app, api, username):
    """Ids of the women held by this CAV (not merely visible through a micro-équipe)."""
    ente = ente_di(app, username)
    r = api.get("/api/v1/beneficiaria/?q=(page_size:100)")
    assert r.status_code == 200, r.get_json()
    return [x["id"] for x in r.get_json()["result"] if x["ente"]["id"] == ente]


def segna(api, sessione, presenti):
    return api.post(f"/api/v1/laboratorio/sessione/{sessione}/presenze", json={"presenti": presenti})


def csrf_di(client):
    return csrf_da(client.get("/resetmypassword/form").get_data(as_text=True))


# --- the indicators --------------------------------------------------------------------------

def test_percorso_interrotto_dopo_l_avvio_resta_attivato(app, api_di):
    cav = api_di("cav.crema")
    # Counted only with her consent to statistics (issue 12): recorded before counting.
    pid, donna = progetto_validato(api_di, avvia=False)
    consenti(cav, donna["id"], ("statistiche",))
    prima = conteggi(app).percorsi_attivati  # hers, validated but not started, not among them
    r = cav.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": "in_corso", "data": "2022-06-20"})
    assert r.status_code == 200, r.get_json()
    assert conteggi(app).percorsi_attivati == prima + 1
    r = cav.post(f"/api/v1/progetto/{pid}/transizione",
                 json={"verso": "interrotto", "nota": "Percorso non sostenibile al momento"})
    assert r.status_code == 200, r.get_json()
    assert conteggi(app).percorsi_attivati == prima + 1, "interrotto dopo l'avvio: resta attivato"
    # Interrupted before starting: never activated.
    pid2, donna2 = progetto_validato(api_di, avvia=False)
    consenti(cav, donna2["id"], ("statistiche",))
    prima = conteggi(app).percorsi_attivati
    r = cav.post(f"/api/v1/progetto/{pid2}/transizione", json={"verso": "interrotto", "nota": "Rinuncia"})
    assert r.status_code == 200, r.get_json()
    assert conteggi(app).percorsi_attivati == prima


def test_accordo_annullato_non_conta(app, api_di):
    cap = api_di("capofila")
    base = {"controparte": "Associazione Inquilini", "tipo": "protocollo", "area": "abitare"}
    prima = conteggi(app).accordi_firmati
    r = cap.post("/api/v1/accordo/", json={**base, "stato": "annullato", "data_firma": "2023-01-10"})
    assert r.status_code == 201, r.get_json()
    r = cap.post("/api/v1/accordo/", json={**base, "stato": "in_definizione"})
    assert r.status_code == 201, r.get_json()
    assert conteggi(app).accordi_firmati == prima
    # A signed agreement has its date.
    r = cap.post("/api/v1/accordo/", json={**base, "stato": "firmato"})
    assert r.status_code == 422 and "data_firma" in r.get_json()["message"]
    r = cap.post("/api/v1/accordo/", json={**base, "stato": "firmato", "data_firma": "2023-02-01"})
    assert r.status_code == 201, r.get_json()
    firmato = r.get_json()["id"]
    assert conteggi(app).accordi_firmati == prima + 1
    r = cap.put(f"/api/v1/accordo/{firmato}", json={"stato": "annullato"})
    assert r.status_code == 200, r.get_json()
    assert conteggi(app).accordi_firmati == prima


def test_modello_formalizzato_ma_non_validato_non_conta(app, api_di):
    cap = api_di("capofila")
    prima = conteggi(app).modelli_validati
    r = cap.post("/api/v1/modellolaboratorio/", json={"titolo": "Modello di empowerment",
                                                      "data_formalizzazione": "2023-05-02"})
    assert r.status_code == 201, r.get_json()
    mid = r.get_json()["id"]
    assert conteggi(app).modelli_validati == prima
    r = cap.put(f"/api/v1/modellolaboratorio/{mid}", json={"data_validazione": "2023-04-01"})
    assert r.status_code == 422, "validato prima di essere formalizzato"
    r = cap.put(f"/api/v1/modellolaboratorio/{mid}", json={"data_validazione": "2023-06-12",
                                                           "validato_da": "Cabina di Regia"})
    assert r.status_code == 200, r.get_json()
    assert conteggi(app).modelli_validati == prima + 1


def test_laboratorio_con_sessione_ma_nessuna_presente_non_conta(app, api_di):
    cap, cav = api_di("capofila"), api_di("cav.cremona")
    donne = donne_del_cav(app, cav, "cav.cremona")
    prima = conteggi(app)
    lab = nuovo_laboratorio(cap)
    sessione = nuova_sessione(cap, lab)
    for bid in donne[:2]:
        iscrivi(cav, lab, bid)
    r = segna(cav, sessione, [])
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["result"] == {"sessione": sessione, "presenti": 0, "assenti": 2}
    dopo = conteggi(app)
    assert dopo.laboratori_realizzati == prima.laboratori_realizzati, "nessuna presente: non realizzato"
    assert dopo.sessioni_svolte == prima.sessioni_svolte + 1
    # A session not held does not make it either, even with women marked present.
    non_svolta = nuova_sessione(cap, lab, data="2023-03-21", svolta=False)
    assert segna(cav, non_svolta, donne[:1]).status_code == 200
    assert conteggi(app).laboratori_realizzati == prima.laboratori_realizzati
    # One woman present at a session held: the edition counts, once.
    assert segna(cav, sessione, donne[:2]).status_code == 200
    dopo = conteggi(app)
    assert dopo.laboratori_realizzati == prima.laboratori_realizzati + 1
    assert dopo.donne_presenti >= prima.donne_presenti
    seconda = nuova_sessione(cap, lab, data="2023-03-28")
    assert segna(cav, seconda, donne[:1]).status_code == 200
    assert conteggi(app).laboratori_realizzati == prima.laboratori_realizzati + 1


def test_incontri_formativi_solo_quelli_svolti(app, api_di):
    cap = api_di("capofila")
    prima = conteggi(app).incontri_formativi
    r = cap.post("/api/v1/eventoformativo/", json={"data": _futura(), "tema": "Formazione futura"})
    assert r.status_code == 201, r.get_json()
    assert conteggi(app).incontri_formativi == prima
    r = cap.post("/api/v1/eventoformativo/", json={"data": "2023-10-05", "tema": "Diffusione del modello",
                                                   "diffonde_modello": True})
    assert r.status_code == 201, r.get_json()
    evento = r.get_json()["id"]
    assert conteggi(app).incontri_formativi == prima + 1
    # How many operators from which ente.
    enti = {e["nome"]: e["id"] for e in cap.get("/api/v1/ente/?q=(page_size:100)").get_json()["result"]}
    for nome, n in (("Centro Antiviolenza di Crema", 3), ("Centro per l'Impiego di Cremona", 2)):
        r = cap.post("/api/v1/partecipazioneevento/", json={"evento": evento, "ente": enti[nome],
                                                            "numero_operatori": n})
        assert r.status_code == 201, r.get_json()
    r = cap.post("/api/v1/partecipazioneevento/", json={"evento": evento, "ente": enti["ASST Crema"],
                                                        "numero_operatori": 0})
    assert r.status_code == 422
    r = cap.get(f"/api/v1/partecipazioneevento/?q=(filters:!((col:evento,opr:rel_o_m,value:{evento})))")
    assert r.status_code == 200
    assert sorted((x["ente"]["nome"], x["numero_operatori"]) for x in r.get_json()["result"]) == [
        ("Centro Antiviolenza di Crema", 3), ("Centro per l'Impiego di Cremona", 2)]


# --- attendance for a whole session -----------------------------------------------------------

@pytest.fixture
def sessione_con_iscritte(app, api_di):
    """A session whose edition has four women of CAV Cremona and one of CAV Crema enrolled;
    the Crema woman already marked present by her own CAV."""
    cap, cr, cm = api_di("capofila"), api_di("cav.cremona"), api_di("cav.crema")
    lab = nuovo_laboratorio(cap)
    sessione = nuova_sessione(cap, lab)
    mie = donne_del_cav(app, cr, "cav.cremona")[:4]
    altra = donne_del_cav(app, cm, "cav.crema")[0]
    for bid in mie:
        iscrivi(cr, lab, bid)
    iscrivi(cm, lab, altra)
    assert segna(cm, sessione, [altra]).status_code == 200
    non_iscritta = donne_del_cav(app, cr, "cav.cremona")[4]
    return SimpleNamespace(lab=lab, sessione=sessione, mie=mie, altra=altra, non_iscritta=non_iscritta)


def test_presenze_di_molte_donne_in_una_schermata(app, client_di, pii, sessione_con_iscritte):
    s = sessione_con_iscritte
    c = client_di("cav.cremona")
    url = f"/presenze/{s.sessione}"
    r = c.get(url)
    assert r.status_code == 200
    testo = r.get_data(as_text=True)
    for bid in s.mie:
        assert pii[bid]["codice"] in testo
        # Her own women also by name: she holds them.
        assert html.escape(pii[bid]["valori"][0]) in testo and html.escape(pii[bid]["valori"][1]) in testo
    assert pii[s.altra]["codice"] not in testo, "una donna di un altro CAV nella lista"
    Scanner(proibiti_per(pii, ente_di(app, "cav.cremona"))).verifica(r, url)

    token = csrf_da(testo)
    presenti = s.mie[:3]
    r = c.post(url, data={"csrf_token": token, "iscritte": [str(b) for b in s.mie],
                          "presenti": [str(b) for b in presenti]})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    registrate = presenze_di(app, s.sessione)
    assert {b: registrate[b] for b in s.mie} == {b: b in presenti for b in s.mie}
    assert registrate[s.altra] is True, "la presenza registrata da un altro CAV è cambiata"
    seguito = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "3 presenti, 1 assenti" in seguito

    # Saved again, another way round: every row is updated, none duplicated.
    r = c.post(url, data={"csrf_token": token, "iscritte": [str(b) for b in s.mie], "presenti": [str(s.mie[3])]})
    assert r.status_code == 302
    registrate = presenze_di(app, s.sessione)
    assert {b: registrate[b] for b in s.mie} == {b: b == s.mie[3] for b in s.mie}
    assert registrate[s.altra] is True
    n = _db(app, lambda sess: sess.execute(text("select count(*) from lia_presenza where sessione_id = :s"),
                                           {"s": s.sessione}).scalar())
    assert n == 5

    # Without the CSRF token nothing is written.
    r = c.post(url, data={"presenti": [str(b) for b in s.mie]})
    assert r.status_code == 400
    assert presenze_di(app, s.sessione) == registrate


def test_presenze_via_api(app, api_di, pii, sessione_con_iscritte):
    s = sessione_con_iscritte
    cav = api_di("cav.cremona")
    r = segna(cav, s.sessione, s.mie[:2])
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["result"] == {"sessione": s.sessione, "presenti": 2, "assenti": 2}
    registrate = presenze_di(app, s.sessione)
    assert {b: registrate[b] for b in s.mie} == {b: b in s.mie[:2] for b in s.mie}
    assert registrate[s.altra] is True

    r = cav.get(f"/api/v1/laboratorio/sessione/{s.sessione}/presenze")
    assert r.status_code == 200
    righe = {x["beneficiaria_id"]: x["presente"] for x in r.get_json()["result"]}
    assert righe == {b: b in s.mie[:2] for b in s.mie}
    Scanner(proibiti_per(pii, None)).verifica(r, "GET presenze")  # the API carries codes, never names

    # A woman of her CAV who is not enrolled: 422, nothing written.
    r = segna(cav, s.sessione, [s.mie[3], s.non_iscritta])
    assert r.status_code == 422, r.get_json()
    assert str(s.non_iscritta) in json.dumps(r.get_json())
    assert presenze_di(app, s.sessione) == registrate
    # Bad bodies.
    for corpo in ({"presenti": "tutte"}, {"presenti": [True]}, {"presenti": ["12"]}, [], {"altro": []}):
        r = cav.post(f"/api/v1/laboratorio/sessione/{s.sessione}/presenze", json=corpo)
        assert r.status_code == 400, (corpo, r.get_json())
    assert segna(cav, 10 ** 8, []).status_code == 404
    assert presenze_di(app, s.sessione) == registrate
    # The capofila records for everyone (she sees every woman by code).
    r = segna(api_di("capofila"), s.sessione, [s.altra, s.mie[0]])
    assert r.status_code == 200 and r.get_json()["result"]["presenti"] == 2
    assert presenze_di(app, s.sessione)[s.mie[1]] is False


def test_un_cav_non_segna_le_presenze_delle_donne_di_un_altro_cav(app, api_di, client_di, pii,
                                                                   sessione_con_iscritte):
    s = sessione_con_iscritte
    assert segna(api_di("cav.cremona"), s.sessione, s.mie).status_code == 200
    prima = presenze_di(app, s.sessione)
    # API: the other CAV's woman is not hers to mark, present or absent.
    r = segna(api_di("cav.cremona"), s.sessione, [s.altra])
    assert r.status_code == 422
    r = segna(api_di("cav.casalmaggiore"), s.sessione, [s.altra] + s.mie[:1])
    assert r.status_code == 422
    assert presenze_di(app, s.sessione) == prima
    # Screen: refused as a whole, with the reason; nothing changes.
    c = client_di("cav.cremona")
    r = c.post(f"/presenze/{s.sessione}", data={"csrf_token": csrf_di(c), "presenti": [str(s.altra)]})
    assert r.status_code == 302
    assert "non sono iscritte a questo laboratorio o non sono visibili" in c.get(r.headers["Location"]).get_data(
        as_text=True)
    assert presenze_di(app, s.sessione) == prima
    # Saving her own list never touches the other CAV's woman.
    r = c.post(f"/presenze/{s.sessione}", data={"csrf_token": csrf_di(c), "presenti": []})
    assert r.status_code == 302
    dopo = presenze_di(app, s.sessione)
    assert dopo[s.altra] is True and not any(dopo[b] for b in s.mie)
    # The other CAV sees only her own woman on the screen, by name; Cremona's by neither.
    c2 = client_di("cav.crema")
    testo = c2.get(f"/presenze/{s.sessione}").get_data(as_text=True)
    assert pii[s.altra]["codice"] in testo and html.escape(pii[s.altra]["valori"][1]) in testo
    assert not {pii[b]["codice"] for b in s.mie} & set(RE_CODICE.findall(testo))
    r = segna(api_di("cav.crema"), s.sessione, [])
    assert r.status_code == 200 and r.get_json()["result"] == {"sessione": s.sessione, "presenti": 0, "assenti": 1}
    assert all(presenze_di(app, s.sessione)[b] is False for b in s.mie)


def test_solo_il_capofila_gestisce_edizioni_e_sessioni(app, api_di, client_di):
    cap, cav = api_di("capofila"), api_di("cav.cremona")
    lab = nuovo_laboratorio(cap)
    sessione = nuova_sessione(cap, lab)
    r = cav.post("/api/v1/laboratorio/", json={"edizione": "Edizione CAV", "ambito": ambito_id(cav)})
    assert r.status_code == 403
    assert cav.put(f"/api/v1/laboratorio/{lab}", json={"sede": "Altrove"}).status_code == 403
    assert cav.delete(f"/api/v1/laboratorio/{lab}").status_code == 403
    assert cav.post("/api/v1/sessionelaboratorio/", json={"laboratorio": lab, "data": "2023-04-01"}).status_code == 403
    assert cav.delete(f"/api/v1/sessionelaboratorio/{sessione}").status_code == 403
    c = client_di("cav.cremona")
    for url in ("/laboratorioview/add", f"/laboratorioview/edit/{lab}", f"/sessionelaboratorioview/edit/{sessione}"):
        assert c.get(url).status_code == 403, url
    for url in (f"/laboratorioview/delete/{lab}", f"/sessionelaboratorioview/delete/{sessione}"):
        assert c.post(url, data={"csrf_token": csrf_di(c)}).status_code == 403, url
    from app import models as m

    assert _db(app, lambda s: s.get(m.Laboratorio, lab) is not None)
    assert cap.put(f"/api/v1/laboratorio/{lab}", json={"sede": "Sala consiliare"}).status_code == 200


# --- access matrix ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scenario(app):
    """One edition, one session; two women of each CAV enrolled and marked present by their CAV."""
    clienti = {}

    def api(u):
        if u not in clienti:
            c = app.test_client()
            clienti[u] = ApiClient(c, token_per(c, u))
        return clienti[u]

    cap = api("capofila")
    lab = nuovo_laboratorio(cap, ambito="CM")
    sessione = nuova_sessione(cap, lab)
    iscritte = {}
    for u in CAV:
        donne = donne_del_cav(app, api(u), u)[:2]
        for bid in donne:
            iscrivi(api(u), lab, bid)
        assert segna(api(u), sessione, donne).status_code == 200
        iscritte.update({b: u for b in donne})
    r = cap.post("/api/v1/accordo/", json={"controparte": "Cooperativa Esempio", "tipo": "accordo",
                                           "area": "lavoro", "stato": "firmato", "data_firma": "2023-02-01"})
    accordo = r.get_json()["id"]
    modello = cap.post("/api/v1/modellolaboratorio/", json={"titolo": "Modello"}).get_json()["id"]
    evento = cap.post("/api/v1/eventoformativo/", json={"data": "2023-09-01", "tema": "Rete"}).get_json()["id"]

    from app import models as m

    def leggi(s):
        donne = {b.id: SimpleNamespace(codice=b.codice, ente_id=b.ente_id, ambito_id=b.ambito_id)
                 for b in s.query(m.Beneficiaria)}
        utenti = {}
        for u in UTENTI_DEMO:
            user = app.appbuilder.sm.find_user(username=u)
            membro = set(s.execute(
                select(m.MicroEquipe.beneficiaria_id)
                .join(m.membri_microequipe, m.membri_microequipe.c.microequipe_id == m.MicroEquipe.id)
                .where(m.membri_microequipe.c.user_id == user.id)).scalars())
            utenti[u] = SimpleNamespace(ente_id=user.ente_id, ambito_id=user.ente.ambito_id, microequipe=membro)
        return donne, utenti

    donne, utenti = _db(app, leggi)
    return SimpleNamespace(lab=lab, sessione=sessione, iscritte=iscritte, accordo=accordo, modello=modello,
                           evento=evento, donne=donne, utenti=utenti)


def visibili(sc, username):
    u, r = sc.utenti[username], ruolo(username)
    if r == "capofila":
        return set(sc.donne)
    base = set()
    if r == "cav":
        base = {b for b, d in sc.donne.items() if d.ente_id == u.ente_id}
    elif r == "equipe":
        base = {b for b, d in sc.donne.items() if d.ambito_id == u.ambito_id}
    if r in ("cav", "equipe", "servizi"):
        base |= u.microequipe
    return base


def _schermate(sc):
    return [
        ("Laboratorio", "/laboratorioview/list/"), ("Laboratorio", f"/laboratorioview/show/{sc.lab}"),
        ("Laboratorio", "/sessionelaboratorioview/list/"),
        ("Laboratorio", f"/sessionelaboratorioview/show/{sc.sessione}"),
        ("Laboratorio", "/iscrizionelaboratorioview/list/?psize_IscrizioneLaboratorioView=100"),
        ("Laboratorio", "/presenzaview/list/?psize_PresenzaView=100"),
        ("Laboratorio", f"/presenze/{sc.sessione}"),
        ("ModelloLaboratorio", "/modellolaboratorioview/list/"),
        ("ModelloLaboratorio", f"/modellolaboratorioview/show/{sc.modello}"),
        ("EventoFormativo", "/eventoformativoview/list/"),
        ("EventoFormativo", f"/eventoformativoview/show/{sc.evento}"),
        ("EventoFormativo", "/partecipazioneeventoview/list/"),
        ("Accordo", "/accordoview/list/"), ("Accordo", f"/accordoview/show/{sc.accordo}"),
        ("Cruscotto", "/cruscotto/"),
    ]


def _api(sc):
    return [
        ("Laboratorio", "/api/v1/laboratorio/"), ("Laboratorio", f"/api/v1/laboratorio/{sc.lab}"),
        ("Laboratorio", "/api/v1/sessionelaboratorio/"),
        ("Laboratorio", "/api/v1/iscrizionelaboratorio/?q=(page_size:100)"),
        ("Laboratorio", "/api/v1/presenza/?q=(page_size:100)"),
        ("Laboratorio", f"/api/v1/laboratorio/sessione/{sc.sessione}/presenze"),
        ("ModelloLaboratorio", "/api/v1/modellolaboratorio/"),
        ("EventoFormativo", "/api/v1/eventoformativo/"), ("EventoFormativo", "/api/v1/partecipazioneevento/"),
        ("Accordo", "/api/v1/accordo/"), ("Accordo", f"/api/v1/accordo/{sc.accordo}"),
        ("Laboratorio", "/api/v1/iscrizionelaboratorio/_info"), ("Laboratorio", "/api/v1/presenza/_info"),
        ("Cruscotto", "/api/v1/cruscotto/"),
    ]


def _codici_ok(sc, username, testo, url):
    trovati = set(RE_CODICE.findall(testo))
    ammessi = {sc.donne[b].codice for b in visibili(sc, username)}
    assert trovati <= ammessi, f"{username} vede codici fuori perimetro in {url}: {sorted(trovati - ammessi)}"
    return trovati


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_matrice_schermate(username, app, scenario, pii):
    sc, c = scenario, login(app.test_client(), username)
    s = Scanner(proibiti_per(pii, ente_di(app, username)))
    for risorsa, url in _schermate(sc):
        r = c.get(url)
        s.verifica(r, url)
        atteso = 200 if ruolo(username) in LEGGE[risorsa] else 403
        assert r.status_code == atteso, f"{username} {url} -> {r.status_code}"
        if r.status_code == 200:
            trovati = _codici_ok(sc, username, r.get_data(as_text=True), url)
            if url.startswith("/presenze/") or url.startswith("/iscrizionelaboratorioview/list"):
                # Every enrolled woman she may see is on the list.
                attese = {sc.donne[b].codice for b in sc.iscritte if b in visibili(sc, username)}
                assert attese <= trovati, f"{username} {url}: mancano {sorted(attese - trovati)}"
    # The menu offers Asse I to its readers only.
    menu = c.get("/").get_data(as_text=True)
    assert ('href="/laboratorioview/list/"' in menu) == (ruolo(username) in LEGGE["Laboratorio"]), username
    assert ('href="/accordoview/list/"' in menu) == (ruolo(username) in LEGGE["Accordo"]), username
    for risorsa, url in [("Laboratorio", "/iscrizionelaboratorioview/add"), ("Laboratorio", "/laboratorioview/add"),
                         ("Accordo", "/accordoview/add"), ("ModelloLaboratorio", "/modellolaboratorioview/add"),
                         ("EventoFormativo", "/eventoformativoview/add")]:
        r = c.get(url)
        s.verifica(r, url)
        scrive = ruolo(username) in SCRIVE[risorsa]
        if url == "/laboratorioview/add":
            scrive = ruolo(username) == "capofila"  # editions: the capofila's
        assert r.status_code == (200 if scrive else 403), f"{username} {url} -> {r.status_code}"
        if r.status_code == 200:
            _codici_ok(sc, username, r.get_data(as_text=True), url)


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_matrice_api(username, app, scenario, pii):
    sc = scenario
    c = app.test_client()
    a = ApiClient(c, token_per(c, username))
    s = Scanner(proibiti_per(pii, None))  # the API answers codes only, to everyone
    for risorsa, url in _api(sc):
        r = a.get(url)
        s.verifica(r, url)
        atteso = 200 if ruolo(username) in LEGGE[risorsa] else 403
        assert r.status_code == atteso, f"{username} {url} -> {r.status_code}: {r.get_data(as_text=True)[:200]}"
        if r.status_code == 200:
            _codici_ok(sc, username, r.get_data(as_text=True), url)
    if ruolo(username) in LEGGE["Laboratorio"]:
        righe = a.get("/api/v1/iscrizionelaboratorio/?q=(page_size:100)").get_json()["result"]
        assert {x["beneficiaria"]["id"] for x in righe} <= visibili(sc, username)
        presenze = a.get(f"/api/v1/laboratorio/sessione/{sc.sessione}/presenze").get_json()["result"]
        assert {x["beneficiaria_id"] for x in presenze} == {b for b in sc.iscritte if b in visibili(sc, username)}

    # Writing: attendance (her visible women, here: none changed) and an agreement.
    r = a.post(f"/api/v1/laboratorio/sessione/{sc.sessione}/presenze",
               json={"presenti": [b for b in sc.iscritte if b in visibili(sc, username)]})
    assert r.status_code == (200 if ruolo(username) in SCRIVE["Laboratorio"] else 403), r.get_data(as_text=True)
    s.verifica(r, "POST presenze")
    r = a.post("/api/v1/accordo/", json={"controparte": "Prova matrice", "tipo": "patto", "area": "lavoro"})
    assert r.status_code == (201 if ruolo(username) in SCRIVE["Accordo"] else 403)
    r = a.post("/api/v1/eventoformativo/", json={"data": _futura(), "tema": "Prova matrice"})
    assert r.status_code == (201 if ruolo(username) in SCRIVE["EventoFormativo"] else 403)
    # Enrolment: a woman outside her perimeter is refused, and never named.
    fuori = [b for b in sc.donne if b not in visibili(sc, username)]
    if fuori:
        r = a.post("/api/v1/iscrizionelaboratorio/", json={"laboratorio": sc.lab, "beneficiaria": fuori[0]})
        assert r.status_code in ((422,) if ruolo(username) in SCRIVE["Laboratorio"] else (403,)), r.get_json()
        s.verifica(r, "POST iscrizione")
        assert sc.donne[fuori[0]].codice not in r.get_data(as_text=True)
    assert all(presenze_di(app, sc.sessione)[b] is True for b in sc.iscritte)


def test_anonimi_rimandati_al_login_o_401(app, scenario):
    c = app.test_client()
    for _, url in _schermate(scenario):
        r = c.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url
    for _, url in _api(scenario):
        assert c.get(url).status_code == 401, url


def test_documento_dell_accordo_caricato_e_scaricabile_solo_da_chi_lo_vede(app, client_di):
    """The agreement's document is a real file outside the database, served by the record's view."""
    import io

    from tests.conftest import csrf_da

    c = client_di("capofila")
    pagina = c.get("/accordoview/add").get_data(as_text=True)
    contenuto = b"%PDF-1.4 protocollo firmato"
    r = c.post("/accordoview/add", content_type="multipart/form-data", data={
        "csrf_token": csrf_da(pagina), "controparte": "Fondazione di prova documento", "tipo": "protocollo",
        "area": "abitare", "stato": "firmato", "data_firma": "2023-05-04", "note": "",
        "file_allegato": (io.BytesIO(contenuto), "protocollo.pdf")})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    from sqlalchemy import select

    from app import models as m
    from app.extensions import db

    with app.app_context():
        acc = db.session.execute(select(m.Accordo).where(
            m.Accordo.controparte == "Fondazione di prova documento")).scalar_one()
        aid, nome = acc.id, acc.allegato
        db.session.remove()
    assert nome and nome.endswith(".pdf") and "protocollo" not in nome
    r = c.get(f"/accordoview/allegato/{aid}")
    assert r.status_code == 200 and r.data == contenuto
    assert f"/accordoview/allegato/{aid}" in c.get(f"/accordoview/show/{aid}").get_data(as_text=True)
    assert client_di("regione").get(f"/accordoview/allegato/{aid}").status_code == 403
    assert client_di("servizi.cpi").get(f"/accordoview/allegato/{aid}").status_code == 403
