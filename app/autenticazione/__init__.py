"""Logging in: per-account lockout, second factor (TOTP), sessions and tokens that end.

- Lockout: failed passwords and second-factor codes are counted in `lia_accesso_utente`, so
  every gunicorn worker sees the same count; a locked account is refused with the same
  message as a wrong password or an unknown user.
- Second factor: for the roles `app.security.richiede_secondo_fattore` names. The password
  step leaves a "pending" mark in the session, not a login; the code step (or, the first
  time, the enrolment) opens the session. Recovery codes are stored as digests, used once.
- Sessions and tokens carry the user's seal (`AccessoUtente.sigillo`); a new seal (logout,
  new password, deactivation, second-factor reset) ends all of them at once. Sessions also
  end after inactivity and after a maximum duration.
- Logout only by POST (with CSRF); the REST API refuses a cookie-authenticated write that
  has no CSRF token (a JWT bearer needs none).
The screens and the API login are in app.autenticazione.viste; the wiring is in
app.security.LiaSecurityManager and app.create_app.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from datetime import datetime, timedelta, timezone

import pyotp
from flask import current_app, flash, has_request_context, jsonify, request, session
from flask_login import login_user
from markupsafe import Markup
from sqlalchemy import case, delete, event, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as insert_postgres
from sqlalchemy.dialects.sqlite import insert as insert_sqlite
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE
from werkzeug.security import check_password_hash

from app import audit
from app.extensions import db
from app.models import AccessoUtente, CodiceRecupero, Utente

log = logging.getLogger(__name__)

MSG_CREDENZIALI = ("Credenziali non valide o accesso temporaneamente bloccato. "
                   "Riprova più tardi o rivolgiti all'amministratore.")
MSG_CODICE = "Codice del secondo fattore mancante o non valido, o accesso temporaneamente bloccato."
MSG_DA_ATTIVARE = ("Il secondo fattore non è ancora attivo per questo utente: accedi dal browser per "
                   "attivarlo, poi usa il codice dell'app nel campo \"totp\".")
MSG_TROPPI = "Troppi tentativi di accesso da questo indirizzo: riprova tra un minuto."
MSG_CSRF_API = ("Richiesta di modifica con il cookie di sessione senza token CSRF valido: "
                "invia l'intestazione X-CSRFToken, oppure usa un token JWT (Authorization: Bearer).")
MSG_TOKEN_NON_VALIDO = "Token non più valido: accedi di nuovo."
MSG_SESSIONE = {
    "inattività": "Sessione scaduta per inattività: accedi di nuovo.",
    "durata": "Sessione scaduta: accedi di nuovo.",
    "chiusa": "Sessione terminata: accedi di nuovo.",
    "secondo_fattore": "Per continuare serve il secondo fattore: accedi di nuovo.",
}

# Keys in the (signed) session cookie and claims in the JWTs.
_SIGILLO, _INIZIO, _ULTIMO, SESSIONE_CON_2FA = "lia_sigillo", "lia_inizio", "lia_ultimo", "lia_2fa"
_ATTESA, SESSIONE_TOTP_NUOVO = "lia_attesa", "lia_totp_nuovo"
CLAIM_SIGILLO, CLAIM_2FA = "lia_sigillo", "lia_2fa"
ATTESA_MASSIMA_SECONDI = 10 * 60  # between the password and the code (or the enrolment)
EMITTENTE_TOTP = "L.I.A. 2"
_ALFABETO_RECUPERO = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
NUMERO_CODICI_RECUPERO = 10


def _adesso() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _cfg(chiave):
    return current_app.config[chiave]


def richiede_secondo_fattore(utente) -> bool:
    from app import security  # app.security imports this module: the predicate is read there

    return security.richiede_secondo_fattore(utente)


# --- the per-user row ---------------------------------------------------------------------

def _nuovo_sigillo() -> str:
    return secrets.token_hex(16)


# These rows are read and written on a connection of their own, in short transactions: a
# failed login is counted even if the request's work is rolled back, and the request's ORM
# session (its user object) is left as it is.

def _transazione():
    return db.engine.begin()


def _assicura_stato(conn, user_id: int) -> None:
    """Create the user's row if missing; two workers doing it at once is not an error."""
    valori = {"user_id": user_id, "sigillo": _nuovo_sigillo(), "fallimenti": 0}
    inserisci = insert_postgres if conn.dialect.name == "postgresql" else insert_sqlite
    conn.execute(inserisci(AccessoUtente).values(**valori).on_conflict_do_nothing(index_elements=["user_id"]))


