"""REST API (FAB ModelRestApi): the same perimeter and rules as the screens.

Errors are Italian JSON bodies with 4xx codes; database errors never echo SQL or values.
"""
from __future__ import annotations

from datetime import date

from flask import g, request
from flask_appbuilder.api import ModelRestApi, expose, protect, safe
from flask_appbuilder.const import API_RESULT_RES_KEY
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.security.decorators import permission_name
from marshmallow import ValidationError
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError
from marshmallow.validate import Email, Length, Range

from app import models as m
from app import servizi
from app.extensions import db
from app.rules.codice_fiscale import motivi_cf_non_valido, normalizza_cf
from app.servizi.interfaccia import InterfacciaLia
from app.security import FiltroPerimetro, FiltroPerimetroCollegati, PERMESSI_API

from app.api import messaggi  # noqa: E402

messaggi.installa()

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
        return self.response_422(message={"_schema": exc.motivi, **exc.per_campo})

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
            if not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 for v in valori):
                errori[rel.key] = ["Identificativo non valido: serve un numero intero."]
        return errori

    def _json(self):
        dati = request.get_json(silent=True)
        if not isinstance(dati, dict):
            return None, self.response_400(message="La richiesta deve essere un oggetto JSON.")
        errori = self._id_collegati_non_validi(dati)
        if errori:
            return None, self.response_422(message=errori)
        dati, errori = self.normalizza_json(dict(dati))
        if errori:
            return None, self.response_422(message=errori)
        return dati, None

    def post_headless(self):
        dati, errore = self._json()
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

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        dati, errore = self._json()
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
        return self.response(200, **{API_RESULT_RES_KEY: self.edit_model_schema.dump(item, many=False)})

    def _salva(self, item, nuovo: bool):
        """The checks and the write shared by POST and PUT; returns an error response or None."""
        errori = self.collegati_inesistenti(item)
        if errori:
            db.session.rollback()
            return self.response_422(message=errori)
        try:
            if nuovo:
                self.pre_add(item)
                self.datamodel.add(item)
            else:
                self.pre_update(item)
                self.datamodel.edit(item)
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        except (DatabaseException, SQLAlchemyError):
            db.session.rollback()
            return self.response_422(message=MSG_CONFLITTO)
        self.post_add(item) if nuovo else self.post_update(item)
        return None


def _delete_headless(self, pk):
    item = self.datamodel.get(pk, self._base_filters)
    if item is None:
        return self.response_404()
    try:
        self.pre_delete(item)
        self.datamodel.delete(item)
    except servizi.Rifiuto as exc:
        return self._rifiuto(exc)
    except (DatabaseException, SQLAlchemyError):
        db.session.rollback()
        return self.response_422(message="Il record è collegato ad altri dati e non può essere eliminato.")
    self.post_delete(item)
    return self.response(200, message="OK")


LiaModelRestApi.delete_headless = _delete_headless


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


class BeneficiariaApi(LiaModelRestApi):
    resource_name = "beneficiaria"
    class_permission_name = "Beneficiaria"
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
        servizi.prepara_nuova_beneficiaria(item, g.user)


