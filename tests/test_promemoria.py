"""Reminders (issue 11, §15): the menu bar's bell and its page, and the daily e-mail sent through
a real SMTP server (aiosmtpd on loopback): codes only, never a name; each event once, even when
a delivery fails or two runs start at the same time.

Each test creates the events it looks for: the demo and the suite's other tests add theirs."""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import csrf_da
from tests.aiuti_percorso import crea, nuova_segnalazione
from tests.aiuti_posta import porta_libera, server_smtp

RADICE = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def smtp():
    with server_smtp() as (controller, casella):
        yield controller, casella


@pytest.fixture
def invia(app, smtp, monkeypatch):
    """invia() -> the CLI result of `flask lia invia-promemoria` against the test SMTP server."""
    controller, _ = smtp
    for chiave, valore in {"LIA_SMTP_HOST": "127.0.0.1", "LIA_SMTP_PORT": controller.port,
                           "LIA_SMTP_SICUREZZA": "nessuna", "LIA_INDIRIZZO_PUBBLICO": "https://lia.example.org"}.items():
        monkeypatch.setitem(app.config, chiave, valore)

    def _fa(*argomenti):
        return app.test_cli_runner().invoke(args=["lia", "invia-promemoria", *argomenti])
    return _fa


def email_di(app, username):
    from app.extensions import db

    with app.app_context():
        indirizzo = app.appbuilder.sm.find_user(username=username).email
        db.session.remove()
    return indirizzo


def scegli_email(client, attivo=True):
    pagina = client.get("/promemoria/")
    assert pagina.status_code == 200
    dati = {"csrf_token": csrf_da(pagina.get_data(as_text=True))}
    if attivo:
        dati["promemoria_email"] = "1"
    r = client.post("/promemoria/email", data=dati)
    assert r.status_code == 302
    return html.unescape(client.get(r.headers["Location"]).get_data(as_text=True))


def segnalazione_in_attesa(api_di, ambito="CM", cav="cav.crema"):
    """A new woman of `ambito` and her referral dated 2022 (long past the days of waiting)."""
    api = api_di(cav)
    ambiti = {a["codice"]: a["id"] for a in api.get("/api/v1/ambito/?q=(page_size:100)").get_json()["result"]}
    donna = crea(api, "beneficiaria", {"ambito": ambiti[ambito], "fascia_eta": "30-39"})
    codice = api.get(f"/api/v1/beneficiaria/{donna}").get_json()["result"]["codice"]
    return nuova_segnalazione(api, donna), codice


def tutti_i_dati_personali(app):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        valori = set()
        for dp in db.session.query(m.DatiPersonali).all():
            valori |= {v for v in (dp.nome, dp.cognome, dp.codice_fiscale, dp.telefono, dp.email, dp.indirizzo) if v}
        db.session.remove()
    return valori


def test_la_campanella_porta_ai_promemoria_e_al_record(app, api_di, client_di):
    segn, codice = segnalazione_in_attesa(api_di)
    equipe = client_di("equipe.crema")
    home = equipe.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/promemoria/" id="lia-promemoria"[^>]*data-conteggio="/promemoria/conteggio"', home)
    # The number comes after the page (static/lia/lia.js asks it): the page itself does not count.
    r = equipe.get("/promemoria/conteggio")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.get_json()["conteggio"] >= 1
    pagina = html.unescape(equipe.get("/promemoria/").get_data(as_text=True))
    assert "Segnalazioni in attesa di valutazione da più di 7 giorni" in pagina
    assert f'<a href="/segnalazioneview/show/{segn}">{codice}</a>' in pagina
    # The Region and the administrator have no case work: no bell, no page.
    for chi in ("regione", "admin"):
        c = client_di(chi)
        assert 'id="lia-promemoria"' not in c.get("/").get_data(as_text=True)
        assert c.get("/promemoria/").status_code == 403
        assert c.get("/promemoria/conteggio").status_code == 403


