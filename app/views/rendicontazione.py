"""Download of the rendicontazione: the whole network for the capofila and the Region, her
own part for a CAV."""
from __future__ import annotations

import io
from datetime import date

from flask import abort, g, request, send_file
from flask_appbuilder import BaseView, expose, has_access

from app.security import vede_rendicontazione_di_rete
from app.servizi.rendicontazione import esporta


def _data(nome):
    testo = request.args.get(nome) or ""
    if not testo:
        return None
    try:
        return date.fromisoformat(testo)
    except ValueError:
        abort(400)


class RendicontazioneView(BaseView):
    route_base = "/rendicontazione"
    class_permission_name = "Rendicontazione"
    method_permission_name = {"index": "read", "scarica": "read"}
    default_view = "index"

    def _ente_filtro(self):
        if vede_rendicontazione_di_rete(g.user):
            return None  # the whole network, by code
        return g.user.ente  # a CAV: her own part only

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("lia_rendicontazione.html", ente=self._ente_filtro())

    @expose("/scarica")
    @has_access
    def scarica(self):
        dal, al = _data("dal"), _data("al")
        if dal and al and al < dal:
            abort(400)
        buffer = io.BytesIO()
        ente = self._ente_filtro()
        esporta(buffer, ente=ente, dal=dal, al=al)
        buffer.seek(0)
        nome = f"rendicontazione-lia2-{date.today():%Y%m%d}.xlsx"
        return send_file(buffer, as_attachment=True, download_name=nome,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def registra(appbuilder):
    appbuilder.add_view(RendicontazioneView, "Rendicontazione", category="Contabilità", icon="fa-file-excel-o")
