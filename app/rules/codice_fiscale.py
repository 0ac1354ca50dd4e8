"""Validation of the Italian codice fiscale of a natural person (16 characters).

Pure Python, standard library only: the forms, the CLI, the demo data and the tests share it.

Layout (positions 1-16)::

    1-6   letters from surname and name
    7-8   year of birth            (digits, or omocodia letters)
    9     month of birth           (one of A B C D E H L M P R S T)
    10-11 day of birth             (01-31, 41-71 for women; digits or omocodia letters)
    12    letter of the comune / foreign state code
    13-15 digits of that code      (digits, or omocodia letters)
    16    check character

Omocodia: when two people would share a code, the Agenzia delle Entrate replaces digits in the
numeric positions, from the right, with the letters L M N P Q R S T U V (standing for 0-9).
"""
from __future__ import annotations

import re

__all__ = [
    "normalizza_cf",
    "motivi_cf_non_valido",
    "cf_valido",
    "carattere_controllo",
    "con_carattere_controllo",
]

LUNGHEZZA_CF = 16
MESI = "ABCDEHLMPRST"
LETTERE_OMOCODIA = "LMNPQRSTUV"  # index = the digit the letter stands for
_DA_OMOCODIA = str.maketrans(LETTERE_OMOCODIA, "0123456789")

# Zero-based positions that hold digits (or their omocodia letters).
POSIZIONI_NUMERICHE = (6, 7, 9, 10, 12, 13, 14)

_CIFRA = f"[0-9{LETTERE_OMOCODIA}]"
_RE_COGNOME_NOME = re.compile(r"[A-Z]{6}")
_RE_CIFRE = re.compile(f"{_CIFRA}{{2}}")
_RE_COMUNE = re.compile(f"[A-Z]{_CIFRA}{{3}}")
_RE_ALFANUMERICO = re.compile(r"[A-Z0-9]*")

# Official conversion tables for the check character (positions counted from 1).
_DISPARI = {
    "0": 1, "1": 0, "2": 5, "3": 7, "4": 9, "5": 13, "6": 15, "7": 17, "8": 19, "9": 21,
    "A": 1, "B": 0, "C": 5, "D": 7, "E": 9, "F": 13, "G": 15, "H": 17, "I": 19, "J": 21,
    "K": 2, "L": 4, "M": 18, "N": 20, "O": 11, "P": 3, "Q": 6, "R": 8, "S": 12, "T": 14,
    "U": 16, "V": 10, "W": 22, "X": 25, "Y": 24, "Z": 23,
}
_PARI = {
    **{str(n): n for n in range(10)},
    **{chr(ord("A") + n): n for n in range(26)},
}


def normalizza_cf(s: str | None) -> str:
    """Upper-case the code and drop every whitespace character (leading, trailing, inside)."""
    if s is None:
        return ""
    return "".join(str(s).split()).upper()


def carattere_controllo(primi15: str) -> str:
    """The check character for the first 15 characters (after normalisation).

    Raises ValueError unless they are exactly 15 characters among A-Z and 0-9.
    """
    cf = normalizza_cf(primi15)
    if len(cf) != LUNGHEZZA_CF - 1 or not _RE_ALFANUMERICO.fullmatch(cf):
        raise ValueError("Servono 15 caratteri alfanumerici (A-Z, 0-9) per calcolare il carattere di controllo")
    somma = sum(
        _DISPARI[c] if i % 2 == 0 else _PARI[c]  # i is zero-based: i = 0 is position 1 (odd)
        for i, c in enumerate(cf)
    )
    return chr(ord("A") + somma % 26)


def con_carattere_controllo(primi15: str) -> str:
    """Return the normalised 15 characters followed by their check character (16 in all)."""
    cf = normalizza_cf(primi15)
    return cf + carattere_controllo(cf)


def _motivi_struttura(cf: str) -> list[str]:
    motivi: list[str] = []
    if not _RE_COGNOME_NOME.fullmatch(cf[0:6]):
        motivi.append("I caratteri 1-6 (cognome e nome) devono essere lettere")
    if not _RE_CIFRE.fullmatch(cf[6:8]):
        motivi.append("I caratteri 7-8 (anno di nascita) devono essere cifre")
    if cf[8] not in MESI:
        motivi.append(f"Il carattere 9 (mese di nascita) deve essere una delle lettere {' '.join(MESI)}")
    giorno = cf[9:11]
    if not _RE_CIFRE.fullmatch(giorno):
        motivi.append("I caratteri 10-11 (giorno di nascita) devono essere cifre")
    else:
        g = int(giorno.translate(_DA_OMOCODIA))
        if not (1 <= g <= 31 or 41 <= g <= 71):
            motivi.append("Il giorno di nascita (caratteri 10-11) deve essere tra 01 e 31, o tra 41 e 71 per le donne")
    if not _RE_COMUNE.fullmatch(cf[11:15]):
        motivi.append("I caratteri 12-15 (comune di nascita) devono essere una lettera seguita da tre cifre")
    if not ("A" <= cf[15] <= "Z"):
        motivi.append("Il carattere 16 (controllo) deve essere una lettera")
    return motivi


def motivi_cf_non_valido(s: str | None) -> list[str]:
    """Why the code is not valid, in Italian; an empty list means it is valid.

    The code is normalised first (see ``normalizza_cf``), so lower case and spaces are accepted.
    The check character is verified only once the structure is right.
    """
    cf = normalizza_cf(s)
    if not cf:
        return ["Il codice fiscale è vuoto"]
    if len(cf) != LUNGHEZZA_CF:
        return [f"Il codice fiscale deve avere {LUNGHEZZA_CF} caratteri"]
    if not cf.isascii():
        return ["Il codice fiscale può contenere solo lettere (A-Z) e cifre"]
    motivi = _motivi_struttura(cf)
    if motivi:
        return motivi
    atteso = carattere_controllo(cf[:15])
    if cf[15] != atteso:
        return [f"Carattere di controllo errato: atteso {atteso}"]
    return []


def cf_valido(s: str | None) -> bool:
    return not motivi_cf_non_valido(s)
