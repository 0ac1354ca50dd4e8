"""Users: passwords hashed and under the policy, the Amministratore's reset, nobody changing her
own roles/ente/activation, and the two-person rule on access to a CAV's women.

The holes reproduced here (issue 9, section 0): a user created in the admin screen had her
password stored in clear text and could not log in; the Amministratore could not reset a
password; the Amministratore could make herself (or anyone) an Operatrice CAV of any CAV
with no second person. Every test works on users it creates, so the demo network stays as it is.
"""
from __future__ import annotations

import html
import uuid
from types import SimpleNamespace

import pytest

from conftest import PASSWORD, UTENTI_DEMO, ApiClient, csrf_da, login, token_per

FORTE = "lampone-bussola-ottobre-17"
ALTRA_FORTE = "girasole-tramonto-ancora-42"
RESPONSABILI = ["resp.cremona", "resp.crema", "resp.casalmaggiore"]
NON_AMMINISTRATORI = [u for u in UTENTI_DEMO if u != "admin"] + RESPONSABILI
CAV_CREMA = "Centro Antiviolenza di Crema"
CAV_CREMONA = "Centro Antiviolenza di Cremona"
CAV_CASALMAGGIORE = "Centro Antiviolenza di Casalmaggiore"
AZIENDA = "Azienda Sociale del Cremonese"


# --- helpers ------------------------------------------------------------------------------

def _nel_db(app, funzione):
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        try:
            return funzione(db)
        finally:
            db.session.remove()


def ente_id(app, nome):
    from app import models as m

    return _nel_db(app, lambda db: db.session.query(m.Ente).filter_by(nome=nome).one().id)


def ruolo_id(app, nome):
    return _nel_db(app, lambda db: app.appbuilder.sm.find_role(nome).id)


def crea_utente(app, ruoli, ente, password=PASSWORD, prefisso="prova"):
    """A fresh user, made directly (as the demo loader does): (username, id)."""
    from app import models as m

    username = f"{prefisso}.{uuid.uuid4().hex[:8]}"

    def _crea(db):
        sm = app.appbuilder.sm
        u = sm.add_user(username, "Nome", "Di Prova", f"{username}@esempio.invalid",
                        [sm.find_role(r) for r in ruoli], password=password, commit=False)
        u.ente_id = db.session.query(m.Ente).filter_by(nome=ente).one().id
        db.session.commit()
        return u.id
    return username, _nel_db(app, _crea)


def stato(app, username):
    """What decides what she sees, as stored: roles, ente, active flag."""
    def _leggi(db):
        u = app.appbuilder.sm.find_user(username=username)
        if u is None:
            return None
        return SimpleNamespace(id=u.id, ruoli=sorted(r.name for r in u.roles), ente_id=u.ente_id, attivo=u.active,
                               password=u.password, nome=u.first_name, cognome=u.last_name)
    return _nel_db(app, _leggi)


def richieste_di(app, username):
    from app import models as m

    return _nel_db(app, lambda db: [
        SimpleNamespace(id=r.id, stato=r.stato, cav_id=r.cav_id, ruoli_richiesti=r.ruoli_richiesti,
                        ente_richiesto_id=r.ente_richiesto_id, decisa_da_id=r.decisa_da_id, nota=r.nota)
        for r in db.session.query(m.RichiestaAbilitazione).filter_by(username=username)
        .order_by(m.RichiestaAbilitazione.id)])


def leggi(r):
    return html.unescape(r.get_data(as_text=True))


def token_di(client):
    """The session's CSRF token, from a form every signed-in user may open."""
    return csrf_da(client.get("/resetmypassword/form").get_data(as_text=True))


def segui(client, r):
    """The page a POST redirected to (where its flashed messages show)."""
    assert r.status_code == 302, (r.status_code, leggi(r)[:500])
    return client.get(r.headers["Location"])


def modulo_utente(app, username, ruoli, ente, attivo=True, **altro):
    dati = {"first_name": "Nome", "last_name": "Di Prova", "username": username,
            "email": f"{username}@esempio.invalid", "ente": str(ente_id(app, ente)),
            "roles": [str(ruolo_id(app, r)) for r in ruoli], **altro}
    if attivo:
        dati["active"] = "y"
    return dati


def aggiungi(app, client, username, ruoli, ente, password=FORTE, conferma=None):
    token = csrf_da(client.get("/users/add").get_data(as_text=True))
    dati = modulo_utente(app, username, ruoli, ente, password=password, conf_password=conferma or password,
                         csrf_token=token)
    return client.post("/users/add", data=dati)


def modifica(app, client, uid, username, ruoli, ente, attivo=True):
    token = csrf_da(client.get(f"/users/edit/{uid}").get_data(as_text=True))
    return client.post(f"/users/edit/{uid}", data=modulo_utente(app, username, ruoli, ente, attivo, csrf_token=token))


