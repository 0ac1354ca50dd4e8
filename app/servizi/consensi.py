"""Her consent per purpose, enforced (issue 12, §1; see the contract in app/servizi). What a
purpose needs and grants is app.rules.consensi; here: her consents and her CAV's overrides read
as plain data, the checks of the steps that share her case, and the days from which a revoked
consent hides it (Beneficiaria.riservata_dal / riservata_cpi_dal), kept on every flush that
changes a consent or an override, whichever screen, API or command wrote it.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import event, or_, select, true
from sqlalchemy.orm import Session

from app import models as m
from app.extensions import db
from app.rules import consensi as regole
from app.security import come_sistema
from app.servizi import Rifiuto

# What each step is called in a refusal.
PASSI = {"segnalazione": "Per inviare la segnalazione all'équipe",
         "cpi": "Per coinvolgere il Centro per l'impiego"}
MOTIVO_MINIMO = 10  # characters: a reason, not a tick


def _programma():
    from app.servizi.spese import programma_corrente

    return programma_corrente()


def _dati(consensi, deroghe) -> tuple[list[regole.ConsensoDati], list[regole.DerogaDati]]:
    return ([regole.ConsensoDati(c.tipo, c.data, c.revocato_il) for c in consensi if c.data is not None],
            [regole.DerogaDati(d.finalita, d.data) for d in deroghe if d.data is not None])


def dati_di(beneficiaria_id: int):
    """Her consents and overrides as plain data. Across the perimeter: who files a referral or
    adds a CPI member may not read her consents, only whether the step may go ahead."""
    with come_sistema(), db.session.no_autoflush:
        consensi = db.session.execute(select(m.Consenso).where(m.Consenso.beneficiaria_id == beneficiaria_id)).scalars()
        deroghe = db.session.execute(
            select(m.DerogaConsenso).where(m.DerogaConsenso.beneficiaria_id == beneficiaria_id)).scalars()
        return _dati(list(consensi), list(deroghe))


def verifica(beneficiaria: m.Beneficiaria, passo: str, campo: str, oggi: date | None = None) -> None:
    """Refuse the step (PASSI) when the purpose the programme ties to it is not granted today."""
    programma = _programma()
    finalita = programma.consensi_richiesti.get(passo)
    if not finalita or beneficiaria is None or beneficiaria.id is None:
        return
    consensi, deroghe = dati_di(beneficiaria.id)
    if regole.concesso(finalita, consensi, deroghe, oggi or date.today()):
        return
    motivo = regole.motivo_senza_consenso(PASSI[passo], programma.descrizione_finalita(finalita), consensi, finalita)
    raise Rifiuto(motivo, per_campo={campo: [motivo]})


def verifica_consenso(item: m.Consenso) -> None:
    """A consent's own checks: a purpose of the programme, no future dates, revoked after given."""
    programma = _programma()
    errori = regole.motivi_consenso_non_valido(item.tipo or "", [f.codice for f in programma.finalita_consenso],
                                              item.data, item.revocato_il, date.today())
    if errori:
        raise Rifiuto([m_ for motivi in errori.values() for m_ in motivi], per_campo=errori)


def prepara_deroga(item: m.DerogaConsenso, utente) -> None:
    """Her CAV only (the caller checked it holds her), a purpose of the programme, a real reason."""
    programma = _programma()
    errori = {}
    if item.finalita not in {f.codice for f in programma.finalita_consenso}:
        errori["finalita"] = ["Finalità del consenso non prevista dal programma."]
    if len((item.motivo or "").strip()) < MOTIVO_MINIMO:
        errori["motivo"] = [f"Scrivere il motivo della deroga (almeno {MOTIVO_MINIMO} caratteri)."]
    if errori:
        raise Rifiuto([m_ for motivi in errori.values() for m_ in motivi], per_campo=errori)
    item.motivo = item.motivo.strip()
    item.data = item.data or date.today()
    if item.data > date.today():
        raise Rifiuto("Una deroga vale da quando è registrata: la data non può essere futura.",
                      per_campo={"data": ["La data non può essere futura."]})
    item.registrata_da_id = utente.id


