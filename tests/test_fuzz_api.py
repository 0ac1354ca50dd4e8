"""The REST API under a property-based fuzz built from its own OpenAPI document (schemathesis),
as one CAV, the capofila and the Regione: no answer is a 5xx, no answer carries the personal
data of a woman the caller does not hold, every 4xx speaks Italian. Then the bad input a
longer fuzz found (issue 10), one deterministic test each.

The fuzz writes random records (POST/PUT/DELETE), so it runs on an app of its own on a database
of its own (a temporary SQLite file, or a second PostgreSQL database on the DATABASE_URL server),
never on the session's shared one. Hypothesis runs derandomized, without shrinking and without
an example database: the same requests every run, in a bounded time.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections import Counter
from contextlib import contextmanager

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.definitions import OPENAPI_30

from conftest import PASSWORD, token_per

RUOLI = ["cav.crema", "capofila", "regione"]
# Examples per operation and generation mode (valid and invalid data): ~140 operations.
ESEMPI = int(os.environ.get("LIA_FUZZ_ESEMPI", "10"))
# Login and refresh belong to the authentication tests (rate limits, lockout); generating the
# document costs half a second and it is validated on its own below.
ESCLUSE = r"^/api/v1/security/|/_openapi$"
# schemathesis' invalid data breaks one part of a request, most often the first related id, which
# is refused before the other fields are read: a field of a well-formed body also gets one of these.
VALORI_OSTILI = st.one_of(
    st.booleans(), st.none(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),  # a NaN literal: schemathesis will not send it (test below)
    st.sampled_from(["NaN", "sNaN", "-Infinity", "1e400", "١٢", "１２,50", "2024-02-30", "99999-12-31", "0x10", "\x00"]),
    st.text(max_size=12), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
# Words of FAB's and marshmallow's English defaults: none may reach a user.
INGLESE = re.compile(r"(?i)\b(not|is|are|must|field|invalid|missing|required|unknown|error|found|request|"
                     r"cannot|could|length|between|one of|allowed|expected|entity|argument)\b")


# --- an app and a database of its own ----------------------------------------------------

@contextmanager
def _database_separato(cartella):
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield f"sqlite:///{cartella}/fuzz.db"
        return
    from sqlalchemy import create_engine, make_url, text

    import config

    base = make_url(config.SQLALCHEMY_DATABASE_URI)
    nome = f"{base.database}_fuzz"
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{nome}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{nome}"'))
    try:
        yield base.set(database=nome).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{nome}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="module")
def app_fuzz(app):
    from app import create_app, segreti
    from app.extensions import db

    with tempfile.TemporaryDirectory(prefix="lia-fuzz-") as cartella, _database_separato(cartella) as url:
        application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                                  "LIA_UPLOAD_DIR": os.path.join(cartella, "allegati"),
                                  # the suite logs in from one address many times (see conftest)
                                  "LIA_LIMITE_LOGIN": "100000 per minute",
                                  # the session app's keys: create_app configures the process's cipher
                                  **{k: app.config[k] for k in (*segreti.SEGRETI, "LIA_SEGRETI_FILE")}})
        with application.app_context():
            from flask_migrate import upgrade

            from app.cli import carica_programma, init_roles
            from app.demo import carica_demo
            from app.security import come_sistema

            upgrade()
            init_roles()
            carica_programma()
            with come_sistema():
                carica_demo(PASSWORD)
            db.session.remove()
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def _dati_personali(app, username) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """The decrypted personal values of the women the user does not hold, {value: (code, field)},
    less those a woman she holds shares (the demo's invented surnames repeat across CAVs); and
    the values of her own women."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        ente = app.appbuilder.sm.find_user(username=username).ente_id
        altrui, propri = {}, set()
        for dp in db.session.query(m.DatiPersonali).all():
            campi = {"nome": dp.nome, "cognome": dp.cognome, "codice_fiscale": dp.codice_fiscale,
                     "telefono": dp.telefono, "email": dp.email, "indirizzo": dp.indirizzo}
            if dp.data_nascita:
                campi |= {"data_nascita": dp.data_nascita.isoformat(),
                          "data_nascita ": dp.data_nascita.strftime("%d/%m/%Y")}
            for campo, valore in campi.items():
                if not valore:
                    continue
                if dp.beneficiaria.ente_id == ente:
                    propri.add(valore)
                else:
                    altrui[valore] = (dp.beneficiaria.codice, campo.strip())
        db.session.remove()
    return {v: chi for v, chi in altrui.items() if v not in propri}, propri


def _cerca(valori):
    return re.compile("|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in sorted(valori, key=len, reverse=True)))


def _messaggi(corpo):
    """Every string under the "message" of a JSON error body (marshmallow nests them by field)."""
    if not isinstance(corpo, dict) or "message" not in corpo:
        return []
    pila, out = [corpo["message"]], []
    while pila:
        v = pila.pop()
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            pila.extend(v.values())
        elif isinstance(v, list):
            pila.extend(v)
    return out


# --- the OpenAPI document -------------------------------------------------------------------

def test_openapi_document_is_valid_so_the_fuzzer_reaches_every_operation(app_fuzz):
    c = app_fuzz.test_client()
    intestazioni = {"Authorization": f"Bearer {token_per(c, 'cav.crema')}"}
    documento = c.get("/api/v1/_openapi", headers=intestazioni).get_json()
    errori = sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                    for e in jsonschema.Draft4Validator(OPENAPI_30).iter_errors(documento))
    assert not errori, "\n".join(errori)

    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app_fuzz, headers=intestazioni)
    operazioni, non_generabili = set(), []
    for risultato in schema.get_all_operations():
        if not isinstance(risultato, Ok):
            non_generabili.append(str(risultato.err())[:300])
            continue
        op = risultato.ok()

        # A definition schemathesis cannot turn into data fails while generating, as in the fuzz.
        @settings(max_examples=1, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def genera(case):
            pass

        try:
            genera()
        except Exception as exc:  # noqa: BLE001  (any error is the finding)
            non_generabili.append(f"{op.label}: {str(exc)[:300]}")
        operazioni.add(op.label)
    assert not non_generabili, "\n".join(non_generabili)
    for attesa in ("POST /api/v1/progetto/{pk}/transizione", "POST /api/v1/progetto/", "PUT /api/v1/progetto/{pk}",
                   "GET /api/v1/progetto/{pk}/storico", "POST /api/v1/spesa/"):
        assert attesa in operazioni


# --- the fuzz -------------------------------------------------------------------------------

@pytest.mark.parametrize("utente", RUOLI)
def test_fuzz_api_no_5xx_no_other_cavs_personal_data_italian_4xx(app_fuzz, utente, capsys):
    altrui, propri = _dati_personali(app_fuzz, utente)
    assert altrui, "nessun dato personale altrui da cercare: il controllo non proverebbe nulla"
    trova_altrui, trova_propri = _cerca(altrui), _cerca(propri) if propri else None

    intestazioni = {"Authorization": f"Bearer {token_per(app_fuzz.test_client(), utente)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app_fuzz, headers=intestazioni)
    schema = schema.exclude(path_regex=ESCLUSE)
    schema.config.update(headers=intestazioni)

    richieste, esiti, fallimenti, inglese = Counter(), Counter(), [], set()
    inizio = time.monotonic()
    for risultato in schema.get_all_operations():
        if not isinstance(risultato, Ok):
            fallimenti.append(f"documento: {risultato.err()}")
            continue
        op = risultato.ok()
        strategia = st.one_of(op.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
                              op.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE))

        @settings(max_examples=ESEMPI * 2, deadline=None, derandomize=True, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategia, dati=st.data())
        def prova(case, dati):
            if isinstance(case.body, dict) and case.body and dati.draw(st.booleans()):
                case.body[dati.draw(st.sampled_from(sorted(case.body)))] = dati.draw(VALORI_OSTILI)
            risposta = case.call()
            richieste[op.label] += 1
            esiti[f"{risposta.status_code // 100}xx"] += 1
            case.validate_response(risposta, checks=[not_a_server_error])
            tipo = risposta.headers.get("Content-Type", "")
            # A document (the relazione finale's docx) is not text: scanned as bytes, never decoded
            # as UTF-8 (its own test reads it back and scans every paragraph).
            testo = risposta.text if "json" in tipo or tipo.startswith("text/") else risposta.content.decode("latin-1")
            trovati = {altrui[t] for t in trova_altrui.findall(testo)}
            # Name the woman's code and the field, never the value: this message reaches logs.
            assert not trovati, f"{op.label} risponde con dati personali altrui: {sorted(trovati)}"
            if trova_propri is not None and trova_propri.search(testo):
                esiti["con dati personali propri"] += 1
            if 400 <= risposta.status_code < 500:
                try:
                    corpo = json.loads(testo)
                except ValueError:
                    corpo = None
                inglese.update(f"{op.label}: {m}" for m in _messaggi(corpo) if INGLESE.search(m))

        try:
            prova()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001  (collect, then go on)
            fallimenti.append(f"{op.label}: {str(exc)[:2000]}")

    totale = sum(richieste.values())
    with capsys.disabled():
        print(f"\nfuzz API come {utente}: {totale} richieste su {len(richieste)} operazioni in "
              f"{time.monotonic() - inizio:.0f} s, {dict(sorted(esiti.items()))}")
    assert not fallimenti, "\n\n".join(fallimenti)
    assert not inglese, "messaggi 4xx in inglese:\n" + "\n".join(sorted(inglese))
    assert len(richieste) >= 100, f"operazioni provate: {len(richieste)}"
    if propri:  # the scan finds personal values where they may be: it would find them where not
        assert esiti["con dati personali propri"] > 0


# --- the bad input the fuzz found, one test each (issue 10) ---------------------------------

def assert_4xx_italiano(r, *codici):
    corpo = r.get_json(silent=True)
    assert r.status_code in codici, f"{r.status_code}: {r.get_data(as_text=True)[:300]}"
    messaggi = _messaggi(corpo)
    assert messaggi, f"nessun messaggio nella risposta: {corpo!r}"
    inglesi = [m for m in messaggi if INGLESE.search(m)]
    assert not inglesi, f"messaggi in inglese: {inglesi}"
    return corpo


def _un_progetto(api):
    progetti = api.get("/api/v1/progetto/").get_json()["result"]
    assert progetti, "l'utente demo non vede progetti"
    return progetti[0]["id"]


ID_FUORI_SCALA = ["9223372036854775808", "2147483648", "99999999999999999999999", "abc", "1.5", "١٢", "0"]


@pytest.mark.parametrize("pk", ID_FUORI_SCALA)
def test_record_id_that_cannot_exist_is_not_found_on_every_route(pk, api_di, client_di):
    api = api_di("capofila")
    for metodo, url in [("get", f"/api/v1/beneficiaria/{pk}"), ("put", f"/api/v1/spesa/{pk}"),
                        ("delete", f"/api/v1/iscrizionelaboratorio/{pk}"), ("get", f"/api/v1/progetto/{pk}/storico"),
                        ("post", f"/api/v1/progetto/{pk}/transizione"),
                        ("get", f"/api/v1/laboratorio/sessione/{pk}/presenze")]:
        kw = {"json": {"verso": "in_corso"}} if metodo in ("put", "post") else {}
        # Not digits at all: `/<int:pk>/…` routes do not even match (404, or 405 via `/<pk>`).
        assert_4xx_italiano(getattr(api, metodo)(url, **kw), 404, 405)
    # The same guard holds for the screens, whose routes name the record `pk` too.
    assert client_di("cav.crema").get(f"/beneficiariaview/show/{pk}").status_code == 404


def test_related_id_past_the_database_integers_is_refused(api_di):
    r = api_di("cav.crema").post("/api/v1/segnalazione/", json={"beneficiaria": 2**63, "data": "2024-01-10",
                                                                "area_richiesta": "lavoro"})
    assert "beneficiaria" in assert_4xx_italiano(r, 422)["message"]


@pytest.mark.parametrize("valore", [False, 3, 1.5, ["lavoro"], {"a": 1}])
def test_choice_field_with_a_boolean_or_a_number_is_422(valore, api_di):
    api = api_di("cav.crema")
    r = api.put(f"/api/v1/progetto/{_un_progetto(api)}", json={"area": valore})
    assert "area" in assert_4xx_italiano(r, 422)["message"]


_ELENCHI = ("/api/v1/beneficiaria/", "/api/v1/spesa/")


@pytest.mark.parametrize("q, urls", [
    (q, _ELENCHI + ("/api/v1/beneficiaria/_info", "/api/v1/progetto/1"))
    for q in ("1e%2B16", "1e+16", "NaN", "!t", "%7B%22page%22%3A1e400%7D", "(page:99999999999999999999)",
              "(filters:!((col:codice,opr:eq,value:99999999999999999999)))", "(keys:!(xyz))")
] + [
    (q, _ELENCHI) for q in ("(page_size:1e400)", "(order_column:codice,order_direction:sideways)",
                            "(order_column:xyz)", "(filters:!((col:nome,opr:eq,value:x)))")
])
def test_odd_q_argument_is_400_in_italian(q, urls, api_di):
    api = api_di("capofila")
    for url in urls:
        assert_4xx_italiano(api.get(f"{url}?q={q}"), 400)


def test_negative_or_decimal_page_is_read_as_on_sqlite(api_di):
    api = api_di("capofila")
    prima = api.get("/api/v1/spesa/?q=(page:0,page_size:5)").get_json()["ids"]
    assert prima
    for q in ("(page:-1,page_size:5)", "(page:-3,page_size:5.0)", "(page:0.0,page_size:5)"):
        r = api.get(f"/api/v1/spesa/?q={q}")
        assert r.status_code == 200 and r.get_json()["ids"] == prima, f"{q}: {r.status_code}"
    assert api.get("/api/v1/spesa/_info?q=(add_columns:(progetto:(page:-1,page_size:5)))").status_code == 200


def test_filter_values_the_database_cannot_compare_are_400_on_every_search_column(app, api_di):
    """Every search column of every API, with each of its operators, against values of the wrong
    type: FAB passes them as sent (`ct` with a number fails in Python; text against a boolean or
    a number fails on PostgreSQL)."""
    import prison

    from app.api import LiaModelRestApi

    ostili = ["abc", -1, 1.5, True, ["x"], [1], "2024-13-45"]
    api = api_di("capofila")
    provati = 0
    with app.app_context():
        filtri = {(f"/api/v1/{v.resource_name}/", col, f.arg_name)
                  for v in app.appbuilder.baseviews if isinstance(v, LiaModelRestApi)
                  for col, lista in v._filters.get_search_filters().items() for f in lista}
    for url, col, opr in sorted(filtri):
        for valore in ostili:
            q = prison.dumps({"filters": [{"col": col, "opr": opr, "value": valore}], "page_size": 1})
            r = api.get(url, query_string={"q": q})
            provati += 1
            assert r.status_code < 500, f"{url} {col} {opr} {valore!r}: {r.status_code}"
            if r.status_code >= 400:
                assert_4xx_italiano(r, r.status_code)
    assert provati > 300


def test_json_body_over_10_mb_is_413_not_500(api_di):
    api = api_di("cav.crema")
    corpo = b'{"obiettivi": "' + b"x" * (10 * 1024 * 1024 + 1) + b'"}'
    for metodo, url in [("put", f"/api/v1/progetto/{_un_progetto(api)}"), ("post", "/api/v1/spesa/")]:
        r = getattr(api.client, metodo)(url, data=corpo, headers={**api._h(), "Content-Type": "application/json"})
        assert_4xx_italiano(r, 413)


@pytest.mark.parametrize("valore", [float("nan"), float("inf"), "NaN", "sNaN", "-Infinity", "1e400", 1e308])
def test_nan_infinity_and_huge_numbers_are_422(valore, api_di):
    api = api_di("cav.crema")
    progetto = _un_progetto(api)
    r = api.put(f"/api/v1/progetto/{progetto}", json={"budget_asse_ii": valore})
    assert "budget_asse_ii" in assert_4xx_italiano(r, 422)["message"]
    r = api.post("/api/v1/spesa/", json={"progetto": progetto, "voce": 1, "importo": valore, "data": "2024-03-01"})
    assert "importo" in assert_4xx_italiano(r, 422)["message"]


@pytest.mark.parametrize("cifre", ["١٢", "１２", "۱۲"])
def test_digits_of_other_scripts_are_422_in_every_number_field(cifre, api_di):
    api = api_di("cav.crema")
    progetto = _un_progetto(api)
    ambito = api.get("/api/v1/ambito/").get_json()["result"][0]["id"]
    for url, corpo, campo in [
        ("/api/v1/beneficiaria/", {"ambito": ambito, "data_presa_in_carico": "2024-01-01", "fascia_eta": "30-39",
                                   "cittadinanza": "italiana", "figli_minori": cifre, "relazione_autore": "partner",
                                   "condizione_occupazionale": "disoccupata"}, "figli_minori"),
        ("/api/v1/spesa/", {"progetto": progetto, "voce": 1, "importo": f"{cifre},50", "data": "2024-03-01"}, "importo"),
    ]:
        assert campo in assert_4xx_italiano(api.post(url, json=corpo), 422)["message"]
    r = api.put(f"/api/v1/progetto/{progetto}", json={"budget_asse_iii": cifre})
    assert "budget_asse_iii" in assert_4xx_italiano(r, 422)["message"]


def test_fab_and_jwt_own_answers_are_italian(app, api_di):
    assert_4xx_italiano(api_di("capofila").get("/api/v1/beneficiaria/2147483647"), 404)
    assert_4xx_italiano(api_di("regione").post("/api/v1/beneficiaria/", json={}), 403)
    assert_4xx_italiano(api_di("cav.crema").post("/api/v1/laboratorio/", json={"edizione": "x"}), 403)
    token = api_di("cav.crema").token
    c = app.test_client()
    for intestazioni, codice in [({}, 401), ({"Authorization": "Basic abc"}, 401), ({"Authorization": "Bearer abc"}, 422),
                                 ({"Authorization": f"Bearer {token[:-4]}AAAA"}, 422)]:
        assert_4xx_italiano(c.get("/api/v1/beneficiaria/", headers=intestazioni), codice)
    from datetime import timedelta

    from flask_jwt_extended import create_access_token

    with app.app_context():
        scaduto = create_access_token(identity=str(app.appbuilder.sm.find_user(username="cav.crema").id),
                                      expires_delta=timedelta(seconds=-1))
        ignoto = create_access_token(identity="2147483647")
    for token, codice in [(scaduto, 401), (ignoto, 401)]:
        assert_4xx_italiano(c.get("/api/v1/beneficiaria/", headers={"Authorization": f"Bearer {token}"}), codice)


def test_every_validation_message_the_api_can_send_is_italian(app):
    """Each field of each API's add and edit schema, and each of its validators: the messages
    marshmallow and FAB would put in a 422."""
    from app.api import LiaModelRestApi

    inglesi = []
    with app.app_context():
        for vista in app.appbuilder.baseviews:
            if not isinstance(vista, LiaModelRestApi):
                continue
            for schema in (vista.add_model_schema, vista.edit_model_schema):
                for nome, campo in schema.fields.items():
                    testi = [t for t in campo.error_messages.values() if isinstance(t, str)]
                    for validatore in campo.validators:
                        testi += [getattr(validatore, a) for a in ("error", "message_min", "message_max",
                                                                     "message_all", "message_equal")
                                  if isinstance(getattr(validatore, a, None), str)]
                    inglesi += [f"{vista.resource_name}.{nome}: {t}" for t in testi if INGLESE.search(t)]
            inglesi += [f"{vista.resource_name}: {t}" for t in vista.add_model_schema.error_messages.values()
                        if isinstance(t, str) and INGLESE.search(t)]
    assert not inglesi, "\n".join(sorted(set(inglesi)))
