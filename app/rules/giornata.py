"""What waits for an operator today, as plain decisions (issue 11, §5): how long an item has been
waiting, and which ceilings of a project are nearly spent. Pure Python, no Flask, no SQLAlchemy."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from app.rules.programma import Massimale, Programma

def giorni_da(inizio: date, oggi: date) -> int:
    """Whole days from `inizio` to `oggi` (0 for a date not yet come)."""
    return max((oggi - inizio).days, 0)


def eta(inizio: date | None, oggi: date) -> str:
    """"da 12 giorni": how long an item has been waiting, in the users' words."""
    if inizio is None:
        return ""
    giorni = giorni_da(inizio, oggi)
    if giorni == 0:
        return "da oggi"
    return "da 1 giorno" if giorni == 1 else f"da {giorni} giorni"


@dataclass(frozen=True)
class UsoMassimale:
    massimale: Massimale
    speso: Decimal

    @property
    def quota(self) -> Decimal:
        return self.speso / self.massimale.importo if self.massimale.importo > 0 else Decimal("0")

    @property
    def percentuale(self) -> int:
        return int(self.quota * 100)


def uso_massimali(programma: Programma, spese_ammissibili: Iterable[tuple[str, Decimal]]) -> list[UsoMassimale]:
    """What the eligible spese of one project, as (voce code, amount), take of each ceiling of the
    programme: the spese whose voce belongs to an asse the ceiling covers, as regola_massimali
    counts them (the same programme lookups: `voce`, the ceiling's `assi`)."""
    spese = [(programma.voce(voce), Decimal(importo)) for voce, importo in spese_ammissibili]
    return [UsoMassimale(m, sum((importo for v, importo in spese if v is not None and v.asse in m.assi),
                                Decimal("0")))
            for m in programma.massimali]


def massimali_quasi_esauriti(usi: Iterable[UsoMassimale], percentuale: int) -> list[UsoMassimale]:
    """The ceilings at or past `percentuale` % of their amount, the programme's
    `soglia_avviso_massimale` (a ceiling of zero is never "near")."""
    return [u for u in usi if u.massimale.importo > 0 and u.speso * 100 >= percentuale * u.massimale.importo]
