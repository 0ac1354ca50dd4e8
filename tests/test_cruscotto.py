"""The dashboard ("Cruscotto"): who opens it, what it shows (indicators against targets with
progress bars, spending against budget, paths activated per month), the suppression of small
counts of women (none can be recomputed from the totals), and that it carries no personal data
and no code of any woman."""
from __future__ import annotations

import re
from datetime import date

import pytest

from conftest import UTENTI_DEMO, ApiClient, login, token_per
from test_asse1 import (
    RE_CODICE, Scanner, donne_del_cav, iscrivi, nuova_sessione, nuovo_laboratorio, ruolo, segna,
)
from app.rules.riservatezza import RISERVATO
from tests.aiuti_percorso import progetto_validato
from tests.aiuti_riservatezza import ricava_per_differenza

VEDONO = {"capofila", "equipe", "regione"}


def _api(app, username):
    c = app.test_client()
    return ApiClient(c, token_per(c, username))


def _cruscotto(app, username="capofila"):
    r = _api(app, username).get("/api/v1/cruscotto/")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()["result"]


def _indicatori_del_programma(app):
    from app.servizi.spese import programma_corrente

    with app.app_context():
        return [(i.codice, i.descrizione, i.target) for i in programma_corrente().indicatori]


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_chi_apre_il_cruscotto(username, app):
    c = login(app.test_client(), username)
    r = c.get("/cruscotto/")
    atteso = 200 if ruolo(username) in VEDONO else 403
    assert r.status_code == atteso, f"{username}: {r.status_code}"
    a = _api(app, username)
    ra = a.get("/api/v1/cruscotto/")
    assert ra.status_code == atteso, f"{username} API: {ra.status_code}"
    # Only the readers see it in the menu.
    menu = c.get("/").get_data(as_text=True)
    assert ('href="/cruscotto/' in menu) == (atteso == 200), username
    if atteso != 200:
        return
    testo = r.get_data(as_text=True)
    for codice, descrizione, target in _indicatori_del_programma(app):
        riga = re.search(rf'<tr id="indicatore-{codice}">(.*?)</tr>', testo, re.S)
        assert riga, f"indicatore {codice} assente"
        assert descrizione in riga.group(1).replace("&#39;", "'")
        assert re.search(rf'<td class="text-right">{target}</td>', riga.group(1)), codice
        barra = re.search(r'class="progress-bar[^"]*"[^>]*aria-valuenow="(\d+)"[^>]*style="width: (\d+)%',
                          riga.group(1), re.S)
        assert barra and barra.group(1) == barra.group(2) and 0 <= int(barra.group(1)) <= 100, codice
    dati = ra.get_json()["result"]
    assert [i["codice"] for i in dati["indicatori"]] == [c for c, _, _ in _indicatori_del_programma(app)]
    for i in dati["indicatori"]:
        assert i["percentuale"] == min(100, round(i["valore"] * 100 / i["target"]))
    assert {a["asse"] for a in dati["spese_per_asse"]} >= {"I", "II", "III", "IV"}
    # No internet: no external script, stylesheet or image on the page.
    assert not re.search(r'(src|href)="https?://', testo)


def test_le_barre_seguono_i_valori(app, api_di):
    """An indicator moves its bar: a signed agreement added, the bar of agreements recomputed."""
    prima = {i["codice"]: i for i in _cruscotto(app)["indicatori"]}
    r = api_di("capofila").post("/api/v1/accordo/", json={"controparte": "Agenzia per la casa", "tipo": "accordo",
                                                          "area": "abitare", "stato": "firmato",
                                                          "data_firma": "2023-06-01"})
    assert r.status_code == 201
    dopo = {i["codice"]: i for i in _cruscotto(app)["indicatori"]}
    a = dopo["accordi_sottoscritti"]
    assert a["valore"] == prima["accordi_sottoscritti"]["valore"] + 1
    assert a["percentuale"] == min(100, round(a["valore"] * 100 / a["target"]))
    assert a["raggiunto"] is (a["valore"] >= a["target"])


