"""A list counts its records up to LIA_CONTEGGIO_MASSIMO, then says "oltre N" (issue 14): the page's
cost stops growing with the perimeter. Under the cap the count is exact, and it is the count of the
user's perimeter, whatever form the perimeter takes (a CAV alone, an équipe, the capofila)."""
from __future__ import annotations

import contextlib
import re

import pytest

from app import models as m
from app.extensions import db
from app.security import come_utente

UTENTI = ("cav.cremona", "cav.crema", "equipe.cremona", "capofila")
ELENCHI = (("beneficiaria", m.Beneficiaria), ("progetto", m.Progetto), ("segnalazione", m.Segnalazione),
           ("spesa", m.Spesa))


def elenchi_di(username):
    if username.startswith("cav."):  # and the identities it holds
        return [*ELENCHI, ("datipersonali", m.DatiPersonali)]
    return [e for e in ELENCHI if not (username.startswith("equipe.") and e[0] == "spesa")]  # not its role's


@contextlib.contextmanager
def conteggio_massimo(app, valore):
    prima = app.config.get("LIA_CONTEGGIO_MASSIMO")
    app.config["LIA_CONTEGGIO_MASSIMO"] = valore
    try:
        yield
    finally:
        app.config["LIA_CONTEGGIO_MASSIMO"] = prima


def visibili(app, username, modello) -> int:
    with app.app_context():
        utente = app.appbuilder.sm.find_user(username=username)
        with come_utente(utente):
            n = db.session.query(modello).count()
        db.session.remove()
    return n


def conteggio_api(api, risorsa, page_size=25):
    r = api.get(f"/api/v1/{risorsa}/?q=(page_size:{page_size})")
    assert r.status_code == 200, r.get_data(as_text=True)
    corpo = r.get_json()
    return corpo["count"], corpo["conteggio_limitato"], len(corpo["result"])


@pytest.mark.parametrize("username", UTENTI)
def test_under_the_cap_the_count_is_the_exact_count_of_the_perimeter(app, api_di, username):
    api = api_di(username)
    for risorsa, modello in elenchi_di(username):
        attesi = visibili(app, username, modello)
        assert attesi > 0, f"{username} non vede nessun {risorsa}: il test non proverebbe nulla"
        for massimo in (0, attesi, 100_000):  # exact; exactly at the cap; the bounded form, far from it
            with conteggio_massimo(app, massimo):
                assert conteggio_api(api, risorsa)[:2] == (attesi, False), (username, risorsa, massimo)


@pytest.mark.parametrize("username", ("cav.crema", "capofila"))
def test_past_the_cap_the_api_says_the_count_is_a_lower_bound(app, api_di, username):
    api = api_di(username)
    for risorsa, modello in ELENCHI:
        attesi = visibili(app, username, modello)
        if attesi < 3:
            continue
        with conteggio_massimo(app, attesi - 2):  # pages of 1: the cap is not raised to the page size
            assert conteggio_api(api, risorsa, page_size=1) == (attesi - 1, True, 1), (username, risorsa)
        # Never a cap under the page: 25 rows on screen are not "more than 1".
        with conteggio_massimo(app, 1):
            count, limitato, righe = conteggio_api(api, risorsa)
        assert (count, limitato) == ((26, True) if attesi > 25 else (attesi, False)), (username, risorsa)
        assert righe == min(attesi, 25)  # the page itself is whole


def test_past_the_cap_the_list_screen_reads_oltre_and_pages_up_to_there(app, client_di):
    client = client_di("capofila")
    attesi = visibili(app, "capofila", m.Beneficiaria)
    assert attesi > 12
    with conteggio_massimo(app, 11):
        pagina = client.get("/beneficiariaview/list/?psize_BeneficiariaView=10")
    assert pagina.status_code == 200
    html = pagina.get_data(as_text=True)
    assert re.search(r"Numero di record:</strong>\s*oltre 11\s*<", html), "il conteggio limitato non si legge"
    assert "__None" not in html
    # 12 records known: pages 1 and 2 of 10, the link to the second one.
    assert "page_BeneficiariaView=1" in html and "page_BeneficiariaView=2" not in html
    # With no cap, the exact number.
    with conteggio_massimo(app, 0):
        html = client.get("/beneficiariaview/list/").get_data(as_text=True)
    assert re.search(rf"Numero di record:</strong>\s*{attesi}\s*<", html)


def test_the_cap_reads_with_the_italian_thousands_separator():
    from app.servizi.interfaccia import ConteggioLimitato

    assert str(ConteggioLimitato(1001)) == "oltre 1.000"
    assert ConteggioLimitato(1001) / 25 > 40  # FAB's pages: the number itself, one page past the cap


def test_postgresql_plans_a_page_s_many_joins_in_their_written_order_for_that_statement_only(app):
    """A page joining 5 relations or more runs with join_collapse_limit = 1 (planning the API spese
    list's 6 outer joins took PostgreSQL 3–10 ms for a 0.3 ms statement); the transaction goes on with
    the default. A page with fewer relations is not worth the setting's two round trips."""
    from sqlalchemy import event

    from app.security import come_sistema
    from app.servizi.interfaccia import InterfacciaLia

    with app.app_context(), come_sistema():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("solo PostgreSQL: SQLite non riordina i join")
        visti = []

        def osserva(conn, cursor, statement, params, context, executemany):
            if "FROM lia_spesa" in statement and "LIMIT" in statement and "count(" not in statement:
                cursor.execute("SHOW join_collapse_limit")
                visti.append(cursor.fetchone()[0])

        predefinito = db.session.execute(db.text("SHOW join_collapse_limit")).scalar()
        molte = ["id", "voce.codice", "progetto.codice", "beneficiaria.codice", "ente_pagatore.nome",
                 "annullata_da.id"]
        event.listen(db.engine, "before_cursor_execute", osserva)
        try:
            _, con_molte = InterfacciaLia(m.Spesa).query(page=0, page_size=5, select_columns=molte)
            _, con_due = InterfacciaLia(m.Spesa).query(page=0, page_size=5, select_columns=molte[:3])
        finally:
            event.remove(db.engine, "before_cursor_execute", osserva)
        assert con_molte and con_due
        assert visti == ["1", predefinito] and predefinito != "1"
        assert db.session.execute(db.text("SHOW join_collapse_limit")).scalar() == predefinito
        db.session.remove()
