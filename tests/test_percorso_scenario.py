"""The previous edition's figures replayed as a scenario through the API: 16 women identified
across the three CAV, 10 judged ready for a work path, 10 projects started (5 with regional
money, validated by the capofila), 2 interrupted, 8 concluded. The counts are then computed
back through the API, restricted to the records created here (the demo DB is shared)."""
from __future__ import annotations

import pytest

from app.rules.workflow import ha_raggiunto_in_corso
from conftest import ApiClient, token_per

from tests.aiuti_percorso import CAV, EQUIPE, crea, passa  # noqa: E402
NOTA_INTERRUZIONE = "non sostenibile dal punto di vista psico-fisico"

# (ambito, esito of the équipe, regional money, how the project ends) for the 16 segnalazioni.
EDIZIONE = [
    ("CR", "ammessa", True, "concluso"), ("CR", "ammessa", True, "concluso"),
    ("CR", "ammessa", False, "concluso"), ("CR", "ammessa", False, "interrotto"),
    ("CR", "non_ammessa", None, None), ("CR", "sospesa", None, None),
    ("CM", "ammessa", True, "concluso"), ("CM", "ammessa", False, "concluso"),
    ("CM", "ammessa", True, "interrotto"), ("CM", "non_ammessa", None, None),
    ("CM", "sospesa", None, None),
    ("CA", "ammessa", True, "concluso"), ("CA", "ammessa", False, "concluso"),
    ("CA", "ammessa", False, "concluso"), ("CA", "non_ammessa", None, None),
    ("CA", "sospesa", None, None),
]


def _client(app, cache, username):
    if username not in cache:
        c = app.test_client()
        cache[username] = ApiClient(c, token_per(c, username))
    return cache[username]






def tutti(chi, risorsa):
    """Every record of a resource visible to `chi`, page after page."""
    out, pagina = [], 0
    while True:
        r = chi.get(f"/api/v1/{risorsa}/?q=(page_size:100,page:{pagina})")
        assert r.status_code == 200, (risorsa, r.status_code)
        corpo = r.get_json()
        out += [dict(riga, id=i) for i, riga in zip(corpo["ids"], corpo["result"])]
        pagina += 1
        if pagina * 100 >= corpo["count"]:
            return out


@pytest.fixture(scope="module")
def edizione(app):
    """Run the whole edition once; return the ids created, by kind."""
    cache: dict[str, ApiClient] = {}
    api = lambda u: _client(app, cache, u)  # noqa: E731
    capofila = api("capofila")
    ambiti = {a["codice"]: a["id"] for a in capofila.get("/api/v1/ambito/").get_json()["result"]}
    creati = {"api": api, "donne": [], "segnalazioni": {}, "progetti": {}}
    for n, (ambito, esito, fondi, fine) in enumerate(EDIZIONE):
        cav, equipe = api(CAV[ambito]), api(EQUIPE[ambito])
        donna = crea(cav, "beneficiaria", {"ambito": ambiti[ambito], "fascia_eta": "30-39",
                                            "condizione_occupazionale": "disoccupata"})
        creati["donne"].append(donna)
        segn = crea(cav, "segnalazione", {"beneficiaria": donna, "data": f"2022-{4 + n % 8:02d}-15",
                                           "area_richiesta": "lavoro", "note": "inserimento lavorativo"})
        creati["segnalazioni"][segn] = ambito
        motivazione = "" if esito == "ammessa" else {
            "non_ammessa": "percorso di fuoriuscita non ancora avviato",
            "sospesa": "in attesa della valutazione psicologica"}[esito]
        crea(equipe, "valutazione", {"segnalazione": segn, "esito": esito,
                                      "pronta": True if esito == "ammessa" else None,
                                      "data": f"2022-{4 + n % 8:02d}-25", "motivazione": motivazione})
        if esito != "ammessa":
            continue
        pid = crea(cav, "progetto", {"segnalazione": segn, "area": "lavoro", "obiettivi": "tirocinio e autonomia",
                                      "data_inizio": "2022-09-01", "data_fine": "2023-08-31",
                                      "budget_asse_ii": 2500 if fondi else 0,
                                      "budget_asse_iii": 600 if fondi else 0, "budget_asse_iv": 0})
        creati["progetti"][pid] = (ambito, fondi, fine)
        percorso = [(cav, "proposto"), (equipe, "validato_equipe")]
        percorso += [(capofila, "validato_capofila")] if fondi else []
        percorso += [(cav, "in_corso"), (cav, fine)]
        for chi, verso in percorso:
            passa(chi, pid, verso, NOTA_INTERRUZIONE if verso == "interrotto" else None)
    return creati


