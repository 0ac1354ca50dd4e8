"""The search of a woman by name, surname or codice fiscale (issue 11, §2): a box in the menu bar
and on the Beneficiarie list, a results page. The terms travel only in a POST body (CSRF-checked),
so never in a URL, an access log or the browser's history; the page is never cached."""
from __future__ import annotations

from flask import abort, current_app, g, request
from flask_appbuilder import BaseView, expose, has_access

from app import servizi
from app.security import puo_cercare_per_nome
from app.servizi import ricerca

CAMPO = "testo"


class RicercaBeneficiarieView(BaseView):
    route_base = "/ricerca"
    # Names are personal data: the same permission as the DatiPersonali screens, plus the predicate.
    class_permission_name = "DatiPersonali"
    method_permission_name = {"cerca": "read"}
    default_view = "cerca"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def cerca(self):
        return pagina(self)


def pagina(vista):
    """The search form, and on a POST its results (also the page of the old /cerca-cf/form)."""
    if not puo_cercare_per_nome(g.user):
        abort(403)
    testo, esito, motivi = "", None, []
    if request.method == "POST":
        testo = request.form.get(CAMPO, "")
        try:
            esito = ricerca.cerca(testo, g.user)
        except servizi.NonConsentito:
            abort(403)
        except servizi.Rifiuto as exc:
            motivi = exc.motivi
    risposta = vista.render_template("lia_ricerca.html", testo=testo, esito=esito, motivi=motivi,
                                     limite=ricerca.LIMITE)
    return risposta, 200, {"Cache-Control": "no-store"}


def registra(appbuilder):
    appbuilder.add_view_no_menu(RicercaBeneficiarieView)
    # The boxes in the menu bar and on the Beneficiarie list ask the same predicate.
    current_app.jinja_env.globals["puo_cercare_per_nome"] = puo_cercare_per_nome
