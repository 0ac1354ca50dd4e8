"""REST API of the two-person rule: a CAV's Responsabile lists and decides the requests of her CAV.
Read-only otherwise: requests are born from the Amministratore's user screen."""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from app import models as m
from app.api import LiaModelRestApi
from app.security import PERMESSI_API, FiltroAbilitazioni
from app.servizi import Rifiuto, transazione
from app.servizi import utenti as servizi_utenti
from app.servizi.interfaccia import InterfacciaLia


class AbilitazioneApi(LiaModelRestApi):
    resource_name = "abilitazione"
    class_permission_name = "Abilitazione"
    method_permission_name = dict(PERMESSI_API, conferma="decide", rifiuta="decide")
    include_route_methods = {"get", "get_list", "info", "conferma", "rifiuta"}
    datamodel = InterfacciaLia(m.RichiestaAbilitazione)
    base_filters = [["id", FiltroAbilitazioni, lambda: None]]
    base_order = ("richiesta_il", "desc")
    list_columns = show_columns = [
        "id", "username", "nome_cav", "nome_ente_precedente", "ruoli_precedenti",
        "nome_ente_richiesto", "ruoli_richiesti", "stato", "richiesta_da_username", "richiesta_il",
        "decisa_da_username", "decisa_il", "nota"]
    search_columns = ["stato", "username"]

    def _decidi(self, pk, conferma):
        richiesta = self.datamodel.get(pk, self._base_filters)
        if richiesta is None:
            return self.response_404()
        dati = request.get_json(silent=True) or {}
        nota = dati.get("nota", "") if isinstance(dati, dict) else ""
        if not isinstance(nota, str):
            return self.response_400(message="«nota» deve essere un testo.")
        try:
            with transazione():
                servizi_utenti.decidi(richiesta, g.user, conferma, nota)
        except Rifiuto as exc:
            return self._rifiuto(exc)
        if richiesta.stato == "annullata":
            return self._rifiuto(Rifiuto(servizi_utenti.MSG_ANNULLATA))
        return self.response(200, result={"id": richiesta.id, "stato": richiesta.stato})

    @expose("/<int:pk>/conferma", methods=["POST"])
    @protect()
    @safe
    @permission_name("conferma")
    def conferma(self, pk):
        """A Responsabile of the request's CAV confirms it: the user gets the roles and ente asked.
        ---
        post:
          responses:
            200: {description: the request's new state}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        return self._decidi(pk, True)

    @expose("/<int:pk>/rifiuta", methods=["POST"])
    @protect()
    @safe
    @permission_name("rifiuta")
    def rifiuta(self, pk):
        """A Responsabile of the request's CAV refuses it (optional JSON body {"nota": "..."}).
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    nota: {type: string}
          responses:
            200: {description: the request's new state}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        return self._decidi(pk, False)


def registra(appbuilder):
    appbuilder.add_api(AbilitazioneApi)
