"""Screens of the money: spese with their verdict, and the rendicontazione download."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from markupsafe import Markup
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.forms import DynamicForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app import models as m
from app.rules.eligibility import formatta_euro, valida_importo
from app import servizi
from app.security import (
    PERMESSI_VISTA, FiltroPerimetroCollegati, puo_annullare_spesa, puo_eliminare_spesa, puo_modificare_spesa,
)
from app.servizi import NonConsentito, allegati, annullamento, eliminazione, periodi, rettifiche, scelte
from app.servizi import allegati_in_attesa
from app.servizi import spese as servizi_spese
from app.views import ConAllegato, InterfacciaLia, LiaModelView, formatta, link_allegato, scelta
from app.views.date_italiane import DataItaliana
from app.views.moduli import offri


class ValidatoreImporto:
    def __call__(self, form, field):
        importo, motivi = valida_importo(field.data)
        if motivi:
            raise ValidationError(" ".join(motivi))
        field.data = importo


def link_rettificata(spesa):
    """On a rettifica's page, the spesa it gives money back on; nothing on any other spesa."""
    if spesa is None:
        return "—"
    testo = f"spesa del {spesa.data.strftime('%d/%m/%Y')} di {formatta_euro(spesa.importo)}"
    return Markup('<a href="{}">{}</a>').format(url_for("SpesaView.show", pk=spesa.id), testo)


