"""Asse I, run by the capofila: the laboratorio di empowerment (editions, sessions, attendance),
its formalised model, training events for operators, and agreements with local actors."""
from __future__ import annotations

from datetime import date

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models import ID_MAI_RIUSATI, Ambito, Beneficiaria, Ente, PerBeneficiaria, Versionato, _enum
from app.models.percorso import AREE

TIPI_ACCORDO = {"accordo": "Accordo", "protocollo": "Protocollo d'intesa", "patto": "Patto / alleanza territoriale"}
STATI_ACCORDO = {"in_definizione": "In definizione", "firmato": "Firmato", "annullato": "Annullato",
                 "scaduto": "Scaduto"}


class Laboratorio(Versionato, Model):
    __tablename__ = "lia_laboratorio"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    edizione = Column(String(100), nullable=False)
    ambito_id = Column(Integer, ForeignKey("lia_ambito.id", ondelete="RESTRICT"), nullable=False)
    ambito = relationship(Ambito)
    conduttori = Column(String(300), nullable=False, default="")
    sede = Column(String(300), nullable=False, default="")
    note = Column(String(1000), nullable=False, default="")
    sessioni = relationship("SessioneLaboratorio", back_populates="laboratorio", order_by="SessioneLaboratorio.data",
                            cascade="all, delete-orphan")

    def __repr__(self):
        return f"Laboratorio {self.edizione}"


class IscrizioneLaboratorio(Versionato, PerBeneficiaria, Model):
    """A woman enrolled in an edition (referred by her CAV or the network)."""

    __tablename__ = "lia_iscrizione_laboratorio"
    __table_args__ = (UniqueConstraint("laboratorio_id", "beneficiaria_id"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    laboratorio_id = Column(Integer, ForeignKey("lia_laboratorio.id", ondelete="CASCADE"), nullable=False, index=True)
    laboratorio = relationship(Laboratorio)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"),
                             nullable=False, index=True)
    beneficiaria = relationship(Beneficiaria)
    data_iscrizione = Column(Date, nullable=False, default=date.today)


class SessioneLaboratorio(Versionato, Model):
    __tablename__ = "lia_sessione_laboratorio"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    laboratorio_id = Column(Integer, ForeignKey("lia_laboratorio.id", ondelete="CASCADE"), nullable=False, index=True)
    laboratorio = relationship(Laboratorio, back_populates="sessioni")
    data = Column(Date, nullable=False)
    # "HH:MM" text: FAB has no form field nor filter for Time columns.
    ora_inizio = Column(String(5), nullable=True)
    ora_fine = Column(String(5), nullable=True)
    tema = Column(String(300), nullable=False, default="")
    note = Column(String(1000), nullable=False, default="")
    svolta = Column(Boolean, nullable=False, default=True)

    def __repr__(self):
        return f"{self.laboratorio.edizione if self.laboratorio else ''} – {self.data:%d/%m/%Y}"


class Presenza(PerBeneficiaria, Model):
    __tablename__ = "lia_presenza"
    __table_args__ = (UniqueConstraint("sessione_id", "beneficiaria_id"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    sessione_id = Column(Integer, ForeignKey("lia_sessione_laboratorio.id", ondelete="CASCADE"), nullable=False,
                         index=True)
    sessione = relationship(SessioneLaboratorio)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"),
                             nullable=False, index=True)
    beneficiaria = relationship(Beneficiaria)
    presente = Column(Boolean, nullable=False, default=True)


class ModelloLaboratorio(Versionato, Model):
    """The formalised model of the laboratorio (a document stored outside the database)."""

    __tablename__ = "lia_modello_laboratorio"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    titolo = Column(String(300), nullable=False)
    allegato = Column(String(300), nullable=True)
    data_formalizzazione = Column(Date, nullable=True)
    data_validazione = Column(Date, nullable=True)
    validato_da = Column(String(300), nullable=False, default="")

    @property
    def scarica_allegato(self):
        return f"/modellolaboratorioview/allegato/{self.id}" if self.allegato and self.id else None

    def __repr__(self):
        return self.titolo


class EventoFormativo(Versionato, Model):
    """Training event for operators (priority 1.2, and the diffusion of the model)."""

    __tablename__ = "lia_evento_formativo"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    data = Column(Date, nullable=False)
    ambito_id = Column(Integer, ForeignKey("lia_ambito.id", ondelete="RESTRICT"),
                       nullable=True)  # empty: all three ambiti
    ambito = relationship(Ambito)
    tema = Column(String(300), nullable=False)
    diffonde_modello = Column(Boolean, nullable=False, default=True)
    note = Column(String(1000), nullable=False, default="")
    partecipazioni = relationship("PartecipazioneEvento", back_populates="evento", cascade="all, delete-orphan")

    def __repr__(self):
        return f"{self.tema} ({self.data:%d/%m/%Y})"


class PartecipazioneEvento(Versionato, Model):
    __tablename__ = "lia_partecipazione_evento"
    __table_args__ = (UniqueConstraint("evento_id", "ente_id"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    evento_id = Column(Integer, ForeignKey("lia_evento_formativo.id", ondelete="CASCADE"), nullable=False)
    evento = relationship(EventoFormativo, back_populates="partecipazioni")
    ente_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=False)
    ente = relationship(Ente)
    numero_operatori = Column(Integer, nullable=False, default=1)


class Accordo(Versionato, Model):
    """Agreement, protocol or territorial pact with a local actor (priority 1.1)."""

    __tablename__ = "lia_accordo"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    controparte = Column(String(300), nullable=False)
    tipo = Column(_enum("tipo_accordo", TIPI_ACCORDO), nullable=False)
    area = Column(_enum("area", AREE), nullable=False)
    data_firma = Column(Date, nullable=True)
    allegato = Column(String(300), nullable=True)
    stato = Column(_enum("stato_accordo", STATI_ACCORDO), nullable=False, default="in_definizione")
    note = Column(String(1000), nullable=False, default="")

    @property
    def scarica_allegato(self):
        return f"/accordoview/allegato/{self.id}" if self.allegato and self.id else None

    def __repr__(self):
        return f"{TIPI_ACCORDO.get(self.tipo, self.tipo)} con {self.controparte}"
