"""A project printed from the browser (issue 11 §14): the PDF Chromium makes of the page, read
back, carries the record and its signature block, and none of the screen's controls."""
from __future__ import annotations

import io
import os

from pypdf import PdfReader

from .conftest import progetto_via_api


def test_il_progetto_stampato_in_pdf(app, api_di, pagina_di, server, cartella_schermate):
    pid, codice = progetto_via_api(app, api_di, fino_a="validato_capofila")
    page = pagina_di("cav.crema")
    page.goto(f"{server}/progettoview/show/{pid}")
    page.click("#stampa-progetto")  # from the project's page
    page.wait_for_load_state()
    assert page.url.endswith(f"/stampa/progetto/{pid}")
    assert page.locator("button[data-lia-stampa]").is_visible()  # on screen, the button is there
    page.emulate_media(media="print")
    assert not page.locator("button[data-lia-stampa]").is_visible()  # on paper it is not
    page.screenshot(path=os.path.join(cartella_schermate, "stampa-progetto.png"), full_page=True)
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    testo = "\n".join(p.extract_text() for p in pdf.pages)
    for atteso in (f"P-{codice}-1", codice, "Validazioni e passaggi di stato", "Validato dal capofila",
                   "Firme", "La beneficiaria", "documento riservato"):
        assert atteso in testo, (atteso, testo[:500])
    for controllo in ("Torna alla scheda", "Casi", "Contabilità", "Esci"):
        assert controllo not in testo, controllo
