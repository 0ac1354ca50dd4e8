"""consensi: purposes from the programme file, overrides of her CAV, the days from which a revoked
consent hides her case (issue 12, §1)

Revision ID: 0020_consensi
Revises: 0019_conservazione
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_consensi'
down_revision = '0019_conservazione'
branch_labels = None
depends_on = None

# The two kinds of consent recorded so far, as the programme file's purposes name them now.
FINALITA = {"servizi": "programma", "condivisione_rete": "condivisione_equipe"}


def upgrade():
    op.add_column('lia_beneficiaria', sa.Column('riservata_dal', sa.Date(), nullable=True))
    op.add_column('lia_beneficiaria', sa.Column('riservata_cpi_dal', sa.Date(), nullable=True))
    op.create_table(
        'lia_deroga_consenso',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('beneficiaria_id', sa.Integer(), nullable=False),
        sa.Column('finalita', sa.String(length=40), nullable=False),
        sa.Column('motivo', sa.Text(), nullable=False),
        sa.Column('data', sa.Date(), nullable=False),
        sa.Column('registrata_da_id', sa.Integer(), nullable=True),
        sa.Column('versione', sa.Integer(), nullable=False, server_default='1'),
        sa.ForeignKeyConstraint(['beneficiaria_id'], ['lia_beneficiaria.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registrata_da_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_lia_deroga_consenso_beneficiaria_id', 'lia_deroga_consenso', ['beneficiaria_id'])
    consenso = sa.table('lia_consenso', sa.column('tipo', sa.String))
    for prima, dopo in FINALITA.items():
        op.execute(consenso.update().where(consenso.c.tipo == prima).values(tipo=dopo))
    # A consent revoked before today already hid nothing: the days are set from now on, by the app.


def downgrade():
    consenso = sa.table('lia_consenso', sa.column('tipo', sa.String))
    for prima, dopo in FINALITA.items():
        op.execute(consenso.update().where(consenso.c.tipo == dopo).values(tipo=prima))
    op.drop_index('ix_lia_deroga_consenso_beneficiaria_id', table_name='lia_deroga_consenso')
    op.drop_table('lia_deroga_consenso')
    with op.batch_alter_table('lia_beneficiaria') as batch:
        batch.drop_column('riservata_cpi_dal')
        batch.drop_column('riservata_dal')
