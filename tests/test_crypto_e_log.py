"""Personal data at rest and in logs: encrypted in the database file, tamper-evident, rotatable
keys, blind-index search limited to the holding CAV, no personal value in any log line, and no
start in production with the development secrets."""
from __future__ import annotations

import base64
import logging
import re
from datetime import date

import pytest
from cryptography.fernet import Fernet, InvalidToken

from conftest import ApiClient, byte_del_file_sqlite, csrf_da, ente_di, login, token_per

COGNOMI_DEMO = ["Finzionelli", "Inventatini", "Esempiaro", "Provolanti", "Fantasiosi", "Immaginetti",
                "Demoretti", "Fintaldi", "Campionesi", "Ipotetici"]


# --- helpers -------------------------------------------------------------------------------

def regex_parole(valori):
    """Whole-word match of any value ("Lia" must not match "LiaModelView")."""
    alternative = sorted({re.escape(v) for v in valori if v}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(alternative) + r")(?![\w])")


def tutti_i_valori(pii):
    return {v for d in pii.values() for v in d["valori"]}


def manomesso(token: str, posizione: int = 40) -> str:
    """The same Fernet token with one bit flipped in the middle of the ciphertext."""
    grezzo = bytearray(base64.urlsafe_b64decode(token.encode("ascii")))
    grezzo[posizione] ^= 0x01
    return base64.urlsafe_b64encode(bytes(grezzo)).decode("ascii")


@pytest.fixture
def chiavi_originali(app):
    """Whatever a test does to the keys, the app's own configuration comes back afterwards."""
    from app import crypto

    yield app.config["LIA_ENCRYPTION_KEYS"], app.config["LIA_BLIND_INDEX_KEY"]
    crypto.configura(app.config["LIA_ENCRYPTION_KEYS"], app.config["LIA_BLIND_INDEX_KEY"])


def prima_dp_di(app, username):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    ente = ente_di(app, username)
    with app.app_context(), come_sistema():
        dp = (db.session.query(m.DatiPersonali).join(m.Beneficiaria)
              .filter(m.Beneficiaria.ente_id == ente).order_by(m.DatiPersonali.id).first())
        out = (dp.id, dp.beneficiaria_id, dp.codice_fiscale, dp.cognome)
        db.session.remove()
    return out


# --- the database file ---------------------------------------------------------------------

def test_database_file_holds_no_name_surname_cf_email_or_phone_in_clear(app, db_path, pii):
    if not db_path:
        pytest.skip("il database non è SQLite: nessun file da leggere")
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # everything committed is in the file
    contenuto = byte_del_file_sqlite(*(db_path + suffisso for suffisso in ("", "-wal", "-journal")))
    assert len(contenuto) > 10_000
    # The demo surnames are unique enough to search as plain bytes, in any case.
    for cognome in COGNOMI_DEMO:
        for forma in (cognome, cognome.upper(), cognome.lower()):
            assert forma.encode() not in contenuto, f"{forma!r} in chiaro nel file del database"
    testo = contenuto.decode("latin-1")
    trovati = sorted({m.group(0) for m in regex_parole(tutti_i_valori(pii)).finditer(testo)})
    assert not trovati, f"dati personali in chiaro nel file del database: {trovati[:10]}"
    # And the file does contain the encrypted values (the scan looked at the right thing).
    assert b"gAAAAA" in contenuto


def test_blind_index_is_keyed_and_not_the_codice_fiscale(app, pii, chiavi_originali):
    from app import crypto, models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        dp = db.session.query(m.DatiPersonali).filter(m.DatiPersonali.codice_fiscale.isnot(None)).first()
        cf, indice = dp.codice_fiscale, dp.cf_indice
        db.session.remove()
    assert indice == crypto.indice_cieco(cf)
    assert cf not in indice and cf.lower() not in indice
    crypto.configura(chiavi_originali[0], "un'altra chiave dell'indice")
    assert crypto.indice_cieco(cf) != indice


# --- tampering -------------------------------------------------------------------------------

