"""No secret has a default anyone can read.

The hole reproduced (issue 9, section 0): with LIA_ENV unset the app ran on development secrets
published in config.py, so a session cookie or a JWT forged with them read identities with no
password. Now: `python -m app.segreti` (make run) generates random ones into the instance folder,
mode 600, once; the app refuses to start with a secret missing, short or public unless
LIA_ENV=development is set explicitly.
"""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import jwt as pyjwt
import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from app import segreti
from conftest import login, token_per

PUBBLICI = {k: next(iter(v)) for k, v in segreti.VALORI_PUBBLICI.items() if v}
VECCHIO_SECRET_KEY = PUBBLICI["SECRET_KEY"]


def _validi(tmp_path):
    file = tmp_path / "segreti.env"
    segreti.genera(file, ambiente={})
    return {**segreti.leggi(file), "LIA_SEGRETI_FILE": str(file)}


# --- refusing to start ----------------------------------------------------------------------

def test_senza_lia_env_e_senza_segreti_il_gestionale_non_parte(app):
    import app as pacchetto
    from app import crypto

    token = crypto.cifra("prova")
    nessuno = {k: None for k in segreti.SEGRETI}
    with pytest.raises(pacchetto.ConfigurazioneNonSicura) as err:
        pacchetto.create_app({"LIA_ENV": "", "LIA_SEGRETI_FILE": None, **nessuno})
    for chiave in segreti.SEGRETI:
        assert f"{chiave} mancante" in str(err.value)
    assert "python -m app.segreti" in str(err.value)
    assert crypto.decifra(token) == "prova"  # the refused start touched nothing of the running app


@pytest.mark.parametrize("chiave", sorted(PUBBLICI))
@pytest.mark.parametrize("lia_env", ["", "production", "test"])
def test_un_segreto_pubblicato_nel_codice_e_rifiutato_senza_development_esplicito(app, tmp_path, chiave, lia_env):
    import app as pacchetto

    valore = PUBBLICI[chiave]
    if chiave == "LIA_ENCRYPTION_KEYS":  # also as an old key kept for decryption only
        valore = _validi(tmp_path)[chiave] + "," + valore
    with pytest.raises(pacchetto.ConfigurazioneNonSicura) as err:
        pacchetto.create_app({**_validi(tmp_path), "LIA_ENV": lia_env, chiave: valore})
    assert f"{chiave} è un valore di sviluppo pubblicato nel codice" in str(err.value)
    assert PUBBLICI[chiave] not in str(err.value)


def test_segreti_corti_rifiutati(app, tmp_path):
    import app as pacchetto

    with pytest.raises(pacchetto.ConfigurazioneNonSicura) as err:
        pacchetto.create_app({**_validi(tmp_path), "LIA_ENV": "", "SECRET_KEY": "segreto", "LIA_AUDIT_KEY": "x" * 31})
    assert "SECRET_KEY troppo corto" in str(err.value) and "LIA_AUDIT_KEY troppo corto" in str(err.value)
    assert "segreto" not in str(err.value).replace("segreti", "")


def test_un_file_dei_segreti_leggibile_da_altri_e_rifiutato(tmp_path):
    config = _validi(tmp_path)
    assert segreti.difetti(config) == []
    os.chmod(config["LIA_SEGRETI_FILE"], 0o640)
    assert segreti.difetti(config) == [f"{config['LIA_SEGRETI_FILE']} è leggibile da altri utenti del sistema (chmod 600)"]


def test_con_development_esplicito_i_segreti_mancanti_si_generano(tmp_path, caplog):
    file = tmp_path / "istanza" / "segreti.env"
    config = {"LIA_ENV": "development", "LIA_SEGRETI_FILE": str(file), **{k: None for k in segreti.SEGRETI}}
    segreti.verifica(config)
    assert all(config[k] for k in segreti.SEGRETI)
    assert segreti.leggi(file) == {k: config[k] for k in segreti.SEGRETI}
    # A public value is tolerated in development, with a warning that names it and not its value.
    caplog.set_level(logging.WARNING)
    segreti.verifica({**config, "SECRET_KEY": VECCHIO_SECRET_KEY})
    assert "SECRET_KEY è un valore di sviluppo" in caplog.text and VECCHIO_SECRET_KEY not in caplog.text


