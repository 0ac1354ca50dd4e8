"""Erasing a woman's personal data (issue 12, §3; see the contract in app/servizi): when the
retention period is over (`flask lia conservazione`), or on request (`flask lia anonimizza`, the
«Cancella i dati personali» button of her page). The decision of when is app.rules.conservazione.

What goes: her DatiPersonali row, and with it, by the database (ON DELETE CASCADE), her rows in
the name index (lia_indice_nome); the codice fiscale's blind index is a column of that row.
What stays: her code and profile, consents and other measures (they hold nothing identifying
and the double-funding check reads the measures), segnalazioni, projects, spese and their
giustificativi — accounting documents the Region may inspect, kept with the accounts. Nothing of
hers is an attachment of her own records: files hang only from spese and Asse I records.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from app import audit
from app import models as m
from app.extensions import db
from app.rules import conservazione as regole
from app.security import puo_modificare_beneficiaria
from app.servizi import NonConsentito, Rifiuto

# The audit row says which kind of erasure it was, never the reason typed (free text).
CONSERVAZIONE, RICHIESTA = "conservazione_scaduta", "richiesta"
MSG_SOLO_TITOLARE = "Solo il centro antiviolenza che ha in carico la beneficiaria può cancellarne i dati personali."


def anni_di_conservazione() -> int:
    """LIA_CONSERVAZIONE_ANNI if set, else the programme file's; checked by the same rule."""
    from app.servizi.spese import programma_corrente

    programma = programma_corrente()
    anni = current_app.config.get("LIA_CONSERVAZIONE_ANNI")
    if anni is None:
        return programma.anni_conservazione  # validated with the programme file
    motivi = regole.motivi_anni_non_validi(anni, programma.mesi_follow_up)
    if motivi:
        raise Rifiuto([f"LIA_CONSERVAZIONE_ANNI: {m_}" for m_ in motivi])
    return anni


def casi(beneficiaria_id: int | None = None) -> list[regole.Caso]:
    """The women (or the one woman) whose personal data are stored, as the rule's plain data.
    Runs in the caller's perimeter: the CLI's is the system's."""
    # A subquery, not a list of ids: tens of thousands of women would exceed SQLite's bound parameters.
    ids = select(m.DatiPersonali.beneficiaria_id)
    if beneficiaria_id is not None:
        ids = ids.where(m.DatiPersonali.beneficiaria_id == beneficiaria_id)
    donne = db.session.execute(select(m.Beneficiaria).where(m.Beneficiaria.id.in_(ids))).scalars().all()
    progetti, segnalazioni = {}, {}
    for p in db.session.execute(select(m.Progetto).where(m.Progetto.beneficiaria_id.in_(ids))).scalars():
        progetti.setdefault(p.beneficiaria_id, []).append(p)
    for s in db.session.execute(select(m.Segnalazione).where(m.Segnalazione.beneficiaria_id.in_(ids))).scalars():
        segnalazioni.setdefault(s.beneficiaria_id, []).append(s)
    out = []
    for b in donne:
        con_progetto = {p.segnalazione_id for p in progetti.get(b.id, [])}
        out.append(regole.Caso(
            b.id, b.codice, b.data_presa_in_carico,
            tuple(regole.ProgettoChiuso(p.codice, p.stato, p.data_chiusura) for p in progetti.get(b.id, [])),
            tuple(regole.SegnalazioneValutata(
                s.data, s.ultima_valutazione.esito if s.ultima_valutazione else None,
                s.ultima_valutazione.data if s.ultima_valutazione else None, s.id in con_progetto)
                for s in segnalazioni.get(b.id, []))))
    return out


def scadute(oggi: date, anni: int, beneficiaria_id: int | None = None) -> list[regole.DaCancellare]:
    return regole.da_cancellare(casi(beneficiaria_id), anni, oggi)


def _dati_personali(beneficiaria: m.Beneficiaria) -> m.DatiPersonali | None:
    return db.session.execute(select(m.DatiPersonali).where(m.DatiPersonali.beneficiaria_id == beneficiaria.id)
                              ).scalar_one_or_none()


def motivi_prima_del_modulo(beneficiaria: m.Beneficiaria) -> list[str]:
    """Why the reason's form would be refused whatever is typed: nothing (left) to erase."""
    if _dati_personali(beneficiaria) is None:
        return [f"Non ci sono dati personali di {beneficiaria.codice} da cancellare."]
    return []


def cancella_dati_personali(beneficiaria: m.Beneficiaria, motivo: str, categoria: str, utente=None,
                            oggi: date | None = None) -> None:
    """Delete her DatiPersonali, record when and why on her case, audit it (her code and the
    category, no value). `utente` None: the system (CLI), else she must be the holding CAV.
    The caller commits (servizi.transazione)."""
    if utente is not None and not puo_modificare_beneficiaria(utente, beneficiaria):
        raise NonConsentito(MSG_SOLO_TITOLARE)
    per_campo = regole.motivi_rifiuto_motivo(motivo)
    if per_campo:
        raise Rifiuto([x for motivi in per_campo.values() for x in motivi], per_campo=per_campo)
    motivi = motivi_prima_del_modulo(beneficiaria)
    if motivi:
        raise Rifiuto(motivi)
    db.session.delete(_dati_personali(beneficiaria))
    beneficiaria.dati_cancellati_il = oggi or date.today()
    beneficiaria.motivo_cancellazione = motivo.strip()
    db.session.flush()
    audit.registra("cancellazione_dati", tipo_record="Beneficiaria", record_id=beneficiaria.id,
                   codici=[beneficiaria.codice], dettaglio={"motivo": categoria}, utente=utente)