def accesso_riuscito(app, username, password):
    c = app.test_client()
    pagina = c.get("/login/")
    r = c.post("/login/", data={"username": username, "password": password,
                                "csrf_token": csrf_da(pagina.get_data(as_text=True))})
    return r.status_code == 302 and "/login" not in r.headers.get("Location", "")


# --- passwords: hashed, reset by the Amministratore ---------------------------------------------

def test_utente_creato_dalla_schermata_ha_la_password_cifrata_e_accede(app, client_di):
    admin = client_di("admin")
    username = f"nuova.{uuid.uuid4().hex[:8]}"
    r = aggiungi(app, admin, username, ["Equipe territoriale"], AZIENDA)
    assert "Record aggiunto" in leggi(segui(admin, r))
    salvato = stato(app, username)
    assert salvato is not None and salvato.ruoli == ["Equipe territoriale"]
    assert salvato.ente_id == ente_id(app, AZIENDA)
    assert salvato.password != FORTE and FORTE not in salvato.password
    assert salvato.password.startswith(("scrypt:", "pbkdf2:"))
    assert accesso_riuscito(app, username, FORTE)
    assert not accesso_riuscito(app, username, salvato.password)


def test_l_amministratore_reimposta_la_password_dalla_pagina_dell_utente(app, client_di):
    username, uid = crea_utente(app, ["Servizi"], "Centro per l'Impiego di Crema")
    admin = client_di("admin")
    pagina = leggi(admin.get(f"/users/show/{uid}"))
    assert "Reimposta la password" in pagina
    r = admin.post(f"/users/action/resetpasswords/{uid}", data={"csrf_token": token_di(admin)})
    assert r.status_code == 302 and f"/resetpassword/form?pk={uid}" in r.headers["Location"]
    modulo = admin.get(f"/resetpassword/form?pk={uid}")
    assert modulo.status_code == 200
    assert f"Reimposta la password di {username}" in leggi(modulo)
    assert "Nuova password" in leggi(modulo) and "Conferma la password" in leggi(modulo)
    token = csrf_da(modulo.get_data(as_text=True))

    debole = admin.post(f"/resetpassword/form?pk={uid}",
                        data={"password": "corta", "conf_password": "corta", "csrf_token": token})
    assert debole.status_code == 200 and "almeno 12 caratteri" in leggi(debole)
    assert accesso_riuscito(app, username, PASSWORD)

    r = admin.post(f"/resetpassword/form?pk={uid}",
                   data={"password": FORTE, "conf_password": FORTE, "csrf_token": token})
    assert f"Password di {username} reimpostata" in leggi(segui(admin, r))
    assert accesso_riuscito(app, username, FORTE)
    assert not accesso_riuscito(app, username, PASSWORD)


def test_reimpostare_la_password_di_un_utente_inesistente_risponde_404(client_di):
    admin = client_di("admin")
    assert admin.get("/resetpassword/form?pk=99999999").status_code == 404
    assert admin.get("/resetpassword/form").status_code == 404
    assert admin.get("/resetpassword/form?pk=abc").status_code == 404


@pytest.mark.parametrize("username", NON_AMMINISTRATORI)
def test_solo_l_amministratore_reimposta_la_password_altrui(app, username):
    bersaglio, uid = crea_utente(app, ["Regione"], "Regione Lombardia")
    c = login(app.test_client(), username)
    token = token_di(c)
    assert c.get(f"/resetpassword/form?pk={uid}").status_code == 403
    r = c.post(f"/resetpassword/form?pk={uid}", data={"password": FORTE, "conf_password": FORTE, "csrf_token": token})
    assert r.status_code == 403
    assert c.post(f"/users/action/resetpasswords/{uid}", data={"csrf_token": token}).status_code in (302, 403)
    assert accesso_riuscito(app, bersaglio, PASSWORD) and not accesso_riuscito(app, bersaglio, FORTE)


# --- the password policy on every path ------------------------------------------------------

@pytest.mark.parametrize("password, motivo", [
    ("Corta-1!", "almeno 12 caratteri"),
    ("passwordpassword", "troppo facile da indovinare"),
    ("qwertyuiop123", "troppo facile da indovinare"),
    ("{username}-Tr0mb0ne!", "non deve contenere il nome utente"),
], ids=["corta", "comune", "tastiera", "nome-utente"])
def test_la_schermata_utenti_rifiuta_le_password_deboli_in_italiano(app, client_di, password, motivo):
    admin = client_di("admin")
    username = f"debole.{uuid.uuid4().hex[:6]}"
    r = aggiungi(app, admin, username, ["Regione"], "Regione Lombardia", password=password.format(username=username))
    assert r.status_code == 200  # the form again, with the reason under the field
    assert motivo in leggi(r)
    assert stato(app, username) is None


