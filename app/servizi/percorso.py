"""The path of one woman: segnalazione, valutazione, micro-équipe, progetto and its transitions
(see the contract in app/servizi). The decisions are app.rules.workflow's."""
from __future__ import annotations

from datetime import date

from sqlalchemy import inspect as sa_inspect, select

from app import models as m
from app.extensions import db
from app.rules import workflow
from app.security import attore_di
from app.servizi import Rifiuto, consensi
from app.servizi.eliminazione import registra_autore


def stato_di(progetto: m.Progetto) -> workflow.ProgettoStato:
    return workflow.ProgettoStato(
        stato=progetto.stato, ambito_id=progetto.beneficiaria.ambito_id,
        ente_coordinatore_id=progetto.ente_coordinatore_id,
        usa_fondi_regionali=progetto.usa_fondi_regionali,
        segnalazione_ammessa=bool(progetto.segnalazione and progetto.segnalazione.ammessa),
        ha_obiettivi=bool((progetto.obiettivi or "").strip()),
        data_inizio=progetto.data_inizio, data_fine=progetto.data_fine,
    )


def transizioni_per_utente(progetto: m.Progetto, utente) -> list[tuple[str, list[str]]]:
    """Every transition of the graph from the current state, with the reasons it is refused."""
    stato, attore = stato_di(progetto), attore_di(utente)
    return [(verso, workflow.motivi_rifiuto(stato, attore, verso, nota="(nota)"))
            for verso in workflow.transizioni_possibili(stato)]


def esegui_transizione(progetto: m.Progetto, utente, verso: str, nota: str = "", data: date | None = None):
    """Apply a workflow transition with its history, its audit row and the recompute of the
    project's spese (validation dates decide which are eligible); Rifiuto with the reasons if
    refused. The caller commits the whole (see the contract).

    `data` is the date of the decision (e.g. the équipe's meeting), recorded late by the
    operator; it defaults to today and cannot be in the future."""
    from app import audit
    from app.servizi.date_plausibili import verifica as verifica_data
    from app.servizi.spese import ricalcola_progetto

    nota = (nota or "").strip()
    verifica_data(data, "data")
    motivi = workflow.motivi_rifiuto_data_decisione(nota, data, date.today())
    motivi += workflow.motivi_rifiuto(stato_di(progetto), attore_di(utente), verso, nota)
    if motivi:
        raise Rifiuto(motivi)
    da = progetto.stato
    progetto.stato = verso
    data = data or date.today()
    for campo, valore in workflow.effetti_transizione(verso, data, nota, progetto.data_avvio).items():
        setattr(progetto, campo, valore)
    t = m.TransizioneProgetto(progetto=progetto, beneficiaria_id=progetto.beneficiaria_id, da_stato=da,
                              a_stato=verso, utente_id=utente.id, nota=nota, data_decisione=data)
    db.session.add(t)
    db.session.flush()
    audit.registra("transizione", tipo_record="Progetto", record_id=progetto.id,
                   codici=[progetto.beneficiaria.codice], dettaglio={"da": da, "a": verso}, utente=utente)
    ricalcola_progetto(progetto.id)
    return t


def prepara_segnalazione(item: m.Segnalazione, utente) -> None:
    if item.beneficiaria is None:
        raise Rifiuto("Indicare la beneficiaria.")
    ente = getattr(utente, "ente", None)
    if ente is None or ente.tipo not in ("centro_antiviolenza", "servizio_sociale", "azienda_sociale"):
        raise Rifiuto("Una segnalazione può essere inviata da un centro antiviolenza o da un servizio sociale.")
    consensi.verifica(item.beneficiaria, "segnalazione", "beneficiaria")
    item.ente_segnalante_id = ente.id
    item.ambito_id = item.beneficiaria.ambito_id  # always the équipe of her ambito
    registra_autore(item, utente)


def prepara_valutazione(item: m.Valutazione, utente) -> None:
    with db.session.no_autoflush:  # the new valutazione is not in the session yet
        _prepara_valutazione(item, utente)


def _prepara_valutazione(item: m.Valutazione, utente) -> None:
    from app.security import puo_valutare

    s = item.segnalazione
    if s is None:
        raise Rifiuto("Indicare la segnalazione da valutare.")
    if not puo_valutare(utente, s):
        raise Rifiuto("Solo l'équipe territoriale dell'ambito della beneficiaria può valutare la segnalazione.")
    precedenti = [v for v in s.valutazioni if v is not item]
    if item.id is None and precedenti and not workflow.in_attesa_di_valutazione(precedenti[-1].esito):
        raise Rifiuto("La segnalazione è già stata valutata: per cambiare l'esito si modifica quella valutazione.")
    motivi = workflow.motivi_rifiuto_valutazione(item.esito or "", item.motivazione or "", item.pronta, s.area_richiesta)
    if motivi:
        raise Rifiuto(motivi)
    item.beneficiaria_id = s.beneficiaria_id
    item.valutata_da_id = utente.id


