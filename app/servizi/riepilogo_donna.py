"""The header and summary of a woman's page (issue 11, §5): her code (her name for her own CAV
only), her path (segnalazioni and their outcome, projects with state and dates) and the money.

Queries run inside the user's perimeter: the identity row exists only for the holding CAV, and the
spese only for who may read them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app import models as m
from app.extensions import db
from app.rules import workflow
from app.security import vede_nome_in_scheda


@dataclass(frozen=True)
class SegnalazioneRiassunto:
    id: int
    data: date
    area: str
    esito: str  # "In attesa di valutazione" until the équipe decides
    esito_il: date | None


@dataclass
class ProgettoRiassunto:
    id: int
    codice: str
    stato: str
    date: list[tuple[str, date]]  # (what, when), in the order of the path
    speso: Decimal = Decimal("0")
    ammissibile: Decimal = Decimal("0")


@dataclass
class Riepilogo:
    codice: str
    nome: str | None
    segnalazioni: list[SegnalazioneRiassunto]
    progetti: list[ProgettoRiassunto]
    con_spese: bool
    cancellati_il: date | None = None  # her personal data erased (app.servizi.conservazione)
    motivo_cancellazione: str | None = None  # free text typed by her CAV: for her CAV only, like her name
    speso: Decimal = Decimal("0")
    ammissibile: Decimal = Decimal("0")


def nome_per(utente, beneficiaria: m.Beneficiaria) -> str | None:
    """Her name, for an operator of the CAV holding her; None for anyone else.

    The page showing it records the read once, as every page with personal data does: her page's
    «Dati personali» tab lists this same row (audit.VistaConDatiPersonali, one row per page)."""
    if not vede_nome_in_scheda(utente, beneficiaria):
        return None
    dp = db.session.execute(select(m.DatiPersonali)
                            .where(m.DatiPersonali.beneficiaria_id == beneficiaria.id)).scalar_one_or_none()
    if dp is None:  # not recorded yet, or outside the perimeter: the data layer decides too
        return None
    return f"{dp.nome} {dp.cognome}"


def _segnalazioni(beneficiaria_id: int) -> list[SegnalazioneRiassunto]:
    righe = db.session.execute(select(m.Segnalazione).where(m.Segnalazione.beneficiaria_id == beneficiaria_id)
                               .order_by(m.Segnalazione.data, m.Segnalazione.id)).scalars().all()
    out = []
    for s in righe:
        v = s.ultima_valutazione
        out.append(SegnalazioneRiassunto(
            s.id, s.data, m.AREE.get(s.area_richiesta, s.area_richiesta),
            workflow.ESITI_VALUTAZIONE.get(v.esito, v.esito) if v else "In attesa di valutazione",
            v.data if v else None))
    return out


_DATE_PROGETTO = (("Inizio previsto", "data_inizio"), ("Validato dall'équipe", "data_validazione_equipe"),
                  ("Validato dal capofila", "data_validazione_capofila"), ("Avviato", "data_avvio"),
                  ("Fine prevista", "data_fine"), ("Chiuso", "data_chiusura"))


def _progetti(beneficiaria_id: int) -> list[ProgettoRiassunto]:
    righe = db.session.execute(select(m.Progetto).where(m.Progetto.beneficiaria_id == beneficiaria_id)
                               .order_by(m.Progetto.id)).scalars().all()
    return [ProgettoRiassunto(p.id, p.codice, workflow.STATI_ETICHETTE.get(p.stato, p.stato),
                              [(etichetta, getattr(p, campo)) for etichetta, campo in _DATE_PROGETTO
                               if getattr(p, campo) is not None])
            for p in righe]


def riepilogo(beneficiaria: m.Beneficiaria, utente, con_spese: bool) -> Riepilogo:
    """Everything the header and the summary show. `con_spese`: the user may read spese (an
    annulled spesa counts for nothing; "ammissibile" is each spesa's stored verdict)."""
    progetti = _progetti(beneficiaria.id)
    r = Riepilogo(beneficiaria.codice, nome_per(utente, beneficiaria), _segnalazioni(beneficiaria.id), progetti,
                  con_spese, beneficiaria.dati_cancellati_il,
                  beneficiaria.motivo_cancellazione if vede_nome_in_scheda(utente, beneficiaria) else None)
    if con_spese and progetti:
        per_id = {p.id: p for p in progetti}
        spese = db.session.execute(select(m.Spesa.progetto_id, m.Spesa.importo, m.Spesa.ammissibile).where(
            m.Spesa.progetto_id.in_(sorted(per_id)), m.Spesa.annullata.is_(False))).all()
        for pid, importo, ammissibile in spese:
            p = per_id[pid]
            p.speso += Decimal(importo)
            if ammissibile:
                p.ammissibile += Decimal(importo)
        r.speso = sum((p.speso for p in progetti), Decimal("0"))
        r.ammissibile = sum((p.ammissibile for p in progetti), Decimal("0"))
    return r
