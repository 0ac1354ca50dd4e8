"""The audit trail: the one API the rest of the app calls (`registra`), the hooks that call it
for every change, read of personal data, login and logout, and the chain's verification.

When a row is written:
- a change to the data: in the same transaction as the change (a session hook collects the
  changed records after each flush and appends their rows just before the commit), so a
  change is never saved without its row, nor a row without its change;
- anything else in a request (a page or an API answer with personal data, a codice fiscale
  search, a download, a login, a logout): in a small transaction of its own at the end of the
  request, before the answer leaves; if the row cannot be written the answer is an error, not
  the data;
- outside a request (CLI): at once, or with the CLI's own pending change.
Rows carry the women's pseudonymous codes and the names of changed fields, never a value.
Appends are serialised (a transaction-level advisory lock on PostgreSQL, BEGIN IMMEDIATE on
SQLite), so two workers never chain onto the same previous row.
"""
from __future__ import annotations

import json
import logging
import uuid

from flask import current_app, g, has_request_context, request
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import Permission, PermissionView, RegisterUser, ViewMenu
from flask_login import user_logged_out
from sqlalchemy import and_, event, inspect, insert, or_, select, text
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Beneficiaria, DatiPersonali, _ora
from app.models.audit import AuditEvento
from app.models.sequenze import RichiestaIdempotente
from app.rules import audit as regole

log = logging.getLogger(__name__)

# Every action, with the label the screens show. A name not listed here is refused: a typo
# would otherwise hide a row from every search.
AZIONI = {
    "lettura_dati_personali": "Lettura dei dati personali",
    "ricerca_cf": "Ricerca per codice fiscale",
    "scaricamento_allegato": "Scaricamento di un documento",
    "creazione": "Creazione",
    "modifica": "Modifica",
    "eliminazione": "Eliminazione",
    "transizione": "Cambio di stato del progetto",
    "esportazione": "Esportazione",
    "rotazione_chiave": "Rotazione della chiave di cifratura",
    "reindicizzazione": "Ricostruzione degli indici di ricerca",
    "backup": "Backup",
    "ripristino": "Ripristino da un backup",
    "annullamento": "Annullamento di una spesa",
    "cancellazione_dati": "Cancellazione dei dati personali",
    "dossier": "Copia dei dati per l'interessata",
    "importazione": "Importazione da Excel",
    "chiusura_periodo": "Chiusura di un periodo di rendicontazione",
    "scaricamento_rendiconto": "Scaricamento del rendiconto inviato di un periodo chiuso",
    "login_riuscito": "Accesso riuscito",
    "login_fallito": "Accesso fallito",
    "logout": "Uscita",
    # Raised by the login, users and second-factor screens.
    "cambio_password": "Cambio della password",
    "reset_password": "Reimpostazione della password",
    "cambio_ruoli": "Cambio dei ruoli",
    "cambio_ente": "Cambio dell'ente",
    "conferma_cambio": "Conferma di un cambio di ruoli o di ente",
    "account_bloccato": "Account bloccato per troppi tentativi",
    "attivazione_secondo_fattore": "Attivazione del secondo fattore",
    "reset_secondo_fattore": "Reimpostazione del secondo fattore",
}
# What "Chi ha consultato i suoi dati" shows: reads, and changes to her identifying data. Her
# copy (dossier) carries her identity, so producing it is a read too.
AZIONI_CONSULTAZIONE = ("lettura_dati_personali", "ricerca_cf", "scaricamento_allegato", "dossier")
AZIONI_SCRITTURA = ("creazione", "modifica", "eliminazione")


def criterio_consultazioni(e=AuditEvento):
    """The rows that say someone saw a woman's identifying data: reads, and changes to it."""
    return and_(e.codici.is_not(None), or_(
        e.azione.in_(AZIONI_CONSULTAZIONE),
        and_(e.tipo_record == "DatiPersonali", e.azione.in_(AZIONI_SCRITTURA))))

SISTEMA = "sistema"  # the username of rows written outside a request (CLI)
ANONIMO = object()  # utente=ANONIMO: nobody identifiable (a login with an unknown username)

