"""`POST /api/v1/datipersonali/cerca {"testo": ...}`: the search by name of app.views.ricerca,
as JSON (issue 11, §2). The terms come only in the body and never leave it."""
from __future__ import annotations

from flask import g

from app import servizi
from app.security import puo_cercare_per_nome
from app.servizi import ricerca


def cerca(api, corpo: dict):
    if not puo_cercare_per_nome(g.user):
        return api.response_403()
    if "codice_fiscale" in corpo:
        return api.response_422(message={"testo": ["Inviare «testo» oppure «codice_fiscale», non entrambi."]})
    try:
        esito = ricerca.cerca(corpo["testo"], g.user)
    except servizi.NonConsentito:
        return api.response_403()
    except servizi.Rifiuto as exc:
        return api.response_422(message={"testo": exc.motivi})
    return api.response(200, count=len(esito.trovate), troncato=esito.troncato, result=[
        {"beneficiaria_id": t.beneficiaria_id, "codice": t.codice, "cognome": t.cognome, "nome": t.nome,
         "ambito": t.ambito} for t in esito.trovate])
