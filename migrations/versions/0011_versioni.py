"""versioni: ogni record che gli utenti modificano ha una versione (nessuna modifica persa)

Revision ID: 0011_versioni
Revises: 0014_giudizio
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_versioni'
down_revision = '0014_giudizio'
branch_labels = None
depends_on = None

TABELLE = [
    'lia_ambito', 'lia_ente', 'lia_beneficiaria', 'lia_consenso', 'lia_altra_misura', 'lia_dati_personali',
    'lia_segnalazione', 'lia_valutazione', 'lia_microequipe', 'lia_progetto', 'lia_colloquio_cpi',
    'lia_intervento', 'lia_esito_progetto', 'lia_spesa', 'lia_laboratorio', 'lia_iscrizione_laboratorio',
    'lia_sessione_laboratorio', 'lia_modello_laboratorio', 'lia_evento_formativo', 'lia_partecipazione_evento',
    'lia_accordo',
]


def upgrade():
    # add_column, not batch: SQLite adds a column in place (a rebuilt table would lose AUTOINCREMENT).
    # Existing rows start at version 1, as new ones do.
    for tabella in TABELLE:
        op.add_column(tabella, sa.Column('versione', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    for tabella in reversed(TABELLE):
        op.drop_column(tabella, 'versione')  # SQLite ≥ 3.35 drops it in place
