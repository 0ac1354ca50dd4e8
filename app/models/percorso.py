"""The path of one woman: segnalazione → valutazione → micro-équipe → progetto → interventi →
esito and follow-up. Every record carries beneficiaria_id, so one perimeter rule covers all."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Integer, Numeric, String, Table, Text, select,
)
from sqlalchemy.orm import column_property, relationship

from app.models import ID_MAI_RIUSATI, Beneficiaria, Ente, PerBeneficiaria, Utente, Versionato, _enum, _ora
from app.rules.workflow import ESITI_VALUTAZIONE, STATI_ETICHETTE, STATO_INIZIALE

AREE = {"lavoro": "Lavoro", "abitare": "Abitare", "entrambe": "Lavoro e abitare"}
TIPI_INTERVENTO = {
    "tirocinio": "Tirocinio di inclusione sociale",
    "formazione": "Corso di formazione",
    "inserimento_diretto": "Inserimento lavorativo diretto",
    "servizio_cpi": "Servizio del CPI",
    "conciliazione": "Conciliazione vita-lavoro",
    "sostegno_abitativo": "Sostegno abitativo",
}
SERVIZI_CPI = {
    "accoglienza": "Accoglienza e prima informazione",
    "did": "Dichiarazione di immediata disponibilità (DID)",
    "sap": "Profilazione e aggiornamento SAP",
    "orientamento_base": "Orientamento di base",
    "patto_servizio": "Patto di servizio personalizzato",
    "orientamento_specialistico": "Orientamento specialistico",
    "cv": "Supporto alla redazione del CV",
    "incontro_domanda_offerta": "Scouting e incontro domanda-offerta",
}
STATI_INTERVENTO = {"previsto": "Previsto", "in_corso": "In corso", "concluso": "Concluso",
                    "interrotto": "Interrotto"}
TIPI_CONTRATTO = {
    "indeterminato": "Tempo indeterminato", "determinato": "Tempo determinato",
    "intermittente": "Intermittente", "tirocinio": "Tirocinio", "nessuno": "Nessuno",
}
CONDIZIONI_LAVORO_ESITO = {"occupata": "Occupata", "non_occupata": "Non occupata", "in_formazione": "In formazione"}
CONDIZIONI_ABITATIVE = {
    "autonoma": "Abitazione autonoma", "soluzione_intermedia": "Soluzione abitativa intermedia",
    "ospitalita": "Ospitalità / casa rifugio", "familiari": "Presso familiari o conoscenti", "nd": "Non rilevata",
}
TIPI_ESITO = {"chiusura": "Esito alla chiusura", "follow_up": "Follow-up"}


class Segnalazione(Versionato, PerBeneficiaria, Model):
    __tablename__ = "lia_segnalazione"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"),
                             nullable=False, index=True)
    beneficiaria = relationship(Beneficiaria)
    ente_segnalante_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=False)
    ente_segnalante = relationship(Ente, foreign_keys=[ente_segnalante_id])
    # Her équipe's ambito.
    ambito_id = Column(Integer, ForeignKey("lia_ambito.id", ondelete="RESTRICT"), nullable=False)
    ambito = relationship("Ambito")
    data = Column(Date, nullable=False, default=date.today)
    area_richiesta = Column(_enum("area", AREE), nullable=False)
    note = Column(String(1000), nullable=False, default="")  # non-identifying notes only
    # Who recorded it and when: its author may delete it as a mistake (app.rules.eliminazione).
    creato_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    creato_il = Column(DateTime, nullable=True, default=_ora)
    # Two decisions on the same day: the later one recorded is the last (PostgreSQL returns ties in any order).
    valutazioni = relationship("Valutazione", back_populates="segnalazione",
                               order_by="(Valutazione.data, Valutazione.id)", cascade="all, delete-orphan")

    @property
    def ultima_valutazione(self):
        return self.valutazioni[-1] if self.valutazioni else None

    @property
    def ammessa(self) -> bool:
        v = self.ultima_valutazione
        return v is not None and v.esito == "ammessa"

    @property
    def valutazione_corrente(self) -> str:
        """The list's «Valutazione»: the last decision and its date, read with the row itself
        (esito_ultima_valutazione, data_ultima_valutazione), not by loading every valutazione."""
        esito = self.esito_ultima_valutazione
        if esito is None:
            return "In attesa di valutazione"
        return _descrivi_valutazione(esito, self.data_ultima_valutazione)

    def __repr__(self):
        return f"Segnalazione {self.beneficiaria.codice if self.beneficiaria else ''} del {self.data:%d/%m/%Y}"


class Valutazione(Versionato, PerBeneficiaria, Model):
    """The équipe's decision on a segnalazione."""

    __tablename__ = "lia_valutazione"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    segnalazione_id = Column(Integer, ForeignKey("lia_segnalazione.id", ondelete="CASCADE"), nullable=False, index=True)
    segnalazione = relationship(Segnalazione, back_populates="valutazioni")
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"),
                             nullable=False, index=True)
    beneficiaria = relationship(Beneficiaria)
    esito = Column(_enum("esito_valutazione", ESITI_VALUTAZIONE), nullable=False)
    pronta = Column(Boolean, nullable=True)  # ready for a job path
    data = Column(Date, nullable=False, default=date.today)
    motivazione = Column(String(1000), nullable=False, default="")
    valutata_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    valutata_da = relationship(Utente, foreign_keys=[valutata_da_id])

    def __repr__(self):
        return _descrivi_valutazione(self.esito, self.data)


