"""Who reaches the audit, as every demo user: the Amministratore alone searches and downloads it;
nobody, the Amministratore included, adds, edits or deletes a row through a screen or the API;
the tab "Chi ha consultato i suoi dati" shows only to the CAV holding the woman, with the rows
naming her and nobody else. Plus the admin's search filters and the xlsx, read back."""
from __future__ import annotations

import io
import re
import uuid

import pytest
from sqlalchemy import select, text

from conftest import UTENTI_DEMO, ApiClient, csrf_da, ente_di, login, token_per

TAB = 'id="AccessiDatiPersonaliView"'


@pytest.fixture(scope="module")
def clienti(app):
    return {u: login(app.test_client(), u) for u in UTENTI_DEMO}


@pytest.fixture(scope="module")
def api(app):
    out = {}
    for u in UTENTI_DEMO:
        c = app.test_client()
        out[u] = ApiClient(c, token_per(c, u))
    return out


def un_id_di_audit(app) -> int:
    from app.extensions import db

    with app.app_context():
        n = db.session.execute(text("SELECT max(id) FROM lia_audit")).scalar()
        db.session.remove()
    return n


def righe(app, dove="1 = 1", **valori):
    """Audit rows (typed, as the model reads them) matching an SQL condition, in chain order."""
    from app.extensions import db
    from app.models import AuditEvento

    t = AuditEvento.__table__
    with app.app_context():
        out = [dict(r) for r in db.session.execute(select(t).where(text(dove)).order_by(t.c.id), valori).mappings()]
        db.session.remove()
    return out


def scheda(html: str) -> str:
    """The content of the tab "Chi ha consultato i suoi dati" on her page."""
    inizio = html.index(">", html.index(TAB)) + 1
    fine = html.find('class="tab-pane', inizio)
    return html[inizio:fine if fine > 0 else len(html)]


# --- the admin's screen ------------------------------------------------------------------------

@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_only_the_amministratore_lists_shows_and_downloads_the_audit(app, clienti, username):
    c = clienti[username]
    atteso = 200 if username == "admin" else 403
    rid = un_id_di_audit(app)
    for url in ("/auditview/list/", f"/auditview/show/{rid}", "/auditview/scarica"):
        r = c.get(url)
        assert r.status_code == atteso, (username, url, r.status_code)
    if username == "admin":
        assert "Registro di audit" in c.get("/").get_data(as_text=True)  # in the Security menu
    else:
        assert "/auditview/list" not in c.get("/").get_data(as_text=True)


def test_anonymous_is_sent_to_the_login(app):
    c = app.test_client()
    for url in ("/auditview/list/", "/auditview/scarica"):
        r = c.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_nobody_writes_or_deletes_an_audit_row_by_screen_or_api(app, clienti, api, username):
    c, a = clienti[username], api[username]
    rid = un_id_di_audit(app)
    prima = righe(app, "id = :id", id=rid)
    token = csrf_da(c.get("/cerca-cf/form").get_data(as_text=True)) if username.startswith("cav.") else ""
    dati = {"azione": "logout", "username": "falso", "csrf_token": token}
    tentativi = [
        c.post("/auditview/list/", data=dati), c.get("/auditview/add"), c.post("/auditview/add", data=dati),
        c.get(f"/auditview/edit/{rid}"), c.post(f"/auditview/edit/{rid}", data=dati),
        c.get(f"/auditview/delete/{rid}"), c.post(f"/auditview/delete/{rid}", data=dati),
        c.post("/auditview/action_post", data={"action": "muldelete", "rowid": str(rid), **dati}),
        c.get(f"/auditview/action/muldelete/{rid}"), c.get("/auditview/download/x"),
        c.post(f"/auditview/show/{rid}", data=dati),
    ]
    for risorsa in ("auditevento", "audit", "auditview"):
        tentativi += [a.post(f"/api/v1/{risorsa}/", json={"azione": "logout"}),
                      a.put(f"/api/v1/{risorsa}/{rid}", json={"username": "falso"}),
                      a.delete(f"/api/v1/{risorsa}/{rid}")]
    for r in tentativi:
        assert r.status_code in (403, 404, 405), (username, r.status_code, r.request.path, r.request.method)
    assert righe(app, "id = :id", id=rid) == prima


