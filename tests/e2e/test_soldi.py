"""The operator's money on the page where she works (issue 11, §6): she opens a project, reads
spent and residual per ceiling, starts a spesa from there, sees the residual in the form before
saving, and reads a confirmation naming the amount and the project."""
from __future__ import annotations

import os
import re

from .conftest import (
    menu, messaggi, numero_unico, progetto_via_api, salva_e_verifica, scegli, scegli_valore, scrivi_data,
    spesa_via_api, valore_opzione,
)


def _testo(locator):
    return re.sub(r"\s+", " ", locator.inner_text()).strip()


def test_operatrice_vede_speso_e_residuo_e_registra_una_spesa(app, api_di, pagina_di, server, cartella_schermate):
    pid, codice = progetto_via_api(app, api_di, fino_a="validato_capofila", budget_asse_ii=3000)
    spesa_via_api(app, api_di("cav.crema"), pid, importo="1000.00", voce="II-ORIENTAMENTO")
    page = pagina_di("cav.crema")

    # She opens the project from the menu's list.
    menu(page, "Casi", "Progetti")
    page.goto(f"{server}/progettoview/show/{pid}")
    riga = page.locator("#massimali-progetto tr[data-massimale='autonomia']")
    assert re.search(r"Budget di autonomia II € 1\.000,00 € 3\.000,00 € 2\.000,00 33%", _testo(riga)), _testo(riga)
    spese = page.locator("#spese-progetto tbody tr")
    assert spese.count() == 1 and "€ 1.000,00" in _testo(spese.first) and "Ammissibile" in _testo(spese.first)
    page.locator("#soldi-progetto").screenshot(path=os.path.join(cartella_schermate, "soldi-1-progetto.png"))

    # «Nuova spesa» from the project: the form is on this project, its residual shown at once.
    page.click("#soldi-progetto a[href*='/spesaview/add']")
    page.wait_for_load_state()
    assert page.input_value("#progetto") == str(pid)
    riquadro = page.locator("#residuo-progetto")
    riquadro.wait_for(state="visible")
    assert "speso ammissibile € 1.000,00" in _testo(riquadro)
    assert "Budget di autonomia: speso € 1.000,00 su € 3.000,00, residuo € 2.000,00" in _testo(riquadro)
    assert "Massimale della voce scelta" not in _testo(riquadro)

    # Choosing the voce says which ceiling it draws on.
    scegli_valore(page, "voce", valore_opzione(page, "voce", "II-FORMAZIONE "))
    # A locator, not wait_for_function: a string predicate is an eval, which the CSP blocks.
    page.locator("#residuo-progetto", has_text="voce scelta").wait_for()
    assert ("Massimale della voce scelta — Budget di autonomia: speso € 1.000,00 su € 3.000,00, residuo € 2.000,00"
            in _testo(riquadro))
    assert "CM-" in _testo(riquadro) and codice in _testo(riquadro)  # by code only
    page.fill("#importo", "250,00")
    scrivi_data(page, "data", "2023-02-01")
    page.fill("#fornitore", "Ente di formazione Esempio")
    scegli(page, "giustificativo_tipo", "Fattura")
    numero = numero_unico("SOLDI")
    page.fill("#giustificativo_numero", numero)
    scrivi_data(page, "giustificativo_data", "2023-02-01")
    page.screenshot(path=os.path.join(cartella_schermate, "soldi-2-modulo-spesa.png"), full_page=True)

    salva_e_verifica(page)
    conferma = messaggi(page, "success")
    assert any(re.fullmatch(rf"Spesa registrata: € 250,00 su P-{re.escape(codice)}-\d+", m) for m in conferma), conferma
    page.screenshot(path=os.path.join(cartella_schermate, "soldi-3-conferma.png"), full_page=True)

    # Back on the project: the new spesa, and the residual it left.
    page.goto(f"{server}/progettoview/show/{pid}")
    assert "€ 1.750,00" in _testo(page.locator("#massimali-progetto tr[data-massimale='autonomia']"))
    assert page.locator("#spese-progetto tbody tr").count() == 2


def test_il_file_resta_dopo_un_rifiuto(app, api_di, pagina_di, server, cartella_schermate, tmp_path):
    pid, _ = progetto_via_api(app, api_di, fino_a="validato_capofila", budget_asse_ii=3000)
    file = tmp_path / "ricevuta mensa.pdf"
    file.write_bytes(b"%PDF-1.4 ricevuta " + b"x" * 200)
    page = pagina_di("cav.crema")
    page.goto(f"{server}/spesaview/add?progetto={pid}")
    scegli_valore(page, "voce", valore_opzione(page, "voce", "III-PASTI "))
    page.fill("#importo", "12,5x")  # a slip: refused
    scrivi_data(page, "data", "2023-02-01")
    numero = numero_unico("FILE")
    page.fill("#giustificativo_numero", numero)
    page.set_input_files("#file_giustificativo", str(file))
    page.click("#model_form button[type=submit]")
    page.wait_for_load_state()
    assert "/spesaview/add" in page.url and messaggi(page, "danger")
    riga = page.locator("#model_form tr", has=page.locator("#file_giustificativo"))
    assert "File già caricato: ricevuta mensa.pdf" in _testo(riga)
    page.screenshot(path=os.path.join(cartella_schermate, "soldi-4-file-gia-caricato.png"), full_page=True)
    page.fill("#importo", "12,50")
    salva_e_verifica(page)
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        sid = db.session.query(m.Spesa).filter_by(giustificativo_numero=numero).one().id
        db.session.remove()
    page.goto(f"{server}/spesaview/show/{sid}")
    assert page.locator(f"a[href*='/spesaview/allegato/{sid}']").count() == 1


def test_i_totali_della_lista_arrivano_dopo_le_righe(app, api_di, pagina_di, server, cartella_schermate):
    """The rows first, then the totals of the same filters, asked by the page (issue 14)."""
    pid, _ = progetto_via_api(app, api_di, fino_a="validato_capofila", budget_asse_ii=3000)
    numero = spesa_via_api(app, api_di("cav.crema"), pid, importo="123.45")
    page = pagina_di("cav.crema")
    page.goto(f"{server}/spesaview/list/?_flt_2_giustificativo_numero={numero}")
    page.wait_for_selector("#totali-spese[data-caricati='1']")
    assert page.inner_text("#totali-spese") == (
        "Totale delle spese elencate: € 123,45 (1 spesa), di cui ammissibili € 123,45.")
    page.screenshot(path=os.path.join(cartella_schermate, "spese-totali.png"), full_page=True)
