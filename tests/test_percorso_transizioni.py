"""Every transition of the progetto personalizzato through the HTTP layer: the ones the workflow
allows, the ones it refuses (by state, by role, by missing data), through the REST API and
through the browser (forms with CSRF), and the history they leave behind."""
from __future__ import annotations

import html
import re

import pytest

from conftest import ApiClient, csrf_da, ente_di, token_per

from tests.aiuti_percorso import CAV, EQUIPE, crea, nuova_segnalazione, valuta, transita, passa  # noqa: E402
NOTA_INTERRUZIONE = "non sostenibile dal punto di vista psico-fisico"


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




def nuova_donna(cav):
    """A new woman held by the CAV behind `cav`, in the CAV's own ambito."""
    ambiti = {a["codice"]: a["id"] for a in cav.get("/api/v1/ambito/").get_json()["result"]}
    ambito = next(a for a, u in CAV.items() if cav is _CLIENT.get(u))
    donna = crea(cav, "beneficiaria", {"ambito": ambiti[ambito], "fascia_eta": "30-39",
                                       "condizione_occupazionale": "disoccupata"})
    return donna, cav.get(f"/api/v1/beneficiaria/{donna}").get_json()["result"]["codice"]






def dati_progetto(segn, budget=0, inizio="2022-06-01", fine="2023-05-31"):
    return {"segnalazione": segn, "area": "lavoro", "obiettivi": "autonomia economica e lavorativa",
            "data_inizio": inizio, "data_fine": fine, "budget_asse_ii": budget, "budget_asse_iii": 0,
            "budget_asse_iv": 0}






def rifiutata(chi, pid, verso, nota=None, contiene=None):
    prima = stato(chi, pid)
    r = transita(chi, pid, verso, nota)
    assert r.status_code == 422, (verso, r.status_code, r.get_json())
    motivi = r.get_json()["message"]["_schema"]
    assert motivi and all(isinstance(m, str) and m for m in motivi)
    if contiene:
        assert any(contiene in m for m in motivi), motivi
    assert stato(chi, pid) == prima
    return motivi


def stato(chi, pid):
    r = chi.get(f"/api/v1/progetto/{pid}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["result"]["stato"]


def caso(api, ambito="CM", budget=0, fino_a="bozza"):
    """A fresh woman of the ambito's CAV, her segnalazione admitted, a project brought to `fino_a`."""
    cav, equipe = api(CAV[ambito]), api(EQUIPE[ambito])
    donna, codice = nuova_donna(cav)
    segn = nuova_segnalazione(cav, donna)
    valuta(equipe, segn)
    pid = crea(cav, "progetto", dati_progetto(segn, budget))
    percorso = [(cav, "proposto"), (equipe, "validato_equipe")]
    if budget:
        percorso.append((api("capofila"), "validato_capofila"))
    percorso += [(cav, "in_corso"), (cav, "concluso")]
    if fino_a != "bozza":
        for chi, verso in percorso:
            passa(chi, pid, verso)
            if verso == fino_a:
                break
    return {"pid": pid, "donna": donna, "codice": codice, "segn": segn}


# --- allowed transitions -------------------------------------------------------------------

def test_cav_propone_la_bozza_e_la_riporta_in_bozza(api):
    cav = api("cav.crema")
    pid = caso(api)["pid"]
    assert stato(cav, pid) == "bozza"
    passa(cav, pid, "proposto")
    passa(cav, pid, "bozza", nota="obiettivi da rivedere")
    passa(cav, pid, "proposto")


def test_equipe_del_suo_ambito_valida_il_progetto_proposto(api):
    pid = caso(api, "CR", fino_a="proposto")["pid"]
    passa(api("equipe.cremona"), pid, "validato_equipe")
    p = api("cav.cremona").get(f"/api/v1/progetto/{pid}").get_json()["result"]
    assert p["data_validazione_equipe"]


def test_con_fondi_regionali_il_capofila_valida_prima_dell_avvio(api):
    cav, capofila = api("cav.crema"), api("capofila")
    pid = caso(api, budget=2500, fino_a="validato_equipe")["pid"]
    rifiutata(cav, pid, "in_corso", contiene="capofila")
    passa(capofila, pid, "validato_capofila")
    passa(cav, pid, "in_corso")
    passa(cav, pid, "concluso")
    p = cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]
    assert p["data_validazione_capofila"] and p["data_avvio"] and p["data_chiusura"]


