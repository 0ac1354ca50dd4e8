"""indice_nomi: blind index of the women's name words, for the search by name (issue 11, §2)

Revision ID: 0016_indice_nomi
Revises: 0017_soldi
"""
import sqlalchemy as sa
from alembic import context, op

revision = '0016_indice_nomi'
down_revision = '0017_soldi'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lia_indice_nome',
        sa.Column('dati_personali_id', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['dati_personali_id'], ['lia_dati_personali.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('dati_personali_id', 'hash'),
    )
    op.create_index('ix_lia_indice_nome_hash', 'lia_indice_nome', ['hash', 'dati_personali_id'])
    # The women already registered: `flask db upgrade` runs inside the app, whose keys decrypt
    # the names. Without keys (offline SQL generation) `flask lia reindicizza-nomi` does it later.
    if context.is_offline_mode():
        return
    from app.crypto import ChiaviNonConfigurate
    from app.models.ricerca import ricostruisci

    try:
        fatte, illeggibili = ricostruisci(op.get_bind())
    except ChiaviNonConfigurate:
        print("Indice dei nomi non costruito (chiavi non configurate): eseguire `flask lia reindicizza-nomi`.")
        return
    if illeggibili:
        print(f"Indice dei nomi: {illeggibili} record non decifrabili saltati (vedi `flask lia reindicizza-nomi`).")


def downgrade():
    op.drop_index('ix_lia_indice_nome_hash', table_name='lia_indice_nome')
    op.drop_table('lia_indice_nome')
