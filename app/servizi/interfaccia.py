"""The FAB data interface every screen and API of this app uses."""
from __future__ import annotations

import enum
from contextlib import contextmanager
from functools import reduce

from flask import current_app, has_app_context
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.utils.base import get_column_leaf, get_column_root_relation, is_column_dotted
from sqlalchemy.orm import Load, aliased, contains_eager, defer, joinedload, selectinload, undefer
from sqlalchemy.sql.elements import BinaryExpression

# FAB builds these again on every request; they are immutable, so they are built once. Threads of
# a worker may build one at the same time: the first stored wins (setdefault) and every user of an
# alias reads it from the same place, so a join and the options that name its alias always agree.
# (model, relation) -> the joins of a dotted list column: [(target, on clause, is an alias)].
_JOIN_RELAZIONI: dict = {}
# (model, selected columns) -> (relations to join, load options). The API caller may choose the
# columns (`q=(columns:…)`): bounded, emptied when full.
_SELEZIONI: dict = {}
_SELEZIONI_MAX = 512
# model -> the interface a form uses to list a relation's rows.
_INTERFACCE_COLLEGATE: dict = {}
# From this many joined relations PostgreSQL plans a page's joins in their written order (below).
_RELAZIONI_MOLTE = 5


def _una_volta(cache: dict, chiave, costruisci):
    """The value stored under `chiave`, built by `costruisci()` the first time (the first stored wins)."""
    valore = cache.get(chiave)
    return valore if valore is not None else cache.setdefault(chiave, costruisci())


def conteggio_massimo() -> int:
    """How many records a list counts at most (LIA_CONTEGGIO_MASSIMO; 0 = every one)."""
    return int(current_app.config.get("LIA_CONTEGGIO_MASSIMO", 0)) if has_app_context() else 0


class ConteggioLimitato(int):
    """A list's count that stopped past the cap: at least this many records (the cap + 1). It is
    the number in FAB's arithmetic (the pages up to the cap, and one more) and reads «oltre 1.000»
    where it is shown; the API says it in `conteggio_limitato` (app.api)."""

    def __str__(self):
        return "oltre " + f"{int(self) - 1:,}".replace(",", ".")

    __html__ = __str__


class ConvertitoreFiltri(SQLAFilterConverter):
    """FAB's, with a column's filters built once per converter and model: FAB converts every column
    of the model for each Filters it builds, several times per request. A filter is stateless (a
    related view's own filter is a new instance); a Filters gets a list of its own."""

    _filtri: dict = {}

    def convert(self, col_name):
        chiave = (type(self), self.datamodel.obj, col_name)
        return list(_una_volta(self._filtri, chiave, lambda: super(ConvertitoreFiltri, self).convert(col_name) or []))


