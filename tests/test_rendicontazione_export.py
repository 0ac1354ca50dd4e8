"""The rendicontazione as the Region receives it: real xlsx files read back with pandas and
openpyxl, its numbers (per voce, per asse and ente against the budget, the reviewer's checks,
each spesa's documents) against the database, and every cell scanned for personal data."""
import csv
import io
import re
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select

from app.rules.programma import programma_predefinito
from tests.aiuti_percorso import progetto_validato, spesa as _spesa, voce_id as _voce_id

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def spese_create(app, api_di_modulo):
    """A few projects with eligible and ineligible spese for two CAV: paid by bank transfer, by
    cash, or not yet (no quietanza); the first one of each CAV with its file attached."""
    creati = []
    for cav, equipe, prefisso in [("cav.crema", "equipe.crema", "CM-"), ("cav.cremona", "equipe.cremona", "CR-")]:
        pid, _ = progetto_validato(api_di_modulo, cav=cav, equipe=equipe, prefisso=prefisso, area="entrambe")
        api = api_di_modulo(cav)
        for voce, importo, quietanza in [
                ("II-TIROCINIO-INDENNITA", "1200,00", {"quietanza_tipo": "bonifico", "quietanza_data": "2023-01-20"}),
                ("III-TRASPORTO", "45,50", {"quietanza_tipo": "contanti", "quietanza_data": "2023-01-10"}),
                ("IV-CANONE", "600", {})]:
            r = _spesa(api, pid, _voce_id(app, voce), importo, **quietanza)
            assert r.status_code == 201, r.get_json()
        r = _spesa(api, pid, _voce_id(app, "III-PASTI"), "9,99", coperta_da_altra_misura=True,
                   registra_non_ammissibile=True, quietanza_tipo="carta", quietanza_data="2023-02-01")
        assert r.status_code == 201
        spese = api.get(f"/api/v1/spesa/?q=(filters:!((col:progetto,opr:rel_o_m,value:{pid})),page_size:100)")
        ids = sorted(x["id"] for x in spese.get_json()["result"])
        r = api.put(f"/api/v1/spesa/{ids[0]}/allegato", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(PDF), "fattura.pdf")})
        assert r.status_code == 200, r.get_json()
        creati.append(pid)
    return creati


@pytest.fixture(scope="module")
def api_di_modulo(app):
    from tests.conftest import ApiClient, token_per

    def _fa(username):
        c = app.test_client()
        return ApiClient(c, token_per(c, username))
    return _fa


def _somme_db(app, ente_nome=None):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        # An annulled spesa is in neither sum (the workbook shows it as "Annullata").
        q = (select(m.Spesa.ammissibile, func.sum(m.Spesa.importo)).where(m.Spesa.annullata.is_(False))
             .group_by(m.Spesa.ammissibile))
        if ente_nome:
            q = q.join(m.Ente, m.Spesa.ente_pagatore_id == m.Ente.id).where(m.Ente.nome == ente_nome)
        somme = {bool(a): Decimal(t) for a, t in db.session.execute(q)}
        db.session.remove()
    return somme.get(True, Decimal("0")), somme.get(False, Decimal("0"))


def _tutte_le_celle(contenuto: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(contenuto))
    for ws in wb.worksheets:
        for riga in ws.iter_rows(values_only=True):
            for v in riga:
                if v is not None:
                    yield str(v)


def _nessun_dato_personale(contenuto: bytes, pii):
    celle = "\n".join(_tutte_le_celle(contenuto))
    assert len(celle) > 100  # the scan reads a real, non-empty workbook
    for dati in pii.values():
        for valore in dati["valori"]:
            # Whole words: short first names ("Ida") are inside ordinary Italian words.
            assert not re.search(r"(?<!\w)" + re.escape(valore) + r"(?!\w)", celle, re.IGNORECASE), \
                "dato personale nel file"