def test_senza_fondi_regionali_da_validato_equipe_si_avvia_direttamente(api):
    cav = api("cav.casalmaggiore")
    pid = caso(api, "CA", budget=0, fino_a="validato_equipe")["pid"]
    passa(cav, pid, "in_corso")
    passa(cav, pid, "concluso")


def test_un_budget_regionale_su_qualunque_asse_richiede_il_capofila(api):
    cav, equipe = api("cav.crema"), api("equipe.crema")
    donna, _ = nuova_donna(cav)
    segn = nuova_segnalazione(cav, donna, area="abitare")
    valuta(equipe, segn, pronta=None)
    pid = crea(cav, "progetto", dict(dati_progetto(segn, 0), area="abitare", budget_asse_iv=800))
    passa(cav, pid, "proposto")
    passa(equipe, pid, "validato_equipe")
    rifiutata(cav, pid, "in_corso", contiene="capofila")


def test_in_corso_si_interrompe_con_una_nota(api):
    cav = api("cav.crema")
    pid = caso(api, fino_a="in_corso")["pid"]
    rifiutata(cav, pid, "interrotto", contiene="motivo")
    rifiutata(cav, pid, "interrotto", nota="   ", contiene="motivo")
    passa(cav, pid, "interrotto", nota=NOTA_INTERRUZIONE)
    p = cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]
    assert p["motivo_interruzione"] == NOTA_INTERRUZIONE
    assert p["data_chiusura"]


def test_proposto_si_interrompe_con_una_nota(api):
    cav = api("cav.crema")
    pid = caso(api, fino_a="proposto")["pid"]
    rifiutata(cav, pid, "interrotto", contiene="motivo")
    passa(cav, pid, "interrotto", nota="la donna ha lasciato il percorso")


# --- refused by state ----------------------------------------------------------------------

@pytest.mark.parametrize("finale", ["concluso", "interrotto"])
def test_un_progetto_chiuso_non_si_muove_piu(api, finale):
    cav = api("cav.crema")
    pid = caso(api, fino_a="in_corso")["pid"]
    passa(cav, pid, finale, nota="chiusura")
    for chi, verso in [(cav, "bozza"), (cav, "proposto"), (api("equipe.crema"), "validato_equipe"),
                       (api("capofila"), "validato_capofila"), (cav, "in_corso"), (cav, "concluso"),
                       (cav, "interrotto")]:
        rifiutata(chi, pid, verso, nota="tentativo", contiene="nessuna transizione possibile")


def test_dalla_bozza_non_si_avvia_ne_si_valida(api):
    cav = api("cav.crema")
    pid = caso(api)["pid"]
    rifiutata(cav, pid, "in_corso", contiene="non si può passare")
    rifiutata(api("equipe.crema"), pid, "validato_equipe", contiene="non si può passare")
    rifiutata(cav, pid, "concluso", contiene="non si può passare")


def test_stato_inesistente_o_richiesta_malformata(api):
    cav = api("cav.crema")
    pid = caso(api)["pid"]
    rifiutata(cav, pid, "archiviato", contiene="non esiste")
    assert cav.post(f"/api/v1/progetto/{pid}/transizione", json={"nota": "x"}).status_code == 400
    assert cav.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": 3}).status_code == 400
    assert stato(cav, pid) == "bozza"


# --- refused by role -----------------------------------------------------------------------

def test_operatrice_cav_non_valida_al_posto_dell_equipe(api):
    pid = caso(api, fino_a="proposto")["pid"]
    rifiutata(api("cav.crema"), pid, "validato_equipe", contiene="Solo l'équipe territoriale")


def test_equipe_di_un_altro_ambito_non_valida(api):
    cav = api("cav.crema")
    pid = caso(api, fino_a="proposto")["pid"]
    for altra in ("equipe.cremona", "equipe.casalmaggiore"):
        r = transita(api(altra), pid, "validato_equipe")
        assert r.status_code in (404, 422), r.status_code
        assert api(altra).get(f"/api/v1/progetto/{pid}").status_code == 404
    assert stato(cav, pid) == "proposto"


def test_equipe_non_valida_al_posto_del_capofila(api):
    pid = caso(api, budget=1000, fino_a="validato_equipe")["pid"]
    rifiutata(api("equipe.crema"), pid, "validato_capofila", contiene="Solo il capofila")


def test_capofila_non_propone_ne_avvia_il_progetto(api):
    capofila = api("capofila")
    pid = caso(api)["pid"]
    rifiutata(capofila, pid, "proposto", contiene="coordina")
    passa(api("cav.crema"), pid, "proposto")
    rifiutata(capofila, pid, "validato_equipe", contiene="Solo l'équipe territoriale")


