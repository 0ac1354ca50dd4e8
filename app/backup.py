"""Backup and restore in ONE file: the database, the attachments it names, a manifest.

`crea` writes a gzipped tar archive:
- `manifest.json`: format, date, engine, Alembic revision, rows per table, the SHA-256 and size
  of the dump and of every file (the restore checks them all before touching anything);
- `database.sqlite3` (SQLite's online backup API: a consistent copy of a live database) or
  `database.pgdump` (`pg_dump -Fc`);
- `allegati/<name>`: the files the dumped database names, and only those.

The keys are never in it (instance/segreti.env, the environment): the database holds the
personal data encrypted, and the archive is as safe as the place the keys are kept apart from.

Files consistent with the database. A file is written before its record commits and a replaced
file is removed after the replacement commits (app/servizi/allegati.py), so every file a
committed snapshot names exists until a later commit replaces it. The backup holds the upload
folder's lock (`allegati.cartella_bloccata`) while it takes the database snapshot and hard-links
(or, on another filesystem, copies) the files that snapshot names into a private staging
folder: those removals wait a moment, uploads and every other write go on, and the files in the
archive are exactly those of the dump. On PostgreSQL the snapshot is exported
(`pg_export_snapshot()`) and pg_dump dumps that same snapshot, from which the counts and the
file names were read.

`ripristina` restores into an empty database and an empty upload folder (refusing anything
else unless `sovrascrivi`): the archive is read and every checksum verified first; PostgreSQL
gets the dump through `pg_restore | psql` in ONE transaction (all or nothing, no error from
objects that already exist); the files are renamed into place only after the database is in.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import column, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from app import provvisori
from app.servizi import allegati

FORMATO = "lia-backup/1"
MANIFESTO = "manifest.json"
DUMP = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CARTELLA_FILE = "allegati/"
# The stored names of attachments (app/servizi/allegati.py: a random hex name and an extension).
NOME_ALLEGATO = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,4}$")
# Tables whose column `allegato` names a file under the upload folder.
COLONNA_ALLEGATO = "allegato"
ATTESA_SQLITE_MS = 15_000


class BackupNonRiuscito(RuntimeError):
    """An Italian reason for the user; never a value from the database."""


# --- shared -----------------------------------------------------------------------------

def _sha256(percorso: Path) -> str:
    h = hashlib.sha256()
    with open(percorso, "rb") as f:
        for blocco in iter(lambda: f.read(1 << 20), b""):
            h.update(blocco)
    return h.hexdigest()


def _motore(url: str) -> str:
    nome = make_url(url).get_backend_name()
    if nome not in DUMP:
        raise BackupNonRiuscito(f"database «{nome}» non gestito: solo SQLite e PostgreSQL.")
    return nome


def _file_sqlite(url: str) -> Path:
    percorso = make_url(url).database
    if not percorso or percorso == ":memory:":
        raise BackupNonRiuscito("il database SQLite deve essere un file.")
    return Path(percorso)


def _ambiente_pg(url: str) -> dict[str, str]:
    """libpq's environment for the client tools: the password never on a command line."""
    u = make_url(url)
    env = dict(os.environ)
    for variabile, valore in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username),
                              ("PGPASSWORD", u.password), ("PGDATABASE", u.database)):
        if valore is not None:
            env[variabile] = str(valore)
    for chiave in ("sslmode", "sslrootcert", "sslcert", "sslkey", "host"):
        if chiave in u.query:
            env[f"PG{chiave.upper()}"] = str(u.query[chiave])
    return env


def _esegui(comando: list[str], env: dict | None = None, **kw) -> None:
    try:
        esito = subprocess.run(comando, env=env, capture_output=True, **kw)
    except FileNotFoundError:
        raise BackupNonRiuscito(f"comando {comando[0]} non trovato: installare i programmi client di "
                                "PostgreSQL (pacchetto postgresql-client).") from None
    if esito.returncode != 0:
        raise BackupNonRiuscito(f"{comando[0]} non riuscito (uscita {esito.returncode}): {_prima_riga_errore(esito.stderr)}")


def _prima_riga_errore(stderr: bytes) -> str:
    # Only the first error line, quoted values masked: an error on a row could quote its data.
    righe = stderr.decode("utf-8", "replace").splitlines()
    riga = next((r for r in righe if "ERRORE" in r or "ERROR" in r or "FATAL" in r), righe[0] if righe else "")
    return re.sub(r'"[^"]*"|\'[^\']*\'', "«…»", riga.strip())[:300]