def test_cli_scrive_il_file_con_totali_uguali_al_database(app, spese_create, tmp_path, pii):
    out = tmp_path / "rend.xlsx"
    r = app.test_cli_runner().invoke(args=["lia", "rendicontazione", "--out", str(out)])
    assert r.exit_code == 0, r.output
    fogli = pd.read_excel(out, sheet_name=None, header=2)
    assert list(fogli) == ["Riepilogo", "Budget", "Spese", "Controlli", "Progetti", "Indicatori"]
    spese = fogli["Spese"]
    assert list(spese.columns) == [
        "Codice beneficiaria", "Codice progetto", "Ambito", "Asse", "Priorità", "Voce", "Data", "Importo",
        "Ente pagatore", "Fornitore", "Tipo giustificativo", "Numero giustificativo", "Data giustificativo",
        "Tipo quietanza", "Data quietanza", "File allegato", "Esito", "Motivi", "Rettifica della spesa n."]
    ammissibile, non_ammissibile = _somme_db(app)
    importi = spese["Importo"].map(lambda v: Decimal(str(v)).quantize(Decimal("0.01")))
    assert sum(importi[spese["Esito"] == "Ammissibile"], Decimal("0")) == ammissibile
    assert sum(importi[spese["Esito"] == "Non ammissibile"], Decimal("0")) == non_ammissibile
    riepilogo = fogli["Riepilogo"]
    totale = riepilogo.iloc[-1]
    assert Decimal(str(totale["Importo ammissibile"])).quantize(Decimal("0.01")) == ammissibile
    ws = openpyxl.load_workbook(out)["Riepilogo"]
    assert any(isinstance(c.value, str) and c.value.startswith("=SUBTOTAL(9,") for row in ws.iter_rows() for c in row)
    assert "L.I.A. 2" in str(ws["A1"].value) and "6299" in str(ws["A1"].value)
    indicatori = fogli["Indicatori"]
    assert "Percorsi personalizzati attivati (inclusione attiva e/o autonomia abitativa)" in set(indicatori["Descrizione"])
    _nessun_dato_personale(out.read_bytes(), pii)


def test_cli_per_ente_solo_la_sua_parte(app, spese_create, tmp_path):
    out = tmp_path / "crema.xlsx"
    r = app.test_cli_runner().invoke(args=["lia", "rendicontazione", "--out", str(out), "--ente",
                                           "Centro Antiviolenza di Crema"])
    assert r.exit_code == 0, r.output
    spese = pd.read_excel(out, sheet_name="Spese", header=2)
    assert set(spese["Ente pagatore"]) == {"Centro Antiviolenza di Crema"}
    assert all(str(c).startswith("CM-") for c in spese["Codice beneficiaria"])
    ammissibile, _ = _somme_db(app, "Centro Antiviolenza di Crema")
    importi = spese["Importo"][spese["Esito"] == "Ammissibile"].map(lambda v: Decimal(str(v)).quantize(Decimal("0.01")))
    assert sum(importi, Decimal("0")) == ammissibile


def test_cli_ente_sconosciuto_e_date_invertite(app, tmp_path):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["lia", "rendicontazione", "--out", str(tmp_path / "x.xlsx"), "--ente", "Nessuno"])
    assert r.exit_code != 0 and "ente sconosciuto" in r.output
    r = runner.invoke(args=["lia", "rendicontazione", "--out", str(tmp_path / "x.xlsx"), "--dal", "2023-05-01",
                            "--al", "2023-01-01"])
    assert r.exit_code != 0
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("utente", ["capofila", "regione"])
def test_download_rete_intera_per_capofila_e_regione(app, spese_create, client_di, pii, utente):
    r = client_di(utente).get("/rendicontazione/scarica")
    assert r.status_code == 200
    assert r.mimetype.endswith("spreadsheetml.sheet")
    spese = pd.read_excel(io.BytesIO(r.data), sheet_name="Spese", header=2)
    assert {"Centro Antiviolenza di Crema", "Centro Antiviolenza di Cremona"} <= set(spese["Ente pagatore"])
    _nessun_dato_personale(r.data, pii)


def test_download_cav_solo_la_propria_parte(app, spese_create, client_di, pii):
    r = client_di("cav.crema").get("/rendicontazione/scarica?dal=2022-04-01&al=2024-03-31")
    assert r.status_code == 200
    spese = pd.read_excel(io.BytesIO(r.data), sheet_name="Spese", header=2)
    assert set(spese["Ente pagatore"]) == {"Centro Antiviolenza di Crema"}
    progetti = pd.read_excel(io.BytesIO(r.data), sheet_name="Progetti", header=2)
    assert all(str(c).startswith("P-CM-") for c in progetti["Codice"])
    _nessun_dato_personale(r.data, pii)


@pytest.mark.parametrize("utente", ["equipe.crema", "servizi.cpi", "admin"])
def test_download_negato_agli_altri_ruoli(client_di, utente):
    assert client_di(utente).get("/rendicontazione/scarica").status_code == 403


