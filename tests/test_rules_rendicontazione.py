"""The Excel rendicontazione: sheets, columns, totals to the cent, formulas, exact counts, layout."""
import io
import re
from datetime import date, datetime
from decimal import Decimal as D

import openpyxl
import pandas as pd
import pytest

from app.rules.programma import programma_predefinito
from app.rules.rendicontazione import (
    COLONNE_INDICATORI, COLONNE_RIEPILOGO, COLONNE_SPESE, FOGLI, RigaIndicatore, RigaProgetto, RigaSpesa,
    scrivi_rendicontazione,
)

ESTRATTO = datetime(2024, 4, 2, 9, 5)
CENTESIMO = D("0.01")


@pytest.fixture(scope="module")
def prog():
    return programma_predefinito()


def spesa(asse="II", ente="CAV Crema", importo="100.00", ammissibile=True, data=date(2023, 6, 1), **kw):
    base = dict(codice_beneficiaria="B-0001", codice_progetto="P-0001", ambito="Crema", asse=asse,
                priorita={"I": "1.2", "II": "2.2", "III": "3.2", "IV": "4.3"}[asse],
                voce={"I": "I-FORMAZIONE", "II": "II-FORMAZIONE", "III": "III-TRASPORTO", "IV": "IV-CANONE"}[asse],
                data=data, importo=D(importo), ente_pagatore=ente, giustificativo="F1/2023",
                ammissibile=ammissibile, motivi="" if ammissibile else "progetto non ancora validato dal capofila")
    return RigaSpesa(**{**base, **kw})


# (asse, ente): II/CAV Crema has 4 spese, II/CAV Cremona 2, IV/CAV Crema 1, I/Capofila 3.
SPESE = [
    spesa(importo="0.10"), spesa(importo="0.20"), spesa(importo="1234.56"),
    spesa(importo="99.99", ammissibile=False),
    spesa(ente="CAV Cremona", importo="10.01"), spesa(ente="CAV Cremona", importo="0.30", ammissibile=False),
    spesa(asse="IV", importo="750.00", giustificativo="=HYPERLINK(\"http://x\")"),
    spesa(asse="I", ente="Capofila", importo="500.00", codice_beneficiaria=None, codice_progetto=None,
          ambito=None),
    spesa(asse="I", ente="Capofila", importo="0.07", codice_beneficiaria=None, codice_progetto=None,
          ambito=None, motivi="<r>non rich text</r>"),
    spesa(asse="I", ente="Capofila", importo="19.93", codice_beneficiaria=None, codice_progetto=None,
          ambito=None),
]
FUORI_PERIODO = spesa(importo="777.77", data=date(2022, 5, 1))

PROGETTI = [
    RigaProgetto("P-0001", "Crema", "entrambe", date(2023, 1, 15), None, "in corso",
                 {"II": D("1244.87"), "IV": D("750.00")}, {"autonomia": D("1755.13"), "abitare": D("750.00")}),
    RigaProgetto("P-0002", "Cremona", "lavoro", date(2023, 2, 1), date(2023, 12, 31), "chiuso",
                 {"II": D("10.01")}, {"autonomia": D("2989.99")}),
]


def indicatori(prog):
    return [RigaIndicatore(i.codice, i.descrizione, i.target, 2) for i in prog.indicatori]


def scrivi(prog, percorso, spese=SPESE, **kw):
    kw.setdefault("periodo", (date(2023, 1, 1), date(2023, 12, 31)))
    return scrivi_rendicontazione(percorso, prog, iter(spese), iter(PROGETTI), iter(indicatori(prog)),
                                  ESTRATTO, **kw)


def cent(x) -> D:
    return D(repr(float(x))).quantize(CENTESIMO)


@pytest.fixture(scope="module")
def file_xlsx(prog, tmp_path_factory):
    percorso = tmp_path_factory.mktemp("rend") / "rendicontazione.xlsx"
    totali = scrivi(prog, percorso, spese=SPESE + [FUORI_PERIODO], filtro_ente="CAV Crema")
    return percorso, totali


