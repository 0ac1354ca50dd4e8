"""Periods of the rendicontazione (issue 13, §2): recording them, closing them with the workbook as
sent, and keeping the spese dated inside a closed one as they were (see the contract in app/servizi;
the decisions are app.rules.periodi_rendicontazione's, the "who" app.security's)."""
from __future__ import annotations

import hashlib
import io
from datetime import date

from sqlalchemy import select

from app import models as m
from app.concorrenza import blocca_periodi
from app.extensions import db
from app.memoria_transazione import ricorda
from app.models import _ora
from app.rules import periodi_rendicontazione as regole
from app.security import chiude_periodi_rendicontazione, vede_rendicontazione_di_rete
from app.servizi import NonConsentito, Rifiuto

MSG_SOLO_CAPOFILA = "Solo il capofila registra e chiude i periodi di rendicontazione."
MSG_NON_SCARICABILE = "Il rendiconto inviato si scarica solo per un periodo chiuso."
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dati_periodo(p: m.PeriodoRendicontazione) -> regole.PeriodoDati:
    return regole.PeriodoDati(dal=p.dal, al=p.al, chiuso_il=p.chiuso_il, id=p.id)


def periodi(solo_chiusi: bool = False) -> list[regole.PeriodoDati]:
    """Every period as plain data (the periods carry no personal data: no perimeter applies)."""
    t = m.PeriodoRendicontazione.__table__
    q = select(t.c.id, t.c.dal, t.c.al, t.c.chiuso_il)
    if solo_chiusi:
        q = q.where(t.c.chiuso_il.is_not(None))
    return [regole.PeriodoDati(dal=r.dal, al=r.al, chiuso_il=r.chiuso_il, id=r.id)
            for r in db.session.connection().execute(q)]


# --- spese dated in a closed period ----------------------------------------------------------------

def verifica_spesa_in_periodo_aperto(spesa: m.Spesa) -> list[regole.PeriodoDati]:
    """Before a spesa is added, changed, annulled or deleted: neither the date it has in the database
    nor the date it would have may lie in a closed period. Takes the periods' lock (shared) first, so
    a close in flight either included this spesa's stored state or is seen here as closed. Returns
    the closed periods read under the lock: they cannot change before the commit, so the judgement
    of the project's spese uses them instead of reading them again, and so does the next spesa of
    this transaction (unless it writes a period)."""
    blocca_periodi(db.session)
    chiusi = ricorda(db.session, m.PeriodoRendicontazione, "chiusi", lambda: periodi(solo_chiusi=True))
    date_coinvolte = [getattr(spesa, "data_registrata", None), spesa.data]
    motivi = regole.motivi_spesa_bloccata(date_coinvolte, chiusi)
    if motivi:
        raise Rifiuto(motivi, per_campo={"data": motivi})
    return chiusi


def in_periodo_chiuso(spesa: m.Spesa) -> bool:
    """Whether the screens offer no change of this spesa (the writes refuse it anyway, under the lock)."""
    return regole.periodo_chiuso_di(spesa.data, periodi(solo_chiusi=True)) is not None


def esito_inviato(spesa: m.Spesa, chiusi: list[regole.PeriodoDati]):
    """The stored verdict of a spesa dated in a closed period (what the Region received), else None."""
    from app.rules.eligibility import Esito

    if spesa.id is None or regole.periodo_chiuso_di(spesa.data, chiusi) is None:
        return None
    return Esito(bool(spesa.ammissibile), _righe(spesa.motivi), _righe(spesa.avvisi))


def _righe(testo: str | None) -> tuple[str, ...]:
    return tuple(x for x in (testo or "").splitlines() if x)


# --- the periods themselves ------------------------------------------------------------------------

def _solo_capofila(utente) -> None:
    if not chiude_periodi_rendicontazione(utente):
        raise NonConsentito(MSG_SOLO_CAPOFILA)


