"""Forms that start empty and stay bound to the record they were opened from.

- A required choice starts on a blank option (FAB preselects the first row of a required
  relation: another woman's segnalazione looks like a plausible answer) and an unanswered one is
  refused in Italian.
- A form opened from a record's page (FAB's related views add `_flt_0_<column>=<id>` to the
  add link) offers only what belongs to that record.
- A select writes its options directly (Select2Veloce): the same markup, a tenth of the work.
"""
from __future__ import annotations

from flask import request
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from markupsafe import Markup, escape
from wtforms.validators import DataRequired

OBBLIGATORIO = "Campo obbligatorio."


def scelte_vuote(form_cls) -> None:
    """Every required relation of the form class gets a blank first option, selected when the
    record has no value, and the Italian message when left blank."""
    if form_cls is None:
        return
    for nome in dir(form_cls):
        campo = getattr(form_cls, nome, None)
        if getattr(campo, "field_class", None) is not QuerySelectField:
            continue
        validatori = list(campo.kwargs.get("validators") or [])
        if not any(isinstance(v, DataRequired) for v in validatori):
            continue
        campo.kwargs["allow_blank"] = True
        # Worded as Select2's placeholder, which shows for the blank ("") of a plain select; an
        # empty text would show FAB's "__None" value instead.
        campo.kwargs["blank_text"] = "Selezionare un valore"
        campo.kwargs["validators"] = [DataRequired(message=OBBLIGATORIO) if isinstance(v, DataRequired) else v
                                      for v in validatori]


class Select2Veloce(Select2Widget):
    """FAB's Select2Widget writing wtforms' own <option> markup itself: wtforms builds each option
    through html_params and Markup.format, and a relation lists every row of its table, on every
    page (the spese list's search form: every voce and every ente)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        valore = escape(str(choice.value) if isinstance(choice.value, bool) else choice.value)
        attributi = f'selected value="{valore}"' if choice.selected else f'value="{valore}"'
        etichetta = escape(choice.label or choice.value)
        return Markup(f"<option {attributi}>{etichetta}</option>")  # nosec B704 # value and label escaped above

    @classmethod
    def _dispatch_render_option(cls):
        # wtforms reads render_option's signature on every select it draws; this one's is known.
        return cls.render_option


def select_veloci(form_cls) -> None:
    """Every Select2 of the form class renders through Select2Veloce."""
    if form_cls is None:
        return
    for nome in dir(form_cls):
        widget = getattr(getattr(form_cls, nome, None), "kwargs", {}).get("widget")
        if type(widget) is Select2Widget:
            getattr(form_cls, nome).kwargs["widget"] = Select2Veloce(widget.extra_classes, widget.style)


def record_legato(colonna: str) -> int | None:
    """The id of the record this form was opened from (`_flt_0_<colonna>=<id>`), if any."""
    valore = request.args.get(f"_flt_0_{colonna}", "")
    return int(valore) if valore.isdigit() else None


def offri(campo, righe) -> None:
    """Let the select `campo` offer only `righe` (the check on save uses the same list)."""
    campo.query_func = lambda: righe
    campo._object_list = None
