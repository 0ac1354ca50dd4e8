"""The audit trail: one row per read of personal data, change, export, login and logout.

Append-only and chained (app.rules.audit): each row carries the keyed hash of its content and
of the previous row. Rows name women by pseudonymous code only. No foreign keys: a row must
outlive the user, the ente or the woman it names, and must never block their deletion.
"""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Integer, String, Text, func, literal
from sqlalchemy.orm import foreign, relationship, remote

from app.models import Beneficiaria, Ente, _ora


def _senza_jolly(colonna):
    return func.replace(func.replace(func.replace(colonna, "\\", "\\\\"), "%", "\\%"), "_", "\\_")


class AuditEvento(Model):
    __tablename__ = "lia_audit"
    # The chain is ordered by id: an id is never given twice, even after a deletion.
    __table_args__ = {"sqlite_autoincrement": True}

    id = Column(Integer, primary_key=True)
    quando = Column(DateTime, nullable=False, default=_ora, index=True)  # UTC
    utente_id = Column(Integer, nullable=True)  # None: nobody identifiable (failed login)
    username = Column(String(128), nullable=True)  # "sistema" for the CLI
    ente_id = Column(Integer, nullable=True)
    azione = Column(String(40), nullable=False)
    tipo_record = Column(String(60), nullable=True)
    record_id = Column(Integer, nullable=True)
    codici = Column(Text, nullable=True)  # the women's codes, space separated
    ip = Column(String(45), nullable=True)
    request_id = Column(String(36), nullable=True)
    dettaglio = Column(Text, nullable=True)  # small JSON, never a personal value
    hash_precedente = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False)

    ente = relationship(Ente, primaryjoin=lambda: foreign(AuditEvento.ente_id) == Ente.id, viewonly=True)
    # "The rows naming this woman": what FAB needs to show them as a tab of her page. Matched
    # between the separators, wildcards escaped (an ambito code is typed by the admin).
    beneficiaria = relationship(
        Beneficiaria, viewonly=True, uselist=False,
        primaryjoin=lambda: (literal(" ") + foreign(AuditEvento.codici) + literal(" ")).like(
            literal("% ") + _senza_jolly(remote(Beneficiaria.codice)) + literal(" %"), escape="\\"))

    def __repr__(self):
        return f"Audit<{self.id} {self.azione}>"
