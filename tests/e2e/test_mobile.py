"""A phone, 390 px wide (issue 11 §12): the key pages of the CAV and of the équipe fit the
screen (a long table scrolls inside itself, never the page), the column that names the record
is on screen, and every control a finger must hit is at least 44 px high and inside the screen (a form's label goes above its field)."""
from __future__ import annotations

import os
import re

from .conftest import accedi, progetto_via_api

TELEFONO = {"width": 390, "height": 844}

# Checkboxes and radios are hit through their label; a select2's <select> is hidden behind its
# box, which is measured instead; links inside a sentence are exempt (WCAG 2.5.5).
BERSAGLI_PICCOLI = """() => {
  const piccoli = [];
  const bersagli = 'button, .btn, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), ' +
                   'select:not(.select2-hidden-accessible), textarea, .select2-selection, .pagination a';
  for (const e of document.querySelectorAll(bersagli)) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden') continue;
    if (r.height < 44) piccoli.push(`${e.tagName.toLowerCase()}.${e.className} (${Math.round(r.height)} px)`);
    if (r.right > window.innerWidth + 1 && !e.closest('.table-responsive table.table-hover'))
      piccoli.push(`${e.tagName.toLowerCase()}.${e.className} esce dallo schermo (fino a ${Math.round(r.right)} px)`);
  }
  return piccoli;
}"""


def test_le_pagine_chiave_stanno_nel_telefono(app, api_di, server, nuovo_contesto, cartella_schermate):
    pid, codice = progetto_via_api(app, api_di, fino_a="validato_capofila")
    bid = api_di("cav.crema").get(f"/api/v1/progetto/{pid}").get_json()["result"]["beneficiaria"]["id"]
    pagine = {"cav.crema": ["/", "/beneficiariaview/list/", f"/beneficiariaview/show/{bid}", "/segnalazioneview/add",
                            f"/progettoview/show/{pid}", "/spesaview/list/", "/spesaview/add"],
              "equipe.crema": ["/", "/segnalazioneview/list/", "/valutazioneview/add"]}
    problemi = []
    for username, percorsi in pagine.items():
        page = nuovo_contesto(viewport=TELEFONO, has_touch=True, is_mobile=True).new_page()
        accedi(page, server, username)
        for percorso in percorsi:
            assert page.goto(server + percorso).status == 200, percorso
            larghezza = page.evaluate("document.documentElement.scrollWidth")
            if larghezza > TELEFONO["width"]:
                problemi.append(f"{username} {percorso}: la pagina è larga {larghezza} px")
            problemi += [f"{username} {percorso}: {b}" for b in page.evaluate(BERSAGLI_PICCOLI)]
            pagina = re.sub(r"/\d+$", "", percorso.rstrip("/")).replace("/", "-") or "-home"
            nome = f"telefono-{username}{pagina}.png"  # no record id: the next run overwrites it
            page.screenshot(path=os.path.join(cartella_schermate, nome))
        if username == "cav.crema":  # the list's first column, the code, is on screen
            page.goto(server + "/beneficiariaview/list/?psize_BeneficiariaView=100")
            cella = page.locator("table.table-hover > tbody > tr td", has_text=codice).first
            riquadro = cella.bounding_box()
            assert riquadro and riquadro["x"] + riquadro["width"] <= TELEFONO["width"], riquadro
    assert not problemi, "sul telefono:\n" + "\n".join(problemi)
