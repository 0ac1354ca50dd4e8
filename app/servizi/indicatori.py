"""Counts behind the indicators, read from the database as aggregates (no row leaves)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import distinct, func, select

from app import models as m
from app.extensions import db
from app.rules import indicatori
from app.security import come_sistema
from app.servizi.consensi import contate_nelle_statistiche
from app.servizi.spese import programma_corrente


def conteggi() -> indicatori.Conteggi:
    s = db.session
    # Aggregates over the whole network: only numbers come out, so the perimeter is crossed on purpose.
    with come_sistema():
        # Counts of women: only those who consent to anonymous statistics (app.servizi.consensi).
        presenti = (select(m.Presenza.beneficiaria_id).join(m.SessioneLaboratorio)
                    .where(m.Presenza.presente.is_(True), m.SessioneLaboratorio.svolta.is_(True),
                           contate_nelle_statistiche(m.Presenza.beneficiaria_id)))
        laboratori = s.execute(select(func.count(distinct(m.SessioneLaboratorio.laboratorio_id)))
                               .join(m.Presenza, m.Presenza.sessione_id == m.SessioneLaboratorio.id)
                               .where(m.Presenza.presente.is_(True), m.SessioneLaboratorio.svolta.is_(True))).scalar()
        return indicatori.Conteggi(
            percorsi_attivati=s.execute(select(func.count(m.Progetto.id)).where(
                m.Progetto.data_avvio.is_not(None), contate_nelle_statistiche(m.Progetto.beneficiaria_id))).scalar(),
            accordi_firmati=s.execute(select(func.count(m.Accordo.id)).where(
                m.Accordo.stato.in_(["firmato", "scaduto"]), m.Accordo.data_firma.is_not(None))).scalar(),
            laboratori_realizzati=laboratori or 0,
            sessioni_svolte=s.execute(select(func.count(m.SessioneLaboratorio.id))
                                      .where(m.SessioneLaboratorio.svolta.is_(True))).scalar(),
            donne_presenti=s.execute(select(func.count(distinct(presenti.subquery().c.beneficiaria_id)))).scalar(),
            modelli_validati=s.execute(select(func.count(m.ModelloLaboratorio.id)).where(
                m.ModelloLaboratorio.data_formalizzazione.is_not(None),
                m.ModelloLaboratorio.data_validazione.is_not(None))).scalar(),
            incontri_formativi=s.execute(select(func.count(m.EventoFormativo.id))
                                         .where(m.EventoFormativo.data <= date.today())).scalar(),
        )


def righe_indicatori():
    return indicatori.calcola(programma_corrente(), conteggi())
