"""Bad input to the REST API gets a 4xx with an Italian message, never a 500.

FAB's `@safe` turns any exception raised inside an API method into a 500, so the input that
would fail deep inside is refused first: on the app, before any view (an id in the URL past
the database's integers, a `q` that prison cannot parse or that carries numbers the database
cannot bind, a body over MAX_CONTENT_LENGTH); in the API base class (a choice field sent as a
boolean, a filter value of the wrong type, other scripts' digits in a number, NUL in text).
"""
from __future__ import annotations

import json
import math
import urllib.parse
from decimal import Decimal

import prison
from flask import Flask, abort, jsonify, request
from flask_appbuilder.api.convert import Model2SchemaConverter
from marshmallow import fields

from app.api.serializzazione import SerializzazioneDiretta

# PostgreSQL's INTEGER (SQLite's is wider): no record id, page or filter number goes past it.
ID_MASSIMO = 2**31 - 1


def id_valido(valore) -> bool:
    """A record id as a client may send it: a JSON integer, or ASCII digits in a URL."""
    if isinstance(valore, str):
        if not (valore.isascii() and valore.isdigit()):
            return False
        valore = int(valore)
    return isinstance(valore, int) and not isinstance(valore, bool) and 0 < valore <= ID_MASSIMO


# --- before any view (installed on the app) ------------------------------------------------

def _verifica_id(endpoint, valori) -> None:
    # Every route names its record `pk` (FAB's `/<pk>`, ours `/<int:pk>/…`): an id that cannot
    # exist is simply not found, before it reaches a query. Werkzeug's `int` converter reads
    # other scripts' digits ("١٢" → 12), hence the look at the URL as sent.
    if valori and "pk" in valori and not (id_valido(valori["pk"]) and request.path.isascii()):
        abort(404)


def _q_di(valore: str):
    """The `q` argument as FAB's @rison decodes it (prison, then JSON); None when FAB itself
    answers 400. Raises ValueError where FAB would crash instead."""
    try:
        return prison.loads(valore)
    except prison.decoder.ParserException:
        try:
            return json.loads(urllib.parse.parse_qs(f"q={valore}")["q"][0])
        except Exception:  # noqa: BLE001  (FAB answers 400 to anything that is not JSON)
            return None
    except Exception as exc:  # noqa: BLE001  (prison raises ValueError, IndexError… on some input)
        raise ValueError from exc


def _valori_ammessi(dato) -> bool:
    if isinstance(dato, dict):
        return all(_valori_ammessi(k) and _valori_ammessi(v) for k, v in dato.items())
    if isinstance(dato, list):
        return all(_valori_ammessi(v) for v in dato)
    if isinstance(dato, bool) or dato is None:
        return True
    if isinstance(dato, int):
        return abs(dato) <= ID_MASSIMO
    if isinstance(dato, float):
        return math.isfinite(dato) and abs(dato) <= ID_MASSIMO
    return isinstance(dato, str) and "\x00" not in dato  # PostgreSQL refuses NUL in text


def _verifica_richiesta_api():
    if not request.path.startswith("/api/"):
        return None
    if request.method in ("POST", "PUT", "PATCH"):
        # Read the body here: past MAX_CONTENT_LENGTH werkzeug raises 413, which the app's
        # handler answers; inside an API method @safe would turn it into a 500.
        request.get_data(cache=True)
    valore = request.args.get("q")
    if valore:
        try:
            ammesso = _valori_ammessi(_q_di(valore))
        except (ValueError, RecursionError):
            ammesso = False
        if not ammesso:
            return jsonify(message="Parametro «q» non valido."), 400
    return None


# --- inside the API classes (app.api.LiaModelRestApi) ----------------------------------------

