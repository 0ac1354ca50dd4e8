"""Two tabs on the same project: the second save, on an old read, is refused with the Italian
message; her text stays in the form and the value saved by the first is shown under the field."""
from __future__ import annotations

import os

from .conftest import errori_del_campo, messaggi, progetto_via_api, salva, salva_e_verifica


def test_due_schede_sullo_stesso_progetto_la_seconda_vede_il_messaggio(app, api_di, pagina_di, server,
                                                                       cartella_schermate):
    pid, _ = progetto_via_api(app, api_di)
    prima, seconda = pagina_di("cav.crema"), pagina_di("cav.crema")
    for page in (prima, seconda):
        page.goto(f"{server}/progettoview/edit/{pid}")

    prima.fill("#obiettivi", "Tirocinio in ambito amministrativo")
    salva_e_verifica(prima)

    seconda.fill("#obiettivi", "Corso di contabilità, poi tirocinio")
    salva(seconda)
    assert f"/progettoview/edit/{pid}" in seconda.url
    avvisi = messaggi(seconda, "warning")
    assert any("Qualcun altro ha modificato questo record" in a for a in avvisi), messaggi(seconda)
    assert seconda.input_value("#obiettivi") == "Corso di contabilità, poi tirocinio"
    assert errori_del_campo(seconda, "obiettivi") == ["Valore salvato ora: «Tirocinio in ambito amministrativo»"]
    schermata = os.path.join(cartella_schermate, "salvataggio-superato.png")
    seconda.screenshot(path=schermata, full_page=True)
    assert os.path.getsize(schermata) > 10_000

    # Having seen both, she saves again: now hers replaces the first.
    salva_e_verifica(seconda)
    r = api_di("cav.crema").get(f"/api/v1/progetto/{pid}")
    assert r.get_json()["result"]["obiettivi"] == "Corso di contabilità, poi tirocinio"
