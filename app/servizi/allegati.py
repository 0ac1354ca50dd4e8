"""Attachments (giustificativi, documents) live in files under LIA_UPLOAD_DIR, never in the
database: the row keeps a random file name. Who may download one is decided by the record it
belongs to (its perimeter), never by the file name."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import current_app

from app.servizi import Rifiuto

ESTENSIONI = {"pdf", "jpg", "jpeg", "png", "tif", "tiff"}


def _cartella() -> Path:
    cartella = Path(current_app.config["LIA_UPLOAD_DIR"])
    cartella.mkdir(parents=True, exist_ok=True)
    return cartella


def estensione_ammessa(nome_file: str) -> bool:
    return "." in nome_file and nome_file.rsplit(".", 1)[1].lower() in ESTENSIONI


def salva(file_storage, campo: str = "file_allegato") -> str:
    """Store an uploaded file under a random name (the user's name can carry personal data)."""
    nome = file_storage.filename or ""
    if not estensione_ammessa(nome):
        raise Rifiuto("Sono ammessi solo file PDF o immagini (jpg, png, tif).",
                      per_campo={campo: ["Formato non ammesso: PDF, JPG, PNG o TIF."]})
    destinazione = f"{uuid.uuid4().hex}.{nome.rsplit('.', 1)[1].lower()}"
    file_storage.save(_cartella() / destinazione)
    return destinazione


def percorso(nome: str) -> Path | None:
    """The file of a stored name, or None; names never leave the upload folder."""
    if not nome or os.sep in nome or "/" in nome or nome.startswith("."):
        return None
    p = _cartella() / nome
    return p if p.is_file() else None


def elimina(nome: str | None) -> None:
    p = percorso(nome) if nome else None
    if p is not None:
        p.unlink(missing_ok=True)
