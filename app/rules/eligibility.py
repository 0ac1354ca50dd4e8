"""Eligibility of one spesa against the programme catalogue.

Each rule is a function ``(spesa, programma, contesto) -> list[str]`` of Italian reasons
(empty = ok) that declares, with ``@regola(campo)``, the form field its reasons belong to, so the
web form, the REST API (422), the import and the Excel export all share the same verdict.
``valuta_progetto`` decides the spese of one project together, in the one order that counts.
Pure Python: no Flask, no SQLAlchemy; money is always Decimal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Callable, Sequence

from app.rules.programma import Massimale, Programma, VoceSpesa

CENTESIMO = Decimal("0.01")
IMPORTO_MASSIMO = Decimal("1000000")


@dataclass(frozen=True)
class ProgettoDati:
    id: int
    area: str  # "lavoro", "abitare", "entrambe"
    data_inizio: date | None
    data_fine: date | None
    data_validazione_equipe: date | None
    data_validazione_capofila: date | None
    ente_cav_id: int  # the CAV holding the woman in charge
    soluzione_abitativa_intermedia: bool = False


@dataclass(frozen=True)
class RettificaDi:
    """The spesa a rettifica gives money back on, as the rettifica sees it."""
    id: int
    importo: Decimal
    data: date
    ammissibile: bool  # its verdict (the one just given, when judged in the same pass)
    annullata: bool
    gia_rettificato: Decimal  # given back by its rettifiche recorded before this one
    descrizione: str  # how a reason names it (descrivi_spesa)


@dataclass(frozen=True)
class SpesaDati:
    voce: str
    importo: Decimal
    data: date
    ente_pagatore_id: int
    ente_pagatore_tipo: str
    coperta_da_altra_misura: bool
    giustificativo_numero: str | None
    giustificativo_data: date | None
    progetto: ProgettoDati | None  # None for Asse I spese paid by the capofila
    id: int | None = None
    # Recorded on purpose as "non ammissibile" (money already paid): never admitted, never counted.
    registrata_non_ammissibile: bool = False
    ente_pagatore_etichetta: str = ""  # the payer's kind of ente, in the users' words
    # Dated in a closed rendicontazione period: its verdict is the one sent to the Region, kept as is.
    esito_inviato: Esito | None = None
    # A rettifica (negative amount): judged by REGOLE_RETTIFICA, it lowers what its spesa charged.
    rettifica_di: RettificaDi | None = None


@dataclass(frozen=True)
class AltraMisuraDati:
    tipo: str  # its name, in the users' words
    data_inizio: date
    data_fine: date | None
    assi_coperti: tuple[str, ...]  # declared by the CAV on the measure itself
    codice: str = ""  # its key, as the programme's [[sovrapposizioni]] name it

    def attiva_il(self, giorno: date) -> bool:
        return self.data_inizio <= giorno <= (self.data_fine or date.max)


@dataclass(frozen=True)
class Contesto:
    spese_ammissibili_progetto: tuple[SpesaDati, ...] = ()
    giustificativi_esistenti: frozenset[tuple[int, str, date]] = frozenset()
    altre_misure: tuple[AltraMisuraDati, ...] = ()


@dataclass(frozen=True)
class Esito:
    ammissibile: bool
    motivi: tuple[str, ...]
    avvisi: tuple[str, ...]
    per_campo: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the same reasons, by form field


Regola = Callable[[SpesaDati, Programma, Contesto], list[str]]

# The users' words for the keys the rules speak about.
ETICHETTE_GESTORE = {"capofila": "dall'ente capofila", "cav": "dal centro antiviolenza che ha in carico la donna"}
ETICHETTE_PAGATORE = {"capofila": "Ente capofila", "cav": "Centro antiviolenza"}
ETICHETTE_AREA = {"lavoro": "Lavoro", "abitare": "Abitare", "entrambe": "Lavoro e abitare"}
MOTIVO_SU_RICHIESTA = ("registrata come non ammissibile su richiesta: per farla valutare di nuovo, modificarla"
                       " togliendo la spunta «Registra anche se non ammissibile»")


def regola(campo: str):
    """Declare the form field a rule's reasons belong to (shown next to it)."""
    def dichiara(funzione):
        funzione.campo = campo
        return funzione
    return dichiara