class SpesaView(ConAllegato, LiaModelView):
    datamodel = InterfacciaLia(m.Spesa, carica=["progetto", "voce", "ente_pagatore"])
    class_permission_name = "Spesa"
    # Annulling changes money: who may write spese may ask; app.security decides on each spesa.
    method_permission_name = dict(PERMESSI_VISTA, annulla="write", azione_annulla="write", rettifica="write",
                                  azione_rettifica="write", totali="read")
    campo_file = "file_giustificativo"
    etichetta_file = "File del giustificativo"
    list_title = "Spese"
    show_title = "Spesa"
    add_title = "Nuova spesa"
    edit_title = "Modifica spesa"
    list_columns = ["data", "progetto", "voce", "importo", "ente_pagatore", "giustificativo_numero", "esito"]
    _campi = ["progetto", "voce", "importo", "data", "fornitore", "giustificativo_tipo", "giustificativo_numero",
              "giustificativo_data", "quietanza_tipo", "quietanza_data", "coperta_da_altra_misura", "note"]
    add_columns = _campi + ["file_giustificativo", "allegato_in_attesa", "registra_non_ammissibile"]
    edit_columns = _campi + ["file_giustificativo", "allegato_in_attesa", "registra_non_ammissibile"]
    # The residual of the chosen project beside the form; totals above the list (issue 11, §6).
    add_template = "lia_spesa_aggiungi.html"
    edit_template = "lia_spesa_modifica.html"
    list_template = "lia_spese_list.html"
    show_fieldsets = [
        ("Spesa", {"fields": ["progetto", "beneficiaria", "voce", "importo", "data", "ente_pagatore", "fornitore",
                              "rettifica_di"]}),
        ("Giustificativo", {"fields": ["giustificativo_tipo", "giustificativo_numero", "giustificativo_data",
                                       "scarica_allegato"]}),
        ("Quietanza", {"fields": ["quietanza_tipo", "quietanza_data"]}),
        ("Esito", {"fields": ["esito", "motivi", "avvisi", "coperta_da_altra_misura", "valutata_il", "note"]}),
        ("Annullamento", {"fields": ["annullata", "annullata_il", "annullata_da", "motivo_annullamento"]}),
    ]
    search_columns = ["voce", "data", "ammissibile", "annullata", "ente_pagatore", "giustificativo_numero"]
    order_columns = ["data", "importo"]
    base_order = ("data", "desc")
    label_columns = {
        "progetto": "Progetto (vuoto per l'Asse I)", "beneficiaria": "Beneficiaria", "voce": "Voce di spesa",
        "importo": "Importo (€)", "data": "Data", "ente_pagatore": "Ente pagatore", "fornitore": "Fornitore / percettore",
        "giustificativo_tipo": "Tipo di giustificativo", "giustificativo_numero": "Numero giustificativo",
        "giustificativo_data": "Data giustificativo", "quietanza_tipo": "Tipo di quietanza (pagamento)",
        "quietanza_data": "Data della quietanza", "coperta_da_altra_misura": "Già coperta da un'altra misura",
        "note": "Note", "esito": "Esito", "motivi": "Motivi", "avvisi": "Avvisi", "ammissibile": "Ammissibile",
        "valutata_il": "Valutata il", "registra_non_ammissibile": "Registra anche se non ammissibile",
        "scarica_allegato": "File", "file_giustificativo": "File del giustificativo",
        "annullata": "Annullata", "annullata_il": "Annullata il", "annullata_da": "Annullata da",
        "motivo_annullamento": "Motivo dell'annullamento", "rettifica_di": "Rettifica della spesa",
    }
    formatters_columns = {"scarica_allegato": link_allegato,
                          "importo": lambda v: formatta_euro(v) if v is not None else "",
                          "giustificativo_tipo": formatta(m.TIPI_GIUSTIFICATIVO),
                          "quietanza_tipo": formatta(m.TIPI_QUIETANZA), "rettifica_di": link_rettificata}
    description_columns = {
        "registra_non_ammissibile": "Per una spesa già pagata che le regole non ammettono: resta nel "
                                    "rendiconto come «non ammissibile», con i motivi.",
        "importo": "Euro, due decimali: 1.234,56 oppure 1234.56",
        "quietanza_data": "Il giorno del pagamento: non prima della data del giustificativo.",
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "importo": StringField("Importo (€)", validators=[DataRequired(message="Indicare l'importo."),
                                                          ValidatoreImporto()], widget=BS3TextFieldWidget(),
                               description="Euro, due decimali: 1.234,56 oppure 1234.56"),
        "giustificativo_tipo": scelta("Tipo di giustificativo", {"": "—", **m.TIPI_GIUSTIFICATIVO}, obbligatorio=False),
        "quietanza_tipo": scelta("Tipo di quietanza (pagamento)", {"": "—", **m.TIPI_QUIETANZA}, obbligatorio=False),
        "giustificativo_numero": StringField("Numero giustificativo", validators=[Optional(), Length(max=50)],
                                             widget=BS3TextFieldWidget()),
        "file_giustificativo": ConAllegato.campo_upload(),
        # The token of a file uploaded with a refused save (app.servizi.allegati_in_attesa).
        "allegato_in_attesa": HiddenField(),
        "registra_non_ammissibile": BooleanField(
            "Registra anche se non ammissibile",
            description="Per una spesa già pagata che le regole non ammettono: resta nel rendiconto come "
                        "«non ammissibile», con i motivi."),
    }
    validators_columns = {"fornitore": [Length(max=200)], "note": [Length(max=1000)]}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "progetto": [["id", FiltroPerimetroCollegati, lambda: None]]}

    conflitto = staticmethod(servizi_spese.rifiuto_da_conflitto)

    def _edit(self, pk):
        # Another ente's spesa: told so before any form (the save is refused too, in pre_update).
        item = self.datamodel.get(pk, self._base_filters)
        if item is not None:
            try:
                servizi_spese.verifica_modifica(g.user, item)
            except NonConsentito as exc:
                flash(str(exc), "danger")
                self.update_redirect()
                return None
        return super()._edit(pk)

    def limita_scelte(self, form):
        offri(form.voce, scelte.voci_per_utente(g.user))

    def precompila_nuovo(self, form):
        # «Nuova spesa» from a project's page: that project, if the form offers it.
        pid = request.args.get("progetto", type=int)
        for _, progetto in form.progetto._get_object_list() if pid is not None else ():
            if progetto.id == pid:
                form.progetto.data = progetto

    def _trattieni_allegato(self, form):
        """A refused POST: keep its accepted upload (or the one already kept) for the next submit."""
        if request.method != "POST":
            return
        token = None
        file = request.files.get(self.campo_file)
        if file is not None and file.filename:
            token = allegati_in_attesa.deposita(file, g.user.id, self.campo_file)
        token = token or form.allegato_in_attesa.data
        dati = allegati_in_attesa.leggi(token, g.user.id)
        form.allegato_in_attesa.data = token if dati else ""
        if dati:
            form[self.campo_file].description = (f"File già caricato: {dati['nome']}. Resta allegato salvando; "
                                                 "scegliere un altro file solo per sostituirlo.")

    def _get_add_widget(self, form, **kwargs):
        self._trattieni_allegato(form)
        return super()._get_add_widget(form, **kwargs)

    def _get_edit_widget(self, form, **kwargs):
        self._trattieni_allegato(form)
        return super()._get_edit_widget(form, **kwargs)

    def salva_allegato(self, item):
        file = getattr(item, self.campo_file, None)
        if file is None or not getattr(file, "filename", ""):
            nome = allegati_in_attesa.usa(getattr(item, "allegato_in_attesa", None), g.user.id)
            if nome:
                vecchio, item.allegato = item.allegato, nome
                allegati.elimina_al_commit(vecchio)
                return
        super().salva_allegato(item)

    def conferma(self, item, nuovo):
        return servizi_spese.messaggio_registrata(item, nuovo), "success" if item.ammissibile else "warning"

    @expose("/totali")
    @has_access
    def totali(self):
        """The totals above the list, asked by the page once it is shown (app/static/lia/lia.js):
        summing every spesa the filters select is the page's slowest statement, and the 25 rows
        need not wait for it. The list's own filters, from the same query string, in the perimeter."""
        from flask import jsonify
        from flask_appbuilder.urltools import get_filter_args

        filtri = self.datamodel.get_filters(self.search_columns)
        get_filter_args(filtri)
        totali = servizi_spese.totali_spese(
            filtri.get_joined_filters(self._base_filters).apply_all(self.datamodel.session.query(m.Spesa)))
        return jsonify(testo=totali["testo"], numero=totali["numero"], annullate=totali["annullate"],
                       totale=str(totali["totale"]), ammissibile=str(totali["ammissibile"]))

    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is not None:
            form.registra_non_ammissibile.data = item.non_ammissibile_su_richiesta

    def pre_add(self, item):
        forza = bool(getattr(item, "registra_non_ammissibile", False))
        item.giustificativo_tipo = item.giustificativo_tipo or None
        item.quietanza_tipo = item.quietanza_tipo or None
        servizi_spese.prepara_spesa(item, g.user, registra_non_ammissibile=forza)
        self.salva_allegato(item)  # only once the spesa passed its checks

    def pre_update(self, item):
        servizi_spese.verifica_modifica(g.user, item)
        annullamento.verifica_modifica_spesa(item)
        self.pre_add(item)

    def pre_delete(self, item):
        servizi_spese.verifica_eliminazione(g.user, item)
        eliminazione.verifica_eliminazione_spesa(item, g.user)

    def post_add(self, item):
        allegati_in_attesa.consuma(getattr(item, "allegato_in_attesa", None), g.user.id)

    def post_update(self, item):
        allegati_in_attesa.consuma(getattr(item, "allegato_in_attesa", None), g.user.id)
        if item.progetto_id:
            servizi_spese.ricalcola_progetto(item.progetto_id)
            self.datamodel.session.commit()

    def pulsante_consentito(self, nome, item=None):
        if item is None:
            return super().pulsante_consentito(nome, item)
        if nome == "rettifica":  # the correction of a spesa, in a closed period or not
            return not rettifiche.motivi_prima_del_modulo(item, g.user)
        decide = {"edit": puo_modificare_spesa, "delete": puo_eliminare_spesa, "annulla": puo_annullare_spesa}.get(nome)
        if decide is None:
            return super().pulsante_consentito(nome, item)
        if nome == "edit" and item.rettifica_di_id is not None:
            return False  # a rettifica is annulled and recorded again, never changed
        return decide(g.user, item) and not periodi.in_periodo_chiuso(item)

    @action("annulla", "Annulla spesa", "", "fa-ban", multiple=False)
    def azione_annulla(self, item):
        # The button on the spesa's page (FAB posts the action, loaded through the perimeter): the form.
        return redirect(url_for("SpesaView.annulla", pk=item.id))

    @expose("/annulla/<int:pk>", methods=["GET", "POST"])
    @has_access
    def annulla(self, pk):
        """A small form asking the reason; the spesa stays, annulled (app.servizi.annullamento)."""
        spesa = self.datamodel.get(pk, self._base_filters)
        if spesa is None:
            abort(404)
        motivo, errori = request.form.get("motivo", ""), []
        if request.method == "GET":  # refused before any typing: say why, on the spesa's page
            motivi = annullamento.motivi_prima_del_modulo(spesa, g.user)
            if motivi:
                for testo in motivi:
                    flash(testo, "danger")
                return redirect(url_for("SpesaView.show", pk=pk))
        else:
            try:
                with servizi.transazione():
                    annullamento.annulla_spesa(spesa, g.user, motivo)
            except servizi.Rifiuto as exc:
                errori = exc.per_campo.get("motivo", [])
                for testo in exc.motivi:
                    if testo not in errori:
                        flash(testo, "danger")
                if not errori:
                    return redirect(url_for("SpesaView.show", pk=pk))
            else:
                flash("Spesa annullata: resta nello storico, fuori dai totali e dai massimali.", "success")
                return redirect(url_for("SpesaView.show", pk=pk))
        return self.render_template("lia_annulla_spesa.html", spesa=spesa, motivo=motivo, errori=errori,
                                    importo=formatta_euro(spesa.importo))

    @action("rettifica", "Registra una rettifica", "", "fa-undo", multiple=False)
    def azione_rettifica(self, item):
        return redirect(url_for("SpesaView.rettifica", pk=item.id))

    _modulo_rettifica = None

    def modulo_rettifica(self):
        """The rettifica's form: the spesa form's own giustificativo and quietanza fields."""
        if self._modulo_rettifica is None:
            campi = {n: getattr(self.add_form, n) for n in CAMPI_RETTIFICA[3:]}
            campi |= {
                "data": DataItaliana(
                    "Data della restituzione", validators=[DataRequired(message="Indicare la data.")],
                    description="Il giorno in cui la somma è tornata (in un periodo di rendicontazione aperto)."),
                "importo": StringField("Somma restituita (€)", widget=BS3TextFieldWidget(),
                                       validators=[DataRequired(message="Indicare la somma restituita."),
                                                   ValidatoreImporto()],
                                       description="Positiva: è tolta da quanto la spesa imputa. 1.234,56 oppure 1234.56"),
                "note": TextAreaField("Motivo della rettifica", validators=[Length(max=1000)],
                                      description="Ad esempio: «rimborso del fornitore, nota di credito»; "
                                                  "non scrivere dati personali."),
            }
            self._modulo_rettifica = type("ModuloRettifica", (DynamicForm,), campi)
        return self._modulo_rettifica

    @expose("/rettifica/<int:pk>", methods=["GET", "POST"])
    @has_access
    def rettifica(self, pk):
        """Money given back on a spesa: a new spesa with a negative amount (app.servizi.rettifiche)."""
        from app.views import mostra_rifiuto

        spesa = self.datamodel.get(pk, self._base_filters)
        if spesa is None:
            abort(404)
        motivi = rettifiche.motivi_prima_del_modulo(spesa, g.user)
        if motivi:
            for testo in motivi:
                flash(testo, "danger")
            return redirect(url_for("SpesaView.show", pk=pk))
        form = self.modulo_rettifica()()
        if request.method == "GET":
            form.giustificativo_tipo.data = "nota_credito"
        elif form.validate():
            try:
                with servizi.transazione():
                    nuova = rettifiche.registra_rettifica(spesa, g.user, **{n: form[n].data for n in CAMPI_RETTIFICA})
            except servizi.NonConsentito:
                abort(403)
            except servizi.Rifiuto as exc:
                mostra_rifiuto(form, exc)
            else:
                flash(f"Rettifica registrata: {formatta_euro(nuova.importo)} sulla spesa del "
                      f"{spesa.data.strftime('%d/%m/%Y')}.", "success")
                return redirect(url_for("SpesaView.show", pk=nuova.id))
        return self.render_template("lia_rettifica_spesa.html", spesa=spesa, form=form, campi=CAMPI_RETTIFICA,
                                    importo=formatta_euro(spesa.importo))

    post_delete = post_update


# The rettifica's form: what came back and when, then its giustificativo and quietanza.
CAMPI_RETTIFICA = ["importo", "data", "note", "giustificativo_tipo", "giustificativo_numero", "giustificativo_data",
                   "quietanza_tipo", "quietanza_data"]


def registra(appbuilder):
    appbuilder.add_view(SpesaView, "Spese", category="Contabilità", icon="fa-eur")