# FAB's own plumbing, rebuilt from code by `flask lia init-roles`: no decision of a person.
# An Idempotency-Key's stored answer is a copy of a request already audited (app.api.idempotenza).
_NON_AUDITATI = (AuditEvento, Permission, ViewMenu, PermissionView, RegisterUser, RichiestaIdempotente)
# Bookkeeping, not decisions: FAB's login counters (the login row says it) and change stamps.
_CAMPI_IGNORATI = frozenset({"last_login", "login_count", "fail_login_count", "changed_on", "changed_by_fk"})

_CODA = "lia_audit_coda"  # session.info: rows to append with this transaction
_IN_RICHIESTA = "_lia_audit"  # g: rows to append at the end of the request
_CHIAVE_LOCK = 0x4C49415544  # pg_advisory_xact_lock key of the chain ("LIAUD")


# --- the API -------------------------------------------------------------------------------

def registra(azione: str, *, tipo_record: str | None = None, record_id: int | None = None, codici=(),
             dettaglio: dict | None = None, utente=None) -> None:
    """Record one event. `codici` are the women's pseudonymous codes; `dettaglio` a small dict
    with no personal value; `utente` defaults to the request's user ("sistema" in the CLI)."""
    evento = _evento(azione, tipo_record, record_id, codici, dettaglio, utente)
    sessione = db.session()
    if sessione.info.get(_CODA):
        # A change is pending in this transaction: the row commits (or not) with it.
        sessione.info[_CODA].append(evento)
    elif has_request_context():
        g.setdefault(_IN_RICHIESTA, []).append(evento)
    else:
        sessione.flush()
        sessione.info.setdefault(_CODA, []).append(evento)
        if len(sessione.info[_CODA]) == 1:  # nothing else pending: its own commit
            _commit_della_sola_riga(sessione)


def verifica_catena() -> tuple[bool, int | None]:
    """(True, None) if every row's hash matches, else (False, id of the first broken row)."""
    rotto, _, _ = esamina_catena()
    return rotto is None, rotto


def esamina_catena() -> tuple[int | None, int, str]:
    """(first broken id or None, rows read, last hash), streaming the table in chain order."""
    t = AuditEvento.__table__
    with db.engine.connect() as conn:
        righe = conn.execution_options(yield_per=2000).execute(select(t).order_by(t.c.id)).mappings()
        return regole.esamina(_chiave(), righe)


def codice_di(item) -> str | None:
    """The code of the woman a record belongs to (None if it belongs to none)."""
    if isinstance(item, Beneficiaria):
        return item.codice
    b = getattr(item, "beneficiaria", None)
    return b.codice if b is not None else None


def registra_lettura_dati_personali(ids, record_id: int | None = None) -> None:
    """One row for a page or answer that shows the DatiPersonali with these ids."""
    ids = [i for i in ids if i is not None]
    if ids:
        registra("lettura_dati_personali", tipo_record="DatiPersonali", record_id=record_id,
                 codici=_codici_dati_personali(ids), dettaglio=None if record_id else {"righe": len(ids)})


def registra_login(sm, username: str, user) -> None:
    """The outcome of a login (form or API). A failure names the account only if it exists:
    what someone typed is never stored."""
    if user is not None:
        registra("login_riuscito", tipo_record="Utente", record_id=user.id, utente=user)
        return
    conto = (sm.find_user(username=username) or sm.find_user(email=username)) if username else None
    registra("login_fallito", tipo_record="Utente" if conto else None, record_id=conto.id if conto else None,
             utente=conto or ANONIMO)


class VistaConDatiPersonali:
    """Mixin of the FAB screen of DatiPersonali: one row per page that shows them (its list, its
    show and edit pages, and the tab of the woman's page that lists them)."""

    def _get_list_widget(self, filters, **kwargs):
        widgets = super()._get_list_widget(filters, **kwargs)
        registra_lettura_dati_personali(widgets["list"].template_args["pks"])
        return widgets

    def _show(self, pk):
        widgets = super()._show(pk)
        registra_lettura_dati_personali([int(pk)], record_id=int(pk))
        return widgets

    def _edit(self, pk):
        widgets = super()._edit(pk)
        if widgets is not None:  # the form with her values (a save redirects, and is a change)
            registra_lettura_dati_personali([int(pk)], record_id=int(pk))
        return widgets


