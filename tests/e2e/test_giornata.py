"""The home page as "what to do today" (issue 11, §5), in the browser: the équipe clicks the count
of segnalazioni to evaluate and lands on «Valuta»; the CAV clicks the count of projects to start
and lands on «→ In corso»; the woman's page shows her code and, for her CAV, her name."""
from __future__ import annotations

import os

from .conftest import donna_nuova, progetto_via_api


def _apri_dal_conteggio(page, chiave, codice):
    """Click the count of list `chiave`; on the full list (more than one item), click `codice`."""
    page.click(f"#oggi-{chiave} a.lia-conteggio")
    page.wait_for_load_state()
    if "/oggi/" in page.url:
        page.locator("#oggi-elenco a", has_text=codice).first.click()
        page.wait_for_load_state()


def test_equipe_dal_conteggio_alla_valutazione(app, api_di, pagina_di, server, cartella_schermate):
    bid, codice = donna_nuova(app, api_di("cav.crema"))
    r = api_di("cav.crema").post("/api/v1/segnalazione/", json={"beneficiaria": bid, "data": "2023-01-10",
                                                                "area_richiesta": "lavoro"})
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]

    equipe = pagina_di("equipe.crema")
    equipe.goto(f"{server}/")
    pannello = equipe.locator("#oggi-segnalazioni")
    assert pannello.locator("a.lia-conteggio").inner_text().strip().endswith("Segnalazioni da valutare")
    equipe.screenshot(path=os.path.join(cartella_schermate, "home-equipe.png"), full_page=True)
    _apri_dal_conteggio(equipe, "segnalazioni", codice)
    if not equipe.url.endswith(f"/segnalazioneview/show/{sid}"):  # another test's segnalazione came first
        equipe.goto(f"{server}/oggi/segnalazioni")
        equipe.click(f"#oggi-elenco a[href='/segnalazioneview/show/{sid}']")
        equipe.wait_for_load_state()
    assert equipe.url.endswith(f"/segnalazioneview/show/{sid}")
    assert equipe.locator("#valuta").is_visible()
    equipe.screenshot(path=os.path.join(cartella_schermate, "home-equipe-valuta.png"), full_page=True)


def test_cav_dal_conteggio_all_avvio_e_alla_pagina_della_donna(app, api_di, pagina_di, server,
                                                                  cartella_schermate):
    pid, codice = progetto_via_api(app, api_di, fino_a="validato_capofila")
    progetto = api_di("cav.crema").get(f"/api/v1/progetto/{pid}").get_json()["result"]
    bid = progetto["beneficiaria"]["id"] if isinstance(progetto["beneficiaria"], dict) else progetto["beneficiaria"]
    r = api_di("cav.crema").post("/api/v1/datipersonali/", json={"beneficiaria": bid, "nome": "Nives",
                                                                 "cognome": "Percorsini"})
    assert r.status_code == 201, r.get_json()

    cav = pagina_di("cav.crema")
    cav.goto(f"{server}/")
    riga = cav.locator(f"#oggi-da_avviare li a[href='/progettoview/show/{pid}']")
    assert riga.inner_text().strip() == progetto["codice"]
    assert "Percorsini" not in cav.content()  # the home page never names her
    cav.screenshot(path=os.path.join(cartella_schermate, "home-cav.png"), full_page=True)
    _apri_dal_conteggio(cav, "da_avviare", progetto["codice"])
    if not cav.url.endswith(f"/progettoview/show/{pid}"):
        cav.goto(f"{server}/oggi/da_avviare")
        cav.click(f"#oggi-elenco a[href='/progettoview/show/{pid}']")
        cav.wait_for_load_state()
    avvia = cav.locator("button[data-verso='in_corso']")
    assert avvia.is_enabled()

    # Her page: code and name in the header, her path and her money below.
    cav.goto(f"{server}/beneficiariaview/show/{bid}")
    testata = cav.locator("#testata-beneficiaria")
    assert codice in testata.inner_text() and "Nives Percorsini" in testata.inner_text()
    assert progetto["codice"] in cav.locator("#riepilogo-beneficiaria").inner_text()
    assert cav.locator("#totale-speso").inner_text() == "€ 0,00"
    cav.screenshot(path=os.path.join(cartella_schermate, "beneficiaria-cav.png"), full_page=True)

    # The équipe sees the same page by code only.
    equipe = pagina_di("equipe.crema")
    equipe.goto(f"{server}/beneficiariaview/show/{bid}")
    assert codice in equipe.locator("#testata-beneficiaria").inner_text()
    assert "Percorsini" not in equipe.content()


def test_equipe_dalla_campanella_al_promemoria_e_alla_scelta_dell_email(app, api_di, pagina_di, server,
                                                                         cartella_schermate):
    """Issue 11, §15: the bell in the menu bar counts the reminders and opens them; a reminder
    leads to its record; the daily e-mail is chosen on the same page."""
    bid, codice = donna_nuova(app, api_di("cav.crema"))
    r = api_di("cav.crema").post("/api/v1/segnalazione/", json={"beneficiaria": bid, "data": "2023-01-10",
                                                                "area_richiesta": "lavoro"})
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]

    equipe = pagina_di("equipe.crema")
    with equipe.expect_response(lambda r: "/promemoria/conteggio" in r.url) as conteggio:
        equipe.goto(f"{server}/")
    # The browser says the count is the page's own request, so its answer leaves the cookie alone.
    richiesta = conteggio.value.request.all_headers()
    assert richiesta.get("sec-fetch-mode") == "cors" and richiesta.get("x-requested-with") == "XMLHttpRequest"
    assert "set-cookie" not in conteggio.value.all_headers()
    campanella = equipe.locator("#lia-promemoria[data-caricata='1']")  # its number arrives after the page
    assert int(campanella.locator(".badge").inner_text()) >= 1
    assert campanella.get_attribute("aria-label") == f"Promemoria: {campanella.locator('.badge').inner_text()}"
    campanella.click()
    equipe.wait_for_load_state()
    assert equipe.url.endswith("/promemoria/")
    equipe.screenshot(path=os.path.join(cartella_schermate, "promemoria-equipe.png"), full_page=True)
    equipe.click(f"#promemoria-segnalazioni a[href='/segnalazioneview/show/{sid}']")
    equipe.wait_for_load_state()
    assert equipe.url.endswith(f"/segnalazioneview/show/{sid}") and codice in equipe.content()

    equipe.goto(f"{server}/promemoria/")
    equipe.check("#promemoria-email input[name=promemoria_email]")
    equipe.click("#promemoria-email button[type=submit]")
    equipe.wait_for_load_state()
    assert "Riceverai ogni mattina un'e-mail" in equipe.content()
    assert equipe.is_checked("#promemoria-email input[name=promemoria_email]")
    equipe.uncheck("#promemoria-email input[name=promemoria_email]")
    equipe.click("#promemoria-email button[type=submit]")
    equipe.wait_for_load_state()
    assert "Non riceverai più" in equipe.content()
