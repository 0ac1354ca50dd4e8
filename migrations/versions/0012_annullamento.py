"""nulla sparisce: la spesa si annulla con un motivo; autore e data di creazione dei record

Beneficiaria, segnalazione ed esito ricordano chi li ha registrati e quando: solo l'autore li
elimina, come errore, finché nulla vi è collegato.

Revision ID: 0012_annullamento
Revises: 0013_sequenze
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_annullamento'
down_revision = '0013_sequenze'
branch_labels = None
depends_on = None

# (table, column, referred table or None, type, NOT NULL with this server default or None)
COLONNE = [
    ('lia_spesa', 'annullata', None, sa.Boolean(), sa.false()),
    ('lia_spesa', 'annullata_il', None, sa.DateTime(), None),
    ('lia_spesa', 'annullata_da_id', 'ab_user', sa.Integer(), None),
    ('lia_spesa', 'motivo_annullamento', None, sa.String(length=1000), ''),
    ('lia_beneficiaria', 'creato_da_id', 'ab_user', sa.Integer(), None),
    ('lia_segnalazione', 'creato_da_id', 'ab_user', sa.Integer(), None),
    ('lia_segnalazione', 'creato_il', None, sa.DateTime(), None),
    ('lia_esito_progetto', 'creato_da_id', 'ab_user', sa.Integer(), None),
    ('lia_esito_progetto', 'creato_il', None, sa.DateTime(), None),
]


# PostgreSQL's default name for a one-column foreign key; SQLite's unnamed ones get it in batch mode.
CONVENZIONE = {'fk': '%(table_name)s_%(column_0_name)s_fkey'}
INDICE_GIUSTIFICATIVO = 'uq_spesa_giustificativo_ammessa'


def _tabelle():
    tabelle = {}
    for tabella, colonna, riferita, tipo, predefinito in COLONNE:
        tabelle.setdefault(tabella, []).append((colonna, riferita, tipo, predefinito))
    return tabelle


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for tabella, colonne in _tabelle().items():
        if sqlite and tabella == 'lia_spesa':
            op.drop_index(INDICE_GIUSTIFICATIVO, table_name=tabella)  # partial: rebuilt by hand below
        # SQLite writes a foreign key's ON DELETE only in a rebuilt table, which must keep AUTOINCREMENT.
        with op.batch_alter_table(tabella, recreate='always' if sqlite else 'auto', naming_convention=CONVENZIONE,
                                  table_kwargs={'sqlite_autoincrement': True}) as batch:
            for colonna, riferita, tipo, predefinito in colonne:
                batch.add_column(sa.Column(colonna, tipo, nullable=predefinito is None, server_default=predefinito))
                if riferita:
                    batch.create_foreign_key(f'{tabella}_{colonna}_fkey', riferita, [colonna], ['id'],
                                             ondelete='RESTRICT')
        if sqlite and tabella == 'lia_spesa':
            op.create_index(INDICE_GIUSTIFICATIVO, tabella,
                            ['ente_pagatore_id', 'giustificativo_chiave', 'giustificativo_data'], unique=True,
                            sqlite_where=sa.text('ammissibile'))
    op.create_index('ix_lia_spesa_annullata', 'lia_spesa', ['annullata'])


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.drop_index('ix_lia_spesa_annullata', table_name='lia_spesa')
    for tabella, colonne in _tabelle().items():
        if sqlite and tabella == 'lia_spesa':
            op.drop_index(INDICE_GIUSTIFICATIVO, table_name=tabella)
        with op.batch_alter_table(tabella, recreate='always' if sqlite else 'auto', naming_convention=CONVENZIONE,
                                  table_kwargs={'sqlite_autoincrement': True}) as batch:
            for colonna, riferita, _tipo, _predefinito in reversed(colonne):
                if riferita:
                    batch.drop_constraint(f'{tabella}_{colonna}_fkey', type_='foreignkey')
                batch.drop_column(colonna)
        if sqlite and tabella == 'lia_spesa':
            op.create_index(INDICE_GIUSTIFICATIVO, tabella,
                            ['ente_pagatore_id', 'giustificativo_chiave', 'giustificativo_data'], unique=True,
                            sqlite_where=sa.text('ammissibile'))
