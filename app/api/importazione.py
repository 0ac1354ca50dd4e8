"""`POST /api/v1/importazione/?dry_run=true|false` (multipart, field `file`): the import of the page
«Importa da Excel» for headless use (issue 13, §1). The answer holds counts and, per error, sheet,
row, column and reason; `?report=xlsx` answers the report file instead."""
from __future__ import annotations

from flask import Response, g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe

from app.api.messaggi import RisposteItaliane
from app.rules.importazione import scrivi_resoconto
from app.security import registra_per_le_donne
from app.servizi import importazione


class ImportazioneApi(RisposteItaliane, BaseApi):
    resource_name = "importazione"
    class_permission_name = "Beneficiaria"
    method_permission_name = {"importa": "write"}
    openapi_spec_tag = "Importazione"

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def importa(self):
        """Import the template's file for the user's own centre: all rows or none.
        ---
        post:
          parameters:
          - {in: query, name: dry_run, schema: {type: boolean}, description: "true: judge only, write nothing"}
          - {in: query, name: report, schema: {type: string, enum: [xlsx]}, description: "answer the report xlsx"}
          requestBody:
            content:
              multipart/form-data:
                schema: {type: object, properties: {file: {type: string, format: binary}}}
          responses:
            200: {description: "importata, prova, conteggi per foglio, errori (foglio, riga, colonna, motivo)"}
            400: {$ref: '#/components/responses/400'}
            403: {$ref: '#/components/responses/403'}
            422: {description: "the file has errors: nothing imported"}
        """
        from app.views.importazione import XLSX

        if not registra_per_le_donne(g.user):
            return self.response(403, message=importazione.MSG_SOLO_CAV)
        prova = request.args.get("dry_run", "false").strip().lower() in ("1", "true", "sì", "si", "yes")
        file = request.files.get("file")
        if file is None or not file.filename:
            return self.response_400(message="Inviare il file Excel nel campo «file» (multipart/form-data).")
        esito, motivo = importazione.esegui(file.read(), g.user, prova)
        if motivo:
            return self.response_400(message=motivo)
        if request.args.get("report") == "xlsx":
            return Response(scrivi_resoconto(esito.righe, esito.sintesi()), mimetype=XLSX,
                            headers={"Content-Disposition": 'attachment; filename="resoconto_importazione.xlsx"'})
        corpo = {"importata": esito.ok and not prova, "prova": prova, "conteggi": esito.conteggi(),
                 "errori": [{"foglio": f, "riga": r, "colonna": c, "motivo": x} for f, r, c, x in esito.errori]}
        return self.response(200 if esito.ok else 422, **corpo)


def registra(appbuilder):
    appbuilder.add_api(ImportazioneApi)
