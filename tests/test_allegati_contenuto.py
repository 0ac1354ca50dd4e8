"""Uploads are judged by their content, not their name (issue 9 §0): an HTML page named .pdf or a
program named .png is refused, on the form and on the API, and nothing is written; a file
follows its record's transaction (no orphan on disk); attachments are always served as
downloads with nosniff and a safe type; FAB's own /<view>/download/<filename> route is gone."""
from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.aiuti_percorso import progetto_validato, spesa, voce_id
from tests.conftest import PASSWORD, UTENTI_DEMO, csrf_da, login

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 20
TIF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 20
HTML = b"<!doctype html><html><body><script>fetch('/api/v1/datipersonali/')</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."

CONTRAFFATTI = {
    "html_chiamato_pdf": (HTML, "fattura.pdf", "Il contenuto del file non è un PDF"),
    "eseguibile_chiamato_png": (EXE, "foto.png", "Il contenuto del file non è un PNG"),
    "immagine_chiamata_pdf": (PNG, "scansione.pdf", "Il contenuto del file non è un PDF"),
    "vuoto_chiamato_jpg": (b"", "vuoto.jpg", "Il contenuto del file non è un JPG"),
    "eseguibile_col_suo_nome": (EXE, "programma.exe", "Formato non ammesso"),
}
VERI = {"pdf": (PDF, "application/pdf"), "jpg": (JPG, "image/jpeg"), "png": (PNG, "image/png"),
        "tif": (TIF, "image/tiff")}


def file_caricati(app) -> set[str]:
    """The attachments stored; hidden entries are the folder's lock and the uploads waiting after a
    refused save (`.in-attesa`, created on first use), never attachments."""
    cartella = Path(app.config["LIA_UPLOAD_DIR"])
    return {n for n in os.listdir(cartella) if not n.startswith(".")} if cartella.exists() else set()


def conta(app, modello) -> int:
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        n = db.session.execute(select(func.count(getattr(m, modello).id))).scalar()
        db.session.remove()
    return n


def allegato_di(app, modello, pk) -> str | None:
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        nome = db.session.get(getattr(m, modello), pk).allegato
        db.session.remove()
    return nome


def _accordo(client, contenuto, nome, controparte=None, url="/accordoview/add"):
    pagina = client.get(url).get_data(as_text=True)
    return client.post(url, content_type="multipart/form-data", data={
        "csrf_token": csrf_da(pagina), "controparte": controparte or f"Ente {uuid.uuid4().hex[:8]}",
        "tipo": "protocollo", "area": "abitare", "stato": "firmato", "data_firma": "2023-05-04", "note": "",
        "file_allegato": (io.BytesIO(contenuto), nome)})


def _accordo_con_file(app, client, contenuto=PDF, nome="protocollo.pdf") -> int:
    from app import models as m
    from app.extensions import db

    controparte = f"Fondazione {uuid.uuid4().hex[:10]}"
    r = _accordo(client, contenuto, nome, controparte)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    with app.app_context():
        aid = db.session.execute(select(m.Accordo.id).where(m.Accordo.controparte == controparte)).scalar_one()
        db.session.remove()
    return aid


def _modulo_spesa(client, pid, voce, contenuto, nome):
    pagina = client.get("/spesaview/add").get_data(as_text=True)
    return client.post("/spesaview/add", content_type="multipart/form-data", data={
        "csrf_token": csrf_da(pagina), "progetto": str(pid), "voce": str(voce), "importo": "10,00",
        "data": "2023-01-10", "fornitore": "Ditta Esempio", "giustificativo_tipo": "fattura",
        "giustificativo_numero": f"F-{uuid.uuid4().hex[:10]}", "giustificativo_data": "2023-01-10", "note": "",
        "file_giustificativo": (io.BytesIO(contenuto), nome)})


def _carica(api, risorsa, pk, contenuto, nome):
    return api.put(f"/api/v1/{risorsa}/{pk}/allegato", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(contenuto), nome)})


@pytest.fixture
def spesa_di_crema(app, api_di):
    """A new spesa of cav.crema (no file yet): its id."""
    pid, _ = progetto_validato(api_di)
    r = spesa(api_di("cav.crema"), pid, voce_id(app, "III-PASTI"), "12.50")
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


