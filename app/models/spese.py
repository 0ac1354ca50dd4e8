"""Spese: the money. A spesa is charged to a progetto (Assi II–IV, paid by a CAV) or to an
Asse I activity (paid by the capofila, no woman attached). Its verdict is computed by
app.rules.eligibility, stored with the reasons, and recomputed when what it depends on changes."""
from __future__ import annotations

from datetime import date

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, false, text,
)
from sqlalchemy import event
from sqlalchemy.orm import relationship, validates

from app.models import (
    ID_MAI_RIUSATI, Beneficiaria, Ente, PerBeneficiaria, Utente, Versionato, VoceSpesa, _enum, _ora,
)
from app.models.percorso import Progetto
from app.rules.eligibility import normalizza_giustificativo

TIPI_GIUSTIFICATIVO = {
    "fattura": "Fattura", "ricevuta": "Ricevuta", "scontrino": "Scontrino", "contratto": "Contratto",
    "nota_spese": "Nota spese", "bollettino": "Bollettino / utenza", "nota_credito": "Nota di credito",
    "altro": "Altro",
}
# How the payment was made: the Region checks a proof of payment (quietanza) for every spesa.
TIPI_QUIETANZA = {
    "bonifico": "Bonifico", "assegno": "Assegno", "contanti": "Contanti", "carta": "Carta di pagamento",
    "f24": "Modello F24", "altro": "Altro",
}


INDICE_GIUSTIFICATIVO_UNICO = "uq_spesa_giustificativo_ammessa"


class Spesa(Versionato, PerBeneficiaria, Model):
    __tablename__ = "lia_spesa"
    __table_args__ = (
        Index("ix_spesa_giustificativo", "ente_pagatore_id", "giustificativo_numero", "giustificativo_data"),
        # Every judgement looks up the network's spese sharing a giustificativo by this key alone.
        Index("ix_spesa_giustificativo_chiave", "giustificativo_chiave"),
        # One giustificativo of one payer is charged once: two requests at the same moment on two
        # projects cannot both store it as eligible. A copy recorded on purpose as "non
        # ammissibile" (money already paid) stays out of the index.
        Index(INDICE_GIUSTIFICATIVO_UNICO, "ente_pagatore_id", "giustificativo_chiave", "giustificativo_data",
              unique=True, sqlite_where=text("ammissibile"), postgresql_where=text("ammissibile")),
        # The totals above the spese list (servizi.spese.totali_spese) read the index alone: a CAV's
        # 45,000 spese summed in ~20 ms instead of ~100 ms of row lookups (issue 14).
        Index("ix_lia_spesa_totali", "beneficiaria_id", "annullata", "ammissibile", "importo",
              postgresql_include=["id"]),
        ID_MAI_RIUSATI,
    )
    # The verdict, rewritten for every spesa of the project at each recompute.
    campi_derivati = ("ammissibile", "motivi", "avvisi", "valutata_il")
    id = Column(Integer, primary_key=True)
    progetto_id = Column(Integer, ForeignKey("lia_progetto.id", ondelete="RESTRICT"), nullable=True, index=True)
    progetto = relationship(Progetto)
    # Denormalised from the progetto (NULL for Asse I): the perimeter filters on it.
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="RESTRICT"), nullable=True, index=True)
    beneficiaria = relationship(Beneficiaria)
    voce_id = Column(Integer, ForeignKey("lia_voce_spesa.id", ondelete="RESTRICT"), nullable=False, index=True)
    voce = relationship(VoceSpesa)
    importo = Column(Numeric(12, 2), nullable=False)
    data = Column(Date, nullable=False, default=date.today, index=True)
    ente_pagatore_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=False, index=True)
    ente_pagatore = relationship(Ente, foreign_keys=[ente_pagatore_id])
    fornitore = Column(String(200), nullable=False, default="")  # who was paid (a firm, a landlord)
    giustificativo_tipo = Column(_enum("tipo_giustificativo", TIPI_GIUSTIFICATIVO), nullable=True)
    giustificativo_numero = Column(String(50), nullable=True)
    giustificativo_data = Column(Date, nullable=True)
    # The number as the rules compare it ("fatt 12/ a" = "FATT12/A"), for the unique index.
    giustificativo_chiave = Column(String(50), nullable=True)
    quietanza_tipo = Column(_enum("tipo_quietanza", TIPI_QUIETANZA), nullable=True)
    quietanza_data = Column(Date, nullable=True)  # never before giustificativo_data (app.rules.eligibility)
    allegato = Column(String(300), nullable=True)  # file name under LIA_UPLOAD_DIR, never in the DB
    coperta_da_altra_misura = Column(Boolean, nullable=False, default=False)
    note = Column(String(1000), nullable=False, default="")
    ammissibile = Column(Boolean, nullable=False, default=False, index=True)
    # "Registra anche se non ammissibile": stays non ammissibile at every recompute and counts for
    # no ceiling nor giustificativo, so it never displaces a spesa admitted before it.
    non_ammissibile_su_richiesta = Column(Boolean, nullable=False, default=False, server_default=text("false"))
    motivi = Column(Text, nullable=False, default="")  # reasons of a "non ammissibile", one per line
    avvisi = Column(Text, nullable=False, default="")
    valutata_il = Column(DateTime, nullable=True)
    creato_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    creato_da = relationship(Utente, foreign_keys=[creato_da_id])
    creato_il = Column(DateTime, nullable=False, default=_ora)
    # Annulled instead of deleted (app.servizi.annullamento): kept, shown, out of every total, and
    # never admitted (ammissibile is false), so whatever counts the admitted ones leaves it out.
    annullata = Column(Boolean, nullable=False, default=False, server_default=false(), index=True)
    annullata_il = Column(DateTime, nullable=True)
    annullata_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    annullata_da = relationship(Utente, foreign_keys=[annullata_da_id])
    motivo_annullamento = Column(String(1000), nullable=False, default="", server_default="")
    # A rettifica: money given back on an earlier spesa (a negative amount, on its project and voce),
    # dated when it came back; how a spesa of a closed rendicontazione period is corrected.
    rettifica_di_id = Column(Integer, ForeignKey("lia_spesa.id", ondelete="RESTRICT"), nullable=True, index=True)
    rettifica_di = relationship("Spesa", remote_side=[id], foreign_keys=[rettifica_di_id])

    @validates("giustificativo_numero")
    def _chiave_del_numero(self, _nome, numero):
        self.giustificativo_chiave = normalizza_giustificativo(numero) or None
        return numero

    @property
    def scarica_allegato(self) -> str | None:
        """Where the screens link the file (the route checks the perimeter again)."""
        return f"/spesaview/allegato/{self.id}" if self.allegato and self.id else None

    @property
    def esito(self) -> str:
        if self.annullata:
            return "Annullata"
        return "Ammissibile" if self.ammissibile else "Non ammissibile"

    def __repr__(self):
        return f"Spesa {self.id} ({self.voce.codice if self.voce else ''})"


@event.listens_for(Spesa, "load")
@event.listens_for(Spesa, "refresh")
def _ricorda_data_registrata(spesa, _contesto, _attributi=None):
    """The date the database held when the spesa was read: an edit is judged on it too (a closed
    period's spesa cannot be moved out), even after a flush has written the new one."""
    if _attributi is None or "data" in _attributi:
        spesa.data_registrata = spesa.__dict__.get("data")
