"""Several workers writing at once: no lost ceiling, no "database is locked".

A spesa is judged against the other spese of its project (ceilings) and of its payer (the
giustificativo): two requests judging at the same moment each saw the other's money missing and
together passed the ceiling. The judgement and the write are serialised per project: PostgreSQL
locks the project's row (SELECT … FOR UPDATE), SQLite takes the database's write lock before
reading (BEGIN IMMEDIATE); the lock lasts until the commit or the rollback.

SQLite runs in WAL mode (readers never block the writer nor the other way round) and every
connection waits for the write lock instead of failing at once.
"""
from __future__ import annotations

from sqlalchemy import event, select, text

from app.memoria_transazione import tenuto, tieni

# How long a SQLite connection waits for another worker's write to end before giving up.
ATTESA_SQLITE_MS = 15_000


def _prepara_sqlite(dbapi_connection, _record):
    cursore = dbapi_connection.cursor()
    cursore.execute(f"PRAGMA busy_timeout={ATTESA_SQLITE_MS}")
    # The journal mode is stored in the file: set once, every later connection finds it.
    if cursore.execute("PRAGMA journal_mode").fetchone()[0] == "delete":
        cursore.execute("PRAGMA journal_mode=WAL")
    cursore.close()


def installa(engine) -> None:
    """Every new SQLite connection of `engine` waits for the write lock, in WAL mode."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _prepara_sqlite):
        event.listen(engine, "connect", _prepara_sqlite)


def blocca_progetto(sessione, progetto_id: int | None) -> None:
    """From here to the end of the transaction no other request judges a spesa of this project.

    Call before reading what the judgement depends on. PostgreSQL reads committed data at each
    statement, so what follows the lock sees every spesa committed before it. With SQLite (the
    driver opens a transaction only at the first write) the write lock is taken before any read of
    this transaction; a transaction that has already written holds it since that write. A lock
    this transaction already holds is not asked for again (a spesa after another of the project).
    """
    if sessione.get_bind().dialect.name == "sqlite":
        grezza = sessione.connection().connection.driver_connection
        if not grezza.in_transaction:
            grezza.execute("BEGIN IMMEDIATE")
    elif progetto_id is not None and not tenuto(sessione, ("progetto", progetto_id)):
        from app import models as m

        # Held only if the row was read (a project outside the perimeter is not locked).
        if sessione.execute(select(m.Progetto.id).where(m.Progetto.id == progetto_id).with_for_update()).first():
            tieni(sessione, ("progetto", progetto_id))


# pg_advisory_xact_lock key of the closed periods ("LIAPER").
_CHIAVE_PERIODI = 0x4C4941504552


def blocca_periodi(sessione, chiusura: bool = False) -> None:
    """Serialise the closing of a rendicontazione period with the writes of spese.

    A write of a spesa (add, edit, annul, delete) takes the lock shared, so writes never wait for
    each other here; a close takes it exclusive, so it waits for the writes in flight to commit
    (their spese are in the workbook it then writes) and the writes that come after wait for it to
    commit (then read the period closed, and are refused). Call before reading the periods or the
    spese. PostgreSQL: a transaction-level advisory lock; SQLite: the database's write lock, which
    serialises every writer anyway (see blocca_progetto). A lock this transaction already holds
    (exclusive, or shared when shared is asked) is not asked for again.
    """
    if sessione.get_bind().dialect.name == "sqlite":
        grezza = sessione.connection().connection.driver_connection
        if not grezza.in_transaction:
            grezza.execute("BEGIN IMMEDIATE")
        return
    if tenuto(sessione, ("periodi", True)) or (not chiusura and tenuto(sessione, ("periodi", False))):
        return
    sql = "SELECT pg_advisory_xact_lock(:chiave)" if chiusura else "SELECT pg_advisory_xact_lock_shared(:chiave)"
    sessione.execute(text(sql), {"chiave": _CHIAVE_PERIODI})
    tieni(sessione, ("periodi", chiusura))
