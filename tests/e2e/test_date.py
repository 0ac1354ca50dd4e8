"""Dates in the browser (issue 11 §4): an operator types 15/10/2023 and sees 15/10/2023; a
two-digit year is refused in Italian, not rewritten; the Italian picker (Monday first) fills a
date when clicked; the list filter reads gg/mm/aaaa too."""
from __future__ import annotations

import os
import re

from app.views.date_italiane import MESSAGGIO

from .conftest import (aggiungi_filtro, donna_nuova, errori_del_campo, id_da_url, messaggi, salva, salva_e_verifica,
                       scegli)


def _digita(page, campo, testo):
    """Type a date key by key, as she does, and leave the box; what she typed must stay."""
    casella = page.locator(f"#{campo}")
    casella.click()
    casella.press("Control+a")
    casella.press_sequentially(testo)
    casella.press("Tab")
    assert casella.input_value() == testo, f"{campo}: {testo} riscritto in {casella.input_value()}"


def _campo(page, etichetta):
    riga = page.locator("table tr", has=page.locator("th, td", has_text=re.compile(f"^{re.escape(etichetta)}$"))).first
    return riga.locator("td").last.inner_text().strip()


def _calendario(page):
    return page.locator(".datepicker.dropdown-menu:visible")


def test_operatrice_scrive_e_sceglie_le_date_in_italiano(app, api_di, pagina_di, server, cartella_schermate):
    bid, codice = donna_nuova(app, api_di("cav.crema"))
    page = pagina_di("cav.crema")
    errori_js = []
    page.on("pageerror", lambda e: errori_js.append(str(e)))

    # The segnalazione from her page: a two-digit year stays as typed and is refused in Italian.
    page.goto(f"{server}/beneficiariaview/show/{bid}")
    page.click("a[href='#SegnalazioneView']")
    page.click("#SegnalazioneView a[href*='/segnalazioneview/add']")
    page.wait_for_load_state()
    assert page.get_attribute("#data", "placeholder") == "gg/mm/aaaa"
    _digita(page, "data", "15/10/23")
    scegli(page, "area_richiesta", "Lavoro")
    salva(page)
    assert errori_del_campo(page, "data") == [MESSAGGIO]
    assert page.input_value("#data") == "15/10/23"

    # 15/10/2023 typed: the picker follows it (October 2023, Monday first, Italian names) and
    # leaves the text alone.
    page.locator("#data").click()
    page.locator("#data").press("Control+a")
    page.locator("#data").press_sequentially("15/10/2023")
    calendario = _calendario(page)
    assert calendario.locator(".datepicker-days .datepicker-switch").inner_text() == "Ottobre 2023"
    assert calendario.locator(".datepicker-days th.dow").first.inner_text() == "Lu"
    assert calendario.locator(".datepicker-days td.active").inner_text() == "15"
    page.screenshot(path=os.path.join(cartella_schermate, "date-segnalazione-calendario.png"), full_page=True)
    page.locator("#data").press("Tab")
    assert page.input_value("#data") == "15/10/2023"
    salva_e_verifica(page)
    page.goto(f"{server}/beneficiariaview/show/{bid}")
    page.click("a[href='#SegnalazioneView']")
    sid = id_da_url(page.locator("#SegnalazioneView a[href*='/segnalazioneview/show/']").first.get_attribute("href"))
    page.goto(f"{server}/segnalazioneview/show/{sid}")
    assert _campo(page, "Data") == "15/10/2023"
    page.goto(f"{server}/segnalazioneview/edit/{sid}")
    assert page.input_value("#data") == "15/10/2023"

    # Admitted by the équipe, the project: the start typed, the end picked with the picker.
    r = api_di("equipe.crema").post("/api/v1/valutazione/", json={"segnalazione": sid, "esito": "ammessa",
                                                                  "pronta": True, "data": "2023-10-20"})
    assert r.status_code == 201, r.get_json()
    page.goto(f"{server}/beneficiariaview/show/{bid}")
    page.click("a[href='#ProgettoView']")
    page.click("#ProgettoView a[href*='/progettoview/add']")
    page.wait_for_load_state()
    scegli(page, "area", "Lavoro")
    page.fill("#obiettivi", "autonomia lavorativa")
    _digita(page, "data_inizio", "15/10/2023")
    page.locator("#data_fine").locator("xpath=..").locator(".input-group-addon").click()
    calendario = _calendario(page)
    calendario.locator(".datepicker-days .datepicker-switch").click()  # the months of this year
    mesi = calendario.locator(".datepicker-months")
    while mesi.locator(".datepicker-switch").inner_text() != "2024":
        freccia = "prev" if int(mesi.locator(".datepicker-switch").inner_text()) > 2024 else "next"
        mesi.locator(f"th.{freccia}").click()
    mesi.locator("span.month", has_text="Mar").click()
    assert calendario.locator(".datepicker-days .datepicker-switch").inner_text() == "Marzo 2024"
    calendario.locator(".datepicker-days td.day:not(.old):not(.new)", has_text=re.compile(r"^31$")).click()
    assert page.input_value("#data_fine") == "31/03/2024"
    assert not _calendario(page).count()  # closed on the pick
    page.screenshot(path=os.path.join(cartella_schermate, "date-progetto-modulo.png"), full_page=True)
    salva_e_verifica(page)
    assert not messaggi(page, "warning")  # both dates inside the programme period
    page.goto(f"{server}/beneficiariaview/show/{bid}")
    page.click("a[href='#ProgettoView']")
    pid = id_da_url(page.locator("#ProgettoView a[href*='/progettoview/show/']").first.get_attribute("href"))
    page.goto(f"{server}/progettoview/show/{pid}")
    assert _campo(page, "Inizio") == "15/10/2023" and _campo(page, "Fine") == "31/03/2024"
    page.screenshot(path=os.path.join(cartella_schermate, "date-progetto-scheda.png"), full_page=True)
    page.goto(f"{server}/progettoview/edit/{pid}")
    assert page.input_value("#data_inizio") == "15/10/2023" and page.input_value("#data_fine") == "31/03/2024"

    # A date outside the programme: saved, with the warning naming the field and the period.
    _digita(page, "data_fine", "15/04/2024")
    salva_e_verifica(page)
    assert any("«Fine» 15/04/2024 è fuori dal periodo del programma (dal 01/04/2022 al 31/03/2024)" in a
               for a in messaggi(page, "warning")), messaggi(page)
    page.screenshot(path=os.path.join(cartella_schermate, "date-avviso-fuori-periodo.png"), full_page=True)

    # The list filter on the date, typed in Italian.
    page.goto(f"{server}/segnalazioneview/list/")
    aggiungi_filtro(page, "data")
    filtro = page.locator("input.filter_val[name^='_flt_'][name$='_data']")
    filtro.click()
    filtro.press_sequentially("15/10/2023")
    filtro.press("Tab")
    assert filtro.input_value() == "15/10/2023"
    page.screenshot(path=os.path.join(cartella_schermate, "date-filtro-lista.png"), full_page=True)
    page.click("#filter_form button[type=submit]")
    page.wait_for_load_state()
    assert codice in page.locator("table.table-hover > tbody").last.inner_text()

    # The rendicontazione's period: the same picker, the same reading.
    page.goto(f"{server}/rendicontazione/")
    _digita(page, "dal", "01/04/2022")
    page.locator("#al").click()
    assert _calendario(page).locator(".datepicker-days th.dow").first.inner_text() == "Lu"
    page.screenshot(path=os.path.join(cartella_schermate, "date-rendicontazione.png"), full_page=True)
    assert not errori_js, errori_js


def test_registro_filtrato_per_giorno_con_lo_stesso_calendario(pagina_di, server, cartella_schermate):
    from datetime import datetime, timezone

    page = pagina_di("admin")
    errori_js = []
    page.on("pageerror", lambda e: errori_js.append(str(e)))
    page.goto(f"{server}/auditview/list/")
    aggiungi_filtro(page, "quando")  # FAB's own box threw here
    filtro = page.locator("input.filter_val[name$='_quando']")
    filtro.click()
    assert _calendario(page).locator(".datepicker-days th.dow").first.inner_text() == "Lu"
    oggi = datetime.now(timezone.utc).strftime("%d/%m/%Y")  # the register's times are UTC
    filtro.press_sequentially(oggi)
    filtro.press("Tab")
    page.click("#filter_form button[type=submit]")
    page.wait_for_load_state()
    giorni = {t.split()[0] for t in page.locator("table.table-hover > tbody > tr > td:nth-child(3)").all_inner_texts()
              if t.strip()}
    assert giorni == {oggi}, giorni
    page.screenshot(path=os.path.join(cartella_schermate, "date-registro-per-giorno.png"), full_page=True)
    assert not errori_js, errori_js
