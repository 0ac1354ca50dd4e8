"""the totals of the spese list read one covering index (issue 14)

Revision ID: 0025_indice_totali_spese
Revises: 0024_rettifiche
"""
from alembic import op

revision = '0025_indice_totali_spese'
down_revision = '0024_rettifiche'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_lia_spesa_totali', 'lia_spesa', ['beneficiaria_id', 'annullata', 'ammissibile', 'importo'],
                    postgresql_include=['id'])


def downgrade():
    op.drop_index('ix_lia_spesa_totali', table_name='lia_spesa')
