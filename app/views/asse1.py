"""Asse I, run by the capofila: the laboratorio di empowerment (editions, sessions, enrolments,
attendance), its formalised model, training events for operators, agreements; and the
dashboard ("Cruscotto") of the indicators, the spending and the paths activated per month.

The operations shared by the screens, the REST API and the CLI (attendance for a whole session,
the numbers of the dashboard, the checks before writing) live in app.servizi.asse1, their rules
in app.rules.asse1: both channels apply the same rule.

Who writes what:
- the resource "Laboratorio" covers editions, sessions, enrolments and attendance. The
  operators of a CAV hold can_write on it to enrol their own women and record attendance;
  creating, changing or deleting an EDITION or a SESSION is the capofila's (it runs Asse I, and
  deleting one would cascade onto other CAVs' women's records the operator cannot see):
  `solo_capofila()` answers 403 to anyone else.
- enrolments and attendance are records about one woman (PerBeneficiaria): the perimeter of
  app.security decides which of them a user sees and touches.
Documents (model, agreements) are uploaded on their forms and stored outside the database
(app.views.ConAllegato, app.servizi.allegati).
"""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from markupsafe import Markup
from sqlalchemy import select
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app import models as m
from app.extensions import db
from app.rules.eligibility import formatta_euro
from app.security import FiltroPerimetro, FiltroPerimetroCollegati
from app.servizi import Rifiuto, transazione
from app.servizi.asse1 import (
    RISORSA_CRUSCOTTO, RISORSA_LABORATORIO, dati_cruscotto, grafico_mesi, iscritte_visibili, presenze_visibili,
    registra_presenze, solo_capofila, verifica_accordo, verifica_iscrizione, verifica_modello,
)
from app.servizi.interfaccia import InterfacciaLia
from app.views import ConAllegato, LiaModelView, formatta, link_allegato, scelta

_ORARIO = r"^([01]\d|2[0-3]):[0-5]\d$"


def _euro(v) -> str:
    return formatta_euro(v) if v is not None else "—"


# --- screens ---------------------------------------------------------------------------------

_PERIMETRO = [["id", FiltroPerimetroCollegati, lambda: None]]
_NOTE = [Length(max=1000, message="Al massimo 1000 caratteri.")]
_OBBL = DataRequired(message="Campo obbligatorio.")


class SoloCapofilaScrive:
    """Add, edit and delete answer 403 to anyone but the capofila (see the module's doc)."""

    def pulsante_consentito(self, nome, item=None):
        if nome in ("add", "edit", "delete"):
            return solo_capofila()
        return super().pulsante_consentito(nome, item)

    def _add(self):
        if not solo_capofila():
            abort(403)
        return super()._add()

    def _edit(self, pk):
        if not solo_capofila():
            abort(403)
        return super()._edit(pk)

    def _delete(self, pk):
        if not solo_capofila():
            abort(403)
        return super()._delete(pk)


class PresenzaView(LiaModelView):
    """Attendance rows (read only here: they are recorded for a whole session at once)."""

    datamodel = InterfacciaLia(m.Presenza)
    class_permission_name = RISORSA_LABORATORIO
    base_permissions = ["can_read"]
    base_filters = _PERIMETRO
    list_title = "Presenze al laboratorio"
    show_title = "Presenza"
    list_columns = ["sessione", "beneficiaria", "presente"]
    show_columns = list_columns
    search_columns = ["sessione", "beneficiaria", "presente"]
    label_columns = {"sessione": "Sessione", "beneficiaria": "Beneficiaria", "presente": "Presente"}
    formatters_columns = {"presente": lambda v: "Sì" if v else "No"}


def _link_presenze(sessione_id):
    return Markup('<a class="btn btn-xs btn-default" href="{}"><i class="fa fa-check-square-o"></i> '
                  'Presenze</a>').format(url_for("PresenzeSessioneView.presenze", sessione_id=sessione_id))


