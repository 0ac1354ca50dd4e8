"""The rendicontazione, from the database to app.rules.rendicontazione's plain rows.

Only codes are selected (codice beneficiaria, codice progetto, voce, ente): the queries never
touch DatiPersonali, so the file cannot carry a name whoever asks for it. The perimeter is
crossed on purpose (the Region reads every spesa by code); a CAV gets only her own part
through `ente_id`."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app import models as m
from app.extensions import db
from app.rules.rendicontazione import RigaProgetto, RigaSpesa, scrivi_rendicontazione
from app.rules.workflow import STATI_ETICHETTE
from app.security import come_sistema
from app.servizi.indicatori import righe_indicatori
from app.servizi.spese import programma_corrente

_TIPI_GIUST = m.TIPI_GIUSTIFICATIVO
_TIPI_QUIETANZA = m.TIPI_QUIETANZA


def query_spese(ente_id: int | None = None, dal: date | None = None, al: date | None = None):
    """The rows of the "Spese" sheet, codes only: the first 15 columns in the order of the L.I.A. 2
    sheet's first columns, then the spesa's id, supplier, quietanza, whether a file is attached and
    the spesa a rettifica gives money back on.
    The benchmark's floor (raw xlsxwriter) reads the same query, so the two always write the same
    rows."""
    ambito = aliased(m.Ambito)
    q = (select(m.Beneficiaria.codice, m.Progetto.codice, ambito.nome, m.Asse.codice, m.Priorita.codice,
                m.VoceSpesa.codice, m.Spesa.data, m.Spesa.importo, m.Ente.nome, m.Spesa.giustificativo_tipo,
                m.Spesa.giustificativo_numero, m.Spesa.giustificativo_data, m.Spesa.ammissibile, m.Spesa.motivi,
                m.Spesa.annullata_il, m.Spesa.id, m.Spesa.fornitore, m.Spesa.quietanza_tipo, m.Spesa.quietanza_data,
                m.Spesa.allegato.is_not(None), m.Spesa.rettifica_di_id)
         .select_from(m.Spesa)
         .join(m.VoceSpesa, m.Spesa.voce_id == m.VoceSpesa.id)
         .join(m.Priorita, m.VoceSpesa.priorita_id == m.Priorita.id)
         .join(m.Asse, m.Priorita.asse_id == m.Asse.id)
         .join(m.Ente, m.Spesa.ente_pagatore_id == m.Ente.id)
         .outerjoin(m.Progetto, m.Spesa.progetto_id == m.Progetto.id)
         .outerjoin(m.Beneficiaria, m.Spesa.beneficiaria_id == m.Beneficiaria.id)
         .outerjoin(ambito, m.Beneficiaria.ambito_id == ambito.id)
         .order_by(m.Spesa.data, m.Spesa.id))
    if ente_id is not None:
        q = q.where(m.Spesa.ente_pagatore_id == ente_id)
    if dal:
        q = q.where(m.Spesa.data >= dal)
    if al:
        q = q.where(m.Spesa.data <= al)
    return q


def righe_spese(ente_id: int | None = None, dal: date | None = None, al: date | None = None):
    """Yield one RigaSpesa per spesa, streamed from the cursor."""
    q = query_spese(ente_id, dal, al)
    with come_sistema():
        for r in db.session.execute(q.execution_options(yield_per=2000)):
            yield RigaSpesa(
                codice_beneficiaria=r[0], codice_progetto=r[1], ambito=r[2], asse=r[3], priorita=r[4], voce=r[5],
                data=r[6], importo=Decimal(r[7]), ente_pagatore=r[8],
                ammissibile=bool(r[12]),
                motivi=(r[13] or "").replace("\n", "; "), annullata_il=r[14].date() if r[14] else None,
                numero_spesa=r[15], fornitore=r[16] or "", giustificativo_tipo=_TIPI_GIUST.get(r[9], r[9] or ""),
                giustificativo_numero=r[10] or "", giustificativo_data=r[11],
                quietanza_tipo=_TIPI_QUIETANZA.get(r[17], r[17] or ""), quietanza_data=r[18], allegato=bool(r[19]),
                rettifica_di=r[20])


def query_speso_per_progetto(dal: date | None = None, al: date | None = None):
    """Each project's eligible spending (annulled spese left out) by asse: (progetto_id, asse, sum).
    The benchmark's floor reads it too."""
    q = (select(m.Spesa.progetto_id, m.Asse.codice, func.sum(m.Spesa.importo))
         .join(m.VoceSpesa, m.Spesa.voce_id == m.VoceSpesa.id)
         .join(m.Priorita, m.VoceSpesa.priorita_id == m.Priorita.id)
         .join(m.Asse, m.Priorita.asse_id == m.Asse.id)
         .where(m.Spesa.ammissibile.is_(True), m.Spesa.annullata.is_(False), m.Spesa.progetto_id.is_not(None))
         .group_by(m.Spesa.progetto_id, m.Asse.codice))
    if dal:
        q = q.where(m.Spesa.data >= dal)
    if al:
        q = q.where(m.Spesa.data <= al)
    return q


def query_progetti(ente_id: int | None = None):
    """The projects of the "Progetti" sheet by codice: id, codice, ambito, area, inizio, fine, stato.
    The benchmark's floor reads it too."""
    q = (select(m.Progetto.id, m.Progetto.codice, m.Ambito.nome, m.Progetto.area, m.Progetto.data_inizio,
                m.Progetto.data_fine, m.Progetto.stato)
         .join(m.Beneficiaria, m.Progetto.beneficiaria_id == m.Beneficiaria.id)
         .join(m.Ambito, m.Beneficiaria.ambito_id == m.Ambito.id)
         .order_by(m.Progetto.codice))
    if ente_id is not None:
        q = q.where(m.Beneficiaria.ente_id == ente_id)
    return q


def righe_progetti(ente_id: int | None = None, dal: date | None = None, al: date | None = None):
    programma = programma_corrente()
    speso = defaultdict(lambda: defaultdict(Decimal))
    with come_sistema():
        for pid, asse, totale in db.session.execute(query_speso_per_progetto(dal, al)):
            speso[pid][asse] = Decimal(totale or 0)
        righe = db.session.execute(query_progetti(ente_id)).all()
    for pid, codice, ambito, area, inizio, fine, stato in righe:
        per_asse = dict(speso.get(pid, {}))
        residui = {mx.codice: mx.importo - sum((per_asse.get(a, Decimal("0")) for a in mx.assi), Decimal("0"))
                   for mx in programma.massimali}
        yield RigaProgetto(codice=codice, ambito=ambito, area=m.AREE.get(area, area),
                           data_inizio=inizio, data_fine=fine,
                           stato=STATI_ETICHETTE.get(stato, stato), speso_per_asse=per_asse, residui=residui)


def esporta(destinazione, ente: m.Ente | None = None, dal: date | None = None, al: date | None = None) -> dict:
    """Write the workbook; `ente` limits it to that ente's own part (a CAV's download)."""
    from app import audit

    ente_id = ente.id if ente is not None else None
    totali = scrivi_rendicontazione(
        destinazione, programma_corrente(),
        spese=righe_spese(ente_id, dal, al), progetti=righe_progetti(ente_id, dal, al),
        indicatori=righe_indicatori(), estratto_il=datetime.now(), periodo=(dal, al),
        filtro_ente=ente.nome if ente is not None else None)
    audit.registra("esportazione", tipo_record="Rendicontazione", dettaglio={
        "ambito": "ente" if ente is not None else "rete", "ente_id": ente_id, "dal": dal, "al": al,
        "righe_spese": totali["righe_spese"]})
    return totali
