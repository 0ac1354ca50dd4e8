"""Buttons a role cannot use are not shown (issue 11, §11): add/edit/delete and actions appear
only when FAB's permission AND the predicates of app.security let the user use them; a refused
page keeps the menu."""
import re

import pytest


def _pk(html, base):
    trovato = re.search(rf"{base}/show/(\d+)", html)
    assert trovato, f"nessuna riga in {base}"
    return trovato.group(1)


def _pulsanti(html, base):
    return {nome for nome in ("add", "edit", "delete") if re.search(rf'{base}/{nome}\b', html)}


@pytest.mark.parametrize("base", ["/laboratorioview", "/sessionelaboratorioview"])
@pytest.mark.parametrize("utente, attesi", [
    ("cav.crema", set()), ("equipe.crema", set()), ("capofila", {"add", "edit", "delete"}),
])
def test_laboratori_e_sessioni_solo_il_capofila_vede_i_pulsanti(client_di, base, utente, attesi):
    c = client_di(utente)
    lista = c.get(f"{base}/list/").get_data(as_text=True)
    assert _pulsanti(lista, base) == attesi


def test_la_beneficiaria_si_modifica_solo_dal_suo_cav(client_di):
    cav = client_di("cav.crema")
    lista = cav.get("/beneficiariaview/list/").get_data(as_text=True)
    pk = _pk(lista, "/beneficiariaview")
    assert {"add", "edit"} <= _pulsanti(lista, "/beneficiariaview")
    for altro in ("equipe.crema", "capofila"):
        c = client_di(altro)
        assert c.get(f"/beneficiariaview/show/{pk}").status_code == 200
        assert not _pulsanti(c.get("/beneficiariaview/list/").get_data(as_text=True), "/beneficiariaview")
        assert "add" not in _pulsanti(c.get("/beneficiariaview/list/").get_data(as_text=True), "/beneficiariaview")
        assert "add" not in _pulsanti(c.get("/consensoview/list/").get_data(as_text=True), "/consensoview")


def test_annulla_spesa_solo_a_chi_puo_annullarla(client_di):
    cav = client_di("cav.crema")
    pk = _pk(cav.get("/spesaview/list/").get_data(as_text=True), "/spesaview")
    assert "Annulla spesa" in cav.get(f"/spesaview/show/{pk}").get_data(as_text=True)
    for altro in ("capofila", "regione", "admin"):
        r = client_di(altro).get(f"/spesaview/show/{pk}")
        if r.status_code == 200:
            testo = r.get_data(as_text=True)
            assert "Annulla spesa" not in testo, altro


def test_la_pagina_di_accesso_negato_tiene_il_menu(client_di):
    r = client_di("cav.crema").get("/laboratorioview/add")
    assert r.status_code == 403
    html = r.get_data(as_text=True)
    assert "Accesso negato" in html and "navbar" in html and "Beneficiarie" in html
