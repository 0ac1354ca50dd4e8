"""app.rules.giornata: how long an item waits, and which ceilings a project has nearly spent."""
from datetime import date
from decimal import Decimal

from app.rules.giornata import eta, giorni_da, massimali_quasi_esauriti, uso_massimali
from app.rules.programma import programma_predefinito

OGGI = date(2024, 3, 15)


def test_eta_in_parole():
    assert eta(date(2024, 3, 3), OGGI) == "da 12 giorni"
    assert eta(date(2024, 3, 14), OGGI) == "da 1 giorno"
    assert eta(OGGI, OGGI) == "da oggi"
    assert eta(date(2024, 3, 20), OGGI) == "da oggi"  # a date still to come waits for nothing
    assert eta(None, OGGI) == ""
    assert giorni_da(date(2023, 3, 15), OGGI) == 366


def _vicini(spese):
    p = programma_predefinito()
    return {u.massimale.codice: u.percentuale for u in massimali_quasi_esauriti(uso_massimali(p, spese), p.soglia_avviso_massimale)}


def test_novanta_per_cento_di_un_massimale_al_centesimo():
    # Budget di autonomia: € 3.000 over Asse II (tirocinio and orientamento add up).
    assert _vicini([("II-TIROCINIO-INDENNITA", Decimal("2000")), ("II-ORIENTAMENTO", Decimal("699.99"))]) == {}
    assert _vicini([("II-TIROCINIO-INDENNITA", Decimal("2000")), ("II-ORIENTAMENTO", Decimal("700"))]) == {
        "autonomia": 90}


def test_ogni_massimale_conta_solo_i_suoi_assi():
    # Asse III has no ceiling; Asse IV has its own (€ 1.500).
    assert _vicini([("III-MENSA", Decimal("5000")), ("II-ORIENTAMENTO", Decimal("100"))]) == {}
    assert _vicini([("IV-CANONE", Decimal("1500")), ("II-ORIENTAMENTO", Decimal("100"))]) == {"abitare": 100}
    assert _vicini([("VOCE-IGNOTA", Decimal("9999"))]) == {}
