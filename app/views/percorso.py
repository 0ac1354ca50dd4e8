"""Screens of the path: segnalazioni, valutazioni, micro-équipe, progetti (with their
transitions and history), colloqui CPI, interventi, esiti; and the operator's "da fare"."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.fieldwidgets import Select2Widget
from wtforms import SelectField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app import models as m
from app.extensions import db
from app import servizi
from app.servizi import eliminazione, scelte
from app.servizi import percorso as servizi_percorso
from app.servizi import scadenze
from app.rules import workflow
from app.security import (
    FiltroMembriAmmessi, FiltroPerimetro, FiltroPerimetroCollegati, puo_valutare, registra_spese_su,
)
from app.rules.eligibility import formatta_euro
from app.servizi import spese as servizi_spese
from app.servizi.spese import programma_corrente
from app.views import InterfacciaLia, LiaModelView, formatta, scelta
from app.views import date_italiane
from app.views.moduli import offri, record_legato

_PERIMETRO = [["id", FiltroPerimetroCollegati, lambda: None]]
_BENEFICIARIE = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}


def _sì_no():
    return SelectField("Pronta per un percorso lavorativo",
                       choices=[("", "—"), ("1", "Sì"), ("0", "No")],
                       coerce=lambda v: None if v in ("", None, "None") else v in ("1", True, "True"),
                       validators=[Optional()], widget=Select2Widget())


class LiaRecordView(LiaModelView):
    """Hooks raise servizi.Rifiuto with Italian reasons; FAB shows them as a message."""

    base_filters = _PERIMETRO


class SegnalazioneView(LiaRecordView):
    nome_record = ("Segnalazione", "a")
    datamodel = InterfacciaLia(m.Segnalazione, carica=["beneficiaria", "ambito", "ente_segnalante"],
                               calcolate=["esito_ultima_valutazione", "data_ultima_valutazione"])
    class_permission_name = "Segnalazione"
    list_title = "Segnalazioni"
    show_title = add_title = edit_title = "Segnalazione"
    show_template = "lia_segnalazione_show.html"
    list_columns = ["beneficiaria", "ambito", "ente_segnalante", "data", "area_richiesta", "valutazione_corrente"]
    add_columns = ["beneficiaria", "data", "area_richiesta", "note"]
    edit_columns = ["data", "area_richiesta", "note"]
    show_columns = ["beneficiaria", "ambito", "ente_segnalante", "data", "area_richiesta", "note", "valutazioni"]
    search_columns = ["ambito", "data", "area_richiesta"]
    order_columns = ["data", "area_richiesta"]
    label_columns = {"beneficiaria": "Beneficiaria", "ambito": "Équipe (ambito)", "ente_segnalante": "Ente segnalante",
                     "data": "Data", "area_richiesta": "Area richiesta", "note": "Note (non identificative)",
                     "valutazioni": "Valutazione", "valutazione_corrente": "Valutazione"}
    # The list of her valutazioni, never None: a pending one is said so (None would show as blank).
    formatters_columns = {"area_richiesta": formatta(m.AREE),
                          "valutazioni": lambda vs: str(vs[-1]) if vs else "In attesa di valutazione"}
    add_form_extra_fields = edit_form_extra_fields = {"area_richiesta": scelta("Area richiesta", m.AREE)}
    validators_columns = {"note": [Length(max=1000, message="Al massimo 1000 caratteri.")]}
    add_form_query_rel_fields = _BENEFICIARIE

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            s = self.datamodel.get(kwargs["pk"], self._base_filters)
            if (s is not None and self.appbuilder.sm.has_access("can_write", "Valutazione")
                    and puo_valutare(g.user, s) and workflow.in_attesa_di_valutazione(
                        s.ultima_valutazione.esito if s.ultima_valutazione else None)):
                kwargs["url_valuta"] = url_for("ValutazioneView.add", _flt_0_segnalazione=s.id)
        return super().render_template(template, **kwargs)

    def pre_add(self, item):
        servizi_percorso.prepara_segnalazione(item, g.user)

    def pre_delete(self, item):
        eliminazione.verifica_eliminazione(item, g.user)


class ValutazioneView(LiaRecordView):
    nome_record = ("Valutazione", "a")
    datamodel = InterfacciaLia(m.Valutazione, carica=["segnalazione.beneficiaria", "valutata_da"])
    class_permission_name = "Valutazione"
    list_title = "Valutazioni dell'équipe"
    show_title = add_title = edit_title = "Valutazione dell'équipe"
    list_columns = ["segnalazione", "esito", "pronta", "data", "valutata_da"]
    add_columns = ["segnalazione", "esito", "pronta", "data", "motivazione"]
    edit_columns = ["esito", "pronta", "data", "motivazione"]
    show_columns = ["segnalazione", "esito", "pronta", "data", "motivazione", "valutata_da"]
    label_columns = {"segnalazione": "Segnalazione", "esito": "Esito", "pronta": "Pronta (percorso lavoro)",
                     "data": "Data", "motivazione": "Motivazione", "valutata_da": "Valutata da"}
    formatters_columns = {"esito": formatta(workflow.ESITI_VALUTAZIONE),
                          "pronta": lambda v: "" if v is None else ("Sì" if v else "No")}
    add_form_extra_fields = edit_form_extra_fields = {
        "esito": scelta("Esito", workflow.ESITI_VALUTAZIONE), "pronta": _sì_no()}
    validators_columns = {"motivazione": [Length(max=1000, message="Al massimo 1000 caratteri.")]}
    add_form_query_rel_fields = {"segnalazione": [["id", FiltroPerimetroCollegati, lambda: None]]}

    def limita_scelte(self, form):
        # Opened from a segnalazione's «Valuta» (bound to it): the save says why, if it cannot.
        if "segnalazione" in form and record_legato("segnalazione") is None:
            offri(form.segnalazione, scelte.segnalazioni_da_valutare(g.user))

    def render_template(self, template, **kwargs):
        legata = record_legato("segnalazione") if template == self.add_template else None
        s = db.session.get(m.Segnalazione, legata) if legata is not None else None  # inside the perimeter
        if s is not None:
            kwargs["title"] = f"Valutazione della {s}"  # by her code, never her name
        return super().render_template(template, **kwargs)

    def pre_add(self, item):
        servizi_percorso.prepara_valutazione(item, g.user)

    def pre_update(self, item):
        servizi_percorso.prepara_valutazione(item, g.user)


class SoloMembriOfferti:
    """FAB's multiple select silently drops a posted id it does not offer (its check runs before
    the data is read): refuse the form instead, so nobody is added, or removed, unnoticed."""

    def __call__(self, form, field):
        offerti = {str(u.id) for u in field.data or []}
        if set(field.raw_data or []) - offerti:
            raise ValidationError("Utente non ammesso nella micro-équipe: servono utenti attivi, di un ente della "
                                  "rete, che lavorano sui casi.")


class MicroEquipeView(LiaRecordView):
    nome_record = ("Micro-équipe", "a")
    datamodel = InterfacciaLia(m.MicroEquipe, carica=["beneficiaria", "ente_coordinatore"])
    class_permission_name = "MicroEquipe"
    list_title = "Micro-équipe"
    show_title = add_title = edit_title = "Micro-équipe"
    list_columns = ["beneficiaria", "ente_coordinatore"]
    add_columns = ["beneficiaria", "ente_coordinatore", "membri", "note"]
    edit_columns = ["ente_coordinatore", "membri", "note"]
    show_columns = add_columns
    label_columns = {"beneficiaria": "Beneficiaria", "ente_coordinatore": "Ente coordinatore", "membri": "Componenti",
                     "note": "Note"}
    formatters_columns = {"membri": lambda membri: ", ".join(str(u) for u in membri)}  # not a Python list
    validators_columns = {"note": [Length(max=1000)], "membri": [SoloMembriOfferti()]}
    _MEMBRI = {"membri": [["id", FiltroMembriAmmessi, lambda: None]]}
    add_form_query_rel_fields = {**_BENEFICIARIE, **_MEMBRI}
    edit_form_query_rel_fields = _MEMBRI

    def pre_add(self, item):
        servizi_percorso.prepara_microequipe(item, g.user)

    def pre_update(self, item):
        servizi_percorso.verifica_membri_microequipe(item)


class TransizioneProgettoView(LiaRecordView):
    datamodel = InterfacciaLia(m.TransizioneProgetto, carica=["utente"])
    class_permission_name = "Progetto"
    base_permissions = ["can_read"]
    list_title = "Storico del progetto"
    # The date the user entered for the decision first; when it was typed in, last.
    list_columns = ["data_decisione", "da_stato", "a_stato", "utente", "nota", "quando"]
    label_columns = {"data_decisione": "Data della decisione", "quando": "Registrato il", "da_stato": "Da",
                     "a_stato": "A", "utente": "Chi", "nota": "Nota"}
    formatters_columns = {"da_stato": formatta(workflow.STATI_ETICHETTE), "a_stato": formatta(workflow.STATI_ETICHETTE),
                          "quando": lambda d: d.strftime("%d/%m/%Y %H:%M") if d else ""}
    base_order = ("id", "asc")


class InterventoView(LiaRecordView):
    nome_record = ("Intervento", "o")
    datamodel = InterfacciaLia(m.Intervento, carica=["progetto", "ente_erogatore"])
    class_permission_name = "Intervento"
    list_title = "Interventi"
    show_title = add_title = edit_title = "Intervento"
    list_columns = ["progetto", "tipo", "servizio_cpi", "ente_erogatore", "data_inizio", "data_fine", "stato"]
    add_columns = ["progetto", "tipo", "servizio_cpi", "ente_erogatore", "data_inizio", "data_fine", "stato", "note"]
    edit_columns = add_columns[1:]
    show_columns = add_columns
    label_columns = {"progetto": "Progetto", "tipo": "Tipo", "servizio_cpi": "Servizio CPI (senza costi)",
                     "ente_erogatore": "Ente erogatore", "data_inizio": "Dal", "data_fine": "Al", "stato": "Stato",
                     "note": "Note"}
    formatters_columns = {"tipo": formatta(m.TIPI_INTERVENTO), "servizio_cpi": formatta(m.SERVIZI_CPI),
                          "stato": formatta(m.STATI_INTERVENTO)}
    add_form_extra_fields = edit_form_extra_fields = {
        "tipo": scelta("Tipo", m.TIPI_INTERVENTO),
        "servizio_cpi": scelta("Servizio CPI (senza costi)", {"": "—", **m.SERVIZI_CPI}, obbligatorio=False),
        "stato": scelta("Stato", m.STATI_INTERVENTO),
    }
    validators_columns = {"note": [Length(max=1000)]}
    add_form_query_rel_fields = {"progetto": [["id", FiltroPerimetroCollegati, lambda: None]]}

    def pre_add(self, item):
        item.servizio_cpi = item.servizio_cpi or None
        servizi_percorso.prepara_figlio_di_progetto(item)

    pre_update = pre_add


class EsitoProgettoView(LiaRecordView):
    nome_record = ("Esito", "o")
    datamodel = InterfacciaLia(m.EsitoProgetto, carica=["progetto"])
    class_permission_name = "EsitoProgetto"
    list_title = "Esiti e follow-up"
    show_title = add_title = edit_title = "Esito / follow-up"
    list_columns = ["progetto", "tipo", "data", "condizione_lavorativa", "tipo_contratto", "condizione_abitativa"]
    add_columns = ["progetto", "tipo", "data", "condizione_lavorativa", "tipo_contratto", "condizione_abitativa", "note"]
    edit_columns = add_columns[1:]
    show_columns = add_columns
    label_columns = {"progetto": "Progetto", "tipo": "Tipo", "data": "Data",
                     "condizione_lavorativa": "Condizione lavorativa", "tipo_contratto": "Contratto",
                     "condizione_abitativa": "Condizione abitativa", "note": "Note"}
    formatters_columns = {"tipo": formatta(m.TIPI_ESITO), "condizione_lavorativa": formatta(m.CONDIZIONI_LAVORO_ESITO),
                          "tipo_contratto": formatta(m.TIPI_CONTRATTO),
                          "condizione_abitativa": formatta(m.CONDIZIONI_ABITATIVE)}
    add_form_extra_fields = edit_form_extra_fields = {
        "tipo": scelta("Tipo", m.TIPI_ESITO),
        "condizione_lavorativa": scelta("Condizione lavorativa", m.CONDIZIONI_LAVORO_ESITO),
        "tipo_contratto": scelta("Contratto", m.TIPI_CONTRATTO),
        "condizione_abitativa": scelta("Condizione abitativa", m.CONDIZIONI_ABITATIVE),
    }
    validators_columns = {"note": [Length(max=1000)]}
    add_form_query_rel_fields = {"progetto": [["id", FiltroPerimetroCollegati, lambda: None]]}

    def pre_add(self, item):
        servizi_percorso.prepara_figlio_di_progetto(item)
        eliminazione.registra_autore(item, g.user)

    def pre_update(self, item):
        servizi_percorso.prepara_figlio_di_progetto(item)

    def pre_delete(self, item):
        eliminazione.verifica_eliminazione(item, g.user)


class ColloquioCPIView(LiaRecordView):
    nome_record = ("Colloquio al CPI", "o")
    datamodel = InterfacciaLia(m.ColloquioCPI, carica=["beneficiaria", "ente_cpi"])
    class_permission_name = "ColloquioCPI"
    list_title = "Colloqui conoscitivi al CPI"
    show_title = add_title = edit_title = "Colloquio conoscitivo al CPI"
    list_columns = ["beneficiaria", "ente_cpi", "data_prevista", "data_svolta"]
    add_columns = ["beneficiaria", "ente_cpi", "data_prevista", "data_svolta", "esito"]
    edit_columns = add_columns[1:]
    show_columns = add_columns
    label_columns = {"beneficiaria": "Beneficiaria", "ente_cpi": "Centro per l'impiego", "data_prevista": "Data prevista",
                     "data_svolta": "Data svolta", "esito": "Esito"}
    validators_columns = {"esito": [Length(max=1000)]}
    add_form_query_rel_fields = _BENEFICIARIE

    def pre_add(self, item):
        servizi_percorso.prepara_colloquio_cpi(item)


class ProgettoView(LiaRecordView):
    """The personalised project; its transitions are buttons on the show page (who may fire
    which is the rule in app.rules.workflow), and its history is a related list."""
    nome_record = ("Progetto", "o")

    datamodel = InterfacciaLia(m.Progetto, carica=["beneficiaria", "ente_coordinatore"])
    class_permission_name = "Progetto"
    method_permission_name = dict(LiaModelView.method_permission_name, transizione="transition")
    related_views = [TransizioneProgettoView, InterventoView, EsitoProgettoView]
    show_template = "lia_progetto_show.html"
    list_title = "Progetti personalizzati"
    show_title = "Progetto personalizzato"
    add_title = "Nuovo progetto personalizzato"
    edit_title = "Modifica progetto"
    list_columns = ["codice", "beneficiaria", "area", "stato", "data_inizio", "data_fine", "ente_coordinatore"]
    _contenuto = ["area", "obiettivi", "data_inizio", "data_fine", "budget_asse_ii", "budget_asse_iii",
                  "budget_asse_iv", "soluzione_abitativa_intermedia"]
    add_columns = ["segnalazione"] + _contenuto
    edit_columns = _contenuto
    show_fieldsets = [
        ("Progetto", {"fields": ["codice", "beneficiaria", "segnalazione", "ente_coordinatore", "area", "obiettivi",
                                 "data_inizio", "data_fine", "soluzione_abitativa_intermedia"]}),
        ("Budget previsto", {"fields": ["budget_asse_ii", "budget_asse_iii", "budget_asse_iv"]}),
        ("Stato", {"fields": ["stato", "data_validazione_equipe", "data_validazione_capofila", "data_avvio",
                              "data_chiusura", "motivo_interruzione"]}),
    ]
    search_columns = ["codice", "area", "stato", "data_fine"]  # codice contains the woman's code
    order_columns = ["codice", "stato", "data_inizio", "data_fine"]
    label_columns = {
        "codice": "Codice", "beneficiaria": "Beneficiaria", "segnalazione": "Segnalazione (ammessa)",
        "ente_coordinatore": "Ente coordinatore", "area": "Area", "obiettivi": "Obiettivi", "data_inizio": "Inizio",
        "data_fine": "Fine", "budget_asse_ii": "Budget Asse II (€)", "budget_asse_iii": "Budget Asse III (€)",
        "budget_asse_iv": "Budget Asse IV (€)", "soluzione_abitativa_intermedia": "Soluzione abitativa intermedia",
        "stato": "Stato", "data_validazione_equipe": "Validato dall'équipe il",
        "data_validazione_capofila": "Validato dal capofila il", "data_avvio": "Avviato il",
        "data_chiusura": "Chiuso il", "motivo_interruzione": "Motivo dell'interruzione",
    }
    formatters_columns = {"area": formatta(m.AREE), "stato": formatta(workflow.STATI_ETICHETTE)}
    add_form_extra_fields = edit_form_extra_fields = {"area": scelta("Area", m.AREE)}
    validators_columns = {
        "obiettivi": [DataRequired(message="Indicare gli obiettivi."), Length(max=5000)],
        "budget_asse_ii": [Optional(), NumberRange(min=0, max=1_000_000, message="Importo non valido.")],
        "budget_asse_iii": [Optional(), NumberRange(min=0, max=1_000_000, message="Importo non valido.")],
        "budget_asse_iv": [Optional(), NumberRange(min=0, max=1_000_000, message="Importo non valido.")],
    }
    add_form_query_rel_fields = {"segnalazione": [["id", FiltroPerimetroCollegati, lambda: None]]}

    def limita_scelte(self, form):
        # From her page (FAB's related view): only her segnalazioni; the only one is chosen.
        if "segnalazione" in form:  # chosen once: the edit form does not change it
            offri(form.segnalazione, scelte.segnalazioni_da_progettare(record_legato("beneficiaria")))

    def precompila_nuovo(self, form):
        offerte = form.segnalazione._get_object_list()
        if record_legato("beneficiaria") is not None and len(offerte) == 1:
            form.segnalazione.data = offerte[0][1]

    def pre_add(self, item):
        servizi_percorso.prepara_progetto(item, g.user)

    def pre_update(self, item):
        servizi_percorso.verifica_modifica_progetto(item)

    def pre_delete(self, item):
        servizi_percorso.verifica_eliminazione_progetto(item)

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            progetto = self.datamodel.get(kwargs["pk"], self._base_filters)
            if progetto is not None:
                kwargs["transizioni"] = servizi_percorso.transizioni_per_utente(progetto, g.user)
                kwargs["etichette_stati"] = workflow.STATI_ETICHETTE
                kwargs["codice_progetto"] = progetto.codice
                kwargs["puo_transitare"] = self.appbuilder.sm.has_access("can_transition", "Progetto")
                # Spent and residual per ceiling: whoever sees the project (as its API answers);
                # the spese themselves: whoever may read spese.
                kwargs["residui"] = servizi_spese.residui_progetto(progetto)
                if self.appbuilder.sm.has_access("can_read", "Spesa"):
                    kwargs["spese_progetto"] = servizi_spese.spese_del_progetto(progetto)
                    kwargs["formatta_euro"] = formatta_euro
                    if self.appbuilder.sm.has_access("can_write", "Spesa") and registra_spese_su(g.user, progetto):
                        kwargs["url_nuova_spesa"] = url_for("SpesaView.add", progetto=progetto.id)
        return super().render_template(template, **kwargs)

    @expose("/transizione/<int:pk>", methods=["POST"])
    @has_access
    def transizione(self, pk):
        progetto = self.datamodel.get(pk, self._base_filters)
        if progetto is None:
            abort(404)
        try:
            testo = request.form.get("data") or ""
            try:
                data = date_italiane.leggi_data(testo) if testo.strip() else None
            except ValueError as exc:
                raise servizi.Rifiuto(f"Data della decisione: {exc}")
            with servizi.transazione():
                servizi_percorso.esegui_transizione(progetto, g.user, request.form.get("verso", ""),
                                                    request.form.get("nota", ""), data)
            flash(f"Progetto {progetto.codice}: {workflow.STATI_ETICHETTE.get(progetto.stato)}.", "success")
        except servizi.Rifiuto as exc:
            for motivo in exc.motivi:
                flash(motivo, "danger")
        return redirect(url_for("ProgettoView.show", pk=pk))


class DaFareView(BaseView):
    """The busy operator's page: what waits for her, within her perimeter."""

    route_base = "/da-fare"
    class_permission_name = "DaFare"
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        mesi = programma_corrente().mesi_follow_up  # a programme setting
        liste = scadenze.da_fare(g.user, date.today(), mesi_follow_up=mesi)
        return self.render_template("lia_da_fare.html", liste=liste, etichette_stati=workflow.STATI_ETICHETTE,
                                    data_validazione=scadenze.data_validazione)


def registra(appbuilder):
    appbuilder.add_view(DaFareView, "Da fare", icon="fa-check-square-o", category="Casi")
    appbuilder.add_view(SegnalazioneView, "Segnalazioni", category="Casi")
    appbuilder.add_view(ValutazioneView, "Valutazioni", category="Casi")
    appbuilder.add_view(MicroEquipeView, "Micro-équipe", category="Casi")
    appbuilder.add_view(ProgettoView, "Progetti", category="Casi")
    appbuilder.add_view(ColloquioCPIView, "Colloqui CPI", category="Casi")
    appbuilder.add_view(InterventoView, "Interventi", category="Casi")
    appbuilder.add_view(EsitoProgettoView, "Esiti e follow-up", category="Casi")
    appbuilder.add_view_no_menu(TransizioneProgettoView)
