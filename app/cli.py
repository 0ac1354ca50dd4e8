"""`flask lia …`: the headless entry points (roles, programme, demo network, key rotation)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.security import come_sistema


class Errore(click.ClickException):
    """A failure of a `flask lia` command: exit code 1 and an Italian message on stderr."""

    def show(self, file=None):
        click.echo(f"Errore: {self.format_message()}", err=True)


class GruppoLia(click.Group):
    """Every failure exits non-zero with an Italian message and no traceback: a traceback can
    show the values of the rows being handled (a woman's data). Only the exception's type and
    the line of the app where it happened are shown."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Errore:
            raise
        except click.UsageError:
            raise
        except click.ClickException as exc:
            raise Errore(exc.format_message()) from None
        except (click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            import traceback
            from pathlib import Path

            radice = Path(__file__).resolve().parent.parent
            nostre = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(str(radice / "app"))]
            dove = f" in {Path(nostre[-1].filename).relative_to(radice)}:{nostre[-1].lineno}" if nostre else ""
            raise Errore(f"comando non completato, errore imprevisto ({type(exc).__name__}{dove}). "
                         "I dettagli non sono mostrati perché potrebbero contenere dati personali.") from None


@click.group(cls=GruppoLia, help="Comandi del gestionale L.I.A.")
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
    from app.servizi.programma import sincronizza_programma

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


def _scrivi_documento(percorso: str, produci, cosa: str) -> None:
    """Write a document that leaves the system (counts and texts, no personal data), produced
    across the perimeter as the Region's aggregates are."""
    with come_sistema():
        contenuto = produci()
    with open(percorso, "wb") as f:
        f.write(contenuto)
    click.echo(f"{cosa} in {percorso}")


@lia.command("relazione-finale")
@click.option("--out", "percorso", required=True, type=click.Path(dir_okay=False), help="file .docx da scrivere")
@with_appcontext
def relazione_finale_cmd(percorso):
    """Scrive la relazione finale (Word): i testi del capofila e i numeri letti dai dati, nessun dato personale."""
    from app.servizi.relazione import docx

    _scrivi_documento(percorso, docx, "relazione finale scritta")


@lia.command("statistiche")
@click.option("--out", "percorso", required=True, type=click.Path(dir_okay=False), help="file .xlsx da scrivere")
@with_appcontext
def statistiche_cmd(percorso):
    """Scrive le statistiche delle donne (Excel): solo conteggi, i piccoli riservati, nessun dato personale."""
    from app.servizi.statistiche import xlsx

    _scrivi_documento(percorso, xlsx, "statistiche scritte")


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

    from app import audit, crypto
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
        # The second-factor secrets are encrypted with the same keys (app.autenticazione).
        accessi = table("lia_accesso_utente", column("user_id"), column("totp_segreto"))
        segreti = db.session.execute(select(accessi).where(accessi.c.totp_segreto.is_not(None))).all()
        for user_id, segreto in segreti:
            db.session.execute(update(accessi).where(accessi.c.user_id == user_id)
                               .values(totp_segreto=crypto.ruota(segreto)))
        # Raw UPDATEs escape the session hooks: the row says how many records they touched.
        audit.registra("rotazione_chiave", tipo_record="DatiPersonali",
                       dettaglio={"righe": n, "segreti_secondo_fattore": len(segreti)})
        db.session.commit()
    click.echo(f"ricifrati {n} record di dati personali e {len(segreti)} segreti del secondo fattore")


@lia.command("reindicizza-nomi")
@with_appcontext
def reindicizza_nomi_cmd():
    """Ricostruisce gli indici ciechi di ricerca (parole di nome e cognome, codice fiscale) con la
    LIA_BLIND_INDEX_KEY attuale: dopo averla cambiata, o se la migrazione non ha potuto farlo."""
    from app.servizi.ricerca import reindicizza

    with come_sistema():
        fatte, illeggibili = reindicizza()
        db.session.commit()
    click.echo(f"indicizzati {fatte} record di dati personali" + (
        f"; {illeggibili} non decifrabili, saltati (chiave sconosciuta o dato alterato)" if illeggibili else ""))


@lia.command("crea-utente")
@click.option("--username", required=True)
@click.option("--ente", "nome_ente", required=True, help="nome esatto dell'ente")
@click.option("--ruolo", "ruoli", required=True, multiple=True,
              help="ripetibile: es. --ruolo 'Operatrice CAV' --ruolo 'Responsabile CAV'")
@click.option("--nome", default="")
@click.option("--cognome", default="")
@click.option("--email", required=True)
@click.password_option()
@with_appcontext
def crea_utente_cmd(username, nome_ente, ruoli, nome, cognome, email, password):
    """Crea un utente legato al suo ente (ogni utente appartiene a un solo ente).

    Chi ha accesso al server è la seconda persona: così nasce la prima Responsabile CAV di un
    centro, che poi conferma le abilitazioni date dalla schermata Utenti."""
    from app.models import Ente
    from app.rules.password import motivi_password_debole, parole_dell_utente
    from app.security import motivi_abilitazione_non_valida

    sm = current_app.appbuilder.sm
    ente = db.session.execute(select(Ente).where(Ente.nome == nome_ente)).scalar_one_or_none()
    if ente is None:
        raise click.ClickException(f"ente sconosciuto: {nome_ente}")
    roles = [sm.find_role(r) for r in ruoli]
    sconosciuti = [r for r, role in zip(ruoli, roles) if role is None]
    if sconosciuti:
        raise click.ClickException(f"ruolo sconosciuto: {', '.join(sconosciuti)} (eseguire prima flask lia init-roles)")
    motivi = motivi_abilitazione_non_valida(set(ruoli), ente) + motivi_password_debole(
        password, parole_dell_utente(username, nome, cognome, email))
    if motivi:
        raise click.ClickException(" ".join(motivi))
    user = sm.add_user(username, nome or username, cognome or "-", email, roles, password=password, commit=False)
    if not user:
        raise click.ClickException("utente non creato (username o e-mail già usati?)")
    user.ente_id = ente.id  # in the same transaction: never a user without her ente
    db.session.commit()
    click.echo(f"utente {username} creato ({', '.join(ruoli)}, {ente.nome})")


@lia.command("verifica-audit")
@with_appcontext
def verifica_audit_cmd():
    """Verifica la catena del registro di audit: OK, o la prima riga alterata (uscita non zero)."""
    from app.audit import esamina_catena

    rotto, righe, ultimo = esamina_catena()
    if rotto is not None:
        click.echo(f"Registro di audit ALTERATO: la prima riga che non torna è la n. {rotto} "
                   f"(righe lette: {righe}).", err=True)
        raise SystemExit(1)
    click.echo(f"Registro di audit OK: {righe} righe, ultimo hash {ultimo or '-'}.")


@lia.command("backup")
@click.option("--out", "percorso", required=True, type=click.Path(dir_okay=False),
              help="file da scrivere, es. /backup/lia-2024-05-31.tar.gz (non deve esistere)")
@with_appcontext
def backup_cmd(percorso):
    """Backup in UN file: database, documenti allegati e manifesto con i controlli. Le chiavi
    (instance/segreti.env) NON sono incluse: conservarle a parte."""
    from app import audit
    from app.backup import BackupNonRiuscito, crea

    try:
        m = crea(percorso, current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.config["LIA_UPLOAD_DIR"])
    except BackupNonRiuscito as exc:
        raise Errore(f"backup non riuscito: {exc}") from None
    with come_sistema():
        audit.registra("backup", dettaglio={"righe": sum(m["tabelle"].values()), "allegati": len(m["allegati"])})
        db.session.commit()
    click.echo(f"{percorso}: {sum(m['tabelle'].values())} righe in {len(m['tabelle'])} tabelle, "
               f"{len(m['allegati'])} allegati (revisione {m['revisione_alembic']}).")
    if m["allegati_mancanti"]:
        click.echo(f"Attenzione: {len(m['allegati_mancanti'])} allegati indicati dal database non erano nella "
                   "cartella già prima del backup.", err=True)
    click.echo("Le chiavi non sono nel backup: senza instance/segreti.env (conservato altrove) non si legge.")


@lia.command("ripristina")
@click.argument("archivio", type=click.Path(dir_okay=False))
@click.option("--sovrascrivi", is_flag=True, help="sostituisce TUTTO il contenuto di un database non vuoto")
@with_appcontext
def ripristina_cmd(archivio, sovrascrivi):
    """Ripristina un backup in un database VUOTO (fermare prima il server). Con le stesse chiavi
    dell'installazione di origine in instance/segreti.env."""
    from app import audit
    from app.backup import BackupNonRiuscito, ripristina

    db.session.remove()
    db.engine.dispose()  # no connection of this process holds the database during the restore
    try:
        m = ripristina(archivio, current_app.config["SQLALCHEMY_DATABASE_URI"], current_app.config["LIA_UPLOAD_DIR"],
                       sovrascrivi=sovrascrivi)
    except BackupNonRiuscito as exc:
        raise Errore(f"ripristino non riuscito: {exc}") from None
    with come_sistema():
        audit.registra("ripristino", dettaglio={"creato_il": m["creato_il"], "righe": sum(m["tabelle"].values())})
        db.session.commit()
    click.echo(f"Ripristinato il backup del {m['creato_il']}: {sum(m['tabelle'].values())} righe, "
               f"{len(m['allegati'])} allegati, controlli superati.")
    click.echo(f"Revisione del database: {m['revisione_alembic']}; eseguire `flask db upgrade` se il codice è più recente.")


@lia.command("invia-promemoria")
@click.option("--oggi", type=click.DateTime(formats=["%d/%m/%Y", "%Y-%m-%d"]), default=None,
              help="giorno di riferimento (gg/mm/aaaa), per recuperare un giorno saltato; oggi se omesso")
@with_appcontext
def invia_promemoria_cmd(oggi):
    """Invia a chi l'ha scelto l'e-mail giornaliera dei promemoria (solo codici, mai nomi). Ogni
    promemoria è inviato una volta sola: lanciarlo più volte al giorno non ripete nulla."""
    import smtplib
    from datetime import date

    from sqlalchemy.exc import IntegrityError

    from app import posta
    from app.models import Utente
    from app.rules.promemoria import messaggio_giornaliero
    from app.security import come_utente
    from app.servizi import promemoria, transazione
    from app.servizi.spese import programma_corrente

    if not posta.configurata():
        raise Errore("invio e-mail non configurato: impostare LIA_SMTP_HOST (vedi README, «Promemoria»).")
    giorno = oggi.date() if oggi else date.today()
    programma = programma_corrente()
    with come_sistema():
        ids = promemoria.destinatari_email()
    utenti = promemoria_totali = 0
    falliti = []
    for uid in ids:
        utente = db.session.get(Utente, uid)
        try:
            with come_utente(utente), transazione():
                nuovi = promemoria.riserva_nuovi(utente, promemoria.promemoria_di(utente, programma, giorno))
                if nuovi:
                    msg = messaggio_giornaliero(nuovi, giorno, current_app.config["APP_NAME"].split(" — ")[0],
                                                current_app.config["LIA_INDIRIZZO_PUBBLICO"],
                                                programma.giorni_attesa_segnalazione,
                                                programma.soglia_avviso_massimale)
                    posta.invia(utente.email, msg.oggetto, msg.testo)
                    utenti += 1
                    promemoria_totali += len(nuovi)
        except IntegrityError:
            pass  # another run recorded (and sends) the same reminders at this moment
        except (smtplib.SMTPException, OSError) as exc:
            falliti.append(f"{utente.username} ({type(exc).__name__})")
    click.echo(f"inviati {promemoria_totali} promemoria a {utenti} utenti")
    if falliti:
        raise Errore("invio non riuscito per " + ", ".join(falliti) + ": saranno inviati al prossimo lancio.")


@lia.command("conservazione")
@click.option("--dry-run", "prova", is_flag=True, help="elenca soltanto: codici e motivi, nessuna cancellazione")
@with_appcontext
def conservazione_cmd(prova):
    """Cancella i dati personali delle donne il cui caso è chiuso da più degli anni di conservazione
    (file del programma, o LIA_CONSERVAZIONE_ANNI). Codici, profili, percorsi e spese restano.
    Una transazione per donna; da lanciare ogni giorno: ciò che è già cancellato non si ripete."""
    from datetime import date

    from sqlalchemy.orm.exc import StaleDataError

    from app.models import Beneficiaria
    from app.servizi import Rifiuto, conservazione, transazione

    oggi = date.today()
    try:
        anni = conservazione.anni_di_conservazione()
    except Rifiuto as exc:
        raise Errore(str(exc)) from None
    with come_sistema():
        elenco = conservazione.scadute(oggi, anni)
    if not elenco:
        click.echo(f"Nessun dato personale da cancellare (conservazione: {anni} anni).")
        return
    fatte = 0
    for voce in elenco:
        if prova:
            click.echo(f"{voce.codice}: {voce.motivo}")
            continue
        try:
            with come_sistema(), transazione():
                # Judged again in her own transaction: her case may have reopened since the list was made.
                if not conservazione.scadute(oggi, anni, voce.id):
                    continue
                conservazione.cancella_dati_personali(db.session.get(Beneficiaria, voce.id), voce.motivo,
                                                      conservazione.CONSERVAZIONE, oggi=oggi)
        except StaleDataError:
            continue  # another run erased them at the same moment
        click.echo(f"{voce.codice}: dati personali cancellati. {voce.motivo}")
        fatte += 1
    click.echo(f"Da cancellare: {len(elenco)} (prova, nulla è stato cancellato)." if prova
               else f"Dati personali cancellati: {fatte}.")


@lia.command("anonimizza")
@click.argument("codice")
@click.option("--motivo", required=True, help="perché (es. «richiesta dell'interessata»); senza dati personali")
@with_appcontext
def anonimizza_cmd(codice, motivo):
    """Cancella su richiesta i dati personali di una donna, dato il suo codice: restano il codice, il
    profilo, il percorso e le spese."""
    from app.models import Beneficiaria
    from app.servizi import Rifiuto, conservazione, transazione

    try:
        with come_sistema(), transazione():
            beneficiaria = db.session.execute(select(Beneficiaria).where(Beneficiaria.codice == codice)
                                              ).scalar_one_or_none()
            if beneficiaria is None:
                raise Errore(f"nessuna beneficiaria con codice {codice}")
            conservazione.cancella_dati_personali(beneficiaria, motivo, conservazione.RICHIESTA)
    except Rifiuto as exc:
        raise Errore(str(exc)) from None
    click.echo(f"Dati personali di {codice} cancellati.")


def _ente_da_importare(codice_o_nome: str):
    """The CAV by its exact name, or by the code of its ambito when one CAV serves it."""
    from app.models import Ambito, Ente

    with come_sistema():
        ente = db.session.execute(select(Ente).where(Ente.nome == codice_o_nome)).scalar_one_or_none()
        if ente is None:
            cav = db.session.execute(select(Ente).join(Ambito, Ambito.id == Ente.ambito_id).where(
                Ambito.codice == codice_o_nome.upper(), Ente.tipo == "centro_antiviolenza")).scalars().all()
            ente = cav[0] if len(cav) == 1 else None
    if ente is None or not ente.is_cav:
        raise Errore(f"nessun centro antiviolenza «{codice_o_nome}» (nome esatto dell'ente o codice dell'ambito)")
    return ente


def _operatrice(ente, username: str | None):
    """Who the import acts as: the given user, or the ente's first active Operatrice CAV."""
    from app.models import Utente
    from app.security import registra_per_le_donne

    with come_sistema():
        query = select(Utente).where(Utente.ente_id == ente.id, Utente.active.is_(True)).order_by(Utente.id)
        if username:
            query = query.where(Utente.username == username)
        utente = next((u for u in db.session.execute(query).scalars() if registra_per_le_donne(u)), None)
    if utente is None:
        raise Errore(f"nessuna operatrice attiva di «{ente.nome}»" + (f" con username {username}" if username else ""))
    return utente


@lia.command("importa")
@click.argument("percorso", type=click.Path(exists=True, dir_okay=False))
@click.option("--ente", "codice_o_nome", required=True, help="il centro antiviolenza: nome esatto o codice dell'ambito")
@click.option("--utente", "username", default=None, help="l'operatrice per cui si importa (predefinita: la prima attiva)")
@click.option("--dry-run", "prova", is_flag=True, help="giudica ogni riga e non scrive nulla")
@click.option("--report", "resoconto", default=None, type=click.Path(dir_okay=False),
              help="file .xlsx del resoconto, con gli errori accanto alle celle")
@with_appcontext
def importa_cmd(percorso, codice_o_nome, username, prova, resoconto):
    """Importa donne, consensi, altre misure, segnalazioni, progetti e spese dal modello Excel: prima
    con --dry-run, poi senza. Tutto o niente; lo stesso file importato due volte non crea nulla."""
    import os

    from app.rules.importazione import FileNonValido, scrivi_resoconto
    from app.security import come_utente
    from app.servizi import NonConsentito, importazione, transazione

    ente = _ente_da_importare(codice_o_nome)
    utente = _operatrice(ente, username)
    if os.path.getsize(percorso) > importazione.dimensione_massima():
        raise Errore(f"il file supera la dimensione massima ammessa "
                     f"({importazione.dimensione_massima() // (1024 * 1024)} MB)")
    with open(percorso, "rb") as f:
        contenuto = f.read()

    def avanzamento(foglio, fatte, totale):
        if fatte % 500 == 0 or fatte == totale:
            click.echo(f"  {foglio}: {fatte}/{totale} righe", err=True)

    try:
        righe = importazione.leggi(contenuto)
        click.echo(f"Importazione per {ente.nome} come {utente.username}" + (" (prova)" if prova else ""))
        with come_utente(utente), transazione():
            esito = importazione.importa(righe, utente, avanzamento)
            importazione.concludi(esito, utente, prova)
    except FileNonValido as exc:
        raise Errore(str(exc)) from None
    except NonConsentito as exc:
        raise Errore(str(exc)) from None
    for riga in esito.sintesi():
        click.echo(riga)
    for foglio, numero, colonna, motivo in esito.errori[:50]:
        click.echo(f"{foglio}, riga {numero}" + (f", {colonna}" if colonna else "") + f": {motivo}")
    if resoconto:
        with open(resoconto, "wb") as f:
            f.write(scrivi_resoconto(esito.righe, esito.sintesi()))
        click.echo(f"resoconto in {resoconto}")
    if not esito.ok:
        raise Errore(f"{len(esito.errori)} errori: nessun dato importato")
    click.echo("Prova riuscita: nessun errore, nessun dato scritto." if prova else "Importazione completata.")


@lia.command("chiudi-periodo")
@click.option("--dal", required=True, type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]))
@click.option("--al", required=True, type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]))
@click.option("--descrizione", default="", help="es. «Primo semestre 2023» (solo per un periodo nuovo)")
@click.option("--utente", "username", default=None,
              help="username del capofila che chiude (facoltativo se il capofila ha un solo utente attivo)")
