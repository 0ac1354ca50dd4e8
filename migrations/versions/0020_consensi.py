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
    # A consent to share revoked before today hides her case from now on, unless another one is
    # in force (no override exists yet); later changes are kept by the app at every flush.
    for colonna, finalita in (('riservata_dal', 'condivisione_equipe'), ('riservata_cpi_dal', 'condivisione_cpi')):
        op.execute(sa.text(f"""
            UPDATE lia_beneficiaria SET {colonna} = (
                SELECT max(c.revocato_il) FROM lia_consenso c
                WHERE c.beneficiaria_id = lia_beneficiaria.id AND c.tipo = :finalita AND c.revocato_il IS NOT NULL)
            WHERE EXISTS (SELECT 1 FROM lia_consenso c WHERE c.beneficiaria_id = lia_beneficiaria.id
                          AND c.tipo = :finalita AND c.revocato_il IS NOT NULL AND c.revocato_il <= CURRENT_DATE)
              AND NOT EXISTS (SELECT 1 FROM lia_consenso c WHERE c.beneficiaria_id = lia_beneficiaria.id
                              AND c.tipo = :finalita AND c.revocato_il IS NULL)""").bindparams(finalita=finalita))


def downgrade():
    consenso = sa.table('lia_consenso', sa.column('tipo', sa.String))
    for prima, dopo in FINALITA.items():
        op.execute(consenso.update().where(consenso.c.tipo == dopo).values(tipo=prima))
    op.drop_index('ix_lia_deroga_consenso_beneficiaria_id', table_name='lia_deroga_consenso')
    op.drop_table('lia_deroga_consenso')
    with op.batch_alter_table('lia_beneficiaria') as batch:
        batch.drop_column('riservata_cpi_dal')
        batch.drop_column('riservata_dal')
