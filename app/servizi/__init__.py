"""Operations on the data layer shared by the screens, the REST API and the CLI.

Views and APIs stay thin and call these; the decisions themselves live in app.rules.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app import models as m
from app.crypto import indice_cieco
from app.extensions import db
from app.rules.codice_fiscale import normalizza_cf
from app.rules.programma import Programma
from app.security import attore_di, come_sistema


class Rifiuto(ValueError):
    """A request refused for domain reasons, each an Italian sentence."""

    def __init__(self, motivi, per_campo: dict[str, list[str]] | None = None):
        motivi = [motivi] if isinstance(motivi, str) else list(motivi)
        super().__init__(" ".join(motivi))
        self.motivi = motivi
        self.per_campo = per_campo or {}  # the same reasons, by form field, where one fits


class NonConsentito(Rifiuto):
    """Refused because this user may not act on this record (403), not because of its content."""


MSG_SOLO_TITOLARE = ("Solo il centro antiviolenza che ha in carico la beneficiaria può modificarne o eliminarne "
                     "il profilo, i consensi, i dati personali e le altre misure.")
MSG_COLLEGATO = "Il record è collegato ad altri dati e non può essere eliminato."


def verifica_titolare(record, utente) -> None:
    """`record` is the woman or one of her own records (identity, consent, other measure)."""
    from app.security import puo_modificare_beneficiaria

    beneficiaria = record if isinstance(record, m.Beneficiaria) else record.beneficiaria
    if not puo_modificare_beneficiaria(utente, beneficiaria):
        raise NonConsentito(MSG_SOLO_TITOLARE)


def verifica_eliminazione_beneficiaria(beneficiaria: m.Beneficiaria, utente) -> None:
    """Only her CAV deletes her, and only while nothing of her history hangs from her (the tables
    whose foreign key to her is RESTRICT: the database refuses them too)."""
    from app.rules.eliminazione import motivi_rifiuto_eliminazione

    verifica_titolare(beneficiaria, utente)
    conteggi = {}
    with come_sistema():  # only numbers leave
        for tabella in m.Beneficiaria.metadata.sorted_tables:
            for fk in tabella.foreign_keys:
                if fk.column is m.Beneficiaria.__table__.c.id and fk.ondelete == "RESTRICT":
                    conteggi[tabella.name] = db.session.execute(
                        select(func.count()).select_from(tabella).where(fk.parent == beneficiaria.id)).scalar()
    motivi = motivi_rifiuto_eliminazione(conteggi)
    if motivi:
        raise Rifiuto(motivi)


def prossimo_codice(ambito: m.Ambito, anno: int) -> tuple[int, str]:
    # Counting crosses the perimeter (another CAV's women share the sequence); only a number leaves.
    with come_sistema():
        ultimo = db.session.execute(
            select(func.max(m.Beneficiaria.progressivo)).where(
                m.Beneficiaria.ambito_id == ambito.id, m.Beneficiaria.anno == anno
            )
        ).scalar()
    progressivo = (ultimo or 0) + 1
    return progressivo, f"{ambito.codice}-{anno}-{progressivo:04d}"


def prepara_nuova_beneficiaria(item: m.Beneficiaria, utente) -> None:
    """Holder = the operator's CAV; code = ambito, year, sequence (never from personal data)."""
    ente = getattr(utente, "ente", None)
    if ente is None or not ente.is_cav:
        raise Rifiuto("Solo un'operatrice di un centro antiviolenza può registrare una beneficiaria.")
    item.ente_id = ente.id
    item.ente = ente
    if item.ambito is None and item.ambito_id is not None:
        item.ambito = db.session.get(m.Ambito, item.ambito_id)
    if item.ambito is None:
        if ente.ambito is None:
            raise Rifiuto("Indicare l'ambito territoriale della beneficiaria.")
        item.ambito = ente.ambito
    item.data_presa_in_carico = item.data_presa_in_carico or date.today()
    item.anno = item.data_presa_in_carico.year
    item.progressivo, item.codice = prossimo_codice(item.ambito, item.anno)


