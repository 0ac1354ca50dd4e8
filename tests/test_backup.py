"""Backup and restore (issue 10 §5): one archive with the database, the files it names and a
manifest; restored into an empty database, every table and every file equal to the moment of
the backup; checksums checked before anything is touched; never a key in the archive. On the
suite's engine (SQLite, or PostgreSQL when DATABASE_URL is set)."""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select

from tests.aiuti_backup import destinazione, flask_lia  # noqa: F401  (a fixture)
from tests.aiuti_percorso import progetto_validato, spesa, voce_id

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17


# --- helpers ---------------------------------------------------------------------------------

def tutte_le_righe(url) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    motore = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(motore)
        with motore.connect() as conn:
            return {nome: [tuple(r) for r in conn.execute(
                        select(t).order_by(*(t.primary_key.columns or t.columns)))]
                    for nome, t in sorted(meta.tables.items())}
    finally:
        motore.dispose()


def file_della_cartella(cartella) -> dict[str, str]:
    cartella = Path(cartella)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in cartella.iterdir() if not p.name.startswith(".")} if cartella.is_dir() else {}


def _spesa_con_file(app, api_di, contenuto=PDF, nome="fattura.pdf") -> int:
    a = api_di("cav.crema")
    pid, _ = progetto_validato(api_di)
    r = spesa(a, pid, voce_id(app, "III-PASTI"), "12.50")
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]
    assert _carica(a, sid, contenuto, nome).status_code == 200
    return sid


def _carica(api, sid, contenuto, nome):
    return api.put(f"/api/v1/spesa/{sid}/allegato", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(contenuto), nome)})


def _allegato_di(app, sid):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        nome = db.session.get(m.Spesa, sid).allegato
        db.session.remove()
    return nome


def _backup(app, percorso):
    r = app.test_cli_runner().invoke(args=["lia", "backup", "--out", str(percorso)])
    assert r.exit_code == 0, r.output
    return r


def _membri(archivio) -> dict[str, bytes]:
    with tarfile.open(archivio) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


# --- the round trip ---------------------------------------------------------------------------

def test_backup_modifica_ripristino_stesse_tabelle_e_stessi_file(app, api_di, tmp_path, destinazione,
                                                                 cartella_istanza):
    url, cartella = app.config["SQLALCHEMY_DATABASE_URI"], app.config["LIA_UPLOAD_DIR"]
    prima_sid, seconda_sid = _spesa_con_file(app, api_di), _spesa_con_file(app, api_di, PNG, "scontrino.png")
    righe, file = tutte_le_righe(url), file_della_cartella(cartella)
    archivio = tmp_path / "lia.tar.gz"
    r = _backup(app, archivio)
    assert "Le chiavi non sono nel backup" in r.output
    assert os.stat(archivio).st_mode & 0o077 == 0  # readable by its owner only

    manifesto = json.loads(_membri(archivio)["manifest.json"])
    assert manifesto["tabelle"] == {t: len(v) for t, v in righe.items()}
    assert manifesto["revisione_alembic"] == righe["alembic_version"][0][0]
    nominati = {_allegato_di(app, prima_sid), _allegato_di(app, seconda_sid)}
    assert nominati <= set(manifesto["allegati"]) and not manifesto["allegati_mancanti"]
    assert {n: d["sha256"] for n, d in manifesto["allegati"].items()} == {
        n: h for n, h in file.items() if n in manifesto["allegati"]}

    # After the backup: a giustificativo replaced (its old file removed), a new spesa.
    a = api_di("cav.crema")
    assert _carica(a, prima_sid, PNG, "nuova.png").status_code == 200
    _spesa_con_file(app, api_di)
    assert tutte_le_righe(url) != righe

    dest_url, dest_url_test, dest_cartella = destinazione
    fatto = flask_lia(cartella_istanza, dest_url, dest_cartella, "ripristina", str(archivio))
    assert fatto.returncode == 0, fatto.stderr
    assert "controlli superati" in fatto.stdout
    ripristinate = tutte_le_righe(dest_url_test)
    # The restore leaves its own audit row, chained onto the restored ones.
    ultima = ripristinate["lia_audit"].pop()
    assert "ripristino" in ultima
    assert ripristinate == righe
    assert file_della_cartella(dest_cartella) == {n: h for n, h in file.items() if n in manifesto["allegati"]}
    # With the keys kept apart and brought back, the restored audit chain still holds.
    verifica = flask_lia(cartella_istanza, dest_url, dest_cartella, "verifica-audit")
    assert verifica.returncode == 0 and "Registro di audit OK" in verifica.stdout, verifica.stderr

    # A second restore into the now full database: refused, then done with --sovrascrivi.
    from app.backup import BackupNonRiuscito, ripristina

    with pytest.raises(BackupNonRiuscito, match="non è vuoto"):
        ripristina(archivio, dest_url_test, dest_cartella)
    (Path(dest_cartella) / f"{'0' * 32}.pdf").write_bytes(PDF)  # a file the archive does not have
    ripristina(archivio, dest_url_test, dest_cartella, sovrascrivi=True)
    assert tutte_le_righe(dest_url_test) == righe
    assert file_della_cartella(dest_cartella) == {n: h for n, h in file.items() if n in manifesto["allegati"]}