@pytest.mark.parametrize("utente", ["regione", "admin"])
def test_regione_e_amministratore_ricevono_403(api, utente):
    cav = api("cav.crema")
    pid = caso(api, fino_a="proposto")["pid"]
    chi = api(utente)
    assert transita(chi, pid, "interrotto", nota="x").status_code == 403
    assert chi.get(f"/api/v1/progetto/{pid}").status_code == 403
    assert chi.get(f"/api/v1/progetto/{pid}/storico").status_code == 403
    assert stato(cav, pid) == "proposto"


def test_servizi_non_coordinatore_non_fa_avanzare_il_progetto(api, app):
    with app.app_context():
        cpi_id = app.appbuilder.sm.find_user(username="servizi.cpi").id
    cav, equipe, cpi = api("cav.cremona"), api("equipe.cremona"), api("servizi.cpi")
    # Not in her micro-équipe: the CPI does not even see the project.
    estraneo = caso(api, "CR", fino_a="proposto")["pid"]
    assert transita(cpi, estraneo, "interrotto", nota="x").status_code == 404
    assert stato(cav, estraneo) == "proposto"
    # Member of the micro-équipe coordinated by the CAV: sees it, cannot move it.
    donna, _ = nuova_donna(cav)
    segn = nuova_segnalazione(cav, donna)
    valuta(equipe, segn)
    crea(cav, "microequipe", {"beneficiaria": donna, "ente_coordinatore": ente_di(app, "cav.cremona"),
                              "membri": [cpi_id], "note": "tirocinio con il CPI"})
    pid = crea(cav, "progetto", dati_progetto(segn))
    assert cpi.get(f"/api/v1/progetto/{pid}").status_code == 200
    rifiutata(cpi, pid, "proposto", contiene="coordina")
    passa(cav, pid, "proposto")
    passa(equipe, pid, "validato_equipe")
    rifiutata(cpi, pid, "in_corso", contiene="coordina")
    rifiutata(cpi, pid, "interrotto", nota="x", contiene="coordina")


# --- refused by missing or wrong data ------------------------------------------------------

def test_data_fine_prima_della_data_inizio_rifiutata_alla_creazione(api):
    cav, equipe = api("cav.crema"), api("equipe.crema")
    donna, _ = nuova_donna(cav)
    segn = nuova_segnalazione(cav, donna)
    valuta(equipe, segn)
    r = crea(cav, "progetto", dati_progetto(segn, inizio="2023-06-01", fine="2023-01-31"), atteso=422)
    assert "precede" in str(r.get_json())
    r = crea(cav, "progetto", dict(dati_progetto(segn), obiettivi=""), atteso=422)
    assert "obiettivi" in str(r.get_json()).lower()


def test_progetto_solo_su_segnalazione_ammessa(api):
    cav, equipe = api("cav.crema"), api("equipe.crema")
    donna, _ = nuova_donna(cav)
    senza = nuova_segnalazione(cav, donna)
    r = crea(cav, "progetto", dati_progetto(senza), atteso=422)
    assert "ammessa" in str(r.get_json())
    for esito in ("sospesa", "non_ammessa"):
        segn = nuova_segnalazione(cav, donna)
        valuta(equipe, segn, esito=esito, pronta=None, motivazione="documentazione incompleta")
        r = crea(cav, "progetto", dati_progetto(segn), atteso=422)
        assert "ammessa" in str(r.get_json())
    # A suspended segnalazione admitted later (a newer valutazione) can become a project.
    segn = nuova_segnalazione(cav, donna)
    valuta(equipe, segn, esito="sospesa", pronta=None, motivazione="in attesa del colloquio", data="2022-05-10")
    valuta(equipe, segn, esito="ammessa", pronta=True, data="2022-06-10")
    crea(cav, "progetto", dati_progetto(segn))


def test_valutazione_non_ammessa_richiede_la_motivazione(api):
    cav, equipe = api("cav.crema"), api("equipe.crema")
    donna, _ = nuova_donna(cav)
    segn = nuova_segnalazione(cav, donna)
    for esito in ("non_ammessa", "sospesa"):
        r = valuta(equipe, segn, esito=esito, pronta=None, motivazione="", atteso=422)
        assert "motivazione" in str(r.get_json()), r.get_json()
        r = valuta(equipe, segn, esito=esito, pronta=None, motivazione="   ", atteso=422)
    vid = valuta(equipe, segn, esito="non_ammessa", pronta=None, motivazione="requisiti non presenti")
    v = equipe.get(f"/api/v1/valutazione/{vid}").get_json()["result"]
    assert v["esito"] == "non_ammessa" and v["motivazione"] == "requisiti non presenti"


