"""Rules of Asse I: the formalised model of the laboratorio and the agreements with the territory.

Pure Python, standard library only: the screens and the REST API share these checks through
app.servizi.asse1. Each function returns its reasons in Italian, by form field; the reasons under
GENERALE are the general message of the refusal. An empty dict means "allowed".
"""
from __future__ import annotations

from datetime import date

__all__ = ["GENERALE", "STATI_CON_FIRMA", "motivi_modello", "motivi_accordo"]

GENERALE = "_schema"  # the key of the general reasons (the API's key for them, too)

STATI_CON_FIRMA = ("firmato", "scaduto")  # an agreement in these states was signed


def motivi_modello(data_formalizzazione: date | None, data_validazione: date | None) -> dict[str, list[str]]:
    """A model is validated only once formalised, and not before the day it was formalised."""
    if data_validazione and not data_formalizzazione:
        return {GENERALE: ["Un modello si valida dopo averlo formalizzato."],
                "data_formalizzazione": ["Indicare la data di formalizzazione."]}
    if data_validazione and data_formalizzazione and data_validazione < data_formalizzazione:
        return {GENERALE: ["La validazione non può precedere la formalizzazione."],
                "data_validazione": ["Data precedente alla formalizzazione."]}
    return {}


def motivi_accordo(stato: str | None, data_firma: date | None) -> dict[str, list[str]]:
    """A signed (or expired) agreement carries the date it was signed."""
    if stato in STATI_CON_FIRMA and not data_firma:
        return {GENERALE: ["Un accordo firmato ha la sua data di firma."],
                "data_firma": ["Indicare la data di firma."]}
    return {}
