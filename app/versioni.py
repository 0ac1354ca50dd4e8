"""No lost edits: a save based on an old read of a record is refused, never silently applied.

Every record users edit has a `versione` (app.models.Versionato, SQLAlchemy's version_id_col).
Two checks, one message:
- the edit form carries the version it was opened on (a hidden field) and an API client may send
  the one it read (the ETag of GET /<id> in `If-Match`, or a `versione` field): a version other
  than the stored one is refused before anything is written;
- between the read of the record and its UPDATE another request may still commit: the UPDATE says
  `WHERE versione = <read>`, changes no row, and SQLAlchemy raises StaleDataError.
The screens re-show the form with the user's input and, under each field, the value stored now
(app.views.LiaModelView); the API answers 409 (app.api.LiaModelRestApi); any other route (an
action, a transition) answers the Italian 409 page or body installed here, never a 500.
A request without a version (an API client that sends neither) is accepted: last writer wins is
then the client's explicit choice, and the UPDATE is still checked against its own read.
"""
from __future__ import annotations

from flask import Flask
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import ETags
from wtforms import HiddenField

from app.models import Versionato

CAMPO = "versione"

MSG_SUPERATA = ("Qualcun altro ha modificato questo record dopo che l'hai aperto: il tuo salvataggio non è stato "
                "registrato.")
MSG_MODULO = (MSG_SUPERATA + " I tuoi valori sono rimasti nel modulo; sotto i campi che ora sono diversi trovi il "
              "valore salvato. Controlla e salva di nuovo per sostituirlo con i tuoi valori.")
MSG_API = (MSG_SUPERATA + " Rileggi il record (GET), riapplica la modifica e inviala con la nuova versione "
           "(If-Match o campo «versione»).")
MSG_ELIMINATO = "Il record è stato eliminato da qualcun altro mentre lo stavi modificando."
MSG_VERSIONE_NON_VALIDA = "Versione non valida: serve il numero intero letto con GET."


def versionato(modello) -> bool:
    return isinstance(modello, type) and issubclass(modello, Versionato)


def superata(exc: BaseException | None) -> bool:
    """Whether `exc` (or the database error it wraps, as FAB's DatabaseException does) is a stale write."""
    while exc is not None:
        if isinstance(exc, StaleDataError):
            return True
        exc = exc.__cause__
    return False


def etag(versione: int) -> str:
    return f'"{versione}"'


def accetta_if_match(intestazione: ETags, versione: int) -> bool:
    """RFC 9110 If-Match: `*` or one of the listed entity tags, compared strongly."""
    return intestazione.star_tag or intestazione.contains(str(versione))


def versione_valida(valore) -> bool:
    return isinstance(valore, int) and not isinstance(valore, bool) and 0 < valore <= 2**31 - 1


class CampoVersione(HiddenField):
    """The version an edit form was opened on. The view reads it; it is never written to the record
    (the version grows only through the UPDATE's own check)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "HiddenField"  # FAB's form template renders HiddenFields only in hidden_tag()

    def process_formdata(self, valuelist):
        testo = valuelist[0] if valuelist else ""
        self.data = int(testo) if testo.isascii() and testo.isdigit() and len(testo) < 10 else None

    def populate_obj(self, obj, name):
        pass


def installa(app: Flask) -> None:
    """Any route that meets a stale write (actions, transitions, a recompute): the Italian 409."""
    from app.extensions import db
    from app.risposte import risposta_errore

    def _conflitto(_exc):
        db.session.rollback()
        return risposta_errore(409)

    app.register_error_handler(StaleDataError, _conflitto)
