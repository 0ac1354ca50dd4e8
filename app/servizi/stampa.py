"""What a printed project and a printed summary of a woman carry (issue 11 §14).

Read only, inside the session's perimeter: a record the user may not see is None (the view
answers 404); her name is there only when her DatiPersonali are visible, that is for her CAV.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app import models as m
from app.extensions import db
from app.rules.workflow import ESITI_VALUTAZIONE, STATI_ETICHETTE
from app.servizi.spese import spese_del_progetto


def nome_utente(utente) -> str:
    return f"{utente.first_name} {utente.last_name}".strip() if utente else "—"


def _totali(spese) -> dict:
    valide = [s for s in spese if not s.annullata]
    return {"registrato": sum((s.importo for s in valide), Decimal("0")),
            "ammissibile": sum((s.importo for s in valide if s.ammissibile), Decimal("0"))}


def scheda_progetto(progetto_id: int) -> dict | None:
    progetto = db.session.get(m.Progetto, progetto_id)
    if progetto is None:
        return None
    spese = spese_del_progetto(progetto)
    interventi = db.session.execute(select(m.Intervento).where(m.Intervento.progetto_id == progetto.id)
                                    .order_by(m.Intervento.data_inizio, m.Intervento.id)).scalars().all()
    passaggi = [{"da": STATI_ETICHETTE.get(t.da_stato, t.da_stato), "a": STATI_ETICHETTE.get(t.a_stato, t.a_stato),
                 "chi": nome_utente(t.utente), "ente": t.utente.ente.nome if t.utente and t.utente.ente else "",
                 "quando": t.quando, "nota": t.nota} for t in progetto.transizioni]
    return {"progetto": progetto, "stato": STATI_ETICHETTE.get(progetto.stato, progetto.stato),
            "passaggi": passaggi, "interventi": interventi, "spese": spese, "totali": _totali(spese)}


def riepilogo_beneficiaria(beneficiaria_id: int) -> dict | None:
    donna = db.session.get(m.Beneficiaria, beneficiaria_id)
    if donna is None:
        return None
    dati = db.session.execute(select(m.DatiPersonali).where(
        m.DatiPersonali.beneficiaria_id == donna.id)).scalars().first()  # None outside her CAV
    segnalazioni = db.session.execute(select(m.Segnalazione).where(m.Segnalazione.beneficiaria_id == donna.id)
                                      .order_by(m.Segnalazione.data, m.Segnalazione.id)).scalars().all()
    progetti = db.session.execute(select(m.Progetto).where(m.Progetto.beneficiaria_id == donna.id)
                                  .order_by(m.Progetto.id)).scalars().all()
    per_progetto = [(p, STATI_ETICHETTE.get(p.stato, p.stato), _totali(spese_del_progetto(p))) for p in progetti]
    esiti = {s.id: ESITI_VALUTAZIONE.get(s.ultima_valutazione.esito, s.ultima_valutazione.esito)
             if s.ultima_valutazione else "In attesa di valutazione" for s in segnalazioni}
    return {"donna": donna, "dati": dati, "segnalazioni": segnalazioni, "esiti": esiti, "progetti": per_progetto,
            "totali": {"registrato": sum((t["registrato"] for _, _, t in per_progetto), Decimal("0")),
                       "ammissibile": sum((t["ammissibile"] for _, _, t in per_progetto), Decimal("0"))}}
