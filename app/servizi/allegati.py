"""Attachments (giustificativi, documents) live in files under LIA_UPLOAD_DIR, never in the
database: the row keeps a random file name. Who may download one is decided by the record it
belongs to (its perimeter), never by the file name.

A file follows the transaction of its record: written before the commit, it is removed when
that transaction ends without a commit (refusal, database error, exception); the file it
replaces, or the file of a deleted record, is removed only once the commit succeeded. No file
outlives its record, none is left without one.

A file is accepted only when its extension AND its content (magic bytes, `filetype`) are the
same kind, one of PDF, JPEG, PNG, TIFF: an HTML page named .pdf or a program named .png is
refused before anything is written. Files are always served as downloads, with the type their
content has (or application/octet-stream), never rendered by the browser as a page.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import uuid
from pathlib import Path

import filetype
from flask import current_app, send_file
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.servizi import Rifiuto

# Extension -> the MIME type its content must have.
TIPI = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
        "tif": "image/tiff", "tiff": "image/tiff"}
_NOMI = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG", "image/tiff": "TIF"}
SCONOSCIUTO = "application/octet-stream"


def _cartella() -> Path:
    cartella = Path(current_app.config["LIA_UPLOAD_DIR"])
    cartella.mkdir(parents=True, exist_ok=True)
    return cartella


def _estensione(nome_file: str) -> str:
    return nome_file.rsplit(".", 1)[1].lower() if "." in nome_file else ""


def motivi_file_non_ammesso(nome_file: str, inizio: bytes) -> list[str]:
    """Why a file named `nome_file` whose first bytes are `inizio` is refused ([] = accepted)."""
    estensione = _estensione(nome_file)
    if estensione not in TIPI:
        return ["Formato non ammesso: PDF, JPG, PNG o TIF."]
    atteso = TIPI[estensione]
    trovato = filetype.guess(inizio)
    if trovato is None or trovato.mime != atteso:
        return [f"Il contenuto del file non è un {_NOMI[atteso]}, come dice il nome (.{estensione}): "
                "sono ammessi solo veri PDF, JPG, PNG o TIF."]
    return []


def _inizio(stream) -> bytes:
    posizione = stream.tell()
    inizio = stream.read(8192)  # what filetype reads
    stream.seek(posizione)
    return inizio


def verifica(file_storage, campo: str = "file_allegato") -> str:
    """The extension of an acceptable upload, or Rifiuto with the Italian reason on `campo`."""
    nome = file_storage.filename or ""
    motivi = motivi_file_non_ammesso(nome, _inizio(file_storage.stream))
    if motivi:
        raise Rifiuto(motivi, per_campo={campo: motivi})
    return _estensione(nome)


def _in_sospeso(sessione) -> dict[str, list[Path]]:
    return sessione.info.setdefault("lia_allegati", {"nuovi": [], "sostituiti": []})


def salva(file_storage, campo: str = "file_allegato") -> str:
    """Store an uploaded file under a random name (the user's name can carry personal data),
    kept only if the current transaction commits."""
    destinazione = f"{uuid.uuid4().hex}.{verifica(file_storage, campo)}"
    file = _cartella() / destinazione
    _in_sospeso(db.session)["nuovi"].append(file)
    file_storage.save(file)
    return destinazione


def adotta(origine: Path) -> str:
    """A file already accepted and kept under the upload folder (an upload waiting for its record,
    app.servizi.allegati_in_attesa) becomes a record's attachment under a new random name, kept
    only if the transaction commits; `origine` stays until its owner removes it."""
    destinazione = f"{uuid.uuid4().hex}{origine.suffix.lower()}"
    file = _cartella() / destinazione
    _in_sospeso(db.session)["nuovi"].append(file)
    os.link(origine, file)  # same filesystem: the subfolder is inside
    return destinazione


def elimina_al_commit(nome: str | None, sessione=None) -> None:
    """Remove the file `nome` (one being replaced) once the current transaction commits."""
    p = percorso(nome) if nome else None
    if p is not None:
        _in_sospeso(sessione or db.session)["sostituiti"].append(p)


@event.listens_for(Session, "before_flush")
def _record_eliminati(sessione, contesto, istanze):
    # A deleted record takes its file with it (once the deletion is committed).
    for obj in sessione.deleted:
        if getattr(obj, "allegato", None):
            elimina_al_commit(obj.allegato, sessione)


@contextlib.contextmanager
def cartella_bloccata(cartella, esclusivo: bool):
    """The lock between a backup and the removal of replaced files (app/backup.py): while a
    backup takes its snapshot of the database and links the files it names, no committed
    replacement removes one of them; the removal waits those few moments."""
    cartella = Path(cartella)
    cartella.mkdir(parents=True, exist_ok=True)
    fd = os.open(cartella / ".blocco-backup", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if esclusivo else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


@event.listens_for(Session, "after_commit")
def _dopo_il_commit(sessione):
    stato = sessione.info.pop("lia_allegati", None)
    sostituiti = (stato or {}).get("sostituiti", [])
    if sostituiti:
        with cartella_bloccata(sostituiti[0].parent, esclusivo=False):
            for file in sostituiti:
                file.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _fine_transazione(sessione, transazione):
    # After a commit the state is gone already: what is left was never committed.
    if transazione.parent is None:
        stato = sessione.info.pop("lia_allegati", None)
        for file in (stato or {}).get("nuovi", []):
            file.unlink(missing_ok=True)


def percorso(nome: str) -> Path | None:
    """The file of a stored name, or None; names never leave the upload folder."""
    if not nome or os.sep in nome or "/" in nome or nome.startswith("."):
        return None
    p = _cartella() / nome
    return p if p.is_file() else None


def tipo_sicuro(file: Path) -> str:
    """The Content-Type to serve `file` with: its kind when content and extension agree (files
    stored before the content check included), else application/octet-stream."""
    with open(file, "rb") as f:
        inizio = f.read(8192)
    return SCONOSCIUTO if motivi_file_non_ammesso(file.name, inizio) else TIPI[_estensione(file.name)]


def scarica(file: Path, nome: str):
    """The response that sends `file` as a download named `nome` + its extension."""
    return send_file(file, as_attachment=True, download_name=f"{nome}{file.suffix}", mimetype=tipo_sicuro(file))
