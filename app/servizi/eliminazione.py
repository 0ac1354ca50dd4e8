"""Deleting a record that may carry history (see the contract in app/servizi; the decisions are
app.rules.eliminazione's): what hangs from it, counted from the schema's foreign keys, and
whether the user is its author deleting a fresh mistake."""
from __future__ import annotations

from sqlalchemy import func, select

from app import models as m
from app.extensions import db
from app.models import _ora
from app.rules import eliminazione as regole
from app.security import come_sistema, e_autore
from app.servizi import Rifiuto


def registra_autore(item, utente) -> None:
    """A new record remembers who created it (only she may delete it, as a mistake)."""
    if getattr(item, "creato_da_id", None) is None:
        item.creato_da_id = utente.id


def collegati(record) -> dict[str, int]:
    """Table -> how many of its rows refer to `record`, over every foreign key of the schema
    (the perimeter is crossed: another CAV's rows keep it too, and only numbers leave)."""
    tabella_record = type(record).__table__
    conteggi: dict[str, int] = {}
    with come_sistema():
        for tabella in m.Beneficiaria.metadata.sorted_tables:
            for fk in tabella.foreign_keys:
                if fk.column.table is tabella_record and fk.column.name == "id":
                    n = db.session.execute(select(func.count()).select_from(tabella)
                                           .where(fk.parent == record.id)).scalar()
                    conteggi[tabella.name] = conteggi.get(tabella.name, 0) + n
    return conteggi


def verifica_eliminazione(record, utente) -> None:
    """Nothing hangs from it, and the user is its author deleting a fresh mistake; else Rifiuto."""
    nome = type(record).__name__
    motivi = regole.motivi_rifiuto_eliminazione(collegati(record), nome)
    if not motivi:
        motivi = regole.motivi_rifiuto_errore(nome, e_autore(utente, record), record.creato_il, _ora())
    if motivi:
        raise Rifiuto(motivi)


def verifica_eliminazione_spesa(spesa: m.Spesa, utente) -> None:
    motivi = regole.motivi_rifiuto_eliminazione_spesa(bool(spesa.annullata), e_autore(utente, spesa),
                                                      spesa.creato_il, _ora())
    if motivi:
        raise Rifiuto(motivi)
