"""Printable pages (issue 11 §14): a project, and a woman's summary. Each answers to the read
permission of its record's screen and to the perimeter (404 outside it); no menu, no buttons
on paper. And her copy of her data as a PDF (issue 12 §4), for her CAV only."""
from __future__ import annotations

import io
from datetime import date

from flask import abort, g, send_file
from flask_appbuilder import BaseView, expose, has_access

from app import audit, servizi
from app.models.percorso import AREE, SERVIZI_CPI, STATI_INTERVENTO, TIPI_INTERVENTO
from app.rules.eligibility import formatta_euro
from app.servizi import dossier, stampa


ETICHETTE = {"aree": AREE, "interventi": TIPI_INTERVENTO, "servizi_cpi": SERVIZI_CPI, "stati_intervento": STATI_INTERVENTO}


def _data(d) -> str:
    return d.strftime("%d/%m/%Y") if d else "—"


class StampaProgettoView(BaseView):
    route_base = "/stampa/progetto"
    class_permission_name = "Progetto"
    method_permission_name = {"scheda": "read"}

    @expose("/<int:pk>")
    @has_access
    def scheda(self, pk):
        scheda = stampa.scheda_progetto(pk)
        if scheda is None:
            abort(404)
        return self.render_template("lia_stampa_progetto.html", s=scheda, euro=formatta_euro, data=_data, etichette=ETICHETTE,
                                    oggi=date.today(), title=f"Progetto {scheda['progetto'].codice}")


class StampaBeneficiariaView(BaseView):
    route_base = "/stampa/beneficiaria"
    class_permission_name = "Beneficiaria"
    method_permission_name = {"riepilogo": "read"}

    @expose("/<int:pk>")
    @has_access
    def riepilogo(self, pk):
        riepilogo = stampa.riepilogo_beneficiaria(pk)
        if riepilogo is None:
            abort(404)
        if riepilogo["dati"] is not None:  # her name is on the page: a read of her identity
            audit.registra_lettura_dati_personali([riepilogo["dati"].id], record_id=riepilogo["dati"].id)
        return self.render_template("lia_stampa_beneficiaria.html", r=riepilogo, euro=formatta_euro, data=_data, etichette=ETICHETTE,
                                    oggi=date.today(), title=f"Riepilogo {riepilogo['donna'].codice}")


class DossierView(BaseView):
    """Her copy as a PDF (issue 12 §4), from «Scarica la copia dei suoi dati» on her page: 404
    outside the perimeter, 403 for anyone who sees her case but does not hold her."""

    route_base = "/dossier/beneficiaria"
    class_permission_name = "Beneficiaria"
    method_permission_name = {"scarica": "read"}

    @expose("/<int:pk>")
    @has_access
    def scarica(self, pk):
        try:
            esito = dossier.dossier(pk, g.user)
        except servizi.NonConsentito:
            abort(403)
        if esito is None:
            abort(404)
        nome, pdf = esito
        return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=nome)


def registra(appbuilder):
    appbuilder.add_view_no_menu(StampaProgettoView)
    appbuilder.add_view_no_menu(StampaBeneficiariaView)
    appbuilder.add_view_no_menu(DossierView)
