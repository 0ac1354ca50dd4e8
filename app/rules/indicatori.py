"""The programme's indicators (the targets come from the programme file), computed from plain
counts. Pure Python: the database queries that produce the counts live in app.servizi."""
from __future__ import annotations

from dataclasses import dataclass

from app.rules.programma import Programma
from app.rules.rendicontazione import RigaIndicatore


@dataclass(frozen=True)
class Conteggi:
    percorsi_attivati: int = 0      # projects that reached "in corso" at least once
    accordi_firmati: int = 0        # signed and not cancelled
    laboratori_realizzati: int = 0  # editions with a session held and at least one woman present
    sessioni_svolte: int = 0
    donne_presenti: int = 0         # women present at least once
    modelli_validati: int = 0       # formalised AND validated
    incontri_formativi: int = 0     # training events for operators held


# The one indicator that counts women (one project each): the dashboard publishes it as the
# total of the paths activated per month, protected with them (app.rules.riservatezza).
PERCORSI_ATTIVATI = "percorsi_attivati"

# Which count answers which indicator of the programme file (by its codice).
VALORE_DI = {
    PERCORSI_ATTIVATI: lambda c: c.percorsi_attivati,
    "accordi_sottoscritti": lambda c: c.accordi_firmati,
    "laboratorio_realizzato": lambda c: c.laboratori_realizzati,
    "modello_validato": lambda c: c.modelli_validati,
    "incontri_formativi": lambda c: c.incontri_formativi,
}


def calcola(programma: Programma, conteggi: Conteggi) -> list[RigaIndicatore]:
    """One row per indicator of the programme; an indicator this code does not know is 0, and
    shows so, rather than disappearing from the report."""
    return [RigaIndicatore(codice=i.codice, descrizione=i.descrizione, target=i.target,
                           valore=VALORE_DI[i.codice](conteggi) if i.codice in VALORE_DI else 0)
            for i in programma.indicatori]

