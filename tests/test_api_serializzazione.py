"""The API's answers written cell by cell (app.api.serializzazione) are marshmallow's, byte for byte."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask_appbuilder.api import ModelRestApi
from marshmallow import Schema, fields, missing, post_dump

from app.api.serializzazione import SerializzazioneDiretta


def _json(dati):
    # JSON tells true from 1; every other value is written with its type: a date left as a date
    # (which Flask would write in another format) differs from its ISO string, Decimal("1.0") from
    # Decimal("1.00"). Python's == tells none of these apart.
    return json.dumps(dati, default=lambda v: f"{type(v).__name__}:{v}")


def _come_marshmallow(monkeypatch):
    monkeypatch.setattr(SerializzazioneDiretta, "_serialize",
                        lambda self, obj, *, many=False: Schema._serialize(self, obj, many=many))


def test_ogni_api_scrive_le_risposte_di_marshmallow(app, monkeypatch):
    from app.extensions import db
    from app.security import come_sistema

    apis = [v for v in app.appbuilder.baseviews if isinstance(v, ModelRestApi)]
    assert len(apis) >= 10
    with app.app_context(), come_sistema():
        dirette, scritte, senza_record = [], {}, set()
        for api in apis:
            record = db.session.query(api.datamodel.obj).limit(60).all()
            if not record:
                senza_record.add(type(api).__name__)
            for tipo in ("list", "show"):
                schema = getattr(api, f"{tipo}_model_schema")
                scritte[(type(api).__name__, tipo)] = (schema, record, _json(schema.dump(record, many=True)),
                                                       _json(schema.dump(record[0] if record else None)))
                if schema._passi() is not None:
                    dirette.append(type(api).__name__)
        # The spese (26 fields, 6 related records each) take the direct way, and so do most APIs.
        assert "SpesaApi" in dirette and len(set(dirette)) >= len(apis) - 2, dirette
        assert len(senza_record) <= 3, senza_record
        spese = scritte[("SpesaApi", "list")][1]
        assert any(s.progetto is None for s in spese) and any(s.progetto is not None for s in spese)
        _come_marshmallow(monkeypatch)
        for (nome, tipo), (schema, record, molti, uno) in scritte.items():
            assert _json(schema.dump(record, many=True)) == molti, (nome, tipo)
            assert _json(schema.dump(record[0] if record else None)) == uno, (nome, tipo)
        db.session.remove()


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
    dict(numero=True, testo=Decimal("1.50"), vero="si", giorno=date(2024, 1, 1), cifra=2, nome_vero=b"x"),
    dict(),
])
def test_i_valori_di_ogni_tipo_e_quelli_assenti(valori, monkeypatch):
    schema = _Schema()
    record = [SimpleNamespace(**valori), SimpleNamespace(**valori)]
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
    assert ConAggancio().dump(SimpleNamespace(numero=1))["segnato"] is True
    # A mapping is read by key first (marshmallow's accessor): its way, not the attribute.
    assert _Schema().dump({"numero": 4, "testo": "t"})["numero"] == 4


def test_un_record_annidato_con_only_su_uno_schema_gia_usato():
    # marshmallow copies the nested schema and gives the copy fields of its own: not the steps of
    # the instance it was copied from.
    class Figlio(SerializzazioneDiretta, Schema):
        a = fields.Integer()
        b = fields.String()

    usato = Figlio()
    figlio = SimpleNamespace(a=1, b="x")
    assert usato.dump(figlio) == {"a": 1, "b": "x"}

    class Padre(SerializzazioneDiretta, Schema):
        figlio = fields.Nested(usato, only=("a",))

    assert Padre().dump(SimpleNamespace(figlio=figlio)) == {"figlio": {"a": 1}}


def test_uno_schema_che_annida_se_stesso_scende_quanto_i_dati():
    class Nodo(SerializzazioneDiretta, Schema):
        nome = fields.String()
        padre = fields.Nested(lambda: Nodo())

    foglia = SimpleNamespace(nome="c", padre=SimpleNamespace(nome="b", padre=SimpleNamespace(nome="a", padre=None)))
    assert Nodo().dump(foglia) == {"nome": "c", "padre": {"nome": "b", "padre": {"nome": "a", "padre": None}}}


def test_un_campo_che_legge_a_modo_suo_e_il_nome_passato_al_campo():
    class Proprio(fields.String):
        def get_value(self, obj, attr, accessor=None, default=missing):
            return "suo"

    class NomeDelCampo(fields.Field):
        def _serialize(self, value, attr, obj, **kwargs):
            return attr

    class ConProprio(SerializzazioneDiretta, Schema):
        testo = Proprio()

    class ConNome(SerializzazioneDiretta, Schema):
        x = NomeDelCampo(attribute="y")

    assert ConProprio()._passi() is None and ConProprio().dump(SimpleNamespace(testo="suo no")) == {"testo": "suo"}
    assert ConNome().dump(SimpleNamespace(y=1)) == Schema._serialize(ConNome(), SimpleNamespace(y=1)) == {"x": "x"}
