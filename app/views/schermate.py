"""Italian words where FAB would print English or a raw value (issue 11, §10)."""
from __future__ import annotations

from flask_appbuilder.fields import QuerySelectField

VUOTO = "—"  # the empty choice of a related-record select (wtforms would show its value, "__None")


class SchermateItaliane:
    """Mixed into every ModelView of the project, before FAB's."""

    def _init_titles(self):
        # FAB names an untitled page "Add/Edit/Show <Model>": name it after the list instead.
        elenco = self.list_title
        if elenco:
            self.add_title = self.add_title or f"{elenco} — nuovo inserimento"
            self.edit_title = self.edit_title or f"{elenco} — modifica"
            self.show_title = self.show_title or f"{elenco} — dettaglio"
        super()._init_titles()

    def _init_forms(self):
        super()._init_forms()
        for modulo in (self.add_form, self.edit_form):
            for nome in dir(modulo):
                campo = getattr(modulo, nome, None)
                classe = getattr(campo, "field_class", None)
                if isinstance(classe, type) and issubclass(classe, QuerySelectField):
                    campo.kwargs.setdefault("blank_text", VUOTO)
