"""Every date a user writes is checked before it reaches the database (app.rules.date_plausibili).

One hook on the session's flush sees every Date/DateTime column that changed, whatever wrote it:
a form, the REST API, a transition, an import. A refusal is a `Rifiuto` on the column's field,
which the screens show on the form and the API answers as a 422.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from flask import current_app, has_app_context
from sqlalchemy import Date, DateTime, event, inspect
from sqlalchemy.orm import Session

from app.crypto import DataCifrata
from app.rules.date_plausibili import data_massima, motivo_data_non_plausibile
from app.rules.programma import programma_predefinito
from app.servizi import Rifiuto

_TIPI_DATA = (Date, DateTime, DataCifrata)


@lru_cache(maxsize=4)
def _massima(codice_programma: str) -> date:
    programma = programma_predefinito(codice_programma)
    return data_massima(programma.data_fine, programma.margine_anni_date)


def data_massima_corrente() -> date:
    return _massima(current_app.config["LIA_PROGRAMMA"] if has_app_context() else "lia2")


def verifica(valore, campo: str) -> None:
    """Refuse one date not stored in a column (e.g. a transition's decision date)."""
    motivo = motivo_data_non_plausibile(valore, data_massima_corrente())
    if motivo:
        raise Rifiuto(motivo, per_campo={campo: [motivo]})


def _motivi(obj, per_campo: dict) -> list[str]:
    motivi = []
    stato = inspect(obj)
    for attributo in stato.mapper.column_attrs:
        if not isinstance(attributo.columns[0].type, _TIPI_DATA):
            continue
        for valore in stato.attrs[attributo.key].history.added:
            if isinstance(valore, str):  # the API hands an encrypted date over as ISO text
                try:
                    valore = date.fromisoformat(valore)
                except ValueError:
                    continue
            motivo = motivo_data_non_plausibile(valore, data_massima_corrente()) if isinstance(valore, date) else None
            if motivo:
                motivi.append(motivo)
                per_campo.setdefault(attributo.key, []).append(motivo)
    return motivi


def verifica_oggetto(obj) -> None:
    """Refuse a record whose changed dates are implausible, before any rule computes with them
    (a date in year 9999 plus a follow-up delay would overflow)."""
    per_campo: dict = {}
    motivi = _motivi(obj, per_campo)
    if motivi:
        raise Rifiuto(motivi, per_campo=per_campo)


def _verifica_scritture(sessione, _contesto, _istanze) -> None:
    per_campo: dict = {}
    motivi = [motivo for obj in list(sessione.new) + list(sessione.dirty) for motivo in _motivi(obj, per_campo)]
    if motivi:
        raise Rifiuto(motivi, per_campo=per_campo)


def installa() -> None:
    if not event.contains(Session, "before_flush", _verifica_scritture):
        event.listen(Session, "before_flush", _verifica_scritture)