def test_l_archivio_non_contiene_mai_le_chiavi(app, tmp_path, cartella_istanza):
    archivio = tmp_path / "lia.tar.gz"
    _backup(app, archivio)
    membri = _membri(archivio)
    assert not [n for n in membri if "segreti" in n or n.endswith(".env")]
    segreti = [p.strip() for k in ("SECRET_KEY", "LIA_BLIND_INDEX_KEY", "LIA_AUDIT_KEY", "LIA_ENCRYPTION_KEYS")
               for p in app.config[k].split(",")]
    tutto = b"".join(membri.values())
    assert not [s for s in segreti if s.encode() in tutto]
    assert (Path(cartella_istanza) / "segreti.env").exists()  # they were there to be taken


def test_il_backup_vede_i_file_del_suo_istante_anche_se_sostituiti_durante(app, api_di, tmp_path, monkeypatch):
    """A giustificativo replaced while the backup takes its snapshot: the archive has the file the
    dumped database names (the replacement's removal waits for the backup's lock)."""
    from app import backup

    sid = _spesa_con_file(app, api_di)
    vecchio = _allegato_di(app, sid)
    a = api_di("cav.crema")
    esiti = []
    sostituzione = threading.Thread(target=lambda: esiti.append(_carica(a, sid, PNG, "altra.png").status_code))
    originale = backup._conta_righe

    def conta_mentre_si_sostituisce(conn):
        conteggi = originale(conn)
        if not sostituzione.is_alive() and not esiti:
            sostituzione.start()
            sostituzione.join(timeout=1.5)  # committed by now; its removal of the old file waits
        return conteggi

    monkeypatch.setattr(backup, "_conta_righe", conta_mentre_si_sostituisce)
    archivio = tmp_path / "durante.tar.gz"
    _backup(app, archivio)
    sostituzione.join(timeout=30)
    assert esiti == [200]
    manifesto = json.loads(_membri(archivio)["manifest.json"])
    assert vecchio in manifesto["allegati"] and not manifesto["allegati_mancanti"]
    assert _membri(archivio)[f"allegati/{vecchio}"] == PDF
    assert not (Path(app.config["LIA_UPLOAD_DIR"]) / vecchio).exists()  # removed once the backup let go


# --- refusals --------------------------------------------------------------------------------

def _altera(archivio, destinazione, membro, nuovo_contenuto):
    with tarfile.open(archivio) as tar, tarfile.open(destinazione, "w:gz") as out:
        for m in tar.getmembers():
            dati = tar.extractfile(m).read()
            if m.name == membro:
                dati = nuovo_contenuto(dati)
                m.size = len(dati)
            out.addfile(m, io.BytesIO(dati))


@pytest.mark.parametrize("caso", ["file", "database", "troncato"])
def test_archivio_alterato_rifiutato_prima_di_toccare_qualcosa(app, api_di, tmp_path, destinazione, caso):
    from app.backup import BackupNonRiuscito, database_vuoto, ripristina

    _spesa_con_file(app, api_di)
    archivio = tmp_path / "lia.tar.gz"
    _backup(app, archivio)
    alterato = tmp_path / "alterato.tar.gz"
    membri = _membri(archivio)
    if caso == "troncato":
        alterato.write_bytes(archivio.read_bytes()[: archivio.stat().st_size // 2])
    else:
        nome = next(n for n in membri if n.startswith("allegati/")) if caso == "file" else next(
            n for n in membri if n.startswith("database."))
        _altera(archivio, alterato, nome, lambda d: d[:-1] + bytes([d[-1] ^ 1]))
    _, dest_url, dest_cartella = destinazione
    with pytest.raises(BackupNonRiuscito, match="non corrisponde al manifesto|illeggibile"):
        ripristina(alterato, dest_url, dest_cartella)
    assert database_vuoto(dest_url)
    assert file_della_cartella(dest_cartella) == {}


def test_cli_ripristino_su_database_non_vuoto_rifiutato_senza_toccarlo(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    archivio = tmp_path / "lia.tar.gz"
    _backup(app, archivio)
    prima = tutte_le_righe(url)
    r = app.test_cli_runner().invoke(args=["lia", "ripristina", str(archivio)])
    assert r.exit_code == 1
    assert "Errore: ripristino non riuscito: il database di destinazione non è vuoto" in r.output
    assert tutte_le_righe(url) == prima


def test_cli_backup_su_file_esistente_rifiutato(app, tmp_path):
    esistente = tmp_path / "gia.tar.gz"
    esistente.write_bytes(b"importante")
    r = app.test_cli_runner().invoke(args=["lia", "backup", "--out", str(esistente)])
    assert r.exit_code == 1 and "esiste già" in r.output
    assert esistente.read_bytes() == b"importante"