def test_le_due_password_devono_coincidere(app, client_di):
    username = f"coincide.{uuid.uuid4().hex[:6]}"
    r = aggiungi(app, client_di("admin"), username, ["Regione"], "Regione Lombardia", conferma=ALTRA_FORTE)
    assert r.status_code == 200 and "Le due password non coincidono." in leggi(r)
    assert stato(app, username) is None


def test_ognuna_cambia_la_propria_password_conoscendo_quella_attuale(app):
    username, _ = crea_utente(app, ["Capofila"], "Comune di Cremona")
    c = login(app.test_client(), username)
    modulo = c.get("/resetmypassword/form")
    assert modulo.status_code == 200 and "Cambia la tua password" in leggi(modulo)
    token = csrf_da(modulo.get_data(as_text=True))

    def invia(attuale, nuova, conferma=None):
        return c.post("/resetmypassword/form", data={"password_attuale": attuale, "password": nuova,
                                                     "conf_password": conferma or nuova, "csrf_token": token})
    casi = [(invia("sbagliata-davvero-1", FORTE), "La password attuale non è corretta."),
            (invia(PASSWORD, "cremona2"), "almeno 12 caratteri"),
            (invia(PASSWORD, f"{username}-2024!"), "non deve contenere il nome utente"),
            (invia(PASSWORD, PASSWORD), "deve essere diversa da quella attuale"),
            (invia(PASSWORD, FORTE, ALTRA_FORTE), "Le due password non coincidono.")]
    for r, motivo in casi:
        assert r.status_code == 200 and motivo in leggi(r), motivo
    assert accesso_riuscito(app, username, PASSWORD)
    r = invia(PASSWORD, FORTE)
    assert "Password cambiata." in leggi(segui(c, r))
    assert accesso_riuscito(app, username, FORTE) and not accesso_riuscito(app, username, PASSWORD)


def _crea_da_cli(app, username, ruoli, ente, password):
    from app.cli import lia

    argomenti = ["crea-utente", "--username", username, "--ente", ente, "--email", f"{username}@esempio.invalid",
                 "--password", password]
    for r in ruoli:
        argomenti += ["--ruolo", r]
    return app.test_cli_runner().invoke(lia, argomenti)


def test_crea_utente_da_riga_di_comando_applica_la_politica_delle_password(app):
    username = f"cli.{uuid.uuid4().hex[:6]}"
    esito = _crea_da_cli(app, username, ["Regione"], "Regione Lombardia", "breve")
    assert esito.exit_code != 0 and "almeno 12 caratteri" in esito.output
    esito = _crea_da_cli(app, username, ["Regione"], "Regione Lombardia", f"{username}-Tr0mb0ne!")
    assert esito.exit_code != 0 and "non deve contenere il nome utente" in esito.output
    assert stato(app, username) is None
    esito = _crea_da_cli(app, username, ["Regione"], "Regione Lombardia", FORTE)
    assert esito.exit_code == 0, esito.output
    assert stato(app, username).password.startswith(("scrypt:", "pbkdf2:"))
    assert accesso_riuscito(app, username, FORTE)


def test_la_prima_responsabile_di_un_cav_nasce_dalla_riga_di_comando(app):
    """Whoever runs the server's shell is the second person: how a CAV gets its first Responsabile."""
    username = f"cli.resp.{uuid.uuid4().hex[:6]}"
    esito = _crea_da_cli(app, username, ["Operatrice CAV", "Responsabile CAV"], AZIENDA, FORTE)
    assert esito.exit_code != 0 and "centro antiviolenza" in esito.output
    esito = _crea_da_cli(app, username, ["Responsabile CAV"], CAV_CREMA, FORTE)
    assert esito.exit_code != 0 and "insieme al ruolo «Operatrice CAV»" in esito.output
    esito = _crea_da_cli(app, username, ["Operatrice CAV", "Responsabile CAV"], CAV_CREMA, FORTE)
    assert esito.exit_code == 0, esito.output
    s = stato(app, username)
    assert s.ruoli == ["Operatrice CAV", "Responsabile CAV"] and s.ente_id == ente_id(app, CAV_CREMA)


# --- nobody changes her own roles, ente or activation ------------------------------------------

