"""What every screen shows (issue 11): Italian words where FAB would print English or a raw
value (§10), and only the buttons the user may use (§11)."""
from __future__ import annotations

import time
from itertools import chain
from operator import attrgetter
from typing import NamedTuple

from flask import g, request, url_for
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.filters import TemplateFilters
from flask_appbuilder.widgets import ListWidget, SearchWidget
from flask_babel import get_locale
from markupsafe import Markup, escape
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import AnagraficaDiRete

VUOTO = "—"  # the empty choice of a related-record select (wtforms would show its value, "__None")

# model -> (when read, its choices): a search form's select on the network's reference data. Read
# again after a minute (another worker may have changed one), or at the next request after a commit
# of this worker that changed one.
_SCELTE: dict = {}
SCELTE_VALIDE_SECONDI = 60


class Scelta:
    """One option of a search form's select: the record's key and how it reads, not the record."""

    __slots__ = ("id", "etichetta")

    def __init__(self, id_: int, etichetta: str):
        self.id, self.etichetta = id_, etichetta

    def __str__(self):
        return self.etichetta


def _scelte_valide(modello):
    """The `_SCELTE` entry of `modello` while it holds (read less than a minute ago, not dropped by
    a commit), else None."""
    letto = _SCELTE.get(modello)
    return letto if letto is not None and time.monotonic() - letto[0] <= SCELTE_VALIDE_SECONDI else None


def scelte_di_rete(datamodel, colonna: str, modello):
    """The `query_func` of a search form's select on `colonna`: its rows as FAB's form lists them
    (the related interface's query), kept as keys and labels. Loading them cost a list page of the
    spese two statements and 39 records on each request, a fifth of what the page costs FAB."""
    def scelte():
        letto = _scelte_valide(modello)
        if letto is None:
            righe = datamodel.get_related_interface(colonna).query()[1]
            letto = _SCELTE[modello] = (time.monotonic(), [Scelta(r.id, str(r)) for r in righe])
        return letto[1]
    scelte.modello_di_rete = modello  # the same for every user: RicercaLia may keep what it drew
    return scelte


@event.listens_for(Session, "after_flush")
def _anagrafica_scritta(session, _contesto):
    toccati = {type(o) for o in chain(session.new, session.dirty, session.deleted) if isinstance(o, AnagraficaDiRete)}
    if toccati:
        session.info.setdefault("lia_anagrafiche_scritte", set()).update(toccati)


@event.listens_for(Session, "after_commit")
def _anagrafica_salvata(session):
    for modello in session.info.pop("lia_anagrafiche_scritte", ()):
        _SCELTE.pop(modello, None)


@event.listens_for(Session, "after_rollback")
def _anagrafica_annullata(session):
    session.info.pop("lia_anagrafiche_scritte", None)


class _Disegno(NamedTuple):
    scelte: dict  # reference model -> the _SCELTE entry its select listed
    etichette: dict
    campi: dict
    operatori: dict


# (search form class, its columns, locale) -> its _Disegno: what RicercaLia drew.
_RICERCHE: dict = {}


class RicercaLia(SearchWidget):
    """FAB's search form, its fields drawn once per screen and drawn again when a choice they list
    changes. FAB draws every field, every option of every select, on each list page, although the
    form is unbound (the active filters reach the page apart, as active_filters) and so the same at
    every request. Kept only for a form whose selects list fixed choices or the network's reference
    data (scelte_di_rete), the same for every user: a select of the user's own records is drawn
    each time."""

    def __call__(self, **kwargs):
        form, colonne = self.template_args["form"], tuple(self.template_args["include_cols"])
        modelli = _modelli_di_rete(form, colonne)
        chiave = (type(form), colonne, str(get_locale()))
        disegno = _RICERCHE.get(chiave) if modelli is not None else None
        if disegno is None or not _ancora_valido(disegno):
            filtri = self.filters.get_search_filters()
            campi = {c: form[c]() for c in colonne}  # a select reads its choices here
            disegno = _Disegno({m: _SCELTE.get(m) for m in modelli or ()},
                               {c: as_unicode(form[c].label.text) for c in colonne}, campi,
                               {c: [as_unicode(f.name) for f in filtri[c]] for c in colonne})
            if modelli is not None:
                _RICERCHE[chiave] = disegno
        kwargs.update(label_columns=disegno.etichette, form_fields=disegno.campi, search_filters=disegno.operatori,
                      active_filters=self.filters.get_filters_values_tojson())
        return super(SearchWidget, self).__call__(**kwargs)


