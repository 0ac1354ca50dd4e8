"""«Contabilità → Periodi di rendicontazione» (issue 13, §2): the capofila records the periods,
closes one after a confirmation, and everyone who downloads the network's rendicontazione
downloads the workbook of a closed period as it was sent."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from markupsafe import Markup
from wtforms.validators import DataRequired, Length

from app import models as m
from app import servizi
from app.rules.periodi_rendicontazione import motivi_rifiuto_chiusura
from app.security import PERMESSI_VISTA, chiude_periodi_rendicontazione
from app.servizi import periodi
from app.views import InterfacciaLia, LiaModelView


def _link_rendiconto(url):
    return Markup('<a href="{}"><span class="fa fa-file-excel-o"></span> scarica il rendiconto inviato</a>').format(
        url) if url else ""


class PeriodoRendicontazioneView(LiaModelView):
    datamodel = InterfacciaLia(m.PeriodoRendicontazione, carica=["chiuso_da"])
    class_permission_name = "PeriodoRendicontazione"
    method_permission_name = dict(PERMESSI_VISTA, chiudi="write", azione_chiudi="write", rendiconto="read")
    list_title = "Periodi di rendicontazione"
    show_title = "Periodo di rendicontazione"
    add_title = "Nuovo periodo di rendicontazione"
    edit_title = "Modifica periodo di rendicontazione"
    list_columns = ["dal", "al", "descrizione", "stato", "righe_spese", "scarica_rendiconto"]
    add_columns = edit_columns = ["dal", "al", "descrizione"]
    show_fieldsets = [
        ("Periodo", {"fields": ["dal", "al", "descrizione", "stato"]}),
        ("Rendiconto inviato", {"fields": ["chiuso_il", "chiuso_da", "righe_spese", "dimensione", "sha256",
                                           "scarica_rendiconto"]}),
    ]
    search_columns = ["dal", "al"]
    order_columns = ["dal", "al"]
    base_order = ("dal", "desc")
    label_columns = {
        "dal": "Dal", "al": "Al", "descrizione": "Descrizione", "stato": "Stato", "chiuso_il": "Chiuso il",
        "chiuso_da": "Chiuso da", "righe_spese": "Spese nel rendiconto", "dimensione": "Dimensione del file (byte)",
        "sha256": "Impronta SHA-256 del file", "scarica_rendiconto": "Rendiconto",
    }
    description_columns = {"descrizione": "Ad esempio «Primo semestre 2023». I periodi non si sovrappongono."}
    validators_columns = {"dal": [DataRequired(message="Campo obbligatorio.")],
                          "al": [DataRequired(message="Campo obbligatorio.")], "descrizione": [Length(max=200)]}
    formatters_columns = {"scarica_rendiconto": _link_rendiconto}

    def conferma(self, item, nuovo):
        verbo = "registrato" if nuovo else "modificato"
        return f"Periodo di rendicontazione {item!r} {verbo}: è aperto finché il capofila non lo chiude.", "success"

    def pre_add(self, item):
        periodi.prepara_periodo(item, g.user)

    pre_update = pre_add

    def pre_delete(self, item):
        periodi.verifica_eliminazione_periodo(item, g.user)

    def pulsante_consentito(self, nome, item=None):
        if nome in ("add", "edit", "delete", "chiudi"):
            if not chiude_periodi_rendicontazione(g.user):
                return False
            return item is None or not item.chiuso
        return super().pulsante_consentito(nome, item)

    @action("chiudi", "Chiudi il periodo", "", "fa-lock", multiple=False)
    def azione_chiudi(self, item):
        # The button on the period's page (FAB posts the action, loaded through its filters): the confirmation.
        return redirect(url_for("PeriodoRendicontazioneView.chiudi", pk=item.id))

    @expose("/chiudi/<int:pk>", methods=["GET", "POST"])
    @has_access
    def chiudi(self, pk):
        """GET: what closing means, and a button; POST: close (app.servizi.periodi.chiudi)."""
        periodo = self.datamodel.get(pk, self._base_filters)
        if periodo is None:
            abort(404)
        if not chiude_periodi_rendicontazione(g.user):
            abort(403)
        if request.method == "GET":
            motivi = motivi_rifiuto_chiusura(periodi.dati_periodo(periodo), date.today())
            if motivi:
                for testo in motivi:
                    flash(testo, "danger")
                return redirect(url_for("PeriodoRendicontazioneView.show", pk=pk))
            return self.render_template("lia_chiudi_periodo.html", periodo=periodo)
        try:
            with servizi.transazione():
                periodi.chiudi(periodo, g.user)
        except servizi.Rifiuto as exc:
            for testo in exc.motivi:
                flash(testo, "danger")
        else:
            flash(f"Periodo {periodo!r} chiuso: il rendiconto inviato ({periodo.righe_spese} spese) è conservato e "
                  "le spese datate nel periodo non si modificano più.", "success")
        return redirect(url_for("PeriodoRendicontazioneView.show", pk=pk))

    @expose("/rendiconto/<int:pk>")
    @has_access
    def rendiconto(self, pk):
        periodo = self.datamodel.get(pk, self._base_filters)
        if periodo is None:
            abort(404)
        try:
            contenuto = periodi.rendiconto_inviato(periodo, g.user)
        except servizi.NonConsentito:
            abort(403)
        except servizi.Rifiuto as exc:
            flash(" ".join(exc.motivi), "warning")
            return redirect(url_for("PeriodoRendicontazioneView.show", pk=pk))
        return Response(contenuto, mimetype=periodi.XLSX, headers={
            "Content-Disposition": f'attachment; filename="{periodi.nome_file(periodo)}"'})


def registra(appbuilder):
    appbuilder.add_view(PeriodoRendicontazioneView, "Periodi di rendicontazione", category="Contabilità",
                        icon="fa-lock")
