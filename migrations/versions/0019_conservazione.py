"""conservazione: when and why a woman's personal data were erased (issue 12, §3)

Revision ID: 0019_conservazione
Revises: 0018_promemoria
"""
import sqlalchemy as sa
from alembic import op

revision = '0019_conservazione'
down_revision = '0018_promemoria'
branch_labels = None
depends_on = None


def upgrade():
    # add_column, not batch: SQLite adds a column in place (a rebuilt table would fire its cascades).
    op.add_column('lia_beneficiaria', sa.Column('dati_cancellati_il', sa.Date(), nullable=True))
    op.add_column('lia_beneficiaria', sa.Column('motivo_cancellazione', sa.String(length=1000), nullable=False,
                                                server_default=''))


def downgrade():
    op.drop_column('lia_beneficiaria', 'motivo_cancellazione')  # SQLite ≥ 3.35 drops it in place
    op.drop_column('lia_beneficiaria', 'dati_cancellati_il')
