"""REST API (FAB ModelRestApi): the same perimeter and rules as the screens.

Errors are Italian JSON bodies with 4xx codes; database errors never echo SQL or values.
"""
from __future__ import annotations

import sys
from datetime import date

from flask import current_app, g, request
from flask_appbuilder.api import ModelRestApi, expose, protect, safe
from flask_appbuilder.const import API_FILTERS_RIS_KEY, API_RESULT_RES_KEY
from flask_appbuilder.exceptions import DatabaseException, FABException, InvalidOrderByColumnFABException
from flask_appbuilder.security.decorators import permission_name
from marshmallow import ValidationError
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError
from marshmallow.validate import Email, Length, Range

from app import models as m
from app import servizi, versioni
from app.servizi import beneficiarie, consensi, date_plausibili
from app.audit import ApiConDatiPersonali
from app.crypto import colonne_cifrate
from app.extensions import db
from app.rules.codice_fiscale import motivi_cf_non_valido, normalizza_cf
from app.servizi.interfaccia import ConteggioLimitato, InterfacciaLia
from app.security import FiltroDetenute, FiltroPerimetro, FiltroPerimetroCollegati, PERMESSI_API

from app.api import idempotenza, messaggi, robustezza  # noqa: E402
from app.api.messaggi import RisposteItaliane  # noqa: E402
from app.api.dossier import ConDossierApi  # noqa: E402

messaggi.installa()

MSG_CONFLITTO = "I dati sono in conflitto con un record esistente (ad esempio un duplicato)."


def _valida_cf(valore):
    if valore:
        motivi = motivi_cf_non_valido(valore)
        if motivi:
            raise ValidationError(" ".join(motivi))


