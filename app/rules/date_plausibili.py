"""Which dates a user may write: none before 1900, none past the programme's end plus a margin.

A year typed as 2999 or 0001 is a slip of the keyboard, never a fact of the programme; past the
end the margin leaves room for follow-ups, late records and the rendicontazione.
"""
from __future__ import annotations

from datetime import date, datetime

DATA_MINIMA = date(1900, 1, 1)


def data_massima(fine_programma: date, margine_anni: int) -> date:
    try:
        return fine_programma.replace(year=fine_programma.year + margine_anni)
    except ValueError:  # 29 February into a common year
        return fine_programma.replace(year=fine_programma.year + margine_anni, day=28)


def _italiana(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"  # strftime pads no year below 1000


def motivo_data_non_plausibile(valore: date | datetime | None, massima: date) -> str | None:
    """The Italian reason why `valore` cannot be right, or None."""
    if valore is None:
        return None
    giorno = valore.date() if isinstance(valore, datetime) else valore
    if DATA_MINIMA <= giorno <= massima:
        return None
    return (f"Data {_italiana(giorno)} non plausibile: sono ammesse le date dal {_italiana(DATA_MINIMA)} "
            f"al {_italiana(massima)}.")
