"""Eligibility rules: each rule accepting and refusing at its boundaries."""
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from app.rules import eligibility as el
from app.rules.eligibility import (
    AltraMisuraDati, Contesto, ProgettoDati, SpesaDati, formatta_euro, valida_importo, valuta_spesa,
)
from app.rules.programma import programma_predefinito

CAV = 7


@pytest.fixture(scope="module")
def prog():
    return programma_predefinito()


def progetto(**kw):
    base = dict(id=1, area="entrambe", data_inizio=None, data_fine=None,
                data_validazione_equipe=date(2023, 1, 10), data_validazione_capofila=date(2023, 1, 15),
                ente_cav_id=CAV)
    return ProgettoDati(**{**base, **kw})


def spesa(**kw):
    base = dict(voce="II-FORMAZIONE", importo=D("100.00"), data=date(2023, 6, 1), ente_pagatore_id=CAV,
                ente_pagatore_tipo="cav", coperta_da_altra_misura=False, giustificativo_numero="F 1",
                giustificativo_data=date(2023, 6, 1), progetto=progetto())
    return SpesaDati(**{**base, **kw})


def asse_i(**kw):
    return spesa(voce="I-FORMAZIONE", ente_pagatore_id=1, ente_pagatore_tipo="capofila", progetto=None, **kw)


def test_spesa_tipica_ammissibile(prog):
    esito = valuta_spesa(spesa(), prog, Contesto())
    assert esito == el.Esito(True, (), ())
    assert valuta_spesa(asse_i(), prog, Contesto()).ammissibile


def test_valuta_raccoglie_tutti_i_motivi(prog):
    s = spesa(importo=D("5000"), data=date(2024, 4, 1), ente_pagatore_tipo="capofila", coperta_da_altra_misura=True)
    esito = valuta_spesa(s, prog, Contesto())
    assert not esito.ammissibile and len(esito.motivi) == 4
    assert el.REGOLE[0] is el.regola_voce_attiva and len(el.REGOLE) == 10


@pytest.mark.parametrize("voce, prog_mod, ok", [
    ("II-FORMAZIONE", {}, True),
    ("II-INESISTENTE", {}, False),
    ("II-FORMAZIONE", {"priorita": "2.2"}, False),   # priorità switched off
    ("II-FORMAZIONE", {"asse": "II"}, False),        # asse switched off
])
def test_regola_voce_attiva(prog, voce, prog_mod, ok):
    if "priorita" in prog_mod:
        prog = replace(prog, priorita=tuple(replace(p, attivata=False) if p.codice == prog_mod["priorita"] else p
                                            for p in prog.priorita))
    if "asse" in prog_mod:
        prog = replace(prog, assi=tuple(replace(a, attivato=False) if a.codice == prog_mod["asse"] else a
                                        for a in prog.assi))
    assert (el.regola_voce_attiva(spesa(voce=voce), prog, Contesto()) == []) is ok


def test_priorita_non_attivata_di_catalogo(prog):
    prog = replace(prog, voci=prog.voci + (replace(prog.voce("IV-CANONE"), codice="IV-COHOUSING", priorita="4.1"),))
    assert "priorità 4.1" in el.regola_voce_attiva(spesa(voce="IV-COHOUSING"), prog, Contesto())[0]


@pytest.mark.parametrize("voce, area, con_progetto, ok", [
    ("II-FORMAZIONE", "lavoro", True, True),
    ("III-MENSA", "lavoro", True, True),
    ("IV-CANONE", "lavoro", True, False),
    ("IV-CANONE", "abitare", True, True),
    ("II-FORMAZIONE", "abitare", True, False),
    ("IV-CANONE", "entrambe", True, True),
    ("II-FORMAZIONE", "lavoro", False, False),   # Assi II-IV need a project
    ("I-ACCORDI", "lavoro", True, False),        # Asse I is not charged to a project
    ("I-ACCORDI", None, False, True),
])
def test_regola_area_progetto(prog, voce, area, con_progetto, ok):
    s = spesa(voce=voce, progetto=progetto(area=area) if con_progetto else None)
    assert (el.regola_area_progetto(s, prog, Contesto()) == []) is ok


