"""The home page's lists: what waits today for this user, by codes only (issue 11, §5).

Every query runs inside the user's perimeter (app.security); who a list is for is a predicate of
app.security or the workflow's own verdict; "how old" and "near a ceiling" are app.rules.giornata.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, func, select

from app import models as m
from app.extensions import db
from app.rules import giornata as regole
from app.rules import workflow
from app.rules.eligibility import formatta_euro
from app.rules.programma import Programma
from app.security import (
    attore_di, coordina, criterio_massimali_seguiti, gestisce_asse1, segue_i_massimali, valida_come_capofila,
    valida_come_equipe,
)
from app.servizi import scadenze
from app.servizi.percorso import stato_di


@dataclass(frozen=True)
class Riga:
    """One thing to do: the record (by id), its code, since when it waits, a short note, and what
    makes it a new event for the reminders when the same record comes back (a later state, another
    follow-up, another ceiling)."""

    id: int
    codice: str
    dal: date | None
    nota: str = ""
    evento: str = ""


@dataclass
class Voce:
    chiave: str  # also the address of its full list (/oggi/<chiave>)
    titolo: str
    righe: list[Riga] = field(default_factory=list)


TITOLI = {
    "segnalazioni": "Segnalazioni da valutare",
    "da_validare": "Progetti da validare",
    "da_avviare": "Progetti validati da avviare",
    "follow_up": "Follow-up dovuti",
    "massimali": "Progetti vicini a un massimale",
    "sessioni": "Sessioni dell'Asse I senza presenze",
}


def oggi_per(utente, programma: Programma, oggi: date | None = None) -> list[Voce]:
    """The lists that concern this user's role, each possibly empty; none for a role that has no
    case work (Regione, Amministratore)."""
    oggi = oggi or date.today()
    voci = []
    if valida_come_equipe(utente):
        voci.append(Voce("segnalazioni", TITOLI["segnalazioni"], segnalazioni_da_valutare(utente)))
    if valida_come_equipe(utente) or valida_come_capofila(utente):
        voci.append(Voce("da_validare", TITOLI["da_validare"], progetti_da_validare(utente)))
    attore = attore_di(utente)
    if attore.operativo:
        voci.append(Voce("da_avviare", TITOLI["da_avviare"], progetti_da_avviare(utente)))
        voci.append(Voce("follow_up", TITOLI["follow_up"], follow_up_dovuti(utente, programma, oggi)))
    massimali = progetti_vicini_al_massimale(utente, programma)
    if massimali is not None:
        voci.append(Voce("massimali", TITOLI["massimali"], massimali))
    if gestisce_asse1(utente):
        voci.append(Voce("sessioni", TITOLI["sessioni"], sessioni_senza_presenze(oggi)))
    return voci


def voce(utente, programma: Programma, chiave: str, oggi: date | None = None) -> Voce | None:
    """One list of the home page, in full; None if it does not concern this user."""
    return next((v for v in oggi_per(utente, programma, oggi) if v.chiave == chiave), None)


# --- the lists ---------------------------------------------------------------------------------

def segnalazioni_da_valutare(utente) -> list[Riga]:
    """The referrals of her ambito the équipe has not decided (never evaluated, or suspended)."""
    ambito = utente.ente.ambito_id
    segn = db.session.execute(select(m.Segnalazione).where(m.Segnalazione.ambito_id == ambito)
                              .order_by(m.Segnalazione.data, m.Segnalazione.id)).scalars().all()
    righe = []
    for s in segn:
        ultima = s.ultima_valutazione
        if workflow.in_attesa_di_valutazione(ultima.esito if ultima else None):
            righe.append(Riga(s.id, s.beneficiaria.codice, s.data, "sospesa" if ultima else ""))
    return righe


def _in_stato_dal(p: m.Progetto) -> date | None:
    """Since when the project is in its state: the decision's date, else the last move into it."""
    decisa = {workflow.VALIDATO_EQUIPE: p.data_validazione_equipe,
              workflow.VALIDATO_CAPOFILA: p.data_validazione_capofila}.get(p.stato)
    if decisa is not None:
        return decisa
    ultima = next((t for t in reversed(p.transizioni) if t.a_stato == p.stato), None)
    return ultima.quando.date() if ultima is not None else None


