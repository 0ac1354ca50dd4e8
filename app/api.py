"""REST API (FAB ModelRestApi): the same perimeter and rules as the screens.

Errors are Italian JSON bodies with 4xx codes; database errors never echo SQL or values.
"""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import ModelRestApi, expose, protect, safe
from flask_appbuilder.const import API_RESULT_RES_KEY
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from marshmallow import ValidationError
from marshmallow.validate import Email, Length, Range

from app import models as m
from app import servizi
from app.extensions import db
from app.rules.codice_fiscale import motivi_cf_non_valido, normalizza_cf
from app.security import FiltroPerimetro, FiltroPerimetroCollegati, PERMESSI_API

MSG_CONFLITTO = "I dati sono in conflitto con un record esistente (ad esempio un duplicato)."


def _valida_cf(valore):
    if valore:
        motivi = motivi_cf_non_valido(valore)
        if motivi:
            raise ValidationError(" ".join(motivi))


class LiaModelRestApi(ModelRestApi):
    method_permission_name = PERMESSI_API
    allow_browser_login = True
    max_page_size = 100

    def _rifiuto(self, exc):
        db.session.rollback()
        return self.response_422(message={"_schema": exc.motivi})

    def post_headless(self):
        if not request.is_json or not isinstance(request.json, dict):
            return self.response_400(message="La richiesta deve essere un oggetto JSON.")
        try:
            item = self.add_model_schema.load(request.json)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        try:
            self.pre_add(item)
            self.datamodel.add(item, raise_exception=True)
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        except DatabaseException:
            db.session.rollback()
            return self.response_422(message=MSG_CONFLITTO)
        self.post_add(item)
        return self.response(201, **{API_RESULT_RES_KEY: self.add_model_schema.dump(item, many=False),
                                     "id": self.datamodel.get_pk_value(item)})

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        if not request.is_json or not isinstance(request.json, dict):
            return self.response_400(message="La richiesta deve essere un oggetto JSON.")
        try:
            data = self._merge_update_item(item, request.json)
            item = self.edit_model_schema.load(data, instance=item)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        try:
            self.pre_update(item)
            self.datamodel.edit(item, raise_exception=True)
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        except DatabaseException:
            db.session.rollback()
            return self.response_422(message=MSG_CONFLITTO)
        self.post_update(item)
        return self.response(200, **{API_RESULT_RES_KEY: self.edit_model_schema.dump(item, many=False)})


class AmbitoApi(LiaModelRestApi):
    resource_name = "ambito"
    class_permission_name = "Ambito"
    datamodel = SQLAInterface(m.Ambito)
    list_columns = show_columns = ["id", "codice", "nome"]
    add_columns = edit_columns = ["codice", "nome"]


class EnteApi(LiaModelRestApi):
    resource_name = "ente"
    class_permission_name = "Ente"
    datamodel = SQLAInterface(m.Ente)
    list_columns = show_columns = ["id", "nome", "tipo", "ambito.id", "ambito.nome"]
    add_columns = edit_columns = ["nome", "tipo", "ambito"]
    search_columns = ["nome", "tipo", "ambito"]


_PROFILO = ["fascia_eta", "cittadinanza", "figli_minori", "relazione_autore", "condizione_occupazionale"]


class BeneficiariaApi(LiaModelRestApi):
    resource_name = "beneficiaria"
    class_permission_name = "Beneficiaria"
    datamodel = SQLAInterface(m.Beneficiaria)
    base_filters = [["id", FiltroPerimetro, lambda: None]]
    list_columns = show_columns = ["id", "codice", "ambito.id", "ambito.nome", "ente.id", "ente.nome",
                                   "data_presa_in_carico"] + _PROFILO
    # The holder (ente) and the code are set by the system, never taken from the request.
    add_columns = ["ambito", "data_presa_in_carico"] + _PROFILO
    edit_columns = ["data_presa_in_carico"] + _PROFILO
    search_columns = ["codice", "ambito", "fascia_eta", "condizione_occupazionale"]
    order_columns = ["codice", "data_presa_in_carico"]
    validators_columns = {"figli_minori": Range(min=0, max=30, error="Numero non valido.")}
    add_query_rel_fields = {"ambito": []}

    def pre_add(self, item):
        servizi.prepara_nuova_beneficiaria(item, g.user)


class DatiPersonaliApi(LiaModelRestApi):
    resource_name = "datipersonali"
    class_permission_name = "DatiPersonali"
    datamodel = SQLAInterface(m.DatiPersonali)
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    _campi = ["nome", "cognome", "codice_fiscale", "data_nascita", "telefono", "email", "indirizzo", "comune"]
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice"] + _campi
    add_columns = ["beneficiaria"] + _campi
    edit_columns = _campi
    search_columns = ["beneficiaria"]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}
    validators_columns = {
        "nome": Length(min=1, max=100, error="Da 1 a 100 caratteri."),
        "cognome": Length(min=1, max=100, error="Da 1 a 100 caratteri."),
        "codice_fiscale": _valida_cf,
        "telefono": Length(max=30, error="Al massimo 30 caratteri."),
        "email": Email(error="Indirizzo e-mail non valido."),
        "indirizzo": Length(max=300, error="Al massimo 300 caratteri."),
        "comune": Length(max=100, error="Al massimo 100 caratteri."),
    }

    @expose("/cerca", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def cerca(self):
        """Exact search by codice fiscale (blind index) within the caller's own CAV.
        ---
        get:
          parameters:
          - in: query
            name: codice_fiscale
            schema:
              type: string
          responses:
            200:
              description: the matching record's id and code
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        cf = normalizza_cf(request.args.get("codice_fiscale", ""))
        motivi = motivi_cf_non_valido(cf)
        if motivi:
            return self.response_422(message={"codice_fiscale": motivi})
        dp = servizi.cerca_per_codice_fiscale(cf)
        if dp is None:
            return self.response_404()
        return self.response(200, result={"id": dp.id, "beneficiaria_id": dp.beneficiaria_id,
                                          "codice": dp.beneficiaria.codice})


class ConsensoApi(LiaModelRestApi):
    resource_name = "consenso"
    class_permission_name = "Consenso"
    datamodel = SQLAInterface(m.Consenso)
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice", "tipo", "data",
                                   "ambito_consenso", "revocato_il", "registrato_da.username"]
    add_columns = ["beneficiaria", "tipo", "data", "ambito_consenso", "revocato_il"]
    edit_columns = ["tipo", "data", "ambito_consenso", "revocato_il"]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}
    validators_columns = {"ambito_consenso": Length(max=300)}

    def pre_add(self, item):
        item.registrato_da_id = g.user.id


class AltraMisuraApi(LiaModelRestApi):
    resource_name = "altramisura"
    class_permission_name = "AltraMisura"
    datamodel = SQLAInterface(m.AltraMisura)
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice", "tipo", "data_inizio",
                                   "data_fine", "assi_coperti", "note"]
    add_columns = ["beneficiaria", "tipo", "data_inizio", "data_fine", "assi_coperti", "note"]
    edit_columns = add_columns[1:]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}
    validators_columns = {"note": Length(max=500), "assi_coperti": Length(max=20)}


def registra(appbuilder):
    for api in (AmbitoApi, EnteApi, BeneficiariaApi, DatiPersonaliApi, ConsensoApi, AltraMisuraApi):
        appbuilder.add_api(api)