@pytest.mark.parametrize("username", NON_AMMINISTRATORI)
def test_nessun_altro_ruolo_cambia_ruoli_ente_o_attivazione_da_profilo_schermata_o_api(app, username):
    prima = stato(app, username)
    altro_ente = ente_id(app, CAV_CASALMAGGIORE if prima.ente_id != ente_id(app, CAV_CASALMAGGIORE) else CAV_CREMA)
    admin_ruolo = str(ruolo_id(app, "Amministratore"))
    cav_ruolo = str(ruolo_id(app, "Operatrice CAV"))
    c = login(app.test_client(), username)
    # The profile form ("Modifica utente" on her page): it takes first and last name only.
    token = csrf_da(c.get("/userinfoeditview/form").get_data(as_text=True))
    c.post("/userinfoeditview/form", data={
        "first_name": prima.nome, "last_name": prima.cognome, "roles": [admin_ruolo, cav_ruolo],
        "ente": str(altro_ente), "ente_id": str(altro_ente), "active": "", "csrf_token": token})
    # The user screen and its actions, on her own record.
    assert c.get(f"/users/edit/{prima.id}").status_code == 403
    dati = {"first_name": prima.nome, "last_name": prima.cognome, "username": username, "email": "x@esempio.invalid",
            "roles": [admin_ruolo], "ente": str(altro_ente), "csrf_token": token}
    assert c.post(f"/users/edit/{prima.id}", data=dati).status_code == 403
    assert c.post(f"/users/action/resetpasswords/{prima.id}", data={"csrf_token": token}).status_code in (302, 403)
    # The API: FAB's user API is not registered (FAB_ADD_SECURITY_API = False).
    api = ApiClient(app.test_client(), token_per(app.test_client(), username))
    for metodo, url in [("put", f"/api/v1/security/users/{prima.id}"), ("get", "/api/v1/security/users/"),
                        ("post", "/api/v1/security/users/"), ("put", f"/api/v1/security/roles/{admin_ruolo}")]:
        r = getattr(api, metodo)(url, **({} if metodo == "get" else {"json": {"roles": [int(admin_ruolo)],
                                                                            "active": False}}))
        assert r.status_code in (404, 405), (url, r.status_code)
    dopo = stato(app, username)
    assert (dopo.ruoli, dopo.ente_id, dopo.attivo) == (prima.ruoli, prima.ente_id, prima.attivo)
    assert richieste_di(app, username) == []


@pytest.mark.parametrize("cosa", ["ruolo-cav", "ente-cav", "disattivata", "solo-ruolo-capofila"])
def test_l_amministratore_non_cambia_i_propri_ruoli_ente_o_attivazione(app, client_di, cosa):
    prima = stato(app, "admin")
    admin = client_di("admin")
    ruoli, ente, attivo = list(prima.ruoli), "Comune di Cremona", True
    if cosa == "ruolo-cav":
        ruoli, ente = ruoli + ["Operatrice CAV"], CAV_CREMA
    elif cosa == "ente-cav":
        ente = CAV_CREMA
    elif cosa == "disattivata":
        attivo = False
    else:
        ruoli = ["Capofila"]
    token = csrf_da(admin.get(f"/users/edit/{prima.id}").get_data(as_text=True))
    dati = modulo_utente(app, "admin", ruoli, ente, attivo, csrf_token=token, first_name=prima.nome,
                         last_name=prima.cognome, email="admin@esempio.invalid")
    r = admin.post(f"/users/edit/{prima.id}", data=dati)
    pagina = leggi(segui(admin, r)) if r.status_code == 302 else leggi(r)
    assert "Nessuno può cambiare i propri ruoli" in pagina or "centro antiviolenza" in pagina
    dopo = stato(app, "admin")
    assert (dopo.ruoli, dopo.ente_id, dopo.attivo) == (prima.ruoli, prima.ente_id, prima.attivo)
    assert richieste_di(app, "admin") == []


def test_l_amministratore_non_elimina_se_stessa(app, client_di):
    prima = stato(app, "admin")
    admin = client_di("admin")
    r = admin.post(f"/users/delete/{prima.id}", data={"csrf_token": token_di(admin)})
    assert "Non puoi eliminare il tuo stesso utente." in leggi(segui(admin, r))
    assert stato(app, "admin") is not None


def test_i_ruoli_sono_dati_l_amministratore_li_legge_e_non_li_modifica(app, client_di):
    admin = client_di("admin")
    rid = ruolo_id(app, "Regione")
    assert admin.get("/roles/list/").status_code == 200
    assert admin.get(f"/roles/show/{rid}").status_code == 200
    token = token_di(admin)
    assert admin.get(f"/roles/edit/{rid}").status_code == 403
    assert admin.post(f"/roles/edit/{rid}", data={"name": "Operatrice CAV 2", "csrf_token": token}).status_code == 403
    assert admin.post("/roles/add", data={"name": "Nuovo ruolo", "csrf_token": token}).status_code == 403
    assert admin.post(f"/roles/delete/{rid}", data={"csrf_token": token}).status_code == 403
    assert _nel_db(app, lambda db: app.appbuilder.sm.find_role("Regione") is not None)


