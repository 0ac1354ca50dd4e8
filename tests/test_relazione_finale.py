"""The relazione finale (issue 13, §3): the capofila's texts saved through the page and the API
(a stale version refused, never overwritten), the Word document read back with python-docx and
its numbers checked against the dashboard and the database, no personal value and no code of
any woman in any paragraph or cell, and who may do what on every channel."""
from __future__ import annotations

import io
import re
import uuid
from decimal import Decimal

import docx
import pytest

from conftest import UTENTI_DEMO, csrf_da, login
from test_asse1 import ruolo
from app.rules.relazione import euro

RE_CODICE = re.compile(r"\b(?:CR|CM|CA)-\d{4}-\d{4}\b")
SCRIVE = {"capofila"}


def _testi_docx(contenuto: bytes) -> tuple[list[str], list[list[list[str]]]]:
    d = docx.Document(io.BytesIO(contenuto))
    return [p.text for p in d.paragraphs], [[[c.text for c in r.cells] for r in t.rows] for t in d.tables]


def _sezioni(api):
    r = api.get("/api/v1/relazionefinale/")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return {s["sezione"]: s for s in r.get_json()["result"]}


def test_testi_dalla_pagina_e_dall_api_finiscono_nel_documento(app, api_di, client_di):
    capofila = api_di("capofila")
    marca = uuid.uuid4().hex[:8]
    sezioni = _sezioni(capofila)
    assert list(sezioni)[:2] == ["introduzione", "risultati"]
    r = capofila.put("/api/v1/relazionefinale/", json={
        "introduzione": {"testo": f"La rete ha lavorato insieme {marca}.\nSecondo paragrafo.",
                         "versione": sezioni["introduzione"]["versione"]}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["result"]["sezioni_modificate"] == 1
    dopo = _sezioni(capofila)["introduzione"]
    assert dopo["versione"] == sezioni["introduzione"]["versione"] + 1 and dopo["aggiornato_da"] == "capofila"

    # The page: the same text, saved with the form (real CSRF).
    c = client_di("capofila")
    pagina = c.get("/relazione-finale/").get_data(as_text=True)
    assert f"La rete ha lavorato insieme {marca}." in pagina
    versione = re.search(r'name="versione_conclusioni" value="(\d+)"', pagina).group(1)
    r = c.post("/relazione-finale/", data={"csrf_token": csrf_da(pagina), "testo_conclusioni": f"Resta la rete {marca}.",
                                           "versione_conclusioni": versione}, follow_redirects=True)
    assert r.status_code == 200 and "Relazione finale salvata: 1 sezione modificata." in r.get_data(as_text=True)

    paragrafi, _ = _testi_docx(c.get("/relazione-finale/scarica").data)
    assert f"La rete ha lavorato insieme {marca}." in paragrafi and "Secondo paragrafo." in paragrafi
    assert f"Resta la rete {marca}." in paragrafi
    titoli = [p for p in paragrafi if re.match(r"\d+\. ", p)]
    assert titoli[0] == "1. Introduzione" and titoli[-1].startswith("7. Conclusioni")


def test_una_versione_vecchia_e_rifiutata_non_sovrascrive(app, api_di, client_di):
    capofila = api_di("capofila")
    v = _sezioni(capofila)["spese"]["versione"]
    assert capofila.put("/api/v1/relazionefinale/", json={"spese": {"testo": "Prima stesura", "versione": v}}).status_code == 200
    # The same old version again: someone else saved in between.
    r = capofila.put("/api/v1/relazionefinale/", json={"spese": {"testo": "Stesura vecchia", "versione": v}})
    assert r.status_code == 409 and "modificata da qualcun altro" in r.get_json()["message"]["spese"][0]
    assert _sezioni(capofila)["spese"]["testo"] == "Prima stesura"
    # The page: the reason on the form, what she typed kept on the page, nothing written.
    c = client_di("capofila")
    pagina = c.get("/relazione-finale/").get_data(as_text=True)
    r = c.post("/relazione-finale/", data={"csrf_token": csrf_da(pagina), "testo_spese": "Dal modulo vecchio",
                                           "versione_spese": str(v)})
    assert r.status_code == 409
    assert "Dal modulo vecchio" in r.get_data(as_text=True) and "modificata da qualcun altro" in r.get_data(as_text=True)
    assert _sezioni(capofila)["spese"]["testo"] == "Prima stesura"


@pytest.mark.parametrize("corpo, stato", [
    ({"non_esiste": {"testo": "x", "versione": 0}}, 422),
    ({"introduzione": {"testo": 5, "versione": 0}}, 422),
    ({"introduzione": {"testo": "x", "versione": "1"}}, 422),
    ({"introduzione": {"testo": "x" * 20_001, "versione": 0}}, 422),
    ({"introduzione": "solo testo"}, 422),
    ([], 400),
    ({}, 400),
])
def test_input_sbagliato_4xx_in_italiano(app, api_di, corpo, stato):
    capofila = api_di("capofila")
    prima = _sezioni(capofila)
    r = capofila.put("/api/v1/relazionefinale/", json=corpo)
    assert r.status_code == stato, r.get_data(as_text=True)[:300]
    assert not re.search(r"(?i)\b(field|invalid|required|must)\b", r.get_data(as_text=True))
    assert _sezioni(capofila) == prima


def test_i_numeri_del_documento_sono_quelli_dei_dati(app, api_di, client_di, pii):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    cruscotto = api_di("capofila").get("/api/v1/cruscotto/").get_json()["result"]
    paragrafi, tabelle = _testi_docx(client_di("capofila").get("/relazione-finale/scarica").data)
    risultati = tabelle[0]
    percorsi = next(t for t in tabelle if t[0][0] == "Ambito")
    spese = next(t for t in tabelle if t[0][0] == "Asse")
    assert risultati[0] == ["Risultato atteso", "Obiettivo", "Valore raggiunto", "Avanzamento"]
    assert [(r[0], r[1], r[2]) for r in risultati[1:]] == [
        (i["descrizione"], str(i["target"]), str(i["valore"])) for i in cruscotto["indicatori"]]
    # Paths per ambito and area: each published count is the database's.
    with app.app_context(), come_sistema():
        veri = {}
        for p in db.session.query(m.Progetto).filter(m.Progetto.data_avvio.is_not(None)).all():
            if any(c.tipo == "statistiche" and c.revocato_il is None for c in p.beneficiaria.consensi):
                chiave = (p.beneficiaria.ambito.nome, m.AREE[p.area])
                veri[chiave] = veri.get(chiave, 0) + 1
        sessioni = db.session.query(m.SessioneLaboratorio).filter_by(svolta=True).count()
        accordi = db.session.query(m.Accordo).filter(m.Accordo.stato != "annullato").count()
        db.session.remove()
    aree = percorsi[0][1:]
    for riga in percorsi[1:]:
        for area, valore in zip(aree, riga[1:]):
            vero = (veri.get((riga[0], area), 0) if area != "Tutte le aree"
                    else sum(n for (ambito, _), n in veri.items() if ambito == riga[0]))
            assert valore in (str(vero), "riservato"), (riga[0], area, valore, vero)
            if 0 < vero < 3:
                assert valore == "riservato"
    # The total is the Cruscotto's indicator, published or hidden alike; a hidden count of the
    # table never follows from it (no line of the table with one hidden count, or only 1s).
    indicatore = next(i["valore"] for i in cruscotto["indicatori"] if i["codice"] == "percorsi_attivati")
    assert f"Totale percorsi attivati: {indicatore}." in paragrafi
    assert indicatore in (sum(veri.values()), "riservato")
    celle = [c for riga in percorsi[1:] for c in riga[1:]]
    nascoste = [c for c in celle if c == "riservato"]
    if indicatore != "riservato" and nascoste:
        resto = indicatore - sum(int(c) for c in celle if c != "riservato")
        assert len(nascoste) >= 2 and resto > len(nascoste), (celle, indicatore)
    # Spending per asse: the dashboard's amounts, in euro.
    per_asse = {a["asse"]: a for a in cruscotto["spese_per_asse"]}
    for riga in spese[1:-1]:
        asse = riga[0].split(" ")[1]
        assert riga[1] == euro(Decimal(per_asse[asse]["speso"]))
    assert f"Sessioni svolte: {sessioni}." in " ".join(paragrafi)
    assert f"Accordi, protocolli e patti: {accordi}." in paragrafi
    # Nothing of any woman: no personal value, no code, in any paragraph or cell.
    tutto = "\n".join(paragrafi + [c for t in tabelle for r in t for c in r])
    assert not RE_CODICE.search(tutto)
    proibiti = {v for d in pii.values() for v in d["valori"] if len(v) >= 4}
    assert not [v for v in proibiti if v in tutto]


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_chi_scrive_e_scarica_la_relazione(username, app, api_di):
    """Every channel per role: menu, page, form, document, API read, write and document."""
    c = login(app.test_client(), username)
    atteso = 200 if ruolo(username) in SCRIVE else 403
    a = api_di(username)
    prima = c.get("/relazione-finale/")
    assert prima.status_code == atteso
    assert c.get("/relazione-finale/scarica").status_code == atteso
    assert a.get("/api/v1/relazionefinale/").status_code == atteso
    assert a.get("/api/v1/relazionefinale/docx").status_code == atteso
    r = a.put("/api/v1/relazionefinale/", json={"introduzione": {"testo": "x", "versione": 999}})
    assert r.status_code == (409 if atteso == 200 else 403)
    csrf = csrf_da(c.get("/resetmypassword/form").get_data(as_text=True))
    r = c.post("/relazione-finale/", data={"csrf_token": csrf, "testo_introduzione": "x", "versione_introduzione": "999"})
    assert r.status_code == (409 if atteso == 200 else 403)
    menu = c.get("/").get_data(as_text=True)
    assert ('href="/relazione-finale/' in menu) == (atteso == 200), username


def test_dalla_riga_di_comando(app, tmp_path):
    runner = app.test_cli_runner()
    uscita = tmp_path / "relazione.docx"
    r = runner.invoke(args=["lia", "relazione-finale", "--out", str(uscita)])
    assert r.exit_code == 0, r.output
    paragrafi, tabelle = _testi_docx(uscita.read_bytes())
    assert paragrafi[0].startswith("Relazione finale — ") and tabelle
    r = runner.invoke(args=["lia", "statistiche", "--out", str(tmp_path / "s.xlsx")])
    assert r.exit_code == 0, r.output


def test_un_carattere_di_controllo_scritto_o_incollato_non_ferma_il_documento(app, api_di):
    """python-docx refuses characters XML cannot carry: an accordo's counterpart or a text pasted
    with one (the API fuzz wrote one) must still give the document, without that character."""
    capofila = api_di("capofila")
    marca = uuid.uuid4().hex[:8]
    r = capofila.post("/api/v1/accordo/", json={"controparte": f"Ditta\x0b {marca}\x1f", "tipo": "protocollo", "area": "abitare",
                                                "stato": "firmato", "data_firma": "2023-03-01"})
    assert r.status_code == 201, r.get_json()
    sezioni = _sezioni(capofila)
    r = capofila.put("/api/v1/relazionefinale/", json={
        "conclusioni": {"testo": f"Fine\x1f {marca}", "versione": sezioni["conclusioni"]["versione"]}})
    assert r.status_code == 200, r.get_json()
    r = capofila.get("/api/v1/relazionefinale/docx")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    paragrafi, tabelle = _testi_docx(r.data)
    assert f"Fine {marca}" in paragrafi
    assert any(f"Ditta {marca}" in cella for t in tabelle for riga in t for cella in riga)
