"""relazione finale: the capofila's narrative, one text per section (issue 13, §3)

Revision ID: 0021_relazione_finale
Revises: 0020_consensi
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_relazione_finale'
down_revision = '0020_consensi'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lia_testo_relazione',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programma', sa.String(length=40), nullable=False),
        sa.Column('sezione', sa.String(length=40), nullable=False),
        sa.Column('testo', sa.Text(), nullable=False),
        sa.Column('aggiornato_il', sa.DateTime(), nullable=False),
        sa.Column('aggiornato_da_id', sa.Integer(), nullable=True),
        sa.Column('versione', sa.Integer(), nullable=False, server_default='1'),
        sa.ForeignKeyConstraint(['aggiornato_da_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('programma', 'sezione', name='uq_testo_relazione_sezione'),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table('lia_testo_relazione')
