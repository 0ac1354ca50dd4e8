"""The document of a record with an attachment (spesa, modello del laboratorio, accordo) through
the API: the same checks as the screens' upload field (app.servizi.allegati: extension and
content must agree) and the same download (the record's perimeter, always as a file)."""
from __future__ import annotations

from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from app import audit
from app.extensions import db
from app.servizi import Rifiuto, allegati


class ConAllegatoApi:
    """PUT and GET /api/v1/<resource>/<pk>/allegato on a ModelRestApi whose model has `allegato`."""

    def verifica_allegato(self, item) -> None:
        """Hook: refuse (servizi.Rifiuto) replacing this record's document."""

    @expose("/<int:pk>/allegato", methods=["PUT"])
    @protect()
    @safe
    @permission_name("carica_allegato")
    def carica_allegato(self, pk):
        """Store (or replace) the record's document: a PDF, JPG, PNG or TIF whose content matches
        its name; anything else is refused with 422 and nothing is written.
        ---
        put:
          requestBody:
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
          responses:
            200: {description: the document is stored}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        try:
            self.verifica_allegato(item)
        except Rifiuto as exc:
            return self._rifiuto(exc)
        file = request.files.get("file")
        if file is None or not file.filename:
            return self.response_422(message={"file": ["Allegare il file nel campo «file» (multipart/form-data)."]})
        try:
            nuovo = allegati.salva(file, campo="file")
        except Rifiuto as exc:
            return self.response_422(message=exc.per_campo)
        vecchio, item.allegato = item.allegato, nuovo
        allegati.elimina_al_commit(vecchio)
        db.session.commit()
        return self.response(200, message="Documento salvato.")

    @expose("/<int:pk>/allegato", methods=["GET"])
    @protect()
    @safe
    @permission_name("scarica_allegato")
    def scarica_allegato(self, pk):
        """Download the record's document (always as an attachment).
        ---
        get:
          responses:
            200:
              description: the file
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            404: {$ref: '#/components/responses/404'}
        """
        item = self.datamodel.get(pk, self._base_filters)
        file = allegati.percorso(item.allegato) if item is not None and item.allegato else None
        if file is None:
            return self.response_404()
        audit.registra("scaricamento_allegato", tipo_record=type(item).__name__, record_id=pk,
                       codici=[audit.codice_di(item)])
        return allegati.scarica(file, f"{self.resource_name}-{pk}")