def test_flipped_byte_in_a_scratch_token_raises_dato_cifrato_corrotto(app, chiavi_originali):
    from app import crypto

    token = crypto.cifra("Finzionelli")
    assert crypto.decifra(token) == "Finzionelli"
    for alterato in (manomesso(token, 30), manomesso(token, 60), manomesso(token, 5),
                     token[:-4], token[:-8] + token[-4:], token.replace(token[50], "A" if token[50] != "A" else "B", 1),
                     "non-un-token", ""):
        with pytest.raises(crypto.DatoCifratoCorrotto):
            crypto.decifra(alterato)


def test_token_written_with_an_unknown_key_raises_dato_cifrato_corrotto(app, chiavi_originali):
    from app import crypto

    estraneo = Fernet(Fernet.generate_key()).encrypt(b"Finzionelli").decode()
    with pytest.raises(crypto.DatoCifratoCorrotto):
        crypto.decifra(estraneo)


def test_tampered_column_in_the_database_raises_on_read_and_never_shows_garbage(app, chiavi_originali):
    from sqlalchemy import text

    from app import crypto, models as m
    from app.extensions import db
    from app.security import come_sistema

    dp_id, bid, cf, cognome = prima_dp_di(app, "cav.crema")
    with app.app_context(), come_sistema():
        originale = db.session.execute(text("SELECT cognome FROM lia_dati_personali WHERE id = :id"),
                                       {"id": dp_id}).scalar_one()
        try:
            db.session.execute(text("UPDATE lia_dati_personali SET cognome = :v WHERE id = :id"),
                               {"v": manomesso(originale), "id": dp_id})
            db.session.commit()
            db.session.expunge_all()
            with pytest.raises(crypto.DatoCifratoCorrotto):
                db.session.execute(db.select(m.DatiPersonali).where(m.DatiPersonali.id == dp_id)).scalar_one()
            db.session.rollback()

            # Through the screen: an Italian 500 page, nothing of hers, the error logged by type only.
            propaga = app.config.get("PROPAGATE_EXCEPTIONS")
            app.config["PROPAGATE_EXCEPTIONS"] = False
            try:
                r = login(app.test_client(), "cav.crema").get(f"/datipersonaliview/show/{dp_id}")
            finally:
                app.config["PROPAGATE_EXCEPTIONS"] = propaga
            testo = r.get_data(as_text=True)
            assert r.status_code == 500
            assert "Errore interno" in testo
            assert cf not in testo and cognome not in testo
        finally:
            db.session.rollback()
            db.session.execute(text("UPDATE lia_dati_personali SET cognome = :v WHERE id = :id"),
                               {"v": originale, "id": dp_id})
            db.session.commit()
            db.session.expunge_all()
        assert db.session.get(m.DatiPersonali, dp_id).cognome == cognome
        db.session.remove()


# --- key rotation ---------------------------------------------------------------------------------

def test_multifernet_rotation_keeps_old_tokens_readable_and_reencrypts_with_new_key(app, chiavi_originali):
    from app import crypto

    chiavi, indice = chiavi_originali
    vecchia = chiavi.split(",")[0].strip()
    nuova = Fernet.generate_key().decode()

    crypto.configura(vecchia, indice)
    token_vecchio = crypto.cifra("Inventatini")

    crypto.configura(f"{nuova},{vecchia}", indice)
    assert crypto.decifra(token_vecchio) == "Inventatini"
    # New values are written with the first (newest) key.
    assert Fernet(nuova.encode()).decrypt(crypto.cifra("Esempiaro").encode()) == b"Esempiaro"
    ruotato = crypto.ruota(token_vecchio)
    assert ruotato != token_vecchio
    assert Fernet(nuova.encode()).decrypt(ruotato.encode()) == b"Inventatini"
    with pytest.raises(InvalidToken):
        Fernet(vecchia.encode()).decrypt(ruotato.encode())

    # Once the old key is retired, rotated tokens still read and unrotated ones do not.
    crypto.configura(nuova, indice)
    assert crypto.decifra(ruotato) == "Inventatini"
    with pytest.raises(crypto.DatoCifratoCorrotto):
        crypto.decifra(token_vecchio)
    with pytest.raises(crypto.DatoCifratoCorrotto):
        crypto.decifra(manomesso(ruotato))