def test_no_role_holds_any_permission_but_read_on_the_audit(app):
    from app.security_roles import FAB_ROLES

    sm = app.appbuilder.sm
    with app.app_context():
        for ruolo in FAB_ROLES:
            role = sm.find_role(ruolo)
            for risorsa in ("Audit", "AccessiDatiPersonali"):
                for permesso in ("can_write", "can_add", "can_edit", "can_delete", "can_list", "can_show",
                                 "can_post", "can_put", "muldelete"):
                    assert not sm._has_access_builtin_roles(role, permesso, risorsa), (ruolo, risorsa, permesso)
        lettori = {r for r in FAB_ROLES if sm._has_access_builtin_roles(sm.find_role(r), "can_read", "Audit")}
        assert lettori == {"Amministratore"}
        lettori = {r for r in FAB_ROLES
                   if sm._has_access_builtin_roles(sm.find_role(r), "can_read", "AccessiDatiPersonali")}
        assert lettori == {"Operatrice CAV"}


# --- the tab on her page --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def due_donne(app, api):
    """Two new women of CAV Crema with personal data; cav.cremona joins the micro-équipe of the
    first (she then reads that case by code, and must not see who read her identity)."""
    from app import models as m
    from app.extensions import db

    cav = api["cav.crema"]
    with app.app_context():
        ambito = db.session.query(m.Ambito).filter_by(codice="CM").one().id
        cremona = app.appbuilder.sm.find_user(username="cav.cremona").id
        db.session.remove()
    donne = []
    for i in range(2):
        r = cav.post("/api/v1/beneficiaria/", json={"ambito": ambito, "data_presa_in_carico": "2023-04-03"})
        assert r.status_code == 201, r.get_json()
        bid = r.get_json()["id"]
        r = cav.post("/api/v1/datipersonali/", json={"beneficiaria": bid, "nome": "Tabina",
                                                     "cognome": f"Schedari{uuid.uuid4().hex[:6]}"})
        assert r.status_code == 201, r.get_json()
        codice = cav.get(f"/api/v1/beneficiaria/{bid}").get_json()["result"]["codice"]
        donne.append((bid, r.get_json()["id"], codice))
    r = cav.post("/api/v1/microequipe/", json={"beneficiaria": donne[0][0], "membri": [cremona]})
    assert r.status_code == 201, r.get_json()
    return donne


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_the_tab_shows_only_to_the_cav_holding_her(app, clienti, due_donne, username):
    bid = due_donne[0][0]
    r = clienti[username].get(f"/beneficiariaview/show/{bid}")
    pagina = r.get_data(as_text=True)
    if username == "cav.crema":
        assert r.status_code == 200 and TAB in pagina and "Chi ha consultato i suoi dati" in pagina
    else:
        # cav.cremona and equipe.crema see her page (by code), the others not at all: no tab.
        assert r.status_code in ((200,) if username in ("cav.cremona", "equipe.crema", "capofila") else (403, 404))
        assert TAB not in pagina and "Chi ha consultato" not in pagina


def test_the_tab_has_no_page_of_its_own(app, clienti):
    for url in ("/accessidatipersonaliview/list/", "/accessidatipersonaliview/show/1"):
        assert clienti["cav.crema"].get(url).status_code == 404


def consultazioni_di(app, codice):
    """The rows the tab must list, from the specification: the rows naming her code that read
    her identity, or create, change or delete it; newest first."""
    letture = {"lettura_dati_personali", "ricerca_cf", "scaricamento_allegato"}
    return [r for r in reversed(righe(app))
            if codice in (r["codici"] or "").split()
            and (r["azione"] in letture or (r["tipo_record"] == "DatiPersonali"
                                            and r["azione"] in ("creazione", "modifica", "eliminazione")))]


def righe_della_scheda(tab):
    corpo = tab[tab.index("<tbody"):] if "<tbody" in tab else tab[tab.index("</thead>"):]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", riga)).strip()
            for riga in re.findall(r"<tr[^>]*>(.*?)</tr>", corpo, flags=re.S)]


