"""Changes of who may see a CAV's women: the two-person rule on roles and ente.

A change that lets a user see identities (a role such as Operatrice CAV, or a move into a
CAV) is stored here as a request and applied only when a Responsabile of that CAV confirms
it. Changes that take effect at once but touch a CAV (a role removed, a user moved out) are
stored too, already applied: the CAV's history shows both.
"""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from app.models import Ente, Utente, _enum, _ora

STATI_RICHIESTA = {
    "in_attesa": "In attesa di conferma",
    "confermata": "Confermata",
    "rifiutata": "Rifiutata",
    "annullata": "Annullata",
    "applicata": "Applicata subito (nessuna conferma necessaria)",
}


class RichiestaAbilitazione(Model):
    __tablename__ = "lia_richiesta_abilitazione"
    __table_args__ = {"sqlite_autoincrement": True}  # an id is never reused for another request
    id = Column(Integer, primary_key=True)
    # The user concerned; her username is kept too, so that the history survives her deletion
    # and a request can never be applied to another user who got the same id.
    utente_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), nullable=True, index=True)
    utente = relationship(Utente, foreign_keys=[utente_id])
    username = Column(String(100), nullable=False)
    # The CAV whose Responsabile decides (or, for a change applied at once, the CAV touched).
    cav_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=False, index=True)
    cav = relationship(Ente, foreign_keys=[cav_id])
    ente_precedente_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=True, index=True)
    ente_precedente = relationship(Ente, foreign_keys=[ente_precedente_id])
    ente_richiesto_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=True, index=True)
    ente_richiesto = relationship(Ente, foreign_keys=[ente_richiesto_id])
    # Role names, comma separated: the record of what was asked, whatever the roles become.
    ruoli_precedenti = Column(String(500), nullable=False, default="")
    ruoli_richiesti = Column(String(500), nullable=False, default="")
    stato = Column(_enum("stato_richiesta_abilitazione", STATI_RICHIESTA), nullable=False, default="in_attesa",
                   index=True)
    richiesta_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    richiesta_da = relationship(Utente, foreign_keys=[richiesta_da_id])
    richiesta_il = Column(DateTime, nullable=False, default=_ora)
    decisa_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    decisa_da = relationship(Utente, foreign_keys=[decisa_da_id])
    decisa_il = Column(DateTime, nullable=True)
    nota = Column(String(500), nullable=False, default="")

    # Flat names for the API (nested schemas of one model under several names clash in OpenAPI).
    @property
    def nome_cav(self):
        return self.cav.nome if self.cav else None

    @property
    def nome_ente_precedente(self):
        return self.ente_precedente.nome if self.ente_precedente else None

    @property
    def nome_ente_richiesto(self):
        return self.ente_richiesto.nome if self.ente_richiesto else None

    @property
    def richiesta_da_username(self):
        return self.richiesta_da.username if self.richiesta_da else None

    @property
    def decisa_da_username(self):
        return self.decisa_da.username if self.decisa_da else None

    @property
    def nomi_ruoli_richiesti(self) -> set[str]:
        return {r for r in self.ruoli_richiesti.split(",") if r}

    def __repr__(self):
        return f"Abilitazione di {self.username}"