def cerca_per_codice_fiscale(codice_fiscale: str) -> m.DatiPersonali | None:
    """Exact match through the blind index; the perimeter limits it to the holding CAV.
    Audited, found or not (a miss also tells something); the codice fiscale itself never is."""
    from app import audit

    cf = normalizza_cf(codice_fiscale or "")
    if not cf:
        return None
    dp = db.session.execute(
        select(m.DatiPersonali).where(m.DatiPersonali.cf_indice == indice_cieco(cf))
    ).scalars().first()
    audit.registra("ricerca_cf", tipo_record="DatiPersonali", record_id=dp.id if dp else None,
                   codici=[dp.beneficiaria.codice] if dp else (), dettaglio={"trovata": dp is not None})
    return dp


def verifica_dati_personali(item: m.DatiPersonali) -> None:
    """The same woman registered twice by her CAV is refused. The search runs inside the
    perimeter: another CAV's record with that code stays invisible, and unmentioned."""
    if not item.cf_indice:
        return
    with db.session.no_autoflush:
        doppione = db.session.execute(
            select(m.DatiPersonali.id).where(m.DatiPersonali.cf_indice == item.cf_indice,
                                             m.DatiPersonali.id != (item.id or -1))
        ).first()
    if doppione is not None:
        raise Rifiuto("Una beneficiaria del tuo centro ha già questo codice fiscale.",
                      per_campo={"codice_fiscale": ["Codice fiscale già registrato per un'altra beneficiaria."]})


def sincronizza_programma(programma: Programma) -> m.Programma:
    """Load the programme file into the catalogue tables (idempotent: update in place)."""
    s = db.session
    riga = s.execute(select(m.Programma).where(m.Programma.codice == programma.codice)).scalar_one_or_none()
    if riga is None:
        riga = m.Programma(codice=programma.codice)
        s.add(riga)
    riga.nome, riga.decreto = programma.nome, programma.decreto
    riga.data_inizio, riga.data_fine = programma.data_inizio, programma.data_fine
    s.flush()

    def _riga(modello, codice):
        r = s.execute(select(modello).where(modello.programma_id == riga.id, modello.codice == codice)).scalar_one_or_none()
        if r is None:
            r = modello(programma_id=riga.id, codice=codice)
            s.add(r)
        return r

    assi = {}
    for a in programma.assi:
        r = _riga(m.Asse, a.codice)
        r.nome, r.attivato, r.gestore = a.nome, a.attivato, a.gestore
        assi[a.codice] = r
    s.flush()
    priorita = {}
    for p in programma.priorita:
        r = _riga(m.Priorita, p.codice)
        r.nome, r.attivata, r.dedotta, r.asse_id = p.nome, p.attivata, p.dedotta, assi[p.asse].id
        priorita[p.codice] = r
    s.flush()
    for v in programma.voci:
        r = _riga(m.VoceSpesa, v.codice)
        r.descrizione, r.priorita_id = v.descrizione, priorita[v.priorita].id
        r.costo_ammesso, r.solo_soluzioni_intermedie = v.costo_ammesso, v.solo_soluzioni_intermedie
    for x in programma.massimali:
        r = _riga(m.Massimale, x.codice)
        r.descrizione, r.importo, r.assi = x.descrizione, x.importo, ",".join(x.assi)
    for i in programma.indicatori:
        r = _riga(m.Indicatore, i.codice)
        r.descrizione, r.target = i.descrizione, i.target
    s.flush()
    return riga


# --- the path of one woman --------------------------------------------------------------

def stato_di(progetto: m.Progetto):
    from app.rules.workflow import ProgettoStato

    return ProgettoStato(
        stato=progetto.stato, ambito_id=progetto.beneficiaria.ambito_id,
        ente_coordinatore_id=progetto.ente_coordinatore_id,
        usa_fondi_regionali=progetto.usa_fondi_regionali,
        segnalazione_ammessa=bool(progetto.segnalazione and progetto.segnalazione.ammessa),
        ha_obiettivi=bool((progetto.obiettivi or "").strip()),
        data_inizio=progetto.data_inizio, data_fine=progetto.data_fine,
    )


