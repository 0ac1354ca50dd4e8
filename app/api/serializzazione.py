"""The REST API's answers written cell by cell: marshmallow's result, without its machinery per cell.

marshmallow serialises each cell through `Field.serialize` (an accessor that first tries the record
as a mapping, a default, the field's formatting): for a page of 25 spese, 26 fields of 7 records,
that machinery took 2 of the answer's 24 ms. Here a schema works out its fields' steps once. A value
that already is what the field writes (an int for an Integer, a str for a String, a bool for a
Boolean, None for any of them) is written as it is, a nested record through its schema's steps, any
other value through the field's own `_serialize`, as marshmallow would. A schema with dump hooks, a
field that reads no attribute (Method, Function) or reads it its own way, or a record read as a
mapping keeps marshmallow's way. Same output, tested on every API (`tests/test_api_serializzazione.py`).
"""
from __future__ import annotations

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP

# Field classes (exactly these: a subclass may format differently) whose value of this Python type
# is written unchanged by marshmallow.
_SCRITTI_COME_SONO = {fields.Integer: int, fields.String: str, fields.Boolean: bool}
_NIDIFICATO = object()  # a nested record: written through its schema's own steps, looked up when written


def _passo(nome, campo):
    """(key in the answer, field name, attribute read, how the value is written, field): `how` is
    the type a value is written unchanged in, _NIDIFICATO, or None (the field's own formatting)."""
    come = _SCRITTI_COME_SONO.get(type(campo))
    if come is int and campo.as_string:
        come = None
    if type(campo) is fields.Nested and not campo.many:
        come = _NIDIFICATO
    chiave = campo.data_key if campo.data_key is not None else nome
    return chiave, nome, (campo.attribute if campo.attribute is not None else nome), come, campo


def _campo_semplice(nome, campo) -> bool:
    """A field that reads one attribute of the record as marshmallow's Field does."""
    tipo = type(campo)
    return (campo._CHECK_ATTRIBUTE and tipo.get_value is fields.Field.get_value
            and tipo.serialize is fields.Field.serialize and "." not in (campo.attribute or nome))


class SerializzazioneDiretta:
    """Mixed in front of every schema the API's converter builds (`robustezza.ConvertitoreLia`)."""

    def _passi(self):
        """The steps of this schema's fields, or None where marshmallow's own way must be kept.
        Kept with the fields they were worked out from: marshmallow copies a schema and gives the
        copy fields of its own (a Nested with `only`)."""
        campi = self.dump_fields
        calcolati = self.__dict__.get("_lia_passi")
        if calcolati is None or calcolati[0] is not campi:
            diretta = (self.dict_class is dict and not self._hooks[PRE_DUMP] and not self._hooks[POST_DUMP]
                       and type(self).get_attribute is Schema.get_attribute
                       and all(_campo_semplice(nome, campo) for nome, campo in campi.items()))
            calcolati = self._lia_passi = (campi, [_passo(n, c) for n, c in campi.items()] if diretta else None)
        return calcolati[1]

    def _serialize(self, obj, *, many=False):
        passi = self._passi()
        if passi is None or obj is None:
            return super()._serialize(obj, many=many)
        oggetti = list(obj) if many else [obj]
        # marshmallow reads a record that answers `[]` as a mapping first: its own way then.
        if any(hasattr(o, "__getitem__") for o in oggetti):
            return super()._serialize(oggetti if many else obj, many=many)
        righe = [_riga(o, passi) for o in oggetti]
        return righe if many else righe[0]


def _riga(oggetto, passi) -> dict:
    riga = {}
    for chiave, nome, attributo, come, campo in passi:
        valore = getattr(oggetto, attributo, missing)
        if valore is missing:
            predefinito = campo.dump_default
            valore = predefinito() if callable(predefinito) else predefinito
            if valore is missing:
                continue
        if valore is None and come is not None:
            riga[chiave] = None
        elif type(valore) is come:
            riga[chiave] = valore
        elif come is _NIDIFICATO and isinstance(campo.schema, SerializzazioneDiretta) and not campo.schema.many \
                and not hasattr(valore, "__getitem__") and (sotto := campo.schema._passi()) is not None:
            riga[chiave] = _riga(valore, sotto)
        else:
            riga[chiave] = campo._serialize(valore, nome, oggetto)
    return riga
