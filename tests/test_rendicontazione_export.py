"""The rendicontazione as the Region receives it: real xlsx files read back with pandas and
openpyxl, totals against the database, and every cell scanned for personal data."""
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

from tests.aiuti_percorso import progetto_validato, spesa as _spesa, voce_id as _voce_id


@pytest.fixture(scope="module")
def spese_create(app, api_di_modulo):
    """A few projects with eligible and ineligible spese for two CAV."""
    creati = []
    for cav, equipe, prefisso in [("cav.crema", "equipe.crema", "CM-"), ("cav.cremona", "equipe.cremona", "CR-")]:
        pid, _ = progetto_validato(api_di_modulo, cav=cav, equipe=equipe, prefisso=prefisso, area="entrambe")
        api = api_di_modulo(cav)
        for voce, importo in [("II-TIROCINIO-INDENNITA", "1200,00"), ("III-TRASPORTO", "45,50"),
                              ("IV-CANONE", "600")]:
            r = _spesa(api, pid, _voce_id(app, voce), importo)
            assert r.status_code == 201, r.get_json()
        r = _spesa(api, pid, _voce_id(app, "III-PASTI"), "9,99", coperta_da_altra_misura=True,
                   registra_non_ammissibile=True)
        assert r.status_code == 201
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
    assert list(fogli) == ["Riepilogo", "Spese", "Progetti", "Indicatori"]
    spese = fogli["Spese"]
    assert list(spese.columns) == ["Codice beneficiaria", "Codice progetto", "Ambito", "Asse", "Priorità", "Voce",
                                   "Data", "Importo", "Ente pagatore", "Giustificativo", "Esito", "Motivi"]
    ammissibile, non_ammissibile = _somme_db(app)
    importi = spese["Importo"].map(lambda v: Decimal(str(v)).quantize(Decimal("0.01")))
    assert sum(importi[spese["Esito"] == "Ammissibile"], Decimal("0")) == ammissibile
    assert sum(importi[spese["Esito"] == "Non ammissibile"], Decimal("0")) == non_ammissibile
    riepilogo = fogli["Riepilogo"]
    totale = riepilogo.iloc[-1]
    assert Decimal(str(totale["Importo ammissibile"])).quantize(Decimal("0.01")) == ammissibile
    ws = openpyxl.load_workbook(out)["Riepilogo"]
    assert any(isinstance(c.value, str) and c.value.startswith("=SUM(") for row in ws.iter_rows() for c in row)
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
    """LibreOffice opens the workbook (no repair) and its own recalculation of the SUM formulas
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
    assert Decimal(totale[2]).quantize(Decimal("0.01")) == ammissibile
    assert Decimal(totale[3]).quantize(Decimal("0.01")) == non_ammissibile