class SessioneLaboratorioView(SoloCapofilaScrive, LiaModelView):
    datamodel = InterfacciaLia(m.SessioneLaboratorio)
    class_permission_name = RISORSA_LABORATORIO
    related_views = [PresenzaView]
    list_title = "Sessioni del laboratorio"
    show_title = "Sessione del laboratorio"
    add_title = "Nuova sessione"
    edit_title = "Modifica sessione"
    list_columns = ["laboratorio", "data", "ora_inizio", "ora_fine", "tema", "svolta", "id"]
    add_columns = ["laboratorio", "data", "ora_inizio", "ora_fine", "tema", "svolta", "note"]
    edit_columns = add_columns
    show_columns = add_columns
    search_columns = ["laboratorio", "data", "svolta"]
    order_columns = ["data"]
    base_order = ("data", "asc")
    label_columns = {"laboratorio": "Laboratorio (edizione)", "data": "Data", "ora_inizio": "Dalle",
                     "ora_fine": "Alle", "tema": "Tema", "svolta": "Svolta", "note": "Note", "id": "Presenze"}
    description_columns = {"svolta": "Solo le sessioni svolte contano per gli indicatori."}
    formatters_columns = {"id": _link_presenze, "svolta": lambda v: "Sì" if v else "No"}
    validators_columns = {"tema": [Length(max=300)], "note": _NOTE, "data": [_OBBL],
                          "ora_inizio": [Optional(), Regexp(_ORARIO, message="Orario nel formato HH:MM.")],
                          "ora_fine": [Optional(), Regexp(_ORARIO, message="Orario nel formato HH:MM.")]}


class IscrizioneLaboratorioView(LiaModelView):
    """Enrolment of a woman (by code) in an edition: each CAV enrols her own women."""

    datamodel = InterfacciaLia(m.IscrizioneLaboratorio)
    class_permission_name = RISORSA_LABORATORIO
    base_filters = _PERIMETRO
    list_title = "Iscrizioni al laboratorio"
    show_title = add_title = edit_title = "Iscrizione al laboratorio"
    list_columns = ["laboratorio", "beneficiaria", "data_iscrizione"]
    add_columns = ["laboratorio", "beneficiaria", "data_iscrizione"]
    edit_columns = ["data_iscrizione"]
    show_columns = add_columns
    search_columns = ["laboratorio", "beneficiaria", "data_iscrizione"]
    label_columns = {"laboratorio": "Laboratorio (edizione)", "beneficiaria": "Beneficiaria",
                     "data_iscrizione": "Data di iscrizione"}
    validators_columns = {"laboratorio": [_OBBL], "beneficiaria": [_OBBL]}
    add_form_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}

    def pre_add(self, item):
        verifica_iscrizione(item)
        item.data_iscrizione = item.data_iscrizione or date.today()


class LaboratorioView(SoloCapofilaScrive, LiaModelView):
    datamodel = InterfacciaLia(m.Laboratorio)
    class_permission_name = RISORSA_LABORATORIO
    related_views = [SessioneLaboratorioView, IscrizioneLaboratorioView]
    list_title = "Laboratori di empowerment"
    show_title = "Laboratorio di empowerment"
    add_title = "Nuova edizione del laboratorio"
    edit_title = "Modifica edizione del laboratorio"
    list_columns = ["edizione", "ambito", "conduttori", "sede"]
    add_columns = edit_columns = show_columns = ["edizione", "ambito", "conduttori", "sede", "note"]
    search_columns = ["edizione", "ambito"]
    order_columns = ["edizione"]
    label_columns = {"edizione": "Edizione", "ambito": "Ambito", "conduttori": "Conduttrici / conduttori",
                     "sede": "Sede", "note": "Note"}
    validators_columns = {"edizione": [_OBBL, Length(max=100)], "ambito": [_OBBL],
                          "conduttori": [Length(max=300)], "sede": [Length(max=300)], "note": _NOTE}




class ModelloLaboratorioView(ConAllegato, LiaModelView):
    datamodel = InterfacciaLia(m.ModelloLaboratorio)
    class_permission_name = "ModelloLaboratorio"
    list_title = "Modello del laboratorio"
    show_title = "Modello del laboratorio"
    add_title = "Nuovo modello del laboratorio"
    edit_title = "Modifica modello del laboratorio"
    list_columns = ["titolo", "data_formalizzazione", "data_validazione", "validato_da"]
    add_columns = edit_columns = ["titolo", "file_allegato", "data_formalizzazione", "data_validazione", "validato_da"]
    show_columns = ["titolo", "scarica_allegato", "data_formalizzazione", "data_validazione", "validato_da"]
    add_form_extra_fields = edit_form_extra_fields = {"file_allegato": ConAllegato.campo_upload()}
    formatters_columns = {"scarica_allegato": link_allegato}
    label_columns = {"titolo": "Titolo", "file_allegato": "Documento", "scarica_allegato": "Documento",
                     "data_formalizzazione": "Formalizzato il", "data_validazione": "Validato il",
                     "validato_da": "Validato da"}
    description_columns = {"data_validazione": "Conta per l'indicatore solo se formalizzato e validato."}
    validators_columns = {"titolo": [_OBBL, Length(max=300)], "validato_da": [Length(max=300)]}

    def pre_add(self, item):
        verifica_modello(item)
        self.salva_allegato(item)

    pre_update = pre_add