def test_email_giornaliera_solo_codici_una_volta_sola(app, api_di, client_di, smtp, invia):
    _, casella = smtp
    segn, codice = segnalazione_in_attesa(api_di)
    equipe = client_di("equipe.crema")
    assert "Riceverai ogni mattina un'e-mail" in scegli_email(equipe)
    indirizzo = email_di(app, "equipe.crema")

    r = invia()
    assert r.exit_code == 0, r.output
    testi = casella.testi_per(indirizzo)
    assert len(testi) == 1
    testo = testi[0]
    assert codice in testo and "https://lia.example.org/oggi/segnalazioni" in testo
    assert casella.per(indirizzo)[0]["Subject"].startswith("L.I.A. 2: ")
    for valore in tutti_i_dati_personali(app):
        assert valore not in testo, "un dato personale è nell'e-mail"

    # The same day again: nothing new, nothing sent.
    assert invia().exit_code == 0
    assert len(casella.testi_per(indirizzo)) == 1

    # A new event: only it is sent, not the one already sent.
    _, altro = segnalazione_in_attesa(api_di)
    assert invia().exit_code == 0
    testi = casella.testi_per(indirizzo)
    assert len(testi) == 2 and altro in testi[1] and codice not in testi[1]

    # Choosing no e-mail stops them.
    assert "Non riceverai più" in scegli_email(equipe, attivo=False)
    segnalazione_in_attesa(api_di)
    assert invia().exit_code == 0
    assert len(casella.testi_per(indirizzo)) == 2


def test_invio_non_riuscito_non_segna_nulla_e_si_riprova(app, api_di, client_di, smtp, invia, monkeypatch):
    _, casella = smtp
    _, codice = segnalazione_in_attesa(api_di, "CA", "cav.casalmaggiore")
    scegli_email(client_di("equipe.casalmaggiore"))
    indirizzo = email_di(app, "equipe.casalmaggiore")

    monkeypatch.setitem(app.config, "LIA_SMTP_PORT", porta_libera())  # nobody listens there
    r = invia()
    assert r.exit_code == 1
    assert r.stderr.startswith("Errore: invio non riuscito per ") and "equipe.casalmaggiore" in r.stderr
    assert "saranno inviati al prossimo lancio" in r.stderr

    monkeypatch.setitem(app.config, "LIA_SMTP_PORT", smtp[0].port)
    assert invia().exit_code == 0
    assert any(codice in t for t in casella.testi_per(indirizzo))
    scegli_email(client_di("equipe.casalmaggiore"), attivo=False)


def test_senza_smtp_il_comando_lo_dice(app, monkeypatch):
    monkeypatch.setitem(app.config, "LIA_SMTP_HOST", "")
    r = app.test_cli_runner().invoke(args=["lia", "invia-promemoria"])
    assert r.exit_code == 1
    assert r.stderr.startswith("Errore: invio e-mail non configurato: impostare LIA_SMTP_HOST")


def test_due_invii_insieme_mandano_ogni_promemoria_una_volta(app, api_di, client_di, smtp, cartella_istanza):
    """Two cron runs started at once (two processes on the same database): each reminder is
    e-mailed once in all."""
    controller, casella = smtp
    _, codice = segnalazione_in_attesa(api_di, "CR", "cav.cremona")
    scegli_email(client_di("equipe.cremona"))
    indirizzo = email_di(app, "equipe.cremona")
    prima = len(casella.per(indirizzo))
    env = dict(os.environ, LIA_INSTANCE_DIR=cartella_istanza, FLASK_APP="run.py",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], LIA_UPLOAD_DIR=app.config["LIA_UPLOAD_DIR"],
               LIA_SEGRETI_FILE=app.config["LIA_SEGRETI_FILE"], LIA_SMTP_HOST="127.0.0.1",
               LIA_SMTP_PORT=str(controller.port), LIA_SMTP_SICUREZZA="nessuna")
    processi = [subprocess.Popen([sys.executable, "-m", "flask", "lia", "invia-promemoria"], cwd=RADICE, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    esiti = [p.communicate(timeout=180) for p in processi]
    assert any(p.returncode == 0 for p in processi), esiti
    con_codice = [t for t in casella.testi_per(indirizzo)[prima:] if codice in t]
    assert len(con_codice) == 1, esiti
    scegli_email(client_di("equipe.cremona"), attivo=False)
