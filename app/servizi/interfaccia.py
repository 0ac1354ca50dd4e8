"""The FAB data interface every screen and API of this app uses."""
from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy.orm import selectinload


class InterfacciaLia(SQLAInterface):
    """SQLAInterface that loads the list page's relations in one statement each (no N+1)."""

    def __init__(self, obj, session=None, carica=()):
        super().__init__(obj, session=session)
        self.carica = tuple(carica)

    def is_nullable(self, col_name: str) -> bool:
        # FAB makes a form field required for every NOT NULL column; a column with a default
        # (a checkbox, a note defaulting to "") is optional for the user. Fields the domain
        # requires carry an explicit DataRequired in their view.
        colonna = self.list_columns.get(col_name)
        if colonna is not None and not self.is_relation(col_name) and colonna.default is not None:
            return True
        return super().is_nullable(col_name)

    def query_count(self, query, filters=None, select_columns=None):
        # FAB counts over the outer joins it adds for dotted (to-one) list columns: they cannot
        # change the count, and on 100,000 spese they cost more than the page itself.
        return super().query_count(query, filters, select_columns=None)

    def apply_all(self, query, filters, order_column="", order_direction="", page=None, page_size=None,
                  select_columns=None, outer_default_load=False):
        query = super().apply_all(query, filters, order_column, order_direction, page, page_size,
                                  select_columns, outer_default_load)
        if select_columns is None and self.carica:  # the API path uses its own joins
            opzioni = []
            for percorso in self.carica:
                attr, opzione = self.obj, None
                for nome in percorso.split("."):
                    rel = getattr(attr, nome)
                    opzione = selectinload(rel) if opzione is None else opzione.selectinload(rel)
                    attr = rel.property.mapper.class_
                opzioni.append(opzione)
            query = query.options(*opzioni)
        return query