def test_the_tab_lists_who_read_her_data_and_nothing_about_another_woman(app, clienti, due_donne):
    (bid_a, dp_a, codice_a), (bid_b, _, codice_b) = due_donne
    cav = clienti["cav.crema"]
    for _ in range(2):
        assert cav.get(f"/datipersonaliview/show/{dp_a}").status_code == 200
    cav.get("/datipersonaliview/list/?psize_DatiPersonaliView=100")  # one row naming both

    for bid, codice in ((bid_a, codice_a), (bid_b, codice_b)):
        attese = consultazioni_di(app, codice)  # before her page: the page's own read comes after it
        mostrate = righe_della_scheda(scheda(cav.get(f"/beneficiariaview/show/{bid}").get_data(as_text=True)))
        assert len(mostrate) == len(attese), (codice, mostrate, attese)
        for testo, riga in zip(mostrate, attese):
            assert riga["quando"].strftime("%d/%m/%Y %H:%M:%S") in testo
            assert riga["username"] in testo and "Centro Antiviolenza di Crema" in testo
    mostrate_a = righe_della_scheda(scheda(cav.get(f"/beneficiariaview/show/{bid_a}").get_data(as_text=True)))
    assert sum("Lettura dei dati personali" in t for t in mostrate_a) >= 3
    assert any("Creazione" in t for t in mostrate_a)


# --- the admin's search and the xlsx ----------------------------------------------------------------

def test_admin_searches_by_action_user_ente_and_period(app, clienti):
    admin = clienti["admin"]
    login(app.test_client(), "cav.casalmaggiore")  # a fresh login row to find
    casalmaggiore = ente_di(app, "cav.casalmaggiore")

    pagina = admin.get("/auditview/list/?_flt_3_azione=login_riuscito&_flt_3_username=cav.casalmaggiore"
                       "&psize_AuditView=100").get_data(as_text=True)
    attese = righe(app, "azione = 'login_riuscito' AND username = 'cav.casalmaggiore'")
    mostrate = [int(x) for x in re.findall(r'/auditview/show/(\d+)"', pagina)]
    assert mostrate and sorted(mostrate) == [r["id"] for r in attese][-len(mostrate):]

    pagina = admin.get(f"/auditview/list/?_flt_0_ente={casalmaggiore}&psize_AuditView=100").get_data(as_text=True)
    mostrate = {int(x) for x in re.findall(r'/auditview/show/(\d+)"', pagina)}
    per_ente = {r["id"] for r in righe(app, "ente_id = :e", e=casalmaggiore)}
    assert mostrate and mostrate <= per_ente

    soglia = righe(app, "1 = 1")[-5]["quando"].replace(microsecond=0)
    pagina = admin.get(f"/auditview/list/?_flt_1_quando={soglia:%Y-%m-%d %H:%M:%S}&psize_AuditView=100")
    mostrate = {int(x) for x in re.findall(r'/auditview/show/(\d+)"', pagina.get_data(as_text=True))}
    attese = {r["id"] for r in righe(app, "quando > :q", q=soglia)}
    assert attese and mostrate == attese


def test_admin_downloads_the_filtered_rows_as_xlsx_codes_only_and_the_download_is_audited(app, clienti, pii):
    from openpyxl import load_workbook

    admin = clienti["admin"]
    prima = un_id_di_audit(app)
    r = admin.get("/auditview/scarica?_flt_3_azione=lettura_dati_personali")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    foglio = load_workbook(io.BytesIO(r.data), read_only=True).active
    valori = list(foglio.iter_rows(values_only=True))
    intestazione, dati = valori[0], valori[1:]
    assert intestazione[:7] == ("N.", "Quando (UTC)", "Id utente", "Utente", "Id ente", "Ente", "Azione")
    attese = righe(app, "azione = 'lettura_dati_personali' AND id <= :p", p=prima)
    assert [d[0] for d in dati] == [a["id"] for a in attese]
    assert {d[6] for d in dati} == {"Lettura dei dati personali"}
    assert [d[9] for d in dati] == [a["codici"] for a in attese]
    testo = "\n".join(str(v) for riga in valori for v in riga if v is not None)
    for donna in pii.values():
        for valore in donna["valori"]:
            if len(valore) > 4:
                assert not re.search(rf"(?<!\w){re.escape(valore)}(?!\w)", testo), valore

    scaricamento = righe(app, "id > :p AND azione = 'esportazione'", p=prima)
    assert len(scaricamento) == 1
    assert scaricamento[0]["tipo_record"] == "AuditEvento" and scaricamento[0]["username"] == "admin"
    assert f'"righe": {len(dati)}' in scaricamento[0]["dettaglio"]