def _descrivi_valutazione(esito: str, data) -> str:
    """A decision as screens show it: «Ammessa (14/05/2022)»."""
    return f"{ESITI_VALUTAZIONE.get(esito, esito)} ({data:%d/%m/%Y})"


def _della_ultima_valutazione(colonna):
    """A column of a segnalazione's last valutazione, in the order of `valutazioni` (data, then id);
    deferred: a list that shows it asks for it."""
    return column_property(
        select(colonna).where(Valutazione.segnalazione_id == Segnalazione.id)
        .order_by(Valutazione.data.desc(), Valutazione.id.desc()).limit(1)
        .correlate_except(Valutazione).scalar_subquery(), deferred=True)


Segnalazione.esito_ultima_valutazione = _della_ultima_valutazione(Valutazione.esito)
Segnalazione.data_ultima_valutazione = _della_ultima_valutazione(Valutazione.data)


membri_microequipe = Table(
    "lia_microequipe_membro", Model.metadata,
    Column("microequipe_id", Integer, ForeignKey("lia_microequipe.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
)


class MicroEquipe(Versionato, PerBeneficiaria, Model):
    """One per case: designs and runs the project, coordinated by the referring ente."""

    __tablename__ = "lia_microequipe"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"), nullable=False,
                             unique=True)
    beneficiaria = relationship(Beneficiaria)
    ente_coordinatore_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=False)
    ente_coordinatore = relationship(Ente, foreign_keys=[ente_coordinatore_id])
    membri = relationship(Utente, secondary=membri_microequipe)
    note = Column(String(1000), nullable=False, default="")

    def __repr__(self):
        return f"Micro-équipe {self.beneficiaria.codice if self.beneficiaria else ''}"


class Progetto(Versionato, PerBeneficiaria, Model):
    __tablename__ = "lia_progetto"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    codice = Column(String(30), unique=True, nullable=False)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"),
                             nullable=False, index=True)
    beneficiaria = relationship(Beneficiaria)
    segnalazione_id = Column(Integer, ForeignKey("lia_segnalazione.id", ondelete="RESTRICT"), nullable=False)
    segnalazione = relationship(Segnalazione)
    ente_coordinatore_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=False)
    ente_coordinatore = relationship(Ente, foreign_keys=[ente_coordinatore_id])
    area = Column(_enum("area", AREE), nullable=False)
    obiettivi = Column(Text, nullable=False, default="")
    data_inizio = Column(Date, nullable=True)
    data_fine = Column(Date, nullable=True)
    budget_asse_ii = Column(Numeric(12, 2), nullable=False, default=Decimal("0"))
    budget_asse_iii = Column(Numeric(12, 2), nullable=False, default=Decimal("0"))
    budget_asse_iv = Column(Numeric(12, 2), nullable=False, default=Decimal("0"))
    soluzione_abitativa_intermedia = Column(Boolean, nullable=False, default=False)
    stato = Column(_enum("stato_progetto", STATI_ETICHETTE), nullable=False, default=STATO_INIZIALE, index=True)
    data_validazione_equipe = Column(Date, nullable=True)
    data_validazione_capofila = Column(Date, nullable=True)
    data_avvio = Column(Date, nullable=True)  # first time it went "in corso" (indicator)
    data_chiusura = Column(Date, nullable=True)
    motivo_interruzione = Column(String(1000), nullable=False, default="")
    transizioni = relationship("TransizioneProgetto", back_populates="progetto",
                               order_by="TransizioneProgetto.id", cascade="all, delete-orphan")

    @property
    def usa_fondi_regionali(self) -> bool:
        return any((b or 0) > 0 for b in (self.budget_asse_ii, self.budget_asse_iii, self.budget_asse_iv))

    @property
    def stato_etichetta(self):
        return STATI_ETICHETTE.get(self.stato, self.stato)

    def __repr__(self):
        return self.codice


