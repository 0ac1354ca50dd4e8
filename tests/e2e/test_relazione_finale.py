"""The relazione finale in the browser: the capofila opens it from «Contabilità», writes the
introduction, saves, and downloads the Word document that carries her text."""
from __future__ import annotations

import io
import os
import uuid

import docx

from .test_schermate import _da_leggere, _problemi


def test_il_capofila_scrive_e_scarica_la_relazione(pagina_di, cartella_schermate):
    page = pagina_di("capofila")
    page.click(".navbar a.dropdown-toggle:has-text('Contabilità')")
    with page.expect_navigation():
        page.click(".navbar a[href='/relazione-finale/']")
    assert page.url.endswith("/relazione-finale/")
    # The bell's count arrives by its own request: its answer carries the session cookie too, and
    # landing after the save's it would overwrite the cookie that holds the save's message.
    page.wait_for_load_state("networkidle")
    testo = f"Nel periodo la rete ha accompagnato le donne verso l'autonomia ({uuid.uuid4().hex[:6]})."
    page.fill("#testo_introduzione", testo)
    # The save answers with a redirect to the same address: wait for that page, not the one before.
    with page.expect_navigation():
        page.click("#form-relazione button[type=submit]")
    assert "Relazione finale salvata: 1 sezione modificata." in page.locator(".alert").first.inner_text()
    assert page.input_value("#testo_introduzione") == testo
    schermata = os.path.join(cartella_schermate, "relazione-finale.png")
    page.screenshot(path=schermata, full_page=True)
    problemi = _problemi("relazione finale", _da_leggere(page))
    assert not problemi, f"schermata in {schermata}:\n" + "\n".join(problemi)

    with page.expect_download() as scaricato:
        page.click("#scarica-relazione")
    documento = docx.Document(io.BytesIO(open(scaricato.value.path(), "rb").read()))
    paragrafi = [p.text for p in documento.paragraphs]
    assert testo in paragrafi and paragrafi[0].startswith("Relazione finale — ")
