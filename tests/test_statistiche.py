"""Statistics of the women without identities (issue 13, §4): the tables per year, ambito and
variable; small counts hidden with whatever would give them back, the same margins hidden in
every table of a year; only the women consenting to statistics; the page, the xlsx read back
and the API agree with the database; no personal value and no code anywhere."""
from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from app.rules import statistiche as regole
from app.rules.riservatezza import RISERVATO, proteggi
from conftest import UTENTI_DEMO, login
from tests.aiuti_percorso import consenti, crea

VEDONO = {"capofila", "regione"}
RE_CODICE = re.compile(r"\b(?:CR|CM|CA)-\d{4}-\d{4}\b")
OGGI = date.today().isoformat()

DUE = (regole.Variabile("a", "A", (("x", "X"), ("y", "Y"))),
       regole.Variabile("b", "B", (("p", "P"), ("q", "Q"), ("r", "R"))))


# --- the rules ---------------------------------------------------------------------------

def test_una_posizione_gia_riservata_resta_riservata():
    # Nothing small here: alone, everything is published.
    assert proteggi([[5, 6], [7, 8]], 3).complementari == frozenset()
    t = proteggi([[5, 6], [7, 8]], 3, gia_riservate=frozenset({(2, 0)}))
    assert t.totali_colonne[0] == RISERVATO
    # A hidden column total alone would follow from the grand total: another entry goes with it.
    assert RISERVATO in (*t.totali_colonne[1:], t.totale) or RISERVATO in {v for r in t.celle for v in r}


def _linee_sicure(t: regole.Tabella):
    """No row or column of the published table (margins included) gives a hidden value back:
    never a single hidden value in a line, never hidden values that can only be all 1s."""
    p = t.protetta
    griglia = [list(r) + [p.totali_righe[i]] for i, r in enumerate(p.celle)] + [list(p.totali_colonne) + [p.totale]]
    linee = griglia + [list(c) for c in zip(*griglia)]
    for linea in linee:
        nascosti = [v for v in linea if v == RISERVATO]
        if not nascosti:
            continue
        assert len(nascosti) >= 2, (t.anno, t.variabile.codice, linea)


def _donne(ambiti, anni, n):
    return st.lists(st.builds(lambda a, y, x, b: regole.Donna(a, y, {"a": x, "b": b}),
                              st.sampled_from(ambiti), st.sampled_from(anni), st.sampled_from("xy"),
                              st.sampled_from("pqr")), max_size=n)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(_donne(("Uno", "Due", "Tre"), (2022, 2023), 40))
def test_tabelle_di_un_anno_con_gli_stessi_margini_nascosti(donne):
    tabs = regole.tabelle(donne, DUE, ("Uno", "Due", "Tre"), 3)
    for anno in {d.anno for d in donne}:
        dell_anno = [t for t in tabs if t.anno == anno]
        assert [t.variabile.codice for t in dell_anno] == ["a", "b"]
        # The women per ambito and in the province: shown (or hidden) alike in every table.
        margini = {(t.protetta.totali_colonne, t.protetta.totale) for t in dell_anno}
        assert len(margini) == 1, margini
        vere = [sum(1 for d in donne if d.anno == anno and d.ambito == a) for a in ("Uno", "Due", "Tre")]
        for t in dell_anno:
            _linee_sicure(t)
            for pubblicato, vero in zip(t.protetta.totali_colonne, vere):
                assert pubblicato in (vero, RISERVATO)
                if 0 < vero < 3:
                    assert pubblicato == RISERVATO
            for i, (k, _) in enumerate(t.variabile.categorie):
                for j, a in enumerate(("Uno", "Due", "Tre")):
                    vero = sum(1 for d in donne if d.anno == anno and d.ambito == a and d.valori[t.variabile.codice] == k)
                    assert t.protetta.celle[i][j] in (vero, RISERVATO)
                    assert (t.protetta.celle[i][j] == RISERVATO) >= (0 < vero < 3)


def test_categoria_sconosciuta_rifiutata():
    with pytest.raises(ValueError, match="categoria"):
        regole.tabelle([regole.Donna("Uno", 2023, {"a": "z", "b": "p"})], DUE, ("Uno",), 3)


