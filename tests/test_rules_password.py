"""The password policy as a plain rule: length, guessability (zxcvbn), the user's own words."""
import pytest

from app.rules.password import LUNGHEZZA_MASSIMA, motivi_password_debole, parole_dell_utente

PAROLE_DI_MARIA = parole_dell_utente("m.rossi", "Maria", "Rossi", "maria.rossi@cav-esempio.it")


@pytest.mark.parametrize("password", [
    "lampone-bussola-ottobre-17", "girasole tramonto ancora verde", "K9#mP2$vL7qXw", "Tr0mb0ne-vela-42!",
])
def test_password_lunghe_e_non_indovinabili_accettate(password):
    assert motivi_password_debole(password, PAROLE_DI_MARIA) == []


@pytest.mark.parametrize("password", ["", "Ab1!", "corta-1234!"])
def test_meno_di_12_caratteri_rifiutata(password):
    assert motivi_password_debole(password) == ["La password deve avere almeno 12 caratteri."]


def test_troppo_lunga_rifiutata_senza_analizzarla():
    assert motivi_password_debole("x" * (LUNGHEZZA_MASSIMA + 1)) == [
        f"La password può avere al massimo {LUNGHEZZA_MASSIMA} caratteri."]
    assert motivi_password_debole("lampone-bussola-" * 8) == []  # 128: the longest accepted


@pytest.mark.parametrize("password", [
    "passwordpassword", "qwertyuiop123", "123456789012", "aaaaaaaaaaaaaaaa", "Password2024!", "iloveyou1234",
    "antiviolenza2024", "Cremona2024!", "crema-crema-crema",
])
def test_password_comuni_sequenze_ripetizioni_e_parole_della_rete_rifiutate(password):
    motivi = motivi_password_debole(password)
    assert any("troppo facile da indovinare" in m for m in motivi), (password, motivi)


@pytest.mark.parametrize("password", [
    "m.rossi-Gabbiano-77", "MariaFiume!Bosco42", "R0ss1-lampone-ottobre", "ottobre.maria.rossi9",
])
def test_password_costruita_sul_nome_utente_nome_cognome_o_email_rifiutata(password):
    motivi = motivi_password_debole(password, PAROLE_DI_MARIA)
    assert "La password non deve contenere il nome utente, il nome, il cognome o l'e-mail." in motivi


def test_le_parole_dell_utente_sono_intere_e_a_pezzi_senza_il_dominio_dell_email():
    assert parole_dell_utente("cav.crema", "Anna Maria", None, "anna.bianchi@esempio.invalid") == [
        "cav.crema", "cav", "crema", "anna maria", "anna", "maria", "anna.bianchi@esempio.invalid", "bianchi"]