class ApiConDatiPersonali:
    """Mixin of the REST API of DatiPersonali: one row per answer that carries them."""

    def pre_get(self, data):
        super().pre_get(data)
        registra_lettura_dati_personali([data["id"]], record_id=data["id"])

    def pre_get_list(self, data):
        super().pre_get_list(data)
        registra_lettura_dati_personali(data["ids"])


# --- building a row ------------------------------------------------------------------------

def _evento(azione, tipo_record, record_id, codici, dettaglio, utente) -> dict:
    if azione not in AZIONI:
        raise ValueError(f"azione di audit sconosciuta: {azione}")
    utente_id, username, ente_id = _chi(utente)
    ip = rid = None
    if has_request_context():
        ip, rid = request.remote_addr, _request_id()
        dettaglio = {"canale": request.endpoint, **(dettaglio or {})}
    codici = sorted({c for c in codici if c})
    return {
        "quando": _ora(), "utente_id": utente_id, "username": username, "ente_id": ente_id, "azione": azione,
        "tipo_record": tipo_record, "record_id": record_id, "codici": " ".join(codici) or None, "ip": ip,
        "request_id": rid,
        "dettaglio": json.dumps(dettaglio, ensure_ascii=False, sort_keys=True, default=str) if dettaglio else None,
    }


def _chi(utente):
    if utente is ANONIMO:
        return None, None, None
    if utente is None:
        if not has_request_context():
            return None, SISTEMA, None
        utente = g.get("user")
        if utente is None or not getattr(utente, "is_authenticated", False):
            return None, None, None
    return utente.id, utente.username, getattr(utente, "ente_id", None)


def _request_id() -> str:
    if "request_id" not in g:
        g.request_id = str(uuid.uuid4())
    return g.request_id


def _codici_dati_personali(ids) -> list[str]:
    """Codes of the women whose DatiPersonali are these: from the records the page already
    loaded (identity map), one query for any that are not there."""
    sessione = db.session()
    mapper = inspect(DatiPersonali)
    codici, mancanti = [], []
    for i in ids:
        dp = sessione.identity_map.get(mapper.identity_key_from_primary_key((i,)))
        b = dp.__dict__.get("beneficiaria") if dp is not None else None
        if b is not None and b.__dict__.get("codice"):
            codici.append(b.codice)
        else:
            mancanti.append(i)
    if mancanti:
        dp_t, b_t = DatiPersonali.__table__, Beneficiaria.__table__
        codici += sessione.connection().execute(
            select(b_t.c.codice).join(dp_t, dp_t.c.beneficiaria_id == b_t.c.id).where(dp_t.c.id.in_(mancanti))
        ).scalars().all()
    return codici


# --- every change, from the session ----------------------------------------------------------

def _auditato(obj) -> bool:
    return isinstance(obj, Model) and not isinstance(obj, _NON_AUDITATI)


def _campi_cambiati(stato) -> list[str]:
    """Names of the changed columns (and many-to-many links, e.g. a user's roles): never values."""
    campi = [a.key for a in stato.mapper.column_attrs if stato.attrs[a.key].history.has_changes()]
    campi += [r.key for r in stato.mapper.relationships
              if r.secondary is not None and stato.attrs[r.key].history.has_changes()]
    return sorted(set(campi) - _CAMPI_IGNORATI)


def _eventi_del_flush(sessione) -> list[dict]:
    voci = []  # (azione, obj, dettaglio)
    for azione, oggetti in (("creazione", sessione.new), ("modifica", sessione.dirty),
                            ("eliminazione", sessione.deleted)):
        for obj in oggetti:
            if not _auditato(obj):
                continue
            dettaglio = None
            if azione == "modifica":
                campi = _campi_cambiati(inspect(obj))
                if not campi:
                    continue
                dettaglio = {"campi": campi}
            voci.append((azione, obj, dettaglio))
    if not voci:
        return []
    codici = _codici_per_beneficiaria(sessione, [o for _, o, _ in voci])
    eventi = []
    for azione, obj, dettaglio in voci:
        stato = inspect(obj)
        chiave = stato.mapper.primary_key_from_instance(obj) if azione != "eliminazione" else stato.identity
        record_id = chiave[0] if chiave and len(chiave) == 1 and isinstance(chiave[0], int) else None
        bid = obj.__dict__.get("id") if isinstance(obj, Beneficiaria) else obj.__dict__.get("beneficiaria_id")
        eventi.append(_evento(azione, type(obj).__name__, record_id, [codici.get(bid)], dettaglio, None))
    return eventi