def test_spese_per_asse_e_per_ente_rispetto_al_budget(app, api_di):
    def numeri():
        d = _cruscotto(app, "regione")
        per_asse = {a["asse"]: a for a in d["spese_per_asse"]}
        per_ente = {e["ente"]: e for e in d["spese_per_ente"]}
        return per_asse, per_ente

    asse_prima, ente_prima = numeri()
    pid, _ = progetto_validato(api_di, budget={"budget_asse_ii": 2000, "budget_asse_iii": 500})
    from decimal import Decimal

    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        voce = db.session.query(m.VoceSpesa).filter_by(codice="III-TRASPORTO").one().id
        db.session.remove()
    cav = api_di("cav.crema")
    r = cav.post("/api/v1/spesa/", json={"progetto": pid, "voce": voce, "importo": "37.50", "data": "2023-01-10",
                                         "fornitore": "Trasporti Esempio", "giustificativo_tipo": "ricevuta",
                                         "giustificativo_numero": f"CRU-{pid}", "giustificativo_data": "2023-01-10"})
    assert r.status_code == 201, r.get_json()
    # A spesa refused by the rules (before the validation) but recorded anyway: not eligible, not summed.
    r = cav.post("/api/v1/spesa/", json={"progetto": pid, "voce": voce, "importo": "99", "data": "2022-01-10",
                                         "fornitore": "Trasporti Esempio", "registra_non_ammissibile": True})
    assert r.status_code in (201, 422)
    asse_dopo, ente_dopo = numeri()
    d = lambda x: Decimal(x) if x is not None else Decimal("0")  # noqa: E731
    assert d(asse_dopo["III"]["speso"]) - d(asse_prima["III"]["speso"]) == Decimal("37.50")
    assert d(asse_dopo["II"]["budget"]) - d(asse_prima["II"]["budget"]) == Decimal("2000.00")
    assert d(asse_dopo["III"]["budget"]) - d(asse_prima["III"]["budget"]) == Decimal("500.00")
    crema = "Centro Antiviolenza di Crema"
    prima_crema = d(ente_prima.get(crema, {"per_asse": {}})["per_asse"].get("III"))
    assert d(ente_dopo[crema]["per_asse"]["III"]) - prima_crema == Decimal("37.50")
    assert asse_dopo["I"]["budget"] is None  # Asse I has no budget in the personalised projects


def _mese_vuoto(app):
    """A month of the programme without any path activated (the database is shared)."""
    mesi = {p["mese"]: p["percorsi"] for p in _cruscotto(app)["percorsi_per_mese"]}
    for anno, mese in [(2023, m) for m in range(1, 13)] + [(2022, m) for m in range(7, 13)] + [(2024, 1), (2024, 2)]:
        chiave = f"{anno}-{mese:02d}"
        if mesi.get(chiave) == 0 and date(anno, mese, 1) < date.today():
            return anno, mese
    pytest.skip("nessun mese libero nel periodo del programma")


def _riga_html(testo, chiave):
    trovata = re.search(rf'<tr class="lia-riga-mese" data-mese="{chiave}"><td>[^<]*</td>'
                        r'<td class="text-right">([^<]*)</td>', testo)
    return trovata.group(1) if trovata else None


def _mesi_html(testo):
    return dict(re.findall(r'<tr class="lia-riga-mese" data-mese="([^"]+)"><td>[^<]*</td>'
                           r'<td class="text-right">([^<]*)</td>', testo))


def _indicatore_html(testo, codice):
    riga = re.search(rf'<tr id="indicatore-{codice}">(.*?)</tr>', testo, re.S).group(1)
    return re.findall(r'<td class="text-right">([^<]*)</td>', riga)[0], riga


def _barre(testo):
    return dict(re.findall(r'<g class="lia-mese" data-mese="([^"]+)">(.*?)</g>', testo, re.S))