def test_download_date_non_valide(client_di):
    c = client_di("capofila")
    assert c.get("/rendicontazione/scarica?dal=ieri").status_code == 400
    assert c.get("/rendicontazione/scarica?dal=2023-05-01&al=2023-01-01").status_code == 400


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice non installato (CI installa libreoffice-calc-nogui)")
def test_libreoffice_apre_il_file_e_ricalcola_gli_stessi_totali(app, spese_create, tmp_path):
    """LibreOffice opens the workbook (no repair) and its own recalculation of the SUBTOTAL formulas
    gives the totals of the database."""
    out = tmp_path / "rend.xlsx"
    r = app.test_cli_runner().invoke(args=["lia", "rendicontazione", "--out", str(out)])
    assert r.exit_code == 0, r.output
    profilo = tmp_path / "profilo-lo"
    p = subprocess.run(["soffice", f"-env:UserInstallation=file://{profilo}", "--headless", "--convert-to",
                        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,1",
                        "--outdir", str(tmp_path), str(out)], capture_output=True, text=True, timeout=180)
    riepilogo = tmp_path / "rend-Riepilogo.csv"
    assert riepilogo.exists(), p.stdout + p.stderr
    totale = next(r for r in csv.reader(riepilogo.open(encoding="utf-8")) if r and r[0] == "Totale")
    ammissibile, non_ammissibile = _somme_db(app)
    assert Decimal(totale[4]).quantize(Decimal("0.01")) == ammissibile
    assert Decimal(totale[5]).quantize(Decimal("0.01")) == non_ammissibile


def _euro(v) -> Decimal:
    return Decimal(str(v)).quantize(CENT)


