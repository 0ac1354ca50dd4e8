"""`flask lia …`: the headless entry points (roles, programme, demo network, key rotation)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.security import come_sistema


@click.group(help="Comandi del gestionale L.I.A.")
def lia():
    pass


def init_roles() -> list[str]:
    """Create the roles and every permission/view pair; idempotent."""
    from flask_appbuilder.security.manager import BaseSecurityManager

    ab = current_app.appbuilder
    sm = ab.sm
    # FAB's own create_db would also create tables: the schema is Alembic's job, so only roles here.
    BaseSecurityManager.create_db(sm)
    ab.add_permissions(update_perms=True)
    db.session.commit()
    return sorted(current_app.config["FAB_ROLES"])


@lia.command("init-roles")
@with_appcontext
def init_roles_cmd():
    """Crea o aggiorna i ruoli e i permessi (idempotente)."""
    for nome in init_roles():
        click.echo(f"ruolo: {nome}")


def carica_programma(codice: str | None = None):
    from app.rules.programma import programma_predefinito
    from app.servizi import sincronizza_programma

    programma = programma_predefinito(codice or current_app.config["LIA_PROGRAMMA"])
    with come_sistema():
        sincronizza_programma(programma)
        db.session.commit()
    return programma


@lia.command("carica-programma")
@click.option("--codice", default=None, help="file in app/programmes/ senza estensione (es. lia2)")
@with_appcontext
def carica_programma_cmd(codice):
    """Carica il catalogo del programma (assi, voci, massimali, indicatori) dal suo file."""
    p = carica_programma(codice)
    click.echo(f"programma {p.codice}: {len(p.voci)} voci di spesa, {len(p.indicatori)} indicatori")


@lia.command("demo")
@click.option("--password", default="demo-lia2", show_default=True, help="password di tutti gli utenti demo")
@with_appcontext
def demo_cmd(password):
    """Carica la rete demo (idempotente): enti, un utente per ruolo, ~30 donne fittizie."""
    from app.demo import carica_demo

    init_roles()
    carica_programma()
    with come_sistema():
        esito = carica_demo(password)
    click.echo(f"Rete demo pronta: {esito['nuove_beneficiarie']} nuove beneficiarie "
               f"({esito['beneficiarie']} in tutto).")
    click.echo("Accessi demo (password per tutti: %s):" % password)
    for username, ruolo in esito["utenti"]:
        click.echo(f"  {username:<22} {ruolo}")


@lia.command("rendicontazione")
@click.option("--out", "percorso", required=True, type=click.Path(dir_okay=False), help="file .xlsx da scrivere")
@click.option("--ente", "nome_ente", default=None, help="solo la parte di questo ente (nome esatto)")
@click.option("--dal", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]), default=None)
@click.option("--al", type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]), default=None)
@with_appcontext
def rendicontazione_cmd(percorso, nome_ente, dal, al):
    """Scrive la rendicontazione Excel per Regione Lombardia (solo codici, nessun dato personale)."""
    from app.models import Ente
    from app.servizi.rendicontazione import esporta

    ente = None
    if nome_ente:
        with come_sistema():
            ente = db.session.execute(select(Ente).where(Ente.nome == nome_ente)).scalar_one_or_none()
        if ente is None:
            raise click.ClickException(f"ente sconosciuto: {nome_ente}")
    dal = dal.date() if dal else None
    al = al.date() if al else None
    if dal and al and al < dal:
        raise click.ClickException("la data --al precede la data --dal")
    totali = esporta(percorso, ente=ente, dal=dal, al=al)
    click.echo(f"{percorso}: {totali['righe_spese']} spese, ammissibile € {totali['ammissibile']:.2f}, "
               f"non ammissibile € {totali['non_ammissibile']:.2f}")


@lia.command("ricalcola-spese")
@with_appcontext
def ricalcola_spese_cmd():
    """Ricalcola l'esito di ammissibilità di tutte le spese (dopo un cambio del file del programma)."""
    from app.servizi.spese import ricalcola_tutto

    click.echo(f"ricalcolate {ricalcola_tutto()} spese")


@lia.command("ruota-chiave")
@with_appcontext
def ruota_chiave_cmd():
    """Ricifra tutti i dati personali con la chiave più recente di LIA_ENCRYPTION_KEYS."""
    from sqlalchemy import column, select, table, update

    from app import crypto
    from app.models import DatiPersonali

    cols = ["nome", "cognome", "codice_fiscale", "data_nascita", "telefono", "email", "indirizzo", "comune"]
    # Untyped columns: the ciphertext as stored, past the model's decrypting column type.
    grezza = table(DatiPersonali.__tablename__, column("id"), *(column(c) for c in cols))
    n = 0
    with come_sistema():
        righe = db.session.execute(select(grezza)).all()
        for riga in righe:
            valori = {c: crypto.ruota(v) for c, v in zip(cols, riga[1:]) if v is not None}
            if valori:
                db.session.execute(update(grezza).where(grezza.c.id == riga[0]).values(**valori))
                n += 1
        db.session.commit()
    click.echo(f"ricifrati {n} record di dati personali")


@lia.command("crea-utente")
@click.option("--username", required=True)
@click.option("--ente", "nome_ente", required=True, help="nome esatto dell'ente")
@click.option("--ruolo", required=True)
@click.option("--nome", default="")
@click.option("--cognome", default="")
@click.option("--email", required=True)
@click.password_option()
@with_appcontext
def crea_utente_cmd(username, nome_ente, ruolo, nome, cognome, email, password):
    """Crea un utente legato al suo ente (ogni utente appartiene a un solo ente)."""
    from app.models import Ente

    sm = current_app.appbuilder.sm
    ente = db.session.execute(select(Ente).where(Ente.nome == nome_ente)).scalar_one_or_none()
    if ente is None:
        raise click.ClickException(f"ente sconosciuto: {nome_ente}")
    role = sm.find_role(ruolo)
    if role is None:
        raise click.ClickException(f"ruolo sconosciuto: {ruolo} (eseguire prima flask lia init-roles)")
    user = sm.add_user(username, nome or username, cognome or "-", email, role, password=password)
    if not user:
        raise click.ClickException("utente non creato (username o e-mail già usati?)")
    user.ente_id = ente.id
    db.session.commit()
    click.echo(f"utente {username} creato ({ruolo}, {ente.nome})")
