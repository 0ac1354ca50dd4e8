"""an index on the spese's normalised giustificativo: the judgement of every spesa looks up the
network's spese sharing its giustificativo by that key alone, a full scan of lia_spesa each time

Revision ID: 0026_indice_giustificativo
Revises: 0025_indice_totali_spese
"""
from alembic import op

revision = '0026_indice_giustificativo'
down_revision = '0025_indice_totali_spese'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_spesa_giustificativo_chiave', 'lia_spesa', ['giustificativo_chiave'])


def downgrade():
    op.drop_index('ix_spesa_giustificativo_chiave', table_name='lia_spesa')
