"""REST API of the spese: the payer is the caller's ente and the verdict is computed."""
from __future__ import annotations

from flask import g
from marshmallow.validate import Length

from app import models as m
from app.api import LiaModelRestApi
from app.api.allegati import ConAllegatoApi
from app.api.percorso import _NOTE, _PERIMETRO
from app.extensions import db
from app.servizi.interfaccia import InterfacciaLia

class SpesaApi(ConAllegatoApi, LiaModelRestApi):
    resource_name = "spesa"
    class_permission_name = "Spesa"
    datamodel = InterfacciaLia(m.Spesa)
    _campi = ["progetto", "voce", "importo", "data", "fornitore", "giustificativo_tipo", "giustificativo_numero",
              "giustificativo_data", "coperta_da_altra_misura", "note"]
    list_columns = show_columns = ["id", "progetto.id", "progetto.codice", "beneficiaria.codice", "voce.codice",
                                   "importo", "data", "ente_pagatore.id", "ente_pagatore.nome", "fornitore",
                                   "giustificativo_tipo", "giustificativo_numero", "giustificativo_data",
                                   "coperta_da_altra_misura", "note", "ammissibile", "motivi", "avvisi",
                                   "non_ammissibile_su_richiesta"]
    # The payer is the caller's ente and the verdict is computed: neither is taken from the request.
    add_columns = edit_columns = _campi
    search_columns = ["progetto", "voce", "data", "ammissibile", "giustificativo_numero"]
    order_columns = ["data", "importo", "id"]
    add_query_rel_fields = edit_query_rel_fields = {"progetto": _PERIMETRO}
    validators_columns = {"fornitore": Length(max=200), "note": _NOTE,
                          "giustificativo_numero": Length(max=50, error="Al massimo 50 caratteri.")}

    @staticmethod
    def conflitto(exc):
        from app.servizi.spese import rifiuto_da_conflitto

        return rifiuto_da_conflitto(exc)

    def normalizza_json(self, dati):
        # Per request (flask.g), never on this instance: the API object serves every request at once.
        forza = dati.pop("registra_non_ammissibile", None)
        if forza is not None and not isinstance(forza, bool):
            return dati, {"registra_non_ammissibile": ["Indicare true o false."]}
        g.lia_registra_non_ammissibile = forza
        if "importo" in dati:
            from app.rules.eligibility import valida_importo

            if isinstance(dati["importo"], bool) or not isinstance(dati["importo"], (str, int, float)):
                return dati, {"importo": ["Importo non valido."]}
            importo, motivi = valida_importo(dati["importo"])
            if motivi:
                return dati, {"importo": motivi}
            dati["importo"] = str(importo)
        return dati, {}

    def pre_add(self, item):
        from app.servizi.spese import prepara_spesa

        prepara_spesa(item, g.user, registra_non_ammissibile=bool(g.get("lia_registra_non_ammissibile")))

    def pre_update(self, item):
        from app.servizi.spese import prepara_spesa, verifica_modifica

        verifica_modifica(g.user, item)
        forza = g.get("lia_registra_non_ammissibile")
        # Left out of a PUT, a spesa recorded as "non ammissibile" on purpose stays so.
        prepara_spesa(item, g.user, registra_non_ammissibile=item.non_ammissibile_su_richiesta if forza is None
                      else forza)

    def pre_delete(self, item):
        from app.servizi.spese import verifica_eliminazione

        verifica_eliminazione(g.user, item)

    def post_update(self, item):
        from app.servizi.spese import ricalcola_progetto

        if item.progetto_id:
            ricalcola_progetto(item.progetto_id)
            db.session.commit()

    post_delete = post_update
