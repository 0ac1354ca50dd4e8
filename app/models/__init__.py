"""The network's data model.

Identifying data of a woman lives only in DatiPersonali (encrypted at rest); everything else
refers to her by Beneficiaria.codice, a pseudonymous code that carries no personal data.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    Boolean, Column, Date, DateTime, Enum, ForeignKey, Index, Integer, Numeric, String, Text,
    UniqueConstraint, text,
)
from sqlalchemy import event, inspect as sa_inspect
from sqlalchemy.orm import RelationshipDirection, backref, declared_attr, relationship, validates

from app.crypto import DataCifrata, TestoCifrato, indice_cieco
from app.rules.codice_fiscale import normalizza_cf


# Every domain table: a deleted row's id is never handed out again (SQLite AUTOINCREMENT; PostgreSQL
# sequences never reuse). A reused id would re-attach whatever still pointed to the deleted row.
ID_MAI_RIUSATI = {"sqlite_autoincrement": True}


class Versionato:
    """A record users edit (a FAB form, the API): no save based on an old read overwrites a newer one.

    `versione` is SQLAlchemy's version_id_col: every UPDATE of the row says `WHERE versione = <the
    one read>`, so of two concurrent writers the second changes no row and gets StaleDataError (the
    screens and the API turn it into "someone else changed it", app.versioni). It grows by one at
    each change a user could have made; columns the system recomputes (`campi_derivati`, e.g. a
    spesa's verdict) are still written under the check but do not grow it: a recompute must not
    make every form open on the project's spese stale.
    """

    campi_derivati: tuple[str, ...] = ()

    versione = Column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.versione, "version_id_generator": False}


@event.listens_for(Versionato, "before_update", propagate=True)
def _nuova_versione(mapper, _connection, record):
    stato = sa_inspect(record)
    escluse = {"versione", *record.campi_derivati}
    # A collection of other records (a segnalazione's valutazioni) is theirs to version.
    attributi = [*mapper.column_attrs, *(r for r in mapper.relationships
                                         if r.direction is not RelationshipDirection.ONETOMANY)]
    if any(stato.attrs[a.key].history.has_changes() for a in attributi if a.key not in escluse):
        record.versione = stato.committed_state.get("versione", record.versione) + 1


def _ora():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _enum(nome, etichette):
    # Stored as plain strings (no native enum): adding a value is a data change, not a DDL fight.
    return Enum(*etichette.keys(), name=nome, native_enum=False, create_constraint=False, length=40)


TIPI_ENTE = {
    "capofila": "Ente capofila",
    "centro_antiviolenza": "Centro antiviolenza",
    "azienda_sociale": "Azienda sociale / SIL",
    "centro_impiego": "Centro per l'impiego",
    "servizio_sociale": "Servizio sociale comunale",
    "ats": "ATS",
    "asst": "ASST",
    "provincia": "Provincia",
    "regione": "Regione",
    "altro": "Altro",
}
FASCE_ETA = {
    "18-29": "18–29 anni", "30-39": "30–39 anni", "40-49": "40–49 anni",
    "50-59": "50–59 anni", "60+": "60 anni e oltre", "nd": "Non rilevata",
}
CITTADINANZE = {
    "italiana": "Italiana", "ue": "Altro paese UE", "extra_ue": "Paese extra UE", "nd": "Non rilevata",
}
RELAZIONI_AUTORE = {
    "partner": "Partner (coniuge, convivente, fidanzato)", "ex_partner": "Ex partner",
    "familiare": "Altro familiare", "conoscente": "Conoscente / collega", "sconosciuto": "Sconosciuto",
    "nd": "Non rilevata",
}
CONDIZIONI_OCCUPAZIONALI = {
    "occupata_indeterminato": "Occupata a tempo indeterminato",
    "occupata_determinato": "Occupata a tempo determinato",
    "occupata_precaria": "Occupata con lavoro precario",
    "disoccupata": "Disoccupata", "inoccupata": "Inoccupata / in cerca di primo impiego",
    "non_forza_lavoro": "Non in cerca di lavoro", "nd": "Non rilevata",
}
TIPI_ALTRA_MISURA = {
    "reddito_cittadinanza": "Reddito di Cittadinanza",
    "fondo_poverta": "Fondo Povertà",
    "reddito_liberta": "Reddito di Libertà",
    "gol_cluster4": "GOL – cluster 4",
    "altro": "Altra misura",
}


class AnagraficaDiRete:
    """The network's reference data (ambiti, enti, voci di spesa): set up with the programme, changed
    by the administrator a few times a year, offered by every search form on their records. Those
    forms keep their choices for a minute (app.views.schermate)."""


class Ambito(Versionato, AnagraficaDiRete, Model):
    __tablename__ = "lia_ambito"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    codice = Column(String(4), unique=True, nullable=False)  # prefix of the women's codes
    nome = Column(String(100), unique=True, nullable=False)

    def __repr__(self):
        return self.nome


class Ente(Versionato, AnagraficaDiRete, Model):
    __tablename__ = "lia_ente"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    nome = Column(String(200), unique=True, nullable=False)
    tipo = Column(_enum("tipo_ente", TIPI_ENTE), nullable=False)
    ambito_id = Column(Integer, ForeignKey("lia_ambito.id", ondelete="RESTRICT"), nullable=True)
    ambito = relationship(Ambito)

    @property
    def is_cav(self) -> bool:
        return self.tipo == "centro_antiviolenza"

    def __repr__(self):
        return self.nome


class Utente(User):
    """FAB's user with the ente it belongs to (FAB's extendsecurity pattern, same table)."""

    __tablename__ = "ab_user"
    ente_id = Column(Integer, ForeignKey("lia_ente.id"), nullable=True)
    ente = relationship(Ente, foreign_keys=[ente_id])
    # The daily e-mail of reminders (issue 11, §15): each user chooses it, off by default.
    promemoria_email = Column(Boolean, nullable=False, default=False, server_default=text("false"))


class Beneficiaria(Versionato, Model):
    """A woman in the programme, known outside her CAV only by `codice`."""

    __tablename__ = "lia_beneficiaria"
    __table_args__ = (UniqueConstraint("ambito_id", "anno", "progressivo", name="uq_beneficiaria_sequenza"),
                      # A CAV's list: its women in the list's order (app.security, the CAV's shape).
                      Index("ix_lia_beneficiaria_ente_codice", "ente_id", "codice"),
                      # Her records' count probes her by id: PostgreSQL merges a CAV's women in id
                      # order with a records' index, reading neither table (app.servizi.interfaccia).
                      Index("ix_lia_beneficiaria_ente_id_id", "ente_id", "id"),
                      ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    codice = Column(String(20), unique=True, nullable=False)
    ambito_id = Column(Integer, ForeignKey("lia_ambito.id", ondelete="RESTRICT"), nullable=False)
    ambito = relationship(Ambito)
    anno = Column(Integer, nullable=False)
    progressivo = Column(Integer, nullable=False)
    ente_id = Column(Integer, ForeignKey("lia_ente.id", ondelete="RESTRICT"), nullable=False)  # the holding CAV
    ente = relationship(Ente)
    data_presa_in_carico = Column(Date, nullable=False, default=date.today)
    fascia_eta = Column(_enum("fascia_eta", FASCE_ETA), nullable=False, default="nd")
    cittadinanza = Column(_enum("cittadinanza", CITTADINANZE), nullable=False, default="nd")
    figli_minori = Column(Integer, nullable=False, default=0)
    relazione_autore = Column(_enum("relazione_autore", RELAZIONI_AUTORE), nullable=False, default="nd")
    condizione_occupazionale = Column(
        _enum("condizione_occupazionale", CONDIZIONI_OCCUPAZIONALI), nullable=False, default="nd"
    )
    creato_il = Column(DateTime, nullable=False, default=_ora)
    # Who registered her: only that person may delete her, as a mistake (app.rules.eliminazione).
    creato_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    # From these days her case is hidden from whoever saw it through a consent she revoked: the
    # équipe and micro-équipe, the CPI (app.security). Kept by app.servizi.consensi on every change
    # of her consents, so the perimeter reads a column instead of judging consents in SQL.
    riservata_dal = Column(Date, nullable=True)
    riservata_cpi_dal = Column(Date, nullable=True)
    campi_derivati = ("riservata_dal", "riservata_cpi_dal")
    # Her personal data erased (app.servizi.conservazione): when, and why (free text typed by her
    # CAV, or the retention rule's reason). Her page says so where her name was.
    dati_cancellati_il = Column(Date, nullable=True)
    motivo_cancellazione = Column(String(1000), nullable=False, default="", server_default="")

    # Her consents, measures and identity go with her, deleted by the database (ON DELETE CASCADE):
    # the ORM would only reach the rows the current user's perimeter loads.
    consensi = relationship("Consenso", back_populates="beneficiaria", cascade="all, delete-orphan",
                            passive_deletes=True)
    altre_misure = relationship("AltraMisura", back_populates="beneficiaria", cascade="all, delete-orphan",
                                passive_deletes=True)
    deroghe = relationship("DerogaConsenso", back_populates="beneficiaria", cascade="all, delete-orphan",
                           passive_deletes=True)

    def __repr__(self):
        return self.codice


class PerBeneficiaria:
    """Mixin of records about one woman: they share her visibility (see app.security)."""


class Consenso(Versionato, PerBeneficiaria, Model):
    __tablename__ = "lia_consenso"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="CASCADE"), nullable=False, index=True)
    beneficiaria = relationship(Beneficiaria, back_populates="consensi")
    # The purpose: a key of the programme file's [[finalita_consenso]] (checked by app.servizi.consensi).
    tipo = Column(String(40), nullable=False)
    data = Column(Date, nullable=False, default=date.today)
    ambito_consenso = Column(String(300), nullable=False, default="")  # what she agreed to
    revocato_il = Column(Date, nullable=True)
    registrato_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    registrato_da = relationship(Utente, foreign_keys=[registrato_da_id])

    def __repr__(self):
        return f"{self.tipo} ({self.data:%d/%m/%Y})"


class DerogaConsenso(Versionato, PerBeneficiaria, Model):
    """Her CAV shares her case for a purpose she has not consented to (or revoked), on its own
    responsibility: the reason is mandatory, the override audited and shown on her case."""

    __tablename__ = "lia_deroga_consenso"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="CASCADE"), nullable=False, index=True)
    beneficiaria = relationship(Beneficiaria, back_populates="deroghe")
    finalita = Column(String(40), nullable=False)
    motivo = Column(Text, nullable=False)
    data = Column(Date, nullable=False, default=date.today)
    registrata_da_id = Column(Integer, ForeignKey("ab_user.id", ondelete="RESTRICT"), nullable=True)
    registrata_da = relationship(Utente, foreign_keys=[registrata_da_id])

    def __repr__(self):
        return f"Deroga {self.finalita} ({self.data:%d/%m/%Y})"


class AltraMisura(Versionato, PerBeneficiaria, Model):
    """Another measure the woman receives: not programme money, checked against double funding."""

    __tablename__ = "lia_altra_misura"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    beneficiaria_id = Column(Integer, ForeignKey("lia_beneficiaria.id", ondelete="CASCADE"), nullable=False, index=True)
    beneficiaria = relationship(Beneficiaria, back_populates="altre_misure")
    tipo = Column(_enum("tipo_altra_misura", TIPI_ALTRA_MISURA), nullable=False)
    data_inizio = Column(Date, nullable=False)
    data_fine = Column(Date, nullable=True)
    # Assi whose needs it covers, comma separated (e.g. "IV" for a housing contribution).
    assi_coperti = Column(String(20), nullable=False, default="")
    note = Column(String(500), nullable=False, default="")

    def __repr__(self):
        return TIPI_ALTRA_MISURA.get(self.tipo, self.tipo)


class DatiPersonali(Versionato, PerBeneficiaria, Model):
    """Identifying data, 1:1 with Beneficiaria: seen only by the holding CAV. Encrypted at rest."""

    __tablename__ = "lia_dati_personali"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    beneficiaria_id = Column(
        Integer, ForeignKey("lia_beneficiaria.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    beneficiaria = relationship(Beneficiaria, backref=backref("_dati_personali", cascade="all, delete-orphan",
                                                              passive_deletes=True))
    nome = Column(TestoCifrato, nullable=False)
    cognome = Column(TestoCifrato, nullable=False)
    codice_fiscale = Column(TestoCifrato, nullable=True)
    # HMAC of the normalised codice fiscale: exact search without storing it in clear.
    cf_indice = Column(String(64), nullable=True, index=True)
    data_nascita = Column(DataCifrata, nullable=True)
    telefono = Column(TestoCifrato, nullable=True)
    email = Column(TestoCifrato, nullable=True)
    indirizzo = Column(TestoCifrato, nullable=True)
    comune = Column(TestoCifrato, nullable=True)

    @validates("codice_fiscale")
    def _aggiorna_indice(self, key, value):
        value = normalizza_cf(value) if value else None
        self.cf_indice = indice_cieco(value) if value else None
        return value

    def __repr__(self):
        # Never the name: reprs end up in logs and error pages.
        return f"DatiPersonali<{self.beneficiaria_id}>"


# --- the programme catalogue, loaded from app/programmes/<codice>.toml -----------------------

class Programma(Model):
    __tablename__ = "lia_programma"
    __table_args__ = ID_MAI_RIUSATI
    id = Column(Integer, primary_key=True)
    codice = Column(String(20), unique=True, nullable=False)
    nome = Column(String(200), nullable=False)
    decreto = Column(String(300), nullable=False)
    data_inizio = Column(Date, nullable=False)
    data_fine = Column(Date, nullable=False)

    def __repr__(self):
        return self.nome


class Asse(Model):
    __tablename__ = "lia_asse"
    __table_args__ = (UniqueConstraint("programma_id", "codice"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    programma_id = Column(Integer, ForeignKey("lia_programma.id", ondelete="RESTRICT"), nullable=False)
    programma = relationship(Programma)
    codice = Column(String(10), nullable=False)
    nome = Column(String(300), nullable=False)
    attivato = Column(Boolean, nullable=False, default=False)
    gestore = Column(String(20), nullable=False)

    def __repr__(self):
        return f"Asse {self.codice}"


class Priorita(Model):
    __tablename__ = "lia_priorita"
    __table_args__ = (UniqueConstraint("programma_id", "codice"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    programma_id = Column(Integer, ForeignKey("lia_programma.id", ondelete="RESTRICT"), nullable=False)
    codice = Column(String(10), nullable=False)
    asse_id = Column(Integer, ForeignKey("lia_asse.id", ondelete="RESTRICT"), nullable=False)
    asse = relationship(Asse)
    nome = Column(String(300), nullable=False)
    attivata = Column(Boolean, nullable=False, default=False)
    dedotta = Column(Boolean, nullable=False, default=False)

    def __repr__(self):
        return f"{self.codice} {self.nome}"


class VoceSpesa(AnagraficaDiRete, Model):
    __tablename__ = "lia_voce_spesa"
    __table_args__ = (UniqueConstraint("programma_id", "codice"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    programma_id = Column(Integer, ForeignKey("lia_programma.id", ondelete="RESTRICT"), nullable=False)
    codice = Column(String(40), nullable=False)
    descrizione = Column(String(300), nullable=False)
    priorita_id = Column(Integer, ForeignKey("lia_priorita.id", ondelete="RESTRICT"), nullable=False)
    priorita = relationship(Priorita)
    costo_ammesso = Column(Boolean, nullable=False, default=True)
    solo_soluzioni_intermedie = Column(Boolean, nullable=False, default=False)

    def __repr__(self):
        return f"{self.codice} – {self.descrizione}"


class Massimale(Model):
    __tablename__ = "lia_massimale"
    __table_args__ = (UniqueConstraint("programma_id", "codice"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    programma_id = Column(Integer, ForeignKey("lia_programma.id", ondelete="RESTRICT"), nullable=False)
    codice = Column(String(40), nullable=False)
    descrizione = Column(String(300), nullable=False)
    importo = Column(Numeric(12, 2), nullable=False)
    assi = Column(String(40), nullable=False)  # comma separated asse codes


class Indicatore(Model):
    __tablename__ = "lia_indicatore"
    __table_args__ = (UniqueConstraint("programma_id", "codice"), ID_MAI_RIUSATI)
    id = Column(Integer, primary_key=True)
    programma_id = Column(Integer, ForeignKey("lia_programma.id", ondelete="RESTRICT"), nullable=False)
    codice = Column(String(40), nullable=False)
    descrizione = Column(String(300), nullable=False)
    target = Column(Integer, nullable=False)


from app.models.percorso import (  # noqa: E402,F401  (records of the path, share the base above)
    AREE, CONDIZIONI_ABITATIVE, CONDIZIONI_LAVORO_ESITO, SERVIZI_CPI, STATI_INTERVENTO, TIPI_CONTRATTO,
    TIPI_ESITO, TIPI_INTERVENTO, ColloquioCPI, EsitoProgetto, Intervento, MicroEquipe, Progetto, Segnalazione,
    TransizioneProgetto, Valutazione, membri_microequipe,
)
from app.models.spese import INDICE_GIUSTIFICATIVO_UNICO, TIPI_GIUSTIFICATIVO, TIPI_QUIETANZA, Spesa  # noqa: E402,F401
from app.models.asse1 import (  # noqa: E402,F401
    STATI_ACCORDO, TIPI_ACCORDO, Accordo, EventoFormativo, IscrizioneLaboratorio, Laboratorio, ModelloLaboratorio,
    PartecipazioneEvento, Presenza, SessioneLaboratorio,
)
from app.models.utenti import STATI_RICHIESTA, RichiestaAbilitazione  # noqa: E402,F401
from app.models.audit import AuditEvento  # noqa: E402,F401
from app.models.accesso import AccessoUtente, CodiceRecupero  # noqa: E402,F401
from app.models.sequenze import RichiestaIdempotente, Sequenza  # noqa: E402,F401
from app.models.ricerca import IndiceNome  # noqa: E402,F401  (and the events that keep it right)
from app.models.promemoria import PromemoriaInviato  # noqa: E402,F401
from app.models.relazione import TestoRelazione  # noqa: E402,F401
from app.models.periodi import PeriodoRendicontazione  # noqa: E402,F401
