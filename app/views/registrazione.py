"""«Registra una donna» (issue 11, §9): her profile and her personal data in one guided form,
saved in one transaction by app.servizi.beneficiarie.registra_donna. The fields, their
validators and messages are those of the two screens it replaces (BeneficiariaView's add form
and DatiPersonaliView's), reused, not copied; the personal data still go to DatiPersonali."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import BooleanField

from app import models as m
from app import servizi
from app.security import registra_per_le_donne
from app.servizi import beneficiarie
from app.servizi.spese import programma_corrente

PROFILO = ["ambito", "data_presa_in_carico", "fascia_eta", "cittadinanza", "figli_minori", "relazione_autore",
           "condizione_occupazionale"]
DATI = ["nome", "cognome", "codice_fiscale", "data_nascita", "telefono", "email", "indirizzo", "comune"]
CONSENSO = "consenso_"  # + a purpose of the programme file: one checkbox each


class RegistraDonnaView(BaseView):
    route_base = "/registra-donna"
    # Adding a woman is writing a Beneficiaria; the predicate narrows it to an active CAV operator.
    class_permission_name = "Beneficiaria"
    method_permission_name = {"registra": "write"}
    default_view = "registra"
    _modulo = None

    def modulo(self):
        """The two add forms' fields in one form class, built once from the screens' own forms."""
        if self._modulo is None:
            viste = {type(v).__name__: v for v in self.appbuilder.baseviews}
            profilo, dati = viste["BeneficiariaView"].add_form, viste["DatiPersonaliView"].add_form
            campi = {n: getattr(profilo, n) for n in PROFILO} | {n: getattr(dati, n) for n in DATI}
            campi |= {CONSENSO + f.codice: BooleanField(f.descrizione) for f in programma_corrente().finalita_consenso}
            self._modulo = type("ModuloRegistraDonna", (DynamicForm,), campi)
        return self._modulo

    @expose("/", methods=["GET", "POST"])
    @has_access
    def registra(self):
        if not registra_per_le_donne(g.user):
            abort(403)
        form = self.modulo()()
        if request.method == "GET":
            ente = g.user.ente
            if ente.ambito is not None:
                form.ambito.data = ente.ambito
        elif form.validate():
            beneficiaria = self._salva(form)
            if beneficiaria is not None:
                flash(f"Beneficiaria {beneficiaria.codice} registrata.", "success")
                return redirect(url_for("BeneficiariaView.show", pk=beneficiaria.id))
        risposta = self.render_template("lia_registra_donna.html", form=form, profilo=PROFILO, dati=DATI,
                                        consensi=[n for n in form.data if n.startswith(CONSENSO)],
                                        centro=g.user.ente.nome)
        return risposta, 200, {"Cache-Control": "no-store"}  # the typed name stays out of caches

    def _salva(self, form):
        from app.views import mostra_rifiuto

        profilo = {n: form[n].data for n in PROFILO}
        profilo["ambito_id"] = profilo.pop("ambito").id if profilo.get("ambito") is not None else None
        dati = {n: form[n].data or None for n in DATI}
        consensi = tuple(n.removeprefix(CONSENSO) for n, dato in form.data.items() if n.startswith(CONSENSO) and dato)
        try:
            with servizi.transazione():
                return beneficiarie.registra_donna(m.Beneficiaria(**profilo), m.DatiPersonali(**dati), g.user,
                                                   consensi)
        except servizi.NonConsentito:
            abort(403)
        except servizi.Rifiuto as exc:
            mostra_rifiuto(form, exc)
        except SQLAlchemyError:
            flash("Registrazione non riuscita: i dati sono in conflitto con un record esistente o non validi.",
                  "danger")
        return None


def registra(appbuilder):
    appbuilder.add_view(RegistraDonnaView, "Registra una donna", category="Casi", icon="fa-user-plus")
    # The Beneficiarie list offers the same page to whom it may register.
    current_app.jinja_env.globals["registra_per_le_donne"] = registra_per_le_donne