def test_cli_ruota_chiave_reencrypts_every_personal_value_and_back(app, chiavi_originali):
    from sqlalchemy import text

    from app import crypto
    from app.extensions import db
    from app.security import come_sistema

    chiavi, indice = chiavi_originali
    vecchia = chiavi.split(",")[0].strip()
    nuova = Fernet.generate_key().decode()
    colonne = "nome, cognome, codice_fiscale, data_nascita, telefono, email, indirizzo, comune"

    def grezzi():
        with app.app_context(), come_sistema():
            righe = db.session.execute(text(f"SELECT {colonne} FROM lia_dati_personali ORDER BY id")).all()
            db.session.remove()
        return [v for r in righe for v in r if v is not None]

    prima = grezzi()
    chiaro = [Fernet(vecchia.encode()).decrypt(v.encode()) for v in prima]
    runner = app.test_cli_runner()
    try:
        crypto.configura(f"{nuova},{vecchia}", indice)
        esito = runner.invoke(args=["lia", "ruota-chiave"])
        assert esito.exit_code == 0, esito.output
        dopo = grezzi()
        assert [Fernet(nuova.encode()).decrypt(v.encode()) for v in dopo] == chiaro
    finally:
        crypto.configura(f"{vecchia},{nuova}", indice)
        esito = runner.invoke(args=["lia", "ruota-chiave"])
        crypto.configura(chiavi, indice)
    assert esito.exit_code == 0, esito.output
    assert [Fernet(vecchia.encode()).decrypt(v.encode()) for v in grezzi()] == chiaro


# --- blind-index search -------------------------------------------------------------------------

def test_cf_search_api_finds_her_own_woman_by_cf(app):
    dp_id, bid, cf, _ = prima_dp_di(app, "cav.crema")
    c = app.test_client()
    a = ApiClient(c, token_per(c, "cav.crema"))
    for forma in (cf, cf.lower(), f" {cf[:6]} {cf[6:]} "):
        r = a.post("/api/v1/datipersonali/cerca", json={"codice_fiscale": forma})
        assert r.status_code == 200, f"{forma!r}: {r.status_code} {r.get_data(as_text=True)[:200]}"
        assert r.get_json()["result"]["beneficiaria_id"] == bid


def test_cf_search_api_answers_404_for_another_cavs_woman(app):
    _, bid, cf, cognome = prima_dp_di(app, "cav.cremona")
    c = app.test_client()
    a = ApiClient(c, token_per(c, "cav.crema"))
    r = a.post("/api/v1/datipersonali/cerca", json={"codice_fiscale": cf})
    assert r.status_code == 404, f"{r.status_code} {r.get_data(as_text=True)[:200]}"
    assert cf not in r.get_data(as_text=True) and cognome not in r.get_data(as_text=True)


