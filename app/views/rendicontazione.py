"""Download of the rendicontazione: the whole network for the capofila and the Region, her
own part for a CAV."""
from __future__ import annotations

import io
from datetime import date

from flask import flash, g, request, send_file
from flask_appbuilder import BaseView, expose, has_access

from app.security import vede_rendicontazione_di_rete
from app.servizi.rendicontazione import esporta
from app.views.date_italiane import leggi_data


class _PeriodoNonValido(ValueError):
    pass


def _data(nome, etichetta):
    testo = (request.args.get(nome) or "").strip()
    if not testo:
        return None
    try:
        return leggi_data(testo)  # gg/mm/aaaa from the page, ISO from a script or an old link
    except ValueError as exc:
        raise _PeriodoNonValido(f"«{etichetta}»: {exc}") from None


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
        try:
            dal, al = _data("dal", "Dal"), _data("al", "Al")
            if dal and al and al < dal:
                raise _PeriodoNonValido("La data «Al» precede la data «Dal».")
        except _PeriodoNonValido as exc:  # the page again, with the reason and what she typed
            flash(str(exc), "danger")
            return self.render_template("lia_rendicontazione.html", ente=self._ente_filtro()), 400
        buffer = io.BytesIO()
        ente = self._ente_filtro()
        esporta(buffer, ente=ente, dal=dal, al=al)
        buffer.seek(0)
        nome = f"rendicontazione-lia2-{date.today():%Y%m%d}.xlsx"
        return send_file(buffer, as_attachment=True, download_name=nome,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def registra(appbuilder):
    appbuilder.add_view(RendicontazioneView, "Rendicontazione", category="Contabilità", icon="fa-file-excel-o")
