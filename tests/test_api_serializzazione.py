"""The API's answers written cell by cell (app.api.serializzazione) are marshmallow's, byte for byte."""
from __future__ import annotations

import json
from datetime import date

import pytest
from flask_appbuilder.api import ModelRestApi
from marshmallow import Schema, fields, post_dump

from app.api.serializzazione import SerializzazioneDiretta


def _json(dati):
    # JSON tells true from 1 and Decimal("1.0") from Decimal("1.00"); Python's == does not.
    return json.dumps(dati, default=str, sort_keys=True)


def _come_marshmallow(monkeypatch):
    monkeypatch.setattr(SerializzazioneDiretta, "_serialize",
                        lambda self, obj, *, many=False: Schema._serialize(self, obj, many=many))


def test_ogni_api_scrive_le_risposte_di_marshmallow(app, monkeypatch):
    from app.extensions import db
    from app.security import come_sistema

    apis = [v for v in app.appbuilder.baseviews if isinstance(v, ModelRestApi)]
    assert len(apis) >= 10
    with app.app_context(), come_sistema():
        dirette, scritte = [], {}
        for api in apis:
            record = db.session.query(api.datamodel.obj).limit(60).all()
            for tipo in ("list", "show"):
                schema = getattr(api, f"{tipo}_model_schema")
                scritte[(type(api).__name__, tipo)] = (schema, record, _json(schema.dump(record, many=True)),
                                                       _json(schema.dump(record[0] if record else None)))
                if schema._passi() is not None:
                    dirette.append(type(api).__name__)
        # The spese (26 fields, 6 related records each) take the direct way, and so do most APIs.
        assert "SpesaApi" in dirette and len(set(dirette)) >= len(apis) - 2, dirette
        spese = scritte[("SpesaApi", "list")][1]
        assert any(s.progetto is None for s in spese) and any(s.progetto is not None for s in spese)
        _come_marshmallow(monkeypatch)
        for (nome, tipo), (schema, record, molti, uno) in scritte.items():
            assert _json(schema.dump(record, many=True)) == molti, (nome, tipo)
            assert _json(schema.dump(record[0] if record else None)) == uno, (nome, tipo)
        db.session.remove()


class _Record:
    def __init__(self, **valori):
        self.__dict__.update(valori)


class _Schema(SerializzazioneDiretta, Schema):
    numero = fields.Integer()
    testo = fields.String()
    vero = fields.Boolean()
    giorno = fields.Date()
    cifra = fields.Integer(as_string=True)
    nome_altro = fields.String(data_key="nome", attribute="nome_vero")
    predefinito = fields.String(dump_default="—")


@pytest.mark.parametrize("valori", [
    dict(numero=3, testo="a", vero=True, giorno=date(2024, 2, 29), cifra=7, nome_vero="x"),
    dict(numero=None, testo=None, vero=None, giorno=None, cifra=None, nome_vero=None),
    # Values of another type than the field's: the field formats them, as marshmallow does.
    dict(numero=3.0, testo=12, vero=1, giorno=date(2024, 1, 1), cifra=True, nome_vero=5),
    dict(),
])
def test_i_valori_di_ogni_tipo_e_quelli_assenti(valori, monkeypatch):
    schema = _Schema()
    record = [_Record(**valori), _Record(**valori)]
    scrivi = lambda: (_json(schema.dump(record, many=True)), _json(schema.dump(iter(record), many=True)),  # noqa: E731
                      _json(schema.dump(record[0])), _json(schema.dump(None)))
    nostro = scrivi()
    _come_marshmallow(monkeypatch)
    assert scrivi() == nostro


def test_uno_schema_con_un_aggancio_o_un_record_mappa_resta_a_marshmallow():
    class ConAggancio(_Schema):
        @post_dump
        def segna(self, dati, **kwargs):
            return {**dati, "segnato": True}

    assert _Schema()._passi() is not None and ConAggancio()._passi() is None
    assert ConAggancio().dump(_Record(numero=1))["segnato"] is True
    # A mapping is read by key first (marshmallow's accessor): its way, not the attribute.
    assert _Schema().dump({"numero": 4, "testo": "t"})["numero"] == 4
