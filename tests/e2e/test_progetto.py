"""The path of a woman's project in the browser: segnalazione, valutazione, progetto, and the
state buttons of the project page with their reasons and the history."""
from __future__ import annotations

import re
from datetime import date

from .conftest import (
    donna_nuova, id_da_url, menu, progetto_via_api, salva_e_verifica, scegli, scegli_valore, scrivi_data,
    messaggi,
)


def _passaggi(page):
    """{label: (disabled, [reasons])} of the state buttons of the project page."""
    pannello = page.locator(".panel", has_text="Passaggi di stato").first
    out = {}
    for modulo in pannello.locator("form").all():
        bottone = modulo.locator("button")
        out[bottone.inner_text().strip()] = (bottone.is_disabled(), [m.strip() for m in modulo.locator("li").all_inner_texts()])
    return out


def _premi(page, etichetta):
    page.locator(".panel", has_text="Passaggi di stato").first.locator("button", has_text=etichetta).click()
    page.wait_for_load_state()


def _campo(page, etichetta):
    """The value shown beside a label on a FAB show page."""
    riga = page.locator("table tr", has=page.locator("th, td", has_text=re.compile(f"^{re.escape(etichetta)}$"))).first
    return riga.locator("td").last.inner_text().strip()


def test_segnalazione_valutazione_e_progetto_dai_moduli(app, api_di, pagina_di, server):
    bid, codice = donna_nuova(app, api_di("cav.crema"))

    # The CAV refers her to the équipe, from her page.
    cav = pagina_di("cav.crema")
    cav.goto(f"{server}/beneficiariaview/show/{bid}")
    cav.click("a[href='#SegnalazioneView']")
    cav.click("#SegnalazioneView a[href*='/segnalazioneview/add']")
    cav.wait_for_load_state()
    scrivi_data(cav, "data", "2023-01-10")
    scegli(cav, "area_richiesta", "Lavoro")
    cav.fill("#note", "tirocinio di inclusione")
    salva_e_verifica(cav)
    cav.goto(f"{server}/beneficiariaview/show/{bid}")
    cav.click("a[href='#SegnalazioneView']")
    sid = id_da_url(cav.locator("#SegnalazioneView a[href*='/segnalazioneview/show/']").first.get_attribute("href"))

    # The équipe of her ambito admits her.
    equipe = pagina_di("equipe.crema")
    menu(equipe, "Casi", "Valutazioni")
    equipe.click("a[href*='/valutazioneview/add']")
    equipe.wait_for_load_state()
    assert scegli_valore(equipe, "segnalazione", sid) == f"Segnalazione {codice} del 10/01/2023"
    scegli(equipe, "esito", "Ammessa")
    scegli(equipe, "pronta", "Sì")
    scrivi_data(equipe, "data", "2023-01-20")
    equipe.fill("#motivazione", "requisiti presenti")
    salva_e_verifica(equipe)

    # The CAV writes the project: area lavoro, objectives, dates, € 1.000 on Asse II; no
    # intermediate housing (the box stays unticked, as for most projects).
    menu(cav, "Casi", "Progetti")
    cav.click("a[href*='/progettoview/add']")
    cav.wait_for_load_state()
    scegli_valore(cav, "segnalazione", sid)
    scegli(cav, "area", "Lavoro")
    cav.fill("#obiettivi", "Autonomia lavorativa: tirocinio e corso di formazione")
    scrivi_data(cav, "data_inizio", "2023-02-01")
    scrivi_data(cav, "data_fine", "2024-03-31")
    cav.fill("#budget_asse_ii", "1000")
    assert not cav.is_checked("#soluzione_abitativa_intermedia")
    salva_e_verifica(cav)

    # Her project by its code: the tests before this one may have filled more than a page.
    cav.goto(f"{server}/progettoview/list/?_flt_0_codice=P-{codice}-1")
    riga = cav.locator("table.table-hover > tbody > tr", has_text=f"P-{codice}-1")
    assert "Bozza" in riga.inner_text()
    riga.locator("a[href*='/progettoview/show/']").click()
    cav.wait_for_load_state()
    assert _campo(cav, "Stato") == "Bozza"
    assert _passaggi(cav) == {"→ Proposto": (False, [])}


def test_passaggi_di_stato_con_i_pulsanti_motivi_e_storico(app, api_di, pagina_di, server):
    pid, codice = progetto_via_api(app, api_di, fino_a="bozza", budget_asse_ii=1000)
    url = f"{server}/progettoview/show/{pid}"
    oggi = date.today()

    cav = pagina_di("cav.crema")
    cav.goto(url)
    assert _passaggi(cav) == {"→ Proposto": (False, [])}
    _premi(cav, "→ Proposto")
    assert f"Progetto P-{codice}-1: Proposto." in messaggi(cav, "success")
    passaggi = _passaggi(cav)
    # Refused to the CAV: disabled, with its reason listed.
    assert passaggi["→ Validato dall'équipe"] == (True, ["Solo l'équipe territoriale può validare il progetto"])
    assert passaggi["→ Bozza"][0] is False

    equipe = pagina_di("equipe.crema")
    equipe.goto(url)
    modulo = equipe.locator("form", has=equipe.locator("button", has_text="→ Validato dall'équipe"))
    assert modulo.locator("input[name=data]").input_value() == ""  # left empty: today
    _premi(equipe, "→ Validato dall'équipe")
    assert any("Validato dall'équipe" in a for a in messaggi(equipe, "success")), messaggi(equipe)
    assert _campo(equipe, "Stato") == "Validato dall'équipe"
    assert _campo(equipe, "Validato dall'équipe il") in (oggi.isoformat(), oggi.strftime("%d/%m/%Y"))
    passaggi = _passaggi(equipe)
    assert passaggi["→ Validato dal capofila"] == (True, ["Solo il capofila può validare il progetto dopo l'équipe"])
    disattivo, motivi = passaggi["→ In corso"]
    assert disattivo and "Serve la validazione del capofila perché il progetto usa fondi regionali" in motivi

    capofila = pagina_di("capofila")
    capofila.goto(url)
    _premi(capofila, "→ Validato dal capofila")
    assert any("Validato dal capofila" in a for a in messaggi(capofila, "success")), messaggi(capofila)
    assert _campo(capofila, "Stato") == "Validato dal capofila"
    # The start belongs to the coordinating CAV: refused to the capofila, with the reason.
    assert _passaggi(capofila)["→ In corso"] == (
        True, ["Solo l'ente che coordina la micro-équipe può far avanzare il progetto"])

    capofila.click("a[href='#TransizioneProgettoView']")
    storico = capofila.locator("#TransizioneProgettoView table.table-hover > tbody > tr")
    righe = [[c.strip() for c in r.locator("td").all_inner_texts()][1:] for r in storico.all()]
    assert [(r[1], r[2], r[3]) for r in righe] == [
        ("Bozza", "Proposto", "Operatrice CAV Crema"),
        ("Proposto", "Validato dall'équipe", "Équipe Crema"),
        ("Validato dall'équipe", "Validato dal capofila", "Referente Capofila"),
    ], righe
    # First the date of the decision (dd/mm/yyyy, as entered), the clock of the recording last.
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", r[0]) for r in righe), righe
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", r[-1]) for r in righe), righe

    # Back on the CAV's page the start is now hers to give.
    cav.goto(url)
    assert _passaggi(cav)["→ In corso"] == (False, [])
