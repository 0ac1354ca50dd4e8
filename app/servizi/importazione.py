"""Import from Excel (issue 13, §1; see the contract in app/servizi): each row of the template
(app.rules.importazione) goes through the same services and rules as the forms, in the order a
woman's path has (woman, consents, other measures, segnalazioni, projects, spese by date), in the
caller's one transaction. Nothing is committed here: the caller commits only when no row has an
error (`Esito.ok`), and the dry run is the same run rolled back, so it judges exactly what the
import would do (ceilings in date order included).

Rows are linked by the woman's codice fiscale, looked up through its blind index inside the
user's perimeter; a codice fiscale held by another CAV is refused without saying which, nor
anything of her. Rows already in the database (same natural key) are counted as present and
left alone: the same file imported twice creates nothing new.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from app import models as m
from app.crypto import indice_cieco
from app.extensions import db
from app.rules import importazione as regole
from app.rules import workflow
from app.rules.codice_fiscale import motivi_cf_non_valido, normalizza_cf
from app.rules.eligibility import normalizza_giustificativo
from app.security import come_sistema
from app.servizi import NonConsentito, Rifiuto

MSG_SOLO_CAV = "Solo un'operatrice di un centro antiviolenza importa i dati delle sue donne."
MSG_ALTRO_CENTRO = ("Codice fiscale già in carico a un altro centro della rete: la donna non può essere importata "
                    "da questo centro.")
MSG_DONNA_ASSENTE = "Nessuna donna con questo codice fiscale nel foglio «Donne» né tra le donne del centro."
NOTA_IMPORTATO = "Importato da Excel"


@dataclass
class Esito:
    righe: dict[str, list[regole.Riga]]
    nuove: dict[str, int] = field(default_factory=dict)  # sheet -> rows written
    presenti: dict[str, int] = field(default_factory=dict)  # sheet -> rows already in the database

    @property
    def errori(self) -> list[tuple[str, int, str, str]]:
        """(sheet, row, column title, reason) of every error, sheet by sheet, row by row."""
        elenco = []
        for foglio in regole.FOGLI:
            for riga in self.righe.get(foglio.nome, []):
                for chiave, motivi in riga.errori.items():
                    colonna = foglio.colonna(chiave)
                    elenco += [(foglio.nome, riga.numero, colonna.titolo if colonna else "", x) for x in motivi]
        return elenco

    @property
    def ok(self) -> bool:
        return not any(r.errori for elenco in self.righe.values() for r in elenco)

    def conteggi(self) -> dict:
        """Rows per sheet: read, new, present, in error. Counts only (the audit row's detail)."""
        return {f.nome: {"righe": len(self.righe.get(f.nome, [])), "nuove": self.nuove.get(f.nome, 0),
                         "presenti": self.presenti.get(f.nome, 0),
                         "errori": sum(1 for r in self.righe.get(f.nome, []) if r.errori)} for f in regole.FOGLI}

    def sintesi(self) -> list[str]:
        return [f"{f}: {c['righe']} righe, {c['nuove']} nuove, {c['presenti']} già presenti, {c['errori']} con errori"
                for f, c in self.conteggi().items()]


def dimensione_massima() -> int:
    return int(current_app.config["MAX_CONTENT_LENGTH"])


def leggi(contenuto: bytes) -> dict[str, list[regole.Riga]]:
    """The file's rows (regole.FileNonValido when it is not the template)."""
    return regole.leggi_cartella(contenuto, dimensione_massima())


def modello() -> bytes:
    from app.servizi.spese import programma_corrente

    programma = programma_corrente()
    return regole.scrivi_modello([(v.codice, v.descrizione) for v in programma.voci],
                                 [(f.codice, f.descrizione) for f in programma.finalita_consenso])


def _motivi_rifiuto(riga: regole.Riga, exc: Rifiuto) -> None:
    """A refusal of a service on the row: its reasons by field (the template's columns are named
    after the fields; a field without a column is reported on the row)."""
    if exc.per_campo:
        for campo, motivi in exc.per_campo.items():
            for motivo in motivi:
                riga.errore(campo, motivo)
    else:
        for motivo in exc.motivi:
            riga.errore("", motivo)


def _scelta(v: dict, chiave: str, opzioni: dict[str, str], predefinita: str | None = None) -> str | None:
    """The code of the choice written in cell `chiave` (its code or its label); `predefinita` (or
    None) when the cell is empty; an unknown value is refused on its column."""
    if v[chiave] is None:
        return predefinita
    codice = regole.scelta(v[chiave], opzioni)
    if codice is None:
        motivo = regole.motivo_scelta(v[chiave], opzioni)
        raise Rifiuto(motivo, per_campo={chiave: [motivo]})
    return codice


class _Importazione:
    def __init__(self, righe, utente, avanzamento=None):
        self.righe, self.utente = righe, utente
        self.ente = utente.ente
        self.esito = Esito(righe)
        self.donne: dict[str, m.Beneficiaria] = {}  # cf -> her record (new or found)
        self.progetti: dict[str, m.Progetto | None] = {}  # rif -> project (None: its row failed)
        self.avanzamento = avanzamento or (lambda foglio, fatte, totale: None)
        self.ricalcolare: set[int] = set()

    def _conta(self, foglio, nuova: bool):
        d = self.esito.nuove if nuova else self.esito.presenti
        d[foglio] = d.get(foglio, 0) + 1

    def _scorri(self, nome, righe, gestisci):
        totale = len(righe)
        for i, riga in enumerate(righe, start=1):
            if not riga.errori:
                try:
                    gestisci(riga)
                except Rifiuto as exc:  # NonConsentito included: a row of a woman she does not hold
                    _motivi_rifiuto(riga, exc)
            if i % 50 == 0:
                # Bounded pending rows: the consents' flush hook reads every pending record per woman.
                db.session.flush()
            if i % 100 == 0 or i == totale:
                self.avanzamento(nome, i, totale)
        db.session.flush()  # the next sheet's checks read these rows with autoflush off (consents)

    # --- the woman, found by her codice fiscale ---------------------------------------------------

    def _precarica(self) -> None:
        """Every codice fiscale of the file looked up at once through its blind index: her own
        CAV's women inside the perimeter; elsewhere in the network, only whether the key exists."""
        cfs = {normalizza_cf(r.valori.get("codice_fiscale") or "") for elenco in self.righe.values() for r in elenco}
        indici = {indice_cieco(cf): cf for cf in cfs if cf}
        chiavi = sorted(indici)
        for i in range(0, len(chiavi), 500):
            blocco = chiavi[i:i + 500]
            for dp in db.session.execute(select(m.DatiPersonali).where(m.DatiPersonali.cf_indice.in_(blocco))).scalars():
                if dp.beneficiaria.ente_id == self.ente.id:
                    self.donne[indici[dp.cf_indice]] = dp.beneficiaria
            with come_sistema():  # only the keys leave this block
                self.altrove |= {indici[k] for k in db.session.execute(
                    select(m.DatiPersonali.cf_indice).where(m.DatiPersonali.cf_indice.in_(blocco))).scalars()}
        self.altrove -= set(self.donne)
        with come_sistema():  # the giustificativi her CAV already recorded: keys only
            self.giustificativi = {tuple(r) for r in db.session.execute(
                select(m.Spesa.giustificativo_chiave, m.Spesa.giustificativo_data).where(
                    m.Spesa.ente_pagatore_id == self.ente.id, m.Spesa.annullata.is_(False)))}

    def _cerca(self, cf: str) -> m.Beneficiaria | None:
        if cf in self.altrove:
            raise Rifiuto(MSG_ALTRO_CENTRO, per_campo={"codice_fiscale": [MSG_ALTRO_CENTRO]})
        return self.donne.get(cf)

    def _donna_di(self, riga) -> m.Beneficiaria:
        cf = normalizza_cf(riga.valori["codice_fiscale"])
        b = self._cerca(cf)
        if b is None:
            raise Rifiuto(MSG_DONNA_ASSENTE, per_campo={"codice_fiscale": [MSG_DONNA_ASSENTE]})
        return b

    def donna(self, riga):
        from app.servizi.beneficiarie import registra_donna

        v = riga.valori
        motivi_cf = motivi_cf_non_valido(v["codice_fiscale"])
        if motivi_cf:
            raise Rifiuto(motivi_cf, per_campo={"codice_fiscale": [" ".join(motivi_cf)]})
        cf = normalizza_cf(v["codice_fiscale"])
        if cf in self._nel_file:
            raise Rifiuto("Codice fiscale ripetuto nel foglio.", per_campo={"codice_fiscale": ["Ripetuto nel foglio."]})
        self._nel_file.add(cf)
        if self._cerca(cf) is not None:
            self._conta("Donne", False)
            return
        profilo = {}
        for chiave, opzioni in (("fascia_eta", m.FASCE_ETA), ("cittadinanza", m.CITTADINANZE),
                                ("relazione_autore", m.RELAZIONI_AUTORE),
                                ("condizione_occupazionale", m.CONDIZIONI_OCCUPAZIONALI)):
            if v[chiave] is None:
                continue
            codice = regole.scelta(v[chiave], opzioni)
            if codice is None:
                riga.errore(chiave, regole.motivo_scelta(v[chiave], opzioni))
            profilo[chiave] = codice
        if (v["figli_minori"] or 0) < 0 or (v["figli_minori"] or 0) > 30:
            riga.errore("figli_minori", "Numero di figli non plausibile.")
        if riga.errori:
            return
        b = m.Beneficiaria(data_presa_in_carico=v["data_presa_in_carico"], figli_minori=v["figli_minori"] or 0,
                           **{k: c or "nd" for k, c in profilo.items()})
        identita = m.DatiPersonali(**{k: v[k] for k in ("nome", "cognome", "codice_fiscale", "data_nascita",
                                                        "telefono", "email", "indirizzo", "comune")})
        registra_donna(b, identita, self.utente)
        self.donne[cf] = b
        self.nuove.add(b.id)
        self._conta("Donne", True)

    # --- her consents and other measures ---------------------------------------------------------

    def consenso(self, riga):
        from app.servizi.beneficiarie import verifica_titolare
        from app.servizi.consensi import verifica_consenso
        from app.servizi.date_plausibili import verifica_oggetto

        v = riga.valori
        b = self._donna_di(riga)
        verifica_titolare(b, self.utente)
        c = m.Consenso(tipo=v["tipo"], data=v["data"], revocato_il=v["revocato_il"], registrato_da_id=self.utente.id)
        verifica_consenso(c)
        verifica_oggetto(c)
        if b.id not in self.nuove and db.session.execute(select(m.Consenso.id).where(
                m.Consenso.beneficiaria_id == b.id, m.Consenso.tipo == c.tipo, m.Consenso.data == c.data)).first():
            self._conta("Consensi", False)
            return
        c.beneficiaria = b
        db.session.add(c)
        self._conta("Consensi", True)

    def altra_misura(self, riga):
        from app.servizi.beneficiarie import verifica_titolare
        from app.servizi.date_plausibili import verifica_oggetto

        v = riga.valori
        b = self._donna_di(riga)
        verifica_titolare(b, self.utente)
        tipo = _scelta(v, "tipo", m.TIPI_ALTRA_MISURA)
        motivi = regole.motivi_date_in_ordine(v["data_inizio"], v["data_fine"])
        if motivi:
            raise Rifiuto(motivi, per_campo={"data_fine": motivi})
        assi = ",".join(x.strip().upper() for x in (v["assi_coperti"] or "").split(",") if x.strip())
        if len(assi) > 20 or len(v["note"] or "") > 500:
            raise Rifiuto("Testo troppo lungo (assi coperti: 20 caratteri, note: 500).")
        a = m.AltraMisura(tipo=tipo, data_inizio=v["data_inizio"], data_fine=v["data_fine"], assi_coperti=assi,
                          note=v["note"] or "")
        verifica_oggetto(a)
        if b.id not in self.nuove and db.session.execute(select(m.AltraMisura.id).where(
                m.AltraMisura.beneficiaria_id == b.id, m.AltraMisura.tipo == tipo,
                m.AltraMisura.data_inizio == a.data_inizio)).first():
            self._conta("Altre misure", False)
            return
        a.beneficiaria = b
        db.session.add(a)
        self.ricalcolare.add(b.id)
        self._conta("Altre misure", True)

    # --- her path --------------------------------------------------------------------------------

    def _segnalazione_di(self, b: m.Beneficiaria, giorno: date) -> m.Segnalazione | None:
        if (b.id, giorno) in self.segnalazioni:
            return self.segnalazioni[(b.id, giorno)]
        if b.id in self.nuove:
            return None
        return db.session.execute(select(m.Segnalazione).where(
            m.Segnalazione.beneficiaria_id == b.id, m.Segnalazione.data == giorno)
            .order_by(m.Segnalazione.id)).scalars().first()

    def segnalazione(self, riga):
        from app.servizi.date_plausibili import verifica_oggetto
        from app.servizi.percorso import prepara_segnalazione

        v = riga.valori
        b = self._donna_di(riga)
        area = _scelta(v, "area_richiesta", m.AREE)
        if (b.id, v["data"]) in self.segnalazioni or self._segnalazione_di(b, v["data"]) is not None:
            if (b.id, v["data"]) in self.segnalazioni:
                raise Rifiuto("Segnalazione ripetuta nel foglio (stessa donna, stessa data).",
                              per_campo={"data": ["Ripetuta nel foglio."]})
            self._conta("Segnalazioni", False)
            return
        esito = _scelta(v, "esito", workflow.ESITI_VALUTAZIONE)
        if esito is not None:
            motivi = workflow.motivi_rifiuto_valutazione(esito, v["motivazione"] or "", v["pronta"], area)
            if v["data_valutazione"] is None:
                motivi.append("Indicare la data della valutazione.")
            elif v["data_valutazione"] < v["data"]:
                motivi.append("La valutazione precede la segnalazione.")
            if motivi:
                raise Rifiuto(motivi, per_campo={"esito": motivi})
        elif v["data_valutazione"] is not None:
            raise Rifiuto("Data della valutazione senza esito.", per_campo={"esito": ["Indicare l'esito."]})
        if len(v["note"] or "") > 1000 or len(v["motivazione"] or "") > 1000:
            raise Rifiuto("Note e motivazione: al massimo 1000 caratteri.")
        s = m.Segnalazione(beneficiaria=b, data=v["data"], area_richiesta=area, note=v["note"] or "")
        prepara_segnalazione(s, self.utente)
        verifica_oggetto(s)
        valutazione = None
        if esito is not None:
            # The équipe decided on paper: recorded as it was, by no user of the system (see README).
            valutazione = m.Valutazione(beneficiaria=b, esito=esito, data=v["data_valutazione"],
                                        pronta=v["pronta"], motivazione=v["motivazione"] or "")
            verifica_oggetto(valutazione)
        db.session.add(s)
        if valutazione is not None:
            valutazione.segnalazione = s
            db.session.add(valutazione)
        self.segnalazioni[(b.id, v["data"])] = s
        self._conta("Segnalazioni", True)

    def progetto(self, riga):
        from app.servizi.date_plausibili import verifica_oggetto
        from app.servizi.percorso import prepara_progetto

        v = riga.valori
        rif = v["rif_progetto"]
        if rif in self.progetti:
            raise Rifiuto("«Rif. progetto» ripetuto nel foglio.", per_campo={"rif_progetto": ["Ripetuto nel foglio."]})
        self.progetti[rif] = None
        b = self._donna_di(riga)
        s = self._segnalazione_di(b, v["data_segnalazione"])
        if s is None:
            motivo = "Nessuna segnalazione di questa donna con questa data (foglio «Segnalazioni»)."
            raise Rifiuto(motivo, per_campo={"data_segnalazione": [motivo]})
        area = _scelta(v, "area", m.AREE)
        stato = _scelta(v, "stato", workflow.STATI_ETICHETTE, predefinita="bozza")
        esistente = None if b.id in self.nuove else db.session.execute(select(m.Progetto).where(
            m.Progetto.segnalazione_id == s.id, m.Progetto.area == area,
            m.Progetto.data_inizio == v["data_inizio"] if v["data_inizio"] else m.Progetto.data_inizio.is_(None))
            .order_by(m.Progetto.id)).scalars().first()
        if esistente is not None:
            self.progetti[rif] = esistente
            self._conta("Progetti", False)
            return
        budget = {k: v[k] if v[k] is not None else Decimal("0") for k in ("budget_asse_ii", "budget_asse_iii",
                                                                           "budget_asse_iv")}
        p = m.Progetto(segnalazione=s, area=area, obiettivi=v["obiettivi"] or "", data_inizio=v["data_inizio"],
                       data_fine=v["data_fine"], soluzione_abitativa_intermedia=bool(v["soluzione_abitativa_intermedia"]),
                       stato=workflow.STATO_INIZIALE, **budget)
        valutazione = s.ultima_valutazione
        errori = regole.motivi_progetto_importato(
            stato, p.obiettivi, p.data_inizio, p.data_fine, valutazione.data if valutazione else None,
            v["data_validazione_equipe"], v["data_validazione_capofila"], p.usa_fondi_regionali,
            v["motivo_interruzione"] or "")
        if errori:
            raise Rifiuto([x for motivi in errori.values() for x in motivi], per_campo=errori)
        prepara_progetto(p, self.utente)
        p.beneficiaria = b
        p.stato = stato
        p.data_validazione_equipe = v["data_validazione_equipe"]
        p.data_validazione_capofila = v["data_validazione_capofila"]
        if stato in ("in_corso", "concluso") or (stato == "interrotto" and p.data_validazione_equipe):
            p.data_avvio = p.data_inizio if stato != "interrotto" else None
        if stato in workflow.STATI_FINALI:
            p.data_chiusura = p.data_fine
            p.motivo_interruzione = (v["motivo_interruzione"] or "")[:1000] if stato == "interrotto" else ""
        verifica_oggetto(p)
        db.session.add(p)
        if stato != workflow.STATO_INIZIALE:
            # Its history says where it came from: one step, to the state it had reached on paper.
            decisa = max(d for d in (p.data_chiusura, p.data_validazione_capofila, p.data_validazione_equipe,
                                     p.data_inizio, date.today()) if d is not None)
            db.session.add(m.TransizioneProgetto(progetto=p, beneficiaria_id=b.id, da_stato=workflow.STATO_INIZIALE,
                                                 a_stato=stato, utente_id=self.utente.id, nota=NOTA_IMPORTATO,
                                                 data_decisione=min(decisa, date.today())))
        db.session.flush()
        self.progetti[rif] = p
        self._conta("Progetti", True)

    def spesa(self, riga):
        from app.security import registra_spese_su
        from app.servizi.date_plausibili import verifica_oggetto
        from app.servizi.spese import prepara_spesa

        v = riga.valori
        rif = v["rif_progetto"]
        if rif not in self.progetti:
            motivo = "Nessun progetto con questo «Rif. progetto» nel foglio «Progetti»."
            raise Rifiuto(motivo, per_campo={"rif_progetto": [motivo]})
        p = self.progetti[rif]
        if p is None:
            motivo = "Il progetto di questa spesa ha errori nel foglio «Progetti»."
            raise Rifiuto(motivo, per_campo={"rif_progetto": [motivo]})
        if not registra_spese_su(self.utente, p):
            raise NonConsentito("Le spese del progetto sono registrate dal centro che ha in carico la donna.")
        voce = self.voci.get(v["voce"])
        if voce is None:
            motivo = f"Voce di spesa «{v['voce'][:40]}» non prevista dal programma (vedere il foglio Istruzioni)."
            raise Rifiuto(motivo, per_campo={"voce": [motivo]})
        tipo = _scelta(v, "giustificativo_tipo", m.TIPI_GIUSTIFICATIVO)
        quietanza = _scelta(v, "quietanza_tipo", m.TIPI_QUIETANZA)
        numero = (v["giustificativo_numero"] or "")[:50]
        chiave = (normalizza_giustificativo(numero), v["giustificativo_data"])
        if chiave in self.giustificativi:
            if chiave in self.nel_file:
                motivo = "Giustificativo ripetuto nel foglio (stesso numero e data)."
                raise Rifiuto(motivo, per_campo={"giustificativo_numero": [motivo]})
            self._conta("Spese", False)
            return
        s = m.Spesa(progetto=p, voce=voce, importo=v["importo"], data=v["data"], fornitore=(v["fornitore"] or "")[:200],
                    giustificativo_tipo=tipo, giustificativo_numero=numero,
                    giustificativo_data=v["giustificativo_data"], quietanza_tipo=quietanza,
                    quietanza_data=v["quietanza_data"], coperta_da_altra_misura=bool(v["coperta_da_altra_misura"]), note=(v["note"] or "")[:1000])
        verifica_oggetto(s)
        prepara_spesa(s, self.utente, registra_non_ammissibile=bool(v["registra_non_ammissibile"]))
        db.session.add(s)
        db.session.flush()  # the next spesa of the project is judged with this one
        self.giustificativi.add(chiave)
        self.nel_file.add(chiave)
        self._conta("Spese", True)

    def esegui(self) -> Esito:
        from app.servizi.spese import ricalcola_beneficiaria

        self._nel_file: set[str] = set()
        self.altrove: set[str] = set()  # codici fiscali held by another CAV
        self.nuove: set[int] = set()  # women created by this run: nothing of theirs to look up
        self.segnalazioni: dict[tuple, m.Segnalazione] = {}  # (woman, date) -> created by this run
        self.nel_file: set[tuple] = set()  # giustificativi imported by this run
        self._precarica()
        self.voci = {vs.codice: vs for vs in db.session.execute(select(m.VoceSpesa)).scalars()}
        r = self.righe
        self._scorri("Donne", r["Donne"], self.donna)
        self._scorri("Consensi", r["Consensi"], self.consenso)
        self._scorri("Altre misure", r["Altre misure"], self.altra_misura)
        self._scorri("Segnalazioni", r["Segnalazioni"], self.segnalazione)
        self._scorri("Progetti", r["Progetti"], self.progetto)
        # By date: a project's ceilings are consumed in the order the money was spent.
        spese = sorted(r["Spese"], key=lambda x: (x.valori.get("data") or date.max, x.numero))
        self._scorri("Spese", spese, self.spesa)
        for bid in sorted(self.ricalcolare):
            ricalcola_beneficiaria(bid)  # her earlier spese see her new measures
        return self.esito


def importa(righe: dict[str, list[regole.Riga]], utente, avanzamento=None) -> Esito:
    """Judge and write every row in the caller's transaction. The caller commits only if
    `esito.ok`, else rolls back; for a dry run it always rolls back. `avanzamento(foglio, fatte,
    totale)` is called every 100 rows of a sheet (the CLI prints it, the page shows it as a bar)."""
    from app.security import registra_per_le_donne

    if not registra_per_le_donne(utente):
        raise NonConsentito(MSG_SOLO_CAV)
    return _Importazione(righe, utente, avanzamento).esegui()


def registra_audit(esito: Esito, utente, prova: bool) -> None:
    """One row per run: who, dry run or not, how many rows per sheet. Never a value."""
    from app import audit

    audit.registra("importazione", tipo_record="Importazione",
                   dettaglio={"prova": prova, "importata": esito.ok and not prova, "fogli": esito.conteggi()},
                   utente=utente)


def concludi(esito: Esito, utente, prova: bool) -> None:
    """After `importa`, in the caller's transaction: a dry run, or an import with an error, is
    undone whole (nothing of it stays); then the run's audit row, which the caller commits."""
    if prova or not esito.ok:
        db.session.rollback()
    registra_audit(esito, utente, prova)


# --- the file between the dry run and the import (the page) --------------------------------------

SOTTOCARTELLA = ".importazioni"  # hidden: stays out of backups
DURATA_S = 60 * 60


def _cartella():
    from pathlib import Path

    cartella = Path(current_app.config["LIA_UPLOAD_DIR"]) / SOTTOCARTELLA
    cartella.mkdir(mode=0o700, parents=True, exist_ok=True)
    return cartella


def deposita(contenuto: bytes, utente_id: int) -> str:
    """Keep a tried file for the «Importa» that follows, encrypted like the personal data it
    holds, for an hour, usable by its uploader only. Returns its token."""
    import base64
    import json
    import secrets
    import time

    from app.crypto import cifra

    for vecchio in _cartella().iterdir():
        try:
            if time.time() - vecchio.stat().st_mtime > DURATA_S:
                vecchio.unlink()
        except FileNotFoundError:
            pass
    token = secrets.token_hex(16)
    (_cartella() / token).write_text(json.dumps({"utente": utente_id,
                                                 "file": cifra(base64.b64encode(contenuto).decode())}))
    return token


def ritira(token: str | None, utente_id: int) -> bytes | None:
    """The kept file of `token`, if it is this user's and not expired."""
    import base64
    import json
    import re
    import time

    from app.crypto import DatoCifratoCorrotto, decifra

    if not token or not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    percorso = _cartella() / token
    try:
        if time.time() - percorso.stat().st_mtime > DURATA_S:
            return None
        dati = json.loads(percorso.read_text())
        if dati.get("utente") != utente_id:
            return None
        return base64.b64decode(decifra(dati["file"]))
    except (FileNotFoundError, ValueError, KeyError, DatoCifratoCorrotto):
        return None


def scarta(token: str | None) -> None:
    import re

    if token and re.fullmatch(r"[0-9a-f]{32}", token):
        (_cartella() / token).unlink(missing_ok=True)


# --- the run of the page and the API --------------------------------------------------------------

MSG_CONFLITTO = "Importazione non riuscita: i dati sono in conflitto con dati registrati nel frattempo. Nessun dato importato."
MSG_INTERROTTA = ("Importazione interrotta prima della fine (il server è stato riavviato): nessun dato importato. "
                  "Caricare di nuovo il file.")
MSG_IMPREVISTA = "Importazione non riuscita per un errore imprevisto: nessun dato importato. Riprovare o avvisare l'assistenza."


def esegui(contenuto: bytes, utente, prova: bool, avanzamento=None):
    """Read, judge, write and conclude a file in one transaction of its own: (esito, None), or
    (None, the Italian reason it did not run). Commits only what `concludi` kept."""
    try:
        return esegui_righe(leggi(contenuto), utente, prova, avanzamento)
    except regole.FileNonValido as exc:
        return None, str(exc)


def esegui_righe(righe: dict[str, list[regole.Riga]], utente, prova: bool, avanzamento=None):
    """`esegui` of a file already read."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.servizi import transazione

    try:
        with transazione():
            esito = importa(righe, utente, avanzamento)
            concludi(esito, utente, prova)
        return esito, None
    except SQLAlchemyError:
        return None, MSG_CONFLITTO


# --- the page's run in the background, with its progress ------------------------------------------
# A file of thousands of rows takes longer than a request may (gunicorn stops a worker after 30 s):
# the page starts the run in a thread of its process and shows a progress bar that asks for the
# state. The state is a file beside the kept upload, so any worker answers: while running it holds
# counts only; the outcome (which may quote cells) is encrypted, for the uploader only.

ERRORI_CONSERVATI = 100  # the errors shown on the page; all of them are in the report
INTERROTTA_S = 10 * 60  # no progress for this long: the thread died with its process, nothing committed


def _percorso_lavoro(lavoro: str | None):
    import re

    if not lavoro or not re.fullmatch(r"[0-9a-f]{32}", lavoro):
        return None
    return _cartella() / f"{lavoro}.lavoro"


def _scrivi_lavoro(lavoro: str, stato: dict) -> None:
    import json
    import os

    percorso = _percorso_lavoro(lavoro)
    provvisorio = percorso.with_suffix(f".{os.getpid()}.tmp")
    provvisorio.write_text(json.dumps(stato))
    provvisorio.replace(percorso)  # the poll never reads half a file


def avvia(contenuto: bytes, utente, prova: bool) -> str:
    """Keep the file and start its run in the background; wait up to LIA_IMPORTAZIONE_ATTESA_S
    for a short file to finish. Returns the run's id (for `lavoro`)."""
    import secrets
    import threading

    lavoro = secrets.token_hex(16)
    token = deposita(contenuto, utente.id)
    _scrivi_lavoro(lavoro, {"utente": utente.id, "prova": prova, "token": token, "stato": "in_corso",
                            "fase": "Lettura del file", "fatte": 0, "totale": 0})
    filo = threading.Thread(target=_lavora, name="lia-importazione", daemon=True,
                            args=(current_app._get_current_object(), lavoro, utente.id, prova, token))
    filo.start()
    filo.join(float(current_app.config["LIA_IMPORTAZIONE_ATTESA_S"]))
    return lavoro


def _lavora(app, lavoro: str, utente_id: int, prova: bool, token: str) -> None:
    import json
    import time

    from app.crypto import cifra
    from app.security import come_utente

    stato = {"utente": utente_id, "prova": prova, "token": token, "stato": "in_corso", "fase": "Lettura del file",
             "fatte": 0, "totale": 0}
    with app.app_context():
        fatte_per_foglio: dict[str, int] = {}
        ultima = [0.0]

        def avanzamento(foglio, fatte, _totale_foglio):
            fatte_per_foglio[foglio] = fatte
            adesso = time.monotonic()
            if adesso - ultima[0] >= 0.25:  # a poll each second needs no more
                ultima[0] = adesso
                _scrivi_lavoro(lavoro, stato | {"fase": f"Foglio «{foglio}»", "fatte": sum(fatte_per_foglio.values())})

        try:
            utente = db.session.get(app.appbuilder.sm.user_model, utente_id)
            contenuto = ritira(token, utente_id)
            if contenuto is None:
                esito, motivo = None, "Il file caricato non è più disponibile: caricarlo di nuovo."
            else:
                righe = leggi(contenuto)
                stato["totale"] = sum(len(v) for v in righe.values())
                _scrivi_lavoro(lavoro, stato | {"fase": "Controllo delle righe"})
                with come_utente(utente):
                    esito, motivo = esegui_righe(righe, utente, prova, avanzamento)
        except regole.FileNonValido as exc:
            esito, motivo = None, str(exc)
        except Exception:
            app.logger.exception("importazione da Excel non riuscita")  # type and traceback only
            esito, motivo = None, MSG_IMPREVISTA
        finally:
            db.session.remove()
        if esito is not None and esito.ok and not prova:
            scarta(token)
        risultato = {"motivo": motivo}
        if esito is not None:
            risultato |= {"ok": esito.ok, "sintesi": esito.sintesi(), "n_errori": len(esito.errori),
                          "errori": esito.errori[:ERRORI_CONSERVATI]}
        _scrivi_lavoro(lavoro, stato | {"stato": "concluso", "fase": "Concluso", "fatte": stato["totale"],
                                        "esito": cifra(json.dumps(risultato))})


def lavoro(lavoro_id: str | None, utente_id: int) -> dict | None:
    """The run's state for its uploader: stato (in_corso / concluso), fase, fatte, totale,
    percentuale, prova, token (the kept file) and, once concluded, esito (motivo, ok, sintesi,
    n_errori, errori). None when it is unknown, expired or another user's."""
    import json
    import time

    from app.crypto import DatoCifratoCorrotto, decifra

    percorso = _percorso_lavoro(lavoro_id)
    if percorso is None:
        return None
    try:
        eta = time.time() - percorso.stat().st_mtime
        stato = json.loads(percorso.read_text())
    except (FileNotFoundError, ValueError):
        return None
    if stato.get("utente") != utente_id or eta > DURATA_S:
        return None
    if stato["stato"] == "in_corso" and eta > INTERROTTA_S:
        stato |= {"stato": "concluso", "esito": {"motivo": MSG_INTERROTTA}}
    elif stato["stato"] == "concluso":
        try:
            stato["esito"] = json.loads(decifra(stato["esito"]))
        except (ValueError, KeyError, DatoCifratoCorrotto):
            return None
    stato["percentuale"] = 100 if stato["stato"] == "concluso" else (
        int(99 * stato["fatte"] / stato["totale"]) if stato["totale"] else 0)
    return stato
