"""concorrenza: un giustificativo di un ente pagatore è ammesso una volta sola (indice unico parziale)

Revision ID: 0010_tetti
Revises: 0008_accesso
"""
import logging
import re

import sqlalchemy as sa
from alembic import op

revision = '0010_tetti'
down_revision = '0008_accesso'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
INDICE = 'uq_spesa_giustificativo_ammessa'
MOTIVO = "giustificativo n. {} del {} già imputato a un'altra spesa"


def upgrade():
    # add_column, not batch: SQLite adds a column in place (a rebuilt table would lose AUTOINCREMENT).
    op.add_column('lia_spesa', sa.Column('giustificativo_chiave', sa.String(length=50), nullable=True))
    conn = op.get_bind()
    spesa = sa.table('lia_spesa', sa.column('id', sa.Integer), sa.column('ente_pagatore_id', sa.Integer),
                     sa.column('giustificativo_numero', sa.String), sa.column('giustificativo_chiave', sa.String),
                     sa.column('giustificativo_data', sa.Date), sa.column('ammissibile', sa.Boolean),
                     sa.column('motivi', sa.Text))
    righe = conn.execute(sa.select(spesa.c.id, spesa.c.ente_pagatore_id, spesa.c.giustificativo_numero,
                                   spesa.c.giustificativo_data, spesa.c.ammissibile, spesa.c.motivi)
                         .where(spesa.c.giustificativo_numero.is_not(None)).order_by(spesa.c.id)).all()
    visti, doppi = set(), 0
    for id_, ente, numero, data, ammissibile, motivi in righe:
        chiave = re.sub(r"\s+", "", numero).upper() or None
        valori = {"giustificativo_chiave": chiave}
        if ammissibile and chiave and data is not None:
            if (ente, chiave, data) in visti:
                # Admitted twice by a race before this index: the first stays, the copies are not.
                doppi += 1
                motivo = MOTIVO.format(chiave, data.strftime("%d/%m/%Y"))
                valori.update(ammissibile=False, motivi="\n".join(x for x in (motivi, motivo) if x))
            visti.add((ente, chiave, data))
        conn.execute(spesa.update().where(spesa.c.id == id_).values(**valori))
    if doppi:
        log.warning("giustificativi: %s spese ammesse due volte rese non ammissibili", doppi)
    op.create_index(INDICE, 'lia_spesa', ['ente_pagatore_id', 'giustificativo_chiave', 'giustificativo_data'],
                    unique=True, sqlite_where=sa.text('ammissibile'), postgresql_where=sa.text('ammissibile'))


def downgrade():
    op.drop_index(INDICE, table_name='lia_spesa')
    op.drop_column('lia_spesa', 'giustificativo_chiave')  # SQLite ≥ 3.35 drops it in place
