"""The blind index of women's names (issue 11, §2): search by name without a name in clear.

For each DatiPersonali row, one row per word of her name and surname and per prefix of it
(app.rules.nomi.chiavi_del_nome), holding only a keyed hash: HMAC-SHA256 with the blind-index key
of "lia.nome:" + the word, cut to 128 bits. The prefix keeps these values apart from the codice
fiscale's index (same key, never the same input). Without the key the table says nothing but how
many words each woman's name has.

Kept right in the transaction that changes nome or cognome (mapper events below, Core statements
on the flush's own connection: no ORM objects, so no audit row per hash); deleted with the
woman by the database (ON DELETE CASCADE). `ricostruisci` rebuilds it from the encrypted
columns: the migration that creates it, and `flask lia reindicizza-nomi` after a change of
LIA_BLIND_INDEX_KEY.
"""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Index, Integer, String, column, delete, event, insert, select, table
from sqlalchemy import inspect as sa_inspect

from app.crypto import DatoCifratoCorrotto, decifra, indice_cieco
from app.models import DatiPersonali
from app.rules.nomi import chiavi_del_nome

DOMINIO = "lia.nome:"
LUNGHEZZA_HASH = 32  # hex characters: 128 bits


class IndiceNome(Model):
    __tablename__ = "lia_indice_nome"
    __table_args__ = (Index("ix_lia_indice_nome_hash", "hash", "dati_personali_id"),)
    dati_personali_id = Column(Integer, ForeignKey("lia_dati_personali.id", ondelete="CASCADE"), primary_key=True)
    hash = Column(String(LUNGHEZZA_HASH), primary_key=True)


def hash_parola(parola: str) -> str:
    return indice_cieco(DOMINIO + parola)[:LUNGHEZZA_HASH]


def hash_del_nome(nome: str | None, cognome: str | None) -> set[str]:
    return {hash_parola(c) for c in chiavi_del_nome(nome, cognome)}


def _scrivi(connessione, dati_personali_id: int, hashes) -> None:
    t = IndiceNome.__table__
    connessione.execute(delete(t).where(t.c.dati_personali_id == dati_personali_id))
    if hashes:
        connessione.execute(insert(t), [{"dati_personali_id": dati_personali_id, "hash": h} for h in sorted(hashes)])


@event.listens_for(DatiPersonali, "after_insert")
def _dopo_inserimento(_mapper, connessione, dp):
    _scrivi(connessione, dp.id, hash_del_nome(dp.nome, dp.cognome))


@event.listens_for(DatiPersonali, "after_update")
def _dopo_modifica(_mapper, connessione, dp):
    stato = sa_inspect(dp)
    if stato.attrs.nome.history.has_changes() or stato.attrs.cognome.history.has_changes():
        _scrivi(connessione, dp.id, hash_del_nome(dp.nome, dp.cognome))


def ricostruisci(connessione) -> tuple[int, int]:
    """Rebuild the whole index from the stored ciphertext, on `connessione` (raw tables: usable
    from a migration). Returns (women indexed, rows that could not be decrypted and were skipped)."""
    dp = table("lia_dati_personali", column("id"), column("nome"), column("cognome"))
    connessione.execute(delete(IndiceNome.__table__))
    fatte = illeggibili = 0
    righe = []
    for id_, nome, cognome in connessione.execute(select(dp.c.id, dp.c.nome, dp.c.cognome)).all():
        try:
            chiaro = [decifra(v) if v is not None else None for v in (nome, cognome)]
        except DatoCifratoCorrotto:
            illeggibili += 1
            continue
        righe += [{"dati_personali_id": id_, "hash": h} for h in sorted(hash_del_nome(*chiaro))]
        fatte += 1
        if len(righe) >= 5000:
            connessione.execute(insert(IndiceNome.__table__), righe)
            righe = []
    if righe:
        connessione.execute(insert(IndiceNome.__table__), righe)
    return fatte, illeggibili
