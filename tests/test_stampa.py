"""Printed project and printed summary of a woman (issue 11 §14): what they carry, who may open
them (the record's read permission and the perimeter), her name only for her CAV, recorded as a
read of her identity; no menu and no form on the page."""
from __future__ import annotations

import html

import pytest

from tests.aiuti_percorso import identita, progetto_validato, spesa, voce_id
from tests.test_audit import righe_dopo, ultimo_id


_caso: dict = {}


@pytest.fixture
def caso(app, api_di, pii):
    """A validated, running project of a woman of cav.crema with one eligible spesa; her
    surname as her CAV reads it. Made once for the module (api_di is per test)."""
    if _caso:
        return _caso
    pid, donna = progetto_validato(api_di)
    cav = api_di("cav.crema")
    assert spesa(cav, pid, voce_id(app, "III-TRASPORTO"), "12.50").status_code == 201
    _nome, cognome = identita(cav, donna["id"], pii)
    codice_progetto = cav.get(f"/api/v1/progetto/{pid}").get_json()["result"]["codice"]
    _caso.update(pid=pid, bid=donna["id"], codice=donna["codice"], progetto=codice_progetto,
                 cognome=cognome)
    return _caso


def _testo(r) -> str:
    return html.unescape(r.get_data(as_text=True))


def test_il_progetto_stampato_porta_intestazione_validazioni_spese_e_firme(client_di, caso):
    r = client_di("cav.crema").get(f"/stampa/progetto/{caso['pid']}")
    assert r.status_code == 200
    testo = _testo(r)
    for atteso in (f"Progetto personalizzato {caso['progetto']}", caso["codice"], "Validato dall'équipe il",
                   "10/06/2022", "Validato dal capofila il", "15/06/2022", "Équipe Crema", "Referente Capofila",
                   "€ 12,50", "Ammissibile", "Firme", "La beneficiaria", "Per l'équipe territoriale"):
        assert atteso in testo, atteso
    assert 'class="navbar' not in testo and "<form" not in testo  # no menu, no form to print
    assert caso["cognome"] not in testo  # the project carries her code, never her name


@pytest.mark.parametrize("utente,atteso", [
    ("cav.crema", 200), ("equipe.crema", 200), ("capofila", 200),
    ("cav.cremona", 404), ("equipe.cremona", 404), ("regione", 403), ("admin", 403)])
def test_chi_puo_stampare_il_progetto(client_di, caso, utente, atteso):
    r = client_di(utente).get(f"/stampa/progetto/{caso['pid']}")
    assert r.status_code == atteso
    assert caso["cognome"] not in _testo(r)


@pytest.mark.parametrize("utente,atteso", [
    ("equipe.crema", 200), ("capofila", 200), ("cav.cremona", 404), ("equipe.cremona", 404),
    ("regione", 403), ("admin", 403)])
def test_il_riepilogo_della_donna_senza_il_nome_per_chi_non_e_il_suo_cav(client_di, caso, utente, atteso):
    r = client_di(utente).get(f"/stampa/beneficiaria/{caso['bid']}")
    assert r.status_code == atteso
    assert caso["cognome"] not in _testo(r)


def test_il_suo_cav_stampa_il_riepilogo_col_nome_e_la_lettura_resta_nel_registro(app, client_di, caso):
    inizio = ultimo_id(app)
    r = client_di("cav.crema").get(f"/stampa/beneficiaria/{caso['bid']}")
    assert r.status_code == 200
    testo = _testo(r)
    for atteso in (f"Riepilogo del percorso — {caso['codice']}", caso["cognome"], caso["progetto"], "Ammessa",
                   "€ 12,50", "Firme"):
        assert atteso in testo, atteso
    letture = [x for x in righe_dopo(app, inizio) if x["azione"] == "lettura_dati_personali"]
    assert len(letture) == 1 and caso["codice"] in letture[0]["codici"]
    assert caso["cognome"] not in str(letture[0])


def test_pagina_inesistente_404(client_di):
    assert client_di("cav.crema").get("/stampa/progetto/99999999").status_code == 404
    assert client_di("cav.crema").get("/stampa/beneficiaria/99999999").status_code == 404