def _modelli_di_rete(form, colonne) -> list | None:
    """The reference models whose choices the form's selects list, or None if a select lists
    anything else (records of a query of the user's)."""
    modelli = []
    for colonna in colonne:
        campo = form[colonna]
        if isinstance(campo, QuerySelectField):
            modello = getattr(campo.query_func, "modello_di_rete", None)
            if modello is None:
                return None
            modelli.append(modello)
    return modelli


def _ancora_valido(disegno: _Disegno) -> bool:
    """Whether every choice list the form drew still holds: a form of fixed choices always does."""
    return all(_scelte_valide(modello) is letto for modello, letto in disegno.scelte.items())


class ElencoLia(ListWidget):
    """FAB's list widget, its rows written once per page (lia_elenco.html)."""

    template = "lia_elenco.html"


class Schermata:
    """Mixed into every ModelView of the project, before FAB's."""

    list_widget = ElencoLia
    search_widget = RicercaLia

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
                if _scelta_da_query(campo):
                    campo.kwargs.setdefault("blank_text", VUOTO)
        for nome in self.search_columns:
            campo = getattr(self.search_form, nome, None)
            if not _scelta_da_query(campo):
                continue
            modello = self.datamodel.get_related_model(nome)
            if issubclass(modello, AnagraficaDiRete):
                campo.kwargs.update(query_func=scelte_di_rete(self.datamodel, nome, modello),
                                    get_pk_func=attrgetter("id"))

    def pulsante_consentito(self, nome: str, item=None) -> bool:
        """Hook: whether the button of method or action `nome` ("add", "edit", "delete", an action's
        name) is shown, beyond the FAB permission; `item` is the record on a show page, else None.
        Ask the predicates of app.security; the routes keep refusing on their own."""
        return True

    def _get_show_widget(self, pk, item, **kwargs):
        g.lia_scheda = (self.__class__.__name__, item)  # the record whose buttons the page draws
        return super()._get_show_widget(pk, item, **kwargs)


def _scelta_da_query(campo) -> bool:
    """Whether a form's (unbound) field is a select whose options come from a query."""
    classe = getattr(campo, "field_class", None)
    return isinstance(classe, type) and issubclass(classe, QuerySelectField)


def _consentito(nome_vista: str, permesso: str) -> bool:
    vista = TemplateFilters.find_views_by_name(nome_vista)
    decide = getattr(vista, "pulsante_consentito", None)
    if decide is None:
        return True
    nome, item = getattr(g, "lia_scheda", (None, None))
    return decide(permesso.removeprefix("can_"), item if nome == nome_vista else None)


def celle_elenco(righe, colonne, formattatori):
    """A list page's cells, row by row, as FAB's list widget writes them (`<td>` the value, through
    the column's formatter if any, escaped as Jinja escapes it), in one pass: the template made
    two calls per cell, 200 for a page of 25 rows."""
    for riga in righe:
        celle = []
        for colonna in colonne:
            formatta = formattatori.get(colonna)
            celle.append(f"<td>{escape(formatta(riga[colonna]) if formatta else riga[colonna])}</td>")
        yield Markup("".join(celle))  # nosec B704 # every value went through escape() above


_SEGNAPOSTO = "lia-segnaposto"


def _link_con(prefisso: str):
    """FAB's link_page / link_page_size: this page's address with <prefisso><view>=<n>. The list's
    pagination asks for ten or more of them, each built by url_for from the request's arguments; the
    address is built once per request and view, and only the number changes."""
    def link(numero, vista):
        chiave = prefisso + vista
        modelli = g.setdefault("lia_link_paginazione", {})
        if chiave not in modelli:
            argomenti = {**request.view_args, **request.args.to_dict(), chiave: _SEGNAPOSTO}
            modelli[chiave] = url_for(request.endpoint, **argomenti)
        return modelli[chiave].replace(f"{chiave}={_SEGNAPOSTO}", f"{chiave}={int(numero)}", 1)
    return link


def registra_filtri(app) -> None:
    """FAB's template filters decide the buttons by permission alone: add the view's own say."""
    filtri = app.jinja_env.filters
    filtri["celle_elenco"] = celle_elenco
    filtri["link_page"], filtri["link_page_size"] = _link_con("page_"), _link_con("psize_")
    visibile, su_lista, su_scheda = (filtri["is_item_visible"], filtri["get_actions_on_list"],
                                     filtri["get_actions_on_show"])
    filtri["is_item_visible"] = lambda permesso, vista: visibile(permesso, vista) and _consentito(vista, permesso)
    filtri["get_actions_on_list"] = lambda azioni, vista: {
        k: a for k, a in su_lista(azioni, vista).items() if _consentito(vista, a.name)}
    filtri["get_actions_on_show"] = lambda azioni, vista: {
        k: a for k, a in su_scheda(azioni, vista).items() if _consentito(vista, a.name)}
