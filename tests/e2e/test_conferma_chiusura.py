"""Closing a project asks first (issue 11, §7): "→ Concluso" and "→ Interrotto" open a browser
confirmation; cancelling leaves the state as it was; the reason box belongs to "→ Interrotto"
and has a label."""
from __future__ import annotations

import os
import re

from .conftest import messaggi, progetto_via_api


def _pannello(page):
    return page.locator(".panel", has_text="Passaggi di stato").first


def _stato(page):
    riga = page.locator("table tr", has=page.locator("th", has_text=re.compile(r"^Stato$"))).first
    return riga.locator("td").last.inner_text().strip()


def _premi_e_rispondi(page, etichetta, accetta: bool) -> list[str]:
    domande = []

    def rispondi(dialogo):
        domande.append(dialogo.message)
        dialogo.accept() if accetta else dialogo.dismiss()

    page.once("dialog", rispondi)
    _pannello(page).locator("button", has_text=etichetta).click()
    page.wait_for_load_state()
    return domande


def test_chiudere_un_progetto_chiede_conferma(app, api_di, pagina_di, server, cartella_schermate):
    pid, codice = progetto_via_api(app, api_di, fino_a="validato_capofila")
    cav = pagina_di("cav.crema")
    cav.goto(f"{server}/progettoview/show/{pid}")
    _pannello(cav).locator("button", has_text="→ In corso").click()
    cav.wait_for_load_state()
    assert _stato(cav) == "In corso", messaggi(cav)

    # The reason box sits in the form of "→ Interrotto", with its own label.
    modulo = _pannello(cav).locator("form", has=cav.locator("button", has_text="→ Interrotto"))
    assert modulo.get_by_label(re.compile("Motivo dell'interruzione")).count() == 1
    assert _pannello(cav).locator("form", has=cav.locator("button", has_text="→ Concluso")) \
        .locator("input[name=nota]").count() == 0
    modulo.get_by_label(re.compile("Motivo dell'interruzione")).fill("La donna si è trasferita")
    cav.screenshot(path=os.path.join(cartella_schermate, "progetto-chiusura-conferma.png"), full_page=True)

    for etichetta in ("→ Interrotto", "→ Concluso"):
        domande = _premi_e_rispondi(cav, etichetta, accetta=False)
        assert domande and f"P-{codice}-1" in domande[0] and etichetta[2:] in domande[0], domande
        assert _stato(cav) == "In corso"
        cav.reload()  # nothing was sent: the stored state is unchanged
        assert _stato(cav) == "In corso"
        modulo.get_by_label(re.compile("Motivo dell'interruzione")).fill("La donna si è trasferita")

    domande = _premi_e_rispondi(cav, "→ Concluso", accetta=True)
    assert domande
    assert _stato(cav) == "Concluso", messaggi(cav)
    cav.screenshot(path=os.path.join(cartella_schermate, "progetto-concluso.png"), full_page=True)