class LiaModelRestApi(RisposteItaliane, ModelRestApi):
    method_permission_name = PERMESSI_API
    allow_browser_login = True
    max_page_size = 100
    model2schemaconverter = robustezza.ConvertitoreLia

    def _handle_filters_args(self, rison_args):
        for filtro in rison_args.get(API_FILTERS_RIS_KEY, []):
            colonna = filtro.get("col")
            if colonna in self.search_columns and not robustezza.valore_filtro_ammesso(
                    self.datamodel, colonna, filtro.get("opr"), filtro.get("value")):
                raise FABException(f"Valore non valido per il filtro su «{colonna}».")
        return super()._handle_filters_args(rison_args)

    def _sanitize_page_args(self, page, page_size):
        # A negative page is the first one, as SQLite answers it (PostgreSQL refuses a negative
        # OFFSET: a 500); JSON Schema lets 1.0 through as an integer.
        return super()._sanitize_page_args(max(int(page or 0), 0), int(page_size) if page_size else page_size)

    def pre_get_list(self, data):
        # `count` stops past LIA_CONTEGGIO_MASSIMO (app.servizi.interfaccia): then it is a lower bound.
        super().pre_get_list(data)
        data["conteggio_limitato"] = isinstance(data["count"], ConteggioLimitato)
        data["count"] = int(data["count"])

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if field.name not in self.description_columns:
            info["description"] = ""  # FAB translates "", and gettext("") is the catalogue's header
        return info

    def add_api_spec(self, api_spec):
        super().add_api_spec(api_spec)
        idempotenza.documenta(api_spec)

    def add_apispec_components(self, api_spec):
        super().add_apispec_components(api_spec)
        for nome in (self.list_model_schema_name, self.add_model_schema_name, self.edit_model_schema_name,
                     self.show_model_schema_name):
            schema = api_spec.components.schemas.get(nome)
            if schema is not None:
                api_spec.components.schemas[nome] = robustezza.numeri_json(schema)
        schema = api_spec.components.schemas.get(self.edit_model_schema_name)
        if self._versionata and schema is not None:
            schema.setdefault("properties", {})[versioni.CAMPO] = {
                "type": "integer", "minimum": 1, "maximum": robustezza.ID_MASSIMO,
                "description": "In una PUT, facoltativo: la versione letta con GET. Se il record è cambiato nel "
                               "frattempo la modifica è rifiutata (409). In risposta: la nuova versione."}

    @property
    def _versionata(self) -> bool:
        return versioni.versionato(self.datamodel.obj)

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        if not self._versionata:
            return
        if func.__name__ == "get" and "get" in operations:
            operations["get"].setdefault("responses", {}).setdefault(200, {})["headers"] = {"ETag": {
                "description": "La versione del record, da rimandare in If-Match con la PUT.",
                "schema": {"type": "string"}}}
        if func.__name__ == "put" and "put" in operations:
            operations["put"].setdefault("parameters", []).append({
                "in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
                "description": "Facoltativo: l'ETag letto con GET. Se il record è cambiato nel frattempo la "
                               "modifica è rifiutata (409). Senza If-Match né «versione» vince l'ultima scrittura."})
            operations["put"].setdefault("responses", {})[409] = {
                "description": "Qualcun altro ha modificato il record dopo la lettura: nulla è stato scritto.",
                "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "message": {"type": "string"}, versioni.CAMPO: {"type": "integer"}}}}}}

    def response_500(self, message=None):
        # FAB's @safe answers any exception of an endpoint with a 500: a stale write met by one of
        # ours (a transition, a confirmation) is the 409 of app.versioni.
        if versioni.superata(sys.exc_info()[1]):
            db.session.rollback()
            return self.response(409, message=versioni.MSG_SUPERATA)
        return super().response_500(message=message)

    @staticmethod
    def conflitto(exc) -> servizi.Rifiuto | None:
        """Hook: the Italian reason of a database error this resource recognises (e.g. a unique index)."""
        return None

    def _rifiuto(self, exc):
        db.session.rollback()
        if isinstance(exc, servizi.NonConsentito):
            return self.response(403, message=" ".join(exc.motivi))
        return self.response_422(message={"_schema": exc.motivi, **exc.per_campo})

    def _init_properties(self):
        super()._init_properties()
        # Encrypted columns: a filter or an ordering on ciphertext can mean nothing.
        cifrate = colonne_cifrate(self.datamodel.obj)
        self.search_columns = [c for c in self.search_columns if c not in cifrate]
        self.order_columns = [c for c in self.order_columns if c not in cifrate]
        self._filters = self.datamodel.get_filters(search_columns=self.search_columns,
                                                   search_filters=self.search_filters)
        # The version is read with the record and sent back with a PUT (app.versioni), never
        # written from a request.
        self.add_columns = [c for c in self.add_columns if c != versioni.CAMPO]
        self.edit_columns = [c for c in self.edit_columns if c != versioni.CAMPO]
        if self._versionata:
            for nome in ("list_columns", "show_columns", "list_select_columns", "show_select_columns"):
                colonne = getattr(self, nome)
                if colonne and versioni.CAMPO not in colonne:
                    setattr(self, nome, [*colonne, versioni.CAMPO])  # a copy: lists may be shared

    def _handle_order_args(self, rison_args):
        # FAB accepts any column when the list of declared ones is empty: never order by an
        # undeclared one (a relation answers 500). An Italian 400 that does not echo the input.
        colonna = rison_args.get("order_column", "")
        if colonna and colonna not in self.order_columns:
            raise InvalidOrderByColumnFABException("Colonna di ordinamento non valida.")
        return super()._handle_order_args(rison_args)

    @staticmethod
    def collegati_inesistenti(item) -> dict:
        """marshmallow-sqlalchemy builds a NEW object when a related id is not found (or is
        outside the perimeter): refuse those instead of letting them reach the database."""
        errori = {}
        for rel in sa_inspect(type(item)).relationships:
            valore = item.__dict__.get(rel.key)
            for obj in (valore if isinstance(valore, list) else [valore]):
                if obj is not None and sa_inspect(obj).identity is None:
                    errori[rel.key] = ["Record collegato inesistente o non accessibile."]
        return errori

    def normalizza_json(self, dati: dict) -> tuple[dict, dict]:
        """Hook: turn the users' formats into the schema's (returns data, errors by field)."""
        return dati, {}

    def _id_collegati_non_validi(self, dati: dict) -> dict:
        # A related id must be an integer before it reaches the database (PostgreSQL would
        # fail the cast inside the schema's load, as a 500).
        errori = {}
        for rel in sa_inspect(self.datamodel.obj).relationships:
            if rel.key not in dati or dati[rel.key] is None:
                continue
            valori = dati[rel.key] if rel.uselist and isinstance(dati[rel.key], list) else [dati[rel.key]]
            if rel.uselist and not isinstance(dati[rel.key], list):
                valori = [None]
            if not all(isinstance(v, int) and robustezza.id_valido(v) for v in valori):
                errori[rel.key] = ["Identificativo non valido: serve un numero intero."]
        return errori

    def _json(self, schema):
        dati = request.get_json(silent=True)
        if not isinstance(dati, dict):
            return None, self.response_400(message="La richiesta deve essere un oggetto JSON.")
        dati, errori = self.dati_da_json(dati, schema)
        if errori:
            return None, self.response_422(message=errori)
        return dati, None

    def dati_da_json(self, dati: dict, schema) -> tuple[dict, dict]:
        """The request's object made ready for `schema.load`: (data, errors by field)."""
        errori = self._id_collegati_non_validi(dati) or robustezza.testi_non_ammessi(dati, schema)
        if errori:
            return dati, errori
        return self.normalizza_json(dict(dati))

    def post_headless(self):
        dati, errore = self._json(self.add_model_schema)
        if errore is not None:
            return errore
        try:
            item = self.add_model_schema.load(dati)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        errore = self._salva(item, nuovo=True)
        if errore is not None:
            return errore
        return self.response(201, **{API_RESULT_RES_KEY: self.add_model_schema.dump(item, many=False),
                                     "id": self.datamodel.get_pk_value(item)})

    def get_headless(self, pk, **kwargs):
        risposta = super().get_headless(pk, **kwargs)
        if risposta.status_code == 200 and self._versionata:
            versione = (risposta.get_json().get(API_RESULT_RES_KEY) or {}).get(versioni.CAMPO)
            if versione is not None:  # absent when the client chose the columns without it
                risposta.headers["ETag"] = versioni.etag(versione)
        return risposta

    def _superata(self, item):
        """409: someone else's save came between the client's read and this PUT; nothing written."""
        db.session.rollback()
        try:
            versione = item.versione  # reloaded: the stored one
        except SQLAlchemyError:  # deleted in the meantime
            return self.response(409, message=versioni.MSG_ELIMINATO)
        risposta = self.response(409, message=versioni.MSG_API, **{versioni.CAMPO: versione})
        risposta.headers["ETag"] = versioni.etag(versione)
        return risposta

    def _versione_attesa(self, item, dati: dict):
        """The version the client read (If-Match, `versione`): an error response when it is not the
        stored one, else None (also when the client sent neither)."""
        if not self._versionata:
            return None
        if versioni.CAMPO in dati:
            letta = dati.pop(versioni.CAMPO)
            if not versioni.versione_valida(letta):
                return self.response_422(message={versioni.CAMPO: [versioni.MSG_VERSIONE_NON_VALIDA]})
            if letta != item.versione:
                return self._superata(item)
        if request.headers.get("If-Match") is not None and not versioni.accetta_if_match(request.if_match,
                                                                                         item.versione):
            return self._superata(item)
        return None

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        dati, errore = self._json(self.edit_model_schema)
        if errore is not None:
            return errore
        errore = self._versione_attesa(item, dati)
        if errore is not None:
            return errore
        try:
            item = self.edit_model_schema.load(self._merge_update_item(item, dati), instance=item)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        errore = self._salva(item, nuovo=False)
        if errore is not None:
            return errore
        risultato = self.edit_model_schema.dump(item, many=False)
        if not self._versionata:
            return self.response(200, **{API_RESULT_RES_KEY: risultato})
        risposta = self.response(200, **{API_RESULT_RES_KEY: {**risultato, versioni.CAMPO: item.versione}})
        risposta.headers["ETag"] = versioni.etag(item.versione)
        return risposta

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        try:
            self.pre_delete(item)
            self.datamodel.delete(item)
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        except (DatabaseException, SQLAlchemyError) as exc:
            db.session.rollback()
            if versioni.superata(exc):
                return self.response(409, message=versioni.MSG_SUPERATA)
            return self.response_422(message=servizi.MSG_COLLEGATO)
        self.post_delete(item)
        return self.response(200, message="OK")

    def _salva(self, item, nuovo: bool):
        """The checks and the write shared by POST and PUT; returns an error response or None."""
        errori = self.collegati_inesistenti(item)
        if errori:
            db.session.rollback()
            return self.response_422(message=errori)
        try:
            date_plausibili.verifica_oggetto(item)
            if nuovo:
                self.pre_add(item)
                self.datamodel.add(item)
            else:
                self.pre_update(item)
                self.datamodel.edit(item)
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        except (DatabaseException, SQLAlchemyError) as exc:
            if versioni.superata(exc):  # another save committed between our read and our write
                return self._superata(item)
            db.session.rollback()
            rifiuto = self.conflitto(exc)
            if rifiuto is not None:  # another request stored the same thing first
                return self.response(409, message={"_schema": rifiuto.motivi, **rifiuto.per_campo})
            return self.response_422(message=MSG_CONFLITTO)
        self.post_add(item) if nuovo else self.post_update(item)
        return None


class AmbitoApi(LiaModelRestApi):
    resource_name = "ambito"
    class_permission_name = "Ambito"
    datamodel = InterfacciaLia(m.Ambito)
    list_columns = show_columns = ["id", "codice", "nome"]
    add_columns = edit_columns = ["codice", "nome"]


class EnteApi(LiaModelRestApi):
    resource_name = "ente"
    class_permission_name = "Ente"
    datamodel = InterfacciaLia(m.Ente)
    list_columns = show_columns = ["id", "nome", "tipo", "ambito.id", "ambito.nome"]
    add_columns = edit_columns = ["nome", "tipo", "ambito"]
    search_columns = ["nome", "tipo", "ambito"]


_PROFILO = ["fascia_eta", "cittadinanza", "figli_minori", "relazione_autore", "condizione_occupazionale"]


class BeneficiariaApi(ConDossierApi, LiaModelRestApi):
    resource_name = "beneficiaria"
    class_permission_name = "Beneficiaria"
    method_permission_name = dict(PERMESSI_API, registra="write", scarica_dossier="read", cancella_dati="write")
    datamodel = InterfacciaLia(m.Beneficiaria)
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
        beneficiarie.prepara_nuova_beneficiaria(item, g.user)

    def pre_update(self, item):
        beneficiarie.verifica_titolare(item, g.user)

    def pre_delete(self, item):
        beneficiarie.verifica_eliminazione_beneficiaria(item, g.user)

    @expose("/registra", methods=["POST"])
    @protect()
    @safe
    def registra(self):
        """Register a woman in one request, as the form «Registra una donna» does: her profile's
        fields as in POST /beneficiaria/, her personal data in `dati_personali` as in
        POST /datipersonali/ (without `beneficiaria`), and in `consensi` the purposes she consented
        to (keys of the programme file). All records are written, or none.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    dati_personali: {type: object}
                    consensi: {type: array, items: {type: string}}
          responses:
            201: {description: "id and codice of the new woman, id of her personal data"}
            400: {$ref: '#/components/responses/400'}
            403: {$ref: '#/components/responses/403'}
            422: {$ref: '#/components/responses/422'}
        """
        from app.security import registra_per_le_donne

        if not registra_per_le_donne(g.user):
            return self.response(403, message=beneficiarie.MSG_SOLO_CAV)
        corpo = request.get_json(silent=True)
        if not isinstance(corpo, dict) or not isinstance(corpo.get("dati_personali"), dict):
            return self.response_400(message="Inviare un oggetto JSON col profilo e i «dati_personali».")
        consensi = corpo.pop("consensi", [])
        if not isinstance(consensi, list) or not all(isinstance(c, str) for c in consensi):
            return self.response_400(message="«consensi» è un elenco di finalità (es. [\"condivisione_equipe\"]).")
        api_dati = next(v for v in self.appbuilder.baseviews if isinstance(v, DatiPersonaliApi))
        profilo, errori = self.dati_da_json({k: v for k, v in corpo.items() if k != "dati_personali"},
                                            self.add_model_schema)
        dati, errori_dati = api_dati.dati_da_json(corpo["dati_personali"], api_dati.add_model_schema)
        if errori or errori_dati:
            return self.response_422(message={**errori, **({"dati_personali": errori_dati} if errori_dati else {})})
        try:
            beneficiaria = self.add_model_schema.load(profilo)
        except ValidationError as err:
            errori = err.messages
        try:
            identita = api_dati.add_model_schema.load(dati, partial=("beneficiaria",))
        except ValidationError as err:
            errori_dati = err.messages
        if errori or errori_dati:
            db.session.rollback()
            return self.response_422(message={**errori, **({"dati_personali": errori_dati} if errori_dati else {})})
        errori = self.collegati_inesistenti(beneficiaria)
        if errori:
            db.session.rollback()
            return self.response_422(message=errori)
        try:
            with servizi.transazione():
                beneficiarie.registra_donna(beneficiaria, identita, g.user, tuple(consensi))
        except servizi.Rifiuto as exc:
            # Her personal data's fields answer under «dati_personali», as they were sent.
            del_profilo = {("consensi" if k == "tipo" else k): v for k, v in exc.per_campo.items()
                           if k not in api_dati.add_columns}
            dei_dati = {k: v for k, v in exc.per_campo.items() if k in api_dati.add_columns}
            exc.per_campo = {**del_profilo, **({"dati_personali": dei_dati} if dei_dati else {})}
            return self._rifiuto(exc)
        except SQLAlchemyError:
            db.session.rollback()
            return self.response_422(message=MSG_CONFLITTO)
        return self.response(201, id=beneficiaria.id, codice=beneficiaria.codice, dati_personali_id=identita.id)


    @expose("/<int:pk>/cancella-dati", methods=["POST"])
    @protect()
    @safe
    def cancella_dati(self, pk):
        """Erase her personal data on request (GDPR art. 17), as «Cancella i dati personali» on her
        page does: her CAV only, with a reason; her code, profile, path and spese stay.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    motivo: {type: string}
          responses:
            200: {description: "her code and the day of the erasure"}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        from app.servizi import conservazione

        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        corpo = request.get_json(silent=True)
        motivo = corpo.get("motivo") if isinstance(corpo, dict) else None
        if not isinstance(motivo, str):
            return self.response_400(message="Inviare un oggetto JSON con il «motivo» della cancellazione.")
        try:
            with servizi.transazione():
                conservazione.cancella_dati_personali(item, motivo, conservazione.RICHIESTA, g.user)
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        return self.response(200, result={"codice": item.codice,
                                          "dati_cancellati_il": item.dati_cancellati_il.isoformat()})


class DatiPersonaliApi(ApiConDatiPersonali, LiaModelRestApi):
    resource_name = "datipersonali"
    class_permission_name = "DatiPersonali"
    method_permission_name = dict(PERMESSI_API, cerca="read")
    datamodel = InterfacciaLia(m.DatiPersonali)
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    _campi = ["nome", "cognome", "codice_fiscale", "data_nascita", "telefono", "email", "indirizzo", "comune"]
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice"] + _campi
    add_columns = ["beneficiaria"] + _campi
    edit_columns = _campi
    search_columns = ["beneficiaria"]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroDetenute, lambda: None]]}

    def normalizza_json(self, dati):
        # The column is encrypted (a string at SQL level): the schema would pass text through.
        valore = dati.get("data_nascita")
        if valore is not None:
            try:
                if not isinstance(valore, str):
                    raise ValueError
                dati["data_nascita"] = date.fromisoformat(valore)
            except ValueError:
                return dati, {"data_nascita": ["Data non valida (AAAA-MM-GG)."]}
            if dati["data_nascita"] > date.today() or dati["data_nascita"].year < 1900:
                return dati, {"data_nascita": ["Data di nascita non plausibile."]}
            dati["data_nascita"] = dati["data_nascita"].isoformat()  # the schema sees a string column
        return dati, {}

    validators_columns = {
        "nome": Length(min=1, max=100, error="Da 1 a 100 caratteri."),
        "cognome": Length(min=1, max=100, error="Da 1 a 100 caratteri."),
        "codice_fiscale": _valida_cf,
        "telefono": Length(max=30, error="Al massimo 30 caratteri."),
        "email": Email(error="Indirizzo e-mail non valido."),
        "indirizzo": Length(max=300, error="Al massimo 300 caratteri."),
        "comune": Length(max=100, error="Al massimo 100 caratteri."),
    }

    def pre_add(self, item):
        beneficiarie.verifica_titolare(item, g.user)
        beneficiarie.verifica_dati_personali(item)

    pre_update = pre_add

    def pre_delete(self, item):
        beneficiarie.verifica_titolare(item, g.user)

    @expose("/cerca", methods=["POST"])
    @protect()
    @safe
    @permission_name("get")
    def cerca(self):
        """Search within the caller's own CAV. POST only: a name or a code in a URL would end up
        in web-server access logs. Send ONE of: `codice_fiscale` (exact, by its blind index: the
        record or 404), or `testo` (name, surname, first letters of either, or a codice fiscale:
        the list of matches, app.views.ricerca's search).
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    codice_fiscale: {type: string}
                    testo: {type: string, maxLength: 100}
          responses:
            200:
              description: with codice_fiscale, the matching record's id and code; with testo,
                {count, troncato, result = [{beneficiaria_id, codice, cognome, nome, ambito}]} (at most 50)
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        corpo = request.get_json(silent=True)
        if isinstance(corpo, dict) and "testo" in corpo:
            from app.api import ricerca

            return ricerca.cerca(self, corpo)
        testo = corpo.get("codice_fiscale") if isinstance(corpo, dict) else ""
        cf = normalizza_cf(testo if isinstance(testo, str) else "")
        motivi = motivi_cf_non_valido(cf)
        if motivi:
            return self.response_422(message={"codice_fiscale": motivi})
        dp = beneficiarie.cerca_per_codice_fiscale(cf)
        if dp is None:
            return self.response_404()
        return self.response(200, result={"id": dp.id, "beneficiaria_id": dp.beneficiaria_id,
                                          "codice": dp.beneficiaria.codice})


class ConsensoApi(LiaModelRestApi):
    resource_name = "consenso"
    class_permission_name = "Consenso"
    datamodel = InterfacciaLia(m.Consenso)
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice", "tipo", "data",
                                   "ambito_consenso", "revocato_il", "registrato_da.username"]
    add_columns = ["beneficiaria", "tipo", "data", "ambito_consenso", "revocato_il"]
    edit_columns = ["tipo", "data", "ambito_consenso", "revocato_il"]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroDetenute, lambda: None]]}
    validators_columns = {"ambito_consenso": Length(max=300)}

    def pre_add(self, item):
        beneficiarie.verifica_titolare(item, g.user)
        consensi.verifica_consenso(item)
        item.registrato_da_id = g.user.id

    def pre_update(self, item):
        beneficiarie.verifica_titolare(item, g.user)
        consensi.verifica_consenso(item)

    def pre_delete(self, item):
        beneficiarie.verifica_titolare(item, g.user)


