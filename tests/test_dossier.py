"""Her copy (issue 12 §4, GDPR art. 15): the CAV holding a woman downloads, from her page or the
API, a PDF in Italian with her identity, consents, path, money and who consulted her data; the
download is in the audit trail; nobody else produces it, nor sees the button."""
from __future__ import annotations

import html
import io
import json

import pytest
from pypdf import PdfReader

from app.rules.codice_fiscale import con_carattere_controllo
from tests.aiuti_percorso import crea, nuova_segnalazione, spesa, valuta, voce_id
from tests.conftest import UTENTI_DEMO
from tests.test_audit import righe_dopo, ultimo_id
from tests.test_registra_donna import _ambito_api, _elimina_cf

NOME, COGNOME = "Noemì", "Copiadossierà"  # invented, found nowhere else; accents on purpose
CF = con_carattere_controllo("CPDNMO85A41Z999")
SUO_CAV = "cav.crema"
ALTRI = [u for u in UTENTI_DEMO if u != SUO_CAV]

_caso: dict = {}


@pytest.fixture
def caso(app, api_di, client_di):
    """A woman registered here by cav.crema, with a consent, an admitted segnalazione, a project
    validated by équipe and capofila and running, one spesa, and her page opened once by her CAV
    (a read in her log). Made once for the module (api_di is per test)."""
    if _caso:
        return _caso
    cav, equipe, capofila = api_di(SUO_CAV), api_di("equipe.crema"), api_di("capofila")
    r = cav.post("/api/v1/beneficiaria/registra", json={
        "ambito": _ambito_api(cav), "data_presa_in_carico": "2022-04-20", "fascia_eta": "30-39",
        "cittadinanza": "italiana", "figli_minori": 1, "relazione_autore": "partner",
        "condizione_occupazionale": "disoccupata", "consensi": ["condivisione_equipe"],
        "dati_personali": {"nome": NOME, "cognome": COGNOME, "codice_fiscale": CF, "data_nascita": "1985-01-01",
                           "comune": "Crema"}})
    assert r.status_code == 201, r.get_json()
    bid, codice = r.get_json()["id"], r.get_json()["codice"]
    crea(cav, "consenso", {"beneficiaria": bid, "tipo": "programma", "data": "2022-04-20",
                           "ambito_consenso": "percorso di autonomia lavorativa"})
    segn = nuova_segnalazione(cav, bid)
    valuta(equipe, segn, motivazione="requisiti presenti")
    pid = crea(cav, "progetto", {"segnalazione": segn, "area": "lavoro", "obiettivi": "autonomia",
                                 "data_inizio": "2022-06-01", "data_fine": "2024-03-31",
                                 "budget_asse_ii": 3000, "budget_asse_iv": 1500})
    for chi, verso, data in ((cav, "proposto", "2022-06-02"), (equipe, "validato_equipe", "2022-06-10"),
                             (capofila, "validato_capofila", "2022-06-15"), (cav, "in_corso", "2022-06-15")):
        r = chi.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": verso, "data": data})
        assert r.status_code == 200, r.get_json()
    r = spesa(cav, pid, voce_id(app, "III-TRASPORTO"), "12.50")
    assert r.status_code == 201, r.get_json()
    assert client_di(SUO_CAV).get(f"/beneficiariaview/show/{bid}").status_code == 200  # a read, in her log
    _caso.update(bid=bid, codice=codice, progetto=cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]["codice"])
    return _caso


@pytest.fixture(scope="module", autouse=True)
def _libera_cf(app):
    yield
    _elimina_cf(app, CF)  # tests share the database: free her codice fiscale for the next run


def _testo_pdf(r) -> str:
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/pdf"
    lettore = PdfReader(io.BytesIO(r.data))
    return " ".join(" ".join(p.extract_text() for p in lettore.pages).split())


def _pagina(client, bid) -> str:
    return html.unescape(client.get(f"/beneficiariaview/show/{bid}").get_data(as_text=True))


def _verifica_dossier(r, caso):
    assert r.headers["Cache-Control"] == "no-store"
    assert f'filename=dossier-{caso["codice"]}.pdf' in r.headers["Content-Disposition"]
    testo = _testo_pdf(r)
    for atteso in (caso["codice"], NOME, COGNOME, CF, "01/01/1985",
                   "Partecipazione al programma", "percorso di autonomia lavorativa",
                   "Ammessa", "requisiti presenti", f"Progetto {caso['progetto']}",
                   "a «Validato dall'équipe»", "Équipe Crema", "a «Validato dal capofila»",
                   "€ 12,50", "Ammissibile",
                   "Chi ha consultato i suoi dati", "Lettura dei dati personali", "cav.crema"):
        assert atteso in testo, atteso
    return testo


