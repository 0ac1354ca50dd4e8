"""The programme catalogue (assi, priorità, voci di spesa, massimali, indicatori) as plain data.

One TOML file per programme edition lives in ``app/programmes/``; nothing here imports Flask,
so the rules, the CLI and the tests read the same catalogue.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

CARTELLA_PROGRAMMI = Path(__file__).resolve().parent.parent / "programmes"
GESTORI = ("capofila", "cav")
AREE = ("lavoro", "abitare", "entrambe")


class ProgrammaNonValido(ValueError):
    """The programme file is inconsistent; ``motivi`` lists every problem in Italian."""

    def __init__(self, motivi: list[str]):
        super().__init__("; ".join(motivi))
        self.motivi = motivi


@dataclass(frozen=True)
class Asse:
    codice: str
    nome: str
    attivato: bool
    gestore: str  # "capofila" or "cav": the kind of ente that manages and pays it


@dataclass(frozen=True)
class Priorita:
    codice: str
    asse: str
    nome: str
    attivata: bool
    dedotta: bool = False  # the card is silent or ambiguous: our reading, kept configurable


@dataclass(frozen=True)
class VoceSpesa:
    codice: str
    descrizione: str
    priorita: str
    asse: str
    costo_ammesso: bool = True  # False for CPI job services: recorded at no cost
    solo_soluzioni_intermedie: bool = False


@dataclass(frozen=True)
class Massimale:
    codice: str
    descrizione: str
    importo: Decimal
    assi: tuple[str, ...]


@dataclass(frozen=True)
class Indicatore:
    codice: str
    descrizione: str
    target: int


@dataclass(frozen=True)
class Programma:
    codice: str
    nome: str
    decreto: str
    data_inizio: date
    data_fine: date
    assi: tuple[Asse, ...]
    priorita: tuple[Priorita, ...]
    voci: tuple[VoceSpesa, ...]
    massimali: tuple[Massimale, ...]
    indicatori: tuple[Indicatore, ...]
    aree: dict[str, tuple[str, ...]] = field(default_factory=dict)
    soglia_conteggi_piccoli: int = 3
    mesi_follow_up: tuple[int, ...] = (6, 12)

    def asse(self, codice: str) -> Asse | None:
        return next((a for a in self.assi if a.codice == codice), None)

    def priorita_per_codice(self, codice: str) -> Priorita | None:
        return next((p for p in self.priorita if p.codice == codice), None)

    def voce(self, codice: str) -> VoceSpesa | None:
        return next((v for v in self.voci if v.codice == codice), None)

    def massimali_per_asse(self, asse: str) -> tuple[Massimale, ...]:
        return tuple(m for m in self.massimali if asse in m.assi)

    def assi_per_area(self, area: str) -> tuple[str, ...]:
        return self.aree.get(area, ())


def _decimale(valore, dove: str, motivi: list[str]) -> Decimal:
    try:
        d = Decimal(str(valore))
    except InvalidOperation:
        motivi.append(f"{dove}: importo non valido «{valore}»")
        return Decimal("0")
    if d <= 0:
        motivi.append(f"{dove}: l'importo deve essere maggiore di zero")
    return d


def leggi_programma(dati: dict) -> Programma:
    """Build a Programma from the parsed TOML, refusing inconsistent catalogues."""
    motivi: list[str] = []
    p = dati.get("programma", {})
    imp = dati.get("impostazioni", {})
    for chiave in ("codice", "nome", "decreto", "data_inizio", "data_fine"):
        if chiave not in p:
            motivi.append(f"[programma] manca «{chiave}»")
    if motivi:
        raise ProgrammaNonValido(motivi)
    if not (isinstance(p["data_inizio"], date) and isinstance(p["data_fine"], date)):
        raise ProgrammaNonValido(["[programma] le date devono essere date TOML (AAAA-MM-GG)"])
    if p["data_fine"] < p["data_inizio"]:
        motivi.append("[programma] la data di fine precede la data di inizio")

    assi = tuple(
        Asse(a["codice"], a["nome"], bool(a.get("attivato", False)), a.get("gestore", ""))
        for a in dati.get("assi", [])
    )
    codici_assi = {a.codice for a in assi}
    for a in assi:
        if a.gestore not in GESTORI:
            motivi.append(f"asse {a.codice}: gestore «{a.gestore}» non previsto ({', '.join(GESTORI)})")
    priorita = tuple(
        Priorita(x["codice"], x["asse"], x["nome"], bool(x.get("attivata", False)), bool(x.get("dedotta", False)))
        for x in dati.get("priorita", [])
    )
    per_codice = {x.codice: x for x in priorita}
    for x in priorita:
        if x.asse not in codici_assi:
            motivi.append(f"priorità {x.codice}: asse «{x.asse}» sconosciuto")
    voci = []
    for v in dati.get("voci", []):
        pr = per_codice.get(v.get("priorita", ""))
        if pr is None:
            motivi.append(f"voce {v.get('codice')}: priorità «{v.get('priorita')}» sconosciuta")
            continue
        voci.append(
            VoceSpesa(
                v["codice"], v["descrizione"], pr.codice, pr.asse,
                bool(v.get("costo_ammesso", True)), bool(v.get("solo_soluzioni_intermedie", False)),
            )
        )
    if len({v.codice for v in voci}) != len(voci):
        motivi.append("codici delle voci di spesa duplicati")
    massimali = tuple(
        Massimale(m["codice"], m.get("descrizione", m["codice"]),
                  _decimale(m.get("importo"), f"massimale {m['codice']}", motivi), tuple(m.get("assi", [])))
        for m in dati.get("massimali", [])
    )
    for m in massimali:
        for a in m.assi:
            if a not in codici_assi:
                motivi.append(f"massimale {m.codice}: asse «{a}» sconosciuto")
    aree = {k: tuple(v) for k, v in dati.get("aree", {}).items()}
    for area in AREE:
        if area not in aree:
            motivi.append(f"[aree] manca l'area «{area}»")
    indicatori = tuple(
        Indicatore(i["codice"], i["descrizione"], int(i.get("target", 0))) for i in dati.get("indicatori", [])
    )
    if motivi:
        raise ProgrammaNonValido(motivi)
    return Programma(
        codice=p["codice"], nome=p["nome"], decreto=p["decreto"],
        data_inizio=p["data_inizio"], data_fine=p["data_fine"],
        assi=assi, priorita=priorita, voci=tuple(voci), massimali=massimali, indicatori=indicatori,
        aree=aree,
        soglia_conteggi_piccoli=int(imp.get("soglia_conteggi_piccoli", 3)),
        mesi_follow_up=tuple(int(m) for m in imp.get("mesi_follow_up", (6, 12))),
    )


def carica_programma(percorso: str | Path) -> Programma:
    with open(percorso, "rb") as f:
        return leggi_programma(tomllib.load(f))


def programma_predefinito(codice: str = "lia2") -> Programma:
    return carica_programma(CARTELLA_PROGRAMMI / f"{codice}.toml")
