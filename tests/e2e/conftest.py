"""Browser journeys: the session app (tests/conftest.py) served by werkzeug on a free loopback
port, driven by Debian's headless Chromium through Playwright's sync API.

Skipped, with the reason, when /usr/bin/chromium (or the playwright package) is missing: CI
installs Debian's `chromium`. Playwright never downloads a browser here.

The helpers act as a user does: select2 boxes are opened and an option clicked, dates are
typed key by key (FAB's bootstrap-datepicker rewrites a value set without key events), and a
form is sent with its "Salva" button; when the browser itself refuses to send it (an HTML
`required` field left empty) the helper fails naming the fields, instead of waiting.
"""
from __future__ import annotations

import os
import re
import threading
import uuid

import pytest

from tests.aiuti_percorso import consenti
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGOMENTI_CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# A step that takes longer is a failure, not something to wait for. Generous: two workers share
# two cores with their browsers and servers; speed is measured by `make bench`, not here.
ATTESA_MS = 30_000


# --- browser and server ------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"percorsi nel browser saltati: {CHROMIUM} non installato (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements.txt
        pytest.skip("percorsi nel browser saltati: il pacchetto playwright non è installato")
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGOMENTI_CHROMIUM)
    except Exception as exc:  # a broken Chromium must say so, not hang
        pw.stop()
        pytest.fail(f"Chromium ({CHROMIUM}) non si avvia: {exc}")
    yield browser
    browser.close()
    pw.stop()


def _statici_in_cache(wsgi):
    """FAB's static files (~20 per page) kept by the browser instead of revalidated on every
    page: the journeys then spend their time on the application's own pages."""
    def _app(environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return wsgi(environ, start_response)

        def _risposta(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "cache-control"]
            return start_response(status, headers + [("Cache-Control", "public, max-age=3600")], exc_info)
        return wsgi(environ, _risposta)
    return _app


@pytest.fixture(autouse=True)
def _richiede_chromium(chromium):
    """Every journey needs the browser: without it they are skipped before the app is built."""


@pytest.fixture(scope="session")
def server(chromium, app):
    """The session app on http://127.0.0.1:<free port>, one thread per request."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class SenzaRegistroAccessi(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # errors are still logged, not each GET
            pass

    srv = make_server("127.0.0.1", 0, _statici_in_cache(app), threaded=True,
                      request_handler=SenzaRegistroAccessi)
    filo = threading.Thread(target=srv.serve_forever, name="lia-e2e-server", daemon=True)
    filo.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    filo.join(timeout=10)
    srv.server_close()


# Every page reports what its Content-Security-Policy blocked (an inline script or handler, a
# style, a resource of another origin) as a console error the journeys collect.
SEGNALA_CSP = """document.addEventListener('securitypolicyviolation', e => console.error(
    'CSP violata: ' + e.effectiveDirective + ' ' + (e.blockedURI || 'inline') + ' in ' + e.documentURI
    + (e.lineNumber ? ':' + e.lineNumber : '') + (e.sample ? ' «' + e.sample + '»' : '')));"""
_MESSAGGI_DI_POLITICA = ("CSP violata", "Content Security Policy", "Permissions-Policy")


@pytest.fixture
def violazioni_csp():
    """What the browser blocked or refused under the response headers, in every context of the
    test; a journey fails on any."""
    return []


@pytest.fixture
def nuovo_contesto(chromium, violazioni_csp):
    """nuovo_contesto() -> a fresh browser context (own cookies); closed after the test, which
    fails if any page of it violated the Content-Security-Policy."""
    aperti = []

    def _annota(messaggio):
        if messaggio.type in ("error", "warning") and any(t in messaggio.text for t in _MESSAGGI_DI_POLITICA):
            violazioni_csp.append(messaggio.text)

    def _apri(**opzioni):
        opzioni.setdefault("viewport", {"width": 1280, "height": 900})
        ctx = chromium.new_context(locale="it-IT", extra_http_headers={"Accept-Language": "it-IT,it;q=0.9"},
                                   **opzioni)
        ctx.set_default_timeout(ATTESA_MS)
        ctx.set_default_navigation_timeout(ATTESA_MS)
        ctx.add_init_script(SEGNALA_CSP)
        ctx.on("console", _annota)
        aperti.append(ctx)
        return ctx

    yield _apri
    for ctx in aperti:
        ctx.close()
    assert not violazioni_csp, "il browser ha bloccato (Content-Security-Policy):\n" + "\n".join(violazioni_csp)


def accedi(page, base, username, password=PASSWORD):
    """Log in through the real login form; returns the page on the home page."""
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[name=login] [type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"accesso di {username} rifiutato: {messaggi(page)}"
    return page


@pytest.fixture(scope="session")
def _accessi_fatti():
    return {}  # username -> the storage state (session cookie) of her first login


@pytest.fixture
def pagina_di(server, nuovo_contesto, _accessi_fatti):
    """pagina_di("cav.crema") -> a page of a new browser context, logged in as that user and
    on the home page. The first time through the login form; then with that session cookie
    (one page load less per context)."""
    def _fa(username):
        stato = _accessi_fatti.get(username)
        if stato is not None:
            page = nuovo_contesto(storage_state=stato).new_page()
            page.goto(f"{server}/")
            if "/login" not in page.url and page.locator("form[action='/logout/']").count():
                return page
        page = accedi(nuovo_contesto().new_page(), server, username)
        _accessi_fatti[username] = page.context.storage_state()
        return page
    return _fa


@pytest.fixture(scope="session")
def cartella_schermate():
    """Where the screenshots go, to be looked at: $LIA_E2E_SCHERMATE, or `schermate/` at the
    repository's root (gitignored), rewritten by every run."""
    scelta = os.environ.get("LIA_E2E_SCHERMATE") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "schermate")
    os.makedirs(scelta, exist_ok=True)
    return scelta


