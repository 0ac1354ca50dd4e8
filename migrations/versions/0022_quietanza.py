"""quietanza: how and when each spesa was paid, for the rendicontazione (issue 13, §2)

Revision ID: 0022_quietanza
Revises: 0021_relazione_finale
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_quietanza'
down_revision = '0021_relazione_finale'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lia_spesa') as batch_op:
        batch_op.add_column(sa.Column('quietanza_tipo', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('quietanza_data', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('lia_spesa') as batch_op:
        batch_op.drop_column('quietanza_data')
        batch_op.drop_column('quietanza_tipo')
