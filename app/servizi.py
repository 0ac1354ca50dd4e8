"""Operations on the data layer shared by the screens, the REST API and the CLI.

Views and APIs stay thin and call these; the decisions themselves live in app.rules.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app import models as m
from app.crypto import indice_cieco
from app.extensions import db
from app.rules.codice_fiscale import normalizza_cf
from app.rules.programma import Programma
from app.security import come_sistema


class Rifiuto(ValueError):
    """A request refused for domain reasons, each an Italian sentence."""

    def __init__(self, motivi):
        motivi = [motivi] if isinstance(motivi, str) else list(motivi)
        super().__init__(" ".join(motivi))
        self.motivi = motivi


def prossimo_codice(ambito: m.Ambito, anno: int) -> tuple[int, str]:
    # Counting crosses the perimeter (another CAV's women share the sequence); only a number leaves.
    with come_sistema():
        ultimo = db.session.execute(
            select(func.max(m.Beneficiaria.progressivo)).where(
                m.Beneficiaria.ambito_id == ambito.id, m.Beneficiaria.anno == anno
            )
        ).scalar()
    progressivo = (ultimo or 0) + 1
    return progressivo, f"{ambito.codice}-{anno}-{progressivo:04d}"


def prepara_nuova_beneficiaria(item: m.Beneficiaria, utente) -> None:
    """Holder = the operator's CAV; code = ambito, year, sequence (never from personal data)."""
    ente = getattr(utente, "ente", None)
    if ente is None or not ente.is_cav:
        raise Rifiuto("Solo un'operatrice di un centro antiviolenza può registrare una beneficiaria.")
    item.ente_id = ente.id
    item.ente = ente
    if item.ambito is None and item.ambito_id is not None:
        item.ambito = db.session.get(m.Ambito, item.ambito_id)
    if item.ambito is None:
        if ente.ambito is None:
            raise Rifiuto("Indicare l'ambito territoriale della beneficiaria.")
        item.ambito = ente.ambito
    item.data_presa_in_carico = item.data_presa_in_carico or date.today()
    item.anno = item.data_presa_in_carico.year
    item.progressivo, item.codice = prossimo_codice(item.ambito, item.anno)


def cerca_per_codice_fiscale(codice_fiscale: str) -> m.DatiPersonali | None:
    """Exact match through the blind index; the perimeter limits it to the holding CAV."""
    cf = normalizza_cf(codice_fiscale or "")
    if not cf:
        return None
    return db.session.execute(
        select(m.DatiPersonali).where(m.DatiPersonali.cf_indice == indice_cieco(cf))
    ).scalars().first()


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