def test_il_suo_cav_scarica_il_dossier_dalla_pagina_e_il_download_resta_nel_registro(app, client_di, caso):
    cav = client_di(SUO_CAV)
    pagina = _pagina(cav, caso["bid"])
    assert 'id="dossier-beneficiaria"' in pagina and "Scarica la copia dei suoi dati" in pagina
    link = f"/dossier/beneficiaria/{caso['bid']}"
    assert f'href="{link}"' in pagina
    inizio = ultimo_id(app)
    _verifica_dossier(cav.get(link), caso)
    righe = [x for x in righe_dopo(app, inizio) if x["azione"] == "dossier"]
    assert len(righe) == 1 and righe[0]["codici"] == caso["codice"] and righe[0]["username"] == SUO_CAV
    assert COGNOME not in json.dumps(righe[0], default=str) and CF not in json.dumps(righe[0], default=str)


def test_il_suo_cav_scarica_il_dossier_dall_api_e_lo_ritrova_nel_registro(app, api_di, caso):
    api = api_di(SUO_CAV)
    url = f"/api/v1/beneficiaria/{caso['bid']}/dossier"
    inizio = ultimo_id(app)
    _verifica_dossier(api.get(url), caso)
    righe = [x for x in righe_dopo(app, inizio) if x["azione"] == "dossier"]
    assert len(righe) == 1 and righe[0]["codici"] == caso["codice"]
    # Producing it is a read of her identity: the next copy lists it, in words.
    assert "Copia dei dati per l'interessata" in _verifica_dossier(api.get(url), caso)


@pytest.mark.parametrize("username", ALTRI)
def test_nessun_altro_produce_il_dossier_ne_vede_il_pulsante(app, client_di, api_di, caso, username):
    inizio = ultimo_id(app)
    browser = client_di(username)
    r = browser.get(f"/dossier/beneficiaria/{caso['bid']}")
    assert r.status_code in (403, 404) and r.mimetype != "application/pdf"
    assert COGNOME not in html.unescape(r.get_data(as_text=True))
    r = api_di(username).get(f"/api/v1/beneficiaria/{caso['bid']}/dossier")
    assert r.status_code in (403, 404) and r.mimetype != "application/pdf"
    pagina = browser.get(f"/beneficiariaview/show/{caso['bid']}")
    assert "dossier-beneficiaria" not in pagina.get_data(as_text=True)
    assert not [x for x in righe_dopo(app, inizio) if x["azione"] == "dossier"]


def test_chi_vede_il_suo_caso_senza_detenerla_riceve_403(client_di, api_di, caso):
    """The équipe of her ambito and the capofila see her case by code: refused, not hidden."""
    for username in ("equipe.crema", "capofila"):
        assert client_di(username).get(f"/dossier/beneficiaria/{caso['bid']}").status_code == 403
        assert api_di(username).get(f"/api/v1/beneficiaria/{caso['bid']}/dossier").status_code == 403


def test_anonimo_va_al_login_e_l_api_risponde_401(app, caso):
    c = app.test_client()
    r = c.get(f"/dossier/beneficiaria/{caso['bid']}")
    assert r.status_code == 302 and "/login/" in r.headers["Location"]
    assert c.get(f"/api/v1/beneficiaria/{caso['bid']}/dossier").status_code == 401


def test_donna_inesistente_404(client_di, api_di):
    assert client_di(SUO_CAV).get("/dossier/beneficiaria/999999").status_code == 404
    assert api_di(SUO_CAV).get("/api/v1/beneficiaria/999999/dossier").status_code == 404


def test_una_lettera_fuori_dal_font_perde_l_accento_e_il_documento_si_fa_lo_stesso():
    from app.dossier_pdf import Documento, Sezione, componi, scrivibile

    assert scrivibile("Ștefania Łucja Źrebko, € 1.234,56 «sì»") == "Stefania ?ucja Zrebko, € 1.234,56 «sì»"
    pdf = componi(Documento("Prova", [], [Sezione("Dati personali", voci=[("Nome", "Ștefania")])]))
    assert "Stefania" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
