"""Who sees what: the one place where access is decided.

Two layers, both here:
1. Permissions (can the role open this screen / endpoint at all): data in app.security_roles.
2. Rows (which women this user may see): `perimetro_di(user)` computes a Perimetro, and a
   SQLAlchemy `do_orm_execute` hook adds it as loader criteria to EVERY query of the scoped
   models — FAB list/show/edit/delete, action routes, dropdowns, the REST API, the CLI and the
   exports all see the same rows. No user in context means no rows (fail closed); code that
   must cross the perimeter (migrations, demo loader, rendicontazione for the Region on
   aggregated data) says so explicitly with `with come_sistema():`.
The FAB `base_filters` on views and APIs express the same rule for the UI's own counting.
"""
from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field

from flask import current_app, g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from sqlalchemy import event, false, or_, select, true
from sqlalchemy.orm import Session, with_loader_criteria

from app import autenticazione
from app.autenticazione import viste as viste_accesso
from app.models import Beneficiaria, DatiPersonali, PerBeneficiaria, Utente
from app.security_roles import (
    RUOLO_AMMINISTRATORE, RUOLO_CAPOFILA, RUOLO_CAV, RUOLO_EQUIPE, RUOLO_SERVIZI,
)

RUOLI_OPERATIVI = {RUOLO_CAPOFILA, RUOLO_CAV, RUOLO_EQUIPE, RUOLO_SERVIZI}

log = logging.getLogger(__name__)

# Every FAB method of a view or API maps onto read or write (Superset does the same).
PERMESSI_VISTA = {
    "list": "read", "show": "read", "download": "read", "api_read": "read", "api_get": "read",
    "api": "read", "api_column_add": "write", "api_column_edit": "write", "api_readvalues": "read",
    "add": "write", "edit": "write", "delete": "write", "muldelete": "write",
    "action": "write", "action_post": "write", "api_create": "write", "api_update": "write",
    "api_delete": "write", "allegato": "read",
}
PERMESSI_API = {
    "get": "read", "get_list": "read", "info": "read", "post": "write", "put": "write",
    "delete": "write", "related": "read", "distinct": "read",
}


@dataclass(frozen=True)
class Perimetro:
    """The rows a user may see. Plain data, so it can be logged and tested."""

    sistema: bool = False  # CLI / migrations: explicit, never from a web request
    tutte_beneficiarie: bool = False
    ente_beneficiarie: int | None = None  # the CAV holding them
    ambito_beneficiarie: int | None = None  # the équipe's ambito
    id_beneficiarie: frozenset[int] = field(default_factory=frozenset)  # micro-équipe cases
    ente_dati_personali: int | None = None  # only the holding CAV

    @property
    def vuoto(self) -> bool:
        return not (self.sistema or self.tutte_beneficiarie or self.ente_beneficiarie
                    or self.ambito_beneficiarie or self.id_beneficiarie)


NESSUNO = Perimetro()
SISTEMA = Perimetro(sistema=True, tutte_beneficiarie=True)

_perimetro_forzato: ContextVar[Perimetro | None] = ContextVar("lia_perimetro_forzato", default=None)
_in_calcolo: ContextVar[bool] = ContextVar("lia_in_calcolo", default=False)


@contextlib.contextmanager
def come_sistema():
    """Cross the perimeter on purpose (CLI, migrations, demo data, aggregate exports)."""
    token = _perimetro_forzato.set(SISTEMA)
    try:
        yield
    finally:
        _perimetro_forzato.reset(token)


@contextlib.contextmanager
def come_utente(user):
    """Run with the perimeter of `user` outside a request (CLI export for one ente, tests)."""
    token = _perimetro_forzato.set(perimetro_di(user))
    try:
        yield
    finally:
        _perimetro_forzato.reset(token)


def nomi_ruoli(user) -> set[str]:
    return {r.name for r in (getattr(user, "roles", None) or [])}


