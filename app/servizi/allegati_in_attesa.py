"""An attached file that survives a refused save (issue 11, §6).

When a form with an upload is refused (a rule, a validation), the accepted file waits in a hidden
subfolder of the upload folder under a random token; the form carries the token in a hidden field
and says «File già caricato: nome.pdf»; the next submit without a new file attaches it. Only the
user who uploaded it can use its token. A waiting file is removed once its record is saved, or after a day
(app.provvisori.ETA_MASSIMA_S) by the next deposit. Hidden, the subfolder stays out of backups.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

from app.provvisori import ETA_MASSIMA_S
from app.servizi import Rifiuto, allegati

SOTTOCARTELLA = ".in-attesa"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _cartella() -> Path:
    cartella = Path(current_app.config["LIA_UPLOAD_DIR"]) / SOTTOCARTELLA
    cartella.mkdir(mode=0o700, parents=True, exist_ok=True)
    return cartella


def _scheda(token: str) -> Path:
    return _cartella() / f"{token}.json"


def pulisci(ora: float | None = None) -> int:
    """Remove the waiting files older than a day (forms abandoned)."""
    ora = time.time() if ora is None else ora
    rimossi = 0
    for file in _cartella().iterdir():
        try:
            if ora - file.stat().st_mtime > ETA_MASSIMA_S:
                file.unlink()
                rimossi += 1
        except FileNotFoundError:
            pass
    return rimossi


def deposita(file_storage, utente_id: int, campo: str) -> str | None:
    """Keep an upload whose record was not saved: its token, or None when the file itself is not
    acceptable (the form says why already)."""
    try:
        estensione = allegati.verifica(file_storage, campo)
    except Rifiuto:
        return None
    pulisci()
    token = secrets.token_hex(16)
    file = _cartella() / f"{token}.{estensione}"
    file_storage.stream.seek(0)  # a refused save may have read it already
    file_storage.save(file)
    # The name the user gave is shown back to her only; it stays beside the file, never in a URL.
    nome = os.path.basename((file_storage.filename or "").replace("\\", "/"))[-120:] or f"file.{estensione}"
    _scheda(token).write_text(json.dumps({"utente": utente_id, "file": file.name, "nome": nome}))
    return token


def leggi(token: str | None, utente_id: int) -> dict | None:
    """The waiting file of `token` if it exists, is not stale, and was uploaded by this user."""
    if not token or not _TOKEN.match(token):
        return None
    scheda = _scheda(token)
    try:
        dati = json.loads(scheda.read_text())
        eta = time.time() - scheda.stat().st_mtime
    except (FileNotFoundError, ValueError):
        return None
    file = _cartella() / str(dati.get("file", ""))
    if dati.get("utente") != utente_id or eta > ETA_MASSIMA_S or file.parent != _cartella() or not file.is_file():
        return None
    return {"nome": str(dati.get("nome", "")), "file": file, "scheda": scheda}


def usa(token: str | None, utente_id: int) -> str | None:
    """Attach the waiting file to the record being saved (allegati.adotta): its stored name, or None."""
    dati = leggi(token, utente_id)
    return allegati.adotta(dati["file"]) if dati is not None else None


def consuma(token: str | None, utente_id: int) -> None:
    """Once the record is committed, the waiting copy goes."""
    dati = leggi(token, utente_id)
    if dati is not None:
        dati["file"].unlink(missing_ok=True)
        dati["scheda"].unlink(missing_ok=True)
