"""The home page as "what to do today" (issue 11, §5), the full list behind each of its counts,
and the header and summary of a woman's page. Thin: the lists are app.servizi.giornata and
app.servizi.riepilogo_donna; the page shows codes only (it may be read over a shoulder)."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.rules import giornata as regole
from app.rules.eligibility import formatta_euro
from app.security import produce_il_dossier, vede_nome_in_scheda
from app.servizi import giornata, promemoria, riepilogo_donna, transazione
from app.servizi.spese import programma_corrente

MOSTRATE = 5  # rows per list on the home page; the count opens them all

# Where a row of each list leads: the record on which the action is done.
_AZIONE = {
    "segnalazioni": ("SegnalazioneView.show", "pk"),  # its «Valuta» button
    "da_validare": ("ProgettoView.show", "pk"),
    "da_avviare": ("ProgettoView.show", "pk"),
    "follow_up": ("ProgettoView.show", "pk"),
    "massimali": ("ProgettoView.show", "pk"),
    "sessioni": ("PresenzeSessioneView.presenze", "sessione_id"),
}


def _link_riga(voce, riga) -> str:
    endpoint, argomento = _AZIONE[voce.chiave]
    return url_for(endpoint, **{argomento: riga.id})


def _link_promemoria(p) -> str:
    endpoint, argomento = _AZIONE[p.tipo]
    return url_for(endpoint, **{argomento: p.record_id})


def _link_conteggio(voce) -> str:
    """One item: straight to it; more: the full list."""
    if len(voce.righe) == 1:
        return _link_riga(voce, voce.righe[0])
    return url_for("OggiView.elenco", chiave=voce.chiave)


def _contesto(view, oggi: date) -> dict:
    sm = view.appbuilder.sm
    return {"eta": lambda d: regole.eta(d, oggi), "link_riga": _link_riga, "link_conteggio": _link_conteggio,
            "lavora_sui_casi": sm.has_access("can_read", "DaFare"),
            "link_cruscotto": sm.has_access("can_read", "Cruscotto")}


def pagina_iniziale(view):
    """LiaIndexView.index: the lists of the user's role with something in them."""
    oggi = date.today()
    contesto = {"voci": []}
    if g.user is not None and g.user.is_authenticated:
        contesto = _contesto(view, oggi)
        voci = giornata.oggi_per(g.user, programma_corrente(), oggi) if contesto["lavora_sui_casi"] else []
        contesto["voci"] = [v for v in voci if v.righe]
    return view.render_template(view.index_template, appbuilder=view.appbuilder, mostrate=MOSTRATE, **contesto)


class OggiView(BaseView):
    """The full list behind a count of the home page (same permission as «Da fare»)."""

    route_base = "/oggi"
    class_permission_name = "DaFare"
    method_permission_name = {"elenco": "read"}

    @expose("/<string:chiave>")
    @has_access
    def elenco(self, chiave):
        if chiave not in giornata.TITOLI:
            abort(404)
        oggi = date.today()
        voce = giornata.voce(g.user, programma_corrente(), chiave, oggi)
        if voce is None:  # a list of another role's work
            abort(404)
        return self.render_template("lia_oggi_elenco.html", voce=voce, **_contesto(self, oggi))


class PromemoriaView(BaseView):
    """The notification area behind the menu bar's bell (issue 11, §15): today's reminders, each
    leading to its record, and the user's choice of the daily e-mail that repeats the new ones."""

    route_base = "/promemoria"
    class_permission_name = "DaFare"
    method_permission_name = {"elenco": "read", "scegli_email": "read", "conteggio": "read"}  # her own preference

    @expose("/")
    @has_access
    def elenco(self):
        oggi = date.today()
        programma = programma_corrente()
        tutti = promemoria.promemoria_di(g.user, programma, oggi)
        return self.render_template("lia_promemoria.html", gruppi=promemoria.per_tipo(tutti, programma),
                                    link=_link_promemoria, eta=lambda d: regole.eta(d, oggi),
                                    email_attiva=g.user.promemoria_email, ha_email=bool(g.user.email),
                                    posta_configurata=bool(current_app.config.get("LIA_SMTP_HOST")))

    @expose("/conteggio")
    @has_access
    def conteggio(self):
        """The number on the bell, asked by the page once it is shown (static/lia/lia.js): the
        count builds the home page's lists, too much to add to every page of a user's day."""
        risposta = jsonify({"conteggio": len(promemoria.promemoria_di(g.user, programma_corrente()))})
        risposta.headers["Cache-Control"] = "no-store"
        return risposta

    @expose("/email", methods=["POST"])
    @has_access
    def scegli_email(self):
        attivo = request.form.get("promemoria_email") == "1"
        with transazione():
            promemoria.scegli_email(g.user, attivo)
        flash("Riceverai ogni mattina un'e-mail con i nuovi promemoria (solo codici, mai nomi)." if attivo
              else "Non riceverai più l'e-mail dei promemoria.", "success")
        return redirect(url_for("PromemoriaView.elenco"))


def ha_promemoria() -> bool:
    """Whether the menu bar shows the bell: users with case work (the Region and the
    administrator have none). Its number comes after the page, from PromemoriaView.conteggio."""
    utente = g.get("user")
    return bool(utente is not None and utente.is_authenticated
                and current_app.appbuilder.sm.has_access("can_read", "DaFare"))


def scheda_donna(view, beneficiaria) -> dict:
    """BeneficiariaView's show page: what its header and summary add to FAB's page."""
    from app.servizi import consensi

    con_spese = view.appbuilder.sm.has_access("can_read", "Spesa")
    return {"riepilogo": riepilogo_donna.riepilogo(beneficiaria, g.user, con_spese), "euro": formatta_euro,
            "consensi": consensi.stato_finalita(beneficiaria.id),
            # Overrides are shown on her case to all who see it; the reason, free text, to her CAV only.
            "deroghe": consensi.deroghe_di(beneficiaria.id, con_motivo=vede_nome_in_scheda(g.user, beneficiaria)),
            "con_dossier": produce_il_dossier(g.user, beneficiaria)}


def registra(appbuilder):
    appbuilder.add_view_no_menu(OggiView)
    appbuilder.add_view_no_menu(PromemoriaView)
    current_app.jinja_env.globals["ha_promemoria"] = ha_promemoria