def _codici_per_beneficiaria(sessione, oggetti) -> dict[int, str]:
    """{beneficiaria id: code} for these records: from the session, else one query."""
    codici, mancanti = {}, set()
    mapper = inspect(Beneficiaria)
    for obj in oggetti:
        if isinstance(obj, Beneficiaria):
            codici[obj.__dict__.get("id")] = obj.__dict__.get("codice")
    for obj in oggetti:
        bid = obj.__dict__.get("beneficiaria_id")
        if bid is None or bid in codici:
            continue
        b = obj.__dict__.get("beneficiaria") or sessione.identity_map.get(mapper.identity_key_from_primary_key((bid,)))
        if b is not None and b.__dict__.get("codice"):
            codici[bid] = b.codice
        else:
            mancanti.add(bid)
    if mancanti:
        t = Beneficiaria.__table__
        codici.update(sessione.connection().execute(select(t.c.id, t.c.codice).where(t.c.id.in_(mancanti))).all())
    return codici


@event.listens_for(Session, "after_flush")
def _dopo_flush(sessione, _contesto):
    eventi = _eventi_del_flush(sessione)
    if eventi:
        sessione.info.setdefault(_CODA, []).extend(eventi)


@event.listens_for(Session, "before_commit")
def _prima_del_commit(sessione):
    # The commit flushes only after this hook: flush here, or the last changes would miss it.
    sessione.flush()
    eventi = sessione.info.pop(_CODA, None)
    if eventi:
        _appendi(sessione.connection(), eventi)


@event.listens_for(Session, "after_soft_rollback")
def _dopo_rollback(sessione, transazione):
    if not transazione.nested:
        sessione.info.pop(_CODA, None)  # the change is gone: so is its row


# --- appending to the chain -------------------------------------------------------------------

def _chiave() -> bytes:
    return current_app.config["LIA_AUDIT_KEY"].encode("utf-8")


def _blocca_catena(conn) -> None:
    """Serialise appends until this transaction ends, so that the last row read below is
    still the last one when ours is inserted."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:chiave)"), {"chiave": _CHIAVE_LOCK})
    elif conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        # A transaction that has written already holds the write lock; otherwise take it now.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _appendi(conn, eventi: list[dict]) -> None:
    t = AuditEvento.__table__
    _blocca_catena(conn)
    ultimo = conn.execute(select(t.c.hash).order_by(t.c.id.desc()).limit(1)).scalar()
    conn.execute(insert(t), regole.concatena(_chiave(), eventi, ultimo or regole.INIZIO))


# --- the request's rows ----------------------------------------------------------------------

def _inizio_richiesta():
    _request_id()


def _fine_richiesta(risposta):
    eventi = g.pop(_IN_RICHIESTA, None)
    if eventi:
        sessione = db.session()
        if sessione.info.get(_CODA) or sessione.new or sessione.dirty or sessione.deleted:
            # Left uncommitted by the view: the end of the request drops it, and so do we.
            sessione.rollback()
        sessione.info[_CODA] = eventi
        _commit_della_sola_riga(sessione)
    risposta.headers["X-Request-Id"] = _request_id()
    return risposta


def _commit_della_sola_riga(sessione):
    """Commit a transaction that holds only audit rows, leaving the session's objects loaded:
    what the request or the command still holds (a log record formatted later, the CLI's own
    objects) must not turn into expired, detached instances because of the audit."""
    prima, sessione.expire_on_commit = sessione.expire_on_commit, False
    try:
        sessione.commit()
    finally:
        sessione.expire_on_commit = prima


def _uscita(_app, user=None, **_kw):
    if user is not None and getattr(user, "is_authenticated", False):
        registra("logout", tipo_record="Utente", record_id=user.id, utente=user)


def init_app(app) -> None:
    app.before_request(_inizio_richiesta)
    app.after_request(_fine_richiesta)
    user_logged_out.connect(_uscita, app)
