"""integrità: ogni chiave esterna dichiara cascata o rifiuto, id mai riusati su SQLite

A deleted woman's identity passed to the next woman given her id: SQLite did not enforce foreign
keys, reused the freed id, and nothing declared what happens to her records. Now her identity,
consents and measures are deleted with her (CASCADE), her history and the money refuse her
deletion (RESTRICT), and every domain table is AUTOINCREMENT on SQLite (PostgreSQL's sequences
never reuse an id). Rows SQLite let point to deleted records are removed first (or, for spese,
the upgrade stops and says which table): they would re-attach to the next record with that id.

Revision ID: 0006_integrita
Revises: 0005_orari_sessioni
Create Date: 2026-12-02 09:00:00

"""
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = '0006_integrita'
down_revision = '0005_orari_sessioni'
branch_labels = None
depends_on = None

# table -> [(column, referred table, ondelete before, ondelete now)]
REGOLE = {
    'lia_ente': [('ambito_id', 'lia_ambito', None, 'RESTRICT')],
    'lia_beneficiaria': [('ambito_id', 'lia_ambito', None, 'RESTRICT'), ('ente_id', 'lia_ente', None, 'RESTRICT')],
    'lia_consenso': [('registrato_da_id', 'ab_user', None, 'RESTRICT')],
    'lia_asse': [('programma_id', 'lia_programma', None, 'RESTRICT')],
    'lia_priorita': [('programma_id', 'lia_programma', None, 'RESTRICT'), ('asse_id', 'lia_asse', None, 'RESTRICT')],
    'lia_voce_spesa': [('programma_id', 'lia_programma', None, 'RESTRICT'),
                       ('priorita_id', 'lia_priorita', None, 'RESTRICT')],
    'lia_massimale': [('programma_id', 'lia_programma', None, 'RESTRICT')],
    'lia_indicatore': [('programma_id', 'lia_programma', None, 'RESTRICT')],
    'lia_segnalazione': [('beneficiaria_id', 'lia_beneficiaria', 'CASCADE', 'RESTRICT'),
                         ('ente_segnalante_id', 'lia_ente', None, 'RESTRICT'),
                         ('ambito_id', 'lia_ambito', None, 'RESTRICT')],
    'lia_valutazione': [('beneficiaria_id', 'lia_beneficiaria', 'CASCADE', 'RESTRICT'),
                        ('valutata_da_id', 'ab_user', None, 'RESTRICT')],
    'lia_microequipe': [('beneficiaria_id', 'lia_beneficiaria', 'CASCADE', 'RESTRICT'),
                        ('ente_coordinatore_id', 'lia_ente', None, 'RESTRICT')],
    'lia_progetto': [('beneficiaria_id', 'lia_beneficiaria', 'CASCADE', 'RESTRICT'),
                     ('segnalazione_id', 'lia_segnalazione', None, 'RESTRICT'),
                     ('ente_coordinatore_id', 'lia_ente', None, 'RESTRICT')],
    'lia_transizione_progetto': [('beneficiaria_id', 'lia_beneficiaria', 'CASCADE', 'RESTRICT'),
                                 ('utente_id', 'ab_user', None, 'RESTRICT')],
    'lia_colloquio_cpi': [('beneficiaria_id', 'lia_beneficiaria', 'CASCADE', 'RESTRICT'),
                          ('ente_cpi_id', 'lia_ente', None, 'RESTRICT')],
    'lia_intervento': [('beneficiaria_id', 'lia_beneficiaria', 'CASCADE', 'RESTRICT'),
                       ('ente_erogatore_id', 'lia_ente', None, 'RESTRICT')],
    'lia_esito_progetto': [('beneficiaria_id', 'lia_beneficiaria', 'CASCADE', 'RESTRICT')],
    'lia_spesa': [('voce_id', 'lia_voce_spesa', None, 'RESTRICT'), ('ente_pagatore_id', 'lia_ente', None, 'RESTRICT'),
                  ('creato_da_id', 'ab_user', None, 'RESTRICT')],
    'lia_laboratorio': [('ambito_id', 'lia_ambito', None, 'RESTRICT')],
    'lia_iscrizione_laboratorio': [('beneficiaria_id', 'lia_beneficiaria', 'CASCADE', 'RESTRICT')],
    'lia_presenza': [('beneficiaria_id', 'lia_beneficiaria', 'CASCADE', 'RESTRICT')],
    'lia_evento_formativo': [('ambito_id', 'lia_ambito', None, 'RESTRICT')],
    'lia_partecipazione_evento': [('ente_id', 'lia_ente', None, 'RESTRICT')],
}
# Every domain table with an integer id (lia_microequipe_membro has none).
CON_ID = [
    'lia_ambito', 'lia_ente', 'lia_beneficiaria', 'lia_consenso', 'lia_altra_misura', 'lia_dati_personali',
    'lia_programma', 'lia_asse', 'lia_priorita', 'lia_voce_spesa', 'lia_massimale', 'lia_indicatore',
    'lia_segnalazione', 'lia_valutazione', 'lia_microequipe', 'lia_progetto', 'lia_transizione_progetto',
    'lia_colloquio_cpi', 'lia_intervento', 'lia_esito_progetto', 'lia_spesa', 'lia_laboratorio',
    'lia_iscrizione_laboratorio', 'lia_sessione_laboratorio', 'lia_presenza', 'lia_modello_laboratorio',
    'lia_evento_formativo', 'lia_partecipazione_evento', 'lia_accordo',
]
# PostgreSQL's default name for a one-column foreign key; SQLite's unnamed ones get it in batch mode.
CONVENZIONE = {'fk': '%(table_name)s_%(column_0_name)s_fkey'}