# --- acting on FAB pages -----------------------------------------------------------------

def menu(page, categoria, voce):
    """Open a top-menu category and click one of its items, as a user does."""
    tendina = page.locator(f".navbar li.dropdown:has(> a.dropdown-toggle:text-is('{categoria}'))")
    tendina.locator("> a.dropdown-toggle").click()
    with page.expect_navigation():  # the new page's load, not the old one's
        tendina.locator("ul.dropdown-menu a").filter(has_text=re.compile(rf"^\s*{re.escape(voce)}\s*$")).click()


def aggiungi_filtro(page, nome):
    """Open the list's search panel and add FAB's filter row for `nome`, as a user does; the row.
    The panel opens with a transition: its dropdown is used once the panel is open."""
    page.click("a.accordion-toggle[href='#accordion1_href']")
    page.locator("#accordion1_href.collapse.in").wait_for(state="visible")
    righe = page.locator("#filter_form table.filters tbody tr")
    prima = righe.count()
    page.click("#filter_form button.dropdown-toggle")
    page.click(f"#filter_form ul.dropdown-menu a.filter[name='{nome}']")
    righe.nth(prima).wait_for(state="visible")
    return righe.nth(prima)


def scegli(page, campo, etichetta):
    """Pick the option shown as `etichetta` in the select `campo` (select2 box or plain select)."""
    classi = page.get_attribute(f"#{campo}", "class") or ""
    if "my_select2" not in classi:
        page.select_option(f"#{campo}", label=etichetta)
        return
    page.click(f"#select2-{campo}-container")
    page.locator("li.select2-results__option", has_text=re.compile(f"^{re.escape(etichetta)}$")).first.click()
    assert page.locator(f"#select2-{campo}-container").get_attribute("title") == etichetta


def scegli_valore(page, campo, valore):
    """Pick, in the select2 box `campo`, the option whose value is `valore` (e.g. a record id)."""
    valore = str(valore)
    testo = page.locator(f"#{campo} option[value='{valore}']").text_content()
    assert testo is not None, f"nessuna opzione {valore} in {campo}"
    page.click(f"#select2-{campo}-container")
    page.locator(f"li[id^='select2-{campo}-result-'][id$='-{valore}']").click()
    assert page.input_value(f"#{campo}") == valore
    return testo.strip()


def valore_opzione(page, campo, inizio):
    """The value of the first option of `campo` whose label starts with `inizio`."""
    for opzione in page.locator(f"#{campo} option").all():
        if (opzione.text_content() or "").strip().startswith(inizio):
            return opzione.get_attribute("value")
    raise AssertionError(f"nessuna opzione di {campo} comincia con «{inizio}»")


def scrivi_data(page, campo, iso):
    """Type a date into a FAB date box key by key (the datepicker ignores a pasted-in value)."""
    casella = page.locator(f"#{campo}")
    casella.click()
    casella.press("Control+a")
    casella.press_sequentially(iso)
    casella.press("Tab")
    assert casella.input_value() == iso, f"{campo}: il datepicker ha riscritto {iso} in {casella.input_value()}"


def campi_rifiutati_dal_browser(page):
    """Fields the browser will not send (HTML5 constraint validation), with their labels."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('#model_form :invalid')).map(e => {
        const l = document.querySelector(`label[for="${e.id}"]`);
        return (l ? l.innerText.replace(/\\s+/g, ' ').trim() : e.id) + ' [' + e.type + ']: ' + e.validationMessage;
    })""")


def salva(page):
    """Press "Salva"; fail at once, naming the fields, if the browser refuses to send the form."""
    rifiutati = campi_rifiutati_dal_browser(page)
    assert not rifiutati, f"il browser non invia il modulo, campi obbligatori non compilati: {rifiutati}"
    page.click("#model_form button[type=submit]")
    page.wait_for_load_state()


def messaggi(page, tipo=""):
    sel = f".alert.alert-{tipo}" if tipo else ".alert"
    return [re.sub(r"\s+", " ", t.replace("×", "")).strip() for t in page.locator(sel).all_inner_texts()]


def errori_del_modulo(page):
    """Every error shown on the form: messages at the top and under the fields."""
    return messaggi(page, "danger")


