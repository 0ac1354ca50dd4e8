"""The screens and the API of logging in (the mechanics are in app.autenticazione): FAB's login
with the lockout's message and the second-factor steps, a POST-only logout, the API login
asking the TOTP code, the Amministratore's reset action, and the app-level hooks (per-IP
limit, CSRF for cookie-authenticated API writes, the Italian 429)."""
from __future__ import annotations

import pyotp
from flask import current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.api import expose as expose_api, safe
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.schemas import login_post
from flask_appbuilder.security.views import AuthDBView
from flask_appbuilder.utils.base import get_safe_redirect
from flask_appbuilder.views import expose
from flask_jwt_extended import create_access_token, create_refresh_token, get_jwt, get_jwt_identity, jwt_required
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import ValidationError as CSRFNonValido, validate_csrf
from marshmallow import ValidationError
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app import audit, crypto
from app.autenticazione import (
    CLAIM_2FA, EMITTENTE_TOTP, MSG_CODICE, MSG_CREDENZIALI, MSG_CSRF_API, MSG_DA_ATTIVARE, MSG_TROPPI,
    SESSIONE_CON_2FA, SESSIONE_TOTP_NUOVO, apri_sessione, attiva_totp, azzera_fallimenti, azzera_secondo_fattore,
    bloccato, codici_rimasti, invalida_sessioni, metti_in_attesa, passo_del_codice, qr_svg, registra_fallimento,
    richiede_secondo_fattore, svuota_sessione, totp_attivo, totp_attivo_dal, utente_in_attesa,
    verifica_secondo_fattore,
)


# --- screens ------------------------------------------------------------------------------

class FormCodice(FlaskForm):
    codice = StringField("Codice", validators=[DataRequired(message="Inserisci il codice."), Length(max=20)])


def _segreto_in_attivazione() -> str:
    """The secret shown until she confirms it: kept in the session cookie, encrypted, so that
    reloading the page does not change the QR she has scanned."""
    try:
        return crypto.decifra(session[SESSIONE_TOTP_NUOVO])
    except (KeyError, TypeError, AttributeError, crypto.DatoCifratoCorrotto):
        segreto = pyotp.random_base32()
        session[SESSIONE_TOTP_NUOVO] = crypto.cifra(segreto)
        return segreto


