"""What may be deleted: nothing that carries history or money.

- A woman, a segnalazione, an esito: refused while anything hangs from them (referrals, path,
  money, laboratorio...), here in words and, for most tables, in the database as ON DELETE
  RESTRICT. Her identity, consents and other measures are parts of her and go with her.
- A record created by mistake: only its author deletes it, within ORE_PER_UN_ERRORE of its
  creation (after that it may be in a report, an indicator, someone's work) and while nothing
  hangs from it.
- A spesa is never deleted but annulled with a reason (app.rules.annullamento), except that
  same mistake by its author, and never once annulled.
"""
from __future__ import annotations

from datetime import datetime, timedelta

ORE_PER_UN_ERRORE = 24

# Tables whose rows are parts of the record they point to and go with it.
PARTI = frozenset({"lia_dati_personali", "lia_consenso", "lia_deroga_consenso", "lia_altra_misura"})

# Table of the records that keep another -> (one, many), in Italian.
NOMI = {
    "lia_segnalazione": ("segnalazione", "segnalazioni"),
    "lia_valutazione": ("valutazione dell'équipe", "valutazioni dell'équipe"),
    "lia_microequipe": ("micro-équipe", "micro-équipe"),
    "lia_progetto": ("progetto", "progetti"),
    "lia_transizione_progetto": ("passaggio di stato di un progetto", "passaggi di stato dei progetti"),
    "lia_colloquio_cpi": ("colloquio al CPI", "colloqui al CPI"),
    "lia_intervento": ("intervento", "interventi"),
    "lia_esito_progetto": ("esito o follow-up", "esiti o follow-up"),
    "lia_spesa": ("spesa", "spese"),
    "lia_iscrizione_laboratorio": ("iscrizione al laboratorio", "iscrizioni al laboratorio"),
    "lia_presenza": ("presenza al laboratorio", "presenze al laboratorio"),
}

# Record (model name) -> how a sentence names it: (subject, past participle).
SOGGETTI = {
    "Beneficiaria": ("La beneficiaria", "eliminata"),
    "Segnalazione": ("La segnalazione", "eliminata"),
    "EsitoProgetto": ("L'esito", "eliminato"),
    "Spesa": ("La spesa", "eliminata"),
}


def _soggetto(record: str) -> tuple[str, str]:
    return SOGGETTI.get(record, ("Il record", "eliminato"))


def motivi_rifiuto_eliminazione(conteggi: dict[str, int], record: str = "Beneficiaria") -> list[str]:
    """`conteggi`: table -> how many of its records refer to this one. No reasons: it may go."""
    voci = []
    for tabella, n in conteggi.items():
        if n > 0 and tabella not in PARTI:
            uno, tanti = NOMI.get(tabella, ("altro record collegato", "altri record collegati"))
            voci.append(f"{n} {uno if n == 1 else tanti}")
    if not voci:
        return []
    elenco = voci[0] if len(voci) == 1 else ", ".join(voci[:-1]) + " e " + voci[-1]
    soggetto, participio = _soggetto(record)
    return [f"{soggetto} non può essere {participio}: ha {elenco}, che restano nella storia del programma."]


def motivi_rifiuto_errore(record: str, e_autore: bool, creato_il: datetime | None, adesso: datetime) -> list[str]:
    """Deleting as a mistake: by its author, soon after its creation. No reasons: it may go."""
    soggetto, participio = _soggetto(record)
    f = participio.endswith("a")  # the record's grammatical gender
    la, registrato, inserito = ("la", "registrata", "inserita") if f else ("lo", "registrato", "inserito")
    entro = f"entro {ORE_PER_UN_ERRORE} ore"
    if not e_autore:
        return [f"{soggetto} non può essere {participio}: solo chi l'ha {registrato} può eliminar{la}, {entro}, "
                f"se {inserito} per errore; poi resta nella storia del programma."]
    if creato_il is None or adesso - creato_il > timedelta(hours=ORE_PER_UN_ERRORE):
        return [f"{soggetto} non può più essere {participio}: ciò che è stato inserito per errore si elimina "
                f"{entro}; poi resta nella storia del programma."]
    return []


def motivi_rifiuto_eliminazione_spesa(annullata: bool, e_autore: bool, creato_il: datetime | None,
                                      adesso: datetime) -> list[str]:
    """A spesa goes only as its author's fresh mistake; otherwise it is annulled, with a reason."""
    if annullata:
        return ["Una spesa annullata resta nello storico e non si elimina."]
    if motivi_rifiuto_errore("Spesa", e_autore, creato_il, adesso):
        return ["Una spesa non si elimina: per toglierla dai totali usare «Annulla spesa» e indicarne il motivo. "
                f"Solo chi l'ha registrata può eliminarla, entro {ORE_PER_UN_ERRORE} ore, se inserita per errore."]
    return []
