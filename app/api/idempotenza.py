"""The optional `Idempotency-Key` header of the API's POSTs: a retry counts once.

A client that lost the answer (a dropped connection, a timeout) sends the same POST again with
the same key: it gets the first answer back (status and body) and nothing is created twice.
The same key with another body or another URL is refused (422). Keys are per user and kept
LIA_IDEMPOTENZA_ORE hours.

Under concurrency: the key's row is inserted before the request runs, in the request's own
transaction, under a unique index on (user, key). A second request with the same key waits on
that index (PostgreSQL) or on the write lock (SQLite) until the first commits, then finds its
row: the key and what the request created are committed together, or neither is. The answer is
stored right after; a request that finds the row still without an answer waits for it a
little, then gets a 409.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timedelta, timezone

from flask import Response, current_app, g, request
from sqlalchemy import delete, inspect, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.crypto import DatoCifratoCorrotto
from app.extensions import db
from app.models import RichiestaIdempotente

log = logging.getLogger(__name__)

INTESTAZIONE = "Idempotency-Key"
LUNGHEZZA_MASSIMA = 255
ATTESA_RISPOSTA_S = 10  # how long a repeat waits for the first request's answer
# Answers about the caller or a malformed request (a missing CSRF token, a body that is not
# JSON), not about what it asks: not kept, the key stays usable.
NON_CONSERVATE = {400, 401, 403, 429}

MSG_CHIAVE_NON_VALIDA = f"Intestazione {INTESTAZIONE} non valida: da 1 a {LUNGHEZZA_MASSIMA} caratteri ASCII stampabili."
MSG_RICHIESTA_DIVERSA = (f"La chiave {INTESTAZIONE} è già stata usata per una richiesta diversa: "
                         "usare una chiave nuova per ogni nuova operazione.")
MSG_IN_CORSO = (f"Una richiesta con la stessa chiave {INTESTAZIONE} è ancora in corso o si è interrotta: "
                "verificare i dati prima di ripeterla con una chiave nuova.")

PARAMETRO_OPENAPI = {
    "in": "header", "name": INTESTAZIONE, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": LUNGHEZZA_MASSIMA},
    "description": ("Facoltativa. La stessa chiave inviata di nuovo (stesso utente, stesso URL, stesso corpo) "
                    "restituisce la prima risposta senza creare nulla; con un corpo diverso: 422."),
}


def _ora():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _riguarda() -> bool:
    return (request.method == "POST" and request.path.startswith("/api/")
            and not request.path.startswith("/api/v1/security/") and INTESTAZIONE in request.headers)


def _errore(stato: int, messaggio: str) -> Response:
    return Response(json.dumps({"message": messaggio}, ensure_ascii=False), status=stato,
                    mimetype="application/json")


def _utente():
    """The caller as FAB's @protect will see her (JWT or session), or None: then the view answers 401."""
    from flask_jwt_extended import verify_jwt_in_request

    try:
        verify_jwt_in_request(optional=True)
    except Exception:  # noqa: BLE001  (an invalid or expired token: the view answers 401)
        return None
    utente = current_app.appbuilder.sm.current_user
    return utente if utente is not None and getattr(utente, "is_authenticated", False) else None


def _impronta() -> str:
    corpo = request.get_data(cache=True)
    try:  # the same JSON with its keys in another order is the same request
        corpo = json.dumps(json.loads(corpo), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        pass
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + corpo).hexdigest()


def _cerca(user_id: int, chiave: str) -> RichiestaIdempotente | None:
    return db.session.execute(
        select(RichiestaIdempotente).where(RichiestaIdempotente.user_id == user_id,
                                           RichiestaIdempotente.chiave == chiave)
        .execution_options(populate_existing=True)).scalar_one_or_none()


def _ripeti(user_id: int, chiave: str, richiesta: str, impronta: str) -> Response:
    """The answer to a repeat of an earlier request with this key."""
    scadenza = time.monotonic() + ATTESA_RISPOSTA_S
    while True:
        riga = _cerca(user_id, chiave)
        if riga is not None and (riga.richiesta != richiesta or riga.impronta != impronta):
            db.session.rollback()
            return _errore(422, MSG_RICHIESTA_DIVERSA)
        if riga is not None and riga.stato is not None:
            try:
                corpo = riga.corpo or ""
            except DatoCifratoCorrotto:  # stored under a key since retired
                db.session.rollback()
                return _errore(409, MSG_IN_CORSO)
            risposta = Response(corpo, status=riga.stato, mimetype="application/json")
            risposta.headers["Idempotent-Replayed"] = "true"
            db.session.rollback()
            return risposta
        db.session.rollback()  # a fresh snapshot for the next look
        if riga is None or time.monotonic() > scadenza:
            return _errore(409, MSG_IN_CORSO)
        time.sleep(0.1)


def _prima():
    if not _riguarda():
        return None
    chiave = request.headers[INTESTAZIONE]
    if not (0 < len(chiave) <= LUNGHEZZA_MASSIMA and chiave.isascii() and chiave.isprintable()):
        return _errore(400, MSG_CHIAVE_NON_VALIDA)
    utente = _utente()
    if utente is None:
        return None
    richiesta, impronta = f"{request.method} {request.path}"[:300], _impronta()
    db.session.execute(delete(RichiestaIdempotente).where(
        RichiestaIdempotente.creata < _ora() - timedelta(hours=current_app.config["LIA_IDEMPOTENZA_ORE"])))
    if _cerca(utente.id, chiave) is not None:
        return _ripeti(utente.id, chiave, richiesta, impronta)
    riga = RichiestaIdempotente(user_id=utente.id, chiave=chiave, richiesta=richiesta, impronta=impronta,
                                creata=_ora())
    db.session.add(riga)
    try:
        db.session.flush()  # waits here for a concurrent request with the same key
    except IntegrityError:
        db.session.rollback()
        return _ripeti(utente.id, chiave, richiesta, impronta)
    g.lia_idempotenza = riga
    return None


def _dopo(risposta: Response) -> Response:
    riga = g.pop("lia_idempotenza", None)
    if riga is None:
        return risposta
    try:
        if risposta.status_code >= 500 or risposta.status_code in NON_CONSERVATE:
            if inspect(riga).persistent:
                db.session.delete(riga)
                db.session.commit()
            return risposta
        if not inspect(riga).persistent:  # the view rolled back: the answer alone is kept
            riga = RichiestaIdempotente(user_id=riga.user_id, chiave=riga.chiave, richiesta=riga.richiesta,
                                        impronta=riga.impronta, creata=riga.creata)
            db.session.add(riga)
        riga.stato, riga.corpo = risposta.status_code, risposta.get_data(as_text=True)
        db.session.commit()
    except IntegrityError:  # a concurrent request stored its own answer first
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("risposta idempotente non conservata")
    return risposta


def documenta(api_spec) -> None:
    """Declare the header on every POST of the OpenAPI document (the login's excepted)."""
    for percorso, operazioni in api_spec._paths.items():
        if "post" in operazioni and "/security/" not in percorso:
            parametri = operazioni["post"].setdefault("parameters", [])
            if not any(p.get("name") == INTESTAZIONE for p in parametri if isinstance(p, dict)):
                parametri.append(dict(PARAMETRO_OPENAPI))


def installa(app) -> None:
    app.before_request(_prima)
    app.after_request(_dopo)
