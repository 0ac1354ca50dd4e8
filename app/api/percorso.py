"""REST API of the path of one woman: the same services and rules as the screens."""
from __future__ import annotations

from datetime import date

from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from marshmallow.validate import Length, Range

from app import models as m
from app import servizi
from app.extensions import db
from app.servizi import eliminazione
from app.servizi import percorso as servizi_percorso
from app.api import LiaModelRestApi
from app.security import FiltroMembriAmmessi, FiltroPerimetro, FiltroPerimetroCollegati, PERMESSI_API
from app.servizi.interfaccia import InterfacciaLia

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
        servizi_percorso.prepara_segnalazione(item, g.user)

    def pre_delete(self, item):
        eliminazione.verifica_eliminazione(item, g.user)


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
        servizi_percorso.prepara_valutazione(item, g.user)

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
    add_query_rel_fields = {"beneficiaria": [["id", FiltroPerimetro, lambda: None]],
                            "membri": [["id", FiltroMembriAmmessi, lambda: None]]}
    edit_query_rel_fields = {"membri": [["id", FiltroMembriAmmessi, lambda: None]]}
    validators_columns = {"note": _NOTE}

    def _init_model_schemas(self):
        super()._init_model_schemas()
        # Default: the referring ente coordinates (servizi_percorso.prepara_microequipe).
        self.add_model_schema.fields["ente_coordinatore"].required = False

    def pre_add(self, item):
        servizi_percorso.prepara_microequipe(item, g.user)

    def pre_update(self, item):
        servizi_percorso.verifica_membri_microequipe(item)


class ProgettoApi(LiaModelRestApi):
    resource_name = "progetto"
    class_permission_name = "Progetto"
    method_permission_name = dict(PERMESSI_API, transizione="transition", storico="read", residui="read")
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
        servizi_percorso.prepara_progetto(item, g.user)

    def pre_update(self, item):
        servizi_percorso.verifica_modifica_progetto(item)

    def pre_delete(self, item):
        servizi_percorso.verifica_eliminazione_progetto(item)

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
            with servizi.transazione():
                servizi_percorso.esegui_transizione(progetto, g.user, dati["verso"], dati.get("nota", ""), data)
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
            200: {description: "the transitions, oldest first"}
            404: {$ref: '#/components/responses/404'}
        """
        progetto = self.datamodel.get(pk, self._base_filters)
        if progetto is None:
            return self.response_404()
        return self.response(200, result=[
            {"da": t.da_stato, "a": t.a_stato, "quando": t.quando.isoformat(), "nota": t.nota,
             "data_decisione": t.data_decisione.isoformat() if t.data_decisione else None,
             "utente": t.utente.username if t.utente else None} for t in progetto.transizioni])

    @expose("/<int:pk>/residui", methods=["GET"])
    @protect()
    @safe
    @permission_name("residui")
    def residui(self, pk):
        """Spent and residual per ceiling of the project (eligible, not annulled spese); with
        `?voce=<id>`, which ceilings that voce draws on. Amounts as strings and as Italian text.
        ---
        get:
          parameters:
          - {in: query, name: voce, required: false, schema: {type: integer}}
          responses:
            200: {description: "the project's ceilings: massimale, speso, residuo, percentuale, vicino"}
            400: {$ref: '#/components/responses/400'}
            404: {$ref: '#/components/responses/404'}
        """
        from app.servizi.spese import residui_progetto

        progetto = self.datamodel.get(pk, self._base_filters)
        if progetto is None:
            return self.response_404()
        voce = None
        if request.args.get("voce"):
            from app.api.robustezza import id_valido

            voce_id = request.args.get("voce", type=int)
            voce = db.session.get(m.VoceSpesa, voce_id) if id_valido(voce_id) else None
            if voce is None:
                return self.response_400(message="Voce di spesa sconosciuta.")
        return self.response(200, result=residui_progetto(progetto, voce))


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

    def pre_add(self, item):
        servizi_percorso.prepara_colloquio_cpi(item)


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
        servizi_percorso.prepara_figlio_di_progetto(item)

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
        servizi_percorso.prepara_figlio_di_progetto(item)
        eliminazione.registra_autore(item, g.user)

    def pre_update(self, item):
        servizi_percorso.prepara_figlio_di_progetto(item)

    def pre_delete(self, item):
        eliminazione.verifica_eliminazione(item, g.user)
