"""A CAV operator registers a woman in one step (issue 11, §9): profile and personal data in one
form, a wrong field refused with what she typed kept, then her page with «Beneficiaria … registrata»."""
from __future__ import annotations

import os
import re

from app.rules.codice_fiscale import con_carattere_controllo
from .conftest import errori_del_campo, menu, messaggi, salva, salva_e_verifica, scegli, scrivi_data

# Invented, and found nowhere else in the demo data.
NOME, COGNOME = "Clotilde", "Unpassolini"
CF = con_carattere_controllo("NPSCTL77D45Z999")
CF_SBAGLIATO = CF[:15] + ("A" if CF[15] != "A" else "B")


def test_la_cav_registra_una_donna_in_un_solo_modulo(pagina_di, server, cartella_schermate):
    page = pagina_di("cav.crema")
    menu(page, "Casi", "Registra una donna")
    assert "/registra-donna/" in page.url
    assert "Crema" in page.inner_text("#lia-di-chi"), "la pagina non dice di quale centro sarà il caso"
    assert page.locator("legend").all_inner_texts() == ["Profilo", "Dati personali", "Consensi"]

    scrivi_data(page, "data_presa_in_carico", "15/10/2023")
    scegli(page, "fascia_eta", "40–49 anni")
    scegli(page, "cittadinanza", "Paese extra UE")
    page.fill("#figli_minori", "2")
    scegli(page, "relazione_autore", "Ex partner")
    scegli(page, "condizione_occupazionale", "Occupata con lavoro precario")
    page.fill("#nome", NOME)
    page.fill("#cognome", COGNOME)
    page.fill("#codice_fiscale", CF_SBAGLIATO)
    scrivi_data(page, "data_nascita", "05/04/1977")
    page.fill("#comune", "Crema")
    page.check("#consenso_programma")
    page.check("#consenso_condivisione_equipe")
    page.screenshot(path=os.path.join(cartella_schermate, "registra-donna-cav.png"), full_page=True)

    # A wrong codice fiscale: the reason on its field, everything typed still there, nothing saved.
    salva(page)
    assert "/registra-donna/" in page.url
    assert errori_del_campo(page, "codice_fiscale") == [f"Carattere di controllo errato: atteso {CF[15]}"]
    assert page.input_value("#cognome") == COGNOME and page.input_value("#data_nascita") == "05/04/1977"
    assert page.locator("#select2-fascia_eta-container").get_attribute("title") == "40–49 anni"
    page.screenshot(path=os.path.join(cartella_schermate, "registra-donna-errore.png"), full_page=True)

    page.fill("#codice_fiscale", CF.lower())
    salva_e_verifica(page)
    assert "/beneficiariaview/show/" in page.url
    conferma = messaggi(page, "success")
    assert len(conferma) == 1 and re.fullmatch(r"Beneficiaria CM-2023-\d{4} registrata\.", conferma[0]), conferma
    codice = conferma[0].split()[1]
    assert codice in page.inner_text("h1, .page-header, body")
    assert COGNOME in page.inner_text("body"), "la sua CAV non vede il suo nome sulla sua pagina"
    consensi = page.inner_text("#consensi-beneficiaria")
    assert "dato il 15/10/2023" in consensi and "non registrato" in consensi, consensi
    page.screenshot(path=os.path.join(cartella_schermate, "registra-donna-registrata.png"), full_page=True)