def stato_finalita(beneficiaria_id: int, oggi: date | None = None) -> list[tuple[str, str]]:
    """(purpose, its state in Italian) for her page: consent in force, override, revoked, missing."""
    programma = _programma()
    oggi = oggi or date.today()
    consensi, deroghe = dati_di(beneficiaria_id)
    righe = []
    for f in programma.finalita_consenso:
        validi = regole.in_vigore(f.codice, consensi, oggi)
        revoca = regole.revoca_piu_recente(f.codice, consensi)
        deroga = max((d.data for d in deroghe if d.finalita == f.codice), default=None)
        if validi:
            stato = f"dato il {min(c.data for c in validi):%d/%m/%Y}"
        elif regole.concesso(f.codice, consensi, deroghe, oggi):
            stato = f"per deroga del centro dal {deroga:%d/%m/%Y}"
        elif revoca:
            stato = f"revocato il {revoca:%d/%m/%Y}"
        else:
            stato = "non registrato"
        righe.append((f.descrizione, stato))
    return righe


def contate_nelle_statistiche(colonna_beneficiaria, oggi: date | None = None):
    """The SQL criterion on a woman's id for the counts that leave the system: only the women who
    consent to anonymous statistics today, when the programme file asks for it (overrides do not
    count: a statistic is never urgent)."""
    finalita = _programma().consensi_richiesti.get("statistiche")
    if not finalita:
        return true()
    oggi = oggi or date.today()
    return colonna_beneficiaria.in_(select(m.Consenso.beneficiaria_id).where(
        m.Consenso.tipo == finalita, m.Consenso.data <= oggi,
        or_(m.Consenso.revocato_il.is_(None), m.Consenso.revocato_il > oggi)))


def deroghe_di(beneficiaria_id: int, con_motivo: bool) -> list[dict]:
    """Her CAV's overrides, newest first: purpose, date, who; the reason only when asked for."""
    programma = _programma()
    with come_sistema():
        righe = db.session.execute(
            select(m.DerogaConsenso).where(m.DerogaConsenso.beneficiaria_id == beneficiaria_id)
            .order_by(m.DerogaConsenso.data.desc(), m.DerogaConsenso.id.desc())).scalars().all()
        return [{"finalita": programma.descrizione_finalita(d.finalita), "data": d.data,
                 "chi": d.registrata_da.username if d.registrata_da else "",
                 "motivo": d.motivo if con_motivo else None} for d in righe]


# --- the days from which a revocation hides her case, kept at every flush -------------------

def _di_chi(record) -> int | None:
    return record.beneficiaria_id or getattr(record.beneficiaria, "id", None)


def _riservatezza(beneficiaria: m.Beneficiaria, sessione, oggi: date) -> None:
    programma = _programma()
    bid = beneficiaria.id
    with come_sistema(), sessione.no_autoflush:
        consensi = [c for c in sessione.execute(select(m.Consenso).where(m.Consenso.beneficiaria_id == bid)).scalars()
                    if c not in sessione.deleted]
        deroghe = [d for d in sessione.execute(
            select(m.DerogaConsenso).where(m.DerogaConsenso.beneficiaria_id == bid)).scalars()
            if d not in sessione.deleted]
    consensi += [o for o in sessione.new if isinstance(o, m.Consenso) and _di_chi(o) == bid]
    deroghe += [o for o in sessione.new if isinstance(o, m.DerogaConsenso) and _di_chi(o) == bid]
    dati_consensi, dati_deroghe = _dati(consensi, deroghe)
    equipe, cpi = (programma.consensi_richiesti.get(p) for p in ("segnalazione", "cpi"))
    nuovo = regole.riservata_dal(equipe, dati_consensi, dati_deroghe, oggi) if equipe else None
    nuovo_cpi = regole.riservata_dal(cpi, dati_consensi, dati_deroghe, oggi) if cpi else None
    if (beneficiaria.riservata_dal, beneficiaria.riservata_cpi_dal) != (nuovo, nuovo_cpi):
        beneficiaria.riservata_dal, beneficiaria.riservata_cpi_dal = nuovo, nuovo_cpi


def installa() -> None:
    if not event.contains(Session, "before_flush", _aggiorna_riservatezza):
        event.listen(Session, "before_flush", _aggiorna_riservatezza)


def _aggiorna_riservatezza(sessione, _contesto, _istanze):
    toccate = {_di_chi(o) for o in (*sessione.new, *sessione.dirty, *sessione.deleted)
               if isinstance(o, (m.Consenso, m.DerogaConsenso))}
    toccate.discard(None)
    if not toccate:
        return
    oggi = date.today()
    with come_sistema(), sessione.no_autoflush:
        donne = sessione.execute(select(m.Beneficiaria).where(m.Beneficiaria.id.in_(toccate))).scalars().all()
    for beneficiaria in donne:
        _riservatezza(beneficiaria, sessione, oggi)
