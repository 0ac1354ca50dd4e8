"""rettifiche: a spesa may give back money of an earlier one (issue 13, §2: the correction of a
spesa in a closed rendicontazione period)

Revision ID: 0024_rettifiche
Revises: 0023_periodi_chiusi
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_rettifiche'
down_revision = '0023_periodi_chiusi'
branch_labels = None
depends_on = None

# As in 0012_annullamento: PostgreSQL's default name for a one-column foreign key.
CONVENZIONE = {'fk': '%(table_name)s_%(column_0_name)s_fkey'}
INDICE_GIUSTIFICATIVO = 'uq_spesa_giustificativo_ammessa'
CHIAVE = 'lia_spesa_rettifica_di_id_fkey'


def _ricrea_spesa(modifica):
    """SQLite writes a foreign key only in a rebuilt table, which must keep AUTOINCREMENT and the
    partial unique index (rebuilt by hand: batch mode would lose its WHERE)."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.drop_index(INDICE_GIUSTIFICATIVO, table_name='lia_spesa')
    with op.batch_alter_table('lia_spesa', recreate='always' if sqlite else 'auto', naming_convention=CONVENZIONE,
                              table_kwargs={'sqlite_autoincrement': True}) as batch:
        modifica(batch)
    if sqlite:
        op.create_index(INDICE_GIUSTIFICATIVO, 'lia_spesa',
                        ['ente_pagatore_id', 'giustificativo_chiave', 'giustificativo_data'], unique=True,
                        sqlite_where=sa.text('ammissibile'))


def upgrade():
    def aggiungi(batch):
        batch.add_column(sa.Column('rettifica_di_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(CHIAVE, 'lia_spesa', ['rettifica_di_id'], ['id'], ondelete='RESTRICT')

    _ricrea_spesa(aggiungi)
    op.create_index('ix_lia_spesa_rettifica_di_id', 'lia_spesa', ['rettifica_di_id'])


def downgrade():
    def togli(batch):
        batch.drop_constraint(CHIAVE, type_='foreignkey')
        batch.drop_column('rettifica_di_id')

    op.drop_index('ix_lia_spesa_rettifica_di_id', table_name='lia_spesa')
    _ricrea_spesa(togli)
