"""`make bench`: import from Excel (issue 13, §1), a 10,000-row file for one CAV. Goal: under a minute.

The file: DONNE women, each with two consents, an admitted segnalazione, a running project
and SPESE_PER_DONNA spese (10 rows per woman). Imported through app.servizi.importazione as the
page, the API and the CLI do (one transaction), as UTENTE, into the bench's database; returns the
seconds of the import itself (reading the file included, writing it excluded).
"""
from __future__ import annotations

import time

DONNE = 1_000
SPESE_PER_DONNA = 5
UTENTE = "cav.crema"
OBIETTIVO_S = 60.0


def misura(app) -> float:
    from app.extensions import db
    from app.security import come_utente
    from app.servizi import importazione, transazione
    from tests.aiuti_importazione import caso_completo, cartella

    fogli, _ = caso_completo(DONNE, SPESE_PER_DONNA, prefisso="BENCH")
    # 10 rows a woman: herself, 2 consents, a segnalazione, a project, 5 spese.
    fogli["Altre misure"] = []
    fogli["Consensi"] = [r for r in fogli["Consensi"] if r[1] != "statistiche"]
    contenuto = cartella(fogli)
    righe_file = sum(len(v) for v in fogli.values())
    with app.app_context():
        utente = app.appbuilder.sm.find_user(username=UTENTE)
        t = time.perf_counter()
        with come_utente(utente), transazione():
            esito = importazione.importa(importazione.leggi(contenuto), utente)
            importazione.concludi(esito, utente, prova=False)
        secondi = time.perf_counter() - t
        db.session.remove()
    if not esito.ok:
        raise RuntimeError(f"importazione del bench rifiutata: {esito.errori[:3]}")
    print(f"importazione da Excel: {righe_file} righe in {secondi:.1f} s "
          f"({'OK' if secondi < OBIETTIVO_S else 'MISSED'}, obiettivo < {OBIETTIVO_S:.0f} s)", flush=True)
    return secondi
