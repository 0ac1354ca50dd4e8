"""The two-person rule in the browser: the Amministratore creates an Operatrice CAV, who cannot
log in until a Responsabile of that CAV confirms; then she works on that CAV's women."""
from __future__ import annotations

import os
import re
import uuid

from .conftest import accedi, colonna, menu, messaggi, salva, scegli
from .test_schermate import _da_leggere, _problemi

FORTE = "lampone-bussola-ottobre-17"


def scegli_molti(page, campo, etichetta):
    """Add the option `etichetta` to the multiple select2 box `campo`."""
    page.click(f"#{campo} + .select2 .select2-selection")
    page.locator("li.select2-results__option", has_text=re.compile(f"^{re.escape(etichetta)}$")).first.click()
    page.keyboard.press("Escape")


def test_nuova_operatrice_cav_attende_la_conferma_della_responsabile_di_quel_cav(
        server, pagina_di, nuovo_contesto, cartella_schermate):
    username = f"operatrice.{uuid.uuid4().hex[:6]}"
    page = pagina_di("admin")
    menu(page, "Sicurezza", "Utenti")
    page.click("a[href*='/users/add']")
    page.wait_for_load_state()
    page.fill("#first_name", "Giulia")
    page.fill("#last_name", "Nuova")
    page.fill("#username", username)
    page.fill("#email", f"{username}@esempio.invalid")
    scegli(page, "ente", "Centro Antiviolenza di Crema")
    scegli_molti(page, "roles", "Operatrice CAV")
    if not page.is_checked("#active"):
        page.check("#active")
    page.fill("#password", "corta-99")
    page.fill("#conf_password", "corta-99")
    salva(page)
    assert "almeno 12 caratteri" in page.inner_text("body")  # the policy, in Italian, on the form
    page.fill("#password", FORTE)
    page.fill("#conf_password", FORTE)
    salva(page)
    avvisi = " ".join(messaggi(page))
    assert "Record aggiunto" in avvisi
    assert f"Ruoli ed ente di {username} restano quelli di prima" in avvisi
    assert "Centro Antiviolenza di Crema" in avvisi
    page.screenshot(path=os.path.join(cartella_schermate, "utente-in-attesa.png"), full_page=True)

    # Until confirmed she cannot log in.
    lei = nuovo_contesto().new_page()
    lei.goto(f"{server}/login/")
    lei.fill("#username", username)
    lei.fill("#password", FORTE)
    lei.click("form[name=login] [type=submit]")
    lei.wait_for_load_state()
    assert "/login" in lei.url

    resp = pagina_di("resp.crema")
    menu(resp, "Abilitazioni", "Abilitazioni da confermare")
    assert username in colonna(resp, 3), colonna(resp, 3)
    elenco = os.path.join(cartella_schermate, "abilitazioni-da-confermare.png")
    resp.screenshot(path=elenco, full_page=True)
    problemi = _problemi("abilitazioni da confermare", _da_leggere(resp))
    riga = resp.locator("table.table-hover > tbody > tr", has_text=username)
    riga.locator("a[href*='/show/']").first.click()
    resp.wait_for_load_state()
    testo = _da_leggere(resp)
    for etichetta in ("Decisione", "Operatrice CAV", "In attesa di conferma", "Richiesta da", "Amministratrice Sistema"):
        assert etichetta in testo, etichetta
    problemi += _problemi("abilitazione da confermare", testo)
    resp.screenshot(path=os.path.join(cartella_schermate, "abilitazione-da-confermare.png"), full_page=True)
    resp.click("#conferma-abilitazione")
    resp.wait_for_load_state()
    assert f"Abilitazione di {username} confermata." in " ".join(messaggi(resp, "success"))

    menu(resp, "Abilitazioni", "Storico abilitazioni")
    storico = resp.locator("table.table-hover > tbody > tr", has_text=username)
    assert "Confermata" in storico.inner_text() and "Responsabile CAV Crema" in storico.inner_text()
    problemi += _problemi("storico abilitazioni", _da_leggere(resp))
    resp.screenshot(path=os.path.join(cartella_schermate, "storico-abilitazioni.png"), full_page=True)

    # Now she logs in and works on CAV Crema's women, identities included.
    lei = accedi(nuovo_contesto().new_page(), server, username, FORTE)
    menu(lei, "Casi", "Dati personali")
    codici = [c for c in colonna(lei, 2) if c]
    assert codici and all(c.startswith("CM-") for c in codici), codici
    lei.screenshot(path=os.path.join(cartella_schermate, "nuova-operatrice-dati-personali.png"), full_page=True)
    assert not problemi, f"schermate in {cartella_schermate}:\n" + "\n".join(problemi)


def test_l_amministratore_reimposta_una_password_dalla_pagina_dell_utente(pagina_di, cartella_schermate):
    page = pagina_di("admin")
    menu(page, "Sicurezza", "Utenti")
    riga = page.locator("table.table-hover > tbody > tr", has_text="servizi.cpi")
    with page.expect_navigation():
        riga.locator("a[href*='/show/']").first.click()
    # The button (href="#") posts FAB's action through the page's script: the "#" is a navigation
    # too, so wait for the form the action opens, not for the first navigation.
    page.click("text=Reimposta la password")
    page.wait_for_selector("#password")
    assert "Reimposta la password di servizi.cpi" in page.inner_text("body")
    page.fill("#password", "servizi.cpi-2024")
    page.fill("#conf_password", "servizi.cpi-2024")
    page.click("form:has(#password) [type=submit]")
    page.wait_for_load_state()
    assert "non deve contenere il nome utente" in page.inner_text("body")
    page.screenshot(path=os.path.join(cartella_schermate, "reimposta-password.png"), full_page=True)
    problemi = _problemi("reimposta password", _da_leggere(page))
    assert not problemi, "\n".join(problemi)
