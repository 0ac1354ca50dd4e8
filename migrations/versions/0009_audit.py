"""registro di audit concatenato (lia_audit)

Revision ID: 0009_audit
Revises: 0005_orari_sessioni
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_audit'
down_revision = '0007_utenti'
branch_labels = None
depends_on = None


def upgrade():
    # AUTOINCREMENT on SQLite: the chain is ordered by id, and an id must never come back.
    op.create_table('lia_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quando', sa.DateTime(), nullable=False),
    sa.Column('utente_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=128), nullable=True),
    sa.Column('ente_id', sa.Integer(), nullable=True),
    sa.Column('azione', sa.String(length=40), nullable=False),
    sa.Column('tipo_record', sa.String(length=60), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('codici', sa.Text(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('request_id', sa.String(length=36), nullable=True),
    sa.Column('dettaglio', sa.Text(), nullable=True),
    sa.Column('hash_precedente', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('lia_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lia_audit_quando'), ['quando'], unique=False)


def downgrade():
    with op.batch_alter_table('lia_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lia_audit_quando'))

    op.drop_table('lia_audit')