# --- the form ------------------------------------------------------------------------------------

@pytest.mark.parametrize("caso", CONTRAFFATTI)
def test_modulo_spesa_rifiuta_il_file_contraffatto_e_non_scrive_nulla(app, api_di, client_di, caso):
    contenuto, nome, motivo = CONTRAFFATTI[caso]
    pid, _ = progetto_validato(api_di)
    prima, file_prima = conta(app, "Spesa"), file_caricati(app)
    r = _modulo_spesa(client_di("cav.crema"), pid, voce_id(app, "III-PASTI"), contenuto, nome)
    assert r.status_code == 200
    assert motivo in r.get_data(as_text=True)
    assert conta(app, "Spesa") == prima
    assert file_caricati(app) == file_prima


@pytest.mark.parametrize("vista", ["accordoview", "modellolaboratorioview"])
@pytest.mark.parametrize("caso", ["html_chiamato_pdf", "eseguibile_chiamato_png"])
def test_documenti_dell_asse_i_rifiutano_html_ed_eseguibili(app, client_di, vista, caso):
    contenuto, nome, motivo = CONTRAFFATTI[caso]
    c = client_di("capofila")
    modello = {"accordoview": "Accordo", "modellolaboratorioview": "ModelloLaboratorio"}[vista]
    prima, file_prima = conta(app, modello), file_caricati(app)
    if vista == "accordoview":
        r = _accordo(c, contenuto, nome)
    else:
        pagina = c.get("/modellolaboratorioview/add").get_data(as_text=True)
        r = c.post("/modellolaboratorioview/add", content_type="multipart/form-data", data={
            "csrf_token": csrf_da(pagina), "titolo": "Modello di prova", "validato_da": "",
            "file_allegato": (io.BytesIO(contenuto), nome)})
    assert r.status_code == 200
    assert motivo in r.get_data(as_text=True)
    assert conta(app, modello) == prima and file_caricati(app) == file_prima


@pytest.mark.parametrize("estensione", VERI)
def test_file_veri_accettati_e_serviti_come_download(app, client_di, estensione):
    contenuto, tipo = VERI[estensione]
    c = client_di("capofila")
    aid = _accordo_con_file(app, c, contenuto, f"documento.{estensione}")
    r = c.get(f"/accordoview/allegato/{aid}")
    assert r.status_code == 200 and r.data == contenuto
    assert r.headers["Content-Type"] == tipo
    assert r.headers["Content-Disposition"] == f"attachment; filename=accordo-{aid}.{estensione}"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"


def test_modifica_con_file_contraffatto_lascia_il_documento_di_prima(app, client_di):
    c = client_di("capofila")
    aid = _accordo_con_file(app, c)
    prima, file_prima = allegato_di(app, "Accordo", aid), file_caricati(app)
    r = _accordo(c, HTML, "nuovo.pdf", url=f"/accordoview/edit/{aid}")
    assert r.status_code == 200 and "Il contenuto del file non è un PDF" in r.get_data(as_text=True)
    assert allegato_di(app, "Accordo", aid) == prima and file_caricati(app) == file_prima
    assert c.get(f"/accordoview/allegato/{aid}").data == PDF


def test_sostituire_il_documento_elimina_il_vecchio_file(app, client_di):
    c = client_di("capofila")
    aid = _accordo_con_file(app, c)
    vecchio = allegato_di(app, "Accordo", aid)
    r = _accordo(c, PNG, "scansione.png", url=f"/accordoview/edit/{aid}")
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    nuovo = allegato_di(app, "Accordo", aid)
    assert nuovo != vecchio and nuovo in file_caricati(app) and vecchio not in file_caricati(app)