def test_il_modulo_utenti_non_offre_gruppi(client_di):
    """A group's roles count for FAB's permissions: assigning one would skip the two-person rule."""
    admin = client_di("admin")
    for url in ("/users/add",):
        pagina = admin.get(url).get_data(as_text=True)
        assert 'name="groups"' not in pagina and 'name="roles"' in pagina


def test_l_api_di_fab_per_utenti_e_ruoli_non_esiste(client_di, api_di):
    spec = api_di("admin").get("/api/v1/_openapi").get_json()
    percorsi = " ".join(spec["paths"])
    assert "/security/users" not in percorsi and "/security/roles" not in percorsi
    assert "/security/login" in percorsi


# --- the two-person rule -------------------------------------------------------------------

def test_dare_operatrice_cav_resta_in_attesa_finche_una_responsabile_di_quel_cav_non_conferma(app, client_di, pii):
    username, uid = crea_utente(app, ["Equipe territoriale"], AZIENDA)
    prima = stato(app, username)
    admin = client_di("admin")
    r = modifica(app, admin, uid, username, ["Operatrice CAV"], CAV_CREMA)
    pagina = leggi(segui(admin, r))
    assert f"Ruoli ed ente di {username} restano quelli di prima" in pagina and CAV_CREMA in pagina
    dopo = stato(app, username)
    assert (dopo.ruoli, dopo.ente_id) == (prima.ruoli, prima.ente_id)
    (richiesta,) = richieste_di(app, username)
    assert richiesta.stato == "in_attesa" and richiesta.cav_id == ente_id(app, CAV_CREMA)
    assert richiesta.ruoli_richiesti == "Operatrice CAV"
    # Meanwhile she sees no identity.
    lei = login(app.test_client(), username)
    assert lei.get("/datipersonaliview/list/").status_code == 403

    url_show = f"/abilitazionidaconfermareview/show/{richiesta.id}"
    url_conferma = f"/abilitazionidaconfermareview/conferma/{richiesta.id}"
    # Another CAV's Responsabile does not even see it; the Amministratore sees it, cannot decide.
    altra = login(app.test_client(), "resp.cremona")
    token = token_di(altra)
    assert altra.get(url_show).status_code == 404
    assert altra.post(url_conferma, data={"csrf_token": token}).status_code == 404
    assert admin.get(url_show).status_code == 200
    assert "Conferma</button>" not in admin.get(url_show).get_data(as_text=True)
    assert admin.post(url_conferma, data={"csrf_token": token_di(admin)}).status_code == 403
    operatrice = login(app.test_client(), "cav.crema")
    assert operatrice.post(url_conferma, data={"csrf_token": token_di(operatrice)}).status_code == 403
    assert stato(app, username).ruoli == prima.ruoli

    resp = login(app.test_client(), "resp.crema")
    assert username in resp.get("/abilitazionidaconfermareview/list/").get_data(as_text=True)
    scheda = resp.get(url_show)
    assert "Conferma</button>" in scheda.get_data(as_text=True)
    r = resp.post(url_conferma, data={"csrf_token": token_di(resp)})
    assert f"Abilitazione di {username} confermata." in leggi(segui(resp, r))
    dopo = stato(app, username)
    assert dopo.ruoli == ["Operatrice CAV"] and dopo.ente_id == ente_id(app, CAV_CREMA)
    (richiesta,) = richieste_di(app, username)
    assert richiesta.stato == "confermata" and richiesta.decisa_da_id == stato(app, "resp.crema").id
    # Now she works for CAV Crema: its women's identities, and no other CAV's.
    lei = login(app.test_client(), username)
    elenco = leggi(lei.get("/datipersonaliview/list/?psize_DatiPersonaliView=100"))
    crema = ente_id(app, CAV_CREMA)
    assert all(v["codice"] in elenco for v in pii.values() if v["ente_id"] == crema)
    assert not any(v["codice"] in elenco for v in pii.values() if v["ente_id"] != crema)