class ConvertitoreLia(Model2SchemaConverter):
    """A choice column (a SQLAlchemy Enum of strings) becomes a String field: marshmallow-sqlalchemy
    makes it a Raw field, which lets `false` or `3` reach the length check (a 500) and tells
    the OpenAPI document nothing about its type. Every schema writes its answers cell by cell
    (app.api.serializzazione)."""

    def _meta_schema_factory(self, columns, model, class_mixin, parent_schema_name=None):
        schema = super()._meta_schema_factory(columns, model, class_mixin, parent_schema_name=parent_schema_name)
        return type(schema.__name__, (SerializzazioneDiretta, schema), {})

    def _column2enum(self, datamodel, column):
        campo = super()._column2enum(datamodel, column)
        if type(campo) is not fields.Raw:
            return campo
        testo = fields.String(required=campo.required, allow_none=campo.allow_none, validate=campo.validators,
                              load_default=campo.load_default, dump_default=campo.dump_default)
        testo.unique = campo.unique
        return testo


def numeri_json(valore):
    """Decimal bounds (a Range on a Numeric column) as JSON numbers: apispec keeps them as Decimal,
    which Flask writes as strings, and an OpenAPI `maximum: "1000000.00"` is invalid."""
    if isinstance(valore, Decimal):
        return int(valore) if valore == valore.to_integral_value() else float(valore)
    if isinstance(valore, dict):
        return {k: numeri_json(v) for k, v in valore.items()}
    if isinstance(valore, list):
        return [numeri_json(v) for v in valore]
    return valore


def testi_non_ammessi(dati: dict, schema) -> dict:
    """Text in a JSON body that would pass marshmallow and fail later: errors by field."""
    errori = {}
    for nome, valore in dati.items():
        if not isinstance(valore, str):
            continue
        if "\x00" in valore:  # PostgreSQL refuses it in text: a 422, not a database error
            errori[nome] = ["Carattere non ammesso."]
        elif isinstance(schema.fields.get(nome), fields.Number) and not valore.isascii():
            # int() and Decimal() read other scripts' digits ("١٢", "１２"): a number is 0-9.
            errori[nome] = ["Usare solo le cifre 0-9."]
    return errori


_OPERATORI_TESTO = {"sw", "ew", "ct", "nsw", "new", "nct"}


def _valore_per_colonna(datamodel, colonna: str, valore) -> bool:
    if datamodel.is_relation(colonna):
        return id_valido(valore)
    if datamodel.is_boolean(colonna):
        return isinstance(valore, bool)
    if datamodel.is_integer(colonna) or datamodel.is_numeric(colonna) or datamodel.is_float(colonna):
        return isinstance(valore, (int, float)) and not isinstance(valore, bool)
    return isinstance(valore, str)  # text, choices, dates (FAB parses them)


def valore_filtro_ammesso(datamodel, colonna: str, operatore: str, valore) -> bool:
    """A `q` filter value the database can compare with the column. FAB passes it as sent:
    `ct` with a number fails in Python, text against a number or a boolean fails on PostgreSQL."""
    if operatore in ("in", "not_in"):
        return isinstance(valore, list) and all(_valore_per_colonna(datamodel, colonna, v) for v in valore)
    if operatore in _OPERATORI_TESTO:
        return isinstance(valore, str)
    return _valore_per_colonna(datamodel, colonna, valore)


def installa(app: Flask) -> None:
    app.url_value_preprocessor(_verifica_id)
    app.before_request(_verifica_richiesta_api)
    # flask-jwt-extended answers a missing, malformed or expired token itself, in English (and
    # naming the user it could not load): the same status codes, in Italian.
    jwt = app.extensions["flask-jwt-extended"]
    jwt.unauthorized_loader(lambda _motivo: (jsonify(message="Autenticazione richiesta."), 401))
    jwt.invalid_token_loader(lambda _motivo: (jsonify(message="Token non valido: accedere di nuovo."), 422))
    jwt.expired_token_loader(lambda _intestazione, _dati: (jsonify(message="Sessione scaduta: accedere di nuovo."), 401))
    jwt.user_lookup_error_loader(lambda _intestazione, _dati: (jsonify(message="Autenticazione richiesta."), 401))
