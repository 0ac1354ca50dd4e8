"""the women of a CAV in the list's order: an index on (ente_id, codice) in place of the one on
ente_id alone, which it contains (a CAV's list read the whole codice index, filtering as it went)

Revision ID: 0027_indice_beneficiarie_ente
Revises: 0026_indice_giustificativo
"""
from alembic import op

revision = '0027_indice_beneficiarie_ente'
down_revision = '0026_indice_giustificativo'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_lia_beneficiaria_ente_codice', 'lia_beneficiaria', ['ente_id', 'codice'])
    op.drop_index('ix_lia_beneficiaria_ente_id', table_name='lia_beneficiaria')


def downgrade():
    op.create_index('ix_lia_beneficiaria_ente_id', 'lia_beneficiaria', ['ente_id'])
    op.drop_index('ix_lia_beneficiaria_ente_codice', table_name='lia_beneficiaria')