@pytest.mark.parametrize("guasto", ["database", "eccezione"])
def test_salvataggio_non_riuscito_non_lascia_file_orfani(app, client_di, monkeypatch, guasto):
    """The file is written before the commit: when the commit does not happen, it is removed."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from app import models as m

    c = client_di("capofila")
    originale = Session.commit

    def commit_guasto(self):
        if any(isinstance(o, m.Accordo) for o in self.new):
            if guasto == "database":
                raise OperationalError("INSERT INTO lia_accordi", {}, Exception("disco pieno"))
            raise RuntimeError("guasto imprevisto")
        return originale(self)

    monkeypatch.setattr(Session, "commit", commit_guasto)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    prima, file_prima = conta(app, "Accordo"), file_caricati(app)
    r = _accordo(c, PDF, "protocollo.pdf")
    assert r.status_code == (200 if guasto == "database" else 500)
    assert conta(app, "Accordo") == prima
    assert file_caricati(app) == file_prima


def test_eliminare_il_record_elimina_il_suo_file(app, client_di, api_di):
    aid = _accordo_con_file(app, client_di("capofila"))
    nome = allegato_di(app, "Accordo", aid)
    assert nome in file_caricati(app)
    r = api_di("capofila").delete(f"/api/v1/accordo/{aid}")
    assert r.status_code == 200, r.get_json()
    assert nome not in file_caricati(app)


def test_file_contraffatto_salvato_prima_del_controllo_servito_come_dati_grezzi(app, client_di):
    """A file stored before this check (an HTML page named .pdf) is never served as a page."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    c = client_di("capofila")
    aid = _accordo_con_file(app, c)
    vecchio = f"{uuid.uuid4().hex}.pdf"
    (Path(app.config["LIA_UPLOAD_DIR"]) / vecchio).write_bytes(HTML)
    with app.app_context(), come_sistema():
        db.session.get(m.Accordo, aid).allegato = vecchio
        db.session.commit()
        db.session.remove()
    r = c.get(f"/accordoview/allegato/{aid}")
    assert r.status_code == 200 and r.data == HTML
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert r.headers["X-Content-Type-Options"] == "nosniff"


# --- the API -------------------------------------------------------------------------------------

@pytest.mark.parametrize("caso", CONTRAFFATTI)
def test_api_rifiuta_il_file_contraffatto_con_422_e_non_scrive_nulla(app, api_di, spesa_di_crema, caso):
    contenuto, nome, motivo = CONTRAFFATTI[caso]
    file_prima = file_caricati(app)
    r = _carica(api_di("cav.crema"), "spesa", spesa_di_crema, contenuto, nome)
    assert r.status_code == 422, r.get_data(as_text=True)
    assert motivo in r.get_json()["message"]["file"][0]
    assert allegato_di(app, "Spesa", spesa_di_crema) is None
    assert file_caricati(app) == file_prima


def test_api_senza_file_422(api_di, spesa_di_crema):
    a = api_di("cav.crema")
    r = a.put(f"/api/v1/spesa/{spesa_di_crema}/allegato", content_type="multipart/form-data", data={})
    assert r.status_code == 422 and "file" in r.get_json()["message"]
    r = a.put(f"/api/v1/spesa/{spesa_di_crema}/allegato", json={"file": "JVBERi0xLjQ="})
    assert r.status_code == 422


def test_api_carica_sostituisce_e_scarica_il_giustificativo(app, api_di, spesa_di_crema):
    a = api_di("cav.crema")
    assert a.get(f"/api/v1/spesa/{spesa_di_crema}/allegato").status_code == 404  # none yet
    r = _carica(a, "spesa", spesa_di_crema, PDF, "fattura Rossi.pdf")
    assert r.status_code == 200, r.get_json()
    primo = allegato_di(app, "Spesa", spesa_di_crema)
    assert primo.endswith(".pdf") and "Rossi" not in primo and primo in file_caricati(app)
    r = a.get(f"/api/v1/spesa/{spesa_di_crema}/allegato")
    assert r.status_code == 200 and r.data == PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"] == f"attachment; filename=spesa-{spesa_di_crema}.pdf"
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Cache-Control"] == "no-store"
    assert _carica(a, "spesa", spesa_di_crema, JPG, "ricevuta.jpg").status_code == 200
    assert primo not in file_caricati(app)
    assert a.get(f"/api/v1/spesa/{spesa_di_crema}/allegato").headers["Content-Type"] == "image/jpeg"


