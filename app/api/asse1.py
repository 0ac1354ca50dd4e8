"""REST API of Asse I (laboratorio, sessioni, iscrizioni, presenze, modello, eventi formativi,
accordi) and of the dashboard: the same operations and rules as the screens, from
app.servizi.asse1 and app.rules.asse1."""
from __future__ import annotations

from decimal import Decimal

from flask import request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from marshmallow.validate import Length, Range, Regexp

from app import models as m
from app.api import LiaModelRestApi
from app.api.allegati import ConAllegatoApi
from app.api.messaggi import RisposteItaliane
from app.servizi.interfaccia import InterfacciaLia
from app.extensions import db
from app.security import FiltroPerimetro, FiltroPerimetroCollegati, PERMESSI_API
from app.servizi import Rifiuto, transazione
from app.servizi.asse1 import (
    RISORSA_CRUSCOTTO, RISORSA_LABORATORIO, dati_cruscotto, iscritte_visibili, presenze_visibili,
    registra_presenze, solo_capofila, verifica_accordo, verifica_iscrizione, verifica_modello,
)

_PERIMETRO = [["id", FiltroPerimetroCollegati, lambda: None]]
_NOTE = Length(max=1000, error="Al massimo 1000 caratteri.")
_MSG_SOLO_CAPOFILA = "Le edizioni e le sessioni del laboratorio sono gestite dal capofila."


class SoloCapofilaScriveApi:
    """POST, PUT and DELETE answer 403 to anyone but the capofila (app.servizi.asse1.solo_capofila)."""

    def post_headless(self):
        if not solo_capofila():
            return self.response(403, message=_MSG_SOLO_CAPOFILA)
        return super().post_headless()

    def put_headless(self, pk):
        if not solo_capofila():
            return self.response(403, message=_MSG_SOLO_CAPOFILA)
        return super().put_headless(pk)

    def delete_headless(self, pk):
        if not solo_capofila():
            return self.response(403, message=_MSG_SOLO_CAPOFILA)
        return super().delete_headless(pk)