def _leggi(colonna, user_id):
    with _transazione() as conn:
        return conn.execute(select(colonna).where(AccessoUtente.user_id == user_id)).scalar()


def _aggiorna(user_id: int, **valori) -> int:
    with _transazione() as conn:
        return conn.execute(update(AccessoUtente).where(AccessoUtente.user_id == user_id).values(**valori)).rowcount


def sigillo_di(user_id: int) -> str:
    with _transazione() as conn:
        _assicura_stato(conn, user_id)
        return conn.execute(select(AccessoUtente.sigillo).where(AccessoUtente.user_id == user_id)).scalar_one()


def invalida_sessioni(user_id: int) -> None:
    """End every session and token of the user (a new seal)."""
    _aggiorna(user_id, sigillo=_nuovo_sigillo())
    log.info("sessioni e token chiusi: utente id=%s", user_id)


# A new password or a deactivation ends the user's sessions and tokens, whatever path changed
# it (her own password form, the Amministratore's reset, the user screen, the CLI).

@event.listens_for(Utente.password, "set", active_history=True, propagate=True)
def _password_cambiata(utente, valore, precedente, _initiator):
    if precedente not in (NO_VALUE, NEVER_SET, None) and valore != precedente:
        _da_sigillare(utente, tieni_questa_sessione=True)


@event.listens_for(Utente.active, "set", active_history=True, propagate=True)
def _utente_disattivato(utente, valore, precedente, _initiator):
    if precedente and not valore:
        _da_sigillare(utente, tieni_questa_sessione=False)


def _da_sigillare(utente, tieni_questa_sessione: bool) -> None:
    sessione_db = object_session(utente)
    if sessione_db is not None and utente.id is not None:
        sessione_db.info.setdefault("lia_da_sigillare", {})[utente.id] = tieni_questa_sessione


@event.listens_for(Session, "before_flush")
def _sigilla(sessione_db, _contesto, _istanze):
    da_sigillare = sessione_db.info.pop("lia_da_sigillare", None)
    for user_id, tieni in (da_sigillare or {}).items():
        nuovo = _nuovo_sigillo()
        sessione_db.connection().execute(
            update(AccessoUtente.__table__).where(AccessoUtente.__table__.c.user_id == user_id).values(sigillo=nuovo))
        log.info("sessioni e token chiusi: utente id=%s", user_id)
        # Her own new password: the session she changed it from stays open.
        if tieni and has_request_context() and session.get("_user_id") == str(user_id):
            session[_SIGILLO] = nuovo


@event.listens_for(Utente, "before_delete", propagate=True)
def _utente_eliminato(_mapper, connessione, utente):
    # Also where SQLite does not enforce the foreign keys: a reused id must not inherit these.
    connessione.execute(delete(CodiceRecupero.__table__).where(CodiceRecupero.__table__.c.user_id == utente.id))
    connessione.execute(delete(AccessoUtente.__table__).where(AccessoUtente.__table__.c.user_id == utente.id))


# --- lockout ------------------------------------------------------------------------------

def bloccato(user_id: int) -> bool:
    fino = _leggi(AccessoUtente.bloccato_fino, user_id)
    return fino is not None and fino > _adesso()