def prepara_periodo(periodo: m.PeriodoRendicontazione, utente) -> None:
    """Before a period is recorded or changed: the capofila's, open, overlapping no other one.
    Serialised with every other period's save and close, so two overlapping ones never both pass."""
    _solo_capofila(utente)
    blocca_periodi(db.session, chiusura=True)
    if periodo.id is not None:
        t = m.PeriodoRendicontazione.__table__
        chiuso_il = db.session.connection().execute(select(t.c.chiuso_il).where(t.c.id == periodo.id)).scalar()
        motivi = regole.motivi_rifiuto_modifica_periodo(regole.PeriodoDati(periodo.dal, periodo.al, chiuso_il))
        if motivi:
            raise Rifiuto(motivi)
    altri = [p for p in periodi() if p.id != periodo.id]
    per_campo = regole.motivi_periodo_non_valido(periodo.dal, periodo.al, altri)
    if per_campo:
        raise Rifiuto([x for motivi in per_campo.values() for x in motivi], per_campo=per_campo)
    periodo.descrizione = (periodo.descrizione or "").strip()
    if periodo.creato_da_id is None:
        periodo.creato_da_id = utente.id


def verifica_eliminazione_periodo(periodo: m.PeriodoRendicontazione, utente) -> None:
    _solo_capofila(utente)
    blocca_periodi(db.session, chiusura=True)
    db.session.refresh(periodo)
    motivi = regole.motivi_rifiuto_modifica_periodo(dati_periodo(periodo))
    if motivi:
        raise Rifiuto(motivi)


def chiudi(periodo: m.PeriodoRendicontazione, utente, oggi: date | None = None) -> None:
    """Close the period: write the network's workbook of [dal, al] and keep it, with its SHA-256 and
    size, on the period, marked closed by `utente`. One transaction (the caller commits): the periods'
    lock, taken exclusive, makes every spesa of the period either committed before the workbook is
    written (and in it) or refused after the close."""
    from app import audit
    from app.servizi.rendicontazione import esporta

    _solo_capofila(utente)
    blocca_periodi(db.session, chiusura=True)
    db.session.refresh(periodo)
    motivi = regole.motivi_rifiuto_chiusura(dati_periodo(periodo), oggi or date.today())
    if motivi:
        raise Rifiuto(motivi)
    buffer = io.BytesIO()
    totali = esporta(buffer, ente=None, dal=periodo.dal, al=periodo.al)
    contenuto = buffer.getvalue()
    periodo.file_rendiconto = contenuto
    periodo.sha256 = hashlib.sha256(contenuto).hexdigest()
    periodo.dimensione = len(contenuto)
    periodo.righe_spese = totali.get("righe_spese")
    periodo.chiuso_il = _ora()
    periodo.chiuso_da_id = utente.id
    db.session.flush()
    audit.registra("chiusura_periodo", tipo_record="PeriodoRendicontazione", record_id=periodo.id,
                   dettaglio={"dal": periodo.dal, "al": periodo.al, "sha256": periodo.sha256,
                              "righe_spese": periodo.righe_spese}, utente=utente)


def nome_file(periodo: m.PeriodoRendicontazione) -> str:
    return f"rendicontazione-lia2-{periodo.dal:%Y%m%d}-{periodo.al:%Y%m%d}-inviata.xlsx"


def rendiconto_inviato(periodo: m.PeriodoRendicontazione, utente) -> bytes:
    """The stored workbook of a closed period, for whoever downloads the network's rendicontazione;
    each download is audited."""
    from app import audit

    if not vede_rendicontazione_di_rete(utente):
        raise NonConsentito("Il rendiconto inviato della rete si scarica solo dal capofila e dalla Regione.")
    if not periodo.chiuso:
        raise Rifiuto(MSG_NON_SCARICABILE)
    audit.registra("scaricamento_rendiconto", tipo_record="PeriodoRendicontazione", record_id=periodo.id,
                   dettaglio={"dal": periodo.dal, "al": periodo.al, "sha256": periodo.sha256}, utente=utente)
    return periodo.file_rendiconto
