"""The Excel rendicontazione: sheets, columns, totals to the cent, formulas, exact counts, layout,
the budget with its co-financing, the reviewer's checks, and a layout read from the programme file."""
import dataclasses
import io
import re
import tomllib
from datetime import date, datetime
from decimal import Decimal as D

import openpyxl
import pandas as pd
import pytest

from app.rules.programma import (
    CARTELLA_PROGRAMMI, Cofinanziamento, ProgrammaNonValido, carica_programma, leggi_programma,
    programma_predefinito,
)
from app.rules.rendicontazione import (
    COLONNE_BUDGET, COLONNE_COFINANZIAMENTO, COLONNE_CONTROLLI, COLONNE_INDICATORI, COLONNE_RIEPILOGO,
    COLONNE_SPESE, FOGLI, RigaIndicatore, RigaProgetto, RigaSpesa, scrivi_rendicontazione,
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
                data=data, importo=D(importo), ente_pagatore=ente,
                ammissibile=ammissibile, motivi="" if ammissibile else "progetto non ancora validato dal capofila",
                fornitore="Ditta Esempio", giustificativo_tipo="Fattura", giustificativo_numero="F1/2023",
                giustificativo_data=data, quietanza_tipo="Bonifico", quietanza_data=data, allegato=True)
    return RigaSpesa(**{**base, **kw})