def registra_fallimento(user_id: int) -> bool:
    """Count a failed password or code; True when this failure locks the account."""
    ora = _adesso()
    finestra_nuova = or_(AccessoUtente.primo_fallimento.is_(None),
                         AccessoUtente.primo_fallimento < ora - timedelta(minutes=_cfg("LIA_BLOCCO_FINESTRA_MINUTI")))
    with _transazione() as conn:
        _assicura_stato(conn, user_id)
        # One UPDATE: concurrent failures on several workers all count.
        n = conn.execute(
            update(AccessoUtente).where(AccessoUtente.user_id == user_id)
            .values(fallimenti=case((finestra_nuova, 1), else_=AccessoUtente.fallimenti + 1),
                    primo_fallimento=case((finestra_nuova, ora), else_=AccessoUtente.primo_fallimento))
            .returning(AccessoUtente.fallimenti)).scalar_one()
        blocca = n >= _cfg("LIA_BLOCCO_TENTATIVI")
        if blocca:
            conn.execute(update(AccessoUtente).where(AccessoUtente.user_id == user_id).values(
                bloccato_fino=ora + timedelta(minutes=_cfg("LIA_BLOCCO_DURATA_MINUTI")), fallimenti=0,
                primo_fallimento=None))
    if blocca:
        log.warning("accesso bloccato per troppi tentativi falliti: utente id=%s", user_id)
        audit.registra("account_bloccato", tipo_record="Utente", record_id=user_id,
                       utente=db.session.get(Utente, user_id))
    return blocca


def azzera_fallimenti(user_id: int) -> None:
    _aggiorna(user_id, fallimenti=0, primo_fallimento=None, bloccato_fino=None)


def _utente_di(sm, username):
    if not username:
        return None
    return sm.find_user(username=username) or sm.find_user(email=username)


def autentica(sm, username, verifica_password):
    """The password check (`verifica_password()`, FAB's) behind the per-account lockout."""
    noto = _utente_di(sm, username)
    if noto is not None and bloccato(noto.id):
        # As long as a real check, so the answer's timing does not tell "locked" apart.
        check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
        log.info("accesso rifiutato: utente id=%s bloccato", noto.id)
        return None
    utente = verifica_password()
    if utente is None:
        if noto is not None:
            registra_fallimento(noto.id)
        return None
    # With a second factor the count is reset only when the code is right too.
    if not chiede_codice(utente):
        azzera_fallimenti(utente.id)
    return utente


def chiede_codice(utente) -> bool:
    """After her password she gives a code: she has enrolled, or her role requires it."""
    return totp_attivo(utente.id) or richiede_secondo_fattore(utente)


# --- second factor ------------------------------------------------------------------------

def totp_attivo_dal(user_id: int):
    return _leggi(AccessoUtente.totp_attivo_dal, user_id)


def totp_attivo(user_id: int) -> bool:
    return totp_attivo_dal(user_id) is not None


def passo_del_codice(segreto: str, codice) -> int | None:
    """The time step whose code is `codice` (the previous, current or next one), or None."""
    codice = _normalizza(codice)
    totp = pyotp.TOTP(segreto)
    adesso = int(time.time()) // totp.interval
    for passo in (adesso - 1, adesso, adesso + 1):
        if hmac.compare_digest(totp.generate_otp(passo), codice):
            return passo
    return None


def _normalizza(codice) -> str:
    return re.sub(r"[\s-]", "", codice if isinstance(codice, str) else "").upper()


def _impronta(codice: str) -> str:
    return hashlib.sha256(codice.encode("ascii")).hexdigest()


