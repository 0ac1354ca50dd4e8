"""The statistics of the women without identities (app.rules.statistiche), read from the
database: the screen, the xlsx download, the API and `flask lia statistiche` share them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app import models as m
from app.extensions import db
from app.rules import statistiche as regole
from app.security import come_sistema
from app.servizi.consensi import contate_nelle_statistiche
from app.servizi.spese import programma_corrente

RISORSA_STATISTICHE = "Statistiche"

VARIABILI = (
    regole.Variabile("fascia_eta", "Fascia d'età", tuple(m.FASCE_ETA.items())),
    regole.Variabile("cittadinanza", "Cittadinanza", tuple(m.CITTADINANZE.items())),
    regole.Variabile("relazione_autore", "Relazione con l'autore della violenza", tuple(m.RELAZIONI_AUTORE.items())),
    regole.Variabile("condizione_occupazionale", "Condizione occupazionale",
                     tuple(m.CONDIZIONI_OCCUPAZIONALI.items())),
    regole.FIGLI_MINORI,
)


def tabelle() -> tuple[list[regole.Tabella], int]:
    """The protected tables of every year, and the threshold they were protected with."""
    soglia = programma_corrente().soglia_conteggi_piccoli
    s = db.session
    # Aggregates over the whole network: only the protected counts leave, so the perimeter is
    # crossed on purpose. Only the women consenting to anonymous statistics are counted.
    with come_sistema():
        ambiti = [nome for (nome,) in s.execute(select(m.Ambito.nome).order_by(m.Ambito.id))]
        righe = s.execute(
            select(m.Ambito.nome, m.Beneficiaria.data_presa_in_carico, m.Beneficiaria.fascia_eta,
                   m.Beneficiaria.cittadinanza, m.Beneficiaria.relazione_autore,
                   m.Beneficiaria.condizione_occupazionale, m.Beneficiaria.figli_minori)
            .join(m.Ambito, m.Beneficiaria.ambito_id == m.Ambito.id)
            .where(contate_nelle_statistiche(m.Beneficiaria.id))).all()
    donne = [regole.Donna(ambito=ambito, anno=presa.year, valori={
        "fascia_eta": eta, "cittadinanza": cittadinanza, "relazione_autore": relazione,
        "condizione_occupazionale": condizione, "figli_minori": regole.categoria_figli(figli or 0)})
        for ambito, presa, eta, cittadinanza, relazione, condizione, figli in righe]
    return regole.tabelle(donne, VARIABILI, ambiti, soglia), soglia


def dati(estratto_il: datetime | None = None) -> dict:
    tabs, soglia = tabelle()
    return regole.come_dati(tabs, soglia, estratto_il or datetime.now(), programma_corrente().nome)


def xlsx(estratto_il: datetime | None = None) -> bytes:
    tabs, soglia = tabelle()
    return regole.scrivi_xlsx(tabs, soglia, estratto_il or datetime.now(), programma_corrente().nome)