def progetti_da_validare(utente) -> list[Riga]:
    """Proposed projects the équipe of their ambito may validate; projects with regional money
    the équipe validated, for the capofila (the workflow decides who may validate which)."""
    attore = attore_di(utente)
    verso = {workflow.PROPOSTO: workflow.VALIDATO_EQUIPE, workflow.VALIDATO_EQUIPE: workflow.VALIDATO_CAPOFILA}
    candidati = db.session.execute(select(m.Progetto).where(m.Progetto.stato.in_(list(verso)))
                                   .order_by(m.Progetto.id)).scalars().all()
    righe = []
    for p in candidati:
        if p.stato == workflow.VALIDATO_EQUIPE and not p.usa_fondi_regionali:
            continue  # without regional money the capofila has nothing to validate
        if not workflow.motivi_rifiuto(stato_di(p), attore, verso[p.stato], workflow.NOTA_SEGNAPOSTO):
            righe.append(Riga(p.id, p.codice, _in_stato_dal(p), workflow.STATI_ETICHETTE[p.stato], p.stato))
    return _per_eta(righe)


def progetti_da_avviare(utente) -> list[Riga]:
    return [Riga(p.id, p.codice, scadenze.data_validazione(p), workflow.STATI_ETICHETTE[p.stato])
            for p in scadenze.progetti_da_avviare(utente)]


def follow_up_dovuti(utente, programma: Programma, oggi: date) -> list[Riga]:
    """The due follow-ups of the projects her ente coordinates, waiting since their due date."""
    return _per_eta([Riga(p.id, p.codice, scadenza, f"follow-up a {mesi} mesi", str(mesi))
                     for p, mesi, scadenza in scadenze.follow_up_dovuti(oggi, programma.mesi_follow_up)
                     if coordina(utente, p)])


def progetti_vicini_al_massimale(utente, programma: Programma) -> list[Riga] | None:
    """Open projects whose eligible spese take at least 90% of a ceiling, for who watches them;
    None when the user watches no project's money."""
    if not segue_i_massimali(utente):
        return None
    # The bell runs this on every page: the database sums the spese per project and voce, over the
    # projects she watches (the predicate's own SQL form), instead of loading every open project.
    spese = db.session.execute(
        select(m.Spesa.progetto_id, m.Progetto.codice, m.VoceSpesa.codice, func.sum(m.Spesa.importo),
               func.max(m.Spesa.data))
        .join(m.VoceSpesa, m.VoceSpesa.id == m.Spesa.voce_id)
        .join(m.Progetto, m.Progetto.id == m.Spesa.progetto_id)
        .where(m.Progetto.stato.in_([workflow.VALIDATO_EQUIPE, workflow.VALIDATO_CAPOFILA, workflow.IN_CORSO]),
               criterio_massimali_seguiti(utente), m.Spesa.ammissibile.is_(True), m.Spesa.annullata.is_(False))
        .group_by(m.Spesa.progetto_id, m.Progetto.codice, m.VoceSpesa.codice)).all()
    per_progetto, codici = defaultdict(list), {}
    for pid, codice, voce, importo, quando in spese:
        per_progetto[pid].append((voce, Decimal(importo), quando))
        codici[pid] = codice
    righe = []
    for pid, sue in per_progetto.items():
        vicini = regole.massimali_quasi_esauriti(regole.uso_massimali(programma, [(v, i) for v, i, _ in sue]),
                                                 programma.soglia_avviso_massimale)
        if vicini:
            nota = "; ".join(f"{u.massimale.descrizione} al {u.percentuale}% ({formatta_euro(u.speso)} "
                             f"di {formatta_euro(u.massimale.importo)})" for u in vicini)
            righe.append(Riga(pid, codici[pid], max(q for _, _, q in sue), nota,
                              ",".join(sorted(u.massimale.codice for u in vicini))))
    return _per_eta(righe)


def sessioni_senza_presenze(oggi: date) -> list[Riga]:
    """Asse I sessions held by today, with women enrolled in their laboratorio and no attendance."""
    presenze = exists().where(m.Presenza.sessione_id == m.SessioneLaboratorio.id)
    iscritte = exists().where(m.IscrizioneLaboratorio.laboratorio_id == m.SessioneLaboratorio.laboratorio_id)
    sessioni = db.session.execute(
        select(m.SessioneLaboratorio).where(m.SessioneLaboratorio.svolta.is_(True),
                                            m.SessioneLaboratorio.data <= oggi, ~presenze, iscritte)
        .order_by(m.SessioneLaboratorio.data, m.SessioneLaboratorio.id)).scalars().all()
    return [Riga(s.id, str(s), s.data) for s in sessioni]


def _per_eta(righe: list[Riga]) -> list[Riga]:
    """Oldest first: what has waited longest comes first."""
    return sorted(righe, key=lambda r: (r.dal or date.max, r.id))
