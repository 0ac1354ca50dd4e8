"""REST API of the rendicontazione periods (issue 13, §2): the same service as the screen."""
from __future__ import annotations

from flask import Response, g
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from marshmallow.validate import Length

from app import models as m
from app import servizi
from app.api import LiaModelRestApi
from app.security import PERMESSI_API
from app.servizi import periodi
from app.servizi.interfaccia import InterfacciaLia


class PeriodoRendicontazioneApi(LiaModelRestApi):
    resource_name = "periodorendicontazione"
    class_permission_name = "PeriodoRendicontazione"
    method_permission_name = dict(PERMESSI_API, chiudi="write", rendiconto="read")
    datamodel = InterfacciaLia(m.PeriodoRendicontazione)
    list_columns = show_columns = ["id", "dal", "al", "descrizione", "chiuso_il", "chiuso_da.id",
                                   "chiuso_da.username", "righe_spese", "dimensione", "sha256"]
    add_columns = edit_columns = ["dal", "al", "descrizione"]
    search_columns = ["dal", "al", "chiuso_il"]
    order_columns = ["dal", "al", "id"]
    validators_columns = {"descrizione": Length(max=200, error="Al massimo 200 caratteri.")}

    def pre_add(self, item):
        periodi.prepara_periodo(item, g.user)

    pre_update = pre_add

    def pre_delete(self, item):
        periodi.verifica_eliminazione_periodo(item, g.user)

    @expose("/<int:pk>/chiudi", methods=["POST"])
    @protect()
    @safe
    @permission_name("chiudi")
    def chiudi(self, pk):
        """Close the period: the network's workbook of its dates is written and kept as sent; spese
        dated inside it are no longer added, changed, annulled or deleted. Capofila only; not undone.
        ---
        post:
          responses:
            200: {description: "the period closed: chiuso_il, righe_spese, dimensione, sha256 of the stored workbook"}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        periodo = self.datamodel.get(pk, self._base_filters)
        if periodo is None:
            return self.response_404()
        try:
            with servizi.transazione():
                periodi.chiudi(periodo, g.user)
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        return self.response(200, result={
            "id": periodo.id, "chiuso_il": periodo.chiuso_il.isoformat(), "righe_spese": periodo.righe_spese,
            "dimensione": periodo.dimensione, "sha256": periodo.sha256})

    @expose("/<int:pk>/rendiconto", methods=["GET"])
    @protect()
    @safe
    @permission_name("rendiconto")
    def rendiconto(self, pk):
        """The workbook of a closed period, byte for byte as it was stored when the period closed.
        ---
        get:
          responses:
            200:
              description: the xlsx (its SHA-256 is the period's `sha256`)
              content:
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        periodo = self.datamodel.get(pk, self._base_filters)
        if periodo is None:
            return self.response_404()
        try:
            contenuto = periodi.rendiconto_inviato(periodo, g.user)
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        return Response(contenuto, mimetype=periodi.XLSX, headers={
            "Content-Disposition": f'attachment; filename="{periodi.nome_file(periodo)}"'})


def registra(appbuilder):
    appbuilder.add_api(PeriodoRendicontazioneApi)
