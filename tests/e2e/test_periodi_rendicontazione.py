"""Closing a rendicontazione period in the browser: the capofila records July 2023 from
«Contabilità → Periodi di rendicontazione», closes it after the confirmation, and downloads the
stored workbook, whose SHA-256 is the one the period's page shows."""
from __future__ import annotations

import hashlib
import io
import os

import openpyxl

from .conftest import menu, messaggi, salva_e_verifica, scrivi_data


def test_il_capofila_chiude_un_periodo_e_scarica_il_rendiconto_inviato(app, pagina_di, server, cartella_schermate):
    page = pagina_di("capofila")
    try:
        menu(page, "Contabilità", "Periodi di rendicontazione")
        assert "/periodorendicontazioneview/list/" in page.url
        page.goto(f"{server}/periodorendicontazioneview/add")
        scrivi_data(page, "dal", "01/07/2023")
        scrivi_data(page, "al", "31/07/2023")
        page.fill("#descrizione", "Luglio 2023")
        salva_e_verifica(page)
        assert any("01/07/2023–31/07/2023 registrato" in m for m in messaggi(page, "success")), messaggi(page)

        riga = page.locator("table.table-hover > tbody > tr", has_text="Luglio 2023")
        with page.expect_navigation():
            riga.locator("a[href*='/periodorendicontazioneview/show/']").first.click()
        with page.expect_navigation():
            page.locator("[id='btn-action-PeriodoRendicontazioneView.action-chiudi']").click()
        page.wait_for_url("**/periodorendicontazioneview/chiudi/**")
        assert "la chiusura non si può revocare" in page.inner_text("body")
        page.screenshot(path=os.path.join(cartella_schermate, "periodo-chiudi-conferma.png"), full_page=True)
        page.click("#conferma-chiusura-periodo")
        page.wait_for_load_state()
        assert "/periodorendicontazioneview/show/" in page.url
        assert any("Periodo 01/07/2023–31/07/2023 chiuso" in m for m in messaggi(page, "success")), messaggi(page)
        testo = page.inner_text("body")
        # Closed: no button to close, change or delete it again.
        assert page.locator("[id='btn-action-PeriodoRendicontazioneView.action-chiudi']").count() == 0
        page.screenshot(path=os.path.join(cartella_schermate, "periodo-chiuso.png"), full_page=True)

        with page.expect_download() as scaricato:
            page.click("a[href*='/periodorendicontazioneview/rendiconto/']")
        contenuto = open(scaricato.value.path(), "rb").read()
        assert hashlib.sha256(contenuto).hexdigest() in testo
        assert {"Riepilogo", "Spese"} <= set(openpyxl.load_workbook(io.BytesIO(contenuto)).sheetnames)
    finally:
        from sqlalchemy import delete

        from app import models as m
        from app.extensions import db

        with app.app_context():
            db.session.execute(delete(m.PeriodoRendicontazione).where(m.PeriodoRendicontazione.descrizione == "Luglio 2023"))
            db.session.commit()
            db.session.remove()
