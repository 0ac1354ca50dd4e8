"""Workflow of the progetto personalizzato, and the équipe's valutazione of a segnalazione.

Pure Python, standard library only: the web forms, the REST API (422 with ``motivi``) and the
import share these checks. Every refusal is a list of Italian reasons; an empty list means
"allowed". See DOMAIN.md section 2 for the path of one woman.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "BOZZA", "PROPOSTO", "VALIDATO_EQUIPE", "VALIDATO_CAPOFILA", "IN_CORSO", "CONCLUSO",
    "INTERROTTO", "STATI", "STATI_ETICHETTE", "STATO_INIZIALE", "STATI_FINALI", "TRANSIZIONI",
    "Attore", "ProgettoStato", "motivi_rifiuto", "transizioni_possibili",
    "transizioni_consentite", "ha_raggiunto_in_corso", "ESITI_VALUTAZIONE", "AREE_VALUTAZIONE",
    "motivi_rifiuto_valutazione", "effetti_transizione", "motivi_rifiuto_data_decisione",
    "motivi_blocco_modifica", "motivi_blocco_eliminazione", "aggiungi_mesi", "follow_up_dovuto",
    "in_attesa_di_valutazione", "pronta_per_un_progetto",
]

BOZZA = "bozza"
PROPOSTO = "proposto"
VALIDATO_EQUIPE = "validato_equipe"
VALIDATO_CAPOFILA = "validato_capofila"
IN_CORSO = "in_corso"
CONCLUSO = "concluso"
INTERROTTO = "interrotto"

STATI_ETICHETTE: dict[str, str] = {
    BOZZA: "Bozza",
    PROPOSTO: "Proposto",
    VALIDATO_EQUIPE: "Validato dall'équipe",
    VALIDATO_CAPOFILA: "Validato dal capofila",
    IN_CORSO: "In corso",
    CONCLUSO: "Concluso",
    INTERROTTO: "Interrotto",
}
STATI: tuple[str, ...] = tuple(STATI_ETICHETTE)
STATO_INIZIALE = BOZZA
STATI_FINALI: frozenset[str] = frozenset({CONCLUSO, INTERROTTO})

# The graph. validato_equipe -> in_corso exists only for projects without regional money
# (checked in motivi_rifiuto): no regional money may be spent before the capofila validates.
# A woman may drop out at any point before the end, hence interrotto from every live state
# except bozza (a draft is simply never proposed).
TRANSIZIONI: dict[str, tuple[str, ...]] = {
    BOZZA: (PROPOSTO,),
    PROPOSTO: (VALIDATO_EQUIPE, BOZZA, INTERROTTO),
    VALIDATO_EQUIPE: (VALIDATO_CAPOFILA, IN_CORSO, INTERROTTO),
    VALIDATO_CAPOFILA: (IN_CORSO, INTERROTTO),
    IN_CORSO: (CONCLUSO, INTERROTTO),
    CONCLUSO: (),
    INTERROTTO: (),
}

# Forward steps re-check the project's data: it may have been edited after being proposed,
# and an incomplete project must not be validated or started. Going back to bozza (to fix it)
# and interrupting are always possible whatever the data.
AVANZAMENTI: frozenset[str] = frozenset(
    {PROPOSTO, VALIDATO_EQUIPE, VALIDATO_CAPOFILA, IN_CORSO, CONCLUSO}
)

NOTA_SEGNAPOSTO = "(motivo)"  # lets transizioni_consentite ignore the nota requirement


@dataclass(frozen=True)
class Attore:
    """Who asks, as capacities: app.security decides them from roles and ente (the rules never
    read a role name). Regione and Amministratore supervise: they are not `operativo`."""

    user_id: int
    ente_id: int | None = None
    ambito_id: int | None = None
    operativo: bool = False  # may move the projects her ente coordinates
    equipe: bool = False  # validates as the équipe of her ambito
    capofila: bool = False  # validates the regional money


@dataclass(frozen=True)
class ProgettoStato:
    stato: str
    ambito_id: int
    ente_coordinatore_id: int  # the referring ente, which coordinates the micro-équipe
    usa_fondi_regionali: bool
    segnalazione_ammessa: bool
    ha_obiettivi: bool
    data_inizio: date | None = None
    data_fine: date | None = None


def _etichetta(stato: str) -> str:
    return STATI_ETICHETTE.get(stato, stato)


def _motivi_grafo(stato: str, verso: str) -> list[str]:
    if stato not in TRANSIZIONI:
        return [f"Lo stato attuale del progetto «{stato}» non è riconosciuto"]
    if verso not in TRANSIZIONI:
        return [f"Lo stato «{verso}» non esiste"]
    if stato in STATI_FINALI:
        return [f"Il progetto è già {_etichetta(stato).lower()}: nessuna transizione possibile"]
    if verso not in TRANSIZIONI[stato]:
        return [f"Da «{_etichetta(stato)}» non si può passare a «{_etichetta(verso)}»"]
    return []


def _motivi_attore(progetto: ProgettoStato, attore: Attore, verso: str) -> list[str]:
    motivi: list[str] = []
    if progetto.stato == PROPOSTO and verso == VALIDATO_EQUIPE:
        if not attore.equipe:
            motivi.append("Solo l'équipe territoriale può validare il progetto")
        if attore.ambito_id != progetto.ambito_id:
            motivi.append("Il progetto appartiene a un altro ambito territoriale")
    elif verso == VALIDATO_CAPOFILA:
        if not attore.capofila:
            motivi.append("Solo il capofila può validare il progetto dopo l'équipe")
    else:
        # Every other move belongs to the coordinating ente of the micro-équipe.
        if not attore.operativo:
            motivi.append("Il tuo ruolo non consente di far avanzare i progetti")
        if attore.ente_id is None or attore.ente_id != progetto.ente_coordinatore_id:
            motivi.append("Solo l'ente che coordina la micro-équipe può far avanzare il progetto")
    return motivi


def _motivi_dati(progetto: ProgettoStato, verso: str, nota: str) -> list[str]:
    motivi: list[str] = []
    if verso in AVANZAMENTI:
        if not progetto.segnalazione_ammessa:
            motivi.append("La segnalazione non è stata ammessa dall'équipe territoriale")
        if not progetto.ha_obiettivi:
            motivi.append("Il progetto non ha obiettivi")
        if progetto.data_inizio is None:
            motivi.append("Manca la data di inizio del progetto")
        elif progetto.data_fine is not None and progetto.data_fine < progetto.data_inizio:
            motivi.append("La data di fine precede la data di inizio")
    if progetto.stato == VALIDATO_EQUIPE and verso == IN_CORSO and progetto.usa_fondi_regionali:
        motivi.append("Serve la validazione del capofila perché il progetto usa fondi regionali")
    if verso == INTERROTTO and not (nota or "").strip():
        motivi.append("Indica il motivo dell'interruzione")
    return motivi


def motivi_rifiuto(
    progetto: ProgettoStato, attore: Attore, verso: str, nota: str = ""
) -> list[str]:
    """Every reason why ``attore`` may not move ``progetto`` to ``verso``; [] means allowed."""
    motivi = _motivi_grafo(progetto.stato, verso)
    if motivi:  # outside the graph, role and data checks have no meaning
        return motivi
    return _motivi_attore(progetto, attore, verso) + _motivi_dati(progetto, verso, nota)


def transizioni_possibili(progetto: ProgettoStato) -> list[str]:
    """Targets of the graph from the current state, whoever is asking (the UI's buttons)."""
    return list(TRANSIZIONI.get(progetto.stato, ()))


def transizioni_consentite(progetto: ProgettoStato, attore: Attore) -> list[str]:
    """Targets ``attore`` may reach now; the nota for interrotto is asked for afterwards."""
    return [
        verso
        for verso in transizioni_possibili(progetto)
        if not motivi_rifiuto(progetto, attore, verso, NOTA_SEGNAPOSTO)
    ]


def ha_raggiunto_in_corso(storico_stati: list[str]) -> bool:
    """Indicator "percorsi attivati": a project counts once started, even if later interrupted."""
    return IN_CORSO in storico_stati


# --- Valutazione of a segnalazione by the équipe territoriale -----------------------------

ESITI_VALUTAZIONE: dict[str, str] = {
    "ammessa": "Ammessa",
    "non_ammessa": "Non ammessa",
    "sospesa": "Sospesa",
}
# Same values as app.rules.programma.AREE, repeated so this module depends on stdlib only.
AREE_VALUTAZIONE: tuple[str, ...] = ("lavoro", "abitare", "entrambe")
AREE_LAVORO: frozenset[str] = frozenset({"lavoro", "entrambe"})


def motivi_rifiuto_valutazione(
    esito: str, motivazione: str, pronta: bool | None, area: str
) -> list[str]:
    """Every reason why this valutazione cannot be recorded; [] means it is acceptable."""
    motivi: list[str] = []
    if esito not in ESITI_VALUTAZIONE:
        motivi.append(f"Esito della valutazione «{esito}» non riconosciuto")
    elif esito != "ammessa" and not (motivazione or "").strip():
        # A refusal or a hold must be explained to the referring ente.
        motivi.append(f"Indica la motivazione dell'esito «{ESITI_VALUTAZIONE[esito]}»")
    area = (area or "").strip()
    if area and area not in AREE_VALUTAZIONE:
        motivi.append(f"Area «{area}» non riconosciuta: scegli tra lavoro, abitare, entrambe")
    # The indicator "donne pronte" needs readiness recorded for every admitted work path.
    if esito == "ammessa" and area in AREE_LAVORO and pronta is None:
        motivi.append("Indica se la donna è pronta per un percorso di lavoro")
    return motivi


# --- what a transition writes, and what the state allows -----------------------------------

def effetti_transizione(verso: str, data: date, nota: str, data_avvio: date | None) -> dict:
    """The project's fields a transition to `verso`, decided on `data`, sets (field -> value).
    Going back to bozza clears the validations: the project must be validated again."""
    if verso == VALIDATO_EQUIPE:
        return {"data_validazione_equipe": data}
    if verso == VALIDATO_CAPOFILA:
        return {"data_validazione_capofila": data}
    if verso == IN_CORSO:
        return {} if data_avvio is not None else {"data_avvio": data}
    if verso in STATI_FINALI:
        effetti = {"data_chiusura": data}
        if verso == INTERROTTO:
            effetti["motivo_interruzione"] = nota
        return effetti
    if verso == BOZZA:
        return {"data_validazione_equipe": None, "data_validazione_capofila": None}
    return {}


def motivi_rifiuto_data_decisione(nota: str, data: date | None, oggi: date) -> list[str]:
    motivi = []
    if len(nota) > 1000:
        motivi.append("La nota può avere al massimo 1000 caratteri.")
    if data is not None and data > oggi:
        motivi.append("La data della decisione non può essere futura.")
    return motivi


def motivi_blocco_modifica(stato: str, data_inizio: date | None, data_fine: date | None) -> list[str]:
    """A project is edited only while it is a proposal: once validated, what was validated stays."""
    if stato not in (BOZZA, PROPOSTO):
        return ["Il progetto si modifica solo in bozza o proposto: per cambiarlo, riportarlo in bozza."]
    if data_inizio and data_fine and data_fine < data_inizio:
        return ["La data di fine precede la data di inizio."]
    return []


def motivi_blocco_eliminazione(stato: str) -> list[str]:
    if stato not in (BOZZA, PROPOSTO):
        return ["Un progetto validato o avviato non si elimina: si interrompe, e resta nello storico."]
    return []


def aggiungi_mesi(d: date, mesi: int) -> date:
    import calendar

    anno, mese = divmod(d.month - 1 + mesi, 12)
    anno, mese = d.year + anno, mese + 1
    return date(anno, mese, min(d.day, calendar.monthrange(anno, mese)[1]))


def follow_up_dovuto(data_chiusura: date, date_follow_up: list[date], oggi: date,
                     mesi_follow_up=(6, 12)) -> tuple[int, date] | None:
    """The first follow-up (months after closure) that is due and not yet recorded on or after
    its date: (months, due date), or None."""
    for mesi in mesi_follow_up:
        scadenza = aggiungi_mesi(data_chiusura, mesi)
        if scadenza <= oggi and not any(d >= scadenza for d in date_follow_up):
            return mesi, scadenza
    return None


# --- What a form offers: the segnalazioni that wait for a step ------------------------------

def in_attesa_di_valutazione(esito_ultima: str | None) -> bool:
    """Never evaluated, or suspended: the équipe still has to decide."""
    return esito_ultima is None or esito_ultima == "sospesa"


def pronta_per_un_progetto(esito_ultima: str | None, stati_progetti) -> bool:
    """Admitted, and no project of it open or concluded (after an interruption a new one may start)."""
    return esito_ultima == "ammessa" and all(s == INTERROTTO for s in stati_progetti)