@with_appcontext
def chiudi_periodo_cmd(dal, al, descrizione, username):
    """Chiude il periodo di rendicontazione dal–al (lo registra se manca): scrive e conserva il rendiconto
    della rete così come si invia alla Regione; le spese datate nel periodo non si modificano più."""
    from app.models import PeriodoRendicontazione, Utente
    from app.security import chiude_periodi_rendicontazione
    from app.servizi import Rifiuto, periodi, transazione

    dal, al = dal.date(), al.date()
    with come_sistema():
        if username:
            utenti = [u for u in db.session.execute(select(Utente).where(Utente.username == username)).scalars()]
        else:
            utenti = list(db.session.execute(select(Utente).where(Utente.active.is_(True))).scalars())
        utenti = [u for u in utenti if chiude_periodi_rendicontazione(u)]
    if len(utenti) != 1:
        raise Errore(f"l'utente {username} non è un capofila attivo" if username else
                     "indicare con --utente quale utente del capofila chiude il periodo")
    utente = utenti[0]
    try:
        with transazione():
            periodo = db.session.execute(select(PeriodoRendicontazione).where(
                PeriodoRendicontazione.dal == dal, PeriodoRendicontazione.al == al)).scalar_one_or_none()
            if periodo is None:
                periodo = PeriodoRendicontazione(dal=dal, al=al, descrizione=descrizione)
                periodi.prepara_periodo(periodo, utente)
                db.session.add(periodo)
                db.session.flush()
            periodi.chiudi(periodo, utente)
    except Rifiuto as exc:
        raise Errore(str(exc)) from None
    click.echo(f"periodo {dal:%d/%m/%Y}–{al:%d/%m/%Y} chiuso: {periodo.righe_spese} spese, "
               f"{periodo.dimensione} byte, sha256 {periodo.sha256}")
