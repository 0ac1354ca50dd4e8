"""accesso: blocco per utente, sigillo delle sessioni, secondo fattore, codici di recupero

Revision ID: 0008_accesso
Revises: 0005_orari_sessioni
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_accesso'
down_revision = '0009_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lia_accesso_utente',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('sigillo', sa.String(length=64), nullable=False),
        sa.Column('fallimenti', sa.Integer(), nullable=False),
        sa.Column('primo_fallimento', sa.DateTime(), nullable=True),
        sa.Column('bloccato_fino', sa.DateTime(), nullable=True),
        sa.Column('totp_segreto', sa.Text(), nullable=True),
        sa.Column('totp_attivo_dal', sa.DateTime(), nullable=True),
        sa.Column('totp_ultimo_passo', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_table(
        'lia_codice_recupero',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('impronta', sa.String(length=64), nullable=False),
        sa.Column('usato_il', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('lia_codice_recupero', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lia_codice_recupero_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lia_codice_recupero', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lia_codice_recupero_user_id'))
    op.drop_table('lia_codice_recupero')
    op.drop_table('lia_accesso_utente')
