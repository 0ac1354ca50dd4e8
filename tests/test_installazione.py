"""What `make run` does on a fresh machine, run twice: migrations from empty, demo loaded
once, nothing duplicated; and the migrations describe exactly the models."""
import os
import subprocess
import sys
from pathlib import Path

RADICE = Path(__file__).resolve().parent.parent


def _flask(args, env):
    flask = Path(sys.executable).with_name("flask")
    r = subprocess.run([str(flask), *args], cwd=RADICE, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def _conta(db):
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("ab_user", "ab_role", "lia_ente", "lia_beneficiaria", "lia_dati_personali",
                          "lia_voce_spesa", "ab_permission_view_role")}
    finally:
        con.close()


def _segreti(env):
    r = subprocess.run([sys.executable, "-m", "app.segreti"], cwd=RADICE, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def _ambiente_pulito(tmp_path, **altro):
    """A fresh clone's environment: no database URL, no secret, no LIA_ENV."""
    env = {**os.environ, "FLASK_APP": "run.py", "LIA_INSTANCE_DIR": str(tmp_path), **altro}
    for chiave in ("DATABASE_URL", "LIA_ENV", "SECRET_KEY", "LIA_ENCRYPTION_KEYS", "LIA_BLIND_INDEX_KEY",
                   "LIA_AUDIT_KEY"):
        if chiave not in altro:
            env.pop(chiave, None)
    return env


def test_make_run_due_volte_non_duplica_nulla(tmp_path):
    env = _ambiente_pulito(tmp_path)
    for _ in range(2):
        _segreti(env)  # as make run does, before the migrations
        _flask(["db", "upgrade"], env)
        uscita = _flask(["lia", "demo", "--password", "prova-install"], env)
        if _ == 0:
            prima = _conta(tmp_path / "lia.db")
    assert "0 nuove beneficiarie" in uscita and "cav.crema" in uscita
    assert _conta(tmp_path / "lia.db") == prima
    assert prima["lia_beneficiaria"] == 30 and prima["ab_user"] == 13
    assert "resp.crema" in uscita and "Operatrice CAV + Responsabile CAV" in uscita


def test_le_migrazioni_corrispondono_ai_modelli(app):
    """Autogenerate against the migrated database finds nothing to add: no create_all needed."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_appbuilder import Model

    from app.extensions import db

    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Model.metadata)
    # Ignore differences SQLite cannot express (type affinity); tables/columns must match.
    strutturali = [d for d in diff if d[0] in ("add_table", "remove_table", "add_column", "remove_column")]
    assert strutturali == []


def test_senza_segreti_il_gestionale_non_parte_e_dice_come_generarli(tmp_path):
    """A fresh clone that skips `make run`'s first step: no secret anywhere, LIA_ENV unset."""
    flask = Path(sys.executable).with_name("flask")
    r = subprocess.run([str(flask), "db", "upgrade"], cwd=RADICE, env=_ambiente_pulito(tmp_path),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    for chiave in ("SECRET_KEY", "LIA_ENCRYPTION_KEYS", "LIA_BLIND_INDEX_KEY", "LIA_AUDIT_KEY"):
        assert f"{chiave} mancante" in r.stderr
    assert "python -m app.segreti" in r.stderr
    assert not (tmp_path / "lia.db").exists()


def test_produzione_rifiuta_i_segreti_di_sviluppo(tmp_path):
    from app.segreti import VALORI_PUBBLICI

    pubblici = {k: next(iter(v)) for k, v in VALORI_PUBBLICI.items() if v}
    env = _ambiente_pulito(tmp_path, LIA_ENV="production", **pubblici)
    _segreti(env)  # generates the audit key only: the others come from the environment
    flask = Path(sys.executable).with_name("flask")
    r = subprocess.run([str(flask), "lia", "--help"], cwd=RADICE, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode != 0
    for chiave in pubblici:
        assert f"{chiave} è un valore di sviluppo pubblicato" in r.stderr
    for valore in pubblici.values():
        assert valore not in r.stderr


def test_make_run_serve_sulla_porta_scelta():
    """`make run PORT=8090`: the server and the printed address use the chosen port (dry run)."""
    r = subprocess.run(["make", "-n", "serve", "PORT=8090"], cwd=RADICE, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "--port 8090" in r.stdout and "http://127.0.0.1:8090" in r.stdout
    predefinita = subprocess.run(["make", "-n", "serve"], cwd=RADICE, capture_output=True, text=True, timeout=60)
    assert "--port 8080" in predefinita.stdout


def test_la_migrazione_dei_consensi_nasconde_i_casi_gia_revocati_e_torna_indietro(tmp_path):
    """0020_consensi: the old kinds become purposes, and a consent to share revoked before the
    upgrade (with no other in force) hides her case from then on; the downgrade gives the old kinds back."""
    import sqlite3

    env = _ambiente_pulito(tmp_path)
    _segreti(env)
    _flask(["db", "upgrade"], env)
    _flask(["lia", "demo", "--password", "prova-install"], env)
    _flask(["db", "downgrade", "0019_conservazione"], env)
    con = sqlite3.connect(tmp_path / "lia.db")
    try:
        revocata, riconsenziente = [r[0] for r in con.execute("SELECT id FROM lia_beneficiaria ORDER BY id LIMIT 2")]
        assert con.execute("SELECT count(*) FROM lia_consenso WHERE tipo = 'condivisione_rete'").fetchone()[0] == 30
        con.execute("UPDATE lia_consenso SET revocato_il = '2024-01-01' WHERE tipo = 'condivisione_rete' "
                    "AND beneficiaria_id IN (?, ?)", (revocata, riconsenziente))
        con.execute("INSERT INTO lia_consenso (beneficiaria_id, tipo, data, ambito_consenso, versione) "
                    "VALUES (?, 'condivisione_rete', '2024-02-01', '', 1)", (riconsenziente,))
        con.commit()
    finally:
        con.close()
    _flask(["db", "upgrade"], env)
    con = sqlite3.connect(tmp_path / "lia.db")
    try:
        riservate = dict(con.execute("SELECT id, riservata_dal FROM lia_beneficiaria WHERE riservata_dal IS NOT NULL"))
        tipi = {r[0] for r in con.execute("SELECT DISTINCT tipo FROM lia_consenso")}
    finally:
        con.close()
    assert riservate == {revocata: "2024-01-01"}
    assert tipi == {"programma", "condivisione_equipe", "condivisione_cpi", "statistiche"}
