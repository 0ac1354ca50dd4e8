"""The application's secrets: generated once per installation, never a default in the code.

`python -m app.segreti` (run by `make run`) writes random values for the secrets that are
neither in the environment nor already in the file `instance/segreti.env` (mode 600, one
KEY=value a line, usable as a systemd EnvironmentFile). It never changes a value already
there: a new LIA_ENCRYPTION_KEYS would make every stored identity unreadable.

config.py reads the environment first, then that file. create_app() refuses to start with a
secret missing, short, or equal to one of the values once published in this repository,
unless LIA_ENV=development is set explicitly (then missing ones are generated).
It runs before there is an application, so it imports none of it.
"""
from __future__ import annotations

import logging
import os
import secrets
import stat
import sys
from pathlib import Path

log = logging.getLogger(__name__)

SEGRETI = ("SECRET_KEY", "LIA_ENCRYPTION_KEYS", "LIA_BLIND_INDEX_KEY", "LIA_AUDIT_KEY")
LUNGHEZZA_MINIMA = 32

# Values that were once the development defaults, public in the repository's history: a
# session cookie or a JWT signed with them must never be accepted again.
VALORI_PUBBLICI = {
    "SECRET_KEY": {"sviluppo-non-usare-in-produzione"},
    "LIA_ENCRYPTION_KEYS": {"ZGV2LW5vbi11c2FyZS1pbi1wcm9kdXppb25lLTMyYiE="},
    "LIA_BLIND_INDEX_KEY": {"sviluppo-indice-cieco-non-usare-in-produzione"},
    "LIA_AUDIT_KEY": {"sviluppo-audit-non-usare-in-produzione"},
}


def _nuovo(chiave: str) -> str:
    if chiave == "LIA_ENCRYPTION_KEYS":
        from cryptography.fernet import Fernet

        return Fernet.generate_key().decode("ascii")
    return secrets.token_urlsafe(48)


def leggi(percorso: Path) -> dict[str, str]:
    """KEY=value lines of the secrets file ({} when it does not exist)."""
    try:
        testo = Path(percorso).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    valori = {}
    for riga in testo.splitlines():
        riga = riga.strip()
        if riga and not riga.startswith("#") and "=" in riga:
            chiave, valore = riga.split("=", 1)
            valori[chiave.strip()] = valore.strip()
    return valori


def genera(percorso: Path, ambiente=None) -> list[str]:
    """Add to the file the secrets it lacks (those set in `ambiente` excepted); returns their
    names. Existing values are kept byte for byte; the file is replaced atomically, mode 600."""
    ambiente = os.environ if ambiente is None else ambiente
    percorso = Path(percorso)
    esistenti = leggi(percorso)
    nuovi = [k for k in SEGRETI if not esistenti.get(k) and not ambiente.get(k)]
    if not nuovi:
        return []
    percorso.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    righe = percorso.read_text(encoding="utf-8").splitlines() if percorso.exists() else [
        "# Segreti di questa installazione di L.I.A.: generati una volta, da non cambiare né copiare.",
        "# Perdere LIA_ENCRYPTION_KEYS significa perdere i dati personali: salvarne una copia sicura."]
    righe += [f"{k}={_nuovo(k)}" for k in nuovi]
    provvisorio = percorso.with_name(percorso.name + ".nuovo")
    if provvisorio.exists():
        provvisorio.unlink()
    fd = os.open(provvisorio, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(righe) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(provvisorio, percorso)
    return nuovi


def difetti(config) -> list[str]:
    """What is wrong with the configured secrets, by name only (never a value)."""
    problemi = []
    for chiave in SEGRETI:
        valore = config.get(chiave) or ""
        if not valore:
            problemi.append(f"{chiave} mancante")
            continue
        parti = [p.strip() for p in valore.split(",")] if chiave == "LIA_ENCRYPTION_KEYS" else [valore]
        if any(p in VALORI_PUBBLICI[chiave] for p in parti):
            problemi.append(f"{chiave} è un valore di sviluppo pubblicato nel codice")
        elif chiave != "LIA_ENCRYPTION_KEYS" and len(valore) < LUNGHEZZA_MINIMA:
            problemi.append(f"{chiave} troppo corto (almeno {LUNGHEZZA_MINIMA} caratteri)")
    file = config.get("LIA_SEGRETI_FILE")
    if file and os.path.exists(file) and os.stat(file).st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        problemi.append(f"{file} è leggibile da altri utenti del sistema (chmod 600)")
    return problemi


def verifica(config) -> None:
    """Refuse to start with unsafe secrets; with LIA_ENV=development generate the missing ones."""
    if config.get("LIA_ENV") == "development":
        mancanti = [k for k in SEGRETI if not config.get(k)]
        if mancanti and config.get("LIA_SEGRETI_FILE"):
            genera(Path(config["LIA_SEGRETI_FILE"]))
            valori = leggi(Path(config["LIA_SEGRETI_FILE"]))
            for chiave in mancanti:
                config[chiave] = valori.get(chiave)
        rimasti = difetti(config)
        if rimasti:
            log.warning("LIA_ENV=development con segreti non sicuri: %s", "; ".join(rimasti))
        return
    problemi = difetti(config)
    if problemi:
        from app import ConfigurazioneNonSicura

        raise ConfigurazioneNonSicura(
            "Avvio rifiutato, segreti non sicuri: " + "; ".join(problemi) + ". "
            "Generarli con `python -m app.segreti` (li scrive in instance/segreti.env, una volta sola) "
            "oppure impostarli nell'ambiente. Solo con LIA_ENV=development l'avvio è permesso comunque.")


def main() -> int:
    import config

    percorso = Path(config.LIA_SEGRETI_FILE)
    nuovi = genera(percorso)
    for chiave in SEGRETI:
        origine = "generato ora" if chiave in nuovi else (
            "dall'ambiente" if os.environ.get(chiave) else "già presente")
        print(f"{chiave}: {origine}")
    print(f"segreti in {percorso} (solo il proprietario può leggerlo)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