@pytest.mark.parametrize("voce, tipo, ente, ok", [
    ("II-FORMAZIONE", "cav", CAV, True),
    ("II-FORMAZIONE", "capofila", CAV, False),
    ("IV-CANONE", "azienda_sociale", CAV, False),
    ("II-FORMAZIONE", "cav", CAV + 1, False),    # another CAV, not the one holding the woman
    ("I-LABORATORIO", "capofila", 1, True),
    ("I-LABORATORIO", "cav", CAV, False),
])
def test_regola_ente_pagatore(prog, voce, tipo, ente, ok):
    s = spesa(voce=voce, ente_pagatore_tipo=tipo, ente_pagatore_id=ente,
              progetto=None if voce.startswith("I-") else progetto())
    assert (el.regola_ente_pagatore(s, prog, Contesto()) == []) is ok


@pytest.mark.parametrize("equipe, capofila, importo, ok", [
    (date(2023, 6, 1), date(2023, 6, 1), D("10"), True),     # validated the same day
    (date(2023, 6, 2), date(2023, 6, 1), D("10"), False),    # the day before équipe validation
    (date(2023, 6, 1), date(2023, 6, 2), D("10"), False),    # the day before capofila validation
    (None, date(2023, 6, 1), D("10"), False),
    (date(2023, 6, 1), None, D("10"), False),
    (date(2023, 6, 1), None, D("0"), True),                  # no regional money: équipe suffices
    (None, None, D("0"), False),
])
def test_regola_validazione_progetto(prog, equipe, capofila, importo, ok):
    s = spesa(importo=importo, data=date(2023, 6, 1),
              progetto=progetto(data_validazione_equipe=equipe, data_validazione_capofila=capofila))
    assert (el.regola_validazione_progetto(s, prog, Contesto()) == []) is ok
    assert el.regola_validazione_progetto(asse_i(), prog, Contesto()) == []


@pytest.mark.parametrize("quando, inizio, fine, ok", [
    (date(2022, 4, 1), None, None, True),
    (date(2022, 3, 31), None, None, False),
    (date(2024, 3, 31), None, None, True),
    (date(2024, 4, 1), None, None, False),
    (date(2023, 5, 1), date(2023, 5, 1), date(2023, 5, 31), True),
    (date(2023, 4, 30), date(2023, 5, 1), date(2023, 5, 31), False),
    (date(2023, 5, 31), date(2023, 5, 1), date(2023, 5, 31), True),
    (date(2023, 6, 1), date(2023, 5, 1), date(2023, 5, 31), False),
])
def test_regola_periodo(prog, quando, inizio, fine, ok):
    s = spesa(data=quando, progetto=progetto(data_inizio=inizio, data_fine=fine))
    assert (el.regola_periodo(s, prog, Contesto()) == []) is ok


def gia_spese(*coppie):
    return Contesto(spese_ammissibili_progetto=tuple(
        spesa(voce=v, importo=D(i), id=n) for n, (v, i) in enumerate(coppie, start=100)))


@pytest.mark.parametrize("voce, importo, gia, ok", [
    ("II-FORMAZIONE", "0.01", [("II-TIROCINIO-INDENNITA", "2999.99")], True),
    ("II-FORMAZIONE", "0.02", [("II-TIROCINIO-INDENNITA", "2999.99")], False),
    ("II-FORMAZIONE", "3000.00", [], True),
    ("II-FORMAZIONE", "3000.00", [("III-MENSA", "500")], True),   # Asse III outside the budget by default
    ("IV-CANONE", "1500.00", [("II-FORMAZIONE", "2999")], True),
    ("IV-CANONE", "0.01", [("IV-CAUZIONE", "1500.00")], False),
    ("III-MENSA", "9999", [("II-FORMAZIONE", "3000")], True),     # no ceiling on Asse III
])
def test_regola_massimali(prog, voce, importo, gia, ok):
    s = spesa(voce=voce, importo=D(importo))
    assert (el.regola_massimali(s, prog, gia_spese(*gia)) == []) is ok


def test_massimale_residuo_in_formato_italiano(prog):
    motivi = el.regola_massimali(spesa(importo=D("300")), prog, gia_spese(("II-FORMAZIONE", "2787.50")))
    assert len(motivi) == 1 and "residuo disponibile: € 212,50" in motivi[0]


def test_massimale_non_conta_la_spesa_stessa_in_modifica(prog):
    s = spesa(importo=D("3000"), id=100)
    assert el.regola_massimali(s, prog, gia_spese(("II-FORMAZIONE", "3000"))) == []


