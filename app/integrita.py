"""The database keeps a woman's records together: foreign keys enforced on every connection.

SQLite ships with foreign keys off, per connection: without them a deleted woman's personal data
stayed behind and re-attached to the next woman given the same id. PostgreSQL always enforces
them; this module only touches SQLite connections.
"""
from __future__ import annotations

import contextlib
import logging
from collections import Counter

from sqlalchemy import event

log = logging.getLogger(__name__)


def _attiva_chiavi_esterne(dbapi_connection, _record):
    cursore = dbapi_connection.cursor()
    cursore.execute("PRAGMA foreign_keys=ON")
    cursore.close()


def installa(engine) -> None:
    """Every new SQLite connection of `engine` enforces foreign keys (cascades and refusals)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _attiva_chiavi_esterne):
        event.listen(engine, "connect", _attiva_chiavi_esterne)


@contextlib.contextmanager
def vincoli_sospesi(connection):
    """Foreign keys off for the migrations, then on again before the connection goes back to the pool.

    Alembic's batch mode recreates a SQLite table (copy, DROP, rename): with foreign keys on, the
    DROP of lia_beneficiaria would cascade into her personal data or be refused. The pragma is a
    no-op inside a transaction, so this wraps the migration transaction, never runs inside it.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()  # Alembic must find no transaction open, or it would never commit its own
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        # Rows the migrations left pointing nowhere: counted by table, never shown.
        violazioni = Counter(r[0] for r in connection.exec_driver_sql("PRAGMA foreign_key_check").all())
        for tabella, quante in sorted(violazioni.items()):
            log.warning("chiavi esterne: %s righe di %s riferiscono un record inesistente", quante, tabella)
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


class SoloOrdinamentiDichiarati:
    """Mixin for FAB list views: FAB orders by whatever column the URL names (a relation such as
    `_dati_personali`, or an unknown name, answers 500); only the declared order_columns count,
    anything else is ignored and the default order applies."""

    def _get_list_widget(self, filters, order_column="", order_direction="", **kwargs):
        if order_column not in (self.order_columns or []):
            order_column, order_direction = "", ""
        return super()._get_list_widget(filters, order_column=order_column, order_direction=order_direction,
                                        **kwargs)
