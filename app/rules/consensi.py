"""Her consent per purpose (issue 12, §1): whether a step that shares her case may go ahead, and
from when a revocation hides it. Pure Python, no Flask, no SQLAlchemy.

A purpose is granted by a consent in force (given, not revoked) or by an override of her CAV
(a reason recorded, as Primero lets a supervisor override a missing consent). A revocation
wins over an older override: her later word counts; an override written after the revocation
takes the responsibility again, on the record.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from app.rules.eligibility import formatta_data


@dataclass(frozen=True)
class ConsensoDati:
    finalita: str
    data: date
    revocato_il: date | None = None


@dataclass(frozen=True)
class DerogaDati:
    finalita: str
    data: date


def revoca_piu_recente(finalita: str, consensi: Iterable[ConsensoDati]) -> date | None:
    revoche = [c.revocato_il for c in consensi if c.finalita == finalita and c.revocato_il is not None]
    return max(revoche, default=None)


def in_vigore(finalita: str, consensi: Iterable[ConsensoDati], oggi: date) -> list[ConsensoDati]:
    """Her consents to this purpose given by today and not revoked by today."""
    return [c for c in consensi
            if c.finalita == finalita and c.data <= oggi and (c.revocato_il is None or c.revocato_il > oggi)]


def concesso(finalita: str, consensi: Iterable[ConsensoDati], deroghe: Iterable[DerogaDati], oggi: date) -> bool:
    """True when the purpose is granted today: a consent given by today and not revoked, or an
    override of her CAV written on or after her latest revocation of it."""
    consensi = list(consensi)
    if in_vigore(finalita, consensi, oggi):
        return True
    revoca = revoca_piu_recente(finalita, consensi)
    return any(d.finalita == finalita and d.data <= oggi and (revoca is None or d.data >= revoca) for d in deroghe)


def riservata_dal(finalita: str, consensi: Iterable[ConsensoDati], deroghe: Iterable[DerogaDati],
                  oggi: date) -> date | None:
    """The day from which those who saw her case through this purpose no longer do: her latest
    revocation, when nothing grants the purpose today. None when the case stays shared (never
    revoked: a consent never given blocks new steps, it does not hide what was shared)."""
    consensi = list(consensi)
    revoca = revoca_piu_recente(finalita, consensi)
    if revoca is None or revoca > oggi or concesso(finalita, consensi, deroghe, oggi):
        return None
    return revoca


def motivo_senza_consenso(descrizione_passo: str, descrizione_finalita: str, consensi: Iterable[ConsensoDati],
                          finalita: str) -> str:
    """The Italian reason a step is refused, saying whether her consent is missing or revoked."""
    revoca = revoca_piu_recente(finalita, consensi)
    stato = f"revocato il {formatta_data(revoca)}" if revoca else "non registrato"
    return (f"{descrizione_passo}: serve il consenso di lei a «{descrizione_finalita}» ({stato}). Registrarlo tra "
            "i suoi consensi, oppure il centro che la ha in carico può registrare una deroga motivata.")


def motivi_consenso_non_valido(finalita: str, finalita_ammesse: Iterable[str], data: date | None,
                               revocato_il: date | None, oggi: date) -> dict[str, list[str]]:
    """The consent record's own checks, by field."""
    errori: dict[str, list[str]] = {}
    if finalita not in set(finalita_ammesse):
        errori["tipo"] = ["Finalità del consenso non prevista dal programma."]
    if data is not None and data > oggi:
        errori["data"] = ["Un consenso si registra quando è dato: la data non può essere futura."]
    if revocato_il is not None:
        if revocato_il > oggi:
            errori["revocato_il"] = ["La revoca si registra quando è avvenuta: la data non può essere futura."]
        elif data is not None and revocato_il < data:
            errori["revocato_il"] = ["La revoca non può precedere il consenso."]
    return errori