def test_cf_search_form_opens_her_own_woman_only(app):
    _, bid_propria, cf_proprio, _ = prima_dp_di(app, "cav.crema")
    _, bid_altrui, cf_altrui, cognome_altrui = prima_dp_di(app, "cav.cremona")
    c = login(app.test_client(), "cav.crema")
    token = csrf_da(c.get("/cerca-cf/form").get_data(as_text=True))
    r = c.post("/cerca-cf/form", data={"codice_fiscale": cf_proprio.lower(), "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/beneficiariaview/show/{bid_propria}")
    r = c.post("/cerca-cf/form", data={"codice_fiscale": cf_altrui, "csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200
    testo = r.get_data(as_text=True)
    assert "Nessuna beneficiaria del tuo centro" in testo
    assert f"/beneficiariaview/show/{bid_altrui}" not in testo and cognome_altrui not in testo


# --- logs -----------------------------------------------------------------------------------------

@pytest.fixture
def log_completo(caplog):
    """Every logger at DEBUG, enabled, and reaching caplog (restored afterwards)."""
    salvati = []
    caplog.set_level(logging.DEBUG)
    for nome, lg in list(logging.root.manager.loggerDict.items()):
        if not isinstance(lg, logging.Logger):
            continue
        salvati.append((lg, lg.level, lg.disabled, lg.propagate))
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
        if not lg.propagate:
            lg.addHandler(caplog.handler)
    yield caplog
    for lg, livello, disabilitato, propaga in salvati:
        lg.setLevel(livello)
        lg.disabled = disabilitato
        if not propaga:
            lg.removeHandler(caplog.handler)


def _fa(client, metodo, url, **kw):
    """A request whose exception (if any) is logged by the app, not raised into the test."""
    try:
        return getattr(client, metodo)(url, **kw)
    except Exception:  # noqa: BLE001
        return None


def _richieste_di_tutti(app, dp_crema, bid_crema, cf_crema, cognome_crema, nome_crema, telefono_crema,
                        dp_cremona, bid_cremona, cf_cremona, libera_id, inviati):
    cav = login(app.test_client(), "cav.crema")
    for url in ("/datipersonaliview/list/", f"/datipersonaliview/show/{dp_crema}", f"/beneficiariaview/show/{bid_crema}",
                f"/datipersonaliview/edit/{dp_crema}", f"/datipersonaliview/show/{dp_cremona}"):
        _fa(cav, "get", url)
    token = csrf_da(cav.get("/datipersonaliview/add").get_data(as_text=True))
    # Errors: an invalid CF with her real name and phone; the CF search form, own and foreign.
    _fa(cav, "post", "/datipersonaliview/add", data={"beneficiaria": str(libera_id), "nome": nome_crema,
                                             "cognome": cognome_crema, "telefono": telefono_crema,
                                             "codice_fiscale": "RSSMRA80A41Z999X", "csrf_token": token})
    _fa(cav, "post", "/datipersonaliview/add", data={"beneficiaria": str(libera_id), "nome": inviati[0], "cognome": inviati[1],
                                             "telefono": inviati[2], "email": inviati[3], "indirizzo": inviati[4],
                                             "data_nascita": "31/02/1990", "csrf_token": token})
    _fa(cav, "post", "/cerca-cf/form", data={"codice_fiscale": cf_crema, "csrf_token": token})
    _fa(cav, "post", "/cerca-cf/form", data={"codice_fiscale": cf_cremona, "csrf_token": token})

    c = app.test_client()
    a = ApiClient(c, token_per(c, "cav.crema"))
    _fa(a, "get", "/api/v1/datipersonali/?q=(page_size:100)")
    _fa(a, "get", f"/api/v1/datipersonali/{dp_crema}")
    _fa(a, "get", f"/api/v1/datipersonali/{dp_cremona}")
    _fa(a, "get", "/api/v1/datipersonali/cerca", query_string={"codice_fiscale": cf_crema})
    _fa(a, "get", "/api/v1/datipersonali/cerca", query_string={"codice_fiscale": cf_cremona})
    _fa(a, "post", "/api/v1/datipersonali/", json={"beneficiaria": libera_id, "nome": nome_crema, "cognome": cognome_crema,
                                           "codice_fiscale": "RSSMRA80A41Z999X"})
    _fa(a, "post", "/api/v1/datipersonali/", json={"beneficiaria": libera_id, "nome": inviati[0], "cognome": inviati[1],
                                           "telefono": inviati[2], "email": inviati[3], "indirizzo": inviati[4],
                                           "data_nascita": "1990-02-31"})
    _fa(a, "post", "/api/v1/datipersonali/", json={"beneficiaria": bid_cremona, "nome": inviati[0], "cognome": inviati[1]})

    for username in ("capofila", "equipe.crema", "regione", "servizi.cpi"):
        u = login(app.test_client(), username)
        _fa(u, "get", "/beneficiariaview/list/")
        _fa(u, "get", f"/beneficiariaview/show/{bid_crema}")
        _fa(u, "get", f"/datipersonaliview/show/{dp_crema}")
    _fa(app.test_client(), "get", f"/api/v1/datipersonali/{dp_crema}")


def test_logs_at_debug_carry_no_personal_data_during_normal_and_failing_requests(app, pii, log_completo):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    dp_crema, bid_crema, cf_crema, cognome_crema = prima_dp_di(app, "cav.crema")
    dp_cremona, bid_cremona, cf_cremona, _ = prima_dp_di(app, "cav.cremona")
    propria = pii[bid_crema]
    from app.servizi.beneficiarie import prossimo_codice

    with app.app_context(), come_sistema():
        dp = db.session.get(m.DatiPersonali, dp_crema)
        nome_crema, telefono_crema = dp.nome, dp.telefono
        # A woman of hers without personal data yet, for the failing creates below.
        libera = m.Beneficiaria(ente_id=ente_di(app, "cav.crema"), ambito=dp.beneficiaria.ambito,
                                data_presa_in_carico=date(2024, 6, 1), anno=2024)
        libera.progressivo, libera.codice = prossimo_codice(dp.beneficiaria.ambito, 2024)
        db.session.add(libera)
        db.session.commit()
        libera_id = libera.id
        db.session.remove()
    # New personal values submitted in the failing requests: they must not be logged either.
    inviati = ["Zenobia", "Logtestini", "+39 333 444 5555", "zenobia.logtestini@esempio.invalid", "Via dei Log 7"]
    log_completo.clear()
    try:
        _richieste_di_tutti(app, dp_crema, bid_crema, cf_crema, cognome_crema, nome_crema, telefono_crema,
                            dp_cremona, bid_cremona, cf_cremona, libera_id, inviati)
    finally:
        with app.app_context(), come_sistema():
            db.session.query(m.DatiPersonali).filter_by(beneficiaria_id=libera_id).delete()
            db.session.query(m.Beneficiaria).filter_by(id=libera_id).delete()
            db.session.commit()
            db.session.remove()

    cercatore = regex_parole(tutti_i_valori(pii) | set(inviati))
    formatore = logging.Formatter()
    colpevoli = {}
    for rec in log_completo.records:
        testo = rec.getMessage()
        if rec.exc_info:
            testo += "\n" + formatore.formatException(rec.exc_info)
        trovati = {m_.group(0) for m_ in cercatore.finditer(testo)}
        if trovati:
            chiave = (rec.name, rec.levelname, rec.getMessage()[:60])
            colpevoli.setdefault(chiave, set()).update(trovati)
    assert len(log_completo.records) > 10, "cattura dei log non attiva"
    assert not colpevoli, "dati personali nei log:\n" + "\n".join(
        f"  {nome} [{livello}] {msg!r}: {sorted(v)[:4]}" for (nome, livello, msg), v in colpevoli.items())
    assert not cercatore.findall(log_completo.text)
    assert propria["valori"]  # the scan covered her values too


# --- production configuration ---------------------------------------------------------------------

def _segreti_di_sviluppo():
    """The values once published as development defaults (app.segreti refuses them), and a
    valid audit key, as an installation upgraded from those defaults would have."""
    from app.segreti import VALORI_PUBBLICI

    pubblici = {k: next(iter(v)) for k, v in VALORI_PUBBLICI.items() if v}
    return {**pubblici, "LIA_AUDIT_KEY": "a" * 43, "LIA_SEGRETI_FILE": None}


def test_production_with_development_secrets_refuses_to_start(app):
    import app as pacchetto
    from app import crypto

    token = crypto.cifra("prova")
    sviluppo = _segreti_di_sviluppo()
    with pytest.raises(pacchetto.ConfigurazioneNonSicura) as err:
        pacchetto.create_app({"LIA_ENV": "production", **sviluppo})
    messaggio = str(err.value)
    for chiave in ("SECRET_KEY", "LIA_ENCRYPTION_KEYS", "LIA_BLIND_INDEX_KEY"):
        assert chiave in messaggio
        assert sviluppo[chiave] not in messaggio
    # The refused start touched nothing of the running app.
    assert crypto.decifra(token) == "prova"


@pytest.mark.parametrize("sovrascrive, difetto", [
    ({"SECRET_KEY": "una-chiave-vera-e-lunga"}, "LIA_ENCRYPTION_KEYS"),
    ({"SECRET_KEY": "una-chiave-vera-e-lunga", "LIA_BLIND_INDEX_KEY": "indice-vero"}, "LIA_ENCRYPTION_KEYS"),
    ({"LIA_ENCRYPTION_KEYS": "NUOVA", "LIA_BLIND_INDEX_KEY": "indice-vero"}, "SECRET_KEY"),
    ({"SECRET_KEY": "una-chiave-vera-e-lunga", "LIA_ENCRYPTION_KEYS": "NUOVA,DEV"}, "LIA_ENCRYPTION_KEYS"),
    ({"SECRET_KEY": "una-chiave-vera-e-lunga", "LIA_ENCRYPTION_KEYS": "NUOVA"}, "LIA_BLIND_INDEX_KEY"),
], ids=["solo-secret", "secret-e-indice", "chiavi-ma-secret-dev", "dev-come-chiave-vecchia", "indice-dev"])
def test_production_with_any_development_secret_left_refuses_to_start(app, sovrascrive, difetto):
    import app as pacchetto

    sviluppo = _segreti_di_sviluppo()
    nuova = Fernet.generate_key().decode()
    valori = {k: v.replace("NUOVA", nuova).replace("DEV", sviluppo["LIA_ENCRYPTION_KEYS"])
              for k, v in sovrascrive.items()}
    with pytest.raises(pacchetto.ConfigurazioneNonSicura) as err:
        pacchetto.create_app({"LIA_ENV": "production", **sviluppo, **valori})
    assert f"{difetto} è un valore di sviluppo" in str(err.value)


def test_failed_create_logs_no_personal_data_at_default_levels(app, pii, caplog):
    """Production logging (INFO and above, library defaults): a create that fails in the database
    layer must not put what was typed into the error log."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema
    from app.servizi.beneficiarie import prossimo_codice

    caplog.set_level(logging.INFO)
    with app.app_context(), come_sistema():
        cav = db.session.query(m.Ente).filter_by(nome="Centro Antiviolenza di Crema").one()
        libera = m.Beneficiaria(ente=cav, ambito=cav.ambito, data_presa_in_carico=date(2024, 6, 2), anno=2024)
        libera.progressivo, libera.codice = prossimo_codice(cav.ambito, 2024)
        db.session.add(libera)
        db.session.commit()
        libera_id = libera.id
        db.session.remove()
    inviati = {"nome": "Zenaide", "cognome": "Erroretti", "telefono": "+39 333 777 8888",
               "email": "zenaide.erroretti@esempio.invalid", "indirizzo": "Via dell'Errore 3"}
    caplog.clear()
    try:
        c = app.test_client()
        a = ApiClient(c, token_per(c, "cav.crema"))
        for nascita in ("1990-02-15", "1990-02-31"):
            _fa(a, "post", "/api/v1/datipersonali/", json={"beneficiaria": libera_id, "data_nascita": nascita, **inviati})
        f = login(app.test_client(), "cav.crema")
        token = csrf_da(f.get("/datipersonaliview/add").get_data(as_text=True))
        _fa(f, "post", "/datipersonaliview/add", data={"beneficiaria": str(libera_id), "data_nascita": "1990-02-15",
                                                       "csrf_token": token, **inviati})
    finally:
        with app.app_context(), come_sistema():
            db.session.query(m.DatiPersonali).filter_by(beneficiaria_id=libera_id).delete()
            db.session.query(m.Beneficiaria).filter_by(id=libera_id).delete()
            db.session.commit()
            db.session.remove()
    cercatore = regex_parole(set(inviati.values()) | tutti_i_valori(pii))
    formatore = logging.Formatter()
    colpevoli = []
    for rec in caplog.records:
        testo = rec.getMessage() + ("\n" + formatore.formatException(rec.exc_info) if rec.exc_info else "")
        trovati = sorted(set(cercatore.findall(testo)))
        if trovati:
            colpevoli.append(f"{rec.name} [{rec.levelname}] {rec.getMessage()[:60]!r}: {trovati}")
    assert not colpevoli, "dati personali nei log:\n" + "\n".join(colpevoli)


@pytest.mark.parametrize("username", ["cav.cremona", "cav.crema"])
def test_the_list_of_identities_decrypts_only_what_it_shows(app, pii, username, monkeypatch):
    """Data minimisation: the list of identifying data shows surname, name and town, and only those
    are decrypted; her codice fiscale, birth date, phone, e-mail and address stay ciphertext until
    her own page is opened."""
    from app import crypto

    tenute = [b for b, d in pii.items() if d["ente_id"] == ente_di(app, username)]
    client = login(app.test_client(), username)
    decifrati = []
    originale = crypto.decifra
    monkeypatch.setattr(crypto, "decifra", lambda token: decifrati.append(token) or originale(token))
    r = client.get("/datipersonaliview/list/")
    assert r.status_code == 200
    righe = len(set(re.findall(r"/datipersonaliview/show/(\d+)", r.get_data(as_text=True))))
    assert righe == min(len(tenute), 25)
    assert righe and 2 * righe <= len(decifrati) <= 3 * righe
