"""Annulling a spesa: money is never deleted. An annulled spesa stays, with who, when and why,
and is left out of every total and ceiling (its `ammissibile` is false for good)."""
from __future__ import annotations

ESITO_ANNULLATA = "Annullata"
MOTIVO_MIN, MOTIVO_MAX = 5, 1000

MSG_GIA_ANNULLATA = "La spesa è già annullata."
MSG_NON_MODIFICABILE = "Una spesa annullata non si modifica: resta com'era, con il motivo dell'annullamento."


def motivi_rifiuto_annullamento(gia_annullata: bool, motivo: str) -> dict[str, list[str]]:
    """Reasons by form field ("motivo", or "_schema" for the record itself); empty: it may go ahead."""
    if gia_annullata:
        return {"_schema": [MSG_GIA_ANNULLATA]}
    testo = (motivo or "").strip()
    if len(testo) < MOTIVO_MIN:
        return {"motivo": ["Indicare il motivo dell'annullamento (almeno 5 caratteri)."]}
    if len(testo) > MOTIVO_MAX:
        return {"motivo": [f"Il motivo può avere al massimo {MOTIVO_MAX} caratteri."]}
    return {}


def motivi_rifiuto_modifica(annullata: bool) -> list[str]:
    return [MSG_NON_MODIFICABILE] if annullata else []
