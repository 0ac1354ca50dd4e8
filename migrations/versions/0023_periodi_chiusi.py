"""periodi di rendicontazione: closed periods and the workbook sent for each (issue 13, §2)

Revision ID: 0023_periodi_chiusi
Revises: 0021_relazione_finale
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_periodi_chiusi'
down_revision = '0022_quietanza'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lia_periodo_rendicontazione',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dal', sa.Date(), nullable=False),
        sa.Column('al', sa.Date(), nullable=False),
        sa.Column('descrizione', sa.String(length=200), nullable=False),
        sa.Column('creato_il', sa.DateTime(), nullable=False),
        sa.Column('creato_da_id', sa.Integer(), nullable=True),
        sa.Column('chiuso_il', sa.DateTime(), nullable=True),
        sa.Column('chiuso_da_id', sa.Integer(), nullable=True),
        sa.Column('file_rendiconto', sa.LargeBinary(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('dimensione', sa.Integer(), nullable=True),
        sa.Column('righe_spese', sa.Integer(), nullable=True),
        sa.Column('versione', sa.Integer(), nullable=False, server_default='1'),
        sa.CheckConstraint('al >= dal', name='ck_periodo_rendicontazione_date'),
        sa.ForeignKeyConstraint(['creato_da_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['chiuso_da_id'], ['ab_user.id'], ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_lia_periodo_rendicontazione_dal', 'lia_periodo_rendicontazione', ['dal'])
    op.create_index('ix_lia_periodo_rendicontazione_al', 'lia_periodo_rendicontazione', ['al'])


def downgrade():
    op.drop_index('ix_lia_periodo_rendicontazione_al', table_name='lia_periodo_rendicontazione')
    op.drop_index('ix_lia_periodo_rendicontazione_dal', table_name='lia_periodo_rendicontazione')
    op.drop_table('lia_periodo_rendicontazione')