class DerogaConsensoApi(LiaModelRestApi):
    """Her CAV's overrides of a missing or revoked consent (issue 12, §1): added and read, never
    changed nor deleted."""
    resource_name = "derogaconsenso"
    class_permission_name = "DerogaConsenso"
    datamodel = InterfacciaLia(m.DerogaConsenso)
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    include_route_methods = {"get", "get_list", "post", "info"}
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice", "finalita", "data", "motivo",
                                   "registrata_da.username"]
    add_columns = ["beneficiaria", "finalita", "motivo"]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroDetenute, lambda: None]]}
    validators_columns = {"motivo": Length(max=2000, error="Al massimo 2000 caratteri.")}

    def pre_add(self, item):
        beneficiarie.verifica_titolare(item, g.user)
        consensi.prepara_deroga(item, g.user)


class AltraMisuraApi(LiaModelRestApi):
    resource_name = "altramisura"
    class_permission_name = "AltraMisura"
    datamodel = InterfacciaLia(m.AltraMisura)
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice", "tipo", "data_inizio",
                                   "data_fine", "assi_coperti", "note"]
    add_columns = ["beneficiaria", "tipo", "data_inizio", "data_fine", "assi_coperti", "note"]
    edit_columns = add_columns[1:]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroDetenute, lambda: None]]}
    validators_columns = {"note": Length(max=500), "assi_coperti": Length(max=20)}

    def pre_add(self, item):
        beneficiarie.verifica_titolare(item, g.user)

    pre_update = pre_delete = pre_add

    def post_add(self, item):
        from app.servizi.spese import ricalcola_beneficiaria

        with servizi.transazione():
            ricalcola_beneficiaria(item.beneficiaria_id)

    post_update = post_delete = post_add


def registra(appbuilder):
    from app.api import asse1, percorso, spese

    for api in (AmbitoApi, EnteApi, BeneficiariaApi, DatiPersonaliApi, ConsensoApi, DerogaConsensoApi, AltraMisuraApi,
                percorso.SegnalazioneApi, percorso.ValutazioneApi, percorso.MicroEquipeApi, percorso.ProgettoApi,
                percorso.ColloquioCPIApi, percorso.InterventoApi, percorso.EsitoProgettoApi, spese.SpesaApi):
        appbuilder.add_api(api)
    asse1.registra(appbuilder)
    from app.api import importazione, periodi, relazione, statistiche, utenti

    importazione.registra(appbuilder)
    periodi.registra(appbuilder)
    relazione.registra(appbuilder)
    statistiche.registra(appbuilder)
    utenti.registra(appbuilder)
    robustezza.installa(current_app)
    idempotenza.installa(current_app)  # after robustezza: an oversized body is refused first