def perimetro_di(user) -> Perimetro:
    """Rows visible to `user`, from her roles and her ente. Deny by default."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return NESSUNO
    ruoli = nomi_ruoli(user)
    ente = getattr(user, "ente", None)
    if ente is None:
        return NESSUNO
    kw = {}
    if RUOLO_CAV in ruoli and ente.is_cav:
        kw["ente_beneficiarie"] = ente.id
        kw["ente_dati_personali"] = ente.id
    if RUOLO_EQUIPE in ruoli and ente.ambito_id:
        kw["ambito_beneficiarie"] = ente.ambito_id
    if RUOLO_CAPOFILA in ruoli and ente.tipo == "capofila":
        kw["tutte_beneficiarie"] = True
    if ruoli & RUOLI_OPERATIVI:
        # Members of a case's micro-équipe see that case (by code), whatever their ente.
        from app.models import MicroEquipe, membri_microequipe
        from app.extensions import db
        token = _in_calcolo.set(True)  # this lookup itself must not be scoped
        try:
            ids = db.session.execute(
                select(MicroEquipe.beneficiaria_id)
                .join(membri_microequipe, membri_microequipe.c.microequipe_id == MicroEquipe.id)
                .where(membri_microequipe.c.user_id == user.id)
            ).scalars().all()
        finally:
            _in_calcolo.reset(token)
        kw["id_beneficiarie"] = frozenset(ids)
    return Perimetro(**kw)


def utente_corrente():
    if not has_request_context():
        return None
    user = g.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def perimetro_corrente() -> Perimetro:
    forzato = _perimetro_forzato.get()
    if forzato is not None:
        return forzato
    if not has_request_context():
        return NESSUNO
    # Resolving the user (Flask-Login) and her roles/ente queries the database, which fires
    # the hook again: those nested queries touch only unscoped models, so they pass through.
    token = _in_calcolo.set(True)
    try:
        user = utente_corrente()
        if user is None:
            return NESSUNO
        cache = g.get("_lia_perimetro")
        if cache is not None and cache[0] == user.id:
            return cache[1]
        p = perimetro_di(user)
        g._lia_perimetro = (user.id, p)
        return p
    finally:
        _in_calcolo.reset(token)


def criterio_beneficiarie(p: Perimetro):
    if p.sistema or p.tutte_beneficiarie:
        return true()
    condizioni = []
    if p.ente_beneficiarie:
        condizioni.append(Beneficiaria.ente_id == p.ente_beneficiarie)
    if p.ambito_beneficiarie:
        condizioni.append(Beneficiaria.ambito_id == p.ambito_beneficiarie)
    if p.id_beneficiarie:
        condizioni.append(Beneficiaria.id.in_(sorted(p.id_beneficiarie)))
    if not condizioni:
        return false()
    return or_(*condizioni)


def _modelli_per_beneficiaria():
    return [c for c in PerBeneficiaria.__subclasses__() if hasattr(c, "__table__")]


_NESSUN_ID = -1  # matches no row: keeps the SQL shape constant (see below)


def _opzioni_perimetro(p: Perimetro):
    """Loader criteria for the perimeter.

    Lambdas, so that SQLAlchemy adapts them to the aliases FAB uses in its joins. Their closure
    variables are plain ints and tuples, which SQLAlchemy turns into bound parameters: the cached
    SQL has the same shape for every user and only the values change, so one user's perimeter
    can never be replayed for another. Absent values are -1 (no row), never a different shape.
    """
    if p.sistema:
        return []
    ente = p.ente_beneficiarie or _NESSUN_ID
    ambito = p.ambito_beneficiarie or _NESSUN_ID
    ids = tuple(sorted(p.id_beneficiarie)) or (_NESSUN_ID,)
    cav_dati = p.ente_dati_personali or _NESSUN_ID
    opts = [with_loader_criteria(
        DatiPersonali,
        lambda cls: cls.beneficiaria_id.in_(select(Beneficiaria.id).where(Beneficiaria.ente_id == cav_dati)),
        include_aliases=True)]
    if p.tutte_beneficiarie:
        return opts
    opts.append(with_loader_criteria(
        Beneficiaria,
        lambda cls: or_(cls.ente_id == ente, cls.ambito_id == ambito, cls.id.in_(ids)),
        include_aliases=True))
    for modello in _modelli_per_beneficiaria():
        if modello is DatiPersonali:
            continue
        opts.append(with_loader_criteria(
            modello,
            lambda cls: cls.beneficiaria_id.in_(
                select(Beneficiaria.id).where(or_(Beneficiaria.ente_id == ente, Beneficiaria.ambito_id == ambito,
                                                  Beneficiaria.id.in_(ids)))),
            include_aliases=True))
    return opts


@event.listens_for(Session, "do_orm_execute")
def _applica_perimetro(state):
    if _in_calcolo.get() or state.is_column_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    opts = _opzioni_perimetro(perimetro_corrente())
    if opts:
        state.statement = state.statement.options(*opts)


class FiltroPerimetro(BaseFilter):
    """FAB base filter: the same perimeter, for list counts and the API's own queries."""

    name = "Perimetro"
    arg_name = None

    def apply(self, query, value):
        return query.where(criterio_beneficiarie(perimetro_corrente()))


