"""spese: a spesa recorded on purpose as "non ammissibile" stays so at every recompute

Revision ID: 0014_giudizio
Revises: 0010_tetti
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_giudizio'
down_revision = '0010_tetti'
branch_labels = None
depends_on = None


def upgrade():
    # add_column, not batch: SQLite adds a column in place (a rebuilt table would lose AUTOINCREMENT).
    # Existing rows keep being judged by the rules: nobody knew which ones were forced.
    op.add_column('lia_spesa', sa.Column('non_ammissibile_su_richiesta', sa.Boolean(), nullable=False,
                                         server_default=sa.text('false')))


def downgrade():
    op.drop_column('lia_spesa', 'non_ammissibile_su_richiesta')  # SQLite ≥ 3.35 drops it in place
