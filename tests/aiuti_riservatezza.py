"""The attack of issue 9 on the dashboard, shared by its tests and its browser journey."""
from __future__ import annotations

from app.rules.riservatezza import RISERVATO


def ricava_per_differenza(totale, mesi: dict) -> dict:
    """The total of the paths activated (the indicator) minus the months shown. With k hidden
    months, each at least 1 (zeros are shown), adding up to `resto`, they are known when k == 1
    or when resto == k (all 1s). Values may be ints or the page's strings. Returns what it
    recovers, {month: value}."""
    nascosti = [m for m, v in mesi.items() if v == RISERVATO]
    if totale == RISERVATO or not nascosti:
        return {}
    resto = int(totale) - sum(int(v) for v in mesi.values() if v != RISERVATO)
    if len(nascosti) == 1 or resto == len(nascosti):
        return {m: resto // len(nascosti) for m in nascosti}
    return {}
