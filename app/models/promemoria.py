"""The reminders already sent by e-mail (issue 11, §15): one row per user and event, so that the
daily digest never sends the same event twice, even when two runs start at once (the unique
key makes the second one fail instead of sending again)."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, UniqueConstraint

from app.models import ID_MAI_RIUSATI, _ora


class PromemoriaInviato(Model):
    __tablename__ = "lia_promemoria_inviato"
    __table_args__ = (UniqueConstraint("utente_id", "evento", name="uq_promemoria_utente_evento"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    utente_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    evento = Column(String(200), nullable=False)  # app.rules.promemoria.Promemoria.chiave: codes, no names
    inviato_il = Column(DateTime, nullable=False, default=_ora)