def prepara_progetto(item: m.Progetto, utente) -> None:
    s = item.segnalazione
    if s is None:
        raise Rifiuto("Indicare la segnalazione da cui nasce il progetto.")
    if not s.ammessa:
        raise Rifiuto("La segnalazione deve essere ammessa dall'équipe prima di creare un progetto.")
    micro = db.session.execute(
        select(m.MicroEquipe).where(m.MicroEquipe.beneficiaria_id == s.beneficiaria_id)
    ).scalar_one_or_none()
    coordinatore = micro.ente_coordinatore_id if micro else s.ente_segnalante_id
    if getattr(utente, "ente_id", None) != coordinatore:
        raise Rifiuto("Il progetto è scritto dalla micro-équipe, coordinata dall'ente segnalante.")
    for nome in ("budget_asse_ii", "budget_asse_iii", "budget_asse_iv"):
        valore = getattr(item, nome)
        if valore is not None and valore < 0:
            raise Rifiuto("Il budget previsto non può essere negativo.")
    if item.data_inizio and item.data_fine and item.data_fine < item.data_inizio:
        raise Rifiuto("La data di fine precede la data di inizio.")
    item.beneficiaria_id = s.beneficiaria_id
    item.ente_coordinatore_id = coordinatore
    if not item.codice:
        from app.servizi.sequenze import prossimo_numero_progetto

        item.codice = f"P-{s.beneficiaria.codice}-{prossimo_numero_progetto(s.beneficiaria_id)}"


def verifica_modifica_progetto(item: m.Progetto) -> None:
    motivi = workflow.motivi_blocco_modifica(item.stato, item.data_inizio, item.data_fine)
    if motivi:
        raise Rifiuto(motivi)


def verifica_eliminazione_progetto(item: m.Progetto) -> None:
    motivi = workflow.motivi_blocco_eliminazione(item.stato)
    if motivi:
        raise Rifiuto(motivi)


def verifica_membri_microequipe(item: m.MicroEquipe) -> None:
    """Members: active users of the network's enti who work on cases (security decides who)."""
    from app.security import agisce_per_il_cpi, puo_far_parte_di_microequipe

    esclusi = [u.username for u in item.membri or [] if not puo_far_parte_di_microequipe(u)]
    if esclusi:
        motivo = (f"Non può far parte della micro-équipe: {', '.join(esclusi)}. Servono utenti attivi, di un ente "
                  "della rete, che lavorano sui casi.")
        raise Rifiuto(motivo, per_campo={"membri": [motivo]})
    # A CPI member joins her case through her CPI consent (the ones already there stay until
    # removed: her revocation already hides the case from them).
    stato = sa_inspect(item)
    nuovi = item.membri if stato.transient or stato.pending else stato.attrs.membri.history.added
    if any(agisce_per_il_cpi(u) for u in nuovi or []):
        consensi.verifica(item.beneficiaria, "cpi", "membri")


def prepara_colloquio_cpi(item: m.ColloquioCPI) -> None:
    if item.beneficiaria is None:
        raise Rifiuto("Indicare la beneficiaria.")
    consensi.verifica(item.beneficiaria, "cpi", "beneficiaria")


def prepara_microequipe(item: m.MicroEquipe, utente) -> None:
    if item.beneficiaria is None:
        raise Rifiuto("Indicare la beneficiaria.")
    verifica_membri_microequipe(item)
    if item.ente_coordinatore is None and item.ente_coordinatore_id is None:
        s = db.session.execute(
            select(m.Segnalazione).where(m.Segnalazione.beneficiaria_id == item.beneficiaria.id)
            .order_by(m.Segnalazione.data.desc())
        ).scalars().first()
        item.ente_coordinatore_id = s.ente_segnalante_id if s else getattr(utente, "ente_id", None)


def prepara_figlio_di_progetto(item) -> None:
    if item.progetto is None:
        raise Rifiuto("Indicare il progetto.")
    item.beneficiaria_id = item.progetto.beneficiaria_id
    if getattr(item, "tipo", None) == "servizio_cpi" and not getattr(item, "servizio_cpi", None):
        raise Rifiuto("Per un servizio del CPI indicare quale servizio.")
