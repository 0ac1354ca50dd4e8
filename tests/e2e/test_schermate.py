"""Screenshots of two busy pages (kept outside the repository) and a scan of what the user
reads on them: Italian labels, never a raw code, a Python None/True/False or an English word
of the framework."""
from __future__ import annotations

import os
import re

from .conftest import colonna, menu, progetto_via_api

# snake_case tokens are stored codes (centro_antiviolenza, validato_equipe, ex_partner...).
CODICE_GREZZO = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
VALORE_PYTHON = re.compile(r"\b(None|True|False|__None)\b")
INGLESE = re.compile(r"\b(Search|Add|Back|Show|Edit|Delete|Record Count|No records found|Save)\b")


def _da_leggere(page):
    """The visible text of the page's content (the navbar excluded)."""
    return page.locator("body > .container, body > div.container").first.inner_text()


def _problemi(nome, testo):
    out = []
    for regola, spiegazione in [(CODICE_GREZZO, "codice grezzo"), (VALORE_PYTHON, "valore Python"),
                                (INGLESE, "parola inglese")]:
        trovati = sorted(set(regola.findall(testo)))
        if trovati:
            out.append(f"{nome}: {spiegazione}: {trovati}")
    return out


def test_schermate_elenco_beneficiarie_e_pagina_progetto(app, api_di, pagina_di, server, cartella_schermate):
    pid, codice = progetto_via_api(app, api_di, fino_a="validato_capofila", budget_asse_ii=1000)
    page = pagina_di("cav.crema")

    menu(page, "Casi", "Beneficiarie")
    elenco = os.path.join(cartella_schermate, "beneficiarie.png")
    page.screenshot(path=elenco, full_page=True)
    assert os.path.getsize(elenco) > 10_000
    intestazioni = [t.strip() for t in page.locator("table.table-hover > thead th").all_inner_texts() if t.strip()]
    assert intestazioni == ["Codice", "Ambito", "CAV di riferimento", "Presa in carico", "Fascia d'età",
                            "Condizione occupazionale all'ingresso"], intestazioni
    assert all(c.startswith("CM-") for c in colonna(page, 2))
    problemi = _problemi("elenco beneficiarie", _da_leggere(page))

    page.goto(f"{server}/progettoview/show/{pid}")
    progetto = os.path.join(cartella_schermate, "progetto.png")
    page.screenshot(path=progetto, full_page=True)
    assert os.path.getsize(progetto) > 10_000
    testo = _da_leggere(page)
    for etichetta in ("Passaggi di stato", "Progetto personalizzato", "Budget previsto", "Storico del progetto",
                      "Validato dal capofila", f"P-{codice}-1", "Lavoro"):
        assert etichetta in testo, etichetta
    problemi += _problemi("pagina del progetto", testo)

    menu(page, "Casi", "Segnalazioni")
    problemi += _problemi("elenco segnalazioni", _da_leggere(page))
    menu(page, "Casi", "Dati personali")
    problemi += _problemi("elenco dati personali", _da_leggere(page))
    assert not problemi, f"schermate in {cartella_schermate}:\n" + "\n".join(problemi)
