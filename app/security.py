"""Who sees what: the one place where access is decided.

Two layers, both here:
1. Permissions (can the role open this screen / endpoint at all): data in app.security_roles.
2. Rows (which women this user may see): `perimetro_di(user)` computes a Perimetro, and a
   SQLAlchemy `do_orm_execute` hook adds it as loader criteria to EVERY query of the scoped
   models — FAB list/show/edit/delete, action routes, dropdowns, the REST API, the CLI and the
   exports all see the same rows. No user in context means no rows (fail closed); code that
   must cross the perimeter (migrations, demo loader, rendicontazione for the Region on
   aggregated data) says so explicitly with `with come_sistema():`.
The FAB `base_filters` on views and APIs name the perimeter on each screen without repeating it:
the hook is the one place its criterion is written into SQL, once per scoped entity.
"""
from __future__ import annotations

import contextlib
import functools
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field

from flask import current_app, g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import Role
from flask_appbuilder.security.views import RoleModelView
from sqlalchemy import and_, event, exists, false, or_, select, true
from sqlalchemy.orm import Session, with_loader_criteria

from app import autenticazione
from app.autenticazione import viste as viste_accesso
from app.integrita import SoloOrdinamentiDichiarati
from app.models import Beneficiaria, DatiPersonali, PerBeneficiaria, Utente
from app.security_roles import (
    RUOLO_AMMINISTRATORE, RUOLO_CAPOFILA, RUOLO_CAV, RUOLO_EQUIPE, RUOLO_REGIONE, RUOLO_RESPONSABILE_CAV,
    RUOLO_SERVIZI,
)

RUOLI_OPERATIVI = {RUOLO_CAPOFILA, RUOLO_CAV, RUOLO_EQUIPE, RUOLO_SERVIZI}

log = logging.getLogger(__name__)

