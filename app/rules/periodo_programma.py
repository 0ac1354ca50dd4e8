"""Dates outside the programme period: a warning, not a refusal (issue 11 §4).

A segnalazione, a project, a session dated outside the programme is most often a typing slip
(2021 for 2023) but may be a true record (a late entry): the user is told, the record is kept.
Where a rule refuses such a date already (a spesa's eligibility, app.rules.eligibility; an
implausible year, app.rules.date_plausibili) it says so itself, and no warning is added.
"""
from __future__ import annotations

from datetime import date

# "Model.column" dates that are not events of the programme, or that its rules judge already.
NON_LEGATE_AL_PERIODO = frozenset({
    "DatiPersonali.data_nascita",          # a birth date
    "Beneficiaria.data_presa_in_carico",   # a CAV takes women in care before and after the programme
    "Consenso.data", "Consenso.revocato_il",  # consents outlive a programme edition
    "AltraMisura.data_inizio", "AltraMisura.data_fine",  # other measures have periods of their own
    "EsitoProgetto.data",                  # follow-ups fall due months after a project closes
    "Spesa.data",                          # eligibility refuses it (regola_periodo)
})


def _italiana(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def avviso_fuori_periodo(modello: str, colonna: str, etichetta: str, valore: date | None,
                         inizio: date, fine: date) -> str | None:
    """The Italian warning for a date of `modello.colonna` outside [inizio, fine], or None."""
    if valore is None or f"{modello}.{colonna}" in NON_LEGATE_AL_PERIODO or inizio <= valore <= fine:
        return None
    return (f"Attenzione: «{etichetta}» {_italiana(valore)} è fuori dal periodo del programma "
            f"(dal {_italiana(inizio)} al {_italiana(fine)}). Il dato è stato salvato: verificare che sia corretto.")
