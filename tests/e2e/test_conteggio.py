"""A list past LIA_CONTEGGIO_MASSIMO reads «oltre N», pages up to there, and a filter brings back
the exact number (issue 14)."""
from __future__ import annotations

import os
import re

from .conftest import menu


def test_il_capofila_legge_oltre_e_con_un_filtro_il_numero_esatto(pagina_di, server, app, cartella_schermate):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        donne = db.session.query(m.Beneficiaria).count()  # the capofila sees every one
        db.session.remove()
    assert donne > 26, "la rete demo ha meno di 27 donne: il test non proverebbe nulla"
    prima = app.config["LIA_CONTEGGIO_MASSIMO"]
    app.config["LIA_CONTEGGIO_MASSIMO"] = donne - 2
    try:
        page = pagina_di("capofila")
        menu(page, "Casi", "Beneficiarie")
        assert "/beneficiariaview/list" in page.url
        conteggio = page.locator("text=Numero di record").locator("xpath=..")
        assert re.search(rf"Numero di record:\s*oltre {donne - 2}$", conteggio.inner_text().strip()), \
            conteggio.inner_text()
        assert "__None" not in page.content()
        assert page.locator("table tbody").last.locator("tr").count() == 25  # the page itself is whole
        assert page.locator("ul.pagination a[href*='page_BeneficiariaView=1']").count()  # and the next one
        page.screenshot(path=os.path.join(cartella_schermate, "elenco-oltre-capofila.png"), full_page=True)

        # One woman by her code: the exact number again.
        codice = re.search(r"\b[A-Z]{2}-\d{4}-\d{4}\b", page.locator("table tbody").last.inner_text()).group(0)
        page.goto(f"{server}/beneficiariaview/list/?_flt_0_codice={codice}")
        conteggio = page.locator("text=Numero di record").locator("xpath=..")
        assert re.search(r"Numero di record:\s*1$", conteggio.inner_text().strip()), conteggio.inner_text()
    finally:
        app.config["LIA_CONTEGGIO_MASSIMO"] = prima