def verifica_secondo_fattore(user_id: int, codice) -> str | None:
    """'totp' or 'recupero' when `codice` is good (and now spent), None otherwise."""
    codice = _normalizza(codice)
    if re.fullmatch(r"\d{6}", codice):
        segreto = _leggi(AccessoUtente.totp_segreto, user_id)
        passo = passo_del_codice(segreto, codice) if segreto else None
        if passo is None:
            return None
        # Accepted only if no later (or the same) step was: a code is good once.
        fatto = _aggiorna_se(user_id, or_(AccessoUtente.totp_ultimo_passo.is_(None),
                                          AccessoUtente.totp_ultimo_passo < passo), totp_ultimo_passo=passo)
        return "totp" if fatto == 1 else None
    if re.fullmatch(f"[{_ALFABETO_RECUPERO}]{{10}}", codice):
        with _transazione() as conn:
            fatto = conn.execute(update(CodiceRecupero).where(
                CodiceRecupero.user_id == user_id, CodiceRecupero.impronta == _impronta(codice),
                CodiceRecupero.usato_il.is_(None)).values(usato_il=_adesso())).rowcount
        return "recupero" if fatto == 1 else None
    return None


def _aggiorna_se(user_id: int, condizione, **valori) -> int:
    with _transazione() as conn:
        return conn.execute(update(AccessoUtente).where(AccessoUtente.user_id == user_id, condizione)
                            .values(**valori)).rowcount


def codici_rimasti(user_id: int) -> int:
    with _transazione() as conn:
        return conn.execute(select(func.count()).select_from(CodiceRecupero).where(
            CodiceRecupero.user_id == user_id, CodiceRecupero.usato_il.is_(None))).scalar_one()


def attiva_totp(user_id: int, segreto: str, passo: int) -> list[str]:
    """Store the confirmed secret (encrypted); returns the new recovery codes, in clear, once."""
    codici = ["".join(secrets.choice(_ALFABETO_RECUPERO) for _ in range(10)) for _ in range(NUMERO_CODICI_RECUPERO)]
    with _transazione() as conn:
        _assicura_stato(conn, user_id)
        conn.execute(update(AccessoUtente).where(AccessoUtente.user_id == user_id).values(
            totp_segreto=segreto, totp_attivo_dal=_adesso(), totp_ultimo_passo=passo))
        conn.execute(delete(CodiceRecupero).where(CodiceRecupero.user_id == user_id))
        conn.execute(insert(CodiceRecupero), [{"user_id": user_id, "impronta": _impronta(c)} for c in codici])
    log.info("secondo fattore attivato: utente id=%s", user_id)
    audit.registra("attivazione_secondo_fattore", tipo_record="Utente", record_id=user_id,
                   utente=db.session.get(Utente, user_id))
    return [f"{c[:5]}-{c[5:]}" for c in codici]


def azzera_secondo_fattore(user_id: int) -> None:
    """Forget the secret and the recovery codes, and end her sessions: a lost phone."""
    with _transazione() as conn:
        conn.execute(update(AccessoUtente).where(AccessoUtente.user_id == user_id).values(
            totp_segreto=None, totp_attivo_dal=None, totp_ultimo_passo=None, sigillo=_nuovo_sigillo()))
        conn.execute(delete(CodiceRecupero).where(CodiceRecupero.user_id == user_id))
    log.info("secondo fattore azzerato e sessioni chiuse: utente id=%s", user_id)
    audit.registra("reset_secondo_fattore", tipo_record="Utente", record_id=user_id)


def qr_svg(uri: str) -> Markup:
    """The QR code drawn here, as inline SVG: the secret never leaves the server for a QR service.
    segno is loaded by the first activation, not by every process."""
    import segno

    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return Markup(svg)  # nosec B704 # segno draws it from our own otpauth URI: no user text in it


# --- the browser session ------------------------------------------------------------------

def svuota_sessione() -> None:
    lingua = session.get("locale")
    session.clear()
    if lingua:
        session["locale"] = lingua


def apri_sessione(utente, con_secondo_fattore: bool) -> None:
    """The login is complete: the session starts here (with the user's current seal)."""
    sigillo = sigillo_di(utente.id)
    if con_secondo_fattore:
        azzera_fallimenti(utente.id)
    svuota_sessione()  # nothing from before the login survives it
    login_user(utente, remember=False)
    ora = int(time.time())
    session.update({_SIGILLO: sigillo, _INIZIO: ora, _ULTIMO: ora, SESSIONE_CON_2FA: con_secondo_fattore})
    if con_secondo_fattore:  # without it, the password step already wrote the row
        audit.registra("login_riuscito", tipo_record="Utente", record_id=utente.id, utente=utente)