class LiaAuthDBView(AuthDBView):
    """FAB's login with the lockout's message, the second-factor step and a POST-only logout."""

    invalid_login_message = MSG_CREDENZIALI

    def _al_login(self, messaggio=MSG_CREDENZIALI):
        flash(messaggio, "warning")
        return redirect(self.appbuilder.get_url_for_login)

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(self._get_safe_next_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            prossima = (get_safe_redirect(request.args["next"]) if request.args.get("next")
                        else self.appbuilder.get_url_for_index)
            utente = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            if not utente:
                flash(MSG_CREDENZIALI, "warning")
                return redirect(self.appbuilder.get_url_for_login_with(prossima))
            # Whoever has enrolled gives the code, whether her role requires it or not.
            if totp_attivo(utente.id):
                metti_in_attesa(utente, prossima)
                return redirect(url_for(f"{self.endpoint}.secondo_fattore"))
            if richiede_secondo_fattore(utente):
                metti_in_attesa(utente, prossima)
                return redirect(url_for(f"{self.endpoint}.attiva_secondo_fattore"))
            apri_sessione(utente, con_secondo_fattore=False)
            return redirect(prossima)
        return self.render_template(self.login_template, title=self.title, form=form, appbuilder=self.appbuilder)

    @expose("/secondo-fattore/", methods=["GET", "POST"])
    @no_cache
    def secondo_fattore(self):
        if current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_index)
        utente, prossima = utente_in_attesa(self.appbuilder.sm)
        if utente is None:
            return self._al_login("Accedi di nuovo con nome utente e password.")
        if not totp_attivo(utente.id):
            return redirect(url_for(f"{self.endpoint}.attiva_secondo_fattore"))
        form = FormCodice()
        if form.validate_on_submit():
            if bloccato(utente.id):
                svuota_sessione()
                return self._al_login()
            tipo = verifica_secondo_fattore(utente.id, form.codice.data)
            if tipo is None:
                audit.registra("login_fallito", tipo_record="Utente", record_id=utente.id, utente=utente)
                if registra_fallimento(utente.id):
                    svuota_sessione()
                    return self._al_login()
                flash("Codice non valido: riprova.", "danger")
            else:
                apri_sessione(utente, con_secondo_fattore=True)
                if tipo == "recupero":
                    flash(f"Hai usato un codice di recupero: ne restano {codici_rimasti(utente.id)}. "
                          "Se hai perso il telefono chiedi all'amministratore di azzerare il secondo fattore.",
                          "warning")
                return redirect(prossima)
        return self.render_template("lia_secondo_fattore.html", form=form, appbuilder=self.appbuilder)

    @expose("/secondo-fattore/attiva", methods=["GET", "POST"])
    @no_cache
    def attiva_secondo_fattore(self):
        """Enrolment: by a signed-in user who wants it, or right after the password by one who
        must have it (she is not signed in until she has confirmed a code)."""
        if current_user.is_authenticated:
            utente, prossima = g.user, None
        else:
            utente, prossima = utente_in_attesa(self.appbuilder.sm)
            if utente is None:
                return self._al_login("Accedi di nuovo con nome utente e password.")
        if totp_attivo(utente.id):
            if prossima is not None:
                return redirect(url_for(f"{self.endpoint}.secondo_fattore"))
            return self.render_template("lia_attiva_secondo_fattore.html", gia_attivo=True,
                                        attivo_dal=totp_attivo_dal(utente.id),
                                        rimasti=codici_rimasti(utente.id), appbuilder=self.appbuilder)
        segreto = _segreto_in_attivazione()
        form = FormCodice()
        if form.validate_on_submit():
            passo = passo_del_codice(segreto, form.codice.data)
            if passo is not None:
                codici = attiva_totp(utente.id, segreto, passo)
                session.pop(SESSIONE_TOTP_NUOVO, None)
                if prossima is not None:
                    apri_sessione(utente, con_secondo_fattore=True)
                else:
                    session[SESSIONE_CON_2FA] = True
                return self.render_template("lia_attiva_secondo_fattore.html", codici=codici,
                                            prossima=prossima or self.appbuilder.get_url_for_index,
                                            appbuilder=self.appbuilder)
            flash("Codice non valido: controlla che l'ora del telefono sia esatta e riprova.", "danger")
        uri = pyotp.TOTP(segreto).provisioning_uri(name=utente.username, issuer_name=EMITTENTE_TOTP)
        return self.render_template("lia_attiva_secondo_fattore.html", form=form, qr=qr_svg(uri),
                                    segreto=" ".join(segreto[i:i + 4] for i in range(0, len(segreto), 4)),
                                    obbligatorio=prossima is not None, appbuilder=self.appbuilder)

    @expose("/logout/", methods=["GET", "POST"])
    @no_cache
    def logout(self):
        # GET only asks: a link or an image on another page must not log anyone out.
        if request.method == "GET":
            if not current_user.is_authenticated:
                return redirect(self.appbuilder.get_url_for_login)
            return self.render_template("lia_esci.html", appbuilder=self.appbuilder)
        utente = self._get_authenticated_user()
        if utente is not None:
            invalida_sessioni(utente.id)  # every session and token of hers, not just this cookie
        logout_user()
        svuota_sessione()
        if utente is not None:
            self.appbuilder.sm.on_user_logout(utente)
        flash("Disconnessione eseguita: tutte le tue sessioni sono chiuse.", "info")
        return redirect(self.appbuilder.get_url_for_login)