def test_api_accordo_e_modello_hanno_lo_stesso_controllo(app, api_di, client_di):
    capofila = api_di("capofila")
    aid = _accordo_con_file(app, client_di("capofila"))
    assert _carica(capofila, "accordo", aid, EXE, "firma.png").status_code == 422
    assert _carica(capofila, "accordo", aid, TIF, "firma.tif").status_code == 200
    r = capofila.post("/api/v1/modellolaboratorio/", json={"titolo": "Modello via API"})
    assert r.status_code == 201, r.get_json()
    mid = r.get_json()["id"]
    assert _carica(capofila, "modellolaboratorio", mid, HTML, "modello.pdf").status_code == 422
    assert _carica(capofila, "modellolaboratorio", mid, PDF, "modello.pdf").status_code == 200
    assert capofila.get(f"/api/v1/modellolaboratorio/{mid}/allegato").data == PDF


# --- who may upload and download (the access rows of the new endpoints) -------------------------

# cav.crema's spesa: her CAV and the capofila reach it; another CAV does not see it (404); the
# roles without the Spesa permission are refused (403).
ACCESSO_SPESA_DI_CREMA = {
    "admin": 403, "capofila": 200, "cav.cremona": 404, "cav.crema": 200, "cav.casalmaggiore": 404,
    "equipe.cremona": 403, "equipe.crema": 403, "equipe.casalmaggiore": 403, "servizi.cpi": 403, "regione": 403,
}


def test_allegato_della_spesa_per_ogni_ruolo_api_e_schermata(app, api_di, spesa_di_crema):
    assert set(ACCESSO_SPESA_DI_CREMA) == set(UTENTI_DEMO)
    assert _carica(api_di("cav.crema"), "spesa", spesa_di_crema, PDF, "fattura.pdf").status_code == 200
    for utente, atteso in ACCESSO_SPESA_DI_CREMA.items():
        a = api_di(utente)
        r = a.get(f"/api/v1/spesa/{spesa_di_crema}/allegato")
        assert r.status_code == atteso, (utente, "GET api", r.status_code)
        assert (r.data in (PDF, PNG)) == (atteso == 200), utente  # PNG once a role replaced it
        r = _carica(a, "spesa", spesa_di_crema, PNG, "foto.png")
        assert r.status_code == atteso, (utente, "PUT api", r.status_code)
        r = login(app.test_client(), utente).get(f"/spesaview/allegato/{spesa_di_crema}")
        assert r.status_code == atteso, (utente, "schermata", r.status_code)
    anonimo = app.test_client()
    assert anonimo.get(f"/api/v1/spesa/{spesa_di_crema}/allegato").status_code == 401
    r = anonimo.put(f"/api/v1/spesa/{spesa_di_crema}/allegato", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(PDF), "x.pdf")})
    assert r.status_code == 401
    assert anonimo.get(f"/spesaview/allegato/{spesa_di_crema}").status_code == 302  # to the login


# --- FAB's built-in download route ---------------------------------------------------------------

VISTE = ["spesaview", "accordoview", "modellolaboratorioview", "beneficiariaview", "datipersonaliview",
         "enteview", "progettoview"]


def test_rotta_download_di_fab_risponde_404_a_tutti_e_non_da_mai_un_file(app, client_di, monkeypatch):
    """FAB's /<view>/download/<filename> sent any file of UPLOAD_FOLDER with no row check (and
    500ed without one): even pointed at the attachments' folder, it gives nothing to anyone."""
    aid = _accordo_con_file(app, client_di("capofila"))
    nome = allegato_di(app, "Accordo", aid)
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", app.config["LIA_UPLOAD_DIR"])
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    clienti = {u: login(app.test_client(), u, PASSWORD) for u in UTENTI_DEMO}
    clienti["anonimo"] = app.test_client()
    for utente, c in clienti.items():
        for vista in VISTE:
            for file in (nome, "..%2F..%2Fconfig.py", "inesistente.pdf"):
                r = c.get(f"/{vista}/download/{file}")
                assert r.status_code == 404, (utente, vista, file, r.status_code)
                assert PDF not in r.data and "attachment" not in r.headers.get("Content-Disposition", "")

