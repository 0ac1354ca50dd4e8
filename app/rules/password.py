"""Password policy: the same rule for the admin screen, the password change and the CLI.

At least 12 characters, and not guessable: zxcvbn estimates how many guesses an attacker
needs (common passwords, words, names, keyboard patterns, dates, repetitions, l33t) and a
score below 3 is refused. The user's own username, name and e-mail are given to zxcvbn as
words an attacker knows, and a password built on one of them is refused outright.
"""
from __future__ import annotations

import re


LUNGHEZZA_MINIMA = 12
# zxcvbn's cost grows with the length; no real password needs more.
LUNGHEZZA_MASSIMA = 128
PUNTEGGIO_MINIMO = 3  # zxcvbn: 3 = "safely unguessable", ~10^8 guesses or more
# A known word shorter than this inside the password only lowers the score: refusing it
# outright would refuse most passwords of a user called "Ida".
PAROLA_NOTA_MINIMA = 4
# Words of this network an attacker would try first (zxcvbn's dictionaries are English).
PAROLE_DEL_CONTESTO = ("lia", "antiviolenza", "cremona", "crema", "casalmaggiore", "cremonese", "regione",
                       "lombardia", "comune", "password", "ciao", "amore", "centro", "rete", "donne")


def parole_dell_utente(*valori: str | None) -> list[str]:
    """The user's username, names and e-mail, whole and split into their parts."""
    parole = []
    for valore in valori:
        if not valore:
            continue
        valore = valore.strip().lower()
        parole.append(valore)
        locale = valore.split("@", 1)[0]  # of an e-mail, the part that names her
        parole.extend(p for p in re.split(r"[^0-9a-zà-ÿ]+", locale) if len(p) >= 3)
    return list(dict.fromkeys(parole))


_L33T = str.maketrans("013457@$", "oieastas")


def _contiene(password: str, parole) -> bool:
    """One of the words inside the password, also backwards or in l33t (R0ss1)."""
    testo = password.lower()
    varianti = {testo, testo.translate(_L33T), testo[::-1], testo.translate(_L33T)[::-1]}
    return any(len(p) >= PAROLA_NOTA_MINIMA and any(p in v for v in varianti) for p in parole)


def motivi_password_debole(password: str, parole_utente=()) -> list[str]:
    """Why `password` is refused (Italian sentences); an empty list means accepted."""
    if len(password) < LUNGHEZZA_MINIMA:
        return [f"La password deve avere almeno {LUNGHEZZA_MINIMA} caratteri."]
    if len(password) > LUNGHEZZA_MASSIMA:
        return [f"La password può avere al massimo {LUNGHEZZA_MASSIMA} caratteri."]
    parole = list(parole_utente)
    motivi = []
    if _contiene(password, parole):
        motivi.append("La password non deve contenere il nome utente, il nome, il cognome o l'e-mail.")
    # Its dictionaries (≈ 15 MB) are loaded by the first password judged, not by every process.
    from zxcvbn import zxcvbn

    stima = zxcvbn(password, user_inputs=parole + list(PAROLE_DEL_CONTESTO), max_length=LUNGHEZZA_MASSIMA)
    if stima["score"] < PUNTEGGIO_MINIMO:
        motivi.append("La password è troppo facile da indovinare: evitare parole comuni, nomi, date, sequenze "
                      "di tastiera e ripetizioni; meglio una frase di più parole poco collegate tra loro.")
    return motivi
