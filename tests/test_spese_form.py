"""Spese through the browser form (real login, real CSRF): reasons on the fields, nothing
written on refusal, the giustificativo's file stored outside the database and served only
to who may see the spesa."""
import io
import re
from pathlib import Path

from sqlalchemy import func, select

from tests.aiuti_percorso import progetto_validato, voce_id
from tests.conftest import byte_del_file_sqlite, csrf_da


def _conta(app):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        n = db.session.execute(select(func.count(m.Spesa.id))).scalar()
        db.session.remove()
    return n


def _modulo(client, pid, voce, importo, **extra):
    pagina = client.get("/spesaview/add").get_data(as_text=True)
    dati = {"csrf_token": csrf_da(pagina), "progetto": str(pid), "voce": str(voce), "importo": importo,
            "data": "2023-01-10", "fornitore": "Ditta Esempio", "giustificativo_tipo": "fattura",
            "giustificativo_numero": extra.pop("numero", "F-FORM-1"), "giustificativo_data": "2023-01-10",
            "note": "", **extra}
    return client.post("/spesaview/add", data=dati, content_type="multipart/form-data")


def test_importo_non_valido_errore_sul_campo_niente_scritto(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    prima = _conta(app)
    r = _modulo(client_di("cav.crema"), pid, voce_id(app, "III-PASTI"), "abc")
    assert r.status_code == 200
    assert "importo non numerico: «abc»" in r.get_data(as_text=True)
    assert _conta(app) == prima


def test_massimale_superato_residuo_nel_modulo(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    c = client_di("cav.crema")
    voce = voce_id(app, "II-TIROCINIO-INDENNITA")
    assert _modulo(c, pid, voce, "2.999,99", numero="F-FORM-A").status_code == 302
    prima = _conta(app)
    r = _modulo(c, pid, voce, "0,02", numero="F-FORM-B")
    testo = r.get_data(as_text=True)
    assert r.status_code == 200 and "residuo disponibile: € 0,01" in testo
    assert _conta(app) == prima


def test_file_del_giustificativo_fuori_dal_database_e_protetto(app, api_di, client_di, db_path):
    pid, _ = progetto_validato(api_di)
    c = client_di("cav.crema")
    contenuto = b"%PDF-1.4 giustificativo di prova " + b"x" * 100
    r = _modulo(c, pid, voce_id(app, "III-PASTI"), "12,50", numero="F-FILE-1",
                file_giustificativo=(io.BytesIO(contenuto), "fattura Rossi.pdf"))
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        spesa = db.session.execute(select(m.Spesa).where(m.Spesa.giustificativo_numero == "F-FILE-1")).scalar_one()
        sid, nome = spesa.id, spesa.allegato
        db.session.remove()
    assert nome and "Rossi" not in nome and nome.endswith(".pdf")  # a random name, not the user's
    assert (Path(app.config["LIA_UPLOAD_DIR"]) / nome).read_bytes() == contenuto
    if db_path:
        assert b"giustificativo di prova" not in byte_del_file_sqlite(db_path, db_path + "-wal")
    r = c.get(f"/spesaview/allegato/{sid}")
    assert r.status_code == 200 and r.data == contenuto
    assert client_di("capofila").get(f"/spesaview/allegato/{sid}").status_code == 200
    assert client_di("cav.cremona").get(f"/spesaview/allegato/{sid}").status_code == 404
    assert client_di("regione").get(f"/spesaview/allegato/{sid}").status_code == 403
    show = c.get(f"/spesaview/show/{sid}").get_data(as_text=True)
    assert f"/spesaview/allegato/{sid}" in show


def test_file_di_tipo_non_ammesso_rifiutato(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    prima = _conta(app)
    r = _modulo(client_di("cav.crema"), pid, voce_id(app, "III-PASTI"), "10", numero="F-EXE-1",
                file_giustificativo=(io.BytesIO(b"MZ..."), "virus.exe"))
    assert r.status_code == 200
    assert re.search(r"Formato non ammesso", r.get_data(as_text=True))
    assert _conta(app) == prima


def test_quietanza_prima_del_giustificativo_errore_sul_campo_niente_scritto(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    c = client_di("cav.crema")
    assert "Data della quietanza" in c.get("/spesaview/add").get_data(as_text=True)
    prima = _conta(app)
    r = _modulo(c, pid, voce_id(app, "III-PASTI"), "12,50", numero="F-QUIET-1", quietanza_tipo="bonifico",
                quietanza_data="2023-01-09")
    assert r.status_code == 200
    assert "non può precedere la data del giustificativo (10/01/2023)" in r.get_data(as_text=True)
    assert _conta(app) == prima
    r = _modulo(c, pid, voce_id(app, "III-PASTI"), "12,50", numero="F-QUIET-1", quietanza_tipo="bonifico",
                quietanza_data="2023-01-12")
    assert r.status_code == 302 and _conta(app) == prima + 1
