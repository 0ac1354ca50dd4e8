"""A confirmation names what was saved (issue 11 §9): «Beneficiaria CM-2023-0006 registrata»,
«Segnalazione di CM-… registrata», «Beneficiaria CM-… modificata», through the real forms."""
from __future__ import annotations

import html
import re

from tests.aiuti_percorso import consenti
from tests.conftest import csrf_da


def _ambito_crema(api):
    return next(a["id"] for a in api.get("/api/v1/ambito/").get_json()["result"] if a["codice"] == "CM")


def _conferme(r) -> list[str]:
    testo = html.unescape(r.get_data(as_text=True))
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>|×", "", m)).strip()
            for m in re.findall(r'class="alert alert-success">(.*?)</div>', testo, re.S)]


def test_la_conferma_dice_cosa_e_stato_salvato(client_di, api_di):
    cav = client_di("cav.crema")
    r = cav.post("/beneficiariaview/add", follow_redirects=True, data={
        "csrf_token": csrf_da(cav.get("/beneficiariaview/add").get_data(as_text=True)),
        "ambito": str(_ambito_crema(api_di("cav.crema"))), "data_presa_in_carico": "15/10/2023",
        "fascia_eta": "30-39", "cittadinanza": "italiana", "figli_minori": "0", "relazione_autore": "partner",
        "condizione_occupazionale": "disoccupata"})
    conferme = _conferme(r)
    assert len(conferme) == 1 and re.fullmatch(r"Beneficiaria CM-2023-\d{4} registrata\.", conferme[0]), conferme
    codice = conferme[0].split()[1]
    bid = next(b["id"] for b in api_di("cav.crema").get(
        f"/api/v1/beneficiaria/?q=(filters:!((col:codice,opr:eq,value:'{codice}')))").get_json()["result"]
        if b["codice"] == codice)
    consenti(api_di("cav.crema"), bid, ("condivisione_equipe",))  # the profile-only form records none

    r = cav.post(f"/segnalazioneview/add?_flt_0_beneficiaria={bid}", follow_redirects=True, data={
        "csrf_token": csrf_da(cav.get("/segnalazioneview/add").get_data(as_text=True)),
        "beneficiaria": str(bid), "data": "20/10/2023", "area_richiesta": "lavoro", "note": ""})
    assert _conferme(r) == [f"Segnalazione di {codice} registrata."]

    modulo = cav.get(f"/beneficiariaview/edit/{bid}").get_data(as_text=True)
    versione = re.search(r'name="versione"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="versione"', modulo)
    r = cav.post(f"/beneficiariaview/edit/{bid}", follow_redirects=True, data={
        "csrf_token": csrf_da(modulo), "versione": next(v for v in versione.groups() if v),
        "ambito": str(_ambito_crema(api_di("cav.crema"))), "data_presa_in_carico": "15/10/2023",
        "fascia_eta": "40-49", "cittadinanza": "italiana", "figli_minori": "0", "relazione_autore": "partner",
        "condizione_occupazionale": "disoccupata"})
    assert _conferme(r) == [f"Beneficiaria {codice} modificata."]