# --- formatting and raw input ---------------------------------------------------------

def formatta_euro(importo: Decimal) -> str:
    """Decimal("1234.5") -> "€ 1.234,50" (Italian separators)."""
    testo = format(Decimal(importo).quantize(CENTESIMO, ROUND_HALF_UP), ",.2f")
    return "€ " + testo.translate(str.maketrans(",.", ".,"))


def formatta_data(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def motivo_quietanza_non_valida(giustificativo_data: date | None, quietanza_data: date | None) -> str | None:
    """A payment cannot be made before the document it pays was issued: a typing slip."""
    if giustificativo_data and quietanza_data and quietanza_data < giustificativo_data:
        return (f"La data della quietanza ({formatta_data(quietanza_data)}) non può precedere la data del "
                f"giustificativo ({formatta_data(giustificativo_data)}).")
    return None


def normalizza_giustificativo(numero: str | None) -> str:
    """" fatt 12/ a " -> "FATT12/A": the same invoice typed twice must compare equal."""
    return re.sub(r"\s+", "", numero or "").upper()


# re.ASCII: \d would also match other scripts' digits ("１２", "١٢"), which Decimal() reads.
_IT = re.compile(r"^(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$", re.ASCII)       # 1.234,56  1234,56  1.234
_EN = re.compile(r"^\d+(\.\d+)?$", re.ASCII)                           # 1234.56


def valida_importo(valore) -> tuple[Decimal | None, list[str]]:
    """Parse an amount typed in a form, sent by the API or read from a spreadsheet."""
    if valore is None or (isinstance(valore, str) and not valore.strip()):
        return None, ["importo mancante"]
    if isinstance(valore, bool):
        return None, [f"importo non numerico: «{valore}»"]
    if isinstance(valore, (Decimal, int)):
        d = Decimal(valore)
    elif isinstance(valore, float):
        d = Decimal(str(valore))  # JSON numbers arrive as float; str() is what was typed
    else:
        testo = str(valore).strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
        segno, corpo = (testo[0], testo[1:]) if testo[:1] in "+-" else ("", testo)
        if "," in corpo or corpo.count(".") > 1:
            if not _IT.match(corpo):
                return None, [f"importo non numerico: «{valore}»"]
            corpo = corpo.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"\d{1,3}\.\d{3}", corpo):
            # "1.234": thousands for an Italian, 1.234 for anyone else; ask, don't guess
            return None, [f"importo ambiguo «{valore}»: scrivere 1234,00 oppure 1.234,00"]
        elif not _EN.match(corpo):
            return None, [f"importo non numerico: «{valore}»"]
        try:
            d = Decimal(("-" if segno == "-" else "") + corpo)
        except InvalidOperation:
            return None, [f"importo non numerico: «{valore}»"]
    if not d.is_finite():
        return None, [f"importo non numerico: «{valore}»"]
    motivi = []
    if d < 0:
        motivi.append("l'importo non può essere negativo")
    # quantize() fails past the context's precision (1e308 sent as a JSON number)
    if abs(d) <= IMPORTO_MASSIMO and d != d.quantize(CENTESIMO, ROUND_HALF_UP):
        motivi.append("l'importo può avere al massimo due decimali")
    if d > IMPORTO_MASSIMO:
        motivi.append(f"l'importo supera il limite di {formatta_euro(IMPORTO_MASSIMO)}")
    if motivi:
        return None, motivi
    return d.quantize(CENTESIMO), []


# --- helpers --------------------------------------------------------------------------

def _voce(spesa: SpesaDati, programma: Programma) -> VoceSpesa | None:
    return programma.voce(spesa.voce)


def _assi_di_progetto(programma: Programma) -> set[str]:
    # Assi reachable from some project area (II-IV); the others (Asse I) are system actions.
    return {a for assi in programma.aree.values() for a in assi}


# --- the rules ------------------------------------------------------------------------