def _conta_righe(conn) -> dict[str, int]:
    return {nome: conn.execute(select(func.count()).select_from(table(nome))).scalar_one()
            for nome in sorted(inspect(conn).get_table_names())}


def _nomi_allegati(conn) -> set[str]:
    ispettore = inspect(conn)
    nomi: set[str] = set()
    for nome in ispettore.get_table_names():
        if any(c["name"] == COLONNA_ALLEGATO for c in ispettore.get_columns(nome)):
            colonna = column(COLONNA_ALLEGATO)
            nomi.update(conn.execute(select(colonna).select_from(table(nome)).where(colonna.is_not(None))).scalars())
    return nomi


def _revisione(conn) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


# --- backup -----------------------------------------------------------------------------

def crea(destinazione: str | os.PathLike, url: str, cartella_allegati: str | os.PathLike) -> dict:
    """Write the archive to `destinazione` (refused if it exists); returns the manifest."""
    destinazione = Path(destinazione)
    cartella_allegati = Path(cartella_allegati)
    motore = _motore(url)
    if destinazione.exists():
        raise BackupNonRiuscito(f"il file {destinazione} esiste già: scegliere un altro nome.")
    if not destinazione.parent.is_dir():
        raise BackupNonRiuscito(f"la cartella {destinazione.parent} non esiste.")
    cartella_allegati.mkdir(parents=True, exist_ok=True)
    # The staging folder sits in the upload folder: hard links need the same filesystem.
    with provvisori.cartella_provvisoria(".backup", dentro=cartella_allegati) as lavoro:
        (lavoro / "allegati").mkdir()
        dump = lavoro / DUMP[motore]
        if motore == "sqlite":
            stato = _istantanea_sqlite(url, dump, cartella_allegati, lavoro / "allegati")
        else:
            stato = _istantanea_pg(url, dump, cartella_allegati, lavoro / "allegati")
        manifesto = {
            "formato": FORMATO,
            "creato_il": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "motore": motore,
            "revisione_alembic": stato["revisione"],
            "database": {"file": dump.name, "sha256": _sha256(dump), "byte": dump.stat().st_size},
            "tabelle": stato["tabelle"],
            "allegati": {p.name: {"sha256": _sha256(p), "byte": p.stat().st_size}
                         for p in sorted((lavoro / "allegati").iterdir())},
            # Named by the database but not on disk when the snapshot was taken (lost before).
            "allegati_mancanti": stato["mancanti"],
            "chiavi": "NON incluse: senza LIA_ENCRYPTION_KEYS (conservate a parte) i dati personali "
                      "di questo archivio non sono leggibili.",
        }
        _scrivi_archivio(destinazione, manifesto, dump, lavoro / "allegati")
    return manifesto


def _collega(nomi: set[str], cartella_allegati: Path, verso: Path) -> list[str]:
    """Hard-link (or copy) the named files into `verso`; returns the names not found."""
    mancanti = []
    for nome in sorted(nomi):
        sorgente = cartella_allegati / nome
        if not NOME_ALLEGATO.match(nome) or not sorgente.is_file():
            mancanti.append(nome)
            continue
        try:
            os.link(sorgente, verso / nome)
        except OSError:  # another filesystem, or no hard links there
            shutil.copy2(sorgente, verso / nome)
    return mancanti


def _istantanea_sqlite(url: str, dump: Path, cartella_allegati: Path, verso: Path) -> dict:
    sorgente_file = _file_sqlite(url)
    if not sorgente_file.is_file():
        raise BackupNonRiuscito(f"il database {sorgente_file} non esiste.")
    with allegati.cartella_bloccata(cartella_allegati, esclusivo=True):
        sorgente = sqlite3.connect(f"file:{sorgente_file}?mode=ro", uri=True, timeout=ATTESA_SQLITE_MS / 1000)
        copia = sqlite3.connect(dump)
        try:
            sorgente.backup(copia)  # all pages in one step, under one read transaction
        finally:
            sorgente.close()
        try:
            copia.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            motore = create_engine("sqlite://", creator=lambda: copia)
            with motore.connect() as conn:
                stato = {"tabelle": _conta_righe(conn), "revisione": _revisione(conn)}
                nomi = _nomi_allegati(conn)
            stato["mancanti"] = _collega(nomi, cartella_allegati, verso)
        finally:
            copia.close()
    return stato