# Every FAB method of a view or API maps onto read or write (Superset does the same).
PERMESSI_VISTA = {
    "list": "read", "show": "read", "api_read": "read", "api_get": "read",
    "api": "read", "api_column_add": "write", "api_column_edit": "write", "api_readvalues": "read",
    "add": "write", "edit": "write", "delete": "write", "muldelete": "write",
    "action": "write", "action_post": "write", "api_create": "write", "api_update": "write",
    "api_delete": "write", "allegato": "read",
}
PERMESSI_API = {
    "get": "read", "get_list": "read", "info": "read", "post": "write", "put": "write",
    "delete": "write", "related": "read", "distinct": "read",
    "carica_allegato": "write", "scarica_allegato": "read",
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
            casi = (select(MicroEquipe.beneficiaria_id)
                    .join(membri_microequipe, membri_microequipe.c.microequipe_id == MicroEquipe.id)
                    .where(membri_microequipe.c.user_id == user.id))
            per_il_cpi, cav = agisce_per_il_cpi(user), kw.get("ente_beneficiarie")
            if per_il_cpi or cav:
                casi = casi.join(Beneficiaria, Beneficiaria.id == MicroEquipe.beneficiaria_id)
            if per_il_cpi:  # the CPI sees her case through her CPI consent
                casi = casi.where(Beneficiaria.riservata_cpi_dal.is_(None))
            if cav:  # her own CAV sees her anyway: naming her again would turn its one equality into an OR
                casi = casi.where(Beneficiaria.ente_id != cav)
            ids = db.session.execute(casi).scalars().all()
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
    condizioni, condivise = [], []
    if p.ente_beneficiarie:
        condizioni.append(Beneficiaria.ente_id == p.ente_beneficiarie)
    if p.ambito_beneficiarie:
        condivise.append(Beneficiaria.ambito_id == p.ambito_beneficiarie)
    if p.id_beneficiarie:
        condivise.append(Beneficiaria.id.in_(sorted(p.id_beneficiarie)))
    if condivise:
        # The équipe and the micro-équipe see her case through her consent: not once she revoked it.
        condizioni.append(and_(Beneficiaria.riservata_dal.is_(None), or_(*condivise)))
    if not condizioni:
        return false()
    return or_(*condizioni)


def _modelli_per_beneficiaria():
    return [c for c in PerBeneficiaria.__subclasses__() if hasattr(c, "__table__")]


_NESSUN_ID = -1  # matches no row: keeps the SQL shape constant (see below)


# The perimeter's subqueries read the women through a Core alias, not the mapped class: the hook
# scopes every ORM occurrence of Beneficiaria, so `select(Beneficiaria.id)` would carry the criterion
# twice; and an alias of its own is never correlated to a lia_beneficiaria of the enclosing query.
_BENEFICIARIE = Beneficiaria.__table__.alias("lia_perimetro")


@functools.lru_cache(maxsize=1024)
def _opzioni_perimetro(p: Perimetro, per_riga: bool = True, donne_collegate: bool = False) -> tuple:
    """Loader criteria for the perimeter: each scoped entity of a statement gets its criterion once,
    and a perimeter that sees every woman adds none to her records (only the identities' own rule).

    Built once per perimeter and form (the key is the whole frozen Perimetro): building the lambdas'
    criteria cost more than running most statements, and every statement of a request asked again.
    An option is immutable; each statement reads its closure's values as bound parameters.

    A woman's record is in the perimeter when its woman is. The two forms below say exactly that
    and differ only in the plan they lead to: `per_riga` (a page, a related row) probes her by
    primary key for each record read (EXISTS), so a page ordered by an indexed column stops after
    its rows; otherwise (a count, a total, a whole list) the perimeter's women drive the read
    (IN), which SQLite turns into one index search per woman instead of a probe per record.
    `donne_collegate`: in a page of other records (a spesa's woman, joined to show her code) the
    women are probed the same way. As a condition on the joined woman's own columns, SQLite reads
    every woman into a Bloom filter before the page's first row (4 ms at 25,000 women, growing
    with them); the women's own list keeps the equality, which its index answers in order.

    Lambdas, so that SQLAlchemy adapts them to the aliases FAB uses in its joins. Their closure
    variables are plain ints and tuples, which SQLAlchemy turns into bound parameters: the cached
    SQL of a lambda has the same shape for every user and only the values change, so one user's
    perimeter can never be replayed for another. Absent values are -1 (no row), never a different
    shape from the same lambda (SQLAlchemy caches a lambda's SQL by its code): another shape has its
    own lambda.
    """
    if p.sistema:
        return ()
    ente = p.ente_beneficiarie or _NESSUN_ID
    ambito = p.ambito_beneficiarie or _NESSUN_ID
    ids = tuple(sorted(p.id_beneficiarie)) or (_NESSUN_ID,)
    cav_dati = p.ente_dati_personali or _NESSUN_ID
    b = _BENEFICIARIE
    # A CAV that shares no case (no ambito, no micro-équipe) sees exactly the women it holds: its
    # criterion is that one equality, which an index on (ente_id, codice) answers in the list's
    # order. Behind an OR the planner cannot use it and reads the whole codice index instead (18 ms
    # at 25,000 women). A shape of its own, hence a lambda of its own.
    solo_ente = bool(p.ente_beneficiarie) and not p.ambito_beneficiarie and not p.id_beneficiarie
    if per_riga:
        dati = lambda cls: exists().where(b.c.id == cls.beneficiaria_id,  # noqa: E731
                                          b.c.ente_id == cav_dati).correlate_except(b)
        if solo_ente:
            record = lambda cls: exists().where(b.c.id == cls.beneficiaria_id,  # noqa: E731
                                                b.c.ente_id == ente).correlate_except(b)
        else:
            record = lambda cls: exists().where(b.c.id == cls.beneficiaria_id, or_(  # noqa: E731
                b.c.ente_id == ente,
                and_(b.c.riservata_dal.is_(None), or_(b.c.ambito_id == ambito, b.c.id.in_(ids)))
            )).correlate_except(b)
    else:
        dati = lambda cls: cls.beneficiaria_id.in_(  # noqa: E731
            select(b.c.id).where(b.c.ente_id == cav_dati).correlate_except(b))
        if solo_ente:
            record = lambda cls: cls.beneficiaria_id.in_(  # noqa: E731
                select(b.c.id).where(b.c.ente_id == ente).correlate_except(b))
        else:
            record = lambda cls: cls.beneficiaria_id.in_(select(b.c.id).where(or_(  # noqa: E731
                b.c.ente_id == ente,
                and_(b.c.riservata_dal.is_(None), or_(b.c.ambito_id == ambito, b.c.id.in_(ids))))
            ).correlate_except(b))
    opts = [with_loader_criteria(DatiPersonali, dati, include_aliases=True)]
    if p.tutte_beneficiarie:
        return tuple(opts)
    if per_riga and donne_collegate and solo_ente:
        donne = lambda cls: exists().where(b.c.id == cls.id, b.c.ente_id == ente).correlate_except(b)  # noqa: E731
    elif per_riga and donne_collegate:
        donne = lambda cls: exists().where(b.c.id == cls.id, or_(  # noqa: E731
            b.c.ente_id == ente,
            and_(b.c.riservata_dal.is_(None), or_(b.c.ambito_id == ambito, b.c.id.in_(ids)))
        )).correlate_except(b)
    elif solo_ente:
        donne = lambda cls: cls.ente_id == ente  # noqa: E731
    else:
        donne = lambda cls: or_(cls.ente_id == ente,  # noqa: E731
                                and_(cls.riservata_dal.is_(None), or_(cls.ambito_id == ambito, cls.id.in_(ids))))
    opts.append(with_loader_criteria(Beneficiaria, donne, include_aliases=True))
    opts += [with_loader_criteria(modello, record, include_aliases=True)
             for modello in _modelli_per_beneficiaria() if modello is not DatiPersonali]
    return tuple(opts)


@event.listens_for(Session, "do_orm_execute")
def _applica_perimetro(state):
    if _in_calcolo.get() or state.is_column_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # A page (LIMIT) or the related rows of one are read row by row; anything else as a whole set.
    # A bounded count (app.servizi.interfaccia) says so: its LIMIT is inside the counted subquery.
    per_riga = (state.is_relationship_load or getattr(state.statement, "_limit_clause", None) is not None
                or state.execution_options.get("lia_per_riga", False))
    mapper = state.bind_mapper
    collegate = per_riga and mapper is not None and mapper.class_ is not Beneficiaria
    opts = _opzioni_perimetro(perimetro_corrente(), per_riga, collegate)
    if opts:
        state.statement = state.statement.options(*opts)


# --- Who may do what: named predicates ----------------------------------------------------
# Screens, APIs, servizi and the CLI ask these; no other module reads a role name.

def _ente(utente):
    return getattr(utente, "ente", None)


def valida_come_equipe(utente) -> bool:
    """The équipe of an ambito: evaluates its referrals and validates its projects."""
    ente = _ente(utente)
    return RUOLO_EQUIPE in nomi_ruoli(utente) and ente is not None and ente.ambito_id is not None


def valida_come_capofila(utente) -> bool:
    """The capofila validates the regional money of a project and manages Asse I."""
    ente = _ente(utente)
    return RUOLO_CAPOFILA in nomi_ruoli(utente) and ente is not None and ente.tipo == "capofila"


def fa_avanzare_progetti(utente) -> bool:
    """Operational roles move the projects their ente coordinates; Regione and the
    Amministratore supervise and never move a woman's project."""
    return bool(nomi_ruoli(utente) & RUOLI_OPERATIVI)


def puo_valutare(utente, segnalazione) -> bool:
    """Only the équipe of the woman's ambito evaluates her referral."""
    return valida_come_equipe(utente) and _ente(utente).ambito_id == segnalazione.ambito_id


def gestisce_asse1(utente) -> bool:
    """Editions and sessions of the laboratorio, the model, agreements: the capofila's."""
    return valida_come_capofila(utente)


def vede_rendicontazione_di_rete(utente) -> bool:
    """The whole network's rendicontazione (by code): the capofila and the Region; a CAV
    downloads her own part only."""
    return valida_come_capofila(utente) or RUOLO_REGIONE in nomi_ruoli(utente)


def attore_di(utente):
    """The user as the workflow rules see her: capacities, never role names."""
    from app.rules.workflow import Attore

    ente = _ente(utente)
    return Attore(user_id=utente.id, ente_id=ente.id if ente else None,
                  ambito_id=ente.ambito_id if ente else None, operativo=fa_avanzare_progetti(utente),
                  equipe=valida_come_equipe(utente), capofila=valida_come_capofila(utente))


class FiltroPerimetro(BaseFilter):
    """FAB base filter of the perimeter's screens and APIs. The rows are limited by the session hook
    above, on this query as on every other: adding the criterion here too would put it twice in the
    same statement. What the filter adds is the fail-closed edge: a query run while the hook stands
    aside (`_in_calcolo`, the perimeter's own lookups) sees no row."""

    name = "Perimetro"
    arg_name = None

    def apply(self, query, value):
        return query.where(false()) if _in_calcolo.get() else query


class FiltroPerimetroCollegati(FiltroPerimetro):
    """The same, for records of one woman (they share her perimeter through the hook)."""


# --- Logging in (the mechanics are in app.autenticazione) ------------------------------------

def richiede_secondo_fattore(utente) -> bool:
    """Her roles need a TOTP code after the password (config LIA_2FA_RUOLI)."""
    return bool(nomi_ruoli(utente) & set(current_app.config.get("LIA_2FA_RUOLI") or ()))


def puo_azzerare_secondo_fattore(utente, bersaglio) -> bool:
    """The Amministratore resets another user's second factor, never her own (a second
    administrator does: otherwise a stolen session could replace the factor)."""
    return (utente is not None and bersaglio is not None and RUOLO_AMMINISTRATORE in nomi_ruoli(utente)
            and utente.id != bersaglio.id)


# --- users: who changes roles, ente and activation; the two-person rule ---------------------

# Roles whose holder sees identities (perimetro_di gives an Operatrice CAV her CAV's personal data).
RUOLI_IDENTITA = {RUOLO_CAV}


def ruolo_vede_identita(nome_ruolo: str) -> bool:
    return nome_ruolo in RUOLI_IDENTITA


def ruolo_richiede_conferma(nome_ruolo: str) -> bool:
    """Giving this role needs a second person: it sees identities, or it decides who does."""
    return ruolo_vede_identita(nome_ruolo) or nome_ruolo == RUOLO_RESPONSABILE_CAV


def gestisce_utenti(utente) -> bool:
    return RUOLO_AMMINISTRATORE in nomi_ruoli(utente)


def puo_cambiare_abilitazioni(attore, utente_id) -> bool:
    """Roles, ente and activation of a user: the Amministratore's, on anyone but herself."""
    return gestisce_utenti(attore) and (utente_id is None or attore.id != utente_id)


def motivi_abilitazione_non_valida(ruoli, ente) -> list[str]:
    motivi = []
    if any(ruolo_richiede_conferma(r) for r in ruoli) and (ente is None or not ente.is_cav):
        motivi.append(f"I ruoli «{RUOLO_CAV}» e «{RUOLO_RESPONSABILE_CAV}» sono solo per chi lavora in un "
                      "centro antiviolenza: scegliere come ente un centro antiviolenza.")
    if RUOLO_RESPONSABILE_CAV in ruoli and RUOLO_CAV not in ruoli:
        motivi.append(f"Il ruolo «{RUOLO_RESPONSABILE_CAV}» va dato insieme al ruolo «{RUOLO_CAV}».")
    return motivi


def cav_che_conferma(ruoli_prima, ente_prima, ruoli_dopo, ente_dopo):
    """The CAV whose Responsabile must confirm a change of roles/ente, or None when it may
    apply at once: a move into a CAV, or a role that needs confirmation given inside one."""
    if ente_dopo is None or not ente_dopo.is_cav:
        return None
    if ente_prima is None or ente_prima.id != ente_dopo.id:
        return ente_dopo
    if any(ruolo_richiede_conferma(r) for r in set(ruoli_dopo) - set(ruoli_prima)):
        return ente_dopo
    return None


def puo_decidere_abilitazione(utente, richiesta) -> bool:
    """A Responsabile of the request's CAV who neither asked for it nor is the user concerned."""
    ente = getattr(utente, "ente", None)
    return (utente is not None and bool(getattr(utente, "is_active", False))
            and {RUOLO_RESPONSABILE_CAV, RUOLO_CAV} <= nomi_ruoli(utente)
            and ente is not None and ente.is_cav and ente.id == richiesta.cav_id
            and utente.id not in (richiesta.richiesta_da_id, richiesta.utente_id))


def criterio_abilitazioni(utente):
    """Which requests a user sees: every one for the Amministratore, her CAV's for a CAV worker."""
    from app.models import RichiestaAbilitazione as R

    if gestisce_utenti(utente):
        return true()
    ente = getattr(utente, "ente", None)
    if ente is not None and ente.is_cav and nomi_ruoli(utente) & {RUOLO_CAV, RUOLO_RESPONSABILE_CAV}:
        return or_(R.cav_id == ente.id, R.ente_precedente_id == ente.id, R.ente_richiesto_id == ente.id)
    return false()


class FiltroAbilitazioni(BaseFilter):
    name = "Abilitazioni visibili"
    arg_name = None

    def apply(self, query, value):
        return query.where(criterio_abilitazioni(utente_corrente()))


class RuoloModelView(SoloOrdinamentiDichiarati, RoleModelView):
    """FAB's role screen, ordering only by its declared columns (same permissions as FAB's)."""

    class_permission_name = "RoleModelView"


class LiaSecurityManager(SecurityManager):
    user_model = Utente
    rolemodelview = RuoloModelView
    authdbview = viste_accesso.LiaAuthDBView
    security_api = viste_accesso.LiaSecurityApi

    def register_views(self):
        # The user screens live in app.views.utenti (they call the predicates above).
        from app.views import utenti

        self.userdbmodelview = utenti.UtenteModelView
        self.resetpasswordview = utenti.ReimpostaPasswordView
        self.resetmypasswordview = utenti.CambiaPasswordView
        super().register_views()
        viste_accesso.limita_accessi(self)

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


    def auth_user_db(self, username, password):
        from app.audit import registra_login

        user = autenticazione.autentica(self, username, lambda: self._password_ed_ente(username, password))
        # The outcome, form and API alike; with a second factor the login ends at the code
        # (app.autenticazione.apri_sessione, the API login), which writes its own row.
        if user is None or not autenticazione.chiede_codice(user):
            registra_login(self, username, user)
        return user

    def _password_ed_ente(self, username, password):
        user = super().auth_user_db(username, password)
        # A user without an ente cannot work here: refuse the login rather than show empty screens.
        if user is not None and getattr(user, "ente_id", None) is None:
            log.warning("login rifiutato: utente id=%s senza ente", user.id)
            user = None
        return user


# --- audit ------------------------------------------------------------------------------

def vede_chi_ha_consultato(utente, beneficiaria) -> bool:
    """The tab "Chi ha consultato i suoi dati": only for the CAV holding her (who sees her identity)."""
    ente = perimetro_di(utente).ente_dati_personali
    return ente is not None and beneficiaria is not None and beneficiaria.ente_id == ente


# --- who may change a woman's own records; who may join her micro-équipe (issue 9, §0) ----------

def detiene(utente, beneficiaria) -> bool:
    """The user is an operator of the CAV holding the woman: the only one who knows who she is."""
    ente = getattr(utente, "ente", None)
    return bool(beneficiaria is not None and ente is not None and ente.is_cav
                and getattr(utente, "is_active", False) and RUOLO_CAV in nomi_ruoli(utente)
                and beneficiaria.ente_id == ente.id)


def puo_modificare_beneficiaria(utente, beneficiaria) -> bool:
    """Her profile, consents, personal data, other measures and her very existence: the holding
    CAV only. A micro-équipe member reads her case by code, nothing more."""
    return detiene(utente, beneficiaria)


def agisce_per_il_cpi(utente) -> bool:
    """A Centro per l'impiego's user: she sees a woman's case through her CPI consent."""
    ente = _ente(utente)
    return ente is not None and ente.tipo == "centro_impiego"


def puo_far_parte_di_microequipe(utente) -> bool:
    """Active, belonging to one of the network's enti, in a role that works on cases."""
    return bool(utente is not None and getattr(utente, "active", False) and getattr(utente, "ente_id", None)
                and nomi_ruoli(utente) & RUOLI_OPERATIVI)


class FiltroDetenute(BaseFilter):
    """The women the user's CAV holds: the choices when adding her identity, consents, measures."""

    name = "Detenute"
    arg_name = None

    def apply(self, query, value):
        utente = utente_corrente()
        ente = getattr(utente, "ente", None)
        if ente is None or not ente.is_cav or RUOLO_CAV not in nomi_ruoli(utente):
            return query.where(false())
        return query.where(Beneficiaria.ente_id == ente.id)


class FiltroMembriAmmessi(BaseFilter):
    """The users puo_far_parte_di_microequipe accepts, as a query (the members' dropdown)."""

    name = "Membri ammessi"
    arg_name = None

    def apply(self, query, value):
        return query.where(Utente.active.is_(True), Utente.ente_id.is_not(None),
                           Utente.roles.any(Role.name.in_(sorted(RUOLI_OPERATIVI))))


# --- judging money: an explicit perimeter; who changes a spesa (issue 10, §1 and §6) ----------

class PerimetroNonImpostato(RuntimeError):
    """Code outside a request judged data without saying whose eyes it uses."""


def richiedi_perimetro() -> None:
    """For code that must see every row it depends on (a spesa's verdict counts the project's other
    spese): a logged-in user, or an explicit `come_sistema()` / `come_utente()`. Headless code that
    set neither would see no rows and judge against an empty project: it fails here instead."""
    if _perimetro_forzato.get() is not None:
        return
    token = _in_calcolo.set(True)
    try:
        if utente_corrente() is not None:
            return
    finally:
        _in_calcolo.reset(token)
    raise PerimetroNonImpostato("nessun perimetro: usare come_sistema() o come_utente() fuori da una richiesta")


def puo_modificare_spesa(utente, spesa) -> bool:
    """Money is changed by who pays it: a CAV the spese her CAV pays, the capofila the Asse I
    spese it pays. Nobody changes another ente's spesa (the payer itself never changes)."""
    ente = _ente(utente)
    if spesa is None or ente is None or ente.id != spesa.ente_pagatore_id or not getattr(utente, "is_active", False):
        return False
    return (RUOLO_CAV in nomi_ruoli(utente) and ente.is_cav) or valida_come_capofila(utente)


def puo_eliminare_spesa(utente, spesa) -> bool:
    return puo_modificare_spesa(utente, spesa)


# --- nothing vanishes: who annuls a spesa, who deletes a record as a mistake (issue 10, §6) ----

def puo_annullare_spesa(utente, spesa) -> bool:
    """Whoever may change the spesa (its payer): its project's other enti, the Region and the
    Amministratore never do."""
    return puo_modificare_spesa(utente, spesa)


def puo_rettificare_spesa(utente, spesa) -> bool:
    """Money given back is recorded by who paid it (the spesa's payer), as any change of it."""
    return puo_modificare_spesa(utente, spesa)


def e_autore(utente, record) -> bool:
    """The user created this record (and is still active): she alone may delete it as a mistake.
    A record from before authors were kept has none, and nobody deletes it."""
    autore = getattr(record, "creato_da_id", None)
    return bool(utente is not None and getattr(utente, "is_active", False) and autore is not None
                and autore == utente.id)


# --- which buttons a screen shows (issue 11, §11) ------------------------------------------------

def registra_per_le_donne(utente) -> bool:
    """An active operator of a CAV: the only one who adds a woman's own records (profile, identity,
    consents, other measures); which woman she may change is `puo_modificare_beneficiaria`."""
    ente = getattr(utente, "ente", None)
    return bool(ente is not None and ente.is_cav and getattr(utente, "is_active", False)
                and RUOLO_CAV in nomi_ruoli(utente))


# --- the home page: what to do today; the woman's page (issue 11, §5) ----------------------------

def coordina(utente, progetto) -> bool:
    """Her ente coordinates the project's micro-équipe: its follow-ups are hers to record."""
    ente = _ente(utente)
    return fa_avanzare_progetti(utente) and ente is not None and ente.id == progetto.ente_coordinatore_id


def segue_i_massimali(utente, progetto=None) -> bool:
    """Who watches a project's ceilings: the CAV holding the woman (it pays Assi II–IV) and the
    capofila (it validates the regional money). Without a project: whether she watches any."""
    if valida_come_capofila(utente):
        return True
    return registra_per_le_donne(utente) if progetto is None else detiene(utente, progetto.beneficiaria)


def criterio_massimali_seguiti(utente):
    """`segue_i_massimali(utente, progetto)` as a WHERE on Progetto, for the bell that asks it of
    every open project on every page: the capofila all, a CAV operator those of the women she holds."""
    from app.models import Progetto

    if valida_come_capofila(utente):
        return true()
    if not registra_per_le_donne(utente):
        return false()
    b = _BENEFICIARIE
    return exists().where(b.c.id == Progetto.beneficiaria_id, b.c.ente_id == _ente(utente).id).correlate_except(b)


def vede_nome_in_scheda(utente, beneficiaria) -> bool:
    """Her name in the header of her page: only an operator of the CAV holding her."""
    return detiene(utente, beneficiaria)


def produce_il_dossier(utente, beneficiaria) -> bool:
    """Her copy of everything recorded about her (GDPR art. 15, issue 12 §4) carries her identity:
    only an operator of the CAV holding her produces it, and hands it to her."""
    return detiene(utente, beneficiaria)


# --- money where the work happens (issue 11, §6) -------------------------------------------------

def registra_spese_su(utente, progetto) -> bool:
    """A project's spese (Assi II-IV) are paid, so recorded, by the CAV holding its woman: the
    project page offers her «Nuova spesa»; the rules still judge each one."""
    return progetto is not None and detiene(utente, progetto.beneficiaria)


# --- finding a woman by name (issue 11, §2) ------------------------------------------------------

def puo_cercare_per_nome(utente) -> bool:
    """Names are read only by the CAV that holds the women: an active Operatrice CAV of a CAV
    searches her own (the perimeter limits the rows); nobody else searches by name at all."""
    ente = getattr(utente, "ente", None)
    return bool(utente is not None and getattr(utente, "is_active", False) and ente is not None and ente.is_cav
                and RUOLO_CAV in nomi_ruoli(utente))


# --- closed rendicontazione periods (issue 13, §2) -------------------------------------------------

def chiude_periodi_rendicontazione(utente) -> bool:
    """The capofila sends the network's rendicontazione to the Region: it records the periods and
    closes them (the stored workbook is downloaded by `vede_rendicontazione_di_rete`)."""
    return bool(getattr(utente, "is_active", False)) and valida_come_capofila(utente)
