"""The relazione finale through the API (issue 13, §3): read and write the capofila's texts,
download the Word document. The same service as the page."""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from app.api.messaggi import RisposteItaliane
from app.servizi import Rifiuto, relazione, transazione
from app.servizi.relazione import RISORSA_RELAZIONE
from app.views.relazione import risposta_docx


class RelazioneFinaleApi(RisposteItaliane, BaseApi):
    resource_name = "relazionefinale"
    class_permission_name = RISORSA_RELAZIONE
    method_permission_name = {"get": "read", "put": "write", "scarica": "read"}
    allow_browser_login = True
    openapi_spec_tag = "Relazione finale"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self):
        """The sections of the relazione finale with the text written so far.
        ---
        get:
          responses:
            200:
              description: per section, its codice (`sezione`), title, guidance, text and `versione`
                (0 when never written), who changed it last and when
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        return self.response(200, result=relazione.testi())

    @expose("/", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self):
        """Write some sections, all or none: `{"introduzione": {"testo": "…", "versione": 0}}`.
        ---
        put:
          requestBody:
            content:
              application/json:
                schema: {type: object}
          responses:
            200: {description: how many sections changed}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            409: {description: a section changed by someone else since `versione` was read}
            422: {$ref: '#/components/responses/422'}
        """
        corpo = request.get_json(silent=True)
        if not isinstance(corpo, dict) or not corpo:
            return self.response(400, message="Serve un oggetto JSON: {sezione: {testo, versione}}.")
        try:
            with transazione():
                cambiati = relazione.salva_testi(corpo, g.user)
        except Rifiuto as exc:
            return self.response(409 if isinstance(exc, relazione.TestoSuperato) else 422, message=exc.per_campo)
        return self.response(200, result={"sezioni_modificate": cambiati})

    @expose("/docx", methods=["GET"])
    @protect()
    @safe
    @permission_name("scarica")
    def scarica(self):
        """The relazione finale as a Word document, numbers read from the data now.
        ---
        get:
          responses:
            200:
              description: the document
              content:
                application/vnd.openxmlformats-officedocument.wordprocessingml.document:
                  schema: {type: string, format: binary}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        return risposta_docx()


def registra(appbuilder):
    appbuilder.add_api(RelazioneFinaleApi)