class PartecipazioneEventoView(LiaModelView):
    datamodel = InterfacciaLia(m.PartecipazioneEvento)
    class_permission_name = "EventoFormativo"
    list_title = "Partecipazione degli enti"
    show_title = add_title = edit_title = "Partecipazione all'evento"
    list_columns = ["evento", "ente", "numero_operatori"]
    add_columns = ["evento", "ente", "numero_operatori"]
    edit_columns = ["ente", "numero_operatori"]
    show_columns = add_columns
    label_columns = {"evento": "Evento formativo", "ente": "Ente", "numero_operatori": "Operatori presenti"}
    validators_columns = {"evento": [_OBBL], "ente": [_OBBL],
                          "numero_operatori": [NumberRange(min=1, max=1000, message="Da 1 a 1000.")]}


class EventoFormativoView(LiaModelView):
    datamodel = InterfacciaLia(m.EventoFormativo)
    class_permission_name = "EventoFormativo"
    related_views = [PartecipazioneEventoView]
    list_title = "Eventi formativi per operatori"
    show_title = "Evento formativo"
    add_title = "Nuovo evento formativo"
    edit_title = "Modifica evento formativo"
    list_columns = ["data", "tema", "ambito", "diffonde_modello"]
    add_columns = edit_columns = show_columns = ["data", "tema", "ambito", "diffonde_modello", "note"]
    search_columns = ["data", "tema", "ambito"]
    order_columns = ["data"]
    base_order = ("data", "desc")
    label_columns = {"data": "Data", "tema": "Tema", "ambito": "Ambito (vuoto: tutti e tre)",
                     "diffonde_modello": "Diffonde il modello del laboratorio", "note": "Note"}
    formatters_columns = {"diffonde_modello": lambda v: "Sì" if v else "No",
                          "ambito": lambda v: v if v else "Tutti gli ambiti"}
    description_columns = {"data": "Conta per l'indicatore dal giorno in cui si è svolto."}
    validators_columns = {"data": [_OBBL], "tema": [_OBBL, Length(max=300)], "note": _NOTE}


class AccordoView(ConAllegato, LiaModelView):
    datamodel = InterfacciaLia(m.Accordo)
    class_permission_name = "Accordo"
    list_title = "Accordi con i soggetti del territorio"
    show_title = "Accordo"
    add_title = "Nuovo accordo"
    edit_title = "Modifica accordo"
    list_columns = ["controparte", "tipo", "area", "stato", "data_firma"]
    add_columns = edit_columns = ["controparte", "tipo", "area", "stato", "data_firma", "file_allegato", "note"]
    show_columns = ["controparte", "tipo", "area", "stato", "data_firma", "scarica_allegato", "note"]
    search_columns = ["controparte", "tipo", "area", "stato", "data_firma"]
    order_columns = ["controparte", "data_firma"]
    label_columns = {"controparte": "Controparte", "tipo": "Tipo", "area": "Area", "stato": "Stato",
                     "data_firma": "Firmato il", "file_allegato": "Documento", "scarica_allegato": "Documento",
                     "note": "Note"}
    description_columns = {"stato": "Conta per l'indicatore se firmato (o scaduto) con la data di firma."}
    formatters_columns = {"tipo": formatta(m.TIPI_ACCORDO), "area": formatta(m.AREE),
                          "stato": formatta(m.STATI_ACCORDO), "scarica_allegato": link_allegato}
    add_form_extra_fields = edit_form_extra_fields = {
        "tipo": scelta("Tipo", m.TIPI_ACCORDO), "area": scelta("Area", m.AREE),
        "stato": scelta("Stato", m.STATI_ACCORDO), "file_allegato": ConAllegato.campo_upload()}
    validators_columns = {"controparte": [_OBBL, Length(max=300)], "note": _NOTE}

    def pre_add(self, item):
        verifica_accordo(item)
        self.salva_allegato(item)

    pre_update = pre_add


