"""transizioni: the decision date the user entered, shown in the project's history

Revision ID: 0017_soldi
Revises: 0012_annullamento
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_soldi'
down_revision = '0012_annullamento'
branch_labels = None
depends_on = None


def upgrade():
    # add_column, not batch: SQLite adds a column in place (a rebuilt table would lose AUTOINCREMENT).
    op.add_column('lia_transizione_progetto', sa.Column('data_decisione', sa.Date(), nullable=True))
    # Transitions recorded before: the day they were recorded is the best date known. Done in
    # Python: CAST(... AS DATE) means different things on SQLite and PostgreSQL.
    t = sa.table('lia_transizione_progetto', sa.column('id', sa.Integer), sa.column('quando', sa.DateTime),
                 sa.column('data_decisione', sa.Date))
    conn = op.get_bind()
    for id_, quando in conn.execute(sa.select(t.c.id, t.c.quando)).all():
        if quando is not None:  # typed columns: a datetime on SQLite too
            conn.execute(t.update().where(t.c.id == id_).values(data_decisione=quando.date()))


def downgrade():
    op.drop_column('lia_transizione_progetto', 'data_decisione')  # SQLite ≥ 3.35 drops it in place
