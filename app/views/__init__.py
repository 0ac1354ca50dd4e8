"""FAB screens: declarations, with the few hooks that make them safe.

Access to rows is decided in app.security (the perimeter applies to every query); the
base_filters below name it on each screen without repeating its SQL. Actions load their records
through the filters too (FAB's stock action routes do not).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import abort, flash, g, redirect, request, url_for
from flask_wtf.file import FileField
from markupsafe import Markup
from flask_appbuilder import ModelView, SimpleFormView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget, DatePickerWidget, Select2Widget
from flask_appbuilder.urltools import get_filter_args, get_order_args, get_page_args, get_page_size_args
from flask_appbuilder.views import IndexView
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from app import audit
from app import models as m
from app.crypto import colonne_cifrate
from app.integrita import SoloOrdinamentiDichiarati
from app.rules.codice_fiscale import motivi_cf_non_valido, normalizza_cf
from app.security import (
    FiltroDetenute, FiltroPerimetro, FiltroPerimetroCollegati, PERMESSI_VISTA,
    puo_modificare_beneficiaria, registra_per_le_donne,
)
from app import servizi, versioni
from app.views.schermate import Schermata
from app.servizi import beneficiarie, consensi, conservazione, date_plausibili
from app.servizi.spese import programma_corrente
from app.servizi import allegati
from app.servizi.interfaccia import InterfacciaLia  # noqa: F401  (re-exported for the view modules)
from app.views import date_italiane, moduli


def scelta(etichetta, voci, obbligatorio=True):
    """A select with Italian labels for a string-enum column; a required one starts blank."""
    return SelectField(
        etichetta, choices=([("", "")] if obbligatorio else []) + list(voci.items()), widget=Select2Widget(),
        validators=[DataRequired(message="Campo obbligatorio.")] if obbligatorio else [Optional()],
    )


def scelta_finalita(etichetta):
    """The consent purposes of the programme in use, read at each form (a programme file's data)."""
    return SelectField(
        etichetta, widget=Select2Widget(), validators=[DataRequired(message="Campo obbligatorio.")],
        choices=lambda: [("", "")] + [(f.codice, f.descrizione) for f in programma_corrente().finalita_consenso])


def formatta(voci):
    return lambda v: voci.get(v, v or "")


class ValidatoreCF:
    def __call__(self, form, field):
        if field.data:
            motivi = motivi_cf_non_valido(field.data)
            if motivi:
                raise ValidationError(" ".join(motivi))
            field.data = normalizza_cf(field.data)


def valore_italiano(v):
    if v is None:
        return ""
    if v is True:
        return "Sì"
    if v is False:
        return "No"
    if isinstance(v, datetime):
        return v.strftime("%d/%m/%Y %H:%M")
    if isinstance(v, date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, Decimal):
        return f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return v


def _anche_vuoto(f):
    return lambda v: "" if v is None else f(v)


def mostra_rifiuto(form, exc) -> None:
    """Put each reason on its field when one fits, the others at the top of the form."""
    assegnati = set()
    for campo, motivi in exc.per_campo.items():
        # A form opened from a record's page does not show the field bound to it (`_flt_0_<campo>`).
        if campo in form and motivi and not request.args.get(f"_flt_0_{campo}"):
            form[campo].errors = list(form[campo].errors) + list(motivi)
            assegnati.update(motivi)
    for motivo in exc.motivi:
        if motivo not in assegnati:
            flash(motivo, "danger")


# Relations to these grow with the network: as search fields FAB would put every row in a
# <select> on each list page (O(N) per page). Search them by code instead.
MODELLI_GRANDI = {"Beneficiaria", "DatiPersonali", "Progetto", "Segnalazione", "Spesa", "Utente", "User",
                  "SessioneLaboratorio", "IscrizioneLaboratorio"}


class LiaModelView(Schermata, SoloOrdinamentiDichiarati, ModelView):
    """Base of every screen: read/write permissions, filtered actions, guarded related views."""

    method_permission_name = PERMESSI_VISTA
    page_size = 25

    def _init_properties(self):
        super()._init_properties()
        # The version is the edit form's hidden business (app.versioni), never a column to read.
        for nome in ("list_columns", "show_columns", "search_columns", "order_columns"):
            setattr(self, nome, [c for c in getattr(self, nome) if c != versioni.CAMPO])
        # Italian display of plain values (dates, yes/no, empty, amounts) where a column has
        # no formatter of its own. A copy: the class's dict may be shared.
        self.formatters_columns = dict(self.formatters_columns)
        proprieta = [c for c in (self.list_columns or []) + (self.show_columns or []) if "." not in c]
        for col in list(self.datamodel.get_columns_list()) + proprieta:
            self.formatters_columns.setdefault(col, valore_italiano)
        for col in self.formatters_columns:
            f = self.formatters_columns[col]
            if f is not valore_italiano:
                self.formatters_columns[col] = _anche_vuoto(f)
        def grande(col):
            return (self.datamodel.is_relation(col)
                    and self.datamodel.get_related_model(col).__name__ in MODELLI_GRANDI)
        # Encrypted columns: a search or an ordering on ciphertext can mean nothing.
        cifrate = colonne_cifrate(self.datamodel.obj)
        self.search_columns = [c for c in self.search_columns if not grande(c) and c not in cifrate]
        # The list decrypts only the identifying data it shows.
        self.datamodel.non_caricate = tuple(sorted(c for c in cifrate if c not in self.list_columns))
        self.order_columns = [c for c in self.order_columns if c not in cifrate]
        self._filters = self.datamodel.get_filters(self.search_columns)

    def _init_forms(self):
        # A versioned record's edit form carries the version it was opened on (see app.versioni).
        self.add_columns = [c for c in self.add_columns if c != versioni.CAMPO]
        if versioni.versionato(self.datamodel.obj) and self.edit_columns:
            self.edit_columns = [c for c in self.edit_columns if c != versioni.CAMPO] + [versioni.CAMPO]
            self.edit_form_extra_fields = {**self.edit_form_extra_fields, versioni.CAMPO: versioni.CampoVersione()}
        super()._init_forms()
        date_italiane.italianizza(self)  # every date field and date filter reads gg/mm/aaaa
        moduli.scelte_vuote(self.add_form)
        moduli.scelte_vuote(self.edit_form)
        for form in (self.add_form, self.edit_form, self.search_form):
            moduli.select_veloci(form)

    @expose("/download/<string:filename>")
    def download(self, filename):
        # FAB's route sends any file of UPLOAD_FOLDER with no row check (and 500s without one).
        # Attachments are served by ConAllegato.allegato, through the record's perimeter.
        abort(404)

    def _delete(self, pk):
        # As FAB's, with the Italian reasons of a refusal and of the database's own (RESTRICT).
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        try:
            self.pre_delete(item)
            self.datamodel.delete(item)
        except servizi.Rifiuto as exc:
            self.datamodel.session.rollback()
            for motivo in exc.motivi:
                flash(motivo, "danger")
        except DatabaseException as exc:
            flash(versioni.MSG_SUPERATA if versioni.superata(exc) else servizi.MSG_COLLEGATO, "danger")
        else:
            self.post_delete(item)
            flash(self.delete_row_message, "success")
        self.update_redirect()

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    @has_access
    def action(self, name, pk):
        # FAB's own route loads by pk without base_filters: load through them, or 404.
        if not self.is_get_mutation_allowed():
            abort(405)
        azione = self.actions.get(name)
        if azione is None:
            abort(404)
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        return azione.func(item)

    @expose("/action_post", methods=["POST"])
    @has_access
    def action_post(self):
        azione = self.actions.get(request.form.get("action", ""))
        if azione is None:
            abort(404)
        items = []
        for pk in request.form.getlist("rowid"):
            item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
            if item is None:
                abort(404)
            items.append(item)
        return azione.func(items)

    # Add and edit as FAB does, except that a refusal (servizi.Rifiuto), a database error or a
    # save over someone else's newer one (app.versioni) keeps the form on screen with the user's
    # input and the Italian reasons on the fields, and nothing is written.
    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        self.limita_scelte(form)
        if request.method != "POST":
            self.precompila_nuovo(form)
            self.update_redirect()  # as FAB does: "Salva" returns to the page we came from
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                if self._salva(form, item, nuovo=True):
                    return None
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self.limita_scelte(form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                self.process_form(form, False)
                if self._salva(form, item, nuovo=False):
                    return None
                item = self.datamodel.get(pk, self._base_filters)
                if item is None:
                    abort(404)
        else:
            form = self.edit_form.refresh(obj=item)
            self.limita_scelte(form)
            self.prefill_form(form, pk)
            self.update_redirect()
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(item, filters={}, orders=get_order_args(), pages=get_page_args(),
                                                page_sizes=get_page_size_args(), widgets=widgets)

    @staticmethod
    def conflitto(exc) -> servizi.Rifiuto | None:
        """Hook: the Italian reason of a database error this screen recognises (e.g. a unique index)."""
        return None

    def precompila_nuovo(self, form) -> None:
        """Hook: defaults of a new record's form (e.g. the operator's own ambito)."""

    def limita_scelte(self, form) -> None:
        """Hook: what the add and edit forms' dropdowns offer (app.views.moduli), on display and on save."""

    def _salva(self, form, item, nuovo: bool) -> bool:
        sessione = self.datamodel.session
        letta = None if nuovo or versioni.CAMPO not in form else form[versioni.CAMPO].data
        if letta is not None and letta != item.versione:
            return self._superata(form)
        try:
            form.populate_obj(item)
            date_plausibili.verifica_oggetto(item)
            self.pre_add(item) if nuovo else self.pre_update(item)
            if nuovo:
                sessione.add(item)
            sessione.commit()
        except servizi.Rifiuto as exc:
            sessione.rollback()
            mostra_rifiuto(form, exc)
            return False
        except (SQLAlchemyError, ValueError) as exc:
            sessione.rollback()
            if versioni.superata(exc):  # another save committed between our read and our write
                return self._superata(form)
            rifiuto = self.conflitto(exc)
            if rifiuto is not None:  # another request stored the same thing first
                mostra_rifiuto(form, rifiuto)
                return False
            flash("Salvataggio non riuscito: i dati sono in conflitto con un record esistente o non validi.",
                  "danger")
            return False
        self.post_add(item) if nuovo else self.post_update(item)
        flash(*self.conferma(item, nuovo))
        date_italiane.avvisa_fuori_periodo(form, item)
        return True

    # What a record is called in its confirmation, and the ending of the participle that agrees
    # with it («Beneficiaria CM-2023-0006 registrata», «Dati personali di CM-2023-0006 modificati»).
    nome_record: tuple[str, str] | None = None

    def conferma(self, item, nuovo: bool) -> tuple[str, str]:
        """Hook: the confirmation of a saved record, naming what was saved, and its flash category."""
        if self.nome_record is None:
            return (self.add_row_message if nuovo else self.edit_row_message), "success"
        nome, finale = self.nome_record
        codice = getattr(item, "codice", None)
        donna = getattr(item, "beneficiaria", None)
        if codice:
            nome = f"{nome} {codice}"
        elif getattr(donna, "codice", None):
            nome = f"{nome} di {donna.codice}"
        return f"{nome} {'registrat' if nuovo else 'modificat'}{finale}.", "success"

    def _superata(self, form) -> bool:
        """Someone else saved first: the user's input stays; under each field where the stored record
        now differs, its value; the form now carries the stored version, so saving again is a choice
        made having seen both. The values are drawn on the page, never flashed (the session cookie)."""
        self.datamodel.session.rollback()
        attuale = self.datamodel.get(form._id, self._base_filters)
        if attuale is None:
            flash(versioni.MSG_ELIMINATO, "danger")
            return False
        colonne = sa_inspect(type(attuale)).attrs
        for nome in self.edit_columns:
            if nome == versioni.CAMPO or nome not in colonne or nome not in form:
                continue
            salvato = self._come_si_legge(nome, getattr(attuale, nome))
            if salvato != self._come_si_legge(nome, form[nome].data):
                form[nome].errors = list(form[nome].errors) + [f"Valore salvato ora: «{salvato or '—'}»"]
        form[versioni.CAMPO].data = attuale.versione
        flash(versioni.MSG_MODULO, "warning")
        return False

    def _come_si_legge(self, nome, valore) -> str:
        if isinstance(valore, (list, tuple, set)):
            return ", ".join(sorted(str(v) for v in valore))
        return str(self.formatters_columns.get(nome, valore_italiano)(valore))

    def visibile_per(self, item) -> bool:
        """As a tab of another record's page: whether the user sees it on the page of `item`."""
        return True

    def _related_views_permessi(self, item=None):
        # FAB renders related views without checking the user's permission on them.
        sm = self.appbuilder.sm
        return [v for v in self._related_views if sm.has_access("can_read", v.class_permission_name)
                and (item is None or v.visibile_per(item))]

    def _get_related_views_widgets(self, item, orders=None, pages=None, page_sizes=None, widgets=None, **args):
        # Same as FAB's, over the permitted views only (no shared state: views serve many users).
        widgets = widgets or {}
        widgets["related_views"] = []
        viste = g.lia_viste_collegate = self._related_views_permessi(item)  # the same tabs in render_template
        for view in viste:
            nome = view.__class__.__name__
            order_column, order_direction = (orders or {}).get(nome) or ("", "")
            widgets["related_views"].append(self._get_related_view_widget(
                item, view, order_column, order_direction,
                page=(pages or {}).get(nome), page_size=(page_sizes or {}).get(nome)))
        return widgets

    def render_template(self, template, **kwargs):
        if "related_views" in kwargs:
            viste = g.pop("lia_viste_collegate", None)
            kwargs["related_views"] = self._related_views_permessi() if viste is None else viste
        return super().render_template(template, **kwargs)


class ConAllegato:
    """A record with a file kept outside the database (app.servizi.allegati): an upload field
    on its form and a download route that loads the record through the perimeter, or 404s."""

    campo_file = "file_allegato"
    etichetta_file = "Documento"

    @classmethod
    def campo_upload(cls, descrizione="PDF o immagine; resta fuori dal database. Vuoto: non cambia."):
        return FileField(cls.etichetta_file, validators=[Optional()], description=descrizione)

    def salva_allegato(self, item):
        file = getattr(item, self.campo_file, None)
        if file is not None and getattr(file, "filename", ""):
            vecchio, item.allegato = item.allegato, allegati.salva(file, campo=self.campo_file)
            allegati.elimina_al_commit(vecchio)

    @expose("/allegato/<int:pk>")
    @has_access
    def allegato(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        file = allegati.percorso(item.allegato) if item is not None and item.allegato else None
        if file is None:
            abort(404)
        audit.registra("scaricamento_allegato", tipo_record=type(item).__name__, record_id=pk,
                       codici=[audit.codice_di(item)])
        return allegati.scarica(file, f"{self.__class__.__name__.replace('View', '').lower()}-{pk}")


def link_allegato(url):
    return Markup('<a href="{}"><span class="fa fa-paperclip"></span> scarica il file</a>').format(url) if url else ""


# --- rete -------------------------------------------------------------------------------

class AmbitoView(LiaModelView):
    datamodel = InterfacciaLia(m.Ambito)
    class_permission_name = "Ambito"
    list_title = "Ambiti territoriali"
    list_columns = ["codice", "nome"]
    add_columns = edit_columns = show_columns = ["codice", "nome"]
    label_columns = {"codice": "Codice", "nome": "Nome"}


class EnteView(LiaModelView):
    datamodel = InterfacciaLia(m.Ente, carica=["ambito"])
    class_permission_name = "Ente"
    list_title = "Enti della rete"
    show_title = "Ente"
    add_title = "Nuovo ente"
    edit_title = "Modifica ente"
    list_columns = ["nome", "tipo", "ambito"]
    add_columns = edit_columns = show_columns = ["nome", "tipo", "ambito"]
    search_columns = ["nome", "tipo", "ambito"]
    label_columns = {"nome": "Nome", "tipo": "Tipo", "ambito": "Ambito"}
    formatters_columns = {"tipo": formatta(m.TIPI_ENTE)}
    add_form_extra_fields = edit_form_extra_fields = {"tipo": scelta("Tipo", m.TIPI_ENTE)}
    validators_columns = {"nome": [DataRequired(message="Campo obbligatorio."), Length(max=200)]}
    order_columns = ["nome", "tipo"]


# --- casi -------------------------------------------------------------------------------

_ETICHETTE_BENEFICIARIA = {
    "codice": "Codice", "ambito": "Ambito", "ente": "CAV di riferimento",
    "data_presa_in_carico": "Presa in carico", "fascia_eta": "Fascia d'età",
    "cittadinanza": "Cittadinanza", "figli_minori": "Figli minori", "relazione_autore": "Relazione con l'autore",
    "condizione_occupazionale": "Condizione occupazionale all'ingresso",
}
_PROFILO = ["fascia_eta", "cittadinanza", "figli_minori", "relazione_autore", "condizione_occupazionale"]


class SoloCavTitolare:
    """A woman's own records (profile, identity, consents, measures): only her CAV adds, edits or
    deletes them (beneficiarie.verifica_titolare in the hooks). The others are told so before any form."""

    def pulsante_consentito(self, nome, item=None):
        if nome not in ("add", "edit", "delete"):
            return super().pulsante_consentito(nome, item)
        if item is None:
            return registra_per_le_donne(g.user)
        return puo_modificare_beneficiaria(g.user, item if isinstance(item, m.Beneficiaria) else item.beneficiaria)

    def _edit(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is not None:
            try:
                beneficiarie.verifica_titolare(item, g.user)
            except servizi.NonConsentito as exc:
                flash(str(exc), "danger")
                self.update_redirect()  # back to the page she came from
                return None
        return super()._edit(pk)


# Add forms offer only the women the operator's CAV holds.
_DETENUTE = {"beneficiaria": [["id", FiltroDetenute, lambda: None]]}


class DatiPersonaliView(audit.VistaConDatiPersonali, SoloCavTitolare, LiaModelView):
    """Identifying data: only the holding CAV reaches these rows (perimeter + permission)."""
    nome_record = ("Dati personali", "i")

    datamodel = InterfacciaLia(m.DatiPersonali, carica=["beneficiaria"])
    class_permission_name = "DatiPersonali"
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    list_title = "Dati personali"
    show_title = add_title = edit_title = "Dati personali"
    list_columns = ["beneficiaria", "cognome", "nome", "comune"]
    _campi = ["beneficiaria", "nome", "cognome", "codice_fiscale", "data_nascita", "telefono", "email",
              "indirizzo", "comune"]
    add_columns = _campi
    edit_columns = _campi[1:]
    show_columns = _campi
    # The identifying columns are encrypted: a search cannot match them (LiaModelView drops them),
    # and a term typed in a GET search would land in logs. The CF search is a POST form of its own.
    search_exclude_columns = ["cf_indice"]
    label_columns = {
        "beneficiaria": "Beneficiaria", "nome": "Nome", "cognome": "Cognome", "codice_fiscale": "Codice fiscale",
        "data_nascita": "Data di nascita", "telefono": "Telefono", "email": "E-mail",
        "indirizzo": "Indirizzo", "comune": "Comune",
    }
    _obbl = [DataRequired(message="Campo obbligatorio."), Length(max=100, message="Al massimo 100 caratteri.")]
    _fac = Length(max=100, message="Al massimo 100 caratteri.")
    add_form_extra_fields = edit_form_extra_fields = {
        "nome": StringField("Nome", validators=_obbl, widget=BS3TextFieldWidget()),
        "cognome": StringField("Cognome", validators=_obbl, widget=BS3TextFieldWidget()),
        "codice_fiscale": StringField("Codice fiscale", validators=[Optional(), Length(max=20), ValidatoreCF()],
                                      widget=BS3TextFieldWidget()),
        "telefono": StringField("Telefono", validators=[Optional(), Length(max=30, message="Al massimo 30 caratteri.")],
                                widget=BS3TextFieldWidget()),
        "email": StringField("E-mail", validators=[Optional(), Length(max=200), Email(message="Indirizzo e-mail non valido.")],
                             widget=BS3TextFieldWidget()),
        "indirizzo": StringField("Indirizzo", validators=[Optional(), Length(max=300, message="Al massimo 300 caratteri.")],
                                 widget=BS3TextFieldWidget()),
        "comune": StringField("Comune", validators=[Optional(), _fac], widget=BS3TextFieldWidget()),
        # The column is encrypted (a string at SQL level): FAB would render a text box.
        "data_nascita": DateField("Data di nascita", validators=[Optional()], widget=DatePickerWidget()),
    }
    add_form_query_rel_fields = _DETENUTE

    def pre_add(self, item):
        beneficiarie.verifica_titolare(item, g.user)
        beneficiarie.verifica_dati_personali(item)

    pre_update = pre_add

    def pre_delete(self, item):
        beneficiarie.verifica_titolare(item, g.user)


class ConsensoView(SoloCavTitolare, LiaModelView):
    nome_record = ("Consenso", "o")
    datamodel = InterfacciaLia(m.Consenso, carica=["beneficiaria", "registrato_da"])
    class_permission_name = "Consenso"
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    list_title = "Consensi"
    list_columns = ["beneficiaria", "tipo", "data", "revocato_il", "registrato_da"]
    add_columns = ["beneficiaria", "tipo", "data", "ambito_consenso", "revocato_il"]
    edit_columns = ["tipo", "data", "ambito_consenso", "revocato_il"]
    show_columns = add_columns + ["registrato_da"]
    label_columns = {"beneficiaria": "Beneficiaria", "tipo": "Finalità", "data": "Data",
                     "ambito_consenso": "Ambito del consenso", "revocato_il": "Revocato il",
                     "registrato_da": "Registrato da"}
    formatters_columns = {"tipo": lambda v: programma_corrente().descrizione_finalita(v)}
    add_form_extra_fields = edit_form_extra_fields = {"tipo": scelta_finalita("Finalità")}
    validators_columns = {"ambito_consenso": [Length(max=300)]}
    add_form_query_rel_fields = _DETENUTE

    def pre_add(self, item):
        beneficiarie.verifica_titolare(item, g.user)
        consensi.verifica_consenso(item)
        item.registrato_da_id = g.user.id

    def pre_update(self, item):
        beneficiarie.verifica_titolare(item, g.user)
        consensi.verifica_consenso(item)

    def pre_delete(self, item):
        beneficiarie.verifica_titolare(item, g.user)


class DerogaConsensoView(SoloCavTitolare, LiaModelView):
    """Her CAV shares her case without her consent for a purpose, with a reason (issue 12, §1).
    Kept, never edited: a new override, or a consent, is the next word."""
    nome_record = ("Deroga al consenso", "a")
    datamodel = InterfacciaLia(m.DerogaConsenso, carica=["beneficiaria", "registrata_da"])
    class_permission_name = "DerogaConsenso"
    # No edit nor delete: those methods map to no permission anybody holds.
    method_permission_name = {k: v for k, v in PERMESSI_VISTA.items()
                              if k not in ("edit", "delete", "muldelete", "api_update", "api_delete")}
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    list_title = "Deroghe al consenso"
    show_title = "Deroga al consenso"
    add_title = "Nuova deroga al consenso"
    list_columns = ["beneficiaria", "finalita", "data", "registrata_da"]
    add_columns = ["beneficiaria", "finalita", "motivo"]
    show_columns = ["beneficiaria", "finalita", "data", "motivo", "registrata_da"]
    label_columns = {"beneficiaria": "Beneficiaria", "finalita": "Finalità", "data": "Data", "motivo": "Motivo",
                     "registrata_da": "Registrata da"}
    description_columns = {"motivo": "Perché il caso va condiviso senza il suo consenso (per esempio un pericolo "
                                     "imminente). Resta nel caso e nel registro di audit. Nessun dato identificativo."}
    formatters_columns = {"finalita": lambda v: programma_corrente().descrizione_finalita(v)}
    add_form_extra_fields = {"finalita": scelta_finalita("Finalità"),
                             "motivo": TextAreaField("Motivo", validators=[DataRequired(message="Campo obbligatorio."),
                                                                           Length(max=2000)],
                                                     widget=BS3TextAreaFieldWidget())}
    add_form_query_rel_fields = _DETENUTE

    def pre_add(self, item):
        beneficiarie.verifica_titolare(item, g.user)
        consensi.prepara_deroga(item, g.user)


class AltraMisuraView(SoloCavTitolare, LiaModelView):
    nome_record = ("Altra misura", "a")
    datamodel = InterfacciaLia(m.AltraMisura, carica=["beneficiaria"])
    class_permission_name = "AltraMisura"
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    list_title = "Altre misure"
    list_columns = ["beneficiaria", "tipo", "data_inizio", "data_fine", "assi_coperti"]
    add_columns = ["beneficiaria", "tipo", "data_inizio", "data_fine", "assi_coperti", "note"]
    edit_columns = add_columns[1:]
    show_columns = add_columns
    label_columns = {"beneficiaria": "Beneficiaria", "tipo": "Misura", "data_inizio": "Dal", "data_fine": "Al",
                     "assi_coperti": "Assi coperti (es. IV)", "note": "Note"}
    formatters_columns = {"tipo": formatta(m.TIPI_ALTRA_MISURA)}
    add_form_extra_fields = edit_form_extra_fields = {"tipo": scelta("Misura", m.TIPI_ALTRA_MISURA)}
    validators_columns = {"note": [Length(max=500)], "assi_coperti": [Length(max=20)]}
    add_form_query_rel_fields = _DETENUTE

    def pre_add(self, item):
        beneficiarie.verifica_titolare(item, g.user)

    pre_update = pre_delete = pre_add

    def post_add(self, item):
        from app.servizi.spese import ricalcola_beneficiaria

        with servizi.transazione():
            ricalcola_beneficiaria(item.beneficiaria_id)

    post_update = post_delete = post_add


class BeneficiariaView(SoloCavTitolare, LiaModelView):
    """The woman's case by pseudonymous code; her identity sits in the related DatiPersonali."""
    nome_record = ("Beneficiaria", "a")

    datamodel = InterfacciaLia(m.Beneficiaria, carica=["ambito", "ente"])
    class_permission_name = "Beneficiaria"
    # Erasing her personal data changes her records: who may write them may ask; app.security decides.
    method_permission_name = dict(PERMESSI_VISTA, cancella_dati="write", azione_cancella_dati="write")
    base_filters = [["id", FiltroPerimetro, lambda: None]]
    related_views = [DatiPersonaliView, ConsensoView, DerogaConsensoView, AltraMisuraView]
    list_title = "Beneficiarie"
    show_title = "Beneficiaria"
    add_title = "Nuova beneficiaria, solo profilo"
    # Kept beside «Registra una donna» for a woman who has not given her identity yet.
    add_template = "lia_beneficiaria_aggiungi.html"
    edit_title = "Modifica profilo"
    list_columns = ["codice", "ambito", "ente", "data_presa_in_carico", "fascia_eta", "condizione_occupazionale"]
    add_columns = ["ambito", "data_presa_in_carico"] + _PROFILO
    edit_columns = ["data_presa_in_carico"] + _PROFILO
    show_fieldsets = [
        ("Caso", {"fields": ["codice", "ambito", "ente", "data_presa_in_carico"]}),
        ("Profilo (non identificativo)", {"fields": _PROFILO}),
    ]
    search_columns = ["codice", "ambito", "fascia_eta", "condizione_occupazionale", "data_presa_in_carico"]
    order_columns = ["codice", "data_presa_in_carico"]
    base_order = ("codice", "asc")
    list_template = "lia_beneficiarie_list.html"  # the search by name above the list (app.views.ricerca)
    label_columns = _ETICHETTE_BENEFICIARIA
    formatters_columns = {
        "fascia_eta": formatta(m.FASCE_ETA), "cittadinanza": formatta(m.CITTADINANZE),
        "relazione_autore": formatta(m.RELAZIONI_AUTORE),
        "condizione_occupazionale": formatta(m.CONDIZIONI_OCCUPAZIONALI),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "fascia_eta": scelta("Fascia d'età", m.FASCE_ETA),
        "cittadinanza": scelta("Cittadinanza", m.CITTADINANZE),
        "relazione_autore": scelta("Relazione con l'autore", m.RELAZIONI_AUTORE),
        "condizione_occupazionale": scelta("Condizione occupazionale all'ingresso", m.CONDIZIONI_OCCUPAZIONALI),
    }
    validators_columns = {"figli_minori": [NumberRange(min=0, max=30, message="Numero non valido.")]}
    show_template = "lia_beneficiaria_show.html"  # her code (name for her CAV), path, money: app.views.giornata

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            from app.views import giornata

            item = self.datamodel.get(kwargs["pk"], self._base_filters)
            if item is not None:
                kwargs.update(giornata.scheda_donna(self, item))
        return super().render_template(template, **kwargs)

    def precompila_nuovo(self, form):
        ente = getattr(g.user, "ente", None)
        if ente is not None and ente.ambito is not None and "ambito" in form and form.ambito.data is None:
            form.ambito.data = ente.ambito

    def pre_add(self, item):
        # The holder is the operator's own CAV, never a posted value.
        beneficiarie.prepara_nuova_beneficiaria(item, g.user)

    def pre_update(self, item):
        beneficiarie.verifica_titolare(item, g.user)

    def pre_delete(self, item):
        beneficiarie.verifica_eliminazione_beneficiaria(item, g.user)

    def pulsante_consentito(self, nome, item=None):
        if nome == "cancella_dati":
            return (item is not None and puo_modificare_beneficiaria(g.user, item)
                    and not conservazione.motivi_prima_del_modulo(item))
        return super().pulsante_consentito(nome, item)

    @action("cancella_dati", "Cancella i dati personali", "", "fa-eraser", multiple=False)
    def azione_cancella_dati(self, item):
        # The button on her page (FAB posts the action, loaded through the perimeter): the form.
        return redirect(url_for("BeneficiariaView.cancella_dati", pk=item.id))

    @expose("/cancella-dati/<int:pk>", methods=["GET", "POST"])
    @has_access
    def cancella_dati(self, pk):
        """A confirmation asking the reason; her code, profile, path and spese stay
        (app.servizi.conservazione)."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        if not puo_modificare_beneficiaria(g.user, item):
            abort(403)
        motivo, errori = request.form.get("motivo", ""), []
        if request.method == "GET":  # nothing to erase: said on her page, before any typing
            motivi = conservazione.motivi_prima_del_modulo(item)
            if motivi:
                for testo in motivi:
                    flash(testo, "warning")
                return redirect(url_for("BeneficiariaView.show", pk=pk))
        else:
            try:
                with servizi.transazione():
                    conservazione.cancella_dati_personali(item, motivo, conservazione.RICHIESTA, g.user)
            except servizi.Rifiuto as exc:
                errori = exc.per_campo.get("motivo", [])
                for testo in exc.motivi:
                    if testo not in errori:
                        flash(testo, "danger")
                if not errori:
                    return redirect(url_for("BeneficiariaView.show", pk=pk))
            else:
                flash(f"Dati personali di {item.codice} cancellati.", "success")
                return redirect(url_for("BeneficiariaView.show", pk=pk))
        return self.render_template("lia_cancella_dati.html", beneficiaria=item, motivo=motivo, errori=errori)


class CercaCodiceFiscaleView(SimpleFormView):
    """Exact search by codice fiscale for the holding CAV, through the blind index."""

    route_base = "/cerca-cf"
    class_permission_name = "DatiPersonali"
    method_permission_name = {"this_form_get": "read", "this_form_post": "read"}
    form_title = "Cerca una beneficiaria per codice fiscale"

    from flask_appbuilder.forms import DynamicForm as _Base

    class form(_Base):  # noqa: N801  (FAB expects the attribute name `form`)
        codice_fiscale = StringField(
            "Codice fiscale", validators=[DataRequired(message="Campo obbligatorio."), Length(max=20), ValidatoreCF()],
            widget=BS3TextFieldWidget(),
        )

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        # The one search box now: by name, surname or codice fiscale. The POST below stays for
        # whoever still sends a codice fiscale here.
        from app.views import ricerca

        return ricerca.pagina(self)

    def form_post(self, form):
        dp = beneficiarie.cerca_per_codice_fiscale(form.codice_fiscale.data)
        if dp is None:
            flash("Nessuna beneficiaria del tuo centro con questo codice fiscale.", "warning")
            return None
        return redirect(url_for("BeneficiariaView.show", pk=dp.beneficiaria_id))


# --- programma ----------------------------------------------------------------------------

class VoceSpesaView(LiaModelView):
    datamodel = InterfacciaLia(m.VoceSpesa, carica=["priorita"])
    class_permission_name = "Catalogo"
    list_title = "Voci di spesa del programma"
    list_columns = ["codice", "descrizione", "priorita", "costo_ammesso", "solo_soluzioni_intermedie"]
    show_columns = list_columns
    search_columns = ["codice", "descrizione"]
    label_columns = {"codice": "Codice", "descrizione": "Descrizione", "priorita": "Priorità",
                     "costo_ammesso": "Con costo", "solo_soluzioni_intermedie": "Solo soluzioni intermedie"}
    base_permissions = ["can_read"]


class PrioritaView(LiaModelView):
    datamodel = InterfacciaLia(m.Priorita, carica=["asse"])
    class_permission_name = "Catalogo"
    list_title = "Assi e priorità"
    list_columns = ["asse", "codice", "nome", "attivata", "dedotta"]
    show_columns = list_columns
    label_columns = {"asse": "Asse", "codice": "Codice", "nome": "Priorità", "attivata": "Attivata",
                     "dedotta": "Scelta interpretativa"}
    base_permissions = ["can_read"]


class ProgrammaView(LiaModelView):
    datamodel = InterfacciaLia(m.Programma)
    class_permission_name = "Catalogo"
    list_title = "Programma"
    list_columns = ["codice", "nome", "decreto", "data_inizio", "data_fine"]
    show_columns = list_columns
    label_columns = {"codice": "Codice", "nome": "Nome", "decreto": "Decreto", "data_inizio": "Inizio",
                     "data_fine": "Fine"}
    base_permissions = ["can_read"]


class LiaIndexView(IndexView):
    route_base = "/"
    index_template = "lia_index.html"

    @expose("/")
    def index(self):
        from app.views import giornata  # what to do today (issue 11, §5)

        return giornata.pagina_iniziale(self)


def registra(appbuilder):
    from flask import current_app

    from app.views import percorso, registro_audit, schermate

    schermate.registra_filtri(current_app)

    BeneficiariaView.related_views = [DatiPersonaliView, ConsensoView, DerogaConsensoView, AltraMisuraView,
                                      percorso.SegnalazioneView,
                                      percorso.MicroEquipeView, percorso.ProgettoView, percorso.ColloquioCPIView,
                                      registro_audit.AccessiDatiPersonaliView]
    appbuilder.add_view(BeneficiariaView, "Beneficiarie", category="Casi", icon="fa-female")
    from app.views import registrazione  # her profile and identity in one form (issue 11, §9)

    registrazione.registra(appbuilder)
    from app.views import importazione  # her women from an Excel file (issue 13, §1)

    importazione.registra(appbuilder)
    from app.views import giornata

    giornata.registra(appbuilder)
    appbuilder.add_view(DatiPersonaliView, "Dati personali", category="Casi")
    appbuilder.add_view_no_menu(CercaCodiceFiscaleView)  # folded into the search by name (app.views.ricerca)
    appbuilder.add_view(ConsensoView, "Consensi", category="Casi")
    appbuilder.add_view(DerogaConsensoView, "Deroghe al consenso", category="Casi")
    appbuilder.add_view(AltraMisuraView, "Altre misure", category="Casi")
    percorso.registra(appbuilder)
    from app.views import ricerca

    ricerca.registra(appbuilder)
    from app.views import spese

    spese.registra(appbuilder)
    from app.views import asse1  # asse1
    asse1.registra(appbuilder)  # asse1
    from app.views import rendicontazione

    rendicontazione.registra(appbuilder)
    from app.views import periodi

    periodi.registra(appbuilder)
    from app.views import relazione, statistiche

    relazione.registra(appbuilder)
    statistiche.registra(appbuilder)
    from app.views import stampa

    stampa.registra(appbuilder)
    from app.views import utenti

    utenti.registra(appbuilder)

    registro_audit.registra(appbuilder)
    appbuilder.add_view(EnteView, "Enti", category="Rete", icon="fa-sitemap")
    appbuilder.add_view(AmbitoView, "Ambiti", category="Rete")
    appbuilder.add_view(ProgrammaView, "Programma", category="Programma", icon="fa-book")
    appbuilder.add_view(PrioritaView, "Assi e priorità", category="Programma")
    appbuilder.add_view(VoceSpesaView, "Voci di spesa", category="Programma")
