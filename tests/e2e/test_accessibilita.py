"""Accessibility (issue 11 §13), checked by axe-core in the browser on the key pages of every
role: no serious or critical violation; and what axe cannot judge alone: the page's language,
one h1, a skip link that the keyboard reaches first and that moves to the content, a visible
focus ring."""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from .conftest import progetto_via_api, spesa_via_api

GRAVI = {"serious", "critical"}


def _pagine(pid, bid, sid):
    return {
        "cav.crema": ["/", "/beneficiariaview/list/", f"/beneficiariaview/show/{bid}", "/segnalazioneview/add",
                      f"/progettoview/show/{pid}", "/spesaview/list/", "/spesaview/add", f"/spesaview/show/{sid}",
                      "/da-fare/", "/registra-donna/"],
        "equipe.crema": ["/", "/promemoria/", "/segnalazioneview/list/", "/valutazioneview/add", f"/progettoview/show/{pid}"],
        "capofila": ["/", "/progettoview/list/", "/laboratorioview/list/", "/rendicontazione/", "/relazione-finale/"],
        "regione": ["/", "/cruscotto/", "/statistiche/"],
        "servizi.cpi": ["/", "/progettoview/list/"],
        "admin": ["/", "/users/list/", "/auditview/list/"],
    }


def _gravi(axe, page):
    risultato = axe.run(page)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in risultato.response["violations"] if v["impact"] in GRAVI]


def test_pagine_chiave_di_ogni_ruolo_senza_violazioni_gravi(app, api_di, pagina_di, server):
    pid, _ = progetto_via_api(app, api_di, fino_a="validato_capofila")
    numero = spesa_via_api(app, api_di("cav.crema"), pid)
    spese = api_di("cav.crema").get("/api/v1/spesa/?q=(page_size:100,order_column:id,order_direction:desc)").get_json()
    sid = next(r["id"] for r in spese["result"] if r.get("giustificativo_numero") == numero)
    bid = api_di("cav.crema").get(f"/api/v1/progetto/{pid}").get_json()["result"]["beneficiaria"]["id"]
    axe = Axe()
    problemi, aperte = [], 0
    for username, percorsi in _pagine(pid, bid, sid).items():
        page = pagina_di(username)
        for percorso in percorsi:
            risposta = page.goto(server + percorso)
            assert risposta.status == 200, f"{username}: {percorso} -> {risposta.status}"
            aperte += 1
            assert page.locator("html").get_attribute("lang") == "it", f"{username}: {percorso} senza lang"
            assert page.locator("h1").count() == 1, f"{username}: {percorso}: {page.locator('h1').count()} h1"
            problemi += [f"{username} {percorso}: {v}" for v in _gravi(axe, page)]
    assert aperte == sum(len(p) for p in _pagine(pid, bid, sid).values())
    assert not problemi, "violazioni gravi o critiche di accessibilità:\n" + "\n".join(problemi)


def test_da_tastiera_il_primo_tasto_porta_al_contenuto_con_il_fuoco_visibile(pagina_di, server):
    page = pagina_di("cav.crema")
    page.goto(server + "/beneficiariaview/list/")
    page.keyboard.press("Tab")
    salta = page.locator("a.lia-salta")
    assert salta.evaluate("e => e === document.activeElement")
    assert salta.is_visible() and salta.bounding_box()["x"] >= 0  # shown on focus, not off-screen
    contorno = salta.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert contorno.startswith("solid") and not contorno.endswith(" 0px"), contorno
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenuto"
    # The next Tab stays in the content: the navbar is skipped.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('#contenuto')")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