def _veri(app):
    from app.servizi.asse1 import avvii_per_mese

    with app.app_context():
        conta = avvii_per_mese()
    return {f"{a:04d}-{mm:02d}": n for (a, mm), n in conta.items()}


def _verifica_cruscotto(app, testo, dati):
    """The screen and the API publish the same protected table, true where shown, with every
    month under the threshold hidden and nothing recoverable by difference."""
    veri = _veri(app)
    totale = {i["codice"]: i for i in dati["indicatori"]}["percorsi_attivati"]["valore"]
    mesi = {p["mese"]: p["percorsi"] for p in dati["percorsi_per_mese"]}
    assert not ricava_per_differenza(totale, mesi), (totale, mesi)
    assert totale == RISERVATO or totale == sum(veri.values())
    for mese, v in mesi.items():
        vero = veri.get(mese, 0)
        assert v == (RISERVATO if 0 < vero < 3 else v), (mese, vero, v)
        assert v == RISERVATO or v == vero, (mese, vero, v)
    # The page: the same numbers in the table, the indicator and the chart.
    assert _mesi_html(testo) == {m: str(v) for m, v in mesi.items() if v != 0}
    valore_html, _ = _indicatore_html(testo, "percorsi_attivati")
    assert valore_html == str(totale)
    assert not ricava_per_differenza(valore_html, _mesi_html(testo))
    barre = _barre(testo)
    tratteggiate = {m for m, b in barre.items() if "url(#lia-tratteggio)" in b}
    assert tratteggiate == {m for m, v in mesi.items() if v == RISERVATO}
    altezze = {re.search(r'height="(\d+)"', barre[m]).group(1) for m in tratteggiate}
    assert len(altezze) <= 1, "le barre riservate hanno altezze diverse: distinguono i valori"
    # A hidden bar carries no value label (the value labels are the centred texts).
    assert not [m for m in tratteggiate if 'text-anchor="middle"' in barre[m]]


def test_percorsi_per_mese_piccoli_riservati_e_non_ricavabili(app, api_di, client_di):
    """A month of the programme gets one, two, three paths activated: at each step the
    capofila's page (real login) and the Regione's API hide what could single a woman out and
    what would give it back, and the rest is true."""
    anno, mese = _mese_vuoto(app)
    chiave = f"{anno}-{mese:02d}"
    capofila = client_di("capofila")
    assert _riga_html(capofila.get("/cruscotto/").get_data(as_text=True), chiave) is None  # zero: not listed
    for n in (1, 2, 3):
        progetto_validato(api_di, data_equipe=f"{chiave}-05", data_capofila=f"{chiave}-10")
        dati = _cruscotto(app, "regione")
        testo = capofila.get("/cruscotto/").get_data(as_text=True)
        _verifica_cruscotto(app, testo, dati)
        valore = {p["mese"]: p["percorsi"] for p in dati["percorsi_per_mese"]}[chiave]
        if n < 3:
            assert valore == RISERVATO and _riga_html(testo, chiave) == RISERVATO
        else:  # shown, unless it is now the complement of another small month
            assert valore in (3, RISERVATO)


def _con_avvii(monkeypatch, avvii):
    from app.servizi import asse1

    monkeypatch.setattr(asse1, "avvii_per_mese", lambda: dict(avvii))


def test_l_attacco_della_segnalazione_sul_cruscotto(app, monkeypatch, client_di, api_di):
    """Six paths in June 2022, one in September: the total 7 minus the 6 shown gave the 1."""
    _con_avvii(monkeypatch, {(2022, 6): 6, (2022, 9): 1})
    for username in ("capofila", "regione", "equipe.cremona"):
        testo = client_di(username).get("/cruscotto/").get_data(as_text=True)
        dati = api_di(username).get("/api/v1/cruscotto/").get_json()["result"]
        mesi = {p["mese"]: p["percorsi"] for p in dati["percorsi_per_mese"]}
        assert mesi["2022-06"] == mesi["2022-09"] == RISERVATO
        assert _mesi_html(testo) == {"2022-06": RISERVATO, "2022-09": RISERVATO}
        totale = {i["codice"]: i for i in dati["indicatori"]}["percorsi_attivati"]
        assert totale["valore"] == 7 and totale["percentuale"] == round(7 * 100 / totale["target"])
        assert _indicatore_html(testo, "percorsi_attivati")[0] == "7"
        assert not ricava_per_differenza(7, mesi)  # 6 + 1, 5 + 2, ... : the reader cannot tell