def transizioni_per_utente(progetto: m.Progetto, utente) -> list[tuple[str, list[str]]]:
    """Every transition of the graph from the current state, with the reasons it is refused."""
    from app.rules import workflow

    stato, attore = stato_di(progetto), attore_di(utente)
    return [(verso, workflow.motivi_rifiuto(stato, attore, verso, nota="(nota)"))
            for verso in workflow.transizioni_possibili(stato)]


def esegui_transizione(progetto: m.Progetto, utente, verso: str, nota: str = "", data: date | None = None):
    """Apply a workflow transition, record it in the history; Rifiuto with the reasons if refused.

    `data` is the date of the decision (e.g. the équipe's meeting), recorded late by the
    operator; it defaults to today and cannot be in the future."""
    from app import audit
    from app.rules import workflow
    from app.servizi.spese import ricalcola_progetto

    nota = (nota or "").strip()
    motivi = []
    if len(nota) > 1000:
        motivi.append("La nota può avere al massimo 1000 caratteri.")
    if data is not None and data > date.today():
        motivi.append("La data della decisione non può essere futura.")
    motivi += workflow.motivi_rifiuto(stato_di(progetto), attore_di(utente), verso, nota)
    if motivi:
        raise Rifiuto(motivi)
    oggi = data or date.today()
    da = progetto.stato
    progetto.stato = verso
    if verso == workflow.VALIDATO_EQUIPE:
        progetto.data_validazione_equipe = oggi
    elif verso == workflow.VALIDATO_CAPOFILA:
        progetto.data_validazione_capofila = oggi
    elif verso == workflow.IN_CORSO and progetto.data_avvio is None:
        progetto.data_avvio = oggi
    elif verso in workflow.STATI_FINALI:
        progetto.data_chiusura = oggi
        if verso == workflow.INTERROTTO:
            progetto.motivo_interruzione = nota
    elif verso == workflow.BOZZA:
        progetto.data_validazione_equipe = progetto.data_validazione_capofila = None
    t = m.TransizioneProgetto(progetto=progetto, beneficiaria_id=progetto.beneficiaria_id, da_stato=da,
                              a_stato=verso, utente_id=utente.id, nota=nota)
    db.session.add(t)
    db.session.flush()
    audit.registra("transizione", tipo_record="Progetto", record_id=progetto.id,
                   codici=[progetto.beneficiaria.codice], dettaglio={"da": da, "a": verso}, utente=utente)
    ricalcola_progetto(progetto.id)  # validation dates decide which spese are eligible
    db.session.commit()
    return t


def prepara_segnalazione(item: m.Segnalazione, utente) -> None:
    if item.beneficiaria is None:
        raise Rifiuto("Indicare la beneficiaria.")
    ente = getattr(utente, "ente", None)
    if ente is None or ente.tipo not in ("centro_antiviolenza", "servizio_sociale", "azienda_sociale"):
        raise Rifiuto("Una segnalazione può essere inviata da un centro antiviolenza o da un servizio sociale.")
    item.ente_segnalante_id = ente.id
    item.ambito_id = item.beneficiaria.ambito_id  # always the équipe of her ambito


def prepara_valutazione(item: m.Valutazione, utente) -> None:
    with db.session.no_autoflush:  # the new valutazione is not in the session yet
        _prepara_valutazione(item, utente)


def _prepara_valutazione(item: m.Valutazione, utente) -> None:
    from app.rules.workflow import motivi_rifiuto_valutazione
    from app.security import puo_valutare

    s = item.segnalazione
    if s is None:
        raise Rifiuto("Indicare la segnalazione da valutare.")
    if not puo_valutare(utente, s):
        raise Rifiuto("Solo l'équipe territoriale dell'ambito della beneficiaria può valutare la segnalazione.")
    motivi = motivi_rifiuto_valutazione(item.esito or "", item.motivazione or "", item.pronta, s.area_richiesta)
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
        with come_sistema():
            n = db.session.execute(
                select(func.count(m.Progetto.id)).where(m.Progetto.beneficiaria_id == s.beneficiaria_id)
            ).scalar() or 0
        item.codice = f"P-{s.beneficiaria.codice}-{n + 1}"