def _miei(righe, ids, chiave="id"):
    return [r for r in righe if r[chiave] in ids]


def test_sedici_donne_individuate_nei_tre_ambiti(edizione):
    capofila = edizione["api"]("capofila")
    segnalazioni = _miei(tutti(capofila, "segnalazione"), edizione["segnalazioni"])
    assert len(segnalazioni) == 16
    assert len({s["beneficiaria"]["id"] for s in segnalazioni}) == 16
    assert {s["area_richiesta"] for s in segnalazioni} == {"lavoro"}
    per_ambito = {}
    for s in segnalazioni:
        per_ambito[s["ambito"]["nome"]] = per_ambito.get(s["ambito"]["nome"], 0) + 1
    assert per_ambito == {"Cremona": 6, "Crema": 5, "Casalmaggiore": 5}


def test_ogni_equipe_conta_solo_le_segnalazioni_del_suo_ambito(edizione):
    for ambito, atteso in (("CR", 6), ("CM", 5), ("CA", 5)):
        viste = _miei(tutti(edizione["api"](EQUIPE[ambito]), "segnalazione"), edizione["segnalazioni"])
        assert len(viste) == atteso
        assert {edizione["segnalazioni"][s["id"]] for s in viste} == {ambito}


def test_dieci_giudicate_pronte_e_sei_non_ammesse_o_sospese_con_motivazione(edizione):
    valutazioni = [v for v in tutti(edizione["api"]("capofila"), "valutazione")
                   if v["segnalazione"]["id"] in edizione["segnalazioni"]]
    assert len(valutazioni) == 16
    pronte = [v for v in valutazioni if v["esito"] == "ammessa" and v["pronta"] is True]
    assert len(pronte) == 10
    altre = [v for v in valutazioni if v["esito"] != "ammessa"]
    assert len(altre) == 6
    assert sorted(v["esito"] for v in altre) == ["non_ammessa"] * 3 + ["sospesa"] * 3
    assert all(v["motivazione"].strip() for v in altre)


def test_dieci_progetti_avviati_cinque_con_fondi_regionali(edizione):
    capofila = edizione["api"]("capofila")
    progetti = _miei(tutti(capofila, "progetto"), edizione["progetti"])
    assert len(progetti) == 10
    avviati, con_capofila = 0, 0
    for p in progetti:
        storico = capofila.get(f"/api/v1/progetto/{p['id']}/storico").get_json()["result"]
        stati = [t["a"] for t in storico]
        avviati += ha_raggiunto_in_corso(stati)
        if "validato_capofila" in stati:
            con_capofila += 1
            assert next(t["utente"] for t in storico if t["a"] == "validato_capofila") == "capofila"
            assert stati.index("validato_capofila") < stati.index("in_corso")
        assert (float(p["budget_asse_ii"]) + float(p["budget_asse_iii"]) > 0) == ("validato_capofila" in stati)
        assert p["data_avvio"]
    assert avviati == 10
    assert con_capofila == 5


def test_due_interrotti_per_motivi_psico_fisici_e_otto_conclusi(edizione):
    capofila = edizione["api"]("capofila")
    progetti = _miei(tutti(capofila, "progetto"), edizione["progetti"])
    interrotti = [p for p in progetti if p["stato"] == "interrotto"]
    conclusi = [p for p in progetti if p["stato"] == "concluso"]
    assert len(interrotti) == 2 and len(conclusi) == 8
    assert all(p["motivo_interruzione"] == NOTA_INTERRUZIONE for p in interrotti)
    assert all(p["data_chiusura"] for p in interrotti + conclusi)
    # Interrupted after starting: they still count as started.
    for p in interrotti:
        stati = [t["a"] for t in capofila.get(f"/api/v1/progetto/{p['id']}/storico").get_json()["result"]]
        assert ha_raggiunto_in_corso(stati) and stati[-1] == "interrotto"


def test_le_sei_non_ammesse_non_hanno_progetti(edizione):
    capofila = edizione["api"]("capofila")
    con_progetto = {p["segnalazione"]["id"] for p in _miei(tutti(capofila, "progetto"), edizione["progetti"])}
    assert len(con_progetto) == 10
    assert len(set(edizione["segnalazioni"]) - con_progetto) == 6