class DatiPersonaliApi(LiaModelRestApi):
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
    add_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}
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
        servizi.verifica_dati_personali(item)

    pre_update = pre_add

    @expose("/cerca", methods=["POST"])
    @protect()
    @safe
    @permission_name("get")
    def cerca(self):
        """Exact search by codice fiscale (blind index) within the caller's own CAV. POST only:
        a code in a URL would end up in web-server access logs.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    codice_fiscale: {type: string}
          responses:
            200:
              description: the matching record's id and code
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        corpo = request.get_json(silent=True)
        testo = corpo.get("codice_fiscale") if isinstance(corpo, dict) else ""
        cf = normalizza_cf(testo if isinstance(testo, str) else "")
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
    datamodel = InterfacciaLia(m.Consenso)
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
    datamodel = InterfacciaLia(m.AltraMisura)
    base_filters = [["id", FiltroPerimetroCollegati, lambda: None]]
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice", "tipo", "data_inizio",
                                   "data_fine", "assi_coperti", "note"]
    add_columns = ["beneficiaria", "tipo", "data_inizio", "data_fine", "assi_coperti", "note"]
    edit_columns = add_columns[1:]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}
    validators_columns = {"note": Length(max=500), "assi_coperti": Length(max=20)}


# --- the path of one woman -------------------------------------------------------------

_PERIMETRO = [["id", FiltroPerimetroCollegati, lambda: None]]
_NOTE = Length(max=1000, error="Al massimo 1000 caratteri.")


class SegnalazioneApi(LiaModelRestApi):
    resource_name = "segnalazione"
    class_permission_name = "Segnalazione"
    datamodel = InterfacciaLia(m.Segnalazione)
    base_filters = _PERIMETRO
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice", "ambito.nome", "ente_segnalante.nome",
                                   "data", "area_richiesta", "note"]
    add_columns = ["beneficiaria", "data", "area_richiesta", "note"]
    edit_columns = ["data", "area_richiesta", "note"]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}
    validators_columns = {"note": _NOTE}

    def pre_add(self, item):
        servizi.prepara_segnalazione(item, g.user)


class ValutazioneApi(LiaModelRestApi):
    resource_name = "valutazione"
    class_permission_name = "Valutazione"
    datamodel = InterfacciaLia(m.Valutazione)
    base_filters = _PERIMETRO
    list_columns = show_columns = ["id", "segnalazione.id", "beneficiaria.codice", "esito", "pronta", "data",
                                   "motivazione"]
    add_columns = ["segnalazione", "esito", "pronta", "data", "motivazione"]
    edit_columns = ["esito", "pronta", "data", "motivazione"]
    add_query_rel_fields = {"segnalazione": _PERIMETRO}
    validators_columns = {"motivazione": _NOTE}

    def pre_add(self, item):
        servizi.prepara_valutazione(item, g.user)

    pre_update = pre_add


class MicroEquipeApi(LiaModelRestApi):
    resource_name = "microequipe"
    class_permission_name = "MicroEquipe"
    datamodel = InterfacciaLia(m.MicroEquipe)
    base_filters = _PERIMETRO
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice", "ente_coordinatore.id",
                                   "ente_coordinatore.nome", "membri.id", "membri.username", "note"]
    add_columns = ["beneficiaria", "ente_coordinatore", "membri", "note"]
    edit_columns = ["ente_coordinatore", "membri", "note"]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}
    validators_columns = {"note": _NOTE}

    def _init_model_schemas(self):
        super()._init_model_schemas()
        # Default: the referring ente coordinates (servizi.prepara_microequipe).
        self.add_model_schema.fields["ente_coordinatore"].required = False

    def pre_add(self, item):
        servizi.prepara_microequipe(item, g.user)


class ProgettoApi(LiaModelRestApi):
    resource_name = "progetto"
    class_permission_name = "Progetto"
    method_permission_name = dict(PERMESSI_API, transizione="transition", storico="read")
    datamodel = InterfacciaLia(m.Progetto)
    base_filters = _PERIMETRO
    _contenuto = ["area", "obiettivi", "data_inizio", "data_fine", "budget_asse_ii", "budget_asse_iii",
                  "budget_asse_iv", "soluzione_abitativa_intermedia"]
    list_columns = show_columns = ["id", "codice", "beneficiaria.id", "beneficiaria.codice", "segnalazione.id",
                                   "ente_coordinatore.id", "ente_coordinatore.nome", "stato", "data_validazione_equipe",
                                   "data_validazione_capofila", "data_avvio", "data_chiusura",
                                   "motivo_interruzione"] + _contenuto
    add_columns = ["segnalazione"] + _contenuto
    edit_columns = _contenuto
    search_columns = ["codice", "stato", "area", "data_fine"]
    add_query_rel_fields = {"segnalazione": _PERIMETRO}
    validators_columns = {"obiettivi": Length(min=1, max=5000, error="Indicare gli obiettivi (al massimo 5000 caratteri)."),
                          "budget_asse_ii": Range(min=0, max=1_000_000, error="Importo non valido."),
                          "budget_asse_iii": Range(min=0, max=1_000_000, error="Importo non valido."),
                          "budget_asse_iv": Range(min=0, max=1_000_000, error="Importo non valido.")}

    def pre_add(self, item):
        servizi.prepara_progetto(item, g.user)

    def pre_update(self, item):
        servizi.verifica_modifica_progetto(item)

    def pre_delete(self, item):
        servizi.verifica_eliminazione_progetto(item)

    @expose("/<int:pk>/transizione", methods=["POST"])
    @protect()
    @safe
    @permission_name("transizione")
    def transizione(self, pk):
        """Move the project to another state (the workflow rule decides; 422 with the reasons).
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    verso: {type: string}
                    nota: {type: string}
          responses:
            200: {description: the new state}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        progetto = self.datamodel.get(pk, self._base_filters)
        if progetto is None:
            return self.response_404()
        dati = request.get_json(silent=True)
        if not isinstance(dati, dict) or not isinstance(dati.get("verso"), str) \
                or not isinstance(dati.get("nota", ""), str) or not isinstance(dati.get("data", ""), (str, type(None))):
            return self.response_400(message="Inviare un oggetto JSON con «verso» (e «nota», «data» se servono).")
        try:
            data = date.fromisoformat(dati["data"]) if dati.get("data") else None
        except ValueError:
            return self.response_422(message={"data": ["Data non valida (AAAA-MM-GG)."]})
        try:
            servizi.esegui_transizione(progetto, g.user, dati["verso"], dati.get("nota", ""), data)
        except servizi.Rifiuto as exc:
            return self._rifiuto(exc)
        return self.response(200, result={"id": progetto.id, "stato": progetto.stato})

    @expose("/<int:pk>/storico", methods=["GET"])
    @protect()
    @safe
    @permission_name("storico")
    def storico(self, pk):
        """The project's history of transitions.
        ---
        get:
          responses:
            200: {description: the transitions, oldest first}
            404: {$ref: '#/components/responses/404'}
        """
        progetto = self.datamodel.get(pk, self._base_filters)
        if progetto is None:
            return self.response_404()
        return self.response(200, result=[
            {"da": t.da_stato, "a": t.a_stato, "quando": t.quando.isoformat(), "nota": t.nota,
             "utente": t.utente.username if t.utente else None} for t in progetto.transizioni])


