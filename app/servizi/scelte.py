"""What a form's dropdown offers: only the records the next step makes sense for, inside the
user's perimeter (see the contract in app/servizi). The verdicts are app.rules'; a form still
refuses, on save, anything it did not offer."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import models as m
from app.extensions import db
from app.rules import workflow
from app.rules.eligibility import voci_offerte
from app.security import puo_valutare
from app.servizi.spese import _tipo_gestore, programma_corrente


def _segnalazioni(beneficiaria_id=None, *carica):
    q = select(m.Segnalazione).options(selectinload(m.Segnalazione.valutazioni), *carica)
    if beneficiaria_id is not None:
        q = q.where(m.Segnalazione.beneficiaria_id == beneficiaria_id)
    return db.session.execute(q.order_by(m.Segnalazione.data, m.Segnalazione.id)).scalars().all()


def _esito(s: m.Segnalazione):
    return s.ultima_valutazione.esito if s.ultima_valutazione else None


def segnalazioni_da_valutare(utente, beneficiaria_id=None) -> list[m.Segnalazione]:
    """The segnalazioni waiting for this user's équipe (never evaluated, or suspended)."""
    return [s for s in _segnalazioni(beneficiaria_id)
            if workflow.in_attesa_di_valutazione(_esito(s)) and puo_valutare(utente, s)]


def segnalazioni_da_progettare(beneficiaria_id=None) -> list[m.Segnalazione]:
    """Admitted segnalazioni with no project open or concluded (of one woman, when given)."""
    progetti: dict[int, list[str]] = {}
    for sid, stato in db.session.execute(select(m.Progetto.segnalazione_id, m.Progetto.stato)):
        progetti.setdefault(sid, []).append(stato)
    return [s for s in _segnalazioni(beneficiaria_id)
            if workflow.pronta_per_un_progetto(_esito(s), progetti.get(s.id, []))]


def voci_per_utente(utente) -> list[m.VoceSpesa]:
    """The voci of the current programme that the user's ente may pay (a CAV never sees Asse I)."""
    programma = programma_corrente()
    codici = voci_offerte(programma, _tipo_gestore(getattr(utente, "ente", None)))
    if not codici:
        return []
    return db.session.execute(
        select(m.VoceSpesa).join(m.Programma, m.VoceSpesa.programma_id == m.Programma.id)
        .where(m.Programma.codice == programma.codice, m.VoceSpesa.codice.in_(codici))
        .order_by(m.VoceSpesa.codice)).scalars().all()