def test_figli_per_fascia():
    assert [regole.categoria_figli(n) for n in (0, 1, 2, 3, 7)] == ["0", "1", "2", "3+", "3+"]


# --- against the database ------------------------------------------------------------------

def _veri(app):
    """The counts computed here, independently: consents read row by row in Python."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    oggi = date.today()
    with app.app_context(), come_sistema():
        consenzienti = {c.beneficiaria_id for c in db.session.query(m.Consenso).all()
                        if c.tipo == "statistiche" and c.data <= oggi and (c.revocato_il is None or c.revocato_il > oggi)}
        donne = [(b.ambito.nome, b.data_presa_in_carico.year, b) for b in db.session.query(m.Beneficiaria).all()
                 if b.id in consenzienti]
        valori = {}
        for ambito, anno, b in donne:
            for var, chiave in (("fascia_eta", b.fascia_eta), ("cittadinanza", b.cittadinanza),
                                ("relazione_autore", b.relazione_autore),
                                ("condizione_occupazionale", b.condizione_occupazionale),
                                ("figli_minori", regole.categoria_figli(b.figli_minori))):
                valori[(anno, var, chiave, ambito)] = valori.get((anno, var, chiave, ambito), 0) + 1
            valori[(anno, "totale", ambito)] = valori.get((anno, "totale", ambito), 0) + 1
        db.session.remove()
    return valori


def _statistiche(api_di, chi="regione"):
    r = api_di(chi).get("/api/v1/statistiche/")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()["result"]


def _verifica_coi_veri(dati, veri):
    assert dati["soglia"] == 3 and dati["anni"], dati
    for anno in dati["anni"]:
        for t in anno["tabelle"]:
            for r in t["righe"]:
                for ambito, v in zip(anno["ambiti"], r["per_ambito"]):
                    vero = veri.get((anno["anno"], t["variabile"], r["categoria"], ambito), 0)
                    assert v == vero or (v == RISERVATO and vero > 0), (anno["anno"], t["variabile"], r, ambito)
                    if 0 < vero < 3:
                        assert v == RISERVATO
                vero_prov = sum(veri.get((anno["anno"], t["variabile"], r["categoria"], a), 0) for a in anno["ambiti"])
                assert r["provincia"] in (vero_prov, RISERVATO)
            for ambito, v in zip(anno["ambiti"], t["totale"]["per_ambito"]):
                assert v in (veri.get((anno["anno"], "totale", ambito), 0), RISERVATO)
            totale = sum(veri.get((anno["anno"], "totale", a), 0) for a in anno["ambiti"])
            assert t["totale"]["provincia"] in (totale, RISERVATO)


def test_api_pagina_e_xlsx_dicono_i_numeri_del_database(app, api_di, client_di):
    dati = _statistiche(api_di)
    _verifica_coi_veri(dati, _veri(app))
    # The workbook read back: the same numbers, sheet by sheet.
    c = client_di("capofila")
    r = c.get("/statistiche/scarica")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["Note", *[str(a["anno"]) for a in dati["anni"]]]
    for anno in dati["anni"]:
        righe = [list(x) for x in wb[str(anno["anno"])].iter_rows(values_only=True)]
        for t in anno["tabelle"]:
            inizio = next(i for i, x in enumerate(righe) if x[0] == t["titolo"])
            assert righe[inizio + 1] == ["Categoria", *anno["ambiti"], "Totale provincia"]
            for k, riga in enumerate(t["righe"]):
                assert righe[inizio + 2 + k] == [riga["etichetta"], *riga["per_ambito"], riga["provincia"]]
            fine = righe[inizio + 2 + len(t["righe"])]
            assert fine == ["Totale", *t["totale"]["per_ambito"], t["totale"]["provincia"]]
    # The page shows the same tables.
    testo = c.get("/statistiche/").get_data(as_text=True)
    for anno in dati["anni"]:
        for t in anno["tabelle"]:
            tabella = re.search(rf'<table[^>]*id="tabella-{anno["anno"]}-{t["variabile"]}">(.*?)</table>', testo, re.S)
            assert tabella, (anno["anno"], t["variabile"])
            celle = re.findall(r'<td class="text-right">([^<]*)</td>', tabella.group(1))
            attese = [str(v) for riga in t["righe"] for v in (*riga["per_ambito"], riga["provincia"])]
            assert celle == attese


def test_solo_le_donne_che_consentono_e_la_revoca_le_toglie(app, api_di):
    """Three women of a year nobody else uses, with their consent: a count of 3, published. A
    fourth without consent to statistics is not counted; one revoking makes it 2, hidden."""
    cav = api_di("cav.casalmaggiore")
    ambiti = {a["codice"]: a for a in cav.get("/api/v1/ambito/?q=(page_size:100)").get_json()["result"]}
    profilo = {"ambito": ambiti["CA"]["id"], "data_presa_in_carico": "2016-03-01", "fascia_eta": "50-59",
               "cittadinanza": "ue", "figli_minori": 4, "relazione_autore": "ex_partner",
               "condizione_occupazionale": "disoccupata"}
    donne = [crea(cav, "beneficiaria", profilo) for _ in range(3)]
    r = cav.post("/api/v1/beneficiaria/", json=profilo)
    assert r.status_code == 201, r.get_json()
    consenti(cav, r.get_json()["id"], ("condivisione_equipe",))

    def tabella(variabile):
        anni = {a["anno"]: a for a in _statistiche(api_di)["anni"]}
        anno = anni[2016]
        t = next(t for t in anno["tabelle"] if t["variabile"] == variabile)
        return anno["ambiti"].index(ambiti["CA"]["nome"]), t

    j, t = tabella("fascia_eta")
    riga = next(r for r in t["righe"] if r["categoria"] == "50-59")
    assert riga["per_ambito"][j] == 3 and riga["provincia"] == 3 and t["totale"]["provincia"] == 3
    j, t = tabella("figli_minori")
    assert next(r for r in t["righe"] if r["categoria"] == "3+")["per_ambito"][j] == 3

    consensi = cav.get(f"/api/v1/consenso/?q=(filters:!((col:beneficiaria,opr:rel_o_m,value:{donne[0]})),"
                       "page_size:100)").get_json()["result"]
    cid = next(c["id"] for c in consensi if c["tipo"] == "statistiche")
    assert cav.put(f"/api/v1/consenso/{cid}", json={"revocato_il": OGGI}).status_code == 200
    j, t = tabella("fascia_eta")
    riga = next(r for r in t["righe"] if r["categoria"] == "50-59")
    assert riga["per_ambito"][j] == RISERVATO and riga["provincia"] == RISERVATO
    assert t["totale"]["provincia"] == RISERVATO and t["totale"]["per_ambito"][j] == RISERVATO


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_chi_vede_le_statistiche(username, app, api_di, pii):
    """Every channel of the statistics, per role: menu, page, xlsx, API. Nothing of any woman
    in any of them: no personal value, no code."""
    from test_asse1 import ruolo

    c = login(app.test_client(), username)
    atteso = 200 if ruolo(username) in VEDONO else 403
    risposte = {"pagina": c.get("/statistiche/"), "xlsx": c.get("/statistiche/scarica"),
                "api": api_di(username).get("/api/v1/statistiche/")}
    for canale, r in risposte.items():
        assert r.status_code == atteso, (username, canale, r.status_code)
    menu = c.get("/").get_data(as_text=True)
    assert ('href="/statistiche/' in menu) == (atteso == 200), username
    if atteso != 200:
        return
    wb = openpyxl.load_workbook(io.BytesIO(risposte["xlsx"].data))
    testi = [risposte["pagina"].get_data(as_text=True), risposte["api"].get_data(as_text=True),
             "\n".join(str(v) for ws in wb for riga in ws.iter_rows(values_only=True) for v in riga if v is not None)]
    proibiti = {v for d in pii.values() for v in d["valori"] if len(v) >= 4}
    for testo in testi:
        assert not RE_CODICE.search(testo), RE_CODICE.search(testo).group(0)
        trovati = [v for v in proibiti if v in testo]
        assert not trovati, trovati[:3]