def _per_voce_db(app):
    """Eligible and ineligible sums and counts per (asse, priorità, voce), straight from the tables."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        righe = db.session.execute(
            select(m.Asse.codice, m.Priorita.codice, m.VoceSpesa.codice, m.Spesa.ammissibile, m.Spesa.annullata,
                   m.Spesa.importo)
            .join(m.VoceSpesa, m.Spesa.voce_id == m.VoceSpesa.id)
            .join(m.Priorita, m.VoceSpesa.priorita_id == m.Priorita.id)
            .join(m.Asse, m.Priorita.asse_id == m.Asse.id)).all()
        db.session.remove()
    per_voce = {}
    for asse, priorita, voce, ammissibile, annullata, importo in righe:
        si, no, n = per_voce.get((asse, priorita, voce), (Decimal("0"), Decimal("0"), 0))
        if not annullata:
            si, no = (si + importo, no) if ammissibile else (si, no + importo)
        per_voce[(asse, priorita, voce)] = (si, no, n + 1)
    return per_voce


def _speso_per_ente_db(app):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        righe = db.session.execute(
            select(m.Ente.nome, func.sum(m.Spesa.importo)).join(m.Ente, m.Spesa.ente_pagatore_id == m.Ente.id)
            .where(m.Spesa.ammissibile.is_(True), m.Spesa.annullata.is_(False)).group_by(m.Ente.nome)).all()
        db.session.remove()
    return {nome: Decimal(t) for nome, t in righe}


def _spese_dei_progetti(app, progetti):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        spese = db.session.execute(select(m.Spesa).where(m.Spesa.progetto_id.in_(progetti))).scalars().all()
        righe = [dict(id=s.id, numero=s.giustificativo_numero, fornitore=s.fornitore, importo=s.importo,
                      giustificativo_data=s.giustificativo_data, quietanza_tipo=s.quietanza_tipo,
                      quietanza_data=s.quietanza_data, allegato=bool(s.allegato), ammissibile=s.ammissibile,
                      motivi=s.motivi) for s in spese]
        db.session.remove()
    return righe


def test_il_file_riletto_con_openpyxl_torna_col_database(app, spese_create, client_di, pii):
    """The capofila's download read back cell by cell: the Riepilogo per voce, the Budget per asse and
    per ente, each spesa's giustificativo, quietanza, supplier and file, and the Controlli sheet, all
    against the database computed here on its own; and no personal value of any woman anywhere."""
    from app import models as m

    r = client_di("capofila").get("/rendicontazione/scarica")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.data), data_only=True)
    assert wb.sheetnames == ["Riepilogo", "Budget", "Spese", "Controlli", "Progetti", "Indicatori"]

    # Riepilogo: the voce rows (subtotals have "Totale …" in Priorità or Voce) equal the database
    per_voce = {}
    righe = list(wb["Riepilogo"].iter_rows(min_row=4, values_only=True))
    for asse, priorita, voce, _descrizione, si, no, n in righe[:-1]:
        if not str(priorita).startswith("Totale") and not str(voce).startswith("Totale"):
            per_voce[(asse, priorita, voce)] = (_euro(si), _euro(no), n)
    attesi = {k: (v[0].quantize(CENT), v[1].quantize(CENT), v[2]) for k, v in _per_voce_db(app).items()}
    assert per_voce == attesi
    assert righe[-1][0] == "Totale" and righe[-1][6] == sum(v[2] for v in attesi.values())
    assert _euro(righe[-1][4]) == sum((v[0] for v in attesi.values()), Decimal("0"))

    # Budget: spent per asse and per ente from the database, planned from the programme file
    budget = {(riga[0], riga[1]): riga for riga in wb["Budget"].iter_rows(min_row=4, values_only=True)}
    programma = programma_predefinito()
    for asse in ("I", "II", "III", "IV"):
        speso = sum((v[0] for k, v in attesi.items() if k[0] == asse), Decimal("0"))
        assert _euro(budget[("Asse", asse)][3]) == speso
        previsto = programma.rendiconto.budget_assi.get(asse)
        assert (budget[("Asse", asse)][2] is None) if previsto is None else _euro(budget[("Asse", asse)][2]) == previsto
    for ente, speso in _speso_per_ente_db(app).items():
        assert _euro(budget[("Ente", ente)][3]) == speso.quantize(CENT)
    assert _euro(budget[("Ente", "Centro Antiviolenza di Crema")][2]) == Decimal("18000.00")
    assert len(next(iter(budget.values()))) == 6  # no co-financing declared: no such columns

    # Spese: each spesa of these projects, by its giustificativo number, as stored
    intestazione = [c.value for c in wb["Spese"][3]]
    spese = {riga[intestazione.index("Numero giustificativo")]: dict(zip(intestazione, riga))
             for riga in wb["Spese"].iter_rows(min_row=4, values_only=True)}
    nostre = _spese_dei_progetti(app, spese_create)
    assert len(nostre) == 8 and sum(s["allegato"] for s in nostre) == 2
    for s in nostre:
        riga = spese[s["numero"]]
        assert _euro(riga["Importo"]) == s["importo"]
        assert riga["Fornitore"] == s["fornitore"] == "Ditta Esempio"
        assert riga["Tipo giustificativo"] == "Fattura"
        assert riga["Data giustificativo"].date() == s["giustificativo_data"]
        assert riga["Tipo quietanza"] == (m.TIPI_QUIETANZA[s["quietanza_tipo"]] if s["quietanza_tipo"] else None)
        assert (riga["Data quietanza"].date() if riga["Data quietanza"] else None) == s["quietanza_data"]
        assert riga["File allegato"] == ("Sì" if s["allegato"] else "No")
        assert riga["Esito"] == ("Ammissibile" if s["ammissibile"] else "Non ammissibile")

    # Controlli: exactly the problems of these spese, by number of spesa
    controlli = {riga[0]: riga for riga in wb["Controlli"].iter_rows(min_row=4, values_only=True)}
    for s in nostre:
        attesi_s = ("quietanza non registrata" if not s["quietanza_tipo"] else None,
                    "nessun file allegato" if not s["allegato"] else None,
                    s["motivi"].replace("\n", "; ") if not s["ammissibile"] else None)
        if any(attesi_s):
            riga = controlli[s["id"]]
            assert riga[5:] == attesi_s, s
            assert riga[2] == s["numero"] and _euro(riga[4]) == s["importo"]
        else:
            assert s["id"] not in controlli, s
    _nessun_dato_personale(r.data, pii)


def test_il_budget_del_cav_e_solo_il_suo(app, spese_create, client_di, pii):
    r = client_di("cav.crema").get("/rendicontazione/scarica")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.data), data_only=True)
    budget = list(wb["Budget"].iter_rows(min_row=4, values_only=True))
    assert [x[1] for x in budget if x[0] == "Ente"] == ["Centro Antiviolenza di Crema"]
    assert all(x[2] is None for x in budget if x[0] == "Asse")  # the network's planned money is not hers
    ente = next(x for x in budget if x[0] == "Ente")
    assert _euro(ente[3]) == _speso_per_ente_db(app)["Centro Antiviolenza di Crema"].quantize(CENT)
    controlli = list(wb["Controlli"].iter_rows(min_row=4, values_only=True))
    assert controlli and {x[3] for x in controlli} == {"Centro Antiviolenza di Crema"}
    _nessun_dato_personale(r.data, pii)
