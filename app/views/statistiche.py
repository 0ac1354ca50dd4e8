"""Statistics of the women without identities (issue 13, §4): the page and its xlsx."""
from __future__ import annotations

from datetime import datetime

from flask import Response
from flask_appbuilder import BaseView, expose, has_access

from app.rules.riservatezza import RISERVATO
from app.servizi import statistiche
from app.servizi.statistiche import RISORSA_STATISTICHE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StatisticheView(BaseView):
    route_base = "/statistiche"
    class_permission_name = RISORSA_STATISTICHE
    method_permission_name = {"index": "read", "scarica": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("lia_statistiche.html", dati=statistiche.dati(), riservato=RISERVATO)

    @expose("/scarica")
    @has_access
    def scarica(self):
        ora = datetime.now()
        return Response(statistiche.xlsx(ora), mimetype=XLSX, headers={
            "Content-Disposition": f'attachment; filename="statistiche-lia2-{ora:%Y%m%d}.xlsx"'})


def registra(appbuilder):
    appbuilder.add_view(StatisticheView, "Statistiche", category="Contabilità", icon="fa-bar-chart")
