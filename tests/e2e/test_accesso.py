"""Login in Italian, and every page the menu offers opens for the role that sees it."""
from __future__ import annotations

import re

from tests.conftest import PASSWORD
from .conftest import (
    accedi, colonna, menu, messaggi, progetto_via_api, salva_e_verifica, scegli, scrivi_data, spesa_via_api,
)


def test_login_in_italiano_errore_in_italiano_e_home_con_il_proprio_ente(server, nuovo_contesto):
    page = nuovo_contesto().new_page()
    page.goto(f"{server}/login/")
    assert page.locator(".panel-title").inner_text().strip() == "Accedi"
    assert page.locator("form[name=login] [type=submit]").get_attribute("value") == "Accedi"
    assert "Nome utente" in page.locator("form[name=login]").inner_text()

    page.fill("#username", "cav.crema")
    page.fill("#password", "password-sbagliata")
    page.click("form[name=login] [type=submit]")
    page.wait_for_load_state()
    assert "/login" in page.url
    avvisi = messaggi(page)
    assert any("Credenziali non valide o accesso temporaneamente bloccato" in a for a in avvisi), avvisi
    assert "Invalid" not in page.inner_text("body")

    accedi(page, server, "cav.crema")
    assert page.url.rstrip("/") == server
    corpo = page.inner_text("body")
    assert "Buon lavoro" in corpo
    assert "Centro Antiviolenza di Crema" in corpo
    assert "Operatrice CAV Crema" in page.locator(".navbar").inner_text()


def _accedi_senza_pagine(ctx, base, username):
    """The real login form, posted by the context's HTTP client (no page rendered): the
    crawl below needs only the session cookie."""
    html = ctx.request.get(f"{base}/login/").text()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    r = ctx.request.post(f"{base}/login/", form={"username": username, "password": PASSWORD, "csrf_token": token})
    assert r.ok and "/login" not in r.url, f"accesso di {username} rifiutato"
    return r.text()


def _voci_di_menu(home):
    """Every internal link of the navbar of the home page (menu items, the user's profile)."""
    navbar = home[home.index("navbar"):home.index("</header>")] if "</header>" in home else home
    hrefs = re.findall(r"""href=["']?(/[^"'\s>]*)""", navbar)
    return sorted({h for h in hrefs if h != "/" and not h.startswith(("/lang/", "/logout", "/static/"))})


def test_ogni_voce_di_menu_e_ogni_ordinamento_si_aprono(app, api_di, server, nuovo_contesto):
    """What the menu offers a role must open for her (no 403), and no column header that
    offers to sort a list may break it (no 500). The user's own profile is in the menu too.
    A validated project with a spesa first, so that the lists have rows (and headers)."""
    pid, _ = progetto_via_api(app, api_di, fino_a="validato_capofila")
    spesa_via_api(app, api_di("cav.crema"), pid)
    problemi = []
    for username in ["admin", "capofila", "cav.crema", "equipe.crema", "servizi.cpi", "regione"]:
        ctx = nuovo_contesto()
        voci = _voci_di_menu(_accedi_senza_pagine(ctx, server, username))
        assert voci, f"{username}: menu vuoto"
        for voce in voci:
            r = ctx.request.get(server + voce)
            if r.status >= 400:
                problemi.append(f"{username}: {voce} -> {r.status}")
                continue
            for ordina in sorted(set(re.findall(r"""href=["']?([^"'\s>]*_oc_[^"'\s>]*)""", r.text()))):
                ordina = ordina.replace("&amp;", "&")
                url = server + ordina if ordina.startswith("/") else server + voce.split("?")[0] + ordina
                r2 = ctx.request.get(url)
                if r2.status >= 500:
                    problemi.append(f"{username}: {ordina} -> {r2.status}")
    assert not problemi, "pagine offerte dal menu che non si aprono:\n" + "\n".join(problemi)


def test_dopo_il_salvataggio_si_torna_all_elenco_da_cui_si_era_partiti(pagina_di):
    page = pagina_di("cav.crema")
    menu(page, "Casi", "Beneficiarie")
    elenco = page.url
    page.click("a[href*='/beneficiariaview/add']")
    page.wait_for_load_state()
    scegli(page, "ambito", "Crema")
    scrivi_data(page, "data_presa_in_carico", "2023-03-01")
    scegli(page, "fascia_eta", "40–49 anni")  # the profile starts empty: no answer is assumed
    scegli(page, "cittadinanza", "Paese extra UE")
    scegli(page, "relazione_autore", "Ex partner")
    scegli(page, "condizione_occupazionale", "Occupata con lavoro precario")
    salva_e_verifica(page)
    assert page.url == elenco, f"dopo «Salva» si arriva a {page.url}, non all'elenco {elenco}"
    assert any(c.startswith("CM-2023-") for c in colonna(page, 2))