@pytest.fixture(scope="module")
def fogli(file_xlsx):
    return pd.read_excel(file_xlsx[0], sheet_name=None, header=2)


@pytest.fixture(scope="module")
def wb(file_xlsx):
    return openpyxl.load_workbook(file_xlsx[0])


def test_fogli_nell_ordine(fogli, wb):
    assert list(FOGLI) == ["Riepilogo", "Spese", "Progetti", "Indicatori"]
    assert list(fogli) == list(FOGLI)
    assert wb.sheetnames == list(FOGLI)


def test_colonne_di_ogni_foglio(fogli, prog):
    assert list(fogli["Riepilogo"].columns) == list(COLONNE_RIEPILOGO)
    assert list(fogli["Spese"].columns) == [
        "Codice beneficiaria", "Codice progetto", "Ambito", "Asse", "Priorità", "Voce", "Data", "Importo",
        "Ente pagatore", "Giustificativo", "Esito", "Motivi"] == list(COLONNE_SPESE)
    assert list(fogli["Progetti"].columns) == (
        ["Codice", "Ambito", "Area", "Inizio", "Fine", "Stato", "Speso Asse II", "Speso Asse III", "Speso Asse IV"]
        + [f"Residuo {m.descrizione}" for m in prog.massimali])
    assert list(fogli["Indicatori"].columns) == ["Indicatore", "Descrizione", "Target", "Valore raggiunto", "%"]
    assert list(COLONNE_INDICATORI) == list(fogli["Indicatori"].columns)


def test_totali_al_centesimo(fogli, file_xlsx):
    _, totali = file_xlsx
    attese_si = sum((s.importo for s in SPESE if s.ammissibile), D("0"))
    attese_no = sum((s.importo for s in SPESE if not s.ammissibile), D("0"))
    assert totali == {"ammissibile": attese_si, "non_ammissibile": attese_no, "righe_spese": len(SPESE)}
    assert attese_si == D("2514.87") and attese_no == D("100.29")

    riep = fogli["Riepilogo"]
    riga_totale = riep.iloc[-1]
    assert riga_totale["Asse"] == "Totale"
    assert cent(riga_totale["Importo ammissibile"]) == attese_si
    assert cent(riga_totale["Importo non ammissibile"]) == attese_no
    assert riga_totale["Numero di spese"] == len(SPESE)
    corpo = riep.iloc[:-1]
    assert sum(cent(v) for v in corpo["Importo ammissibile"]) == attese_si
    assert sum(cent(v) for v in corpo["Importo non ammissibile"]) == attese_no

    spese = fogli["Spese"]
    assert len(spese) == len(SPESE)  # the spesa outside the period is left out
    assert sum(cent(v) for v in spese.loc[spese["Esito"] == "Ammissibile", "Importo"]) == attese_si
    assert sum(cent(v) for v in spese.loc[spese["Esito"] == "Non ammissibile", "Importo"]) == attese_no
    assert [cent(v) for v in spese["Importo"]] == [s.importo for s in SPESE]


def test_riepilogo_per_asse_ed_ente(fogli):
    corpo = fogli["Riepilogo"].iloc[:-1]
    chiavi = list(zip(corpo["Asse"], corpo["Ente pagatore"]))
    # programme order of the assi, then enti alphabetically
    assert chiavi == [("I", "Capofila"), ("II", "CAV Crema"), ("II", "CAV Cremona"), ("IV", "CAV Crema")]
    per = {k: r for k, (_, r) in zip(chiavi, corpo.iterrows())}
    assert cent(per[("II", "CAV Crema")]["Importo ammissibile"]) == D("1234.86")
    assert cent(per[("II", "CAV Crema")]["Importo non ammissibile"]) == D("99.99")
    assert cent(per[("I", "Capofila")]["Importo ammissibile"]) == D("520.00")


