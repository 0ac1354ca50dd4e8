"""Forms that start empty, are bound to the record they were opened from and offer only what
makes sense (issue 11, points 3 and 8): through the real login and CSRF, reading the HTML a
browser would get."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.aiuti_percorso import crea, nuova_segnalazione, valuta
from tests.conftest import csrf_da


class _Select(HTMLParser):
    """{select name: [(value, label, selected)]} of a page."""

    def __init__(self):
        super().__init__()
        self.selects, self._nome, self._opz = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "select":
            self._nome = a.get("name")
            self.selects[self._nome] = []
        elif tag == "option" and self._nome:
            self._opz = [a.get("value"), "", "selected" in a]
            self.selects[self._nome].append(self._opz)

    def handle_data(self, data):
        if self._opz is not None:
            self._opz[1] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self._opz = None
        elif tag == "select":
            self._nome = None


def scelte(html):
    p = _Select()
    p.feed(html)
    return {n: [(v, t.strip(), s) for v, t, s in o] for n, o in p.selects.items()}


def scelto(opzioni):
    """The value the browser would send: the selected option, else the first."""
    sel = [v for v, _, s in opzioni if s]
    return sel[0] if sel else opzioni[0][0]


VUOTO = ("", "__None")


def _donna(app, api_cav, ambito="CM"):
    from app import models as m
    from app.extensions import db

    with app.app_context():
        aid = db.session.query(m.Ambito).filter_by(codice=ambito).one().id
        db.session.remove()
    return crea(api_cav, "beneficiaria", {
        "ambito": aid, "data_presa_in_carico": "2022-01-10", "fascia_eta": "30-39", "cittadinanza": "italiana",
        "figli_minori": 0, "relazione_autore": "ex_partner", "condizione_occupazionale": "disoccupata"})


@pytest.fixture
def in_attesa(app, api_di):
    """A fresh Crema woman with one segnalazione the équipe has not evaluated: (bid, sid)."""
    cav = api_di("cav.crema")
    bid = _donna(app, cav)
    return bid, nuova_segnalazione(cav, bid)


# --- point 3: required choices start empty ------------------------------------------------

def test_esito_della_valutazione_parte_vuoto_e_offre_solo_segnalazioni_in_attesa(app, api_di, client_di, in_attesa):
    _, sid = in_attesa
    ammessa = nuova_segnalazione(api_di("cav.crema"), in_attesa[0])
    valuta(api_di("equipe.crema"), ammessa)
    s = scelte(client_di("equipe.crema").get("/valutazioneview/add").get_data(as_text=True))
    assert scelto(s["esito"]) in VUOTO
    assert scelto(s["segnalazione"]) in VUOTO
    offerte = {v for v, _, _ in s["segnalazione"]}
    assert str(sid) in offerte and str(ammessa) not in offerte


def test_valutazione_senza_esito_rifiutata_in_italiano(client_di, in_attesa):
    _, sid = in_attesa
    c = client_di("equipe.crema")
    pagina = c.get("/valutazioneview/add").get_data(as_text=True)
    r = c.post("/valutazioneview/add", data={"csrf_token": csrf_da(pagina), "segnalazione": str(sid), "esito": "",
                                             "pronta": "1", "data": "2022-05-20", "motivazione": ""})
    assert r.status_code == 200
    assert "Campo obbligatorio." in r.get_data(as_text=True)
    assert "In attesa di valutazione" in client_di("cav.crema").get(f"/segnalazioneview/show/{sid}").get_data(as_text=True)


def test_segnalazione_del_modulo_vuota_se_non_scelta_rifiutata_in_italiano(client_di, in_attesa):
    c = client_di("equipe.crema")
    pagina = c.get("/valutazioneview/add").get_data(as_text=True)
    r = c.post("/valutazioneview/add", data={"csrf_token": csrf_da(pagina), "segnalazione": "__None",
                                             "esito": "ammessa", "pronta": "1", "data": "2022-05-20"})
    assert r.status_code == 200
    testo = r.get_data(as_text=True)
    assert "Campo obbligatorio." in testo and "This field is required" not in testo


def test_profilo_della_nuova_beneficiaria_parte_vuoto(client_di):
    s = scelte(client_di("cav.crema").get("/beneficiariaview/add").get_data(as_text=True))
    for campo in ("fascia_eta", "cittadinanza", "relazione_autore", "condizione_occupazionale"):
        assert scelto(s[campo]) in VUOTO, (campo, s[campo][:2])


def test_progetto_aperto_dalla_pagina_di_lei_e_legato_a_lei(app, api_di, client_di, in_attesa):
    bid, sid = in_attesa
    valuta(api_di("equipe.crema"), sid)
    c = client_di("cav.crema")
    s = scelte(c.get(f"/progettoview/add?_flt_0_beneficiaria={bid}").get_data(as_text=True))
    assert [v for v, _, _ in s["segnalazione"] if v not in VUOTO] == [str(sid)]
    assert scelto(s["segnalazione"]) == str(sid)
    # From the menu: nothing chosen for her, but her admitted segnalazione is offered.
    s = scelte(c.get("/progettoview/add").get_data(as_text=True))
    assert scelto(s["segnalazione"]) in VUOTO and str(sid) in {v for v, _, _ in s["segnalazione"]}
    assert scelto(s["area"]) in VUOTO


def test_progetto_non_offre_segnalazioni_non_ammesse_o_gia_progettate(app, api_di, client_di, in_attesa):
    bid, sid = in_attesa
    cav = api_di("cav.crema")
    valuta(api_di("equipe.crema"), sid)
    crea(cav, "progetto", {"segnalazione": sid, "area": "lavoro", "obiettivi": "autonomia",
                           "data_inizio": "2022-06-01", "data_fine": "2023-06-01"})
    in_sospeso = nuova_segnalazione(cav, bid)
    s = scelte(client_di("cav.crema").get(f"/progettoview/add?_flt_0_beneficiaria={bid}").get_data(as_text=True))
    offerte = {v for v, _, _ in s["segnalazione"]} - set(VUOTO)
    assert offerte == set() and str(in_sospeso) not in offerte


def _voci(html):
    return [t for v, t, _ in scelte(html)["voce"] if v not in VUOTO]


def test_spesa_di_un_cav_parte_vuota_e_senza_voci_dell_asse_i(client_di):
    html = client_di("cav.crema").get("/spesaview/add").get_data(as_text=True)
    assert scelto(scelte(html)["voce"]) in VUOTO
    voci = _voci(html)
    assert voci and not [t for t in voci if t.startswith("I-")], voci
    assert any(t.startswith("II-") for t in voci)


def test_spesa_del_capofila_offre_le_voci_dell_asse_i(client_di):
    voci = _voci(client_di("capofila").get("/spesaview/add").get_data(as_text=True))
    assert voci and all(t.startswith("I-") for t in voci), voci


def test_modifica_di_una_spesa_del_cav_senza_voci_dell_asse_i(app, api_di, client_di):
    from tests.aiuti_percorso import progetto_validato, spesa, voce_id

    pid, _ = progetto_validato(api_di)
    r = spesa(api_di("cav.crema"), pid, voce_id(app, "III-PASTI"), "12.50")
    assert r.status_code == 201, r.get_json()
    html = client_di("cav.crema").get(f"/spesaview/edit/{r.get_json()['id']}").get_data(as_text=True)
    voci = _voci(html)
    assert not [t for t in voci if t.startswith("I-")], voci
    assert [t for v, t, sel in scelte(html)["voce"] if sel][0].startswith("III-PASTI")


# --- point 8: the équipe evaluates from the segnalazione's page -----------------------------

def _valuta_link(html):
    return re.findall(r'id="valuta" href="([^"]+)"', html)


def test_valuta_dalla_pagina_della_segnalazione(app, client_di, in_attesa):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    bid, sid = in_attesa
    with app.app_context(), come_sistema():
        codice = db.session.get(m.Beneficiaria, bid).codice
        db.session.remove()
    c = client_di("equipe.crema")
    link = _valuta_link(c.get(f"/segnalazioneview/show/{sid}").get_data(as_text=True))
    assert link == [f"/valutazioneview/add?_flt_0_segnalazione={sid}"]
    pagina = c.get(link[0].replace("&amp;", "&")).get_data(as_text=True)
    assert 'name="segnalazione"' not in pagina  # bound: nothing to choose, and the title says which
    assert f"Valutazione della Segnalazione {codice} del 02/05/2022" in pagina
    r = c.post(link[0], data={"csrf_token": csrf_da(pagina), "esito": "ammessa", "pronta": "1",
                              "data": "2022-05-20", "motivazione": ""})
    assert r.status_code == 302
    with app.app_context(), come_sistema():
        esiti = [v.esito for v in db.session.get(m.Segnalazione, sid).valutazioni]
        db.session.remove()
    assert esiti == ["ammessa"]
    # Evaluated: no more «Valuta», and a second valutazione is refused.
    assert _valuta_link(c.get(f"/segnalazioneview/show/{sid}").get_data(as_text=True)) == []
    r = c.post(link[0], data={"csrf_token": csrf_da(pagina), "esito": "non_ammessa", "data": "2022-05-21",
                              "motivazione": "ripensamento"})
    assert r.status_code == 200 and "già stata valutata" in r.get_data(as_text=True)


def test_valuta_solo_per_l_equipe_del_suo_ambito(client_di, in_attesa):
    url = f"/segnalazioneview/show/{in_attesa[1]}"
    assert _valuta_link(client_di("equipe.crema").get(url).get_data(as_text=True))
    for chi in ("cav.crema", "capofila", "equipe.cremona", "admin", "regione", "servizi.cpi"):
        r = client_di(chi).get(url)
        assert r.status_code in (200, 403, 404), chi
        assert _valuta_link(r.get_data(as_text=True)) == [], chi


def test_seconda_valutazione_via_api_rifiutata(api_di, in_attesa):
    eq = api_di("equipe.crema")
    valuta(eq, in_attesa[1], esito="sospesa", motivazione="in attesa di documenti")
    valuta(eq, in_attesa[1])  # a suspended one is decided later
    r = valuta(eq, in_attesa[1], esito="non_ammessa", motivazione="ripensamento", atteso=422)
    assert "già stata valutata" in str(r.get_json())


def test_segnalazioni_in_attesa_lo_dicono(api_di, client_di, in_attesa):
    bid, sid = in_attesa
    valuta(api_di("equipe.crema"), nuova_segnalazione(api_di("cav.crema"), bid))
    # Her page lists her two segnalazioni: one pending, one admitted.
    html = client_di("cav.crema").get(f"/beneficiariaview/show/{bid}").get_data(as_text=True)
    scheda = html[html.index('id="SegnalazioneView"'):]  # the tab's list (her summary above says it too)
    assert scheda.count("In attesa di valutazione") == 1 and "Ammessa (" in scheda


def test_l_elenco_mostra_l_ultima_valutazione_letta_con_la_riga(api_di, client_di, in_attesa):
    """The list's «Valutazione» is the last decision (read with the row by the list's statement):
    suspended on the 12th, admitted on the 14th."""
    bid, sid = in_attesa
    eq = api_di("equipe.crema")
    valuta(eq, sid, esito="sospesa", motivazione="in attesa di documenti", data="2022-05-12")
    valuta(eq, sid, data="2022-05-14")
    html = client_di("cav.crema").get(f"/beneficiariaview/show/{bid}").get_data(as_text=True)
    scheda = html[html.index('id="SegnalazioneView"'):]
    assert "Ammessa (14/05/2022)" in scheda and "Sospesa" not in scheda


# --- point 1: the attendance screen of a session with times ---------------------------------

@pytest.mark.parametrize("chi", ["capofila", "cav.cremona"])
def test_presenze_di_una_sessione_demo_con_orari(app, client_di, chi):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        sid = db.session.query(m.SessioneLaboratorio).filter_by(tema="Conoscersi").one().id
        db.session.remove()
    r = client_di(chi).get(f"/presenze/{sid}")
    assert r.status_code == 200
    assert "dalle 09:30 alle 12:00" in r.get_data(as_text=True)
