"""Temporary files and folders that a killed process cannot leave behind for ever.

A process killed with SIGKILL runs no `finally`: its temporary folder (an export's row files,
a backup's staging copy) stays on disk. Each one is therefore named after the process that
made it (`<prefisso>-<pid>-<random>`), and whoever makes a new one first removes those whose
process no longer exists, or that are older than a day (a reused pid must not keep one alive).
Plain standard library: the export rules (app/rules) use it as well.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

ETA_MASSIMA_S = 24 * 60 * 60


def _vivo(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def abbandonato(percorso: Path, pid: int) -> bool:
    """Whether a leftover of process `pid` may be removed: its process is gone, or it is too old."""
    if pid == os.getpid():
        return False
    try:
        vecchio = time.time() - percorso.lstat().st_mtime > ETA_MASSIMA_S
    except FileNotFoundError:
        return False
    return vecchio or not _vivo(pid)


def pulisci(cartella: str | os.PathLike, prefisso: str, suffisso: str = "") -> int:
    """Remove the leftovers `<prefisso>-<pid>-…<suffisso>` of dead processes in `cartella`."""
    schema = re.compile(rf"^{re.escape(prefisso)}-(\d+)-.*{re.escape(suffisso)}$")
    rimossi = 0
    try:
        voci = list(Path(cartella).iterdir())
    except FileNotFoundError:
        return 0
    for voce in voci:
        trovato = schema.match(voce.name)
        if trovato and abbandonato(voce, int(trovato.group(1))):
            if voce.is_dir() and not voce.is_symlink():
                shutil.rmtree(voce, ignore_errors=True)
            else:
                voce.unlink(missing_ok=True)
            rimossi += 1
    return rimossi


def nome_provvisorio(prefisso: str, suffisso: str = "") -> str:
    return f"{prefisso}-{os.getpid()}-{os.urandom(6).hex()}{suffisso}"


@contextlib.contextmanager
def cartella_provvisoria(prefisso: str, dentro: str | os.PathLike | None = None):
    """A private folder (mode 700) removed on exit; the leftovers of killed processes go first."""
    genitore = Path(dentro) if dentro is not None else Path(tempfile.gettempdir())
    genitore.mkdir(parents=True, exist_ok=True)
    pulisci(genitore, prefisso)
    cartella = genitore / nome_provvisorio(prefisso)
    cartella.mkdir(mode=0o700)
    try:
        yield cartella
    finally:
        shutil.rmtree(cartella, ignore_errors=True)


def su_disco(percorso: str | os.PathLike) -> None:
    """Flush a written file to the disk, before a rename makes it look finished."""
    with open(percorso, "rb") as f:
        os.fsync(f.fileno())