@pytest.mark.parametrize("voce, importo, ok", [
    ("II-SERVIZI-CPI", "0", True),
    ("II-SERVIZI-CPI", "0.01", False),
    ("II-FORMAZIONE", "0.01", True),
    ("II-FORMAZIONE", "0", False),
    ("II-FORMAZIONE", "-1", False),
])
def test_regola_costo_ammesso(prog, voce, importo, ok):
    assert (el.regola_costo_ammesso(spesa(voce=voce, importo=D(importo)), prog, Contesto()) == []) is ok


def test_servizi_cpi_a_costo_zero_ammissibili(prog):
    s = spesa(voce="II-SERVIZI-CPI", importo=D("0"), progetto=progetto(data_validazione_capofila=None))
    assert valuta_spesa(s, prog, Contesto()).ammissibile


def test_regola_doppio_finanziamento(prog):
    assert el.regola_doppio_finanziamento(spesa(), prog, Contesto()) == []
    assert el.regola_doppio_finanziamento(spesa(coperta_da_altra_misura=True), prog, Contesto())


RDL = AltraMisuraDati("Reddito di Libertà", date(2023, 1, 1), date(2023, 12, 31), ("IV",))


@pytest.mark.parametrize("voce, quando, misura, avviso", [
    ("IV-CANONE", date(2023, 6, 1), RDL, True),
    ("IV-CANONE", date(2023, 12, 31), RDL, True),
    ("IV-CANONE", date(2024, 1, 1), RDL, False),
    ("IV-CANONE", date(2022, 12, 31), RDL, False),
    ("II-FORMAZIONE", date(2023, 6, 1), RDL, False),          # RdL does not cover training
    ("IV-CANONE", date(2024, 3, 1), replace(RDL, data_fine=None), True),
])
def test_avviso_altre_misure_non_rifiuta(prog, voce, quando, misura, avviso):
    esito = valuta_spesa(spesa(voce=voce, data=quando), prog, Contesto(altre_misure=(misura,)))
    assert bool(esito.avvisi) is avviso
    assert all("doppio" not in m for m in esito.motivi)
    if avviso:
        assert esito.ammissibile and "Reddito di Libertà" in esito.avvisi[0]


@pytest.mark.parametrize("voce, intermedia, ok", [
    ("IV-QUOTA-ENTE-GESTORE", True, True),
    ("IV-QUOTA-ENTE-GESTORE", False, False),
    ("IV-CANONE", False, True),
])
def test_regola_soluzione_intermedia(prog, voce, intermedia, ok):
    s = spesa(voce=voce, progetto=progetto(soluzione_abitativa_intermedia=intermedia))
    assert (el.regola_soluzione_intermedia(s, prog, Contesto()) == []) is ok


@pytest.mark.parametrize("numero, ente, data_g, ok", [
    (" f 1 ", CAV, date(2023, 6, 1), False),    # same invoice typed differently
    ("F1", CAV, date(2023, 6, 1), False),
    ("F1", CAV + 1, date(2023, 6, 1), True),    # another payer's document
    ("F1", CAV, date(2023, 6, 2), True),        # same number, another date
    ("F2", CAV, date(2023, 6, 1), True),
    (None, CAV, date(2023, 6, 1), True),
])
def test_regola_giustificativo_unico(prog, numero, ente, data_g, ok):
    ctx = Contesto(giustificativi_esistenti=frozenset({(CAV, el.normalizza_giustificativo("f1"), date(2023, 6, 1))}))
    s = spesa(giustificativo_numero=numero, ente_pagatore_id=ente, giustificativo_data=data_g)
    assert (el.regola_giustificativo_unico(s, prog, ctx) == []) is ok


@pytest.mark.parametrize("valore, atteso", [
    ("1.234,56", D("1234.56")), ("1234.56", D("1234.56")), ("1234,5", D("1234.50")),
    ("€ 1.234,56", D("1234.56")), ("0", D("0.00")), (D("12.3"), D("12.30")), (5, D("5.00")),
    ("1.000.000", D("1000000.00")), ("1000000,00", D("1000000.00")), (12.5, D("12.50")),
])
def test_valida_importo_accetta(valore, atteso):
    assert valida_importo(valore) == (atteso, [])


@pytest.mark.parametrize("valore", [
    "abc", "", None, "-5", "-0,01", "1,234", "1.2345", D("0.001"), "1000000,01", "12,3,4", "1.234",
    "1e3", "NaN", D("Infinity"), True, "1.23.45",
])
def test_valida_importo_rifiuta(valore):
    importo, motivi = valida_importo(valore)
    assert importo is None and motivi


