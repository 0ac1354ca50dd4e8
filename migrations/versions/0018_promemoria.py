"""promemoria: the users' choice of a daily e-mail and the reminders already sent (issue 11, §15)

Revision ID: 0018_promemoria
Revises: 0016_indice_nomi
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_promemoria'
down_revision = '0016_indice_nomi'
branch_labels = None
depends_on = None


def upgrade():
    # add_column, not batch: SQLite adds a column in place (a rebuilt ab_user would lose its history).
    op.add_column('ab_user', sa.Column('promemoria_email', sa.Boolean(), nullable=False,
                                       server_default=sa.text('false')))
    op.create_table(
        'lia_promemoria_inviato',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('utente_id', sa.Integer(), nullable=False),
        sa.Column('evento', sa.String(length=200), nullable=False),
        sa.Column('inviato_il', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['utente_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('utente_id', 'evento', name='uq_promemoria_utente_evento'),
        sqlite_autoincrement=True,
    )


def downgrade():
    op.drop_table('lia_promemoria_inviato')
    op.drop_column('ab_user', 'promemoria_email')  # SQLite ≥ 3.35 drops it in place
