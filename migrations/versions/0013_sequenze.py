"""sequenze: codici da un contatore sotto lock; risposte conservate per Idempotency-Key

Revision ID: 0013_sequenze
Revises: 0011_versioni
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0013_sequenze'
down_revision = '0011_versioni'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lia_sequenza',
        sa.Column('nome', sa.String(length=80), nullable=False),
        sa.Column('valore', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('nome'),
    )
    op.create_table(
        'lia_richiesta_idempotente',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('chiave', sa.String(length=255), nullable=False),
        sa.Column('richiesta', sa.String(length=300), nullable=False),
        sa.Column('impronta', sa.String(length=64), nullable=False),
        sa.Column('stato', sa.Integer(), nullable=True),
        sa.Column('corpo', sa.Text(), nullable=True),
        sa.Column('creata', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'chiave', name='uq_richiesta_idempotente_chiave'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_lia_richiesta_idempotente_creata', 'lia_richiesta_idempotente', ['creata'])
    # Project codes are "P-<woman's code>-<n>": the counter starts past the highest n in use
    # (a count would hand out again the number of a deleted project). Women's counters start
    # from their table's max at first use (app.servizi.sequenze).
    conn = op.get_bind()
    progetto = sa.table('lia_progetto', sa.column('beneficiaria_id', sa.Integer), sa.column('codice', sa.String))
    massimi = {}
    for beneficiaria_id, codice in conn.execute(sa.select(progetto.c.beneficiaria_id, progetto.c.codice)):
        trovato = re.search(r"-(\d+)$", codice or "")
        if trovato:
            massimi[beneficiaria_id] = max(massimi.get(beneficiaria_id, 0), int(trovato.group(1)))
    if massimi:
        sequenza = sa.table('lia_sequenza', sa.column('nome', sa.String), sa.column('valore', sa.Integer))
        conn.execute(sequenza.insert(), [{"nome": f"progetto:{b}", "valore": n} for b, n in massimi.items()])


def downgrade():
    op.drop_index('ix_lia_richiesta_idempotente_creata', table_name='lia_richiesta_idempotente')
    op.drop_table('lia_richiesta_idempotente')
    op.drop_table('lia_sequenza')