class TransizioneProgetto(PerBeneficiaria, Model):
    """The project's history: who moved it, when, from, to, why."""

    __tablename__ = "lia_transizione_progetto"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    progetto_id = Column(Integer, ForeignKey("lia_progetto.id", ondelete="CASCADE"), nullable=False, index=True)
    progetto = relationship(Progetto, back_populates="transizioni")
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"),
                             nullable=False, index=True)
    da_stato = Column(String(40), nullable=False)
    a_stato = Column(String(40), nullable=False)
    utente_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    utente = relationship(Utente, foreign_keys=[utente_id])
    quando = Column(DateTime, nullable=False, default=_ora)
    # The date of the decision the user entered (e.g. the équipe's meeting); `quando` is the clock.
    data_decisione = Column(Date, nullable=True)
    nota = Column(String(1000), nullable=False, default="")


class ColloquioCPI(Versionato, PerBeneficiaria, Model):
    __tablename__ = "lia_colloquio_cpi"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"),
                             nullable=False, index=True)
    beneficiaria = relationship(Beneficiaria)
    ente_cpi_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=False)
    ente_cpi = relationship(Ente, foreign_keys=[ente_cpi_id])
    data_prevista = Column(Date, nullable=False)
    data_svolta = Column(Date, nullable=True)
    esito = Column(String(1000), nullable=False, default="")


class Intervento(Versionato, PerBeneficiaria, Model):
    __tablename__ = "lia_intervento"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    progetto_id = Column(Integer, ForeignKey("lia_progetto.id", ondelete="CASCADE"), nullable=False, index=True)
    progetto = relationship(Progetto)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"),
                             nullable=False, index=True)
    tipo = Column(_enum("tipo_intervento", TIPI_INTERVENTO), nullable=False)
    servizio_cpi = Column(_enum("servizio_cpi", SERVIZI_CPI), nullable=True)  # CPI services: no cost
    ente_erogatore_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=False)
    ente_erogatore = relationship(Ente, foreign_keys=[ente_erogatore_id])
    data_inizio = Column(Date, nullable=True)
    data_fine = Column(Date, nullable=True)
    stato = Column(_enum("stato_intervento", STATI_INTERVENTO), nullable=False, default="previsto")
    note = Column(String(1000), nullable=False, default="")


class EsitoProgetto(Versionato, PerBeneficiaria, Model):
    """Outcome at closure, and follow-ups at later dates (6 and 12 months by default)."""

    __tablename__ = "lia_esito_progetto"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    progetto_id = Column(Integer, ForeignKey("lia_progetto.id", ondelete="CASCADE"), nullable=False, index=True)
    progetto = relationship(Progetto)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"),
                             nullable=False, index=True)
    tipo = Column(_enum("tipo_esito", TIPI_ESITO), nullable=False)
    data = Column(Date, nullable=False, default=date.today)
    condizione_lavorativa = Column(_enum("condizione_lavorativa", CONDIZIONI_LAVORO_ESITO), nullable=False)
    tipo_contratto = Column(_enum("tipo_contratto", TIPI_CONTRATTO), nullable=False, default="nessuno")
    condizione_abitativa = Column(_enum("condizione_abitativa", CONDIZIONI_ABITATIVE), nullable=False, default="nd")
    note = Column(String(1000), nullable=False, default="")
    # Who recorded it and when: its author may delete it as a mistake (app.rules.eliminazione).
    creato_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    creato_il = Column(DateTime, nullable=True, default=_ora)