def test_valutazione_solo_dall_equipe_dell_ambito(api):
    cav = api("cav.crema")
    donna, _ = nuova_donna(cav)
    segn = nuova_segnalazione(cav, donna)
    valuta(api("equipe.cremona"), segn, atteso=422)
    assert cav.post("/api/v1/valutazione/", json={"segnalazione": segn, "esito": "ammessa", "pronta": True,
                                                  "data": "2022-05-10"}).status_code == 403
    valuta(api("equipe.crema"), segn)


def test_il_contenuto_non_si_modifica_dopo_la_validazione(api):
    cav = api("cav.crema")
    pid = caso(api)["pid"]
    r = cav.put(f"/api/v1/progetto/{pid}", json={"obiettivi": "autonomia abitativa"})
    assert r.status_code == 200, r.get_json()
    r = cav.put(f"/api/v1/progetto/{pid}", json={"data_inizio": "2023-06-01", "data_fine": "2023-01-01"})
    assert r.status_code == 422
    passa(cav, pid, "proposto")
    passa(api("equipe.crema"), pid, "validato_equipe")
    for dati in ({"obiettivi": "cambiati dopo la validazione"}, {"budget_asse_ii": 9000}):
        r = cav.put(f"/api/v1/progetto/{pid}", json=dati)
        assert r.status_code == 422, r.get_json()
        assert "bozza" in str(r.get_json())
    p = cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]
    assert p["obiettivi"] == "autonomia abitativa"
    assert float(p["budget_asse_ii"]) == 0
    assert p["stato"] == "validato_equipe"


def test_un_progetto_validato_non_si_cancella_con_il_suo_storico(api):
    """Like its content, a validated project (and the history that proves it) is not erased."""
    cav = api("cav.crema")
    pid = caso(api, fino_a="in_corso")["pid"]
    r = cav.delete(f"/api/v1/progetto/{pid}")
    assert r.status_code in (403, 422), r.status_code
    assert stato(cav, pid) == "in_corso"
    assert len(cav.get(f"/api/v1/progetto/{pid}/storico").get_json()["result"]) == 3


# --- history -------------------------------------------------------------------------------

def test_lo_storico_registra_chi_da_dove_verso_dove_e_la_nota(api):
    cav = api("cav.crema")
    pid = caso(api, budget=1200, fino_a="in_corso")["pid"]
    passa(cav, pid, "interrotto", nota=NOTA_INTERRUZIONE)
    storico = cav.get(f"/api/v1/progetto/{pid}/storico").get_json()["result"]
    assert [(t["da"], t["a"], t["utente"]) for t in storico] == [
        ("bozza", "proposto", "cav.crema"),
        ("proposto", "validato_equipe", "equipe.crema"),
        ("validato_equipe", "validato_capofila", "capofila"),
        ("validato_capofila", "in_corso", "cav.crema"),
        ("in_corso", "interrotto", "cav.crema"),
    ]
    assert storico[-1]["nota"] == NOTA_INTERRUZIONE
    assert all(t["quando"] for t in storico)
    # Refused transitions leave no trace.
    rifiutata(cav, pid, "concluso")
    assert len(cav.get(f"/api/v1/progetto/{pid}/storico").get_json()["result"]) == 5
    # The capofila reads the same history; another CAV does not.
    assert len(api("capofila").get(f"/api/v1/progetto/{pid}/storico").get_json()["result"]) == 5
    assert api("cav.cremona").get(f"/api/v1/progetto/{pid}/storico").status_code == 404


# --- the browser -----------------------------------------------------------------------------

def _mostra(client, pid):
    r = client.get(f"/progettoview/show/{pid}")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def csrf_dei_pulsanti(pagina):
    """The token of the transition forms on the show page (any attribute order)."""
    for tag in re.findall(r"<input[^>]*>", pagina):
        if 'name="csrf_token"' in tag:
            return re.search(r'value="([^"]+)"', tag).group(1)
    raise AssertionError("nessun token CSRF nei pulsanti della pagina")


def _invia(client, pid, verso, nota=None, csrf=True):
    dati = {"verso": verso}
    if nota is not None:
        dati["nota"] = nota
    if csrf:
        dati["csrf_token"] = csrf_dei_pulsanti(_mostra(client, pid))
    return client.post(f"/progettoview/transizione/{pid}", data=dati)