class FiltroPerimetroCollegati(BaseFilter):
    name = "Perimetro"
    arg_name = None

    def apply(self, query, value):
        crit = criterio_beneficiarie(perimetro_corrente())
        return query.where(self.model.beneficiaria_id.in_(select(Beneficiaria.id).where(crit)))


# --- Logging in (the mechanics are in app.autenticazione) ------------------------------------

def richiede_secondo_fattore(utente) -> bool:
    """Her roles need a TOTP code after the password (config LIA_2FA_RUOLI)."""
    return bool(nomi_ruoli(utente) & set(current_app.config.get("LIA_2FA_RUOLI") or ()))


def puo_azzerare_secondo_fattore(utente, bersaglio) -> bool:
    """The Amministratore resets another user's second factor, never her own (a second
    administrator does: otherwise a stolen session could replace the factor)."""
    return (utente is not None and bersaglio is not None and RUOLO_AMMINISTRATORE in nomi_ruoli(utente)
            and utente.id != bersaglio.id)


class UtenteModelView(viste_accesso.AzioniSecondoFattore, UserDBModelView):
    """FAB's user screen with the ente every user belongs to."""

    add_columns = UserDBModelView.add_columns + ["ente"]
    edit_columns = UserDBModelView.edit_columns + ["ente"]
    show_fieldsets = [
        ("Utente", {"fields": ["first_name", "last_name", "username", "email", "active", "roles", "ente"]}),
        ("Accessi", {"fields": ["last_login", "login_count", "fail_login_count", "created_on", "changed_on"],
                     "expanded": False}),
    ]
    list_columns = ["first_name", "last_name", "username", "email", "ente", "active", "roles"]
    label_columns = {"ente": "Ente"}
    validators_columns = {}

    def pre_add(self, item):
        _richiedi_ente(item)

    def pre_update(self, item):
        _richiedi_ente(item)


def _richiedi_ente(item):
    if item.ente is None and item.ente_id is None:
        raise ValueError("Ogni utente deve appartenere a un ente.")


class LiaSecurityManager(SecurityManager):
    user_model = Utente
    userdbmodelview = UtenteModelView
    authdbview = viste_accesso.LiaAuthDBView
    security_api = viste_accesso.LiaSecurityApi

    # Loading the user touches no scoped model: skip the perimeter hook (which would itself
    # ask Flask-Login for the user being loaded, and load it twice).
    def load_user(self, pk):
        token = _in_calcolo.set(True)
        try:
            user = super().load_user(pk)
            # Session cookie: its seal, idle time and age (app.autenticazione).
            if user is not None and not autenticazione.sessione_valida(user):
                return None
            return user
        finally:
            _in_calcolo.reset(token)

    def load_user_jwt(self, _jwt_header, jwt_data):
        token = _in_calcolo.set(True)
        try:
            user = self.get_user_by_id(int(jwt_data["sub"])) if str(jwt_data.get("sub", "")).isdigit() else None
            if user is None or not user.is_active or not autenticazione.token_valido(user, jwt_data):
                return None
            g.user = user
            return user
        finally:
            _in_calcolo.reset(token)

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        autenticazione.configura_jwt(jwt_manager)
        return jwt_manager

    def register_views(self):
        super().register_views()
        viste_accesso.limita_accessi(self)

    def auth_user_db(self, username, password):
        return autenticazione.autentica(self, username, lambda: self._password_ed_ente(username, password))

    def _password_ed_ente(self, username, password):
        user = super().auth_user_db(username, password)
        # A user without an ente cannot work here: refuse the login rather than show empty screens.
        if user is not None and getattr(user, "ente_id", None) is None:
            log.warning("login rifiutato: utente id=%s senza ente", user.id)
            return None
        return user
