"""Reminders (issue 11, §15): which of the things waiting for a user deserve a reminder, the key
that makes each one an event sent once, and the text of the daily e-mail. Pure Python, no Flask,
no SQLAlchemy.

A reminder may leave the system (an e-mail), so it carries codes only, never a name: the names
are read inside the application, by whoever may read them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Protocol

from app.rules.eligibility import formatta_data
from app.rules.giornata import eta, giorni_da

# The lists of the home page that become reminders, and how a reminder names its kind. The
# sessions without attendance stay on the home page only: they are the Asse I's daily routine.
TITOLI = {
    "segnalazioni": "Segnalazioni in attesa di valutazione da più di {giorni} giorni",
    "da_validare": "Progetti in attesa della tua validazione",
    "da_avviare": "Progetti validati non ancora avviati",
    "follow_up": "Follow-up dovuti",
    "massimali": "Progetti ad almeno il {soglia}% di un massimale",
}


class RigaDaFare(Protocol):
    id: int
    codice: str
    dal: date | None
    nota: str
    evento: str


class ElencoDaFare(Protocol):
    chiave: str
    righe: list[RigaDaFare]


@dataclass(frozen=True)
class Promemoria:
    tipo: str  # a key of TITOLI, also the address of its list in the application (/oggi/<tipo>)
    record_id: int
    codice: str
    dal: date | None
    nota: str

    evento: str = ""

    @property
    def chiave(self) -> str:
        """What is sent once per user: the same record in a new state, with another follow-up
        or another ceiling near is a new event; the same one tomorrow is not."""
        return ":".join(x for x in (self.tipo, str(self.record_id), self.evento) if x)


def promemoria(elenchi: Iterable[ElencoDaFare], oggi: date, giorni_attesa_segnalazione: int) -> list[Promemoria]:
    """The reminders among a user's to-do lists: every item of the lists in TITOLI, but a
    segnalazione only once it has waited more than `giorni_attesa_segnalazione` days."""
    esito = []
    for elenco in elenchi:
        if elenco.chiave not in TITOLI:
            continue
        for r in elenco.righe:
            if elenco.chiave == "segnalazioni" and (r.dal is None or giorni_da(r.dal, oggi) <= giorni_attesa_segnalazione):
                continue
            esito.append(Promemoria(elenco.chiave, r.id, r.codice, r.dal, r.nota, r.evento))
    return esito


def da_inviare(tutti: Iterable[Promemoria], gia_inviati: set[str]) -> list[Promemoria]:
    """The reminders never sent to this user before, each once."""
    visti = set(gia_inviati)
    nuovi = []
    for p in tutti:
        if p.chiave not in visti:
            visti.add(p.chiave)
            nuovi.append(p)
    return nuovi


def titolo(tipo: str, giorni_attesa_segnalazione: int, soglia_massimale: int) -> str:
    return TITOLI[tipo].format(giorni=giorni_attesa_segnalazione, soglia=soglia_massimale)


@dataclass(frozen=True)
class Messaggio:
    oggetto: str
    testo: str


def messaggio_giornaliero(nuovi: list[Promemoria], oggi: date, nome_programma: str, indirizzo: str,
                          giorni_attesa_segnalazione: int, soglia_massimale: int) -> Messaggio:
    """The daily e-mail of one user: her new reminders by kind, each with its code, since when it
    waits and the address of its list in the application."""
    base = indirizzo.rstrip("/")
    righe = [f"Promemoria del gestionale {nome_programma} del {formatta_data(oggi)}.",
             "Sono elencate le novità dall'ultimo promemoria; ogni cosa viene segnalata una volta sola.", ""]
    for tipo in TITOLI:
        suoi = [p for p in nuovi if p.tipo == tipo]
        if not suoi:
            continue
        righe.append(f"{titolo(tipo, giorni_attesa_segnalazione, soglia_massimale)} ({len(suoi)}):")
        for p in suoi:
            quando = f", dal {formatta_data(p.dal)} ({eta(p.dal, oggi)})" if p.dal else ""
            nota = f" – {p.nota}" if p.nota else ""
            righe.append(f"- {p.codice}{quando}{nota}")
        righe.append(f"  Apri l'elenco: {base}/oggi/{tipo}")
        righe.append("")
    righe += ["Per riservatezza sono indicati solo i codici: i nomi si leggono nel gestionale.",
              f"Per smettere di ricevere questi promemoria: {base}/promemoria/"]
    oggetto = f"{nome_programma}: {len(nuovi)} promemoria del {formatta_data(oggi)}"
    return Messaggio(oggetto, "\n".join(righe) + "\n")
