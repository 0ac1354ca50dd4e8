"""What the current transaction has already locked or read, kept in the session's `info`.

A save reads things that cannot change before its commit: a lock already held lasts until the
commit or the rollback; the closed periods read under the periods' lock stay as they are; a woman's
identity or her other measures change only if this transaction writes them. The import from Excel,
one transaction, asked for them again at every spesa.

A reading names the model it was read from: a write of that model through this session (pending or
flushed), or any ORM bulk UPDATE/DELETE, drops it, so the transaction always sees its own writes.
Everything is forgotten when the transaction (or a savepoint) ends, committed or rolled back.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

_CHIAVE = "lia_memoria_transazione"


def _memoria(sessione) -> dict:
    return sessione.info.setdefault(_CHIAVE, {"blocchi": set(), "letture": {}})


def _scritto(sessione, modello) -> bool:
    return any(isinstance(o, modello) for o in (*sessione.new, *sessione.dirty, *sessione.deleted))


def ricorda(sessione, modello, chiave, calcola):
    """`calcola()`, read from `modello`'s table, computed once per transaction for `chiave`."""
    letture = _memoria(sessione)["letture"].setdefault(modello, {})
    scritto = _scritto(sessione, modello)
    if chiave in letture and not scritto:
        return letture[chiave]
    valore = calcola()
    if not scritto:  # read past this transaction's own pending write: not kept
        letture[chiave] = valore
    return valore


def tenuto(sessione, blocco) -> bool:
    """Whether the lock `blocco` was taken in this transaction (see `tieni`)."""
    return blocco in _memoria(sessione)["blocchi"]


def tieni(sessione, blocco) -> None:
    """The lock `blocco` is held until the transaction ends."""
    _memoria(sessione)["blocchi"].add(blocco)


@event.listens_for(Session, "after_flush")
def _dopo_flush(sessione, _contesto):
    letture = sessione.info.get(_CHIAVE, {}).get("letture")
    if letture:
        scritti = {type(o) for o in (*sessione.new, *sessione.dirty, *sessione.deleted)}
        for modello in [x for x in letture if any(issubclass(c, x) for c in scritti)]:
            del letture[modello]


@event.listens_for(Session, "do_orm_execute")
def _scrittura_in_blocco(stato):
    if (stato.is_update or stato.is_delete) and _CHIAVE in stato.session.info:
        stato.session.info[_CHIAVE]["letture"].clear()


@event.listens_for(Session, "after_transaction_end")
def _fine_transazione(sessione, transazione):
    # A flush runs in an inner transaction of its own: its end is not the database's.
    if transazione.parent is None or transazione.nested:
        sessione.info.pop(_CHIAVE, None)
