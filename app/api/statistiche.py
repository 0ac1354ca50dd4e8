"""`GET /api/v1/statistiche/`: the statistics of the women without identities (issue 13, §4),
the same tables as the page and its xlsx."""
from __future__ import annotations

from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from app.api.messaggi import RisposteItaliane
from app.servizi import statistiche
from app.servizi.statistiche import RISORSA_STATISTICHE


class StatisticheApi(RisposteItaliane, BaseApi):
    resource_name = "statistiche"
    class_permission_name = RISORSA_STATISTICHE
    method_permission_name = {"get": "read"}
    allow_browser_login = True
    openapi_spec_tag = "Statistiche"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self):
        """Counts of the women consenting to anonymous statistics, per year of taking charge and
        ambito, by age band, citizenship, relationship with the author, occupational condition
        and children.
        ---
        get:
          responses:
            200:
              description: >-
                one entry per year, a table per variable: per category, the count per ambito and
                in the province; the totals. A count under `soglia`, and any value or total that
                would give it back by difference, is "riservato".
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
        """
        return self.response(200, result=statistiche.dati())


def registra(appbuilder):
    appbuilder.add_api(StatisticheApi)
