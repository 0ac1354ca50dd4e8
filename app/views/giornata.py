"""The home page as "what to do today" (issue 11, §5), the full list behind each of its counts,
and the header and summary of a woman's page. Thin: the lists are app.servizi.giornata and
app.servizi.riepilogo_donna; the page shows codes only (it may be read over a shoulder)."""
from __future__ import annotations

from datetime import date

from flask import abort, g, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.rules import giornata as regole
from app.rules.eligibility import formatta_euro
from app.servizi import giornata, riepilogo_donna
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


def scheda_donna(view, beneficiaria) -> dict:
    """BeneficiariaView's show page: what its header and summary add to FAB's page."""
    con_spese = view.appbuilder.sm.has_access("can_read", "Spesa")
    return {"riepilogo": riepilogo_donna.riepilogo(beneficiaria, g.user, con_spese), "euro": formatta_euro}


def registra(appbuilder):
    appbuilder.add_view_no_menu(OggiView)