def richiesta_di_fondo() -> bool:
    """A request a page makes by itself (the bell's count, the spese totals, an import's state).

    It must not rewrite the session cookie: started with the page's cookie and answered late, its
    cookie would overwrite the one a later click was given (its message, where to go back). Nor is
    it the user's activity. Browsers say it in Sec-Fetch-Mode; jQuery also in X-Requested-With."""
    modo = request.headers.get("Sec-Fetch-Mode")
    return (modo is not None and modo != "navigate") or request.headers.get("X-Requested-With") == "XMLHttpRequest"


def sessione_valida(utente) -> bool:
    """Checked on every request made with a session cookie (Flask-Login's user loader)."""
    ora = int(time.time())
    ultimo, inizio, sigillo = session.get(_ULTIMO), session.get(_INIZIO), session.get(_SIGILLO)
    motivo = None
    if not (isinstance(ultimo, int) and isinstance(inizio, int) and isinstance(sigillo, str)):
        motivo = "chiusa"
    elif ora - ultimo > _cfg("LIA_SESSIONE_INATTIVITA_MINUTI") * 60:
        motivo = "inattività"
    elif ora - inizio > _cfg("LIA_SESSIONE_DURATA_MASSIMA_ORE") * 3600:
        motivo = "durata"
    elif not hmac.compare_digest(sigillo, _leggi(AccessoUtente.sigillo, utente.id) or ""):
        motivo = "chiusa"
    elif not session.get(SESSIONE_CON_2FA) and richiede_secondo_fattore(utente):
        motivo = "secondo_fattore"  # her role changed since she logged in
    if motivo is None:
        if ultimo != ora and not richiesta_di_fondo():
            session[_ULTIMO] = ora
        return True
    svuota_sessione()
    if not request.path.startswith("/api/"):
        flash(MSG_SESSIONE[motivo], "warning")
    return False


def token_valido(utente, dati_jwt: dict) -> bool:
    sigillo = _leggi(AccessoUtente.sigillo, utente.id)
    if not sigillo or not hmac.compare_digest(str(dati_jwt.get(CLAIM_SIGILLO, "")), sigillo):
        return False
    return bool(dati_jwt.get(CLAIM_2FA)) or not richiede_secondo_fattore(utente)


def _claims_del_token(identita) -> dict:
    uid = int(identita)
    # No such user (a token made by hand): an empty seal, which token_valido never accepts.
    return {CLAIM_SIGILLO: sigillo_di(uid) if db.session.get(Utente, uid) is not None else ""}


def configura_jwt(jwt_manager) -> None:
    # Every token (access and refresh, FAB's refresh endpoint included) carries the seal.
    jwt_manager.additional_claims_loader(_claims_del_token)
    jwt_manager.user_lookup_error_loader(lambda _h, _d: (jsonify(message=MSG_TOKEN_NON_VALIDO), 401))
    jwt_manager.expired_token_loader(lambda _h, _d: (jsonify(message="Token scaduto: accedi di nuovo."), 401))


def metti_in_attesa(utente, prossima: str) -> None:
    svuota_sessione()
    session[_ATTESA] = {"id": utente.id, "dal": int(time.time()), "poi": prossima}


def utente_in_attesa(sm):
    """(user, next url) of a login waiting for its second factor, or (None, None)."""
    attesa = session.get(_ATTESA)
    if (not isinstance(attesa, dict) or not isinstance(attesa.get("id"), int)
            or time.time() - attesa.get("dal", 0) > ATTESA_MASSIMA_SECONDI):
        return None, None
    utente = sm.get_user_by_id(attesa.get("id"))
    if utente is None or not utente.is_active:
        return None, None
    return utente, attesa.get("poi") or sm.appbuilder.get_url_for_index