class InterfacciaLia(SQLAInterface):
    """SQLAInterface that loads a list page's relations with its rows (no N+1): the to-one ones in
    the page's own statement, a collection in one more."""

    filter_converter_class = ConvertitoreFiltri

    def __init__(self, obj, session=None, carica=(), calcolate=()):
        super().__init__(obj, session=session)
        self.carica = tuple(carica)
        # Deferred columns computed by the database (a column_property) that a list page shows.
        self.calcolate = tuple(calcolate)
        # Columns a list page does not load: the identifying data it does not show stays
        # ciphertext in the database (set by the screen, app.views.LiaModelView).
        self.non_caricate: tuple = ()
        self._opzioni_carica = None  # built at the first query, once the mappers are configured

    @staticmethod
    def _get_attr_value(item, col):
        # FAB's reads each cell three times (hasattr, a callable test, the value): a property such
        # as a spesa's esito is computed three times, for each cell of a page. Once here, same result.
        try:
            valore = getattr(item, col)
        except AttributeError:  # a dotted column: an attribute of a related record
            try:
                return reduce(getattr, col.split("."), item)
            except Exception:
                return ""
        if callable(valore):
            return valore()
        return valore.value if isinstance(valore, enum.Enum) else valore

    def is_nullable(self, col_name: str) -> bool:
        # FAB makes a form field required for every NOT NULL column; a column with a default
        # (a checkbox, a note defaulting to "") is optional for the user. Fields the domain
        # requires carry an explicit DataRequired in their view.
        colonna = self.list_columns.get(col_name)
        if colonna is not None and not self.is_relation(col_name) and colonna.default is not None:
            return True
        return super().is_nullable(col_name)

    def get_related_interface(self, col_name):
        # FAB builds a new one, reading the whole mapper, each time a form lists a relation's rows.
        modello = self.get_related_model(col_name)
        return _una_volta(_INTERFACCE_COLLEGATE, modello, lambda: self.__class__(modello))

    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None,
              select_columns=None, outer_default_load=False):
        # With no page size every selected row is returned, so their number is the count: FAB
        # counts them first anyway (every relation's choices of a search or edit form paid twice).
        query = self.session.query(self.obj)
        conteggio = self.query_count(query, filters, select_columns, almeno=page_size) if page_size else None
        query = self.apply_all(query, filters, order_column, order_direction, page, page_size, select_columns,
                               outer_default_load)
        with self._join_nell_ordine_scritto(page_size and self._relazioni_unite(select_columns) >= _RELAZIONI_MOLTE):
            risultati = [getattr(r, self.obj.__name__, r) for r in query.all()]
        return (len(risultati) if conteggio is None else conteggio), risultati

    def _relazioni_unite(self, select_columns) -> int:
        """The to-one relations a page's statement joins: the API's dotted columns, or the screen's."""
        return len(self._selezione(select_columns)[0]) if select_columns else len(self.carica)

    @contextmanager
    def _join_nell_ordine_scritto(self, pagina):
        """PostgreSQL plans a page's to-one relations in the order they are written: the records
        first, then each relation probed by primary key, the only sensible plan for a page. Searching
        every order of 7 outer joins took it 6–10 ms, the statement ran in 0.3 ms. For this statement
        only (SET LOCAL, back to the default after it; a failed statement ends the transaction), and
        only with many relations: with up to 4 the search costs less than the two settings' round trips."""
        if not pagina or self.session.get_bind().dialect.name != "postgresql":
            yield
            return
        connessione = self.session.connection()
        connessione.exec_driver_sql("SET LOCAL join_collapse_limit = 1")
        yield
        connessione.exec_driver_sql("SET LOCAL join_collapse_limit TO DEFAULT")

    def _join_relazione(self, radice):
        # As FAB's _query_join_relation, built once: a new alias of the related model means new
        # column proxies for each of its columns, which cost an API list more than its statements.
        return _una_volta(_JOIN_RELAZIONI, (self.obj, radice), lambda: self._costruisci_join(radice))

    def _costruisci_join(self, radice):
        joins = []
        for modello, condizione in self.get_related_model_and_join(radice):
            alias = not hasattr(condizione, "clauses")  # FAB keeps a custom join's own clause
            if alias:
                modello = aliased(modello, name=radice)
                pk = self.get_pk(modello)
                lato = condizione.left if condizione.left.foreign_keys else condizione.right
                condizione = BinaryExpression(lato, pk, condizione.operator)
            joins.append((modello, condizione, alias))
        return joins

    def _query_join_relation(self, query, root_relation, aliases_mapping=None):
        for modello, condizione, alias in self._join_relazione(root_relation):
            if alias and aliases_mapping is not None:
                aliases_mapping[root_relation] = modello
            query = query.join(modello, condizione, isouter=True)
        return query

    def _piano_selezione(self, colonne):
        """FAB's apply_inner_select_joins as data: the to-one relations of the dotted columns, to
        join and load with the rows, and the load options that read only the selected columns."""
        relazioni, opzioni = [], []
        for colonna in colonne:
            if not is_column_dotted(colonna):
                if not self.is_relation(colonna) and not self.is_property_or_function(colonna):
                    opzioni.append(Load(self.obj).load_only(getattr(self.obj, colonna)))
                continue
            radice, foglia = get_column_root_relation(colonna), get_column_leaf(colonna)
            if not (self.is_relation_many_to_one(radice) or self.is_relation_many_to_many_special(radice)):
                continue
            relazione = getattr(self.obj, radice)
            if radice not in relazioni:
                relazioni.append(radice)
                # The relation's foreign key too (FAB: no N+1 on the relation).
                opzioni += [Load(self.obj).load_only(getattr(self.obj, c.name))
                            for c in relazione.property.local_columns]
            modello = next((m for m, _, alias in self._join_relazione(radice) if alias),
                           self.get_related_model(radice))
            opzioni.append(contains_eager(relazione.of_type(modello)).load_only(getattr(modello, foglia)))
            opzioni.append(Load(modello).load_only(getattr(modello, foglia)))
        return relazioni, opzioni

    def _selezione(self, select_columns):
        """The plan of a column list (_piano_selezione), built once per model and list."""
        if len(_SELEZIONI) >= _SELEZIONI_MAX:
            _SELEZIONI.clear()
        return _una_volta(_SELEZIONI, (self.obj, tuple(select_columns)), lambda: self._piano_selezione(select_columns))

    def apply_inner_select_joins(self, query, select_columns=None, aliases_mapping=None):
        # As FAB's, with its joins and load options built once per column list (FAB builds one option
        # per column on every request, each copying the query).
        if not select_columns:
            return query
        relazioni, opzioni = self._selezione(select_columns)
        for radice in relazioni:
            query = self._query_join_relation(query, radice, aliases_mapping)
            query = query.add_entity(self.get_alias_mapping(radice, aliases_mapping))
        return query.options(*opzioni) if opzioni else query

    def query_count(self, query, filters=None, select_columns=None, almeno=0):
        # FAB counts over the outer joins it adds for dotted (to-one) list columns: they cannot
        # change the count, and on 100,000 spese they cost more than the page itself.
        query = self._apply_inner_all(query, filters, select_columns=None, aliases_mapping={})
        massimo = conteggio_massimo()
        if not massimo:
            return query.count()
        massimo = max(massimo, almeno)  # never "oltre 10" above a page of 25 rows
        # Read at most one record past the cap, each probed against the perimeter as it is read
        # (a page's form): the cost stays that of the cap however large the perimeter grows. Only
        # the key is read (the whole row cost SQLite 6× more); an attribute of the mapped class,
        # so that the perimeter's criteria reach the statement.
        chiave = getattr(self.obj, self.get_pk_name())
        letti = query.with_entities(chiave).execution_options(lia_per_riga=True).limit(massimo + 1).count()
        return ConteggioLimitato(letti) if letti > massimo else letti

    def apply_all(self, query, filters, order_column="", order_direction="", page=None, page_size=None,
                  select_columns=None, outer_default_load=False):
        query = super().apply_all(query, filters, order_column, order_direction, page, page_size,
                                  select_columns, outer_default_load)
        if select_columns is None and (self.carica or self.calcolate or self.non_caricate):  # the API: its own
            if self._opzioni_carica is None:
                opzioni = [defer(getattr(self.obj, c)) for c in self.non_caricate]
                opzioni += [undefer(getattr(self.obj, c)) for c in self.calcolate]
                for percorso in self.carica:
                    attr, opzione = self.obj, None
                    for nome in percorso.split("."):
                        rel = getattr(attr, nome)
                        carica = selectinload if rel.property.uselist else joinedload
                        opzione = carica(rel) if opzione is None else getattr(opzione, carica.__name__)(rel)
                        attr = rel.property.mapper.class_
                    opzioni.append(opzione)
                self._opzioni_carica = tuple(opzioni)
            query = query.options(*self._opzioni_carica)
        return query