def test_un_nuovo_utente_di_un_cav_non_accede_finche_la_responsabile_non_conferma_via_api(app, client_di, api_di):
    username = f"nuova.cav.{uuid.uuid4().hex[:6]}"
    admin = client_di("admin")
    r = aggiungi(app, admin, username, ["Operatrice CAV"], CAV_CREMONA)
    assert "restano quelli di prima" in leggi(segui(admin, r))
    s = stato(app, username)
    assert s.ruoli == [] and s.ente_id is None and s.password.startswith(("scrypt:", "pbkdf2:"))
    assert not accesso_riuscito(app, username, FORTE)
    (richiesta,) = richieste_di(app, username)

    assert api_di("resp.crema").post(f"/api/v1/abilitazione/{richiesta.id}/conferma").status_code == 404
    assert api_di("admin").post(f"/api/v1/abilitazione/{richiesta.id}/conferma").status_code == 403
    resp = api_di("resp.cremona")
    elenco = resp.get("/api/v1/abilitazione/").get_json()["result"]
    assert any(x["username"] == username and x["stato"] == "in_attesa" for x in elenco)
    r = resp.post(f"/api/v1/abilitazione/{richiesta.id}/conferma")
    assert r.status_code == 200 and r.get_json()["result"]["stato"] == "confermata"
    assert resp.post(f"/api/v1/abilitazione/{richiesta.id}/conferma").status_code == 422  # decided already
    s = stato(app, username)
    assert s.ruoli == ["Operatrice CAV"] and s.ente_id == ente_id(app, CAV_CREMONA)
    assert accesso_riuscito(app, username, FORTE)


def test_la_responsabile_rifiuta_e_l_utente_resta_com_era(app, client_di, api_di):
    username, uid = crea_utente(app, ["Operatrice CAV"], CAV_CASALMAGGIORE)
    prima = stato(app, username)
    admin = client_di("admin")
    segui(admin, modifica(app, admin, uid, username, ["Operatrice CAV", "Responsabile CAV"], CAV_CASALMAGGIORE))
    (richiesta,) = richieste_di(app, username)
    assert richiesta.stato == "in_attesa"  # Responsabile CAV decides who sees: it needs a second person too
    r = api_di("resp.casalmaggiore").post(f"/api/v1/abilitazione/{richiesta.id}/rifiuta",
                                          json={"nota": "Non risulta in servizio presso il centro"})
    assert r.status_code == 200 and r.get_json()["result"]["stato"] == "rifiutata"
    assert api_di("resp.casalmaggiore").post(f"/api/v1/abilitazione/{richiesta.id}/rifiuta",
                                             json={"nota": 3}).status_code == 400
    (richiesta,) = richieste_di(app, username)
    assert richiesta.stato == "rifiutata" and richiesta.nota == "Non risulta in servizio presso il centro"
    assert stato(app, username).ruoli == prima.ruoli


def test_nessuno_conferma_una_richiesta_fatta_da_lei(app):
    """An Amministratore who is also a Responsabile of a CAV cannot confirm what she asked for."""
    doppia, _ = crea_utente(app, ["Amministratore", "Operatrice CAV", "Responsabile CAV"], CAV_CREMA,
                            prefisso="doppia")
    username, uid = crea_utente(app, ["Equipe territoriale"], "Comunità Sociale Cremasca")
    lei = login(app.test_client(), doppia)
    segui(lei, modifica(app, lei, uid, username, ["Operatrice CAV"], CAV_CREMA))
    (richiesta,) = richieste_di(app, username)
    scheda = lei.get(f"/abilitazionidaconfermareview/show/{richiesta.id}")
    assert "Conferma</button>" not in scheda.get_data(as_text=True)
    r = lei.post(f"/abilitazionidaconfermareview/conferma/{richiesta.id}", data={"csrf_token": token_di(lei)})
    assert "che non abbia chiesto lei la modifica" in leggi(segui(lei, r))
    assert richieste_di(app, username)[0].stato == "in_attesa"
    r = ApiClient(app.test_client(), token_per(app.test_client(), "resp.crema")).post(
        f"/api/v1/abilitazione/{richiesta.id}/conferma")
    assert r.status_code == 200
    assert stato(app, username).ruoli == ["Operatrice CAV"]


def test_chi_decide_e_una_responsabile_di_quel_cav_diversa_da_chi_chiede_e_dall_interessata():
    from app.security import puo_decidere_abilitazione

    def utente(uid, ruoli, ente_id, cav=True, attivo=True):
        return SimpleNamespace(id=uid, roles=[SimpleNamespace(name=r) for r in ruoli], is_active=attivo,
                               ente=SimpleNamespace(id=ente_id, is_cav=cav))
    richiesta = SimpleNamespace(cav_id=3, richiesta_da_id=1, utente_id=2)
    resp = ["Operatrice CAV", "Responsabile CAV"]
    assert puo_decidere_abilitazione(utente(9, resp, 3), richiesta)
    assert not puo_decidere_abilitazione(utente(9, resp, 4), richiesta)  # another CAV's
    assert not puo_decidere_abilitazione(utente(1, resp, 3), richiesta)  # who asked
    assert not puo_decidere_abilitazione(utente(2, resp, 3), richiesta)  # who is concerned
    assert not puo_decidere_abilitazione(utente(9, ["Operatrice CAV"], 3), richiesta)
    assert not puo_decidere_abilitazione(utente(9, ["Responsabile CAV"], 3), richiesta)
    assert not puo_decidere_abilitazione(utente(9, resp, 3, attivo=False), richiesta)
    assert not puo_decidere_abilitazione(utente(9, resp + ["Amministratore"], 3, cav=False), richiesta)
    assert not puo_decidere_abilitazione(None, richiesta)


