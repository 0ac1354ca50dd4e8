"""Annulling a spesa instead of deleting it (see the contract in app/servizi; the decisions are
app.rules.annullamento's, the "who" app.security's)."""
from __future__ import annotations

from app import models as m
from app.concorrenza import blocca_progetto
from app.extensions import db
from app.models import _ora
from app.rules import annullamento as regole
from app.security import puo_annullare_spesa
from app.servizi import NonConsentito, Rifiuto, periodi

MSG_SOLO_PAGATORE = "Solo l'ente che paga la spesa può annullarla."


def annulla_spesa(spesa: m.Spesa, utente, motivo: str) -> None:
    """Mark it annulled (kept, never again admitted), audit it and recompute its project, whose
    ceilings it no longer takes. The caller commits (servizi.transazione)."""
    from app import audit
    from app.servizi.spese import ricalcola_progetto

    if not puo_annullare_spesa(utente, spesa):
        raise NonConsentito(MSG_SOLO_PAGATORE)
    # Serialised with the judgements of the same project (app.concorrenza).
    blocca_progetto(db.session, spesa.progetto_id)
    db.session.refresh(spesa)
    periodi.verifica_spesa_in_periodo_aperto(spesa)  # what was sent to the Region stays as sent
    per_campo = regole.motivi_rifiuto_annullamento(bool(spesa.annullata), motivo)
    if per_campo:
        raise Rifiuto([x for motivi in per_campo.values() for x in motivi], per_campo=per_campo)
    spesa.annullata = True
    spesa.ammissibile = False
    spesa.annullata_il = _ora()
    spesa.annullata_da_id = utente.id
    spesa.motivo_annullamento = motivo.strip()
    db.session.flush()
    # The reason is free text: it stays on the record, never in the audit trail.
    audit.registra("annullamento", tipo_record="Spesa", record_id=spesa.id, codici=[audit.codice_di(spesa)],
                   utente=utente)
    if spesa.progetto_id:
        ricalcola_progetto(spesa.progetto_id)


def motivi_prima_del_modulo(spesa: m.Spesa, utente) -> list[str]:
    """Why the reason's form would be refused whatever is typed (not the payer, already annulled)."""
    if not puo_annullare_spesa(utente, spesa):
        return [MSG_SOLO_PAGATORE]
    return regole.motivi_rifiuto_annullamento(bool(spesa.annullata), "motivo valido").get("_schema", [])


def verifica_modifica_spesa(spesa: m.Spesa) -> None:
    motivi = regole.motivi_rifiuto_modifica(bool(spesa.annullata))
    if motivi:
        raise Rifiuto(motivi)
