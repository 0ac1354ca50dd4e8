"""A CAV operator registers a woman and her personal data; nobody else ever sees them."""
from __future__ import annotations

import re

import pytest

from app.rules.codice_fiscale import con_carattere_controllo
from .conftest import (
    colonna, donna_nuova, errori_del_campo, id_da_url, menu, salva, salva_e_verifica, scegli, scrivi_data,
)

# Invented, and found nowhere else in the demo data: the capofila's page is scanned for them.
NOME, COGNOME = "Ermenegilda", "Provettinucci"
CF = con_carattere_controllo("PRVRNG85M52Z999")  # 15 characters in, the check letter appended
CF_SBAGLIATO = CF[:15] + ("A" if CF[15] != "A" else "B")

_registrata: dict = {}  # what the CAV journey created, for the capofila journey


def test_cav_registra_una_donna_e_i_suoi_dati_personali(pagina_di, server, app):
    assert len(CF) == 16
    page = pagina_di("cav.crema")
    menu(page, "Casi", "Beneficiarie")
    assert "/beneficiariaview/list" in page.url
    page.goto(f"{server}/beneficiariaview/list/?psize_BeneficiariaView=100&_oc_BeneficiariaView=codice&_od_BeneficiariaView=desc")  # newest first
    prima = colonna(page, 2)
    assert prima and all(c.startswith("CM-") for c in prima), prima

    # New woman, through the form: the select boxes, the date typed in.
    page.click("a[href*='/beneficiariaview/add']")
    page.wait_for_load_state()
    scegli(page, "ambito", "Crema")
    scrivi_data(page, "data_presa_in_carico", "2023-10-02")
    scegli(page, "fascia_eta", "40–49 anni")
    scegli(page, "cittadinanza", "Paese extra UE")
    page.fill("#figli_minori", "2")
    scegli(page, "relazione_autore", "Ex partner")
    scegli(page, "condizione_occupazionale", "Occupata con lavoro precario")
    salva_e_verifica(page)

    page.goto(f"{server}/beneficiariaview/list/?psize_BeneficiariaView=100&_oc_BeneficiariaView=codice&_od_BeneficiariaView=desc")  # newest first
    nuovi = sorted(set(colonna(page, 2)) - set(prima))
    assert len(nuovi) == 1, nuovi
    codice = nuovi[0]
    assert re.fullmatch(r"CM-2023-\d{4}", codice), codice
    riga = page.locator("table.table-hover > tbody > tr", has_text=codice)
    assert "40–49 anni" in riga.inner_text() and "Occupata con lavoro precario" in riga.inner_text()
    riga.locator("a[href*='/beneficiariaview/show/']").click()
    page.wait_for_load_state()
    pagina_donna = page.url
    bid = id_da_url(pagina_donna)
    assert codice in page.inner_text("body")

    # A wrong codice fiscale: the Italian reason on the field, and nothing is saved.
    page.click("a[href='#DatiPersonaliView']")
    page.click("#DatiPersonaliView a[href*='/datipersonaliview/add']")
    page.wait_for_load_state()
    page.fill("#nome", NOME)
    page.fill("#cognome", COGNOME)
    page.fill("#codice_fiscale", CF_SBAGLIATO)
    salva(page)
    assert "/datipersonaliview/add" in page.url
    errori = errori_del_campo(page, "codice_fiscale")
    assert errori == [f"Carattere di controllo errato: atteso {CF[15]}"], errori
    page.goto(pagina_donna)
    page.click("a[href='#DatiPersonaliView']")
    assert COGNOME not in page.locator("#DatiPersonaliView").inner_text()

    # The right one: saved, and shown on her page (the CF on the record's own page).
    page.click("#DatiPersonaliView a[href*='/datipersonaliview/add']")
    page.wait_for_load_state()
    page.fill("#nome", NOME)
    page.fill("#cognome", COGNOME)
    page.fill("#codice_fiscale", CF.lower())  # typed in lower case: normalised
    salva_e_verifica(page)
    page.goto(pagina_donna)
    page.click("a[href='#DatiPersonaliView']")
    scheda = page.locator("#DatiPersonaliView")
    assert NOME in scheda.inner_text() and COGNOME in scheda.inner_text()
    scheda.locator("a[href*='/datipersonaliview/show/']").first.click()
    page.wait_for_load_state()
    assert CF in page.inner_text("body")
    _registrata.update(bid=bid, codice=codice, dp_url=page.url.split("?")[0])


@pytest.fixture
def donna_registrata(app, api_di):
    """The woman of the CAV journey; made through the API when that journey did not run."""
    if not _registrata:
        api = api_di("cav.crema")
        bid, codice = donna_nuova(app, api, data="2023-10-02")
        r = api.post("/api/v1/datipersonali/", json={"beneficiaria": bid, "nome": NOME, "cognome": COGNOME,
                                                      "codice_fiscale": CF})
        assert r.status_code == 201, r.get_json()
        _registrata.update(bid=bid, codice=codice, dp_url=None)
    return _registrata


def test_il_capofila_vede_il_codice_mai_il_nome(donna_registrata, pagina_di, server):
    page = pagina_di("capofila")
    page.goto(f"{server}/beneficiariaview/show/{donna_registrata['bid']}")
    html = page.content()
    assert donna_registrata["codice"] in html
    for dato in (NOME, COGNOME, CF, CF.lower()):
        assert dato not in html, f"il capofila vede «{dato}» sulla pagina della donna"
    assert page.locator("a[href='#DatiPersonaliView']").count() == 0
    if donna_registrata.get("dp_url"):
        page.goto(donna_registrata["dp_url"])
        html = page.content()
        for dato in (NOME, COGNOME, CF):
            assert dato not in html
    # Another CAV does not even find her.
    altra = pagina_di("cav.cremona")
    risposta = altra.goto(f"{server}/beneficiariaview/show/{donna_registrata['bid']}")
    assert risposta.status == 404
    assert donna_registrata["codice"] not in altra.content()
