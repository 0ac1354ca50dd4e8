"""The dashboard in the browser: the Regione opens it from the menu; a month with one path
activated shows "riservato" in the table and a hatched bar without a number, and what the page
shows cannot be subtracted back to it (the indicator minus the months shown)."""
from __future__ import annotations

import os
from datetime import date

from app.rules.riservatezza import RISERVATO
from tests.aiuti_percorso import progetto_validato
from tests.aiuti_riservatezza import ricava_per_differenza

from .test_schermate import _da_leggere, _problemi


def _mese_senza_percorsi(api):
    mesi = {p["mese"]: p["percorsi"] for p in api.get("/api/v1/cruscotto/").get_json()["result"]["percorsi_per_mese"]}
    for chiave in sorted(mesi, reverse=True):
        anno, mese = map(int, chiave.split("-"))
        if mesi[chiave] == 0 and date(anno, mese, 1) < date.today():
            return chiave
    raise AssertionError("nessun mese senza percorsi nel periodo del programma")


def test_cruscotto_mostra_riservato_e_non_si_ricava(app, api_di, pagina_di, cartella_schermate):
    chiave = _mese_senza_percorsi(api_di("regione"))
    progetto_validato(api_di, data_equipe=f"{chiave}-05", data_capofila=f"{chiave}-10")

    page = pagina_di("regione")
    page.click(".navbar a[href='/cruscotto/']")
    page.wait_for_load_state()
    assert page.url.endswith("/cruscotto/")
    schermata = os.path.join(cartella_schermate, "cruscotto.png")
    page.screenshot(path=schermata, full_page=True)
    assert os.path.getsize(schermata) > 10_000

    righe = page.locator("tr.lia-riga-mese")
    mesi = {righe.nth(i).get_attribute("data-mese"): righe.nth(i).locator("td").nth(1).inner_text().strip()
            for i in range(righe.count())}
    assert mesi[chiave] == RISERVATO
    tratteggiate = page.locator("g.lia-mese:has(rect[fill='url(#lia-tratteggio)'])")
    assert {tratteggiate.nth(i).get_attribute("data-mese") for i in range(tratteggiate.count())} == {
        m for m, v in mesi.items() if v == RISERVATO}
    assert page.locator("g.lia-mese:has(rect[fill='url(#lia-tratteggio)']) text[text-anchor='middle']").count() == 0
    assert page.get_by_text("Barre tratteggiate: valore riservato").is_visible()

    totale = page.locator("#indicatore-percorsi_attivati td.text-right").first.inner_text().strip()
    assert not ricava_per_differenza(totale, mesi), (totale, mesi)
    assert "sono mostrati come «riservato»" in page.locator("#nota-riservatezza").inner_text()
    problemi = _problemi("cruscotto", _da_leggere(page))
    assert not problemi, f"schermata in {schermata}:\n" + "\n".join(problemi)
