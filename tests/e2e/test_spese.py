"""The spesa form: Italian amounts, the Italian reason on the importo field, the ceiling."""
from __future__ import annotations

from .conftest import (
    errori_del_campo, errori_del_modulo, menu, numero_unico, progetto_via_api, salva, salva_e_verifica, scegli,
    scegli_valore, scrivi_data, spese_con_giustificativo, valore_opzione,
)

VOCE = "II-TIROCINIO-ATTIVAZIONE"


def _compila(page, pid, importo, data, numero):
    """A spesa of the CAV on the project: every field a careful operator fills; the
    "already covered by another measure" box stays unticked (it is not)."""
    scegli_valore(page, "progetto", pid)
    scegli_valore(page, "voce", valore_opzione(page, "voce", VOCE + " "))
    page.fill("#importo", importo)
    scrivi_data(page, "data", data)
    page.fill("#fornitore", "Ente di formazione Esempio")
    scegli(page, "giustificativo_tipo", "Fattura")
    page.fill("#giustificativo_numero", numero)
    scrivi_data(page, "giustificativo_data", data)
    page.fill("#note", "attivazione tirocinio")
    assert not page.is_checked("#coperta_da_altra_misura")
    assert not page.is_checked("#registra_non_ammissibile")


def _nuova_spesa(page):
    page.click("a[href*='/spesaview/add']")
    page.wait_for_load_state()


def test_spesa_importo_italiano_errori_e_massimale(app, api_di, pagina_di, server):
    pid, _ = progetto_via_api(app, api_di, fino_a="validato_capofila", budget_asse_ii=3000)
    page = pagina_di("cav.crema")
    menu(page, "Contabilità", "Spese")
    assert "/spesaview/list" in page.url

    # "abc": the Italian reason on the importo field, nothing saved.
    _nuova_spesa(page)
    numero = numero_unico()
    _compila(page, pid, "abc", "2023-01-10", numero)
    salva(page)
    assert "/spesaview/add" in page.url
    assert errori_del_campo(page, "importo") == ["importo non numerico: «abc»"], errori_del_modulo(page)
    assert spese_con_giustificativo(app, numero) == 0

    # "1.234,56": saved, shown as € 1.234,56.
    page.fill("#importo", "1.234,56")
    salva_e_verifica(page)
    assert spese_con_giustificativo(app, numero) == 1
    page.goto(f"{server}/spesaview/list/?psize_SpesaView=100")
    riga = page.locator("table.table-hover > tbody > tr", has_text=numero)
    assert riga.count() == 1
    assert "€ 1.234,56" in riga.inner_text()
    assert "Ammissibile" in riga.inner_text()

    # Over the € 3.000,00 autonomy ceiling: the residual on the form, nothing saved.
    _nuova_spesa(page)
    altro = numero_unico()
    _compila(page, pid, "2.000,00", "2023-01-11", altro)
    salva(page)
    assert "/spesaview/add" in page.url
    errori = errori_del_modulo(page)
    assert any("residuo disponibile: € 1.765,44" in e for e in errori_del_campo(page, "importo")), errori
    assert spese_con_giustificativo(app, altro) == 0