class ColloquioCPIApi(LiaModelRestApi):
    resource_name = "colloquiocpi"
    class_permission_name = "ColloquioCPI"
    datamodel = InterfacciaLia(m.ColloquioCPI)
    base_filters = _PERIMETRO
    list_columns = show_columns = ["id", "beneficiaria.id", "beneficiaria.codice", "ente_cpi.id", "ente_cpi.nome",
                                   "data_prevista", "data_svolta", "esito"]
    add_columns = ["beneficiaria", "ente_cpi", "data_prevista", "data_svolta", "esito"]
    edit_columns = add_columns[1:]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}
    validators_columns = {"esito": _NOTE}


class InterventoApi(LiaModelRestApi):
    resource_name = "intervento"
    class_permission_name = "Intervento"
    datamodel = InterfacciaLia(m.Intervento)
    base_filters = _PERIMETRO
    list_columns = show_columns = ["id", "progetto.id", "progetto.codice", "tipo", "servizio_cpi", "ente_erogatore.id",
                                   "ente_erogatore.nome", "data_inizio", "data_fine", "stato", "note"]
    add_columns = ["progetto", "tipo", "servizio_cpi", "ente_erogatore", "data_inizio", "data_fine", "stato", "note"]
    edit_columns = add_columns[1:]
    add_query_rel_fields = {"progetto": _PERIMETRO}
    validators_columns = {"note": _NOTE}

    def pre_add(self, item):
        servizi.prepara_figlio_di_progetto(item)

    pre_update = pre_add


