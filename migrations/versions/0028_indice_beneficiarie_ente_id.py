"""a CAV's women in id order: an index on (ente_id, id), from which PostgreSQL counts a CAV's records
(segnalazioni, progetti, spese, identities) merging it with their beneficiaria_id index, without
reading a row of either table (it read every woman, or scanned them by primary key, filtering)

Revision ID: 0028_indice_beneficiarie_ente_id
Revises: 0027_indice_beneficiarie_ente
"""
from alembic import op

revision = '0028_indice_beneficiarie_ente_id'
down_revision = '0027_indice_beneficiarie_ente'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_lia_beneficiaria_ente_id_id', 'lia_beneficiaria', ['ente_id', 'id'])


def downgrade():
    op.drop_index('ix_lia_beneficiaria_ente_id_id', table_name='lia_beneficiaria')