def test_riga_totale_con_formule_e_valori(wb, fogli):
    ws = wb["Riepilogo"]
    ultima = ws.max_row
    assert ws.cell(ultima, 1).value == "Totale"
    assert ws.cell(ultima, 3).value == f"=SUM(C4:C{ultima - 1})"
    assert ws.cell(ultima, 4).value == f"=SUM(D4:D{ultima - 1})"
    assert ws.cell(ultima, 5).value == f"=SUM(E4:E{ultima - 1})"
    # the cached values are there for readers that do not compute formulas
    assert fogli["Riepilogo"].iloc[-1]["Importo ammissibile"] == pytest.approx(2514.87)


def test_valori_in_cache_delle_formule(file_xlsx):
    ws = openpyxl.load_workbook(file_xlsx[0], data_only=True)["Riepilogo"]
    ultima = ws.max_row
    assert cent(ws.cell(ultima, 3).value) == D("2514.87")
    assert cent(ws.cell(ultima, 4).value) == D("100.29")
    assert ws.cell(ultima, 5).value == len(SPESE)


def test_conteggi_esatti_come_le_righe_del_foglio_spese(fogli, wb):
    """The count of spese per asse and ente is exact, small ones too: the Spese sheet beside it
    lists those very rows (a "<3" here once sat next to the rows that give it back)."""
    corpo = fogli["Riepilogo"].iloc[:-1].set_index(["Asse", "Ente pagatore"])
    conteggi = corpo["Numero di spese"].to_dict()
    righe = fogli["Spese"].groupby(["Asse", "Ente pagatore"]).size().to_dict()
    assert conteggi == righe == {("II", "CAV Crema"): 4, ("I", "Capofila"): 3, ("II", "CAV Cremona"): 2,
                                 ("IV", "CAV Crema"): 1}
    mascherati = [(ws.title, c.coordinate, c.value) for ws in wb for row in ws.iter_rows(min_row=3) for c in row
                  if isinstance(c.value, str) and re.fullmatch(r"<\d+|riservato", c.value)]
    assert not mascherati


def test_totale_piccolo_esatto(prog, tmp_path):
    scrivi(prog, tmp_path / "r.xlsx", spese=SPESE[:2])
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Riepilogo"]
    assert ws["E4"].value == 2
    assert ws["E5"].value == "=SUM(E4:E4)"
    assert openpyxl.load_workbook(tmp_path / "r.xlsx", data_only=True)["Riepilogo"]["E5"].value == 2


def test_riga_titolo(wb, prog):
    for nome in FOGLI:
        ws = wb[nome]
        titolo = ws["A1"].value
        assert prog.nome in titolo
        assert prog.decreto in titolo
        assert "dal 01/01/2023 al 31/12/2023" in titolo
        assert "Estratto il 02/04/2024 09:05" in titolo
        assert "Ente: CAV Crema" in titolo
        assert ws["A2"].value is None
        assert ws["A3"].value == ws.cell(3, 1).value and ws["A3"].value is not None


def test_titolo_senza_periodo_usa_le_date_del_programma(prog, tmp_path):
    scrivi(prog, tmp_path / "r.xlsx", periodo=(None, None))
    titolo = openpyxl.load_workbook(tmp_path / "r.xlsx")["Spese"]["A1"].value
    assert f"dal {prog.data_inizio:%d/%m/%Y} al {prog.data_fine:%d/%m/%Y}" in titolo
    assert "Ente:" not in titolo
    # without a period filter the spesa of 2022 is in
    assert len(pd.read_excel(tmp_path / "r.xlsx", sheet_name="Spese", header=2)) == len(SPESE)


def test_riquadri_bloccati_e_filtri(wb):
    for nome in FOGLI:
        ws = wb[nome]
        assert ws.freeze_panes == "A4"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A3:")
    # the totals row stays out of the autofilter range (sorting must not move it)
    riep = wb["Riepilogo"]
    assert riep.auto_filter.ref == f"A3:E{riep.max_row - 1}"
    assert wb["Spese"].auto_filter.ref == f"A3:L{3 + len(SPESE)}"


