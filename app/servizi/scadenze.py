"""The operator's to-do lists (see the contract in app/servizi)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app import models as m
from app.extensions import db
from app.rules import workflow
from app.security import attore_di, valida_come_capofila, valida_come_equipe
from app.servizi.percorso import stato_di


def da_fare(utente, oggi: date | None = None, mesi_follow_up=(6, 12), giorni_scadenza: int = 30) -> dict:
    """The operator's to-do lists, within her perimeter (the queries are scoped)."""
    oggi = oggi or date.today()
    equipe, capofila = valida_come_equipe(utente), valida_come_capofila(utente)
    s = db.session
    segn = s.execute(select(m.Segnalazione).order_by(m.Segnalazione.data)).scalars().all()
    attese = [x for x in segn if x.ultima_valutazione is None or x.ultima_valutazione.esito == "sospesa"]
    da_validare = []
    if equipe:
        da_validare += s.execute(select(m.Progetto).where(m.Progetto.stato == workflow.PROPOSTO)).scalars().all()
    if capofila:
        da_validare += [p for p in s.execute(
            select(m.Progetto).where(m.Progetto.stato == workflow.VALIDATO_EQUIPE)).scalars() if p.usa_fondi_regionali]
    if not (equipe or capofila):
        da_validare = s.execute(select(m.Progetto).where(
            m.Progetto.stato.in_([workflow.PROPOSTO, workflow.VALIDATO_EQUIPE]))).scalars().all()
    colloqui = s.execute(select(m.ColloquioCPI).where(m.ColloquioCPI.data_svolta.is_(None))
                         .order_by(m.ColloquioCPI.data_prevista)).scalars().all()
    in_scadenza = s.execute(select(m.Progetto).where(
        m.Progetto.stato == workflow.IN_CORSO, m.Progetto.data_fine >= oggi,
        m.Progetto.data_fine <= oggi + timedelta(days=giorni_scadenza))).scalars().all()
    return {"segnalazioni_da_valutare": attese, "progetti_da_validare": da_validare,
            "progetti_da_avviare": progetti_da_avviare(utente),
            "colloqui_cpi_da_svolgere": colloqui, "follow_up_dovuti": follow_up_dovuti(oggi, mesi_follow_up),
            "progetti_in_scadenza": in_scadenza}


def follow_up_dovuti(oggi: date, mesi_follow_up=(6, 12)) -> list[tuple[m.Progetto, int, date]]:
    """(project, months, due date) of every closed project whose follow-up is due, in the perimeter."""
    s = db.session
    follow_up = []
    chiusi = s.execute(select(m.Progetto).where(m.Progetto.stato.in_(list(workflow.STATI_FINALI)),
                                                m.Progetto.data_chiusura.is_not(None))).scalars().all()
    for p in chiusi:
        esiti = s.execute(select(m.EsitoProgetto.data).where(m.EsitoProgetto.progetto_id == p.id,
                                                             m.EsitoProgetto.tipo == "follow_up")).scalars().all()
        dovuto = workflow.follow_up_dovuto(p.data_chiusura, esiti, oggi, mesi_follow_up)
        if dovuto is not None:
            follow_up.append((p, *dovuto))
    return follow_up


def progetti_da_avviare(utente) -> list[m.Progetto]:
    """Validated projects this user may start now (the workflow's verdict: her ente coordinates
    them, and the capofila has validated those with regional money), oldest validation first."""
    attore = attore_di(utente)
    validati = db.session.execute(select(m.Progetto).where(
        m.Progetto.stato.in_([workflow.VALIDATO_EQUIPE, workflow.VALIDATO_CAPOFILA]))).scalars().all()
    pronti = [p for p in validati if workflow.IN_CORSO in workflow.transizioni_consentite(stato_di(p), attore)]
    return sorted(pronti, key=lambda p: (data_validazione(p) or date.max, p.id))


def data_validazione(p: m.Progetto) -> date | None:
    """The date of the validation that let the project start."""
    return p.data_validazione_capofila or p.data_validazione_equipe