def verifica_modifica_progetto(item: m.Progetto) -> None:
    from app.rules.workflow import BOZZA, PROPOSTO

    if item.stato not in (BOZZA, PROPOSTO):
        raise Rifiuto("Il progetto si modifica solo in bozza o proposto: per cambiarlo, riportarlo in bozza.")
    if item.data_inizio and item.data_fine and item.data_fine < item.data_inizio:
        raise Rifiuto("La data di fine precede la data di inizio.")


def verifica_eliminazione_progetto(item: m.Progetto) -> None:
    from app.rules.workflow import BOZZA, PROPOSTO

    if item.stato not in (BOZZA, PROPOSTO):
        raise Rifiuto("Un progetto validato o avviato non si elimina: si interrompe, e resta nello storico.")


def verifica_membri_microequipe(item: m.MicroEquipe) -> None:
    """Members: active users of the network's enti who work on cases (security decides who)."""
    from app.security import puo_far_parte_di_microequipe

    esclusi = [u.username for u in item.membri or [] if not puo_far_parte_di_microequipe(u)]
    if esclusi:
        motivo = (f"Non può far parte della micro-équipe: {', '.join(esclusi)}. Servono utenti attivi, di un ente "
                  "della rete, che lavorano sui casi.")
        raise Rifiuto(motivo, per_campo={"membri": [motivo]})


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


def da_fare(utente, oggi: date | None = None, mesi_follow_up=(6, 12), giorni_scadenza: int = 30) -> dict:
    """The operator's to-do lists, within her perimeter (the queries are scoped)."""
    from datetime import timedelta

    from app.rules import workflow
    from app.security import valida_come_capofila, valida_come_equipe

    oggi = oggi or date.today()
    equipe, capofila = valida_come_equipe(utente), valida_come_capofila(utente)
    s = db.session
    segn = s.execute(select(m.Segnalazione).order_by(m.Segnalazione.data)).scalars().all()
    attese = [x for x in segn if x.ultima_valutazione is None or x.ultima_valutazione.esito == "sospesa"]
    da_validare = []
    if equipe:
        da_validare += s.execute(select(m.Progetto).where(m.Progetto.stato == workflow.PROPOSTO)).scalars().all()
    if capofila:
        da_validare += [p for p in s.execute(
            select(m.Progetto).where(m.Progetto.stato == workflow.VALIDATO_EQUIPE)).scalars() if p.usa_fondi_regionali]
    if not (equipe or capofila):
        da_validare = s.execute(select(m.Progetto).where(
            m.Progetto.stato.in_([workflow.PROPOSTO, workflow.VALIDATO_EQUIPE]))).scalars().all()
    colloqui = s.execute(select(m.ColloquioCPI).where(m.ColloquioCPI.data_svolta.is_(None))
                         .order_by(m.ColloquioCPI.data_prevista)).scalars().all()
    in_scadenza = s.execute(select(m.Progetto).where(
        m.Progetto.stato == workflow.IN_CORSO, m.Progetto.data_fine >= oggi,
        m.Progetto.data_fine <= oggi + timedelta(days=giorni_scadenza))).scalars().all()
    follow_up = []
    chiusi = s.execute(select(m.Progetto).where(m.Progetto.stato.in_(list(workflow.STATI_FINALI)),
                                                m.Progetto.data_chiusura.is_not(None))).scalars().all()
    for p in chiusi:
        esiti = s.execute(select(m.EsitoProgetto.data).where(m.EsitoProgetto.progetto_id == p.id,
                                                             m.EsitoProgetto.tipo == "follow_up")).scalars().all()
        for mesi in mesi_follow_up:
            scadenza = _aggiungi_mesi(p.data_chiusura, mesi)
            if scadenza <= oggi and not any(d >= scadenza for d in esiti):
                follow_up.append((p, mesi, scadenza))
                break
    return {"segnalazioni_da_valutare": attese, "progetti_da_validare": da_validare,
            "colloqui_cpi_da_svolgere": colloqui, "follow_up_dovuti": follow_up,
            "progetti_in_scadenza": in_scadenza}


def _aggiungi_mesi(d: date, mesi: int) -> date:
    import calendar

    anno, mese = divmod(d.month - 1 + mesi, 12)
    anno, mese = d.year + anno, mese + 1
    return date(anno, mese, min(d.day, calendar.monthrange(anno, mese)[1]))