def test_pagina_del_progetto_mostra_i_passaggi_e_i_motivi_di_rifiuto(api, client_di):
    pid = caso(api, fino_a="proposto")["pid"]
    pagina = html.unescape(_mostra(client_di("cav.crema"), pid))
    for verso in ("validato_equipe", "bozza", "interrotto"):
        assert f'data-verso="{verso}"' in pagina
    assert 'data-verso="in_corso"' not in pagina
    assert "Solo l'équipe territoriale può validare il progetto" in pagina
    # For the équipe of the ambito the same button carries no reason.
    pagina = html.unescape(_mostra(client_di("equipe.crema"), pid))
    assert 'data-verso="validato_equipe"' in pagina
    assert "Solo l'équipe territoriale può validare il progetto" not in pagina


def test_percorso_dal_browser_con_token_csrf(api, client_di):
    cav_api = api("cav.crema")
    pid = caso(api)["pid"]
    cav, equipe = client_di("cav.crema"), client_di("equipe.crema")
    for client, verso, nota in [(cav, "proposto", None), (equipe, "validato_equipe", None),
                                (cav, "in_corso", None), (cav, "interrotto", NOTA_INTERRUZIONE)]:
        r = _invia(client, pid, verso, nota)
        assert r.status_code == 302
        assert r.headers["Location"].endswith(f"/progettoview/show/{pid}")
        assert stato(cav_api, pid) == verso
    pagina = _mostra(cav, pid)
    assert "nessun passaggio possibile" in pagina
    assert "data-verso=" not in pagina


def test_transizione_rifiutata_dal_browser_lascia_lo_stato_e_mostra_il_motivo(api, client_di):
    cav_api = api("cav.crema")
    pid = caso(api, fino_a="proposto")["pid"]
    cav = client_di("cav.crema")
    r = _invia(cav, pid, "in_corso")
    assert r.status_code == 302
    assert stato(cav_api, pid) == "proposto"
    pagina = html.unescape(cav.get(r.headers["Location"]).get_data(as_text=True))
    assert "Da «Proposto» non si può passare a «In corso»" in pagina
    r = _invia(cav, pid, "interrotto", nota="")
    assert stato(cav_api, pid) == "proposto"
    pagina = html.unescape(cav.get(r.headers["Location"]).get_data(as_text=True))
    assert "Indica il motivo dell'interruzione" in pagina


def test_transizione_dal_browser_senza_csrf_rifiutata(api, client_di):
    cav_api = api("cav.crema")
    pid = caso(api)["pid"]
    cav = client_di("cav.crema")
    r = _invia(cav, pid, "proposto", csrf=False)
    assert r.status_code == 400
    r = cav.post(f"/progettoview/transizione/{pid}", data={"verso": "proposto", "csrf_token": "falso"})
    assert r.status_code == 400
    assert stato(cav_api, pid) == "bozza"
    assert cav_api.get(f"/api/v1/progetto/{pid}/storico").get_json()["result"] == []


def test_browser_di_altri_non_vede_ne_muove_il_progetto(api, client_di):
    cav_api = api("cav.crema")
    pid = caso(api, fino_a="proposto")["pid"]
    altra = client_di("cav.cremona")
    assert altra.get(f"/progettoview/show/{pid}").status_code == 404
    token = csrf_da(altra.get("/progettoview/add").get_data(as_text=True))
    r = altra.post(f"/progettoview/transizione/{pid}", data={"verso": "interrotto", "nota": "x",
                                                             "csrf_token": token})
    assert r.status_code == 404
    regione = client_di("regione")
    assert regione.get(f"/progettoview/show/{pid}").status_code == 403
    assert stato(cav_api, pid) == "proposto"


def test_storico_visibile_nella_pagina_del_progetto(api, client_di):
    pid = caso(api, fino_a="in_corso")["pid"]
    passa(api("cav.crema"), pid, "interrotto", nota=NOTA_INTERRUZIONE)
    for utente in ("cav.crema", "capofila", "equipe.crema"):
        pagina = html.unescape(_mostra(client_di(utente), pid))
        assert "Storico del progetto" in pagina
        assert NOTA_INTERRUZIONE in pagina
        assert "Équipe Crema" in pagina  # who validated (full name of equipe.crema)
        assert "Operatrice CAV Crema" in pagina
        assert "Validato dall'équipe" in pagina and "Interrotto" in pagina
