"""Counters that hand out codes, and the answers kept for the API's Idempotency-Key.

Both are technical tables with no personal data in clear: the logic is in app.servizi.sequenze
and app.api.idempotenza.
"""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, UniqueConstraint

from app.crypto import TestoCifrato


class Sequenza(Model):
    """The last number handed out under `nome` (e.g. the women of one ambito in one year)."""

    __tablename__ = "lia_sequenza"
    nome = Column(String(80), primary_key=True)
    valore = Column(Integer, nullable=False)


class RichiestaIdempotente(Model):
    """One API POST sent with an Idempotency-Key: its fingerprint, then its answer.

    The row is inserted before the request runs, in the request's own transaction: a second
    request with the same key waits on the unique index and then finds the first one's row."""

    __tablename__ = "lia_richiesta_idempotente"
    __table_args__ = (UniqueConstraint("user_id", "chiave", name="uq_richiesta_idempotente_chiave"),
                      {"sqlite_autoincrement": True})
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    chiave = Column(String(255), nullable=False)
    richiesta = Column(String(300), nullable=False)  # method and path
    impronta = Column(String(64), nullable=False)  # SHA-256 of method, path and body
    stato = Column(Integer, nullable=True)  # None while the first request is running
    corpo = Column(TestoCifrato, nullable=True)  # the answer may carry personal data: encrypted
    creata = Column(DateTime, nullable=False, index=True)
