"""The user screens: FAB's own (users, password reset, own password), with the password policy,
the two-person rule on roles and ente, and Italian labels; and the CAV's screens to confirm
who may see its women ("Abilitazioni da confermare") and their history.

LiaSecurityManager.register_views puts the first three in place of FAB's.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.views import ResetMyPasswordView, ResetPasswordView, UserDBModelView
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from app import audit
from app import models as m
from app.autenticazione import viste as viste_accesso
from app.integrita import SoloOrdinamentiDichiarati
from app.rules.password import motivi_password_debole, parole_dell_utente
from app.security import FiltroAbilitazioni, motivi_abilitazione_non_valida, puo_decidere_abilitazione
from app.servizi import Rifiuto, transazione
from app.servizi import utenti as servizi_utenti
from app.servizi.interfaccia import InterfacciaLia
from app.views import LiaModelView, valore_italiano
from app.views.schermate import Schermata

DESCRIZIONE_PASSWORD = ("Almeno 12 caratteri, non facile da indovinare, senza nome utente, nome o e-mail: "
                        "meglio una frase di più parole poco collegate tra loro.")


class PasswordRobusta:
    """The password policy (app.rules.password) as a form validator; `dati_utente(form)` gives
    the username, names and e-mail the password must not be built on."""

    def __init__(self, dati_utente):
        self.dati_utente = dati_utente

    def __call__(self, form, field):
        motivi = motivi_password_debole(field.data or "", parole_dell_utente(*self.dati_utente(form)))
        if motivi:
            raise ValidationError(" ".join(motivi))


def _dal_modulo(form):
    return form.username.data, form.first_name.data, form.last_name.data, form.email.data


def _dell_utente(utente):
    return utente.username, utente.first_name, utente.last_name, utente.email


def _campi_password(dati_utente, etichetta="Password", altri_controlli=()):
    return {
        "password": PasswordField(etichetta, description=DESCRIZIONE_PASSWORD, widget=BS3PasswordFieldWidget(),
                                  validators=[DataRequired(message="Campo obbligatorio."), PasswordRobusta(dati_utente),
                                              *altri_controlli]),
        "conf_password": PasswordField("Conferma la password", widget=BS3PasswordFieldWidget(),
                                       description="Riscrivere la stessa password.",
                                       validators=[EqualTo("password", message="Le due password non coincidono.")]),
    }


class RuoliCompatibili:
    """Identity roles only for users of a CAV (app.security decides)."""

    def __call__(self, form, field):
        ente = form.ente.data if "ente" in form else None
        motivi = motivi_abilitazione_non_valida({r.name for r in field.data or []}, ente)
        if motivi:
            raise ValidationError(" ".join(motivi))


class UtenteModelView(viste_accesso.AzioniSecondoFattore, Schermata, SoloOrdinamentiDichiarati,
                      UserDBModelView):
    """FAB's user screen with the ente every user belongs to. No groups: a group's roles would
    reach a user around the two-person rule."""

    list_title = "Utenti"
    show_title = "Utente"
    add_title = "Nuovo utente"
    edit_title = "Modifica utente"
    user_info_title = "I tuoi dati"
    _campi = ["first_name", "last_name", "username", "email", "ente", "roles", "active"]
    add_columns = _campi + ["password", "conf_password"]
    edit_columns = _campi
    list_columns = ["first_name", "last_name", "username", "email", "ente", "active", "roles"]
    search_columns = ["first_name", "last_name", "username", "email", "ente", "active", "roles", "last_login"]
    show_fieldsets = [
        ("Utente", {"fields": ["first_name", "last_name", "username", "email", "active", "roles", "ente"]}),
        ("Accessi", {"fields": ["last_login", "login_count", "fail_login_count", "created_on", "changed_on"],
                     "expanded": False}),
    ]
    user_show_fieldsets = [
        ("I tuoi dati", {"fields": ["first_name", "last_name", "username", "email", "ente", "roles", "active"]}),
    ]
    label_columns = {
        "first_name": "Nome", "last_name": "Cognome", "username": "Nome utente", "email": "E-mail", "ente": "Ente",
        "roles": "Ruoli", "active": "Attivo", "password": "Password", "conf_password": "Conferma la password",
        "last_login": "Ultimo accesso", "login_count": "Accessi", "fail_login_count": "Accessi falliti",
        "created_on": "Creato il", "changed_on": "Modificato il",
    }
    description_columns = {
        "roles": "Operatrice CAV e Responsabile CAV danno accesso alle identità delle donne del centro: "
                 "diventano attivi solo quando una Responsabile di quel centro conferma.",
        "ente": "Spostare un utente in un centro antiviolenza richiede la conferma di una sua Responsabile.",
        "active": "Per togliere l'accesso, disattivare l'utente invece di eliminarlo.",
    }
    # A user waiting for confirmation has no ente and no role yet: a dash, not "None" or "[]".
    formatters_columns = {"last_login": valore_italiano, "created_on": valore_italiano, "changed_on": valore_italiano,
                          "active": valore_italiano, "ente": lambda e: str(e) if e else "—",
                          "roles": lambda ruoli: ", ".join(r.name for r in ruoli or []) or "—",
                          **dict.fromkeys(("login_count", "fail_login_count", "created_by", "changed_by"),
                                          lambda v: "—" if v is None else v)}
    validators_columns = {
        "roles": [DataRequired(message="Indicare almeno un ruolo."), RuoliCompatibili()],
        "ente": [DataRequired(message="Ogni utente deve appartenere a un ente.")],
    }
    add_form_extra_fields = _campi_password(_dal_modulo)

    def process_form(self, form, is_created):
        super().process_form(form, is_created)
        # Roles, ente and activation as stored, read before the form writes on the user.
        g.lia_abilitazioni_prima = None if is_created else servizi_utenti.abilitazioni_salvate(form._id)

    def pre_add(self, item):
        super().pre_add(item)  # FAB hashes the password here
        self._abilitazioni(item)

    def pre_update(self, item):
        super().pre_update(item)
        self._abilitazioni(item)

    def _abilitazioni(self, item):
        try:
            richiesta = servizi_utenti.registra_modifica(item, g.pop("lia_abilitazioni_prima", None), g.user)
        except Rifiuto:
            # FAB flashes the reason and redirects: nothing of the form may be saved later on.
            self.datamodel.session.rollback()
            raise
        if richiesta is not None and richiesta.stato == "in_attesa":
            flash(f"Ruoli ed ente di {item.username} restano quelli di prima finché una Responsabile del "
                  f"{richiesta.cav.nome} non conferma la modifica (Abilitazioni da confermare).", "warning")

    def pre_delete(self, item):
        if item.id == g.user.id:
            raise Rifiuto("Non puoi eliminare il tuo stesso utente.")
        servizi_utenti.annulla_in_attesa(item.id)

    @action("resetpasswords", "Reimposta la password", "", "fa-lock", multiple=False)
    def resetpasswords(self, item):
        return super().resetpasswords(item)


def _utente_da_reimpostare():
    from flask import current_app

    pk = request.args.get("pk", type=int)
    utente = current_app.appbuilder.sm.get_user_by_id(pk) if pk else None
    if utente is None:
        abort(404)
    return utente


class ReimpostaPasswordView(ResetPasswordView):
    """The Amministratore sets a new password for a user (from the user's page)."""

    class_permission_name = "ResetPasswordView"  # FAB's name, the one the roles grant
    form_title = "Reimposta la password"

    form = type("ModuloReimpostaPassword", (DynamicForm,),
                _campi_password(lambda form: _dell_utente(_utente_da_reimpostare()), "Nuova password"))

    def form_get(self, form):
        _utente_da_reimpostare()

    def form_post(self, form):
        utente = _utente_da_reimpostare()
        self.appbuilder.sm.reset_password(utente.id, form.password.data)
        audit.registra("reset_password", tipo_record="Utente", record_id=utente.id,
                       dettaglio={"utente": utente.username})
        flash(f"Password di {utente.username} reimpostata: comunicarla di persona o per un canale diverso "
              "dall'e-mail con il nome utente.", "success")
        return redirect(url_for(f"{self.appbuilder.sm.user_view.__class__.__name__}.show", pk=utente.id))

    def render_template(self, template, **kwargs):
        kwargs["title"] = f"Reimposta la password di {_utente_da_reimpostare().username}"
        return super().render_template(template, **kwargs)


class PasswordAttuale:
    def __call__(self, form, field):
        if not check_password_hash(g.user.password or "", field.data or ""):
            raise ValidationError("La password attuale non è corretta.")


class DiversaDallAttuale:
    def __call__(self, form, field):
        if field.data and field.data == form.password_attuale.data:
            raise ValidationError("La nuova password deve essere diversa da quella attuale.")


class CambiaPasswordView(ResetMyPasswordView):
    """Every user changes her own password, proving she knows the current one."""

    class_permission_name = "ResetMyPasswordView"
    form_title = "Cambia la tua password"

    form = type("ModuloCambiaPassword", (DynamicForm,), {
        "password_attuale": PasswordField("Password attuale", widget=BS3PasswordFieldWidget(), validators=[
            DataRequired(message="Campo obbligatorio."), PasswordAttuale()]),
        **_campi_password(lambda form: _dell_utente(g.user), "Nuova password", [DiversaDallAttuale()]),
    })

    def form_post(self, form):
        self.appbuilder.sm.reset_password(g.user.id, form.password.data)
        audit.registra("cambio_password", tipo_record="Utente", record_id=g.user.id)
        flash("Password cambiata.", "success")


# --- abilitazioni: the CAV confirms who may see its women -----------------------------------

_ETICHETTE_RICHIESTA = {
    "richiesta_il": "Richiesta il", "username": "Utente", "cav": "Centro antiviolenza",
    "ente_precedente": "Ente prima", "ruoli_precedenti": "Ruoli prima", "ente_richiesto": "Ente richiesto",
    "ruoli_richiesti": "Ruoli richiesti", "richiesta_da": "Richiesta da", "stato": "Stato",
    "decisa_da": "Decisa da", "decisa_il": "Decisa il", "nota": "Nota",
}


def _elenco_ruoli(testo):
    return ", ".join(testo.split(",")) if testo else "—"


class AbilitazioniStoricoView(LiaModelView):
    """Every change of who may see a CAV's women, pending, decided or applied: the CAV sees its own."""

    datamodel = InterfacciaLia(m.RichiestaAbilitazione,
                               carica=["cav", "ente_precedente", "ente_richiesto", "richiesta_da", "decisa_da"])
    class_permission_name = "Abilitazione"
    base_permissions = ["can_read"]
    base_filters = [["id", FiltroAbilitazioni, lambda: None]]
    base_order = ("richiesta_il", "desc")
    list_title = "Storico abilitazioni"
    show_title = "Abilitazione"
    list_columns = ["richiesta_il", "username", "cav", "ruoli_precedenti", "ente_precedente", "ruoli_richiesti",
                    "ente_richiesto", "richiesta_da", "stato", "decisa_da", "decisa_il"]
    show_columns = list_columns + ["nota"]
    search_columns = ["username", "stato", "richiesta_il"]
    order_columns = ["richiesta_il", "username", "stato", "decisa_il"]
    label_columns = _ETICHETTE_RICHIESTA
    formatters_columns = {"stato": lambda v: m.STATI_RICHIESTA.get(v, v), "ruoli_precedenti": _elenco_ruoli,
                          "ruoli_richiesti": _elenco_ruoli}


class AbilitazioniDaConfermareView(AbilitazioniStoricoView):
    """The pending requests; on a request's page its CAV's Responsabile confirms or refuses it."""

    method_permission_name = dict(LiaModelView.method_permission_name, conferma="decide", rifiuta="decide")
    base_permissions = ["can_read", "can_decide"]
    base_filters = AbilitazioniStoricoView.base_filters + [["stato", FilterEqual, "in_attesa"]]
    list_title = "Abilitazioni da confermare"
    show_title = "Abilitazione da confermare"
    show_template = "lia_abilitazione_show.html"

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            richiesta = self.datamodel.get(kwargs["pk"], self._base_filters)
            kwargs["puo_decidere"] = richiesta is not None and puo_decidere_abilitazione(g.user, richiesta)
            kwargs["cav_richiesta"] = richiesta.cav.nome if richiesta is not None else ""
        return super().render_template(template, **kwargs)

    def _decidi(self, pk, conferma):
        richiesta = self.datamodel.get(pk, self._base_filters)
        if richiesta is None:
            abort(404)
        try:
            with transazione():
                servizi_utenti.decidi(richiesta, g.user, conferma, request.form.get("nota", ""))
        except Rifiuto as exc:
            for motivo in exc.motivi:
                flash(motivo, "danger")
            return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))
        if richiesta.stato == "annullata":
            flash(servizi_utenti.MSG_ANNULLATA, "danger")
            return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))
        flash(f"Abilitazione di {richiesta.username} {'confermata' if conferma else 'rifiutata'}.", "success")
        return redirect(url_for(f"{self.__class__.__name__}.list"))

    @expose("/conferma/<int:pk>", methods=["POST"])
    @has_access
    def conferma(self, pk):
        return self._decidi(pk, True)

    @expose("/rifiuta/<int:pk>", methods=["POST"])
    @has_access
    def rifiuta(self, pk):
        return self._decidi(pk, False)


def registra(appbuilder):
    appbuilder.add_view(AbilitazioniDaConfermareView, "Abilitazioni da confermare", category="Abilitazioni",
                        icon="fa-user-plus")
    appbuilder.add_view(AbilitazioniStoricoView, "Storico abilitazioni", category="Abilitazioni")