def test_quali_modifiche_chiedono_una_seconda_persona():
    from app.security import cav_che_conferma, ruolo_vede_identita

    cav_a, cav_b = SimpleNamespace(id=1, is_cav=True), SimpleNamespace(id=2, is_cav=True)
    azienda = SimpleNamespace(id=3, is_cav=False)
    cav, resp, equipe = "Operatrice CAV", "Responsabile CAV", "Equipe territoriale"
    assert ruolo_vede_identita(cav) and not ruolo_vede_identita(equipe) and not ruolo_vede_identita("Capofila")
    assert cav_che_conferma({equipe}, azienda, {cav}, cav_a) is cav_a  # role and move into a CAV
    assert cav_che_conferma({equipe}, azienda, {equipe}, cav_a) is cav_a  # a move into a CAV, whatever role
    assert cav_che_conferma({cav}, cav_a, {cav}, cav_b) is cav_b  # from one CAV to another
    assert cav_che_conferma({cav}, cav_a, {cav, resp}, cav_a) is cav_a  # who decides who sees
    assert cav_che_conferma(set(), None, {cav}, cav_a) is cav_a  # a new user
    assert cav_che_conferma({cav, resp}, cav_a, {cav}, cav_a) is None  # taking away: at once
    assert cav_che_conferma({cav}, cav_a, {equipe}, azienda) is None  # moving out: at once
    assert cav_che_conferma({equipe}, azienda, {"Servizi"}, azienda) is None


def test_ruoli_cav_solo_per_utenti_di_un_cav(app, client_di):
    username, uid = crea_utente(app, ["Equipe territoriale"], AZIENDA)
    admin = client_di("admin")
    r = modifica(app, admin, uid, username, ["Operatrice CAV"], AZIENDA)
    assert r.status_code == 200 and "sono solo per chi lavora in un centro antiviolenza" in leggi(r)
    r = modifica(app, admin, uid, username, ["Responsabile CAV"], CAV_CREMA)
    assert r.status_code == 200 and "va dato insieme al ruolo «Operatrice CAV»" in leggi(r)
    assert stato(app, username).ruoli == ["Equipe territoriale"] and richieste_di(app, username) == []


def test_togliere_l_accesso_vale_subito_e_resta_nello_storico_del_cav(app, client_di):
    username, uid = crea_utente(app, ["Operatrice CAV"], CAV_CASALMAGGIORE)
    admin = client_di("admin")
    segui(admin, modifica(app, admin, uid, username, ["Equipe territoriale"], "Consorzio Casalasco dei Servizi Sociali"))
    s = stato(app, username)
    assert s.ruoli == ["Equipe territoriale"] and s.ente_id == ente_id(app, "Consorzio Casalasco dei Servizi Sociali")
    (richiesta,) = richieste_di(app, username)
    assert richiesta.stato == "applicata"
    for chi, vede in [("cav.casalmaggiore", True), ("resp.casalmaggiore", True), ("admin", True),
                      ("cav.crema", False), ("resp.cremona", False)]:
        pagina = login(app.test_client(), chi).get("/abilitazionistoricoview/list/?psize_AbilitazioniStoricoView=100")
        assert pagina.status_code == 200
        assert (username in pagina.get_data(as_text=True)) is vede, chi


def test_una_nuova_modifica_sostituisce_la_richiesta_in_attesa(app, client_di):
    username, uid = crea_utente(app, ["Equipe territoriale"], AZIENDA)
    admin = client_di("admin")
    segui(admin, modifica(app, admin, uid, username, ["Operatrice CAV"], CAV_CREMA))
    segui(admin, modifica(app, admin, uid, username, ["Operatrice CAV"], CAV_CREMONA))
    prima, seconda = richieste_di(app, username)
    assert prima.stato == "annullata" and seconda.stato == "in_attesa"
    assert seconda.cav_id == ente_id(app, CAV_CREMONA)
    assert stato(app, username).ruoli == ["Equipe territoriale"]


def test_eliminare_l_utente_annulla_la_sua_richiesta(app, client_di):
    username, uid = crea_utente(app, ["Equipe territoriale"], AZIENDA)
    admin = client_di("admin")
    segui(admin, modifica(app, admin, uid, username, ["Operatrice CAV"], CAV_CREMA))
    segui(admin, admin.post(f"/users/delete/{uid}", data={"csrf_token": token_di(admin)}))
    assert stato(app, username) is None
    (richiesta,) = richieste_di(app, username)
    assert richiesta.stato == "annullata"


