"""Her copy (issue 12 §4, GDPR art. 15): everything the network records about a woman, in Italian,
for the CAV holding her to hand to her — her identity and profile, consents, segnalazioni and
their valutazioni, projects with who moved them, interventions, spese, and who consulted her data.

Read inside the caller's perimeter with the printed pages' own gathering (app.servizi.stampa);
producing it is recorded in the audit trail like any read of her identity (her code, no value).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import audit
from app import models as m
from app.dossier_pdf import Documento, Sezione, Tabella, componi
from app.extensions import db
from app.models.audit import AuditEvento
from app.models.percorso import AREE, SERVIZI_CPI, STATI_INTERVENTO, TIPI_INTERVENTO
from app.rules.eligibility import formatta_euro
from app.rules.workflow import ESITI_VALUTAZIONE
from app.security import produce_il_dossier
from app.servizi import NonConsentito, stampa
from app.servizi.spese import programma_corrente

MSG_SOLO_CAV = "Solo il centro antiviolenza che segue la donna può produrre la copia dei suoi dati."


def _data(d) -> str:
    return d.strftime("%d/%m/%Y") if d else "—"


def _ora(d) -> str:
    return d.strftime("%d/%m/%Y %H:%M") if d else "—"


def _chi(utente) -> str:
    if utente is None:
        return "—"
    return f"{stampa.nome_utente(utente)} ({utente.ente.nome})" if utente.ente else stampa.nome_utente(utente)


def dossier(beneficiaria_id: int, utente) -> tuple[str, bytes] | None:
    """(file name, PDF) of her copy. None when she is outside the user's perimeter (404);
    NonConsentito for anyone but an operator of the CAV holding her (403)."""
    r = stampa.riepilogo_beneficiaria(beneficiaria_id)
    if r is None:
        return None
    donna = r["donna"]
    if not produce_il_dossier(utente, donna):
        raise NonConsentito(MSG_SOLO_CAV)
    sezioni = [_identita(donna, r["dati"]), _consensi(donna), _segnalazioni(r["segnalazioni"])]
    sezioni += [_progetto(stampa.scheda_progetto(p.id)) for p, _, _ in r["progetti"]]
    sezioni.append(_consultazioni(donna))
    documento = Documento(
        titolo=f"Copia dei dati personali – {donna.codice}",
        intestazione=[
            "Ai sensi dell'art. 15 del Regolamento (UE) 2016/679 (GDPR): i dati che la rete antiviolenza "
            "del progetto L.I.A. 2 conserva su di lei. Nella rete lei è indicata solo col codice "
            f"{donna.codice}; nome e dati di contatto li vede soltanto il centro antiviolenza che la segue.",
            f"Centro antiviolenza: {donna.ente.nome}. Prodotto il {_data(date.today())} da {_chi(utente)}.",
        ],
        sezioni=sezioni)
    pdf = componi(documento)
    audit.registra("dossier", tipo_record="Beneficiaria", record_id=donna.id, codici=[donna.codice], utente=utente)
    return f"dossier-{donna.codice}.pdf", pdf


def _identita(donna, dati) -> Sezione:
    identita = [("Nome", dati.nome), ("Cognome", dati.cognome), ("Codice fiscale", dati.codice_fiscale),
                ("Data di nascita", _data(dati.data_nascita)), ("Telefono", dati.telefono), ("E-mail", dati.email),
                ("Indirizzo", dati.indirizzo), ("Comune", dati.comune)] if dati else [
        ("Dati identificativi", "non registrati")]
    profilo = [("Codice", donna.codice), ("Ambito", donna.ambito.nome),
               ("Presa in carico", _data(donna.data_presa_in_carico)),
               ("Fascia d'età", m.FASCE_ETA.get(donna.fascia_eta, donna.fascia_eta)),
               ("Cittadinanza", m.CITTADINANZE.get(donna.cittadinanza, donna.cittadinanza)),
               ("Figli minori", str(donna.figli_minori)),
               ("Relazione con l'autore", m.RELAZIONI_AUTORE.get(donna.relazione_autore, donna.relazione_autore)),
               ("Condizione occupazionale all'ingresso",
                m.CONDIZIONI_OCCUPAZIONALI.get(donna.condizione_occupazionale, donna.condizione_occupazionale))]
    misure = Tabella("Altre misure di sostegno", ("Misura", "Dal", "Al", "Note"),
                     [(m.TIPI_ALTRA_MISURA.get(a.tipo, a.tipo), _data(a.data_inizio), _data(a.data_fine), a.note)
                      for a in sorted(donna.altre_misure, key=lambda a: (a.data_inizio, a.id))], (3, 2, 2, 3))
    return Sezione("Dati personali", voci=[(e, v or "—") for e, v in identita + profilo], tabelle=[misure])


def _consensi(donna) -> Sezione:
    programma = programma_corrente()
    righe = [(programma.descrizione_finalita(c.tipo), _data(c.data), c.ambito_consenso or "—", _data(c.revocato_il),
              _chi(c.registrato_da)) for c in sorted(donna.consensi, key=lambda c: (c.data, c.id))]
    # Her CAV's overrides are part of what is held about her, the reason included.
    deroghe = [(programma.descrizione_finalita(d.finalita), _data(d.data), d.motivo, _chi(d.registrata_da))
               for d in sorted(donna.deroghe, key=lambda d: (d.data, d.id))]
    return Sezione("Consensi", tabelle=[
        Tabella("", ("Finalità", "Data", "Ambito", "Revocato il", "Registrato da"), righe, (3, 2, 3, 2, 3),
                vuota="Nessun consenso registrato."),
        Tabella("Deroghe del centro al consenso", ("Finalità", "Dal", "Motivo", "Registrata da"), deroghe,
                (3, 2, 6, 3), vuota="Nessuna deroga.")])


def _segnalazioni(segnalazioni) -> Sezione:
    righe = []
    for s in segnalazioni:
        valutazioni = "\n".join(
            f"{ESITI_VALUTAZIONE.get(v.esito, v.esito)} il {_data(v.data)}, {_chi(v.valutata_da)}"
            + (f": {v.motivazione}" if v.motivazione else "")
            for v in sorted(s.valutazioni, key=lambda v: (v.data, v.id))) or "In attesa di valutazione"
        righe.append((_data(s.data), AREE.get(s.area_richiesta, s.area_richiesta), s.ente_segnalante.nome,
                      valutazioni))
    return Sezione("Segnalazioni e valutazioni", tabelle=[Tabella(
        "", ("Data", "Area", "Segnalata da", "Valutazione dell'équipe"), righe, (2, 2, 3, 7),
        vuota="Nessuna segnalazione.")])


def _progetto(scheda) -> Sezione:
    p = scheda["progetto"]
    voci = [("Stato", scheda["stato"]), ("Area", AREE.get(p.area, p.area)), ("Ente coordinatore", p.ente_coordinatore.nome),
            ("Inizio previsto", _data(p.data_inizio)), ("Fine prevista", _data(p.data_fine)),
            ("Validato dall'équipe il", _data(p.data_validazione_equipe)),
            ("Validato dal capofila il", _data(p.data_validazione_capofila)), ("Obiettivi", p.obiettivi or "—")]
    passaggi = Tabella("Validazioni e cambi di stato", ("Quando (UTC)", "Passaggio", "Da chi", "Nota"),
                       [(_ora(t["quando"]), f"da «{t['da']}» a «{t['a']}»",
                         f"{t['chi']} ({t['ente']})" if t["ente"] else t["chi"], t["nota"])
                        for t in scheda["passaggi"]], (2, 3, 3, 2), vuota="Nessun cambio di stato.")
    interventi = Tabella("Interventi", ("Intervento", "Ente", "Dal", "Al", "Stato"), [
        (TIPI_INTERVENTO.get(i.tipo, i.tipo) + (f": {SERVIZI_CPI.get(i.servizio_cpi, i.servizio_cpi)}"
                                                 if i.servizio_cpi else ""),
         i.ente_erogatore.nome, _data(i.data_inizio), _data(i.data_fine), STATI_INTERVENTO.get(i.stato, i.stato))
        for i in scheda["interventi"]], (4, 4, 2, 2, 2), vuota="Nessun intervento registrato.")
    spese = Tabella("Spese", ("Data", "Voce", "Importo", "Esito"), [
        (_data(s.data), s.voce.descrizione, formatta_euro(s.importo),
         "Annullata" if s.annullata else "Ammissibile" if s.ammissibile else "Non ammissibile")
        for s in scheda["spese"]], (2, 6, 2, 2), vuota="Nessuna spesa registrata.")
    totali = scheda["totali"]
    return Sezione(f"Progetto {p.codice}", voci=voci, tabelle=[passaggi, interventi, spese],
                   nota=f"Totale delle spese (escluse le annullate): {formatta_euro(totali['registrato'])}, "
                        f"di cui ammissibili {formatta_euro(totali['ammissibile'])}.")


def _consultazioni(donna) -> Sezione:
    """The rows of «Chi ha consultato i suoi dati» on her page, oldest first."""
    eventi = db.session.execute(
        select(AuditEvento).options(joinedload(AuditEvento.ente))
        .where(AuditEvento.beneficiaria.has(m.Beneficiaria.id == donna.id), audit.criterio_consultazioni())
        .order_by(AuditEvento.id)).scalars().all()
    return Sezione("Chi ha consultato i suoi dati", tabelle=[Tabella(
        "", ("Quando (UTC)", "Utente", "Ente", "Azione"),
        [(_ora(e.quando), e.username or "—", e.ente.nome if e.ente else "—", audit.AZIONI.get(e.azione, e.azione))
         for e in eventi], (2, 2, 3, 3), vuota="Nessuna consultazione registrata.")],
        nota="Ogni lettura o modifica dei suoi dati identificativi: chi, quando e che cosa (il registro non "
             "conserva i valori).")
