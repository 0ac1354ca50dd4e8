"""Encryption at rest of personal data, and the blind index for exact search.

Fernet is authenticated (AES-128-CBC + HMAC-SHA256, random IV per value): a flipped byte
is an error, never garbage. MultiFernet lets keys rotate: encrypt with the first key,
decrypt with any (`flask lia ruota-chiave` re-encrypts every value with the newest).
"""
import hashlib
import hmac
from datetime import date

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.types import String, Text, TypeDecorator


class ChiaviNonConfigurate(RuntimeError):
    pass


class DatoCifratoCorrotto(ValueError):
    """A ciphertext failed authentication: tampered, truncated, or written with an unknown key."""


_stato = {"fernet": None, "indice": None}


def configura(chiavi_fernet: str, chiave_indice: str) -> None:
    chiavi = [k.strip() for k in chiavi_fernet.split(",") if k.strip()]
    if not chiavi:
        raise ChiaviNonConfigurate("LIA_ENCRYPTION_KEYS è vuota")
    _stato["fernet"] = MultiFernet([Fernet(k.encode()) for k in chiavi])
    _stato["indice"] = chiave_indice.encode()


def _fernet() -> MultiFernet:
    if _stato["fernet"] is None:
        raise ChiaviNonConfigurate("chiavi di cifratura non configurate")
    return _stato["fernet"]


def cifra(testo: str) -> str:
    return _fernet().encrypt(testo.encode("utf-8")).decode("ascii")


def decifra(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError) as exc:
        raise DatoCifratoCorrotto("dato cifrato non leggibile (manomesso o chiave sconosciuta)") from exc


def ruota(token: str) -> str:
    """Re-encrypt a token with the newest key."""
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def indice_cieco(valore: str) -> str:
    """Keyed hash for exact-match search, so the plaintext never sits in an index."""
    if _stato["indice"] is None:
        raise ChiaviNonConfigurate("chiave dell'indice cieco non configurata")
    return hmac.new(_stato["indice"], valore.encode("utf-8"), hashlib.sha256).hexdigest()


class TestoCifrato(TypeDecorator):
    """A string column stored as a Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return None
        return cifra(str(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return decifra(value)


class DataCifrata(TypeDecorator):
    """A date column stored as a Fernet token of its ISO form."""

    impl = String(200)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return None
        if isinstance(value, str):  # the API's schema sees the underlying string column
            value = date.fromisoformat(value)
        if not isinstance(value, date):
            raise ValueError("data non valida")
        return cifra(value.isoformat())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return date.fromisoformat(decifra(value))


def colonne_cifrate(modello) -> set[str]:
    """Columns stored encrypted: no SQL search or ordering can mean anything on them."""
    tabella = getattr(modello, "__table__", None)
    if tabella is None:
        return set()
    return {c.key for c in tabella.columns if isinstance(c.type, (TestoCifrato, DataCifrata))}
