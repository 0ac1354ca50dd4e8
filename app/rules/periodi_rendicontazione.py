"""Periods of the rendicontazione (issue 13, §2): a period the capofila closed was sent to the Region
as it stood, so no spesa dated inside it is added, changed, annulled or deleted any more; a
correction is a new spesa (a rettifica) dated in a period still open. Plain data, Italian reasons."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class PeriodoDati:
    dal: date
    al: date
    chiuso_il: datetime | None = None
    id: int | None = None

    @property
    def chiuso(self) -> bool:
        return self.chiuso_il is not None

    def contiene(self, giorno: date) -> bool:
        return self.dal <= giorno <= self.al


def _g(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def descrivi(p: PeriodoDati) -> str:
    return f"{_g(p.dal)}–{_g(p.al)}"


def motivi_periodo_non_valido(dal: date | None, al: date | None, altri: list[PeriodoDati]) -> dict[str, list[str]]:
    """Reasons by form field why a new (or changed) period cannot be recorded: both dates, in order,
    and overlapping no other period (`altri` excludes the period being changed)."""
    motivi: dict[str, list[str]] = {}
    if dal is None:
        motivi["dal"] = ["Indicare la data di inizio del periodo."]
    if al is None:
        motivi["al"] = ["Indicare la data di fine del periodo."]
    if motivi:
        return motivi
    if al < dal:
        return {"al": ["La data di fine precede la data di inizio del periodo."]}
    sovrapposti = sorted((p for p in altri if p.dal <= al and dal <= p.al), key=lambda p: p.dal)
    if sovrapposti:
        elenco = ", ".join(descrivi(p) for p in sovrapposti)
        motivi["dal"] = [f"Il periodo {_g(dal)}–{_g(al)} si sovrappone al periodo di rendicontazione {elenco}: "
                         "i periodi non possono sovrapporsi."]
    return motivi


def motivi_rifiuto_modifica_periodo(p: PeriodoDati) -> list[str]:
    """A closed period is what was sent: its dates are no longer changed, nor is it deleted."""
    if p.chiuso:
        return [f"Il periodo di rendicontazione {descrivi(p)} è chiuso dal {_g(p.chiuso_il.date())}: "
                "non si modifica né si elimina."]
    return []


def motivi_rifiuto_chiusura(p: PeriodoDati, oggi: date) -> list[str]:
    """A period is closed once, and only after its last day (spese of its last days may still come)."""
    if p.chiuso:
        return [f"Il periodo di rendicontazione {descrivi(p)} è già stato chiuso il {_g(p.chiuso_il.date())}."]
    if p.al >= oggi:
        return [f"Il periodo di rendicontazione {descrivi(p)} finisce il {_g(p.al)}: si può chiudere solo dal giorno "
                "successivo."]
    return []


def periodo_chiuso_di(giorno: date | None, periodi: list[PeriodoDati]) -> PeriodoDati | None:
    if giorno is None:
        return None
    return next((p for p in periodi if p.chiuso and p.contiene(giorno)), None)


def motivo_spesa_in_periodo_chiuso(giorno: date | None, periodi: list[PeriodoDati]) -> str | None:
    """Why a spesa dated `giorno` can no longer be added, changed, annulled or deleted; None when it can."""
    p = periodo_chiuso_di(giorno, periodi)
    if p is None:
        return None
    return (f"La spesa è datata {_g(giorno)}, dentro il periodo di rendicontazione {descrivi(p)} chiuso il "
            f"{_g(p.chiuso_il.date())}: registra una rettifica con una data in un periodo aperto.")


def motivi_spesa_bloccata(date_coinvolte: list[date | None], periodi: list[PeriodoDati]) -> list[str]:
    """Every date a change touches (an edit: the stored date and the new one): one reason per closed
    period met, without repeating the same date."""
    motivi = []
    for giorno in dict.fromkeys(date_coinvolte):
        motivo = motivo_spesa_in_periodo_chiuso(giorno, periodi)
        if motivo and motivo not in motivi:
            motivi.append(motivo)
    return motivi