# (asse, ente): II/CAV Crema has 4 spese, II/CAV Cremona 2, IV/CAV Crema 1, I/Capofila 3.
# Checks: spese 2 and 5 have no quietanza (none / no date), 6 and 8 no file, 4 and 6 are not eligible.
SPESE = [
    spesa(importo="0.10", numero_spesa=1), spesa(importo="0.20", numero_spesa=2, quietanza_tipo="", quietanza_data=None),
    spesa(importo="1234.56", numero_spesa=3),
    spesa(importo="99.99", ammissibile=False, numero_spesa=4),
    spesa(ente="CAV Cremona", importo="10.01", numero_spesa=5, quietanza_data=None),
    spesa(ente="CAV Cremona", importo="0.30", ammissibile=False, numero_spesa=6, allegato=False),
    spesa(asse="IV", importo="750.00", giustificativo_numero="=HYPERLINK(\"http://x\")", fornitore="=1+1",
          numero_spesa=7),
    spesa(asse="I", ente="Capofila", importo="500.00", codice_beneficiaria=None, codice_progetto=None,
          ambito=None, numero_spesa=8, allegato=False),
    spesa(asse="I", ente="Capofila", importo="0.07", codice_beneficiaria=None, codice_progetto=None,
          ambito=None, motivi="<r>non rich text</r>", numero_spesa=9),
    spesa(asse="I", ente="Capofila", importo="19.93", codice_beneficiaria=None, codice_progetto=None,
          ambito=None, numero_spesa=10),
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


def corpo_riepilogo(riepilogo: pd.DataFrame) -> pd.DataFrame:
    """The voce rows of the Riepilogo: no subtotal of a priority or an asse, no grand total."""
    subtotale = (riepilogo["Asse"].eq("Totale") | riepilogo["Priorità"].astype(str).str.startswith("Totale")
                 | riepilogo["Voce"].astype(str).str.startswith("Totale"))
    return riepilogo[~subtotale]


def test_fogli_nell_ordine(fogli, wb, prog):
    assert list(FOGLI) == ["Riepilogo", "Budget", "Spese", "Controlli", "Progetti", "Indicatori"]
    assert prog.rendiconto.fogli == FOGLI  # the L.I.A. 2 file says so, and it is the default
    assert list(fogli) == list(FOGLI)
    assert wb.sheetnames == list(FOGLI)


def test_colonne_di_ogni_foglio(fogli, prog):
    assert list(fogli["Riepilogo"].columns) == list(COLONNE_RIEPILOGO) == [
        "Asse", "Priorità", "Voce", "Descrizione", "Importo ammissibile", "Importo non ammissibile",
        "Numero di spese"]
    assert list(fogli["Spese"].columns) == [
        "Codice beneficiaria", "Codice progetto", "Ambito", "Asse", "Priorità", "Voce", "Data", "Importo",
        "Ente pagatore", "Fornitore", "Tipo giustificativo", "Numero giustificativo", "Data giustificativo",
        "Tipo quietanza", "Data quietanza", "File allegato", "Esito", "Motivi", "Rettifica della spesa n."] == list(COLONNE_SPESE)
    # L.I.A. 2 declares no co-financing: its columns are not written
    assert list(fogli["Budget"].columns) == list(COLONNE_BUDGET)
    assert list(fogli["Controlli"].columns) == list(COLONNE_CONTROLLI)
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
    corpo = corpo_riepilogo(riep)
    assert sum(cent(v) for v in corpo["Importo ammissibile"]) == attese_si
    assert sum(cent(v) for v in corpo["Importo non ammissibile"]) == attese_no

    spese = fogli["Spese"]
    assert len(spese) == len(SPESE)  # the spesa outside the period is left out
    assert sum(cent(v) for v in spese.loc[spese["Esito"] == "Ammissibile", "Importo"]) == attese_si
    assert sum(cent(v) for v in spese.loc[spese["Esito"] == "Non ammissibile", "Importo"]) == attese_no
    assert [cent(v) for v in spese["Importo"]] == [s.importo for s in SPESE]


def test_riepilogo_per_asse_priorita_e_voce_con_subtotali(fogli, prog):
    righe = [tuple("" if pd.isna(x) else x for x in r[:3]) for r in fogli["Riepilogo"].itertuples(index=False)]
    # programme order of assi, priorities and voci; a subtotal after each priority and each asse
    assert righe == [
        ("I", "1.2", "I-FORMAZIONE"), ("I", "1.2", "Totale priorità 1.2"), ("I", "Totale asse I", ""),
        ("II", "2.2", "II-FORMAZIONE"), ("II", "2.2", "Totale priorità 2.2"), ("II", "Totale asse II", ""),
        ("IV", "4.3", "IV-CANONE"), ("IV", "4.3", "Totale priorità 4.3"), ("IV", "Totale asse IV", ""),
        ("Totale", "", "")]
    per = {r.Voce: r for r in fogli["Riepilogo"].itertuples(index=False)}
    assert cent(per["II-FORMAZIONE"][4]) == D("1244.87") and cent(per["II-FORMAZIONE"][5]) == D("100.29")
    assert per["II-FORMAZIONE"][6] == 6
    assert per["II-FORMAZIONE"][3] == prog.voce("II-FORMAZIONE").descrizione
    assert cent(per["Totale priorità 1.2"][4]) == D("520.00") and per["Totale priorità 1.2"][6] == 3


def test_subtotali_e_totale_con_formule_e_valori(wb, fogli):
    ws = wb["Riepilogo"]
    ultima = ws.max_row
    assert ws.cell(ultima, 1).value == "Totale"
    for lettera in "EFG":
        assert ws[f"{lettera}{ultima}"].value == f"=SUBTOTAL(9,{lettera}4:{lettera}{ultima - 1})"
    # Excel's SUBTOTAL leaves the nested subtotals out: priority 1.2 (row 5) over row 4, asse I over 4-5
    assert ws["E5"].value == "=SUBTOTAL(9,E4:E4)" and ws["E6"].value == "=SUBTOTAL(9,E4:E5)"
    # the cached values are there for readers that do not compute formulas
    assert fogli["Riepilogo"].iloc[-1]["Importo ammissibile"] == pytest.approx(2514.87)


def test_valori_in_cache_delle_formule(file_xlsx):
    ws = openpyxl.load_workbook(file_xlsx[0], data_only=True)["Riepilogo"]
    ultima = ws.max_row
    assert cent(ws.cell(ultima, 5).value) == D("2514.87")
    assert cent(ws.cell(ultima, 6).value) == D("100.29")
    assert ws.cell(ultima, 7).value == len(SPESE)


def test_conteggi_esatti_come_le_righe_del_foglio_spese(fogli, wb):
    """The count of spese per voce is exact, small ones too: the Spese sheet beside it lists
    those very rows (a "<3" here once sat next to the rows that give it back)."""
    corpo = corpo_riepilogo(fogli["Riepilogo"]).set_index(["Asse", "Priorità", "Voce"])
    conteggi = corpo["Numero di spese"].to_dict()
    righe = fogli["Spese"].astype({"Priorità": str}).groupby(["Asse", "Priorità", "Voce"]).size().to_dict()
    assert conteggi == righe == {("II", "2.2", "II-FORMAZIONE"): 6, ("I", "1.2", "I-FORMAZIONE"): 3,
                                 ("IV", "4.3", "IV-CANONE"): 1}
    mascherati = [(ws.title, c.coordinate, c.value) for ws in wb for row in ws.iter_rows(min_row=3) for c in row
                  if isinstance(c.value, str) and re.fullmatch(r"<\d+|riservato", c.value)]
    assert not mascherati


def test_totale_piccolo_esatto(prog, tmp_path):
    scrivi(prog, tmp_path / "r.xlsx", spese=SPESE[:2])
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Riepilogo"]
    assert ws["G4"].value == 2
    assert ws["A7"].value == "Totale" and ws["G7"].value == "=SUBTOTAL(9,G4:G6)"
    assert openpyxl.load_workbook(tmp_path / "r.xlsx", data_only=True)["Riepilogo"]["G7"].value == 2


def test_budget_previsto_contro_speso_per_asse_e_per_ente(prog, tmp_path):
    scrivi(prog, tmp_path / "b.xlsx")
    budget = pd.read_excel(tmp_path / "b.xlsx", sheet_name="Budget", header=2)
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx")["Budget"]
    assert "€" in ws["C5"].number_format and "%" in ws["F5"].number_format
    assert ws["E5"].value == "=C5-D5" and ws["F5"].value == "=D5/C5"
    righe = {(r["Livello"], r["Asse / ente"]): r for _, r in budget.iterrows()}
    assert [k for k in righe] == [("Asse", "I"), ("Asse", "II"), ("Asse", "III"), ("Asse", "IV"),
                                  ("Ente", "Capofila"), ("Ente", "CAV Crema"), ("Ente", "CAV Cremona"),
                                  ("Ente", "Centro Antiviolenza di Casalmaggiore"),
                                  ("Ente", "Centro Antiviolenza di Crema"), ("Ente", "Centro Antiviolenza di Cremona"),
                                  ("Totale", "Tutti gli assi")]
    ii = righe[("Asse", "II")]
    assert cent(ii["Budget regionale previsto"]) == prog.rendiconto.budget_assi["II"] == D("36000.00")
    assert cent(ii["Speso ammissibile"]) == D("1244.87")
    assert cent(ii["Residuo"]) == D("36000.00") - D("1244.87")
    assert ii["% utilizzato"] == pytest.approx(1244.87 / 36000)
    assert pd.isna(righe[("Asse", "I")]["Budget regionale previsto"])  # the card gives none: blank
    assert cent(righe[("Asse", "I")]["Speso ammissibile"]) == D("520.00")
    assert cent(righe[("Ente", "CAV Crema")]["Speso ammissibile"]) == D("1234.86") + D("750.00")
    assert cent(righe[("Ente", "Centro Antiviolenza di Crema")]["Budget regionale previsto"]) == D("18000.00")
    totale = righe[("Totale", "Tutti gli assi")]
    assert cent(totale["Speso ammissibile"]) == D("2514.87")  # the assi's sum: each spesa once
    assert cent(totale["Budget regionale previsto"]) == D("54000.00")
    assert sum(cent(r["Speso ammissibile"]) for k, r in righe.items() if k[0] == "Ente") == D("2514.87")


def test_budget_con_cofinanziamento_dichiarato(prog, tmp_path):
    rendiconto = dataclasses.replace(prog.rendiconto, cofinanziamento=(
        Cofinanziamento("I", "Capofila", D("2000.00"), D("5000.00")),
        Cofinanziamento("II", "", D("0"), D("1500.50"))))
    scrivi(dataclasses.replace(prog, rendiconto=rendiconto), tmp_path / "c.xlsx")
    budget = pd.read_excel(tmp_path / "c.xlsx", sheet_name="Budget", header=2)
    assert list(budget.columns) == list(COLONNE_BUDGET + COLONNE_COFINANZIAMENTO)
    righe = {(r["Livello"], r["Asse / ente"]): r for _, r in budget.iterrows()}
    monetario, valorizzato, totale = COLONNE_COFINANZIAMENTO
    assert cent(righe[("Asse", "I")][monetario]) == D("2000.00")
    assert cent(righe[("Asse", "I")][valorizzato]) == D("5000.00")
    assert cent(righe[("Ente", "Capofila")][valorizzato]) == D("5000.00")
    assert cent(righe[("Asse", "II")][totale]) == D("36000.00") + D("1500.50")
    assert cent(righe[("Totale", "Tutti gli assi")][valorizzato]) == D("6500.50")


def test_budget_di_un_solo_ente(prog, tmp_path):
    scrivi(prog, tmp_path / "e.xlsx", spese=[s for s in SPESE if s.ente_pagatore == "CAV Crema"],
           filtro_ente="CAV Crema")
    budget = pd.read_excel(tmp_path / "e.xlsx", sheet_name="Budget", header=2)
    assert list(budget.loc[budget["Livello"] == "Ente", "Asse / ente"]) == ["CAV Crema"]
    # the network's planned amounts per asse are not this ente's: left blank
    assert budget.loc[budget["Livello"] == "Asse", "Budget regionale previsto"].isna().all()


def test_controlli_del_revisore(fogli):
    """One row per spesa with something to check, one column per check: filtering a column gives
    the spese without quietanza, without file, not eligible (with the reasons)."""
    controlli = fogli["Controlli"].fillna("")
    trovati = {r["N. spesa"]: (r["Senza quietanza"], r["Senza file del giustificativo"], r["Non ammissibile: motivi"])
               for _, r in controlli.iterrows()}
    motivo = "progetto non ancora validato dal capofila"
    assert trovati == {
        2: ("quietanza non registrata", "", ""),
        4: ("", "", motivo),
        5: ("manca la data della quietanza", "", ""),
        6: ("", "nessun file allegato", motivo),
        8: ("", "nessun file allegato", ""),
    }
    riga = controlli[controlli["N. spesa"] == 4].iloc[0]
    assert riga["Codice progetto"] == "P-0001" and cent(riga["Importo"]) == D("99.99")
    assert riga["Numero giustificativo"] == "F1/2023" and riga["Ente pagatore"] == "CAV Crema"


def test_spesa_annullata_fuori_dalle_somme_e_dai_controlli(prog, tmp_path):
    annullata = spesa(importo="40.00", numero_spesa=99, ammissibile=False, annullata_il=date(2023, 7, 1),
                      allegato=False, quietanza_tipo="", quietanza_data=None)
    totali = scrivi(prog, tmp_path / "a.xlsx", spese=SPESE + [annullata])
    assert totali["righe_spese"] == len(SPESE) + 1 and totali["non_ammissibile"] == D("100.29")
    fogli = pd.read_excel(tmp_path / "a.xlsx", sheet_name=None, header=2)
    riga = fogli["Spese"].iloc[-1]
    assert riga["Esito"] == "Annullata" and riga["Motivi"] == "Annullata il 01/07/2023"
    assert 99 not in set(fogli["Controlli"]["N. spesa"])
    assert fogli["Riepilogo"].iloc[-1]["Numero di spese"] == len(SPESE) + 1


def test_spese_con_giustificativo_quietanza_fornitore_e_file(fogli, wb):
    spese = fogli["Spese"]
    prima = spese.iloc[0]
    assert (prima["Fornitore"], prima["Tipo giustificativo"], prima["Numero giustificativo"]) == (
        "Ditta Esempio", "Fattura", "F1/2023")
    assert prima["Data giustificativo"] == datetime(2023, 6, 1) and prima["Data quietanza"] == datetime(2023, 6, 1)
    assert prima["Tipo quietanza"] == "Bonifico" and prima["File allegato"] == "Sì"
    assert list(spese["File allegato"]) == ["No" if not s.allegato else "Sì" for s in SPESE]
    assert pd.isna(spese.iloc[1]["Tipo quietanza"]) and pd.isna(spese.iloc[4]["Data quietanza"])
    ws = wb["Spese"]
    assert ws["M4"].number_format == "dd/mm/yyyy" and ws["O4"].number_format == "dd/mm/yyyy"


LAYOUT_ALTRO_MODELLO = """
[rendiconto]
fogli = ["Spese", "Riepilogo"]

[[rendiconto.colonne_spese]]
etichetta = "N. pratica"
campo = "numero_spesa"

[[rendiconto.colonne_spese]]
etichetta = "Importo rendicontato"
campo = "importo"

[[rendiconto.colonne_spese]]
etichetta = "Estremi del documento"
campo = "giustificativo"

[[rendiconto.colonne_spese]]
etichetta = "Pagato il"
campo = "quietanza_data"
"""


def test_un_altro_modello_regionale_e_solo_un_file(tmp_path):
    """Another regional template: the sheets and the Spese columns change in the programme
    file, and the same code writes them."""
    testo = (CARTELLA_PROGRAMMI / "lia2.toml").read_text(encoding="utf-8")
    testo = testo[:testo.index("[rendiconto]")] + LAYOUT_ALTRO_MODELLO
    (tmp_path / "altro.toml").write_text(testo, encoding="utf-8")
    altro = carica_programma(tmp_path / "altro.toml")
    scrivi(altro, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames == ["Spese", "Riepilogo"]
    spese = pd.read_excel(tmp_path / "r.xlsx", sheet_name="Spese", header=2)
    assert list(spese.columns) == ["N. pratica", "Importo rendicontato", "Estremi del documento", "Pagato il"]
    assert list(spese["N. pratica"]) == [s.numero_spesa for s in SPESE]
    assert [cent(v) for v in spese["Importo rendicontato"]] == [s.importo for s in SPESE]
    assert spese.iloc[0]["Estremi del documento"] == "Fattura n. F1/2023 del 01/06/2023"
    assert wb["Spese"]["D4"].number_format == "dd/mm/yyyy"
    # without a budget, no planned amount anywhere; without [rendiconto] the L.I.A. 2 layout
    assert altro.rendiconto.budget_assi == {} and altro.rendiconto.cofinanziamento == ()
    senza = leggi_programma(tomllib.loads(testo[:testo.index("[rendiconto]")]))
    assert senza.rendiconto.fogli == FOGLI and [c.etichetta for c in senza.rendiconto.colonne_spese] == list(
        COLONNE_SPESE)


@pytest.mark.parametrize("rompi, motivo", [
    ('fogli = ["Spese", "Cruscotto"]', "foglio «Cruscotto» non previsto"),
    ('fogli = ["Spese", "Spese"]', "codice «Spese» duplicato"),
    ('fogli = []', "«fogli» deve essere un elenco non vuoto"),
])
def test_fogli_non_validi_rifiutati(rompi, motivo):
    testo = (CARTELLA_PROGRAMMI / "lia2.toml").read_text(encoding="utf-8")
    testo = testo.replace('fogli = ["Riepilogo", "Budget", "Spese", "Controlli", "Progetti", "Indicatori"]', rompi)
    with pytest.raises(ProgrammaNonValido) as exc:
        leggi_programma(tomllib.loads(testo))
    assert any(motivo in m for m in exc.value.motivi), exc.value.motivi


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
    assert riep.auto_filter.ref == f"A3:G{riep.max_row - 1}"
    assert wb["Spese"].auto_filter.ref == f"A3:S{3 + len(SPESE)}"
    budget = wb["Budget"]
    assert budget.auto_filter.ref == f"A3:F{budget.max_row - 1}"


def test_formati_euro_e_date(wb):
    spese = wb["Spese"]
    assert spese["H3"].value == "Importo"
    assert "€" in spese["H4"].number_format
    assert spese["G4"].number_format == "dd/mm/yyyy"
    assert spese["G4"].value == datetime(2023, 6, 1)
    riep = wb["Riepilogo"]
    assert "€" in riep["E4"].number_format and "€" in riep.cell(riep.max_row, 5).number_format
    assert "€" in wb["Budget"]["D4"].number_format
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
    assert '=HYPERLINK("http://x")' in spese["Numero giustificativo"].tolist()
    ws = wb["Spese"]
    riga = 4 + SPESE.index(next(s for s in SPESE if s.giustificativo_numero.startswith("=")))
    assert ws.cell(riga, 12).value == '=HYPERLINK("http://x")' and ws.cell(riga, 12).data_type == "s"
    assert ws.cell(riga, 10).value == "=1+1" and ws.cell(riga, 10).data_type == "s"  # the fornitore too
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
    assert wb["Spese"].auto_filter.ref == "A3:S3"
    assert wb["Controlli"].auto_filter.ref == "A3:H3"


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
