"""The relazione finale (issue 13, §3): the capofila's texts and the numbers read from the
database, for app.rules.relazione. The page, the API and `flask lia relazione-finale` share it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import models as m
from app.extensions import db
from app.rules import relazione as regole
from app.rules import indicatori as regole_indicatori
from app.rules.riservatezza import RISERVATO, proteggi
from app.security import come_sistema
from app.servizi import Rifiuto
from app.servizi.asse1 import dati_cruscotto
from app.servizi.consensi import contate_nelle_statistiche
from app.servizi.spese import programma_corrente

RISORSA_RELAZIONE = "RelazioneFinale"
LUNGHEZZA_MASSIMA = 20_000  # characters of one section: pages of text, not a pasted file


class TestoSuperato(Rifiuto):
    """A section saved by someone else since it was read: refused, never overwritten (409)."""


def testi() -> list[dict]:
    """Each section of the programme file with the text written so far and its version."""
    programma = programma_corrente()
    salvati = {t.sezione: t for t in db.session.execute(
        select(m.TestoRelazione).where(m.TestoRelazione.programma == programma.codice)).scalars()}
    out = []
    for s in programma.sezioni_relazione:
        t = salvati.get(s.codice)
        out.append({"sezione": s.codice, "titolo": s.titolo, "guida": s.guida, "testo": t.testo if t else "",
                    "versione": t.versione if t else 0,
                    "aggiornato_il": t.aggiornato_il.isoformat(timespec="seconds") if t else None,
                    "aggiornato_da": t.aggiornato_da.username if t and t.aggiornato_da else None})
    return out


def salva_testi(nuovi: dict[str, dict], utente) -> int:
    """Write the sections in `nuovi` ({sezione: {"testo": str, "versione": int}}): all or none.
    `versione` is the one read (0 for a section never written): a section someone else saved in
    between is refused by name, never overwritten. Returns how many sections changed."""
    programma = programma_corrente()
    titoli = {s.codice: s.titolo for s in programma.sezioni_relazione}
    motivi: dict[str, list[str]] = {}
    for sezione, valore in nuovi.items():
        if sezione not in titoli:
            motivi.setdefault(sezione, []).append("Sezione non prevista dal programma.")
            continue
        if not isinstance(valore, dict) or not isinstance(valore.get("testo"), str) \
                or type(valore.get("versione")) is not int:
            motivi.setdefault(sezione, []).append("Servono «testo» (testo) e «versione» (numero intero).")
        elif len(valore["testo"]) > LUNGHEZZA_MASSIMA:
            motivi.setdefault(sezione, []).append(f"Al massimo {LUNGHEZZA_MASSIMA} caratteri per sezione.")
    if motivi:
        raise Rifiuto([], per_campo=motivi)
    salvati = {t.sezione: t for t in db.session.execute(
        select(m.TestoRelazione).where(m.TestoRelazione.programma == programma.codice)
        .with_for_update()).scalars()}
    cambiati = 0
    for sezione, valore in nuovi.items():
        t = salvati.get(sezione)
        if (t.versione if t else 0) != valore["versione"]:
            motivi.setdefault(sezione, []).append(
                f"«{titoli[sezione]}» è stata modificata da qualcun altro dopo che l'avete aperta: ricaricate la "
                "pagina e riportate le vostre modifiche.")
            continue
        testo = valore["testo"].replace("\r\n", "\n").strip()
        if (t.testo if t is not None else "") == testo:
            continue  # unchanged (a section never written and left empty included)
        if t is None:
            t = m.TestoRelazione(programma=programma.codice, sezione=sezione)
            db.session.add(t)
        t.testo, t.aggiornato_il, t.aggiornato_da_id = testo, datetime.now(), getattr(utente, "id", None)
        cambiati += 1
    if motivi:
        raise TestoSuperato([], per_campo=motivi)
    try:
        db.session.flush()
    except (IntegrityError, StaleDataError):
        # Saved by someone else between our read and our write (the same new section twice,
        # or an update under an older version): refused like a stale form.
        raise TestoSuperato([], per_campo={k: [
            f"«{titoli[k]}» è stata modificata da qualcun altro nello stesso momento: ricaricate la pagina e "
            "riportate le vostre modifiche."] for k in nuovi}) from None
    return cambiati


def dati() -> regole.DatiRelazione:
    programma = programma_corrente()
    soglia = programma.soglia_conteggi_piccoli
    cruscotto = dati_cruscotto()
    s = db.session
    # Aggregates over the whole network: only counts and names of enti and agreements leave.
    with come_sistema():
        ambiti = [(a.id, a.nome) for a in s.execute(select(m.Ambito).order_by(m.Ambito.id)).scalars()]
        avviati = dict(((ambito, area), n) for ambito, area, n in s.execute(
            select(m.Beneficiaria.ambito_id, m.Progetto.area, func.count(m.Progetto.id))
            .join(m.Beneficiaria, m.Progetto.beneficiaria_id == m.Beneficiaria.id)
            .where(m.Progetto.data_avvio.is_not(None), contate_nelle_statistiche(m.Progetto.beneficiaria_id))
            .group_by(m.Beneficiaria.ambito_id, m.Progetto.area)))
        presenti = func.count(m.Presenza.id).filter(m.Presenza.presente.is_(True),
                                                     contate_nelle_statistiche(m.Presenza.beneficiaria_id))
        sessioni = s.execute(
            select(m.SessioneLaboratorio.data, m.Laboratorio.edizione, m.SessioneLaboratorio.tema, presenti)
            .join(m.Laboratorio, m.SessioneLaboratorio.laboratorio_id == m.Laboratorio.id)
            .outerjoin(m.Presenza, m.Presenza.sessione_id == m.SessioneLaboratorio.id)
            .where(m.SessioneLaboratorio.svolta.is_(True))
            .group_by(m.SessioneLaboratorio.id, m.SessioneLaboratorio.data, m.Laboratorio.edizione,
                      m.SessioneLaboratorio.tema)
            .order_by(m.SessioneLaboratorio.data, m.SessioneLaboratorio.id)).all()
        accordi = s.execute(select(m.Accordo).where(m.Accordo.stato != "annullato")
                            .order_by(m.Accordo.data_firma, m.Accordo.id)).scalars().all()
        accordi = [regole.Accordo(a.controparte, m.TIPI_ACCORDO.get(a.tipo, a.tipo), m.AREE.get(a.area, a.area),
                                  m.STATI_ACCORDO.get(a.stato, a.stato), a.data_firma) for a in accordi]
        operatori = func.coalesce(func.sum(m.PartecipazioneEvento.numero_operatori), 0)
        eventi = [regole.Evento(d, tema, int(n)) for d, tema, n in s.execute(
            select(m.EventoFormativo.data, m.EventoFormativo.tema, operatori)
            .outerjoin(m.PartecipazioneEvento, m.PartecipazioneEvento.evento_id == m.EventoFormativo.id)
            .group_by(m.EventoFormativo.id, m.EventoFormativo.data, m.EventoFormativo.tema)
            .order_by(m.EventoFormativo.data, m.EventoFormativo.id))]
        edizioni = s.execute(select(func.count(func.distinct(m.SessioneLaboratorio.laboratorio_id)))
                             .where(m.SessioneLaboratorio.svolta.is_(True))).scalar() or 0

    indicatore = next((i["valore"] for i in cruscotto["indicatori"]
                       if i["codice"] == regole_indicatori.PERCORSI_ATTIVATI), RISERVATO)
    colonne, percorsi = _percorsi_protetti(avviati, ambiti, soglia, indicatore != RISERVATO)
    # Attendance per session: no total is published beside them, so only the small ones hide.
    protette = proteggi([[n for *_, n in sessioni]], soglia, totali_righe=False,
                        totali_colonne=False).celle[0] if sessioni else ()
    return regole.DatiRelazione(
        programma=programma.nome, decreto=programma.decreto, dal=programma.data_inizio, al=programma.data_fine,
        soglia=soglia,
        risultati=[regole.Risultato(i["descrizione"], i["target"], i["valore"]) for i in cruscotto["indicatori"]],
        aree=colonne, percorsi=percorsi, percorsi_totale=indicatore,
        spese=[regole.SpesaAsse(a["asse"], a["nome"], a["speso"], a["budget"]) for a in cruscotto["spese_per_asse"]],
        edizioni=edizioni,
        sessioni=[regole.Sessione(d, edizione, tema, n) for (d, edizione, tema, _), n in zip(sessioni, protette)],
        donne_presenti=cruscotto["laboratorio"]["donne_presenti"], accordi=accordi, eventi=eventi,
        testi={t["sezione"]: t["testo"] for t in testi()})


def _percorsi_protetti(avviati: dict, ambiti: list[tuple[int, str]], soglia: int, totale_pubblicato: bool):
    """The paths activated per ambito and area, as finely as they can be published. Their total
    is the indicator of paths activated, which the Cruscotto publishes (or hides) by its own
    rule: the table must agree with it. A breakdown that could only be protected by hiding a
    total shown there (six hidden 1s beside a published 6 are six 1s) is coarsened to the
    ambiti alone, and left out when even that is not safe. (column labels, rows)."""
    aree = list(m.AREE)
    livelli = [
        ([m.AREE[a] for a in aree], [(nome, [avviati.get((a, area), 0) for area in aree]) for a, nome in ambiti]),
        (["Tutte le aree"], [(nome, [sum(avviati.get((a, area), 0) for area in aree)]) for a, nome in ambiti]),
    ]
    for colonne, righe in livelli:
        celle = [n for _, valori in righe for n in valori]
        imposte = frozenset() if totale_pubblicato else frozenset({(0, len(celle))})
        t = proteggi([celle], soglia, totali_colonne=False, gia_riservate=imposte)
        if (t.totali_righe[0] != RISERVATO) == totale_pubblicato:
            k = len(colonne)
            return colonne, [(nome, t.celle[0][i * k:(i + 1) * k]) for i, (nome, _) in enumerate(righe)]
    return [], []


def docx(generata_il: datetime | None = None) -> bytes:
    return regole.scrivi_docx(dati(), programma_corrente().sezioni_relazione, generata_il or datetime.now())