class LaboratorioApi(SoloCapofilaScriveApi, LiaModelRestApi):
    resource_name = "laboratorio"
    class_permission_name = RISORSA_LABORATORIO
    method_permission_name = dict(PERMESSI_API, presenze="read", salva_presenze="write")
    datamodel = InterfacciaLia(m.Laboratorio)
    list_columns = show_columns = ["id", "edizione", "ambito.id", "ambito.nome", "conduttori", "sede", "note"]
    add_columns = edit_columns = ["edizione", "ambito", "conduttori", "sede", "note"]
    search_columns = ["edizione", "ambito"]
    validators_columns = {"edizione": Length(min=1, max=100, error="Da 1 a 100 caratteri."),
                          "conduttori": Length(max=300), "sede": Length(max=300), "note": _NOTE}

    def _sessione(self, pk):
        return db.session.get(m.SessioneLaboratorio, pk)

    @expose("/sessione/<int:pk>/presenze", methods=["GET"])
    @protect()
    @safe
    @permission_name("presenze")
    def presenze(self, pk):
        """Attendance of a session: the enrolled women the caller may see, by code.
        ---
        get:
          responses:
            200: {description: "one row per enrolled woman: beneficiaria_id, codice, presente (null: not recorded)"}
            404: {$ref: '#/components/responses/404'}
        """
        sessione = self._sessione(pk)
        if sessione is None:
            return self.response_404()
        iscrizioni = iscritte_visibili(sessione)
        presenze = presenze_visibili(sessione, [i.beneficiaria_id for i in iscrizioni])
        return self.response(200, sessione=sessione.id, svolta=sessione.svolta, result=[
            {"beneficiaria_id": i.beneficiaria_id, "codice": i.beneficiaria.codice,
             "presente": presenze[i.beneficiaria_id].presente if i.beneficiaria_id in presenze else None}
            for i in iscrizioni])

    @expose("/sessione/<int:pk>/presenze", methods=["POST"])
    @protect()
    @safe
    @permission_name("salva_presenze")
    def salva_presenze(self, pk):
        """Record the attendance of a whole session: the listed women present, the other
        enrolled women the caller may see absent; the others untouched.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    presenti: {type: array, items: {type: integer}}
          responses:
            200: {description: "how many present and absent were recorded"}
            400: {$ref: '#/components/responses/400'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        sessione = self._sessione(pk)
        if sessione is None:
            return self.response_404()
        dati = request.get_json(silent=True)
        presenti = dati.get("presenti") if isinstance(dati, dict) else None
        if not isinstance(presenti, list) or not all(isinstance(x, int) and not isinstance(x, bool)
                                                     for x in presenti):
            return self.response_400(message="Inviare un oggetto JSON con «presenti»: l'elenco degli id delle "
                                             "beneficiarie presenti (anche vuoto).")
        try:
            with transazione():
                n_presenti, n_assenti = registra_presenze(sessione, presenti)
        except Rifiuto as exc:
            return self.response_422(message={"_schema": exc.motivi, **exc.per_campo})
        return self.response(200, result={"sessione": sessione.id, "presenti": n_presenti, "assenti": n_assenti})


class SessioneLaboratorioApi(SoloCapofilaScriveApi, LiaModelRestApi):
    resource_name = "sessionelaboratorio"
    class_permission_name = RISORSA_LABORATORIO
    datamodel = InterfacciaLia(m.SessioneLaboratorio)
    list_columns = show_columns = ["id", "laboratorio.id", "laboratorio.edizione", "data", "ora_inizio", "ora_fine",
                                   "tema", "svolta", "note"]
    add_columns = edit_columns = ["laboratorio", "data", "ora_inizio", "ora_fine", "tema", "svolta", "note"]
    search_columns = ["laboratorio", "data", "svolta"]
    order_columns = ["data", "id"]
    validators_columns = {"tema": Length(max=300), "note": _NOTE,
                          "ora_inizio": Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Orario nel formato HH:MM."),
                          "ora_fine": Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Orario nel formato HH:MM.")}


class IscrizioneLaboratorioApi(LiaModelRestApi):
    resource_name = "iscrizionelaboratorio"
    class_permission_name = RISORSA_LABORATORIO
    datamodel = InterfacciaLia(m.IscrizioneLaboratorio)
    base_filters = _PERIMETRO
    list_columns = show_columns = ["id", "laboratorio.id", "laboratorio.edizione", "beneficiaria.id",
                                   "beneficiaria.codice", "data_iscrizione"]
    add_columns = ["laboratorio", "beneficiaria", "data_iscrizione"]
    edit_columns = ["data_iscrizione"]
    search_columns = ["laboratorio", "beneficiaria"]
    add_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]]}

    def pre_add(self, item):
        verifica_iscrizione(item)


class PresenzaApi(LiaModelRestApi):
    """Read only: attendance is written for a whole session (POST .../sessione/<id>/presenze)."""

    resource_name = "presenza"
    class_permission_name = RISORSA_LABORATORIO
    datamodel = InterfacciaLia(m.Presenza)
    include_route_methods = {"get", "get_list", "info"}
    base_filters = _PERIMETRO
    list_columns = show_columns = ["id", "sessione.id", "sessione.data", "beneficiaria.id", "beneficiaria.codice",
                                   "presente"]
    search_columns = ["sessione", "beneficiaria", "presente"]


class ModelloLaboratorioApi(ConAllegatoApi, LiaModelRestApi):
    resource_name = "modellolaboratorio"
    class_permission_name = "ModelloLaboratorio"
    datamodel = InterfacciaLia(m.ModelloLaboratorio)
    list_columns = show_columns = ["id", "titolo", "allegato", "data_formalizzazione", "data_validazione",
                                   "validato_da"]
    # The document is uploaded on the screen or PUT to /<pk>/allegato (ConAllegatoApi), never set by name.
    add_columns = edit_columns = ["titolo", "data_formalizzazione", "data_validazione", "validato_da"]
    validators_columns = {"titolo": Length(min=1, max=300, error="Da 1 a 300 caratteri."),
                          "validato_da": Length(max=300)}

    def pre_add(self, item):
        verifica_modello(item)

    pre_update = pre_add


class EventoFormativoApi(LiaModelRestApi):
    resource_name = "eventoformativo"
    class_permission_name = "EventoFormativo"
    datamodel = InterfacciaLia(m.EventoFormativo)
    list_columns = show_columns = ["id", "data", "tema", "ambito.id", "ambito.nome", "diffonde_modello", "note"]
    add_columns = edit_columns = ["data", "tema", "ambito", "diffonde_modello", "note"]
    search_columns = ["data", "tema", "ambito"]
    validators_columns = {"tema": Length(min=1, max=300, error="Da 1 a 300 caratteri."), "note": _NOTE}


class PartecipazioneEventoApi(LiaModelRestApi):
    """How many operators of which ente took part in a training event."""

    resource_name = "partecipazioneevento"
    class_permission_name = "EventoFormativo"
    datamodel = InterfacciaLia(m.PartecipazioneEvento)
    list_columns = show_columns = ["id", "evento.id", "evento.tema", "ente.id", "ente.nome", "numero_operatori"]
    add_columns = ["evento", "ente", "numero_operatori"]
    edit_columns = ["ente", "numero_operatori"]
    search_columns = ["evento", "ente"]
    validators_columns = {"numero_operatori": Range(min=1, max=1000, error="Da 1 a 1000.")}


class AccordoApi(ConAllegatoApi, LiaModelRestApi):
    resource_name = "accordo"
    class_permission_name = "Accordo"
    datamodel = InterfacciaLia(m.Accordo)
    list_columns = show_columns = ["id", "controparte", "tipo", "area", "stato", "data_firma", "allegato", "note"]
    add_columns = edit_columns = ["controparte", "tipo", "area", "stato", "data_firma", "note"]
    search_columns = ["controparte", "tipo", "area", "stato", "data_firma"]
    validators_columns = {"controparte": Length(min=1, max=300, error="Da 1 a 300 caratteri."),
                          "note": _NOTE}

    def pre_add(self, item):
        verifica_accordo(item)

    pre_update = pre_add


def _json(v):
    if isinstance(v, Decimal):
        return str(v.quantize(Decimal("0.01")))
    if isinstance(v, dict):
        return {k: _json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json(x) for x in v]
    return v


class CruscottoApi(RisposteItaliane, BaseApi):
    """The dashboard's numbers as JSON (aggregates only, small counts of women suppressed as on
    the screen, app.rules.riservatezza)."""

    resource_name = "cruscotto"
    class_permission_name = RISORSA_CRUSCOTTO
    method_permission_name = {"get": "read"}
    allow_browser_login = True
    openapi_spec_tag = "Cruscotto"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self):
        """Indicators against targets, eligible spending per asse and per ente against the
        planned budget, paths activated per month.
        ---
        get:
          responses:
            200:
              description: >-
                the dashboard; amounts as strings with two decimals; a count of women that could
                single one out, and any count or total that would give it back by difference, as
                "riservato" (then the percentuale and raggiunto of that indicator are null)
        """
        dati = dati_cruscotto()
        for riga in dati["percorsi_per_mese"]:
            riga.pop("etichetta", None)
        return self.response(200, result=_json(dati))


def registra(appbuilder):
    for api in (LaboratorioApi, SessioneLaboratorioApi, IscrizioneLaboratorioApi, PresenzaApi, ModelloLaboratorioApi,
                EventoFormativoApi, PartecipazioneEventoApi, AccordoApi, CruscottoApi):
        appbuilder.add_api(api)
