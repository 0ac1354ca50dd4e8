"""Rettifiche: money given back on an earlier spesa (a refund, a credit note, an amount reported
too high), recorded as a new spesa with a negative amount on the same project, voce and payer,
dated when the money came back. It is how a spesa of a closed rendicontazione period is
corrected: that spesa stays as it was sent, the rettifica falls in a period still open. Its
eligibility is app.rules.eligibility's (REGOLE_RETTIFICA); here, what its form asks. Plain data."""
from __future__ import annotations

from datetime import date

MOTIVO_MIN, MOTIVO_MAX = 5, 1000

MSG_NON_MODIFICABILE = "Una rettifica non si modifica: annullarla e registrarne un'altra."
MSG_ANNULLATA = "La spesa è annullata: non c'è nulla da rettificare."
MSG_DI_RETTIFICA = "Una rettifica non si rettifica: annullarla e registrarne un'altra."


def motivi_rifiuto_rettifica(annullata: bool, e_rettifica: bool, data: date | None,
                             motivo: str | None) -> dict[str, list[str]]:
    """Reasons by form field ("_schema" for the spesa itself); empty: it is judged by the rules."""
    if annullata:
        return {"_schema": [MSG_ANNULLATA]}
    if e_rettifica:
        return {"_schema": [MSG_DI_RETTIFICA]}
    motivi: dict[str, list[str]] = {}
    if data is None:
        motivi["data"] = ["Indicare la data in cui la somma è stata restituita (gg/mm/aaaa)."]
    testo = (motivo or "").strip()
    if len(testo) < MOTIVO_MIN:
        motivi["note"] = ["Indicare il motivo della rettifica (almeno 5 caratteri)."]
    elif len(testo) > MOTIVO_MAX:
        motivi["note"] = [f"Il motivo può avere al massimo {MOTIVO_MAX} caratteri."]
    return motivi
