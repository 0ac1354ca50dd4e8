"""Finding a woman by name: how names and queries are cut into words (issue 11, §2). Pure Python.

Normalisation, the same for the stored names and for what the operator types:
- Unicode NFKD, accents and other combining marks dropped ("Zoë Lucía" → zoe lucia);
- casefold ("Straße" → strasse);
- every character that is not a letter or a digit separates words: spaces, apostrophes of any
  kind, hyphens, dots ("D'Angelo-Rossi" → d, angelo, rossi);
- nothing else is translated: a letter with no decomposition (ø, ł) stays as it is, on both
  sides, so it still matches itself.

What is indexed for a name: each word, and each of its prefixes of at least `PREFISSO_MINIMO`
characters ("rossi" → ros, ross, rossi). A query word then matches a name word when it equals it
or begins it with at least three characters; a woman matches when every query word does (AND).
"""
from __future__ import annotations

import re
import unicodedata

from app.rules.codice_fiscale import LETTERE_OMOCODIA, MESI, normalizza_cf

PREFISSO_MINIMO = 3
MAX_CARATTERI = 100
MAX_PAROLE = 6

_NON_PAROLA = re.compile(r"[\W_]+", re.UNICODE)
# A codice fiscale's shape: digits (or their omocodia letters) where it has digits, a month letter
# in the ninth place. Such a query is looked up as a code; a 16-letter name ("Zuccherinieb6c8d")
# has letters there and stays a name.
_CIFRA = f"[0-9{LETTERE_OMOCODIA}]"
_FORMA_CF = re.compile(f"[A-Z]{{6}}{_CIFRA}{{2}}[{MESI}]{_CIFRA}{{2}}[A-Z]{_CIFRA}{{3}}[A-Z]")

MSG_VUOTA = "Scrivere un nome, un cognome o un codice fiscale."
MSG_SENZA_LETTERE = "La ricerca deve contenere almeno una lettera o una cifra."
MSG_TROPPO_LUNGA = f"La ricerca può avere al massimo {MAX_CARATTERI} caratteri."
MSG_TROPPE_PAROLE = f"La ricerca può avere al massimo {MAX_PAROLE} parole."


def parole(testo: str) -> list[str]:
    """The normalised words of a name or of a query, in order, without repeats."""
    scomposto = unicodedata.normalize("NFKD", testo or "")
    senza_segni = "".join(c for c in scomposto if not unicodedata.combining(c))
    visti: dict[str, None] = {}
    for parola in _NON_PAROLA.split(senza_segni.casefold()):
        if parola:
            visti.setdefault(parola, None)
    return list(visti)


def chiavi_del_nome(*campi: str | None) -> set[str]:
    """What is indexed for a woman whose name fields are `campi`: every word and every prefix of
    it of at least PREFISSO_MINIMO characters."""
    chiavi: set[str] = set()
    for campo in campi:
        for parola in parole(campo or ""):
            chiavi.add(parola)
            chiavi.update(parola[:n] for n in range(PREFISSO_MINIMO, len(parola)))
    return chiavi


def sembra_codice_fiscale(testo: str) -> bool:
    """A query shaped like a codice fiscale (spaces and case ignored) is searched as one."""
    return bool(_FORMA_CF.fullmatch(normalizza_cf(testo or "")))


def motivi_ricerca_non_valida(testo) -> list[str]:
    """Italian reasons why `testo` cannot be searched; [] when it can."""
    if not isinstance(testo, str) or not testo.strip():
        return [MSG_VUOTA]
    if len(testo) > MAX_CARATTERI:
        return [MSG_TROPPO_LUNGA]
    if sembra_codice_fiscale(testo):
        return []
    trovate = parole(testo)
    if not trovate:
        return [MSG_SENZA_LETTERE]
    if len(trovate) > MAX_PAROLE:
        return [MSG_TROPPE_PAROLE]
    return []


MSG_FORNITORE_CON_DATI_PERSONALI = (
    "Il fornitore non può riportare il nome e cognome o il codice fiscale della beneficiaria: esce "
    "dal sistema con la rendicontazione. Per un pagamento a lei scrivere «Beneficiaria».")


def fornitore_con_dati_personali(fornitore: str | None, nome: str | None, cognome: str | None,
                                 codice_fiscale: str | None) -> bool:
    """Whether a spesa's «Fornitore / percettore» names the woman herself (her surname with one of
    her first names, in any order, or her codice fiscale): the supplier travels in the rendicontazione,
    her identity must not. A surname alone is not hers: «Rossi Srl» may be the landlord."""
    if not fornitore:
        return False
    cf = normalizza_cf(codice_fiscale)
    if cf and cf in normalizza_cf(fornitore):
        return True
    del_fornitore = set(parole(fornitore))
    suoi_nomi, suoi_cognomi = parole(nome or ""), parole(cognome or "")
    # Her whole surname and one of her first names: «Maria Rossi» for Maria Grazia Rossi.
    return bool(suoi_cognomi) and set(suoi_cognomi) <= del_fornitore and any(n in del_fornitore for n in suoi_nomi)
