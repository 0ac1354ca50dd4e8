"""Dates on every screen written and read as gg/mm/aaaa, with one picker (issue 11 §4).

FAB gives each Date column a wtforms DateField (ISO only) and a widget that its ab.js turns
into a yyyy-mm-dd picker: "15/10/2023" typed by an operator came back as "21-04-14", then as
an empty field. Here every DateField of a screen's add, edit and search forms becomes a
`DataItaliana`, drawn with a class of ours that app/static/lia/date_italiane.js turns into the
Italian picker, and the list filters on dates read gg/mm/aaaa too. The REST API keeps ISO 8601.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from flask import flash
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter, get_field_setup_query
from markupsafe import Markup
from sqlalchemy import and_, or_
from wtforms import DateField, DateTimeField
from wtforms.fields.core import UnboundField
from wtforms.widgets import TextInput

from app.rules.periodo_programma import avviso_fuori_periodo
from app.servizi.interfaccia import ConvertitoreFiltri

MESSAGGIO = "Data non valida: scrivere gg/mm/aaaa (es. 15/10/2023)."
_ITALIANA = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")  # what a browser's own picker or a paste may send


def leggi_data(testo: str) -> date:
    """gg/mm/aaaa (also g/m/aaaa) or aaaa-mm-gg; anything else, a two-digit year included, is
    refused with ValueError(MESSAGGIO) rather than guessed."""
    testo = (testo or "").strip()
    trovata = _ITALIANA.fullmatch(testo)
    if trovata:
        giorno, mese, anno = (int(x) for x in trovata.groups())
    else:
        trovata = _ISO.fullmatch(testo)
        if not trovata:
            raise ValueError(MESSAGGIO)
        anno, mese, giorno = (int(x) for x in trovata.groups())
    try:
        return date(anno, mese, giorno)
    except ValueError:  # 31/02, month 13, year 0
        raise ValueError(MESSAGGIO) from None


def scrivi_data(valore: date | None) -> str:
    if valore is None:
        return ""
    return f"{valore.day:02d}/{valore.month:02d}/{valore.year:04d}"  # strftime pads no year below 1000


class CalendarioItaliano:
    """A text box that stays typeable; the `lia-data` class gets the Italian picker (not FAB's
    `appbuilder_date`, which ab.js forces to yyyy-mm-dd; no `data-provide`, which would give
    bootstrap-datepicker's default mm/dd/yyyy)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("placeholder", "gg/mm/aaaa")
        kwargs.setdefault("autocomplete", "off")
        kwargs["class"] = ("form-control " + kwargs.get("class", "")).strip()
        casella = TextInput()(field, **kwargs)  # value=field._value(), escaped by wtforms
        return (Markup('<div class="input-group lia-data"><span class="input-group-addon" aria-hidden="true">'
                       '<i class="fa fa-calendar cursor-hand"></i></span>') + casella + Markup("</div>"))


class DataItaliana(DateField):
    widget = CalendarioItaliano()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.pop("format", None)
        kwargs.pop("widget", None)
        super().__init__(label, validators, format="%d/%m/%Y", invalid_value_message=MESSAGGIO, **kwargs)

    def _value(self):
        if self.raw_data:  # what she typed comes back as typed, also when refused
            return " ".join(self.raw_data)
        return scrivi_data(self.data) if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        testo = " ".join(valuelist).strip()
        self.data = None
        if testo:  # an empty box is for the field's required/optional validators to judge
            self.data = leggi_data(testo)


# --- list filters -----------------------------------------------------------------------------

def _giorno(value):
    """The day a filter box holds, or None when it is not gg/mm/aaaa (or ISO)."""
    if isinstance(value, str):
        try:
            return leggi_data(value)
        except ValueError:
            return None
    return None


class _FiltroDataItaliana:
    def apply(self, query, value):
        giorno = _giorno(value)
        return super().apply(query, value if giorno is None else giorno)  # else left to FAB, as before


class _FiltroGiornoItaliano:
    """A date-and-time column filtered by day, the way the list shows it: "uguale a 15/10/2023" is
    the whole day, "maggiore di" starts the next one. Anything else is left to FAB."""

    def apply(self, query, value):
        giorno = _giorno(value)
        if giorno is None:
            return super().apply(query, value)
        query, campo = get_field_setup_query(query, self.model, self.column_name)
        inizio = datetime.combine(giorno, time.min)
        fine = inizio + timedelta(days=1)
        condizione = {"eq": and_(campo >= inizio, campo < fine), "neq": or_(campo < inizio, campo >= fine),
                      "gt": campo >= fine, "lt": campo < inizio}[self.arg_name]
        return query.filter(condizione)


def _italiani(filtri, base):
    return [type(f"{f.__name__}Italiano", (base, f), {}) for f in filtri]


class FiltriItaliani(ConvertitoreFiltri):
    """FAB's filters, reading a date as gg/mm/aaaa (its dateutil would read 05/10/2023 as 10 May)."""

    conversion_table = tuple(
        (tipo, _italiani(filtri, _FiltroDataItaliana) if tipo == "is_date"
         else _italiani(filtri, _FiltroGiornoItaliano) if tipo == "is_datetime" else filtri)
        for tipo, filtri in SQLAFilterConverter.conversion_table)


# --- wiring -----------------------------------------------------------------------------------

def _sostituisci_date(form_cls, ricerca=False) -> None:
    if form_cls is None:
        return
    # A search box holds a day also for a date-and-time column (FAB's own box there breaks ab_filters.js).
    tipi = (DateTimeField,) if ricerca else (DateField,)
    for nome in dir(form_cls):
        campo = getattr(form_cls, nome, None)
        if not isinstance(campo, UnboundField):
            continue
        classe = campo.field_class
        if isinstance(classe, type) and issubclass(classe, tipi) and not issubclass(classe, DataItaliana):
            kwargs = dict(campo.kwargs)
            if ricerca:
                kwargs.pop("default", None)
            nuovo = DataItaliana(*campo.args, **kwargs)
            nuovo.creation_counter = campo.creation_counter  # same place in the form
            setattr(form_cls, nome, nuovo)


def italianizza(vista) -> None:
    """Called once per ModelView, after FAB built its forms and filters."""
    _sostituisci_date(vista.add_form)
    _sostituisci_date(vista.edit_form)
    # A filter box starts empty: FAB would fill it with the column's default (today).
    _sostituisci_date(vista.search_form, ricerca=True)
    if vista.datamodel.filter_converter_class is not FiltriItaliani:
        vista.datamodel.filter_converter_class = FiltriItaliani  # this screen's interface, not the API's
    vista._filters = vista.datamodel.get_filters(vista.search_columns)


def avvisa_fuori_periodo(form, item) -> None:
    """After a save: a warning for each date of the form outside the programme period."""
    from app.servizi.spese import programma_corrente

    programma = programma_corrente()
    for campo in form:
        if isinstance(campo, DataItaliana) and isinstance(campo.data, date):
            avviso = avviso_fuori_periodo(type(item).__name__, campo.name, campo.label.text, campo.data,
                                          programma.data_inizio, programma.data_fine)
            if avviso:
                flash(avviso, "warning")
