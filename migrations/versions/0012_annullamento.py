"""nulla sparisce: la spesa si annulla con un motivo; autore e data di creazione dei record

Beneficiaria, segnalazione ed esito ricordano chi li ha registrati e quando: solo l'autore li
elimina, come errore, finché nulla vi è collegato.

Revision ID: 0012_annullamento
Revises: 0010_tetti
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_annullamento'
down_revision = '0010_tetti'
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


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for tabella, colonna, riferita, tipo, predefinito in COLONNE:
        # Added in place, never by batch: a rebuilt SQLite table would lose AUTOINCREMENT. SQLite
        # takes a new column's REFERENCES only inline, which Alembic's add_column does not write.
        if riferita and sqlite:
            op.execute(f'ALTER TABLE {tabella} ADD COLUMN {colonna} INTEGER '
                       f'REFERENCES {riferita}(id) ON DELETE RESTRICT')
            continue
        op.add_column(tabella, sa.Column(colonna, tipo, nullable=predefinito is None, server_default=predefinito))
        if riferita:
            op.create_foreign_key(f'{tabella}_{colonna}_fkey', tabella, riferita, [colonna], ['id'],
                                  ondelete='RESTRICT')
    op.create_index('ix_lia_spesa_annullata', 'lia_spesa', ['annullata'])


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.drop_index('ix_lia_spesa_annullata', table_name='lia_spesa')
    for tabella, colonna, riferita, _tipo, _predefinito in reversed(COLONNE):
        if riferita and not sqlite:
            op.drop_constraint(f'{tabella}_{colonna}_fkey', tabella, type_='foreignkey')
        if riferita and sqlite:
            # SQLite drops a column in place only when no foreign key uses it.
            with op.batch_alter_table(tabella, recreate='always',
                                      table_kwargs={'sqlite_autoincrement': True}) as batch:
                batch.drop_column(colonna)
        else:
            op.drop_column(tabella, colonna)
