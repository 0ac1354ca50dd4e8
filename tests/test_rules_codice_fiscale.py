"""Codice fiscale validation (app/rules/codice_fiscale.py).

The expected check characters below were computed by hand with the official odd/even tables,
not with the code under test.
"""
import pytest

from app.rules.codice_fiscale import (
    carattere_controllo,
    cf_valido,
    con_carattere_controllo,
    motivi_cf_non_valido,
    normalizza_cf,
)

# Widely published example: Mario Rossi, born 10/12/1985 in Bari (A562).
MARIO_ROSSI = "RSSMRA85T10A562S"
# Female (day + 40): "Giuseppina Verdi", born 01/01/1980 in Roma (H501). Odd 53 + even 49 = 102 -> Y.
DONNA = "VRDGPP80A41H501Y"
# Omocodia on the last digit of the comune code (2 -> N): 122 - 5 + 20 = 137 -> H.
OMOCODIA_COMUNE = "RSSMRA85T10A56NH"
# Omocodia on the day (1 -> M, even position): 122 - 1 + 12 = 133 -> D.
OMOCODIA_GIORNO = "RSSMRA85TM0A562D"


@pytest.mark.parametrize("cf", [MARIO_ROSSI, DONNA, OMOCODIA_COMUNE, OMOCODIA_GIORNO])
def test_codici_validi(cf):
    assert motivi_cf_non_valido(cf) == []
    assert cf_valido(cf)


def test_omocodia_completa():
    # Every numeric position replaced by its omocodia letter: 8->T 5->R 1->M 0->L 5->R 6->S 2->N.
    cf = con_carattere_controllo("RSSMRATRTML" + "A" + "RSN")
    assert cf_valido(cf)


@pytest.mark.parametrize("cf,atteso", [(MARIO_ROSSI, "S"), (DONNA, "Y"), (OMOCODIA_COMUNE, "H"), (OMOCODIA_GIORNO, "D")])
def test_carattere_controllo(cf, atteso):
    assert carattere_controllo(cf[:15]) == atteso
    assert con_carattere_controllo(cf[:15]) == cf


def test_carattere_controllo_errato():
    assert motivi_cf_non_valido("RSSMRA85T10A562T") == ["Carattere di controllo errato: atteso S"]
    assert not cf_valido("RSSMRA85T10A562T")
    assert motivi_cf_non_valido("VRDGPP80A41H501X") == ["Carattere di controllo errato: atteso Y"]


def test_ogni_singola_alterazione_e_rilevata():
    # Changing any one of the first 15 characters to another valid character changes the check.
    for i in range(15):
        for sostituto in ("0", "1", "L", "M", "A", "B"):
            if sostituto == MARIO_ROSSI[i]:
                continue
            alterato = MARIO_ROSSI[:i] + sostituto + MARIO_ROSSI[i + 1:]
            assert not cf_valido(alterato), alterato


@pytest.mark.parametrize("cf", ["RSSMRA85T10A562", "RSSMRA85T10A562SS", "R", "RSSMRA85T10A562S1"])
def test_lunghezza_errata(cf):
    assert motivi_cf_non_valido(cf) == ["Il codice fiscale deve avere 16 caratteri"]
    assert not cf_valido(cf)


@pytest.mark.parametrize("cf", ["", "   ", None])
def test_vuoto(cf):
    assert motivi_cf_non_valido(cf) == ["Il codice fiscale è vuoto"]
    assert not cf_valido(cf)


@pytest.mark.parametrize("cf", ["rssmra85t10a562s", "  RSSMRA85T10A562S  ", "RSS MRA 85T10 A562S", "rss mra\t85t10a562s\n"])
def test_normalizzazione(cf):
    assert normalizza_cf(cf) == MARIO_ROSSI
    assert cf_valido(cf)


def test_normalizza_none():
    assert normalizza_cf(None) == ""


@pytest.mark.parametrize(
    "cf,frammento",
    [
        ("RSSMR185T10A562S", "cognome e nome"),
        ("RSSMRA8AT10A562S", "anno di nascita"),
        ("RSSMRA85F10A562S", "mese di nascita"),  # F is not a month letter
        ("RSSMRA85T00A562S", "giorno di nascita"),
        ("RSSMRA85T32A562S", "giorno di nascita"),
        ("RSSMRA85T40A562S", "giorno di nascita"),
        ("RSSMRA85T72A562S", "giorno di nascita"),
        ("RSSMRA85TW0A562S", "giorno di nascita"),  # W is not an omocodia letter
        ("RSSMRA85T101562S", "comune di nascita"),
        ("RSSMRA85T10AB62S", "comune di nascita"),
        ("RSSMRA85T10A5625", "controllo"),
    ],
)
def test_struttura_errata(cf, frammento):
    motivi = motivi_cf_non_valido(cf)
    assert motivi and any(frammento in m for m in motivi), motivi
    assert not cf_valido(cf)


@pytest.mark.parametrize("giorno", ["01", "31", "41", "71", "LM", "QM"])
def test_giorni_ammessi(giorno):
    # LM = 01, QM = 41 (omocodia).
    assert cf_valido(con_carattere_controllo("RSSMRA85T" + giorno + "A562"))


@pytest.mark.parametrize("cf", ["!!!!!!!!!!!!!!!!", "RSSMRA85T10A562-", "RSSMRÀ85T10A562S", "1234567890123456", "ZZZZZZZZZZZZZZZZ"])
def test_spazzatura(cf):
    assert motivi_cf_non_valido(cf)
    assert not cf_valido(cf)


@pytest.mark.parametrize("primi15", ["RSSMRA85T10A56", "RSSMRA85T10A562S", "RSSMRA85T10A56-", ""])
def test_con_carattere_controllo_rifiuta_input_errato(primi15):
    with pytest.raises(ValueError):
        con_carattere_controllo(primi15)


def test_con_carattere_controllo_normalizza():
    assert con_carattere_controllo(" rssmra85t10a562 ") == MARIO_ROSSI