def errori_del_campo(page, campo):
    riga = page.locator("#model_form tr", has=page.locator(f"#{campo}"))
    return [re.sub(r"\s+", " ", t).strip() for t in riga.locator(".alert-danger").all_inner_texts()]


def salva_e_verifica(page):
    """Press "Salva" and require a success message and no error."""
    salva(page)
    errori = errori_del_modulo(page)
    assert not errori, f"salvataggio rifiutato: {errori}"
    assert messaggi(page, "success"), f"nessun messaggio di conferma dopo il salvataggio ({page.url})"


def colonna(page, n):
    """Texts of column n (1 = the action buttons) of the list table of the page."""
    return [t.strip() for t in page.locator(f"table.table-bordered.table-hover > tbody > tr > td:nth-child({n})")
            .all_inner_texts()]


def id_da_url(url):
    trovato = re.search(r"/show/(\d+)", url)
    assert trovato, f"nessun id nell'indirizzo {url}"
    return int(trovato.group(1))


# --- data prepared through the API (fast), for journeys that start later in the path ---------

def ambito_id(app, codice):
    from app import models as m
    from app.extensions import db

    with app.app_context():
        aid = db.session.query(m.Ambito).filter_by(codice=codice).one().id
        db.session.remove()
    return aid


def donna_nuova(app, api_cav, ambito="CM", data="2023-01-02"):
    """A new woman of the calling CAV (no micro-équipe, no history), with the consents her path
    needs (tests.aiuti_percorso.consenti): (id, codice)."""
    r = api_cav.post("/api/v1/beneficiaria/", json={
        "ambito": ambito_id(app, ambito), "data_presa_in_carico": data, "fascia_eta": "30-39",
        "cittadinanza": "italiana", "figli_minori": 1, "relazione_autore": "ex_partner",
        "condizione_occupazionale": "disoccupata"})
    assert r.status_code == 201, r.get_json()
    bid = r.get_json()["id"]
    consenti(api_cav, bid)
    r = api_cav.get(f"/api/v1/beneficiaria/{bid}")
    assert r.status_code == 200, r.get_json()
    return bid, r.get_json()["result"]["codice"]


def progetto_via_api(app, api_di, fino_a="bozza", cav="cav.crema", equipe="equipe.crema", budget_asse_ii=1000,
                     inizio="2022-06-01", fine="2024-03-31"):
    """A fresh woman with an admitted segnalazione and an area-lavoro project, moved up to
    `fino_a` ("bozza" or "validato_capofila", validated in June 2022). Returns (pid, codice)."""
    api_cav = api_di(cav)
    bid, codice = donna_nuova(app, api_cav)
    r = api_cav.post("/api/v1/segnalazione/", json={"beneficiaria": bid, "data": "2022-05-02", "area_richiesta": "lavoro"})
    assert r.status_code == 201, r.get_json()
    segn = r.get_json()["id"]
    r = api_di(equipe).post("/api/v1/valutazione/", json={"segnalazione": segn, "esito": "ammessa", "pronta": True,
                                                          "data": "2022-05-20"})
    assert r.status_code == 201, r.get_json()
    r = api_cav.post("/api/v1/progetto/", json={"segnalazione": segn, "area": "lavoro", "obiettivi": "autonomia",
                                                "data_inizio": inizio, "data_fine": fine,
                                                "budget_asse_ii": budget_asse_ii})
    assert r.status_code == 201, r.get_json()
    pid = r.get_json()["id"]
    if fino_a == "validato_capofila":
        for chi, verso, data in [(cav, "proposto", None), (equipe, "validato_equipe", "2022-06-10"),
                                 ("capofila", "validato_capofila", "2022-06-15")]:
            r = api_di(chi).post(f"/api/v1/progetto/{pid}/transizione",
                                 json={"verso": verso, **({"data": data} if data else {})})
            assert r.status_code == 200, r.get_json()
    return pid, codice


def voce_id(app, codice):
    from app import models as m
    from app.extensions import db

    with app.app_context():
        vid = db.session.query(m.VoceSpesa).filter_by(codice=codice).one().id
        db.session.remove()
    return vid


def spesa_via_api(app, api_cav, pid, importo="100.00", data="2023-01-10", voce="II-ORIENTAMENTO"):
    numero = numero_unico("API")
    r = api_cav.post("/api/v1/spesa/", json={
        "progetto": pid, "voce": voce_id(app, voce), "importo": importo, "data": data, "fornitore": "Ditta Esempio",
        "giustificativo_tipo": "fattura", "giustificativo_numero": numero, "giustificativo_data": data})
    assert r.status_code == 201, r.get_json()
    return numero


def spese_con_giustificativo(app, numero):
    """How many spese carry this giustificativo number (read as the system, not as a user)."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        n = db.session.query(m.Spesa).filter_by(giustificativo_numero=numero).count()
        db.session.remove()
    return n


def numero_unico(prefisso="E2E"):
    return f"{prefisso}-{uuid.uuid4().hex[:10].upper()}"