def test_totale_piccolo_riservato_anche_nell_indicatore(app, monkeypatch, client_di, api_di):
    """One path in June and one in July: a shown total of 2 would say both months are 1. The
    indicator is hidden too, with its bar (the percentage would tell the number)."""
    _con_avvii(monkeypatch, {(2022, 6): 1, (2022, 7): 1})
    testo = client_di("capofila").get("/cruscotto/").get_data(as_text=True)
    dati = api_di("regione").get("/api/v1/cruscotto/").get_json()["result"]
    indicatori = {i["codice"]: i for i in dati["indicatori"]}
    assert indicatori["percorsi_attivati"] | {"descrizione": None} == {
        "codice": "percorsi_attivati", "descrizione": None, "target": indicatori["percorsi_attivati"]["target"],
        "valore": RISERVATO, "percentuale": None, "raggiunto": None}
    valore, riga = _indicatore_html(testo, "percorsi_attivati")
    assert valore == RISERVATO and "progress-bar" not in riga and "valore riservato" in riga
    altri = [c for c in indicatori if c != "percorsi_attivati"]
    assert all(indicatori[c]["percentuale"] is not None for c in altri)
    assert all("progress-bar" in _indicatore_html(testo, c)[1] for c in altri)
    assert _mesi_html(testo) == {"2022-06": RISERVATO, "2022-07": RISERVATO}


@pytest.mark.parametrize("presenti,atteso", [(0, 0), (1, RISERVATO), (2, RISERVATO), (3, 3), (11, 11)])
def test_donne_presenti_sotto_soglia_riservate(app, monkeypatch, presenti, atteso):
    from app.rules.indicatori import Conteggi
    from app.servizi import asse1

    monkeypatch.setattr(asse1, "conteggi", lambda: Conteggi(donne_presenti=presenti, sessioni_svolte=4,
                                                            laboratori_realizzati=1))
    testo = login(app.test_client(), "capofila").get("/cruscotto/").get_data(as_text=True)
    assert re.search(r'<strong id="donne-presenti">([^<]*)</strong>', testo).group(1) == str(atteso)
    dati = _cruscotto(app, "equipe.cremona")
    assert dati["laboratorio"]["donne_presenti"] == atteso
    assert dati["laboratorio"]["sessioni_svolte"] == 4


def test_nessun_dato_personale_ne_codice(app, api_di, pii):
    # Women enrolled and present, projects activated: the dashboard still names none of them.
    cap = api_di("capofila")
    lab = nuovo_laboratorio(cap)
    sessione = nuova_sessione(cap, lab)
    for u in ("cav.cremona", "cav.casalmaggiore"):
        a = api_di(u)
        donne = donne_del_cav(app, a, u)[:2]
        for b in donne:
            iscrivi(a, lab, b)
        assert segna(a, sessione, donne).status_code == 200
    progetto_validato(api_di)
    tutti = Scanner({v for d in pii.values() for v in d["valori"]})
    for username in ("capofila", "equipe.crema", "regione"):
        c = login(app.test_client(), username)
        for r, url in ((c.get("/cruscotto/"), "/cruscotto/"), (_api(app, username).get("/api/v1/cruscotto/"),
                                                                "/api/v1/cruscotto/")):
            assert r.status_code == 200
            tutti.verifica(r, f"{username} {url}")
            testo = r.get_data(as_text=True)
            assert not RE_CODICE.findall(testo), f"codici di donne nel cruscotto: {RE_CODICE.findall(testo)}"
            assert not any(d["codice"] in testo for d in pii.values())
