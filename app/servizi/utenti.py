"""Users' roles, ente and activation under the two-person rule.

The Amministratore's save of a change that would let a user see a CAV's women (a role such
as Operatrice CAV, or a move into a CAV) becomes a RichiestaAbilitazione; the user keeps what
she had until a Responsabile of that CAV confirms it (app.security decides who may). Nobody
changes her own roles, ente or activation. Called by the user screens, the API and the CLI.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from sqlalchemy import select

from app import audit
from app import models as m
from app.extensions import db
from app.models import _ora
from app.security import (
    cav_che_conferma, gestisce_utenti, motivi_abilitazione_non_valida, puo_cambiare_abilitazioni,
    puo_decidere_abilitazione,
)
from app.servizi import Rifiuto


@dataclass(frozen=True)
class Abilitazioni:
    """What decides what a user may see: her roles, her ente, whether she is active."""

    ruoli: frozenset[str]
    ente_id: int | None
    attivo: bool


def abilitazioni_salvate(utente_id: int) -> Abilitazioni:
    """As stored in the database: read before a form writes on the user."""
    t = m.Utente.__table__
    with db.session.no_autoflush:
        ente_id, attivo = db.session.execute(select(t.c.ente_id, t.c.active).where(t.c.id == utente_id)).one()
        ruoli = db.session.execute(
            select(Role.name).join(assoc_user_role, assoc_user_role.c.role_id == Role.id)
            .where(assoc_user_role.c.user_id == utente_id)).scalars().all()
    return Abilitazioni(frozenset(ruoli), ente_id, bool(attivo))


def _abilitazioni_di(utente) -> Abilitazioni:
    ente_id = utente.ente.id if utente.ente is not None else utente.ente_id
    return Abilitazioni(frozenset(r.name for r in utente.roles), ente_id, bool(utente.active))


def annulla_in_attesa(utente_id: int | None) -> None:
    """A new change of a user's roles or ente replaces her pending request."""
    if utente_id is None:
        return
    for r in db.session.execute(select(m.RichiestaAbilitazione).where(
            m.RichiestaAbilitazione.utente_id == utente_id,
            m.RichiestaAbilitazione.stato == "in_attesa")).scalars():
        r.stato = "annullata"
        r.decisa_il = _ora()


def registra_modifica(utente, prima: Abilitazioni | None, attore) -> m.RichiestaAbilitazione | None:
    """Before the user screen saves `utente` (new when `prima` is None): refuse a change of her
    own abilitazioni; turn a change that needs a second person into a pending request, putting
    back what she had; record a change applied at once that touches a CAV. Returns the request
    (pending or applied), or None. The caller commits."""
    with db.session.no_autoflush:  # nothing of the half-edited user reaches the database early
        return _registra_modifica(utente, prima, attore)


def _registra_modifica(utente, prima, attore):
    dopo = _abilitazioni_di(utente)
    if prima is None and utente.id is not None:
        raise ValueError("abilitazioni precedenti non lette")
    if prima is not None and dopo != prima and not puo_cambiare_abilitazioni(attore, utente.id):
        raise Rifiuto("Nessuno può cambiare i propri ruoli, il proprio ente o la propria attivazione: "
                      "lo fa un'altra persona con il ruolo Amministratore.")
    if prima is None and not gestisce_utenti(attore):
        raise Rifiuto("Solo l'Amministratore crea utenti.")
    prima = prima or Abilitazioni(frozenset(), None, False)
    if (dopo.ruoli, dopo.ente_id) == (prima.ruoli, prima.ente_id):
        return None
    ente_prima = db.session.get(m.Ente, prima.ente_id) if prima.ente_id else None
    ente_dopo = db.session.get(m.Ente, dopo.ente_id) if dopo.ente_id else None
    cav = cav_che_conferma(prima.ruoli, ente_prima, dopo.ruoli, ente_dopo)
    toccato = cav or next((e for e in (ente_dopo, ente_prima) if e is not None and e.is_cav), None)
    annulla_in_attesa(utente.id)
    if toccato is None:
        return None
    richiesta = m.RichiestaAbilitazione(
        utente=utente, username=utente.username, cav=toccato, ente_precedente=ente_prima, ente_richiesto=ente_dopo,
        ruoli_precedenti=",".join(sorted(prima.ruoli)), ruoli_richiesti=",".join(sorted(dopo.ruoli)),
        richiesta_da_id=attore.id, stato="in_attesa" if cav is not None else "applicata")
    db.session.add(richiesta)
    azione = "cambio_ruoli" if dopo.ruoli != prima.ruoli else "cambio_ente"
    audit.registra(azione, tipo_record="Utente", record_id=utente.id,
                   dettaglio={"utente": utente.username, "cav": toccato.nome, "stato": richiesta.stato})
    if cav is not None:
        # Until confirmed, she keeps what she had (a new user: nothing, so she cannot log in).
        utente.roles = _ruoli(prima.ruoli)
        utente.ente = ente_prima
    return richiesta


def _ruoli(nomi) -> list:
    sm = current_app.appbuilder.sm
    ruoli = [sm.find_role(n) for n in sorted(nomi)]
    if any(r is None for r in ruoli):
        raise Rifiuto("Uno dei ruoli richiesti non esiste più.")
    return ruoli


MSG_ANNULLATA = ("L'utente è stato eliminato o ha cambiato nome utente: la richiesta è annullata "
                 "(l'Amministratore può ripeterla).")


def decidi(richiesta: m.RichiestaAbilitazione, attore, conferma: bool, nota: str = "") -> None:
    """A Responsabile of the CAV confirms (the change applies now) or refuses it. A request whose
    user is gone or renamed is annulled instead (its state says so: MSG_ANNULLATA)."""
    if richiesta.stato != "in_attesa":
        raise Rifiuto("Questa richiesta è già stata decisa o annullata.")
    if not puo_decidere_abilitazione(attore, richiesta):
        raise Rifiuto(f"Decide una Responsabile del {richiesta.cav.nome} che non abbia chiesto lei la modifica "
                      "e non ne sia l'interessata.")
    utente = richiesta.utente
    if utente is None or utente.username != richiesta.username:
        richiesta.stato, richiesta.decisa_il = "annullata", _ora()
        return
    if conferma:
        motivi = motivi_abilitazione_non_valida(richiesta.nomi_ruoli_richiesti, richiesta.ente_richiesto)
        if motivi:
            raise Rifiuto(motivi)
        utente.roles = _ruoli(richiesta.nomi_ruoli_richiesti)
        utente.ente = richiesta.ente_richiesto
    richiesta.stato = "confermata" if conferma else "rifiutata"
    richiesta.nota = (nota or "").strip()[:500]
    richiesta.decisa_da_id, richiesta.decisa_il = attore.id, _ora()
    audit.registra("conferma_cambio", tipo_record="Utente", record_id=utente.id,
                   dettaglio={"utente": utente.username, "esito": richiesta.stato})