@regola("voce")
def regola_voce_attiva(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """1. The voce exists, and its asse and priorità are activated in the programme."""
    voce = _voce(spesa, programma)
    if voce is None:
        return [f"voce di spesa «{spesa.voce}» non prevista dal programma «{programma.nome}»"]
    motivi = []
    asse = programma.asse(voce.asse)
    if asse is None or not asse.attivato:
        motivi.append(f"l'asse {voce.asse} non è attivato nel programma")
    pr = programma.priorita_per_codice(voce.priorita)
    if pr is None or not pr.attivata:
        motivi.append(f"la priorità {voce.priorita} non è attivata nel programma")
    return motivi


@regola("voce")
def regola_area_progetto(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """2. Project spese only in the assi of the project's area; system spese without a project."""
    voce = _voce(spesa, programma)
    if voce is None:
        return []
    if voce.asse not in _assi_di_progetto(programma):
        if spesa.progetto is not None:
            return [f"le spese dell'asse {voce.asse} non si imputano a un progetto personalizzato"]
        return []
    if spesa.progetto is None:
        return [f"le spese dell'asse {voce.asse} devono essere imputate a un progetto personalizzato"]
    ammessi = programma.assi_per_area(spesa.progetto.area)
    if voce.asse not in ammessi:
        return [
            f"l'asse {voce.asse} non è ammesso per un progetto dell'area"
            f" «{ETICHETTE_AREA.get(spesa.progetto.area, spesa.progetto.area)}»"
            f" (assi ammessi: {', '.join(ammessi) or 'nessuno'})"
        ]
    return []


@regola("voce")
def regola_ente_pagatore(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """3. Paid by the kind of ente that manages the asse; a CAV pays only for its own women."""
    voce = _voce(spesa, programma)
    asse = programma.asse(voce.asse) if voce else None
    if asse is None:
        return []
    if spesa.ente_pagatore_tipo != asse.gestore:
        pagatore = spesa.ente_pagatore_etichetta or ETICHETTE_PAGATORE.get(spesa.ente_pagatore_tipo, "altro ente")
        return [f"le spese dell'asse {asse.codice} sono gestite e pagate"
                f" {ETICHETTE_GESTORE.get(asse.gestore, asse.gestore)} (ente pagatore: {pagatore})"]
    if asse.gestore == "cav" and spesa.progetto and spesa.ente_pagatore_id != spesa.progetto.ente_cav_id:
        return ["la spesa deve essere pagata dal CAV che ha in carico la donna"]
    return []


@regola("data")
def regola_validazione_progetto(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """4. No spending before the équipe's validation, nor (regional money) the capofila's."""
    p = spesa.progetto
    if p is None:
        return []
    motivi = []
    validazioni = [("dall'équipe territoriale", p.data_validazione_equipe)]
    if spesa.importo > 0:  # any cost is regional money: the capofila must have validated too
        validazioni.append(("dal capofila", p.data_validazione_capofila))
    for chi, quando in validazioni:
        if quando is None:
            motivi.append(f"progetto non ancora validato {chi}")
        elif spesa.data < quando:
            motivi.append(f"spesa del {formatta_data(spesa.data)} precedente alla validazione"
                          f" {chi} ({formatta_data(quando)})")
    return motivi


@regola("data")
def regola_periodo(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """5. Within the programme's period and the project's period (both inclusive)."""
    motivi = []
    if not programma.data_inizio <= spesa.data <= programma.data_fine:
        motivi.append(f"spesa del {formatta_data(spesa.data)} fuori dal periodo del programma"
                      f" ({formatta_data(programma.data_inizio)}–{formatta_data(programma.data_fine)})")
    p = spesa.progetto
    if p and p.data_inizio and spesa.data < p.data_inizio:
        motivi.append(f"spesa precedente all'inizio del progetto ({formatta_data(p.data_inizio)})")
    if p and p.data_fine and spesa.data > p.data_fine:
        motivi.append(f"spesa successiva alla fine del progetto ({formatta_data(p.data_fine)})")
    return motivi


@regola("importo")
def regola_massimali(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """6. Ceilings per project: a spesa that overflows is refused whole, never cut."""
    voce = _voce(spesa, programma)
    if voce is None or spesa.progetto is None or spesa.importo <= 0:
        return []
    motivi = []
    for m in programma.massimali_per_asse(voce.asse):
        speso = speso_per_massimale(m, contesto.spese_ammissibili_progetto, programma, esclusa_id=spesa.id)
        if speso + spesa.importo > m.importo:
            motivi.append(f"supera il massimale «{m.descrizione}» di {formatta_euro(m.importo)}"
                          f" per progetto: residuo disponibile: {formatta_euro(residuo_massimale(m, speso))}")
    return motivi


def speso_per_massimale(massimale: Massimale, ammesse: Sequence[SpesaDati], programma: Programma,
                        esclusa_id: int | None = None) -> Decimal:
    """What the eligible spese `ammesse` charge to a ceiling (the spesa `esclusa_id` left out)."""
    return sum((s.importo for s in ammesse
                if (esclusa_id is None or s.id != esclusa_id)
                and (v := programma.voce(s.voce)) is not None and v.asse in massimale.assi), Decimal("0"))


def residuo_massimale(massimale: Massimale, speso: Decimal) -> Decimal:
    return max(massimale.importo - speso, Decimal("0"))


@dataclass(frozen=True)
class SituazioneMassimale:
    """One ceiling of a project: what is spent on it, what is left, and whether it is nearly used up."""
    codice: str
    descrizione: str
    assi: tuple[str, ...]
    importo: Decimal
    speso: Decimal
    residuo: Decimal
    percentuale: int  # of the ceiling spent, rounded down
    vicino: bool  # at or past the programme's warning threshold


def situazione_massimali(progetto: ProgettoDati, ammesse: Sequence[SpesaDati], programma: Programma
                         ) -> list[SituazioneMassimale]:
    """Spent and residual of every ceiling that applies to the project (those over the assi of its
    area), from its eligible spese: the same sums rule 6 refuses a spesa with."""
    assi = set(programma.assi_per_area(progetto.area))
    situazione = []
    for m in programma.massimali:
        if not assi & set(m.assi):
            continue
        speso = speso_per_massimale(m, ammesse, programma)
        percentuale = int(speso * 100 // m.importo) if m.importo > 0 else 100
        situazione.append(SituazioneMassimale(
            codice=m.codice, descrizione=m.descrizione, assi=m.assi, importo=m.importo, speso=speso,
            residuo=residuo_massimale(m, speso), percentuale=percentuale,
            vicino=speso * 100 >= m.importo * programma.soglia_avviso_massimale))
    return situazione


@regola("importo")
def regola_costo_ammesso(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """7. CPI services are paid by the CPI: recorded at zero; every other voce costs > 0."""
    voce = _voce(spesa, programma)
    if voce is None:
        return []
    if not voce.costo_ammesso:
        if spesa.importo != 0:
            return [f"«{voce.descrizione}»: servizio senza costo per il programma,"
                    " un importo addebitato non è ammissibile"]
        return []
    if spesa.importo <= 0:
        return ["l'importo deve essere maggiore di zero"]
    return []


def _sovrapposte(spesa: SpesaDati, programma: Programma, contesto: Contesto, effetto: str) -> list[AltraMisuraDati]:
    """The woman's measures, active on the spesa's date, that the programme file says already
    pay for its voce, with this effect."""
    return [m for m in contesto.altre_misure
            if m.attiva_il(spesa.data) and any(s.misura == m.codice and s.effetto == effetto and spesa.voce in s.voci
                                               for s in programma.sovrapposizioni)]


def _paga_gia(misura: AltraMisuraDati, spesa: SpesaDati, programma: Programma) -> str:
    voce = _voce(spesa, programma)
    return (f"la donna riceve «{misura.tipo}» dal {formatta_data(misura.data_inizio)}, che paga già"
            f" «{voce.descrizione if voce else spesa.voce}»")


@regola("coperta_da_altra_misura")
def regola_doppio_finanziamento(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """8. A cost already covered by another measure cannot be charged again: as the operator
    declares it, or as the programme file says of a measure she receives on that date."""
    motivi = [f"{_paga_gia(m, spesa, programma)} (doppio finanziamento)"
              for m in _sovrapposte(spesa, programma, contesto, "rifiuto")]
    if spesa.coperta_da_altra_misura:
        motivi.insert(0, "spesa già coperta da un'altra misura (doppio finanziamento)")
    return motivi


@regola("coperta_da_altra_misura")
def avviso_altre_misure(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """8b. Warning only: a measure she receives on that date may cover the same need (the
    programme file says so of its voce, or the CAV declared its asse on the measure)."""
    voce = _voce(spesa, programma)
    if voce is None:
        return []
    dal_programma = _sovrapposte(spesa, programma, contesto, "avviso")
    gia_dette = dal_programma + _sovrapposte(spesa, programma, contesto, "rifiuto")
    return [f"{_paga_gia(m, spesa, programma)}: verificare che la spesa non sia già coperta" for m in dal_programma] + [
        f"la donna riceve «{m.tipo}» dal {formatta_data(m.data_inizio)}, che copre anche l'asse"
        f" {voce.asse}: verificare che la spesa non sia già coperta"
        for m in contesto.altre_misure
        if voce.asse in m.assi_coperti and m.attiva_il(spesa.data) and m not in gia_dette
    ]


@regola("voce")
def regola_soluzione_intermedia(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """9. The managing body's monthly fee exists only for intermediate housing solutions."""
    voce = _voce(spesa, programma)
    if voce is None or not voce.solo_soluzioni_intermedie:
        return []
    if spesa.progetto is None or not spesa.progetto.soluzione_abitativa_intermedia:
        return [f"«{voce.descrizione}»: ammessa solo per soluzioni abitative intermedie"]
    return []


@regola("giustificativo_numero")
def regola_giustificativo_unico(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """10. One invoice/receipt of one payer cannot be charged twice."""
    numero = normalizza_giustificativo(spesa.giustificativo_numero)
    if not numero or spesa.giustificativo_data is None:
        return []
    if (spesa.ente_pagatore_id, numero, spesa.giustificativo_data) in contesto.giustificativi_esistenti:
        return [f"giustificativo n. {numero} del {formatta_data(spesa.giustificativo_data)}"
                " già imputato a un'altra spesa"]
    return []


# --- rettifiche: money given back on an earlier spesa --------------------------------


@regola("importo")
def regola_rettifica_importo(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    """A rettifica gives back money of an eligible spesa, never more than it still charges."""
    r = spesa.rettifica_di
    if r.annullata:
        return [f"{r.descrizione} è annullata: non c'è nulla da rettificare"]
    motivi = [] if r.ammissibile else [f"{r.descrizione} non è ammissibile: non c'è nulla da rettificare"]
    resta = max(r.importo - r.gia_rettificato, Decimal("0"))
    if spesa.importo >= 0:
        motivi.append("una rettifica ha importo negativo: la somma restituita")
    elif -spesa.importo > resta:
        motivi.append(f"la rettifica supera quanto resta da restituire: al massimo {formatta_euro(resta)}, per "
                      f"{r.descrizione}")
    return motivi


@regola("data")
def regola_rettifica_data(spesa: SpesaDati, programma: Programma, contesto: Contesto) -> list[str]:
    r = spesa.rettifica_di
    if spesa.data < r.data:
        return [f"la rettifica non può precedere la spesa che corregge (del {formatta_data(r.data)})"]
    return []


REGOLE: list[Regola] = [
    regola_voce_attiva,
    regola_area_progetto,
    regola_ente_pagatore,
    regola_validazione_progetto,
    regola_periodo,
    regola_massimali,
    regola_costo_ammesso,
    regola_doppio_finanziamento,
    regola_soluzione_intermedia,
    regola_giustificativo_unico,
]
AVVISI: list[Regola] = [avviso_altre_misure]
# A rettifica charges nothing: only these, and its verdict follows its spesa's.
REGOLE_RETTIFICA: list[Regola] = [regola_rettifica_importo, regola_rettifica_data, regola_giustificativo_unico]


def valuta_spesa(spesa: SpesaDati, programma: Programma, contesto: Contesto | None = None) -> Esito:
    """Run every rule, collecting all reasons (the user fixes everything in one pass)."""
    contesto = contesto or Contesto()
    motivi: list[str] = []
    per_campo: dict[str, tuple[str, ...]] = {}
    for r in REGOLE_RETTIFICA if spesa.rettifica_di else REGOLE:
        trovati = r(spesa, programma, contesto)
        if trovati:
            motivi += trovati
            per_campo[r.campo] = per_campo.get(r.campo, ()) + tuple(trovati)
    avvisi = () if spesa.rettifica_di else tuple(a for avviso in AVVISI for a in avviso(spesa, programma, contesto))
    return Esito(ammissibile=not motivi, motivi=tuple(motivi), avvisi=avvisi, per_campo=per_campo)


def ordine(spesa: SpesaDati) -> tuple:
    """The order that decides a project's ceilings: by date, then by recording (a new spesa last)."""
    return (spesa.data, spesa.id is None, spesa.id or 0)


def valuta_progetto(spese: Sequence[SpesaDati], programma: Programma,
                    contesto_di: Callable[[SpesaDati], Contesto]) -> list[Esito]:
    """The verdicts of the spese of one project, in the order of `spese`.

    Ceilings are consumed in date order: each spesa is judged against the eligible ones dated
    before it, so a verdict never depends on when it was typed in. A spesa recorded on purpose
    as "non ammissibile" stays so and counts for nobody; its reasons are the rules' against every
    eligible spesa of the project. `contesto_di` gives the rest of a spesa's context (other
    giustificativi, the woman's other measures); its eligible spese are set here.
    """
    esiti: list[Esito | None] = [s.esito_inviato for s in spese]
    # What was sent to the Region holds its share of the ceilings first, whatever its date: nothing
    # judged now can push an amount already reported over a ceiling.
    ammesse: list[SpesaDati] = [s for s in spese if s.esito_inviato is not None and s.esito_inviato.ammissibile]
    richieste: list[int] = []
    posizione = {s.id: i for i, s in enumerate(spese) if s.id is not None}
    for i in sorted(range(len(spese)), key=lambda i: ordine(spese[i])):
        s = spese[i]
        if s.esito_inviato is not None:
            continue
        if s.registrata_non_ammissibile:
            richieste.append(i)
            continue
        j = posizione.get(s.rettifica_di.id) if s.rettifica_di is not None else None
        if j is not None and esiti[j] is not None:
            # Its spesa was judged in this pass (earlier in the order): that verdict, not the stored one.
            s = replace(s, rettifica_di=replace(s.rettifica_di, ammissibile=esiti[j].ammissibile))
        esiti[i] = valuta_spesa(s, programma, replace(contesto_di(s), spese_ammissibili_progetto=tuple(ammesse)))
        if esiti[i].ammissibile:
            ammesse.append(s)
    for i in richieste:
        e = valuta_spesa(spese[i], programma, replace(contesto_di(spese[i]), spese_ammissibili_progetto=tuple(ammesse)))
        esiti[i] = Esito(False, e.motivi or (MOTIVO_SU_RICHIESTA,), e.avvisi,
                         e.per_campo or {"registra_non_ammissibile": (MOTIVO_SU_RICHIESTA,)})
    return esiti


def descrivi_spesa(spesa: SpesaDati) -> str:
    """How a reason names another spesa: date, amount, giustificativo (never who she is)."""
    testo = f"la spesa del {formatta_data(spesa.data)} di {formatta_euro(spesa.importo)}"
    if spesa.giustificativo_numero:
        testo += f" (giustificativo n. {spesa.giustificativo_numero}"
        if spesa.giustificativo_data:
            testo += f" del {formatta_data(spesa.giustificativo_data)}"
        testo += ")"
    return testo


def motivo_spostamento(spostata: SpesaDati, esito: Esito) -> str:
    """A spesa that would turn an eligible one recorded before it into "non ammissibile"."""
    perche = f": {esito.motivi[0]}" if esito.motivi else ""
    return (f"registrandola, {descrivi_spesa(spostata)}, già ammessa, diventerebbe non ammissibile{perche}."
            " Correggere data o importo, oppure registrarla come non ammissibile")


def voci_offerte(programma: Programma, pagatore_tipo: str) -> list[str]:
    """Codes of the voci an ente of this kind may pay (rules 1 and 3): what a spesa form offers it."""
    return [v.codice for v in programma.voci
            if (a := programma.asse(v.asse)) is not None and a.attivato and a.gestore == pagatore_tipo
            and (p := programma.priorita_per_codice(v.priorita)) is not None and p.attivata]
