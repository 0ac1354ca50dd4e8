"""`GET /api/v1/beneficiaria/<pk>/dossier`: her copy of her data as a PDF (issue 12 §4), the same
document, checks and audit row as «Scarica la copia dei suoi dati» on her page."""
from __future__ import annotations

import io

from flask import g, send_file
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from app.servizi import NonConsentito, dossier


class ConDossierApi:
    """The dossier endpoint of BeneficiariaApi (read permission of the woman's record)."""

    @expose("/<int:pk>/dossier", methods=["GET"])
    @protect()
    @safe
    @permission_name("scarica_dossier")
    def scarica_dossier(self, pk):
        """Her copy of everything recorded about her (GDPR art. 15), for the CAV holding her.
        ---
        get:
          responses:
            200:
              description: the PDF
              content:
                application/pdf:
                  schema: {type: string, format: binary}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            esito = dossier.dossier(pk, g.user)
        except NonConsentito as exc:
            return self.response(403, message=exc.motivi[0])
        if esito is None:
            return self.response_404()
        nome, pdf = esito
        return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=nome)