def _istantanea_pg(url: str, dump: Path, cartella_allegati: Path, verso: Path) -> dict:
    motore = create_engine(url)
    try:
        with motore.connect().execution_options(isolation_level="REPEATABLE READ",
                                                 postgresql_readonly=True) as conn:
            with allegati.cartella_bloccata(cartella_allegati, esclusivo=True):
                # The first statement fixes the transaction's snapshot: pg_dump dumps that one.
                istantanea = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                stato = {"tabelle": _conta_righe(conn), "revisione": _revisione(conn)}
                stato["mancanti"] = _collega(_nomi_allegati(conn), cartella_allegati, verso)
            # The exported snapshot lives as long as this transaction: pg_dump runs inside it.
            _esegui(["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={istantanea}",
                     "-f", str(dump)], env=_ambiente_pg(url))
    finally:
        motore.dispose()
    return stato


def _scrivi_archivio(destinazione: Path, manifesto: dict, dump: Path, cartella: Path) -> None:
    provvisori.pulisci(destinazione.parent, f".{destinazione.name}", ".parziale")
    parziale = destinazione.with_name(provvisori.nome_provvisorio(f".{destinazione.name}", ".parziale"))
    try:
        fd = os.open(parziale, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # it holds the personal data
        with os.fdopen(fd, "wb") as grezzo, tarfile.open(fileobj=grezzo, mode="w:gz") as tar:
            testo = json.dumps(manifesto, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
            info = tarfile.TarInfo(MANIFESTO)
            info.size, info.mode, info.mtime = len(testo), 0o600, int(datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(testo))  # first: the restore reads it before anything else
            tar.add(dump, arcname=dump.name, recursive=False)
            for file in sorted(cartella.iterdir()):
                tar.add(file, arcname=CARTELLA_FILE + file.name, recursive=False)
        provvisori.su_disco(parziale)
        os.replace(parziale, destinazione)
    except BaseException:
        parziale.unlink(missing_ok=True)
        raise


# --- restore ----------------------------------------------------------------------------

def leggi_e_verifica(archivio: str | os.PathLike, verso: Path) -> dict:
    """Extract the archive into `verso`, checking every member against the manifest; returns
    the manifest, or BackupNonRiuscito before anything else is touched."""
    archivio = Path(archivio)
    if not archivio.is_file():
        raise BackupNonRiuscito(f"il file {archivio} non esiste.")
    (verso / "allegati").mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archivio, mode="r:*") as tar:
            primo = tar.next()
            if primo is None or primo.name != MANIFESTO or not primo.isfile():
                raise BackupNonRiuscito("l'archivio non comincia con il manifesto: non è un backup di L.I.A.")
            try:
                manifesto = json.loads(tar.extractfile(primo).read().decode("utf-8"))
            except ValueError:
                raise BackupNonRiuscito("manifesto illeggibile.") from None
            if manifesto.get("formato") != FORMATO:
                raise BackupNonRiuscito(f"formato dell'archivio non riconosciuto: {manifesto.get('formato')!r}.")
            attesi = {manifesto["database"]["file"]: manifesto["database"]}
            attesi.update({CARTELLA_FILE + nome: dati for nome, dati in manifesto["allegati"].items()})
            visti = set()
            while (membro := tar.next()) is not None:  # streaming, after the manifest
                dati = attesi.get(membro.name)
                nome = membro.name.removeprefix(CARTELLA_FILE)
                if dati is None or not membro.isfile() or membro.name in visti or (
                        membro.name.startswith(CARTELLA_FILE) and not NOME_ALLEGATO.match(nome)):
                    raise BackupNonRiuscito(f"l'archivio contiene {membro.name!r}, che il manifesto non elenca.")
                visti.add(membro.name)
                destinazione = verso / membro.name
                h = hashlib.sha256()
                with tar.extractfile(membro) as sorgente, open(destinazione, "wb") as f:
                    for blocco in iter(lambda: sorgente.read(1 << 20), b""):
                        h.update(blocco)
                        f.write(blocco)
                if h.hexdigest() != dati["sha256"] or destinazione.stat().st_size != dati["byte"]:
                    raise BackupNonRiuscito(f"{membro.name}: il contenuto non corrisponde al manifesto "
                                            "(archivio danneggiato o alterato).")
    except (tarfile.TarError, EOFError, OSError, KeyError, TypeError, AttributeError) as exc:
        raise BackupNonRiuscito(f"archivio illeggibile o incompleto ({type(exc).__name__}).") from None
    mancano = set(attesi) - visti
    if mancano:
        raise BackupNonRiuscito(f"nell'archivio mancano {len(mancano)} file elencati dal manifesto.")
    return manifesto


def database_vuoto(url: str) -> bool:
    if _motore(url) == "sqlite":
        percorso = _file_sqlite(url)
        if not percorso.exists() or percorso.stat().st_size == 0:
            return True
    motore = create_engine(url)
    try:
        with motore.connect() as conn:
            if motore.dialect.name == "postgresql":
                return not conn.execute(text(
                    "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
                    "AND n.nspname NOT LIKE 'pg\\_%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')")).scalar()
            return not inspect(conn).get_table_names()
    finally:
        motore.dispose()


def _allegati_presenti(cartella: Path) -> list[Path]:
    # Hidden entries are the lock, staging and partial files, never attachments.
    return [p for p in cartella.iterdir() if not p.name.startswith(".")] if cartella.is_dir() else []


def ripristina(archivio: str | os.PathLike, url: str, cartella_allegati: str | os.PathLike,
               sovrascrivi: bool = False) -> dict:
    """Restore the archive into the database `url` and the folder `cartella_allegati`; returns
    the manifest. Stop every server using that database first."""
    cartella_allegati = Path(cartella_allegati)
    motore = _motore(url)
    cartella_allegati.mkdir(parents=True, exist_ok=True)
    with provvisori.cartella_provvisoria(".ripristino", dentro=cartella_allegati) as lavoro:
        manifesto = leggi_e_verifica(archivio, lavoro)
        if manifesto["motore"] != motore:
            raise BackupNonRiuscito(f"l'archivio è un backup {manifesto['motore']}, il database di destinazione "
                                    f"è {motore}: ripristinare su un database dello stesso tipo.")
        if not sovrascrivi:
            if not database_vuoto(url):
                raise BackupNonRiuscito("il database di destinazione non è vuoto: ripristinare in un database "
                                        "nuovo, oppure usare --sovrascrivi per sostituirne tutto il contenuto.")
            if _allegati_presenti(cartella_allegati):
                raise BackupNonRiuscito(f"la cartella degli allegati {cartella_allegati} non è vuota: usare una "
                                        "cartella vuota, oppure --sovrascrivi.")
        dump = lavoro / manifesto["database"]["file"]
        if motore == "sqlite":
            _ripristina_sqlite(dump, _file_sqlite(url))
        else:
            _ripristina_pg(dump, url, lavoro, sovrascrivi)
        _metti_allegati(lavoro / "allegati", cartella_allegati, sovrascrivi)
    contati = _conteggi(url)
    if contati != manifesto["tabelle"]:
        diverse = sorted(t for t in set(contati) | set(manifesto["tabelle"])
                         if contati.get(t) != manifesto["tabelle"].get(t))
        raise BackupNonRiuscito(f"dopo il ripristino le righe non corrispondono al manifesto: {', '.join(diverse)}.")
    return manifesto


def _ripristina_sqlite(dump: Path, destinazione: Path) -> None:
    destinazione.parent.mkdir(parents=True, exist_ok=True)
    sorgente = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    bersaglio = sqlite3.connect(destinazione, timeout=ATTESA_SQLITE_MS / 1000)
    try:
        # Page by page into the target, in one write transaction: the old content (with
        # --sovrascrivi) is replaced whole or not at all.
        sorgente.backup(bersaglio)
    except sqlite3.Error as exc:
        raise BackupNonRiuscito(f"ripristino del database SQLite non riuscito ({type(exc).__name__}).") from None
    finally:
        sorgente.close()
        bersaglio.close()


def _ripristina_pg(dump: Path, url: str, lavoro: Path, sovrascrivi: bool) -> None:
    env = _ambiente_pg(url)
    script = lavoro / "ripristino.sql"
    # The dump as SQL, then run by psql in ONE transaction that stops at the first error: a
    # failed restore leaves the database as it was. Owners and grants are those of this server.
    _esegui(["pg_restore", "--no-owner", "--no-privileges", "-f", str(script), str(dump)], env=env)
    comando = ["psql", "--no-psqlrc", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
    if sovrascrivi:
        comando += ["-c", "DROP SCHEMA IF EXISTS public CASCADE", "-c", "CREATE SCHEMA public"]
    _esegui(comando + ["-f", str(script)], env=env)


def _metti_allegati(da: Path, cartella: Path, sovrascrivi: bool) -> None:
    nuovi = {p.name for p in da.iterdir()}
    for file in sorted(da.iterdir()):
        os.replace(file, cartella / file.name)  # same filesystem: the staging folder is inside
    if sovrascrivi:
        # The restored database names only the archive's files: any other one would be an orphan.
        for vecchio in _allegati_presenti(cartella):
            if vecchio.is_file() and vecchio.name not in nuovi:
                vecchio.unlink()


def _conteggi(url: str) -> dict[str, int]:
    motore = create_engine(url)
    try:
        with motore.connect() as conn:
            return _conta_righe(conn)
    finally:
        motore.dispose()
