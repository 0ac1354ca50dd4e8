"""Rettifiche (see the contract in app/servizi; what they are in app.rules.rettifiche, their
eligibility in app.rules.eligibility, the "who" in app.security)."""
from __future__ import annotations

from decimal import Decimal

from app import models as m
from app.extensions import db
from app.rules import rettifiche as regole
from app.rules.eligibility import valida_importo
from app.security import puo_rettificare_spesa
from app.servizi import NonConsentito, Rifiuto

MSG_SOLO_PAGATORE = "Solo l'ente che ha pagato la spesa può registrarne una rettifica."


def motivi_prima_del_modulo(spesa: m.Spesa, utente) -> list[str]:
    """Why the form would be refused whatever is typed (not the payer, annulled, a rettifica)."""
    if not puo_rettificare_spesa(utente, spesa):
        return [MSG_SOLO_PAGATORE]
    return regole.motivi_rifiuto_rettifica(bool(spesa.annullata), spesa.rettifica_di_id is not None,
                                           spesa.data, "motivo valido").get("_schema", [])


def registra_rettifica(spesa: m.Spesa, utente, *, importo, data, note: str, giustificativo_tipo=None,
                       giustificativo_numero=None, giustificativo_data=None, quietanza_tipo=None,
                       quietanza_data=None) -> m.Spesa:
    """A new spesa giving back `importo` (a positive amount, as typed) of `spesa`: on its project,
    voce and payer, judged by the rules like any spesa (never more than it still charges, never
    before it, never of an ineligible or annulled one). The caller commits."""
    from app.servizi.date_plausibili import verifica_oggetto
    from app.servizi.spese import prepara_spesa

    if not puo_rettificare_spesa(utente, spesa):
        raise NonConsentito(MSG_SOLO_PAGATORE)
    per_campo = regole.motivi_rifiuto_rettifica(bool(spesa.annullata), spesa.rettifica_di_id is not None, data, note)
    restituito, motivi_importo = valida_importo(importo)
    if motivi_importo:
        per_campo["importo"] = motivi_importo
    elif restituito == 0:
        per_campo["importo"] = ["Indicare la somma restituita (maggiore di zero)."]
    if per_campo:
        raise Rifiuto([x for motivi in per_campo.values() for x in motivi], per_campo=per_campo)
    r = m.Spesa(progetto=spesa.progetto, voce=spesa.voce, importo=-Decimal(restituito), data=data,
                fornitore=spesa.fornitore, giustificativo_tipo=giustificativo_tipo or None,
                giustificativo_numero=giustificativo_numero or None, giustificativo_data=giustificativo_data,
                quietanza_tipo=quietanza_tipo or None, quietanza_data=quietanza_data,
                coperta_da_altra_misura=bool(spesa.coperta_da_altra_misura), note=note.strip(), rettifica_di=spesa)
    verifica_oggetto(r)
    prepara_spesa(r, utente)  # the payer is the user's ente, which is the spesa's (puo_rettificare_spesa)
    db.session.add(r)
    db.session.flush()
    return r