@pytest.mark.parametrize("importo, testo", [
    (D("212.5"), "€ 212,50"), (D("1234.56"), "€ 1.234,56"), (D("0"), "€ 0,00"), (D("1000000"), "€ 1.000.000,00"),
])
def test_formatta_euro(importo, testo):
    assert formatta_euro(importo) == testo


def test_i_dati_del_programma_cambiano_il_verdetto(prog):
    s, ctx = spesa(importo=D("2500")), Contesto()
    assert valuta_spesa(s, prog, ctx).ammissibile
    ridotto = replace(prog, massimali=tuple(replace(m, importo=D("2000")) if m.codice == "autonomia" else m
                                            for m in prog.massimali))
    assert "residuo disponibile: € 2.000,00" in valuta_spesa(s, ridotto, ctx).motivi[0]
    ultimo = spesa(data=date(2024, 3, 31))
    assert valuta_spesa(ultimo, prog, ctx).ammissibile
    assert not valuta_spesa(ultimo, replace(prog, data_fine=date(2024, 3, 30)), ctx).ammissibile
    # Asse III counted in the autonomy budget: a programme setting, not code
    con_iii = replace(prog, massimali=tuple(replace(m, assi=("II", "III")) if m.codice == "autonomia" else m
                                            for m in prog.massimali))
    mensa, gia = spesa(voce="III-MENSA", importo=D("600")), gia_spese(("II-FORMAZIONE", "2500"))
    assert el.regola_massimali(mensa, prog, gia) == []
    assert el.regola_massimali(mensa, con_iii, gia)


# --- double funding from the programme file's [[sovrapposizioni]] (issue 12, §2) ---------------

GOL = AltraMisuraDati("GOL – cluster 4", date(2023, 2, 1), date(2023, 7, 31), (), codice="gol_cluster4")
RDL_CODICE = replace(RDL, assi_coperti=(), codice="reddito_liberta")


@pytest.mark.parametrize("voce, quando, misura, rifiutata, avvisata", [
    ("II-TIROCINIO-INDENNITA", date(2023, 3, 1), GOL, True, False),   # GOL pays the same internship
    ("II-TIROCINIO-INDENNITA", date(2023, 8, 1), GOL, False, False),  # measure ended
    ("II-TIROCINIO-INDENNITA", date(2023, 1, 31), GOL, False, False),  # not begun yet
    ("III-MENSA", date(2023, 3, 1), GOL, False, False),               # a voce GOL does not pay
    ("IV-CANONE", date(2023, 6, 1), RDL_CODICE, False, True),         # a check, not a refusal
    ("IV-CAUZIONE", date(2023, 6, 1), RDL_CODICE, False, False),
])
def test_le_sovrapposizioni_del_programma_rifiutano_o_avvisano_nominando_la_misura(
        prog, voce, quando, misura, rifiutata, avvisata):
    esito = valuta_spesa(spesa(voce=voce, data=quando), prog, Contesto(altre_misure=(misura,)))
    doppi = [m for m in esito.motivi if "doppio finanziamento" in m]
    assert bool(doppi) is rifiutata and esito.ammissibile is not rifiutata, esito
    assert bool(esito.avvisi) is avvisata, esito
    for testo in doppi + list(esito.avvisi):
        assert misura.tipo in testo and prog.voce(voce).descrizione in testo, testo
    if rifiutata:
        assert esito.per_campo.get("coperta_da_altra_misura"), esito.per_campo


def test_il_file_del_programma_rifiuta_sovrapposizioni_incoerenti():
    import tomllib

    from app.rules.programma import CARTELLA_PROGRAMMI, ProgrammaNonValido, leggi_programma

    dati = tomllib.loads((CARTELLA_PROGRAMMI / "lia2.toml").read_text(encoding="utf-8"))
    dati["sovrapposizioni"] = [{"misura": "gol_cluster4", "voci": ["NON-ESISTE"], "effetto": "rifiuto"},
                               {"misura": "fondo_poverta", "voci": ["IV-CANONE"], "effetto": "forse"}]
    with pytest.raises(ProgrammaNonValido) as exc:
        leggi_programma(dati)
    assert any("voci esistenti" in m for m in exc.value.motivi) and any("«forse»" in m for m in exc.value.motivi)


def test_le_misure_delle_sovrapposizioni_sono_quelle_della_schermata(prog):
    from app.models import TIPI_ALTRA_MISURA

    assert prog.sovrapposizioni and {s.misura for s in prog.sovrapposizioni} <= set(TIPI_ALTRA_MISURA)