class EsitoProgettoApi(LiaModelRestApi):
    resource_name = "esitoprogetto"
    class_permission_name = "EsitoProgetto"
    datamodel = InterfacciaLia(m.EsitoProgetto)
    base_filters = _PERIMETRO
    list_columns = show_columns = ["id", "progetto.id", "progetto.codice", "tipo", "data", "condizione_lavorativa",
                                   "tipo_contratto", "condizione_abitativa", "note"]
    add_columns = ["progetto", "tipo", "data", "condizione_lavorativa", "tipo_contratto", "condizione_abitativa", "note"]
    edit_columns = add_columns[1:]
    add_query_rel_fields = {"progetto": _PERIMETRO}
    validators_columns = {"note": _NOTE}

    def pre_add(self, item):
        servizi.prepara_figlio_di_progetto(item)

    pre_update = pre_add


class SpesaApi(LiaModelRestApi):
    resource_name = "spesa"
    class_permission_name = "Spesa"
    datamodel = InterfacciaLia(m.Spesa)
    _campi = ["progetto", "voce", "importo", "data", "fornitore", "giustificativo_tipo", "giustificativo_numero",
              "giustificativo_data", "coperta_da_altra_misura", "note"]
    list_columns = show_columns = ["id", "progetto.id", "progetto.codice", "beneficiaria.codice", "voce.codice",
                                   "importo", "data", "ente_pagatore.id", "ente_pagatore.nome", "fornitore",
                                   "giustificativo_tipo", "giustificativo_numero", "giustificativo_data",
                                   "coperta_da_altra_misura", "note", "ammissibile", "motivi", "avvisi"]
    # The payer is the caller's ente and the verdict is computed: neither is taken from the request.
    add_columns = edit_columns = _campi
    search_columns = ["progetto", "voce", "data", "ammissibile", "giustificativo_numero"]
    order_columns = ["data", "importo", "id"]
    add_query_rel_fields = edit_query_rel_fields = {"progetto": _PERIMETRO}
    validators_columns = {"fornitore": Length(max=200), "note": _NOTE,
                          "giustificativo_numero": Length(max=50, error="Al massimo 50 caratteri.")}

    def normalizza_json(self, dati):
        self._forza = bool(dati.pop("registra_non_ammissibile", False))
        if "importo" in dati:
            from app.rules.eligibility import valida_importo

            if isinstance(dati["importo"], bool) or not isinstance(dati["importo"], (str, int, float)):
                return dati, {"importo": ["Importo non valido."]}
            importo, motivi = valida_importo(dati["importo"])
            if motivi:
                return dati, {"importo": motivi}
            dati["importo"] = str(importo)
        return dati, {}

    def pre_add(self, item):
        from app.servizi.spese import prepara_spesa

        prepara_spesa(item, g.user, registra_non_ammissibile=getattr(self, "_forza", False))

    pre_update = pre_add

    def post_update(self, item):
        from app.servizi.spese import ricalcola_progetto

        if item.progetto_id:
            ricalcola_progetto(item.progetto_id)
            db.session.commit()

    post_delete = post_update


def registra(appbuilder):
    for api in (SpesaApi, AmbitoApi, EnteApi, BeneficiariaApi, DatiPersonaliApi, ConsensoApi, AltraMisuraApi,
                SegnalazioneApi, ValutazioneApi, MicroEquipeApi, ProgettoApi, ColloquioCPIApi, InterventoApi,
                EsitoProgettoApi):
        appbuilder.add_api(api)
    from app.api import asse1  # asse1
    asse1.registra(appbuilder)  # asse1
