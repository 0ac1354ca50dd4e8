"""Periods of the rendicontazione (issue 13, §2): the capofila closes a period when it sends it to
the Region; the workbook sent is kept here, byte for byte.

The workbook lives in the database (not under LIA_UPLOAD_DIR) because it is written in the same
transaction that closes the period: a period is never closed without its file, nor a file left
behind by a close that rolled back; and the backup, the restore and the audit of the database carry
it with the rest of the accounts. It is a few hundred kilobytes per period, read only when someone
downloads it (a deferred column: the lists never load it)."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Column, Date, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import deferred, relationship

from app.models import ID_MAI_RIUSATI, Utente, Versionato, _ora


class PeriodoRendicontazione(Versionato, Model):
    __tablename__ = "lia_periodo_rendicontazione"
    __table_args__ = (CheckConstraint("al >= dal", name="ck_periodo_rendicontazione_date"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    dal = Column(Date, nullable=False, index=True)
    al = Column(Date, nullable=False, index=True)
    descrizione = Column(String(200), nullable=False, default="")
    creato_il = Column(DateTime, nullable=False, default=_ora)
    creato_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    creato_da = relationship(Utente, foreign_keys=[creato_da_id])
    chiuso_il = Column(DateTime, nullable=True)
    chiuso_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    chiuso_da = relationship(Utente, foreign_keys=[chiuso_da_id])
    # The workbook as sent (xlsx), its SHA-256 (hex) and size in bytes: set together with chiuso_il.
    file_rendiconto = deferred(Column(LargeBinary, nullable=True))
    sha256 = Column(String(64), nullable=True)
    dimensione = Column(Integer, nullable=True)
    righe_spese = Column(Integer, nullable=True)  # spese listed in the stored workbook

    @property
    def chiuso(self) -> bool:
        return self.chiuso_il is not None

    @property
    def stato(self) -> str:
        return f"Chiuso il {self.chiuso_il:%d/%m/%Y}" if self.chiuso_il else "Aperto"

    @property
    def scarica_rendiconto(self) -> str | None:
        """Where the screens link the stored workbook (the route checks who may download it)."""
        return f"/periodorendicontazioneview/rendiconto/{self.id}" if self.chiuso_il and self.id else None

    def __repr__(self):
        return f"{self.dal:%d/%m/%Y}–{self.al:%d/%m/%Y}"
