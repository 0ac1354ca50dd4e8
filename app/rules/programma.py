"""The programme catalogue (assi, priorità, voci di spesa, massimali, indicatori) as plain data.

One TOML file per programme edition lives in ``app/programmes/``; nothing here imports Flask,
so the rules, the CLI and the tests read the same catalogue.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from app.rules.conservazione import motivi_anni_non_validi

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


# --- The rendicontazione workbook's layout ([rendiconto] in the programme file) ------------
# A different regional template, or a new programme, changes the sheets and the Spese columns
# in the file, not in app.rules.rendicontazione, which knows how to write each of these.
FOGLI_RENDICONTO = ("Riepilogo", "Budget", "Spese", "Controlli", "Progetti", "Indicatori")
# The fields of a spesa the Spese sheet can show (app.rules.rendicontazione.RigaSpesa):
# codes, the documents, the verdict; never anything that names a woman.
CAMPI_SPESA = (
    "numero_spesa", "codice_beneficiaria", "codice_progetto", "ambito", "asse", "priorita", "voce", "data",
    "importo", "ente_pagatore", "fornitore", "giustificativo", "giustificativo_tipo", "giustificativo_numero",
    "giustificativo_data", "quietanza_tipo", "quietanza_data", "file_allegato", "esito", "motivi", "rettifica_di",
)


@dataclass(frozen=True)
class ColonnaSpese:
    etichetta: str
    campo: str  # one of CAMPI_SPESA


@dataclass(frozen=True)
class Cofinanziamento:
    """Resources the network adds to the regional money: cash and the valued time of its staff,
    for an asse, an ente (by its name, as in the «Enti» screen) or an ente within an asse."""
    asse: str
    ente: str
    monetario: Decimal
    valorizzato: Decimal


# The L.I.A. 2 layout: the default of a programme file without [rendiconto].
COLONNE_SPESE_LIA2 = tuple(ColonnaSpese(e, c) for e, c in (
    ("Codice beneficiaria", "codice_beneficiaria"), ("Codice progetto", "codice_progetto"), ("Ambito", "ambito"),
    ("Asse", "asse"), ("Priorità", "priorita"), ("Voce", "voce"), ("Data", "data"), ("Importo", "importo"),
    ("Ente pagatore", "ente_pagatore"), ("Fornitore", "fornitore"), ("Tipo giustificativo", "giustificativo_tipo"),
    ("Numero giustificativo", "giustificativo_numero"), ("Data giustificativo", "giustificativo_data"),
    ("Tipo quietanza", "quietanza_tipo"), ("Data quietanza", "quietanza_data"), ("File allegato", "file_allegato"),
    ("Esito", "esito"), ("Motivi", "motivi"), ("Rettifica della spesa n.", "rettifica_di"),
))


@dataclass(frozen=True)
class Rendiconto:
    fogli: tuple[str, ...] = FOGLI_RENDICONTO
    colonne_spese: tuple[ColonnaSpese, ...] = COLONNE_SPESE_LIA2
    budget_assi: dict[str, Decimal] = field(default_factory=dict)  # planned regional money per asse
    budget_enti: dict[str, Decimal] = field(default_factory=dict)  # … per ente, by its name
    cofinanziamento: tuple[Cofinanziamento, ...] = ()

    def cofinanziamento_di(self, asse: str | None = None, ente: str | None = None) -> tuple[Decimal, Decimal]:
        """(cash, valued staff time) declared for this asse or this ente."""
        righe = [c for c in self.cofinanziamento if (asse is not None and c.asse == asse)
                 or (ente is not None and c.ente == ente)]
        return (sum((c.monetario for c in righe), Decimal("0")), sum((c.valorizzato for c in righe), Decimal("0")))


EFFETTI_SOVRAPPOSIZIONE = ("rifiuto", "avviso")
PASSI_CON_CONSENSO = ("segnalazione", "cpi", "statistiche")


@dataclass(frozen=True)
class FinalitaConsenso:
    codice: str
    descrizione: str


@dataclass(frozen=True)
class SezioneRelazione:
    """A section of the relazione finale whose text the capofila writes (app.rules.relazione)."""
    codice: str
    titolo: str
    guida: str = ""


@dataclass(frozen=True)
class Sovrapposizione:
    """Another measure of the woman (by its key) already pays for these voci: a spesa on them
    while it is active is refused or warned (app.rules.eligibility, rule 8)."""
    misura: str
    voci: frozenset[str]
    effetto: str  # "rifiuto" or "avviso"


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
    margine_anni_date: int = 5  # dates up to data_fine + this many years (app.rules.date_plausibili)
    soglia_avviso_massimale: int = 90  # % of a project's ceiling spent from which it is flagged
    giorni_attesa_segnalazione: int = 7  # a referral waiting longer than this is a reminder
    anni_conservazione: int = 5  # personal data erased this long after the case closed (app.rules.conservazione)
    sovrapposizioni: tuple[Sovrapposizione, ...] = ()
    finalita_consenso: tuple[FinalitaConsenso, ...] = ()
    # step (PASSI_CON_CONSENSO) -> the purpose it needs; a step absent here needs none
    consensi_richiesti: dict[str, str] = field(default_factory=dict)
    sezioni_relazione: tuple[SezioneRelazione, ...] = ()
    rendiconto: Rendiconto = field(default_factory=Rendiconto)

    def descrizione_finalita(self, codice: str) -> str:
        return next((f.descrizione for f in self.finalita_consenso if f.codice == codice), codice or "")

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
    # Amounts are written as strings ("3000.00"): a TOML float would already be inexact.
    if not isinstance(valore, str):
        motivi.append(f"{dove}: scrivere l'importo come testo, es. \"3000.00\"")
        return Decimal("0")
    try:
        d = Decimal(valore)
    except InvalidOperation:
        motivi.append(f"{dove}: importo non valido «{valore}»")
        return Decimal("0")
    if not d.is_finite() or d <= 0:
        motivi.append(f"{dove}: l'importo deve essere maggiore di zero")
        return Decimal("0")
    return d


def _flag(voce: dict, chiave: str, default: bool, dove: str, motivi: list[str]) -> bool:
    valore = voce.get(chiave, default)
    if not isinstance(valore, bool):
        motivi.append(f"{dove}: «{chiave}» deve essere true o false")
        return default
    return valore


def _campi(voce: dict, chiavi: tuple, dove: str, motivi: list[str]) -> bool:
    mancanti = [k for k in chiavi if not isinstance(voce.get(k), str) or not voce.get(k).strip()]
    for k in mancanti:
        motivi.append(f"{dove}: manca «{k}»")
    return not mancanti


def _duplicati(codici, dove: str, motivi: list[str]) -> None:
    visti = set()
    for c in codici:
        if c in visti:
            motivi.append(f"{dove}: codice «{c}» duplicato")
        visti.add(c)


def _importi(tabella, dove: str, chiavi_ammesse: set[str] | None, motivi: list[str]) -> dict[str, Decimal]:
    if not isinstance(tabella, dict):
        motivi.append(f"{dove}: deve essere una tabella nome = \"importo\"")
        return {}
    importi = {}
    for chiave, valore in tabella.items():
        if chiavi_ammesse is not None and chiave not in chiavi_ammesse:
            motivi.append(f"{dove}: asse «{chiave}» sconosciuto")
        elif not chiave.strip():
            motivi.append(f"{dove}: nome dell'ente vuoto")
        else:
            importi[chiave] = _decimale(valore, f"{dove} «{chiave}»", motivi)
    return importi


def _leggi_rendiconto(r, codici_assi: set[str], motivi: list[str]) -> Rendiconto:
    """[rendiconto]: the sheets in order, the Spese columns, the budget and the co-financing."""
    if not isinstance(r, dict):
        motivi.append("[rendiconto] deve essere una tabella")
        return Rendiconto()
    fogli = r.get("fogli", list(FOGLI_RENDICONTO))
    if not isinstance(fogli, list) or not fogli or not all(isinstance(f, str) for f in fogli):
        motivi.append("[rendiconto] «fogli» deve essere un elenco non vuoto di nomi di fogli")
        fogli = list(FOGLI_RENDICONTO)
    for f in fogli:
        if f not in FOGLI_RENDICONTO:
            motivi.append(f"[rendiconto] foglio «{f}» non previsto ({', '.join(FOGLI_RENDICONTO)})")
    _duplicati(fogli, "[rendiconto] fogli", motivi)
    colonne = []
    for i, c in enumerate(r.get("colonne_spese", []), start=1):
        dove = f"[[rendiconto.colonne_spese]] n. {i}"
        if not isinstance(c, dict) or not _campi(c, ("etichetta", "campo"), dove, motivi):
            continue
        if c["campo"] not in CAMPI_SPESA:
            motivi.append(f"{dove}: campo «{c['campo']}» non previsto ({', '.join(CAMPI_SPESA)})")
        else:
            colonne.append(ColonnaSpese(c["etichetta"].strip(), c["campo"]))
    _duplicati([c.etichetta for c in colonne], "[rendiconto] colonne del foglio Spese", motivi)
    if "colonne_spese" in r and not r["colonne_spese"]:
        motivi.append("[rendiconto] «colonne_spese» non può essere vuoto")
    budget = r.get("budget", {})
    if not isinstance(budget, dict):
        motivi.append("[rendiconto.budget] deve essere una tabella")
        budget = {}
    cofinanziamento = []
    for i, c in enumerate(r.get("cofinanziamento", []), start=1):
        dove = f"[[rendiconto.cofinanziamento]] n. {i}"
        if not isinstance(c, dict):
            motivi.append(f"{dove}: deve essere una tabella")
            continue
        asse, ente = c.get("asse", ""), c.get("ente", "")
        if not isinstance(asse, str) or not isinstance(ente, str) or not (asse.strip() or ente.strip()):
            motivi.append(f"{dove}: indicare «asse», «ente» o entrambi")
            continue
        if asse and asse not in codici_assi:
            motivi.append(f"{dove}: asse «{asse}» sconosciuto")
        if "monetario" not in c and "valorizzato" not in c:
            motivi.append(f"{dove}: indicare «monetario» (risorse in denaro), «valorizzato» (tempo del personale) "
                          "o entrambi")
            continue
        importi = [_decimale(c[k], f"{dove} «{k}»", motivi) if k in c else Decimal("0")
                   for k in ("monetario", "valorizzato")]
        cofinanziamento.append(Cofinanziamento(asse, ente.strip(), *importi))
    return Rendiconto(
        fogli=tuple(fogli), colonne_spese=tuple(colonne) or COLONNE_SPESE_LIA2,
        budget_assi=_importi(budget.get("assi", {}), "[rendiconto.budget.assi]", codici_assi, motivi),
        budget_enti=_importi(budget.get("enti", {}), "[rendiconto.budget.enti]", None, motivi),
        cofinanziamento=tuple(cofinanziamento))


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
    if not all(isinstance(p[k], date) and not isinstance(p[k], datetime) for k in ("data_inizio", "data_fine")):
        raise ProgrammaNonValido(["[programma] le date devono essere date TOML (AAAA-MM-GG)"])
    if p["data_fine"] < p["data_inizio"]:
        motivi.append("[programma] la data di fine precede la data di inizio")

    assi = []
    for a in dati.get("assi", []):
        dove = f"asse {a.get('codice', '?')}"
        if _campi(a, ("codice", "nome", "gestore"), dove, motivi):
            assi.append(Asse(a["codice"], a["nome"], _flag(a, "attivato", False, dove, motivi), a["gestore"]))
    assi = tuple(assi)
    codici_assi = {a.codice for a in assi}
    _duplicati([a.codice for a in assi], "assi", motivi)
    for a in assi:
        if a.gestore not in GESTORI:
            motivi.append(f"asse {a.codice}: gestore «{a.gestore}» non previsto ({', '.join(GESTORI)})")
    priorita = []
    for x in dati.get("priorita", []):
        dove = f"priorità {x.get('codice', '?')}"
        if _campi(x, ("codice", "asse", "nome"), dove, motivi):
            priorita.append(Priorita(x["codice"], x["asse"], x["nome"], _flag(x, "attivata", False, dove, motivi),
                                     _flag(x, "dedotta", False, dove, motivi)))
    priorita = tuple(priorita)
    _duplicati([x.codice for x in priorita], "priorità", motivi)
    per_codice = {x.codice: x for x in priorita}
    for x in priorita:
        if x.asse not in codici_assi:
            motivi.append(f"priorità {x.codice}: asse «{x.asse}» sconosciuto")
    voci = []
    for v in dati.get("voci", []):
        dove = f"voce {v.get('codice', '?')}"
        if not _campi(v, ("codice", "descrizione", "priorita"), dove, motivi):
            continue
        pr = per_codice.get(v["priorita"])
        if pr is None:
            motivi.append(f"voce {v.get('codice')}: priorità «{v.get('priorita')}» sconosciuta")
            continue
        voci.append(VoceSpesa(v["codice"], v["descrizione"], pr.codice, pr.asse,
                              _flag(v, "costo_ammesso", True, dove, motivi),
                              _flag(v, "solo_soluzioni_intermedie", False, dove, motivi)))
    if len({v.codice for v in voci}) != len(voci):
        motivi.append("codici delle voci di spesa duplicati")
    massimali = []
    for mx in dati.get("massimali", []):
        dove = f"massimale {mx.get('codice', '?')}"
        if not _campi(mx, ("codice",), dove, motivi):
            continue
        assi_mx = mx.get("assi", [])
        if not isinstance(assi_mx, list) or not assi_mx or not all(isinstance(a, str) for a in assi_mx):
            motivi.append(f"{dove}: «assi» deve essere un elenco non vuoto di codici")
            assi_mx = []
        massimali.append(Massimale(mx["codice"], mx.get("descrizione", mx["codice"]),
                                   _decimale(mx.get("importo"), dove, motivi), tuple(assi_mx)))
    massimali = tuple(massimali)
    _duplicati([mx.codice for mx in massimali], "massimali", motivi)
    for mx in massimali:
        for a in mx.assi:
            if a not in codici_assi:
                motivi.append(f"massimale {mx.codice}: asse «{a}» sconosciuto")
    aree = {}
    for k, v in dati.get("aree", {}).items():
        if k not in AREE:
            motivi.append(f"[aree] area «{k}» non prevista ({', '.join(AREE)})")
        elif not isinstance(v, list) or not all(isinstance(a, str) and a in codici_assi for a in v):
            motivi.append(f"[aree] «{k}» deve essere un elenco di assi esistenti")
        else:
            aree[k] = tuple(v)
    for area in AREE:
        if area not in dati.get("aree", {}):
            motivi.append(f"[aree] manca l'area «{area}»")
    indicatori = []
    for i in dati.get("indicatori", []):
        dove = f"indicatore {i.get('codice', '?')}"
        if not _campi(i, ("codice", "descrizione"), dove, motivi):
            continue
        target = i.get("target", 0)
        if not isinstance(target, int) or isinstance(target, bool) or target < 0:
            motivi.append(f"{dove}: il target deve essere un numero intero non negativo")
            continue
        indicatori.append(Indicatore(i["codice"], i["descrizione"], target))
    indicatori = tuple(indicatori)
    _duplicati([i.codice for i in indicatori], "indicatori", motivi)
    codici_voci = {v.codice for v in voci}
    sovrapposizioni = []
    for x in dati.get("sovrapposizioni", []):
        dove = f"sovrapposizione {x.get('misura', '?')}"
        if not _campi(x, ("misura", "effetto"), dove, motivi):
            continue
        voci_x = x.get("voci", [])
        if not isinstance(voci_x, list) or not voci_x or not all(v in codici_voci for v in voci_x):
            motivi.append(f"{dove}: «voci» deve essere un elenco non vuoto di voci esistenti")
        elif x["effetto"] not in EFFETTI_SOVRAPPOSIZIONE:
            motivi.append(f"{dove}: effetto «{x['effetto']}» non previsto ({', '.join(EFFETTI_SOVRAPPOSIZIONE)})")
        else:
            sovrapposizioni.append(Sovrapposizione(x["misura"], frozenset(voci_x), x["effetto"]))
    finalita = []
    for x in dati.get("finalita_consenso", []):
        if _campi(x, ("codice", "descrizione"), f"finalità di consenso {x.get('codice', '?')}", motivi):
            finalita.append(FinalitaConsenso(x["codice"], x["descrizione"]))
    _duplicati([f.codice for f in finalita], "finalità di consenso", motivi)
    richiesti = {}
    for passo, codice in dati.get("consensi_richiesti", {}).items():
        if passo not in PASSI_CON_CONSENSO:
            motivi.append(f"[consensi_richiesti] passo «{passo}» non previsto ({', '.join(PASSI_CON_CONSENSO)})")
        elif codice and codice not in {f.codice for f in finalita}:
            motivi.append(f"[consensi_richiesti] «{passo}»: finalità «{codice}» non dichiarata in [[finalita_consenso]]")
        elif codice:
            richiesti[passo] = codice
    sezioni = []
    for x in dati.get("relazione_finale", []):
        if _campi(x, ("codice", "titolo"), f"sezione della relazione finale {x.get('codice', '?')}", motivi):
            sezioni.append(SezioneRelazione(x["codice"], x["titolo"], x.get("guida", "")))
    _duplicati([x.codice for x in sezioni], "sezione della relazione finale", motivi)
    mesi = imp.get("mesi_follow_up", [6, 12])
    if not isinstance(mesi, list) or not mesi or not all(isinstance(x, int) and x > 0 for x in mesi):
        motivi.append("[impostazioni] mesi_follow_up deve essere un elenco non vuoto di mesi")
        mesi = [6, 12]
    soglia = imp.get("soglia_conteggi_piccoli", 3)
    if not isinstance(soglia, int) or isinstance(soglia, bool) or soglia < 0:
        motivi.append("[impostazioni] soglia_conteggi_piccoli deve essere un intero non negativo")
        soglia = 3
    avviso = imp.get("soglia_avviso_massimale", 90)
    if not isinstance(avviso, int) or isinstance(avviso, bool) or not 1 <= avviso <= 100:
        motivi.append("[impostazioni] soglia_avviso_massimale deve essere una percentuale da 1 a 100")
        avviso = 90
    margine = imp.get("margine_anni_date", 5)
    if not isinstance(margine, int) or isinstance(margine, bool) or not 0 <= margine <= 100:
        motivi.append("[impostazioni] margine_anni_date deve essere un numero di anni da 0 a 100")
        margine = 5
    attesa = imp.get("giorni_attesa_segnalazione", 7)
    if not isinstance(attesa, int) or isinstance(attesa, bool) or not 0 <= attesa <= 365:
        motivi.append("[impostazioni] giorni_attesa_segnalazione deve essere un numero di giorni da 0 a 365")
        attesa = 7
    rendiconto = _leggi_rendiconto(dati.get("rendiconto", {}), codici_assi, motivi)
    anni_conservazione = dati.get("conservazione", {}).get("anni_dati_personali", 5)
    motivi += [f"[conservazione] {m}" for m in motivi_anni_non_validi(anni_conservazione, mesi)]
    if motivi:
        raise ProgrammaNonValido(motivi)
    return Programma(
        codice=p["codice"], nome=p["nome"], decreto=p["decreto"],
        data_inizio=p["data_inizio"], data_fine=p["data_fine"],
        assi=assi, priorita=priorita, voci=tuple(voci), massimali=massimali, indicatori=indicatori,
        aree=aree,
        soglia_conteggi_piccoli=soglia,
        mesi_follow_up=tuple(mesi),
        margine_anni_date=margine,
        soglia_avviso_massimale=avviso,
        giorni_attesa_segnalazione=attesa,
        sovrapposizioni=tuple(sovrapposizioni),
        finalita_consenso=tuple(finalita),
        consensi_richiesti=richiesti,
        anni_conservazione=anni_conservazione,
        sezioni_relazione=tuple(sezioni),
        rendiconto=rendiconto,
    )


def carica_programma(percorso: str | Path) -> Programma:
    with open(percorso, "rb") as f:
        return leggi_programma(tomllib.load(f))


def programma_predefinito(codice: str = "lia2") -> Programma:
    return carica_programma(CARTELLA_PROGRAMMI / f"{codice}.toml")
