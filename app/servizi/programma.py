"""The programme file loaded into the catalogue tables (see the contract in app/servizi)."""
from __future__ import annotations

from sqlalchemy import select

from app import models as m
from app.extensions import db
from app.rules.programma import Programma


def sincronizza_programma(programma: Programma) -> m.Programma:
    """Load the programme file into the catalogue tables (idempotent: update in place)."""
    s = db.session
    riga = s.execute(select(m.Programma).where(m.Programma.codice == programma.codice)).scalar_one_or_none()
    if riga is None:
        riga = m.Programma(codice=programma.codice)
        s.add(riga)
    riga.nome, riga.decreto = programma.nome, programma.decreto
    riga.data_inizio, riga.data_fine = programma.data_inizio, programma.data_fine
    s.flush()

    def _riga(modello, codice):
        r = s.execute(select(modello).where(modello.programma_id == riga.id, modello.codice == codice)).scalar_one_or_none()
        if r is None:
            r = modello(programma_id=riga.id, codice=codice)
            s.add(r)
        return r

    assi = {}
    for a in programma.assi:
        r = _riga(m.Asse, a.codice)
        r.nome, r.attivato, r.gestore = a.nome, a.attivato, a.gestore
        assi[a.codice] = r
    s.flush()
    priorita = {}
    for p in programma.priorita:
        r = _riga(m.Priorita, p.codice)
        r.nome, r.attivata, r.dedotta, r.asse_id = p.nome, p.attivata, p.dedotta, assi[p.asse].id
        priorita[p.codice] = r
    s.flush()
    for v in programma.voci:
        r = _riga(m.VoceSpesa, v.codice)
        r.descrizione, r.priorita_id = v.descrizione, priorita[v.priorita].id
        r.costo_ammesso, r.solo_soluzioni_intermedie = v.costo_ammesso, v.solo_soluzioni_intermedie
    for x in programma.massimali:
        r = _riga(m.Massimale, x.codice)
        r.descrizione, r.importo, r.assi = x.descrizione, x.importo, ",".join(x.assi)
    for i in programma.indicatori:
        r = _riga(m.Indicatore, i.codice)
        r.descrizione, r.target = i.descrizione, i.target
    s.flush()
    return riga