# Records of a case: a row pointing to a deleted one belongs to what was deleted.
_DI_UN_CASO = {'lia_beneficiaria', 'lia_segnalazione', 'lia_microequipe', 'lia_progetto', 'lia_laboratorio',
               'lia_sessione_laboratorio', 'lia_evento_formativo', 'ab_user'}


def _orfane_sqlite(bind):
    """Remove rows SQLite let point to deleted records (it enforced no foreign key until now).

    A non-null reference to a deleted case record: the row goes (it is that record's own data).
    A nullable one ("registrato da" a deleted user): set to NULL. A spesa of a deleted project or
    woman, or anything else: the upgrade stops, naming the table, for a person to decide.
    """
    while True:
        da_eliminare, da_annullare, anomalie = defaultdict(set), defaultdict(set), defaultdict(int)
        for tabella, rowid, padre, fkid in bind.exec_driver_sql('PRAGMA foreign_key_check').all():
            if not tabella.startswith('lia_'):
                continue
            colonna = {r[0]: r[3] for r in bind.exec_driver_sql(f'PRAGMA foreign_key_list("{tabella}")')}[fkid]
            nullable = {r[1]: not r[3] for r in bind.exec_driver_sql(f'PRAGMA table_info("{tabella}")')}[colonna]
            if tabella == 'lia_spesa' and colonna != 'creato_da_id':
                anomalie[(tabella, colonna)] += 1
            elif nullable:
                da_annullare[(tabella, colonna)].add(rowid)
            elif padre in _DI_UN_CASO:
                da_eliminare[tabella].add(rowid)
            else:
                anomalie[(tabella, colonna)] += 1
        if anomalie:
            elenco = ', '.join(f'{n} righe di {t}.{c}' for (t, c), n in sorted(anomalie.items()))
            raise RuntimeError(f'Riferimenti a record eliminati da risolvere a mano prima di aggiornare: {elenco}.')
        if not da_eliminare and not da_annullare:
            return
        for (tabella, colonna), righe in da_annullare.items():
            bind.exec_driver_sql(f'UPDATE "{tabella}" SET "{colonna}" = NULL WHERE rowid IN ({_elenco(righe)})')
        for tabella, righe in da_eliminare.items():
            bind.exec_driver_sql(f'DELETE FROM "{tabella}" WHERE rowid IN ({_elenco(righe)})')


def _elenco(rowid):
    return ','.join(str(int(r)) for r in rowid)


def _applica(indice_regola, autoincrement):
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    ispettore = sa.inspect(bind)
    for tabella in CON_ID:
        regole = REGOLE.get(tabella, [])
        if not sqlite and not regole:
            continue
        nomi = {fk['constrained_columns'][0]: fk['name'] for fk in ispettore.get_foreign_keys(tabella)}
        with op.batch_alter_table(tabella, recreate='always' if sqlite else 'auto', naming_convention=CONVENZIONE,
                                  table_kwargs={'sqlite_autoincrement': autoincrement}) as batch:
            for regola in regole:
                colonna, riferita = regola[0], regola[1]
                nome = f'{tabella}_{colonna}_fkey'
                batch.drop_constraint(nomi.get(colonna) or nome, type_='foreignkey')
                batch.create_foreign_key(nome, riferita, [colonna], ['id'], ondelete=regola[indice_regola])


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _orfane_sqlite(op.get_bind())
    _applica(3, True)


def downgrade():
    _applica(2, False)