def test_formati_euro_e_date(wb):
    spese = wb["Spese"]
    assert spese["H3"].value == "Importo"
    assert "€" in spese["H4"].number_format
    assert spese["G4"].number_format == "dd/mm/yyyy"
    assert spese["G4"].value == datetime(2023, 6, 1)
    riep = wb["Riepilogo"]
    assert "€" in riep["C4"].number_format and "€" in riep.cell(riep.max_row, 3).number_format
    progetti = wb["Progetti"]
    assert "€" in progetti["G4"].number_format
    assert progetti["D4"].value == datetime(2023, 1, 15)
    assert progetti["E4"].value is None
    assert progetti["E5"].value == datetime(2023, 12, 31)
    for nome in FOGLI:
        assert wb[nome].column_dimensions["A"].width >= 8


def test_progetti(fogli, prog):
    p = fogli["Progetti"]
    assert list(p["Codice"]) == ["P-0001", "P-0002"]
    assert cent(p.loc[0, "Speso Asse II"]) == D("1244.87")
    assert cent(p.loc[0, "Speso Asse III"]) == D("0.00")
    abitare = next(m for m in prog.massimali if m.codice == "abitare")
    assert cent(p.loc[0, f"Residuo {abitare.descrizione}"]) == D("750.00")
    assert pd.isna(p.loc[1, f"Residuo {abitare.descrizione}"])  # not given: left blank


def test_indicatori(fogli, wb, prog):
    ind = fogli["Indicatori"]
    assert list(ind["Indicatore"]) == [i.codice for i in prog.indicatori]
    primo = prog.indicatori[0]
    assert ind.loc[0, "Target"] == primo.target and ind.loc[0, "Valore raggiunto"] == 2
    assert ind.loc[0, "%"] == pytest.approx(2 / primo.target)
    ws = wb["Indicatori"]
    assert ws["E4"].value == "=D4/C4"
    assert "%" in ws["E4"].number_format


def test_testi_mai_interpretati(wb, fogli):
    spese = fogli["Spese"]
    assert '=HYPERLINK("http://x")' in spese["Giustificativo"].tolist()
    ws = wb["Spese"]
    giustificativi = [ws.cell(r, 10).value for r in range(4, ws.max_row + 1)]
    assert '=HYPERLINK("http://x")' in giustificativi
    assert ws.cell(4 + SPESE.index(next(s for s in SPESE if s.giustificativo.startswith("="))), 10).data_type == "s"
    # a string shaped like inline rich text stays text (and the file stays valid XML)
    assert any(str(m).startswith("<r>non rich text</r>") for m in spese["Motivi"])


def test_file_like_e_nessun_dato_personale(prog):
    buf = io.BytesIO()
    totali = scrivi(prog, buf)
    assert totali["righe_spese"] == len(SPESE)
    buf.seek(0)
    wb = openpyxl.load_workbook(buf)
    assert wb.sheetnames == list(FOGLI)
    valori = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None}
    assert "B-0001" in valori  # only codes travel


def test_nessuna_spesa(prog, tmp_path):
    totali = scrivi(prog, tmp_path / "vuoto.xlsx", spese=[])
    assert totali == {"ammissibile": D("0"), "non_ammissibile": D("0"), "righe_spese": 0}
    wb = openpyxl.load_workbook(tmp_path / "vuoto.xlsx")
    assert wb["Riepilogo"]["A4"].value == "Totale"
    assert wb["Spese"].auto_filter.ref == "A3:L3"


def test_errore_a_meta_non_lascia_file(prog, tmp_path):
    def spese_rotte():
        yield SPESE[0]
        raise RuntimeError("cursore interrotto")

    destinazione = tmp_path / "rotto.xlsx"
    with pytest.raises(RuntimeError):
        scrivi_rendicontazione(destinazione, prog, spese_rotte(), [], [], ESTRATTO)
    assert list(tmp_path.iterdir()) == []


def test_periodo_rovesciato_rifiutato(prog, tmp_path):
    with pytest.raises(ValueError):
        scrivi(prog, tmp_path / "r.xlsx", periodo=(date(2023, 12, 31), date(2023, 1, 1)))


def test_il_file_si_apre_senza_errori(file_xlsx):
    wb = openpyxl.load_workbook(file_xlsx[0], read_only=True)
    for ws in wb:
        righe = list(ws.iter_rows(values_only=True))
        assert righe, ws.title
    wb.close()
