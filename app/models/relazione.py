"""The narrative of the relazione finale (issue 13, §3): one text per section of the programme
file's [[relazione_finale]], written by the capofila in the app; the numbers beside it come from
the data when the document is generated."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models import ID_MAI_RIUSATI, Utente, Versionato, _ora


class TestoRelazione(Versionato, Model):
    __tablename__ = "lia_testo_relazione"
    __table_args__ = (UniqueConstraint("programma", "sezione", name="uq_testo_relazione_sezione"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    programma = Column(String(40), nullable=False)  # the programme file's codice
    sezione = Column(String(40), nullable=False)  # a [[relazione_finale]] codice
    testo = Column(Text, nullable=False, default="")
    aggiornato_il = Column(DateTime, nullable=False, default=_ora)
    aggiornato_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True)
    aggiornato_da = relationship(Utente)