def test_la_sessione_di_prova_gira_con_segreti_generati_e_lia_env_non_di_sviluppo(app):
    assert app.config["LIA_ENV"] != "development"
    assert segreti.difetti(app.config) == []
    assert segreti.leggi(Path(app.config["LIA_SEGRETI_FILE"]))["SECRET_KEY"] == app.config["SECRET_KEY"]


# --- forged credentials ----------------------------------------------------------------------

def _cookie_di_sessione(client):
    return client.get_cookie("session").value


def _firma_sessione(app, cookie, chiave):
    """The same session content, signed with `chiave`."""
    vera = SecureCookieSessionInterface().get_signing_serializer(app)
    contenuto = vera.loads(cookie)
    falsa = Flask("falsaria")
    falsa.secret_key = chiave
    return SecureCookieSessionInterface().get_signing_serializer(falsa).dumps(contenuto)


def test_un_cookie_di_sessione_firmato_col_vecchio_segreto_pubblico_e_rifiutato(app):
    vera = login(app.test_client(), "cav.crema")
    cookie = _cookie_di_sessione(vera)
    for chiave, atteso in [(app.config["SECRET_KEY"], 200), (VECCHIO_SECRET_KEY, 302)]:
        c = app.test_client()
        c.set_cookie("session", _firma_sessione(app, cookie, chiave))
        r = c.get("/datipersonaliview/list/")
        assert r.status_code == atteso, chiave == VECCHIO_SECRET_KEY
    assert "/login" in r.headers["Location"]


def test_un_jwt_firmato_col_vecchio_segreto_pubblico_e_rifiutato(app):
    c = app.test_client()
    contenuto = pyjwt.decode(token_per(c, "cav.crema"), options={"verify_signature": False})
    for chiave, atteso in [(app.config["SECRET_KEY"], 200), (VECCHIO_SECRET_KEY, 422)]:
        falso = pyjwt.encode(contenuto, chiave, algorithm="HS256")
        r = c.get("/api/v1/datipersonali/", headers={"Authorization": f"Bearer {falso}"})
        assert r.status_code == atteso, chiave == VECCHIO_SECRET_KEY
    assert "result" not in r.get_json()


# --- generating them --------------------------------------------------------------------------

def test_il_file_dei_segreti_e_leggibile_solo_dal_proprietario(tmp_path):
    file = tmp_path / "nuova" / "segreti.env"
    assert segreti.genera(file, ambiente={}) == list(segreti.SEGRETI)
    assert stat.S_IMODE(os.stat(file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(file.parent).st_mode) == 0o700
    valori = segreti.leggi(file)
    from cryptography.fernet import Fernet

    Fernet(valori["LIA_ENCRYPTION_KEYS"].encode())  # a valid key
    assert len({valori[k] for k in segreti.SEGRETI}) == 4
    assert all(len(valori[k]) >= segreti.LUNGHEZZA_MINIMA for k in segreti.SEGRETI)


def test_generare_due_volte_non_cambia_nulla_e_aggiunge_solo_cio_che_manca(tmp_path):
    file = tmp_path / "segreti.env"
    segreti.genera(file, ambiente={})
    prima = file.read_bytes()
    assert segreti.genera(file, ambiente={}) == []
    assert file.read_bytes() == prima
    # An installation from before the audit key: only that one is added, the others stay as they were.
    senza_audit = b"".join(r for r in prima.splitlines(keepends=True) if not r.startswith(b"LIA_AUDIT_KEY="))
    file.write_bytes(senza_audit)
    os.chmod(file, 0o600)
    assert segreti.genera(file, ambiente={}) == ["LIA_AUDIT_KEY"]
    assert file.read_bytes().startswith(senza_audit)
    assert stat.S_IMODE(os.stat(file).st_mode) == 0o600


def test_un_segreto_dato_dall_ambiente_non_finisce_nel_file(tmp_path):
    file = tmp_path / "segreti.env"
    assert "SECRET_KEY" not in segreti.genera(file, ambiente={"SECRET_KEY": "dall-ambiente-" * 3})
    assert "SECRET_KEY" not in segreti.leggi(file)