# --- attendance for a whole session --------------------------------------------------------

class PresenzeSessioneView(BaseView):
    """One screen for the attendance of a session: the checklist of the enrolled women the user
    may see (by code; her own women also by name for the CAV that holds them)."""

    route_base = "/presenze"
    class_permission_name = RISORSA_LABORATORIO
    method_permission_name = {"presenze": "read", "salva": "write"}
    default_view = "presenze"

    def _sessione(self, sessione_id):
        sessione = db.session.get(m.SessioneLaboratorio, sessione_id)
        if sessione is None:
            abort(404)
        return sessione

    @expose("/<int:sessione_id>", methods=["GET"])
    @has_access
    def presenze(self, sessione_id):
        sessione = self._sessione(sessione_id)
        iscrizioni = iscritte_visibili(sessione)
        ids = [i.beneficiaria_id for i in iscrizioni]
        presenze = presenze_visibili(sessione, ids)
        nomi = {}
        if ids and self.appbuilder.sm.has_access("can_read", "DatiPersonali"):
            # The perimeter returns only the rows of the women her own CAV holds.
            for dp in db.session.execute(select(m.DatiPersonali)
                                         .where(m.DatiPersonali.beneficiaria_id.in_(ids))).scalars():
                nomi[dp.beneficiaria_id] = f"{dp.nome} {dp.cognome}"
        righe = [{"id": i.beneficiaria_id, "codice": i.beneficiaria.codice, "nome": nomi.get(i.beneficiaria_id),
                  "presente": presenze[i.beneficiaria_id].presente if i.beneficiaria_id in presenze else None}
                 for i in iscrizioni]
        return self.render_template(
            "lia_presenze.html", sessione=sessione, righe=righe, con_nomi=bool(nomi),
            puo_scrivere=self.appbuilder.sm.has_access("can_write", RISORSA_LABORATORIO))

    @expose("/<int:sessione_id>", methods=["POST"])
    @has_access
    def salva(self, sessione_id):
        sessione = self._sessione(sessione_id)
        try:
            presenti = {int(v) for v in request.form.getlist("presenti")}
            iscritte = request.form.getlist("iscritte")
            limitate_a = {int(v) for v in iscritte} if iscritte else None
        except ValueError:
            abort(400)
        try:
            with transazione():
                n_presenti, n_assenti = registra_presenze(sessione, presenti, limitate_a)
        except Rifiuto as exc:
            for motivo in exc.motivi:
                flash(motivo, "danger")
        else:
            flash(f"Presenze registrate: {n_presenti} presenti, {n_assenti} assenti.", "success")
        return redirect(url_for("PresenzeSessioneView.presenze", sessione_id=sessione_id))


# --- the dashboard ----------------------------------------------------------------------------

class CruscottoView(BaseView):
    """Indicators against targets, spending against budget, paths activated per month."""

    route_base = "/cruscotto"
    class_permission_name = RISORSA_CRUSCOTTO
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        dati = dati_cruscotto()
        return self.render_template("lia_cruscotto.html", dati=dati, euro=_euro,
                                    grafico=grafico_mesi(dati["percorsi_per_mese"], dati["soglia_conteggi_piccoli"]))


def registra(appbuilder):
    appbuilder.add_view(LaboratorioView, "Laboratori", category="Asse I", icon="fa-users", category_icon="fa-users")
    appbuilder.add_view(SessioneLaboratorioView, "Sessioni del laboratorio", category="Asse I")
    appbuilder.add_view(IscrizioneLaboratorioView, "Iscrizioni al laboratorio", category="Asse I")
    appbuilder.add_view(PresenzaView, "Presenze al laboratorio", category="Asse I")
    appbuilder.add_view(ModelloLaboratorioView, "Modello del laboratorio", category="Asse I")
    appbuilder.add_view(EventoFormativoView, "Eventi formativi", category="Asse I")
    appbuilder.add_view(AccordoView, "Accordi", category="Asse I")
    appbuilder.add_view_no_menu(PartecipazioneEventoView)
    appbuilder.add_view_no_menu(PresenzeSessioneView)
    appbuilder.add_view(CruscottoView, "Cruscotto", icon="fa-tachometer")
