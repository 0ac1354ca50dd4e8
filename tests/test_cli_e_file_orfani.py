"""Every `flask lia` failure exits non-zero with an Italian message on stderr and no traceback
(which could show a woman's data); a failed save of a document leaves no file on disk (issue 10
§4, §6)."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from tests.aiuti_backup import RADICE
from tests.aiuti_percorso import progetto_validato, spesa, voce_id

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
NOME_DI_UNA_DONNA = "Maria Rossi RSSMRA80A41D150X"


def _file_caricati(app) -> set[str]:
    cartella = app.config["LIA_UPLOAD_DIR"]
    return {n for n in os.listdir(cartella) if not n.startswith(".")} if os.path.isdir(cartella) else set()


def test_processo_esce_non_zero_con_messaggio_italiano(app, tmp_path, cartella_istanza):
    env = dict(os.environ, LIA_INSTANCE_DIR=cartella_istanza, FLASK_APP="run.py",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], LIA_UPLOAD_DIR=app.config["LIA_UPLOAD_DIR"])
    r = subprocess.run([sys.executable, "-m", "flask", "lia", "rendicontazione", "--out",
                        str(tmp_path / "non-esiste" / "r.xlsx")], cwd=RADICE, env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode != 0
    assert r.stderr.startswith("Errore: comando non completato") and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("argomenti, messaggio", [
    (["rendicontazione", "--out", "{tmp}/r.xlsx", "--ente", "Nessuno"], "Errore: ente sconosciuto: Nessuno"),
    (["rendicontazione", "--out", "{tmp}/r.xlsx", "--dal", "2023-05-01", "--al", "2023-01-01"],
     "Errore: la data --al precede la data --dal"),
    (["backup", "--out", "{tmp}/non-esiste/b.tar.gz"], "Errore: backup non riuscito: la cartella"),
    (["ripristina", "{tmp}/nessuno.tar.gz"], "Errore: ripristino non riuscito: il file"),
    (["crea-utente", "--username", "x", "--ente", "Nessuno", "--ruolo", "Regione", "--email", "x@example.org",
      "--password", "una-password-lunga-e-strana-42"], "Errore: ente sconosciuto"),
])
def test_comandi_falliti_escono_con_1_e_messaggio_italiano(app, tmp_path, argomenti, messaggio):
    r = app.test_cli_runner().invoke(
        args=["lia", *[a.replace("{tmp}", str(tmp_path)) for a in argomenti]])
    assert r.exit_code == 1
    assert r.stderr.startswith(messaggio), r.stderr
    assert r.stdout == ""


def test_errore_imprevisto_senza_traccia_ne_dati(app, monkeypatch):
    from app.rules import programma

    def guasto(_codice):
        raise ValueError(f"riga illeggibile: {NOME_DI_UNA_DONNA}")

    monkeypatch.setattr(programma, "programma_predefinito", guasto)
    r = app.test_cli_runner().invoke(args=["lia", "carica-programma"])
    assert r.exit_code == 1
    assert r.stderr.startswith("Errore: comando non completato, errore imprevisto (ValueError in app/cli.py:")
    assert NOME_DI_UNA_DONNA not in r.stderr + r.stdout and "Traceback" not in r.stderr


@pytest.mark.parametrize("via", ["api", "modulo"])
def test_salvataggio_del_documento_non_riuscito_non_lascia_file(app, api_di, client_di, monkeypatch, via):
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from app import models as m
    from tests.conftest import csrf_da

    pid, _ = progetto_validato(api_di)
    voce = voce_id(app, "III-PASTI")
    r = spesa(api_di("cav.crema"), pid, voce, "12.50")
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]
    originale = Session.commit

    def commit_guasto(self):
        if any(isinstance(o, m.Spesa) for o in list(self.new) + list(self.dirty)):
            raise OperationalError("UPDATE lia_spesa", {}, Exception("disco pieno"))
        return originale(self)

    c = client_di("cav.crema") if via == "modulo" else None
    a = api_di("cav.crema")
    prima = _file_caricati(app)
    monkeypatch.setattr(Session, "commit", commit_guasto)
    if via == "api":
        r = a.put(f"/api/v1/spesa/{sid}/allegato", content_type="multipart/form-data",
                  data={"file": (io.BytesIO(PDF), "fattura.pdf")})
        assert r.status_code == 500 and "errore interno" in r.get_json()["message"]
    else:
        pagina = c.get(f"/spesaview/edit/{sid}").get_data(as_text=True)
        r = c.post(f"/spesaview/edit/{sid}", content_type="multipart/form-data", data={
            "csrf_token": csrf_da(pagina), "progetto": str(pid), "voce": str(voce), "importo": "12,50",
            "data": "2023-01-10", "fornitore": "Ditta Esempio", "giustificativo_tipo": "fattura",
            "giustificativo_numero": f"F-{sid}", "giustificativo_data": "2023-01-10", "note": "",
            "file_giustificativo": (io.BytesIO(PDF), "fattura.pdf")})
        assert r.status_code == 200 and "Salvataggio non riuscito" in r.get_data(as_text=True)
    monkeypatch.undo()
    assert _file_caricati(app) == prima
    assert a.get(f"/api/v1/spesa/{sid}/allegato").status_code == 404
