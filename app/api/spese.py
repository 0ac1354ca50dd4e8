"""REST API of the spese: the payer is the caller's ente and the verdict is computed."""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from marshmallow.validate import Length

from app import models as m
from app.api import LiaModelRestApi
from app.api.allegati import ConAllegatoApi
from app.api.percorso import _NOTE, _PERIMETRO
from app import servizi
from app.extensions import db
from app.security import PERMESSI_API
from app.servizi import annullamento, eliminazione
from app.servizi.interfaccia import InterfacciaLia

class SpesaApi(ConAllegatoApi, LiaModelRestApi):
    resource_name = "spesa"
    class_permission_name = "Spesa"
    method_permission_name = dict(PERMESSI_API, annulla="write", rettifica="write")
    datamodel = InterfacciaLia(m.Spesa)
    _campi = ["progetto", "voce", "importo", "data", "fornitore", "giustificativo_tipo", "giustificativo_numero",
              "giustificativo_data", "quietanza_tipo", "quietanza_data", "coperta_da_altra_misura", "note"]
    list_columns = show_columns = ["id", "progetto.id", "progetto.codice", "beneficiaria.codice", "voce.codice",
                                   "importo", "data", "ente_pagatore.id", "ente_pagatore.nome", "fornitore",
                                   "giustificativo_tipo", "giustificativo_numero", "giustificativo_data",
                                   "quietanza_tipo", "quietanza_data", "coperta_da_altra_misura", "note", "ammissibile", "motivi", "avvisi",
                                   "non_ammissibile_su_richiesta", "annullata", "annullata_il", "annullata_da.id",
                                   "motivo_annullamento", "rettifica_di.id"]
    # The payer is the caller's ente and the verdict is computed: neither is taken from the request.
    add_columns = edit_columns = _campi
    search_columns = ["progetto", "voce", "data", "ammissibile", "annullata", "giustificativo_numero"]
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
        annullamento.verifica_modifica_spesa(item)
        forza = g.get("lia_registra_non_ammissibile")
        # Left out of a PUT, a spesa recorded as "non ammissibile" on purpose stays so.
        prepara_spesa(item, g.user, registra_non_ammissibile=item.non_ammissibile_su_richiesta if forza is None
                      else forza)

    def pre_delete(self, item):
        from app.servizi.spese import verifica_eliminazione

        verifica_eliminazione(g.user, item)
        eliminazione.verifica_eliminazione_spesa(item, g.user)

    def verifica_allegato(self, item):
        from app.servizi import periodi

        # The giustificativo of a spesa sent to the Region stays the one it was sent with.
        periodi.verifica_spesa_in_periodo_aperto(item)

    @expose("/<int:pk>/annulla", methods=["POST"])
    @protect()
    @safe
    @permission_name("annulla")
    def annulla(self, pk):
        """Annul a spesa instead of deleting it: it stays, with the reason, out of every total and ceiling.
        Only a user of the ente that pays it; not undone.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [motivo]
                  properties:
                    motivo: {type: string, minLength: 5, maxLength: 1000}
          responses:
            200: {description: the annulled spesa's id and state}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        spesa = self.datamodel.get(pk, self._base_filters)
        if spesa is None:
            return self.response_404()
        dati = request.get_json(silent=True)
        if not isinstance(dati, dict) or not isinstance(dati.get("motivo"), str):
            return self.response_400(message="Inviare un oggetto JSON con «motivo» (testo).")
        try:
            with servizi.transazione():
                annullamento.annulla_spesa(spesa, g.user, dati["motivo"])
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        return self.response(200, result={"id": spesa.id, "annullata": True, "esito": spesa.esito})

    @expose("/<int:pk>/rettifica", methods=["POST"])
    @protect()
    @safe
    @permission_name("rettifica")
    def rettifica(self, pk):
        """Record money given back on a spesa (a refund, a credit note): a new spesa with a negative
        amount on the same project, voce and payer, judged by the rules. How a spesa of a closed
        rendicontazione period is corrected. Only a user of the ente that paid it.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [importo, data, note]
                  properties:
                    importo: {type: string, description: "the sum given back, positive (it is stored negative)"}
                    data: {type: string, format: date, description: "when it came back"}
                    note: {type: string, minLength: 5, maxLength: 1000, description: "the reason"}
                    giustificativo_tipo: {type: string}
                    giustificativo_numero: {type: string, maxLength: 50}
                    giustificativo_data: {type: string, format: date}
                    quietanza_tipo: {type: string}
                    quietanza_data: {type: string, format: date}
          responses:
            201: {description: "the rettifica: id, importo, ammissibile, motivi"}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        from datetime import date

        from app.servizi import rettifiche

        spesa = self.datamodel.get(pk, self._base_filters)
        if spesa is None:
            return self.response_404()
        dati = request.get_json(silent=True)
        if not isinstance(dati, dict):
            return self.response_400(message="Inviare un oggetto JSON con «importo», «data» e «note».")
        testi = ("importo", "note", "giustificativo_tipo", "giustificativo_numero", "quietanza_tipo")
        errori = {k: ["Indicare un testo."] for k in testi if dati.get(k) is not None and not isinstance(dati[k], str)}
        scelte = {"giustificativo_tipo": m.TIPI_GIUSTIFICATIVO, "quietanza_tipo": m.TIPI_QUIETANZA}
        errori |= {k: [f"Valori ammessi: {', '.join(v)}."] for k, v in scelte.items()
                   if isinstance(dati.get(k), str) and dati[k] and dati[k] not in v}
        if len(dati.get("giustificativo_numero") or "") > 50:
            errori["giustificativo_numero"] = ["Al massimo 50 caratteri."]
        date_ = {}
        for k in ("data", "giustificativo_data", "quietanza_data"):
            try:
                date_[k] = date.fromisoformat(dati[k]) if dati.get(k) else None
            except (TypeError, ValueError):
                errori[k] = ["Data non valida: aaaa-mm-gg."]
        if errori:
            return self.response_400(message=errori)
        try:
            with servizi.transazione():
                nuova = rettifiche.registra_rettifica(
                    spesa, g.user, importo=dati.get("importo"), note=dati.get("note") or "",
                    giustificativo_tipo=dati.get("giustificativo_tipo"),
                    giustificativo_numero=dati.get("giustificativo_numero"),
                    quietanza_tipo=dati.get("quietanza_tipo"), **date_)
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        return self.response(201, id=nuova.id, result={
            "id": nuova.id, "rettifica_di": spesa.id, "importo": str(nuova.importo), "data": nuova.data.isoformat(),
            "ammissibile": nuova.ammissibile, "motivi": [x for x in nuova.motivi.splitlines() if x]})

    def post_update(self, item):
        from app.servizi.spese import ricalcola_progetto

        if item.progetto_id:
            ricalcola_progetto(item.progetto_id)
            db.session.commit()

    post_delete = post_update