def test_una_richiesta_non_passa_mai_a_un_altro_utente_con_lo_stesso_id(app, client_di, api_di):
    """SQLite may reuse a deleted user's id: the request names her username too, and must match."""
    from app import models as m

    username, uid = crea_utente(app, ["Equipe territoriale"], AZIENDA)
    admin = client_di("admin")
    segui(admin, modifica(app, admin, uid, username, ["Operatrice CAV"], CAV_CREMA))
    (richiesta,) = richieste_di(app, username)

    def _al_suo_posto(db):  # another user now behind the same id
        db.session.get(m.Utente, uid).username = f"altra.{uuid.uuid4().hex[:6]}"
        db.session.commit()
    _nel_db(app, _al_suo_posto)
    r = api_di("resp.crema").post(f"/api/v1/abilitazione/{richiesta.id}/conferma")
    assert r.status_code == 422 and "la richiesta è annullata" in str(r.get_json())
    assert richieste_di(app, username)[0].stato == "annullata"
    assert _nel_db(app, lambda db: [r.name for r in db.session.get(m.Utente, uid).roles]) == ["Equipe territoriale"]


# --- access rows of the new screens and endpoint (every demo role) --------------------------------

LEGGE_ABILITAZIONI = {"admin", "cav.cremona", "cav.crema", "cav.casalmaggiore", *RESPONSABILI}


@pytest.fixture(scope="module")
def richiesta_di_crema(app):
    username, uid = crea_utente(app, ["Equipe territoriale"], "Comunità Sociale Cremasca", prefisso="matrice")
    c = login(app.test_client(), "admin")
    segui(c, modifica(app, c, uid, username, ["Operatrice CAV"], CAV_CREMA))
    return richieste_di(app, username)[0].id


@pytest.mark.parametrize("username", UTENTI_DEMO + RESPONSABILI)
def test_accessi_alle_abilitazioni_per_ogni_ruolo(app, username, richiesta_di_crema):
    rid = richiesta_di_crema
    c = login(app.test_client(), username)
    token = token_di(c)
    api = ApiClient(app.test_client(), token_per(app.test_client(), username))
    legge = username in LEGGE_ABILITAZIONI
    vede = legge and username in ("admin", "cav.crema", "resp.crema")
    for url in ("/abilitazionidaconfermareview/list/", "/abilitazionistoricoview/list/"):
        assert c.get(url).status_code == (200 if legge else 403), url
    for url in (f"/abilitazionidaconfermareview/show/{rid}", f"/abilitazionistoricoview/show/{rid}"):
        assert c.get(url).status_code == (200 if vede else 404 if legge else 403), url
    for url in (f"/abilitazionistoricoview/edit/{rid}", f"/abilitazionistoricoview/delete/{rid}",
                "/abilitazionistoricoview/add"):
        assert c.post(url, data={"csrf_token": token}).status_code in (403, 404, 405), url
    assert api.get("/api/v1/abilitazione/").status_code == (200 if legge else 403)
    assert api.get(f"/api/v1/abilitazione/{rid}").status_code == (200 if vede else 404 if legge else 403)
    assert api.put(f"/api/v1/abilitazione/{rid}", json={"stato": "confermata"}).status_code in (403, 404, 405)
    assert api.delete(f"/api/v1/abilitazione/{rid}").status_code in (403, 404, 405)
    # Deciding: only a Responsabile, and only of that CAV (404 outside her CAV).
    decide = username.startswith("resp.")
    atteso = 403 if not decide else (404 if username != "resp.crema" else None)
    if atteso is not None:
        assert c.post(f"/abilitazionidaconfermareview/rifiuta/{rid}", data={"csrf_token": token}).status_code == atteso
        assert api.post(f"/api/v1/abilitazione/{rid}/rifiuta").status_code == atteso
    assert stato_richiesta(app, rid) == "in_attesa"


def stato_richiesta(app, rid):
    from app import models as m

    return _nel_db(app, lambda db: db.session.get(m.RichiestaAbilitazione, rid).stato)


@pytest.mark.parametrize("username", UTENTI_DEMO + RESPONSABILI)
def test_nessuna_password_visibile_e_nessun_elenco_utenti_per_chi_non_amministra(app, username):
    c = login(app.test_client(), username)
    atteso = 200 if username == "admin" else 403
    assert c.get("/users/list/").status_code == atteso
    assert c.get(f"/users/show/{stato(app, 'cav.crema').id}").status_code == atteso
    pagina = c.get("/users/userinfo/")
    assert pagina.status_code == 200
    assert stato(app, username).password not in pagina.get_data(as_text=True)