class LiaSecurityApi(SecurityApi):
    """FAB's API login with the lockout and, for the roles that need it, the TOTP code."""

    @expose_api("/login", methods=["POST"])
    @safe
    def login(self):
        """Login: a JWT access token (and a refresh token on request)
        ---
        post:
          description: >-
            Nome utente e password; per i ruoli con secondo fattore anche il codice TOTP
            dell'app (campo totp). I tentativi falliti contano per il blocco dell'utente.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    username: {type: string}
                    password: {type: string}
                    provider: {type: string, enum: [db]}
                    refresh: {type: boolean}
                    totp: {type: string, description: "codice a 6 cifre dell'app di autenticazione"}
          responses:
            200:
              description: Accesso riuscito
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      access_token: {type: string}
                      refresh_token: {type: string}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        dati = request.get_json(silent=True)
        if not isinstance(dati, dict):
            return self.response_400(message="La richiesta deve essere un oggetto JSON.")
        codice = dati.pop("totp", None)
        try:
            richiesta = login_post.load(dati)
        except ValidationError as errore:
            return self.response_400(message=errore.messages)
        utente = self.appbuilder.sm.auth_user_db(richiesta["username"], richiesta["password"])
        if utente is None:
            return self.response(401, message=MSG_CREDENZIALI)
        con_2fa = totp_attivo(utente.id)
        if not con_2fa and richiede_secondo_fattore(utente):
            audit.registra("login_fallito", tipo_record="Utente", record_id=utente.id, utente=utente)
            return self.response(401, message=MSG_DA_ATTIVARE)
        if con_2fa:
            if verifica_secondo_fattore(utente.id, codice) is None:
                audit.registra("login_fallito", tipo_record="Utente", record_id=utente.id, utente=utente)
                registra_fallimento(utente.id)
                return self.response(401, message=MSG_CODICE)
            azzera_fallimenti(utente.id)
            audit.registra("login_riuscito", tipo_record="Utente", record_id=utente.id, utente=utente)
        claims = {CLAIM_2FA: con_2fa}
        risposta = {"access_token": create_access_token(identity=str(utente.id), fresh=True, additional_claims=claims)}
        if richiesta.get("refresh"):
            risposta["refresh_token"] = create_refresh_token(identity=str(utente.id), additional_claims=claims)
        return self.response(200, **risposta)

    @expose_api("/refresh", methods=["POST"])
    @jwt_required(refresh=True)
    @safe
    def refresh(self):
        """A new access token from a refresh token (same seal, same second factor)
        ---
        post:
          responses:
            200:
              description: Nuovo token di accesso
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      access_token: {type: string}
            401:
              $ref: '#/components/responses/401'
          security:
            - jwt_refresh: []
        """
        claims = {CLAIM_2FA: bool(get_jwt().get(CLAIM_2FA))}
        return self.response(200, access_token=create_access_token(
            identity=get_jwt_identity(), fresh=False, additional_claims=claims))


class AzioniSecondoFattore:
    """Mixin for the user screen: the Amministratore resets a user's second factor."""

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        # FAB's user page passes only its own actions: add ours there (not to the profile page).
        if actions is not None and request.endpoint == f"{self.endpoint}.show":
            actions = {**actions, "azzera_secondo_fattore": self.actions["azzera_secondo_fattore"]}
        return super()._get_show_widget(pk, item, widgets=widgets, actions=actions, show_fieldsets=show_fieldsets)

    @action("azzera_secondo_fattore", "Azzera il secondo fattore",
            "Azzerare il secondo fattore di questo utente? Le sue sessioni si chiudono e al prossimo "
            "accesso dovrà attivarlo di nuovo.", "fa-key", multiple=False)
    def azzera_secondo_fattore(self, utente):
        from app.security import puo_azzerare_secondo_fattore

        if utente is None:
            flash("Utente non trovato.", "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        if not puo_azzerare_secondo_fattore(g.user, utente):
            flash("Non puoi azzerare il secondo fattore di questo utente (il tuo lo azzera un altro amministratore).",
                  "danger")
        else:
            azzera_secondo_fattore(utente.id)
            flash("Secondo fattore azzerato: al prossimo accesso l'utente lo attiverà di nuovo.", "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=utente.id))


# --- wiring -------------------------------------------------------------------------------

def limita_accessi(sm) -> None:
    """Per-IP limit shared by the login form, the code steps and the API login (FAB's own
    Flask-Limiter instance, so its storage is RATELIMIT_STORAGE_URI)."""
    api = next(v for v in sm.appbuilder.baseviews if isinstance(v, LiaSecurityApi))
    limitati = {f"{sm.auth_view.endpoint}.{nome}" for nome in ("login", "secondo_fattore", "attiva_secondo_fattore")}
    limitati.add(f"{api.endpoint}.login")
    for blueprint in (sm.auth_view.blueprint, api.blueprint):
        sm.limiter.shared_limit(lambda: current_app.config["LIA_LIMITE_LOGIN"], scope="accesso", methods=["POST"],
                                exempt_when=lambda: request.endpoint not in limitati)(blueprint)


def registra(app) -> None:
    """App-level hooks: the client's address behind a proxy, CSRF for cookie-authenticated
    API writes, the Italian 429."""
    if app.config.get("LIA_PROXY_FIDATI"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["LIA_PROXY_FIDATI"])
    login_api = {f"{v.endpoint}.login" for v in app.appbuilder.baseviews if isinstance(v, LiaSecurityApi)}

    @app.before_request
    def _csrf_per_api_con_cookie():
        if not request.path.startswith("/api/") or request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if not app.config.get("WTF_CSRF_ENABLED", True) or request.endpoint in login_api:
            return None
        # A browser never adds an Authorization header on its own: a bearer request is no CSRF.
        if request.headers.get("Authorization") or not current_user.is_authenticated:
            return None
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token"))
        except CSRFNonValido:
            return jsonify(message=MSG_CSRF_API), 400
        return None

    @app.errorhandler(429)
    def _troppi_tentativi(_errore):
        if request.path.startswith("/api/"):
            return jsonify(message=MSG_TROPPI), 429
        return render_template("lia_troppi_tentativi.html", messaggio=MSG_TROPPI, appbuilder=app.appbuilder,
                               base_template=app.appbuilder.base_template), 429
