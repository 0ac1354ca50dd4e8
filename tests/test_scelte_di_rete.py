"""A search form's select on the network's reference data (voci di spesa, enti, ambiti) offers every
record by its label, read once a minute instead of on every page (issue 14): a change this worker
saves is offered at the next page; one saved by another worker, within the minute."""
from __future__ import annotations

import html as html_
import json
import re

from sqlalchemy import event, update

from app import models as m
from app.extensions import db
from app.views import schermate


def opzioni(html: str, campo: str) -> dict[str, str]:
    """The options of the search form's select `campo` ({key: label}): FAB writes the form's fields
    as HTML strings inside the page's script."""
    trovato = re.search(r'"%s": ("\\u003cselect(?:[^"\\]|\\.)*")' % campo, html)
    assert trovato, f"nessun campo di ricerca {campo!r} nella pagina"
    return {k: html_.unescape(v)
            for k, v in re.findall(r'<option value="(\d+)">([^<]*)</option>', json.loads(trovato.group(1)))}


def nella_tabella(app, modello) -> dict[str, str]:
    with app.app_context():
        righe = {str(r.id): str(r) for r in db.session.query(modello)}
        db.session.remove()
    return righe


def istruzioni_su(app, tabella: str, richiesta) -> int:
    """How many statements the request `richiesta()` runs reading the whole `tabella` (a select's choices)."""
    with app.app_context():
        engine = db.engine
    viste = []

    def osserva(conn, cursor, statement, params, context, executemany):
        if re.search(rf"\bFROM {tabella}\s*(ORDER BY|LIMIT|$)", statement):
            viste.append(statement)

    event.listen(engine, "before_cursor_execute", osserva)
    try:
        richiesta()
    finally:
        event.remove(engine, "before_cursor_execute", osserva)
    return len(viste)


def test_the_spese_search_offers_every_voce_and_every_ente_by_name_read_once(app, client_di):
    client = client_di("cav.cremona")
    pagina = client.get("/spesaview/list/").get_data(as_text=True)
    assert opzioni(pagina, "voce") == nella_tabella(app, m.VoceSpesa)
    assert opzioni(pagina, "ente_pagatore") == nella_tabella(app, m.Ente)
    assert "Centro Antiviolenza di Cremona" in opzioni(pagina, "ente_pagatore").values()
    # Within the minute the next pages do not read them again.
    assert istruzioni_su(app, "lia_voce_spesa", lambda: client.get("/spesaview/list/")) == 0
    assert istruzioni_su(app, "lia_ente", lambda: client.get("/spesaview/list/")) == 0


def test_an_ente_saved_in_this_worker_is_offered_at_the_next_page_and_gone_once_deleted(app, client_di):
    client = client_di("capofila")
    assert client.get("/beneficiariaview/list/").status_code == 200  # the choices are now kept
    with app.app_context():
        nuovo = m.Ente(nome="Consultorio di prova delle scelte", tipo="servizio_sociale")
        db.session.add(nuovo)
        db.session.commit()
        chiave = str(nuovo.id)
        db.session.remove()
    try:
        assert opzioni(client.get("/spesaview/list/").get_data(as_text=True), "ente_pagatore")[chiave] == \
            "Consultorio di prova delle scelte"
        with app.app_context():
            db.session.query(m.Ente).filter_by(id=int(chiave)).one().nome = "Consultorio rinominato"
            db.session.commit()
            db.session.remove()
        assert opzioni(client.get("/spesaview/list/").get_data(as_text=True), "ente_pagatore")[chiave] == \
            "Consultorio rinominato"
    finally:
        with app.app_context():
            db.session.delete(db.session.get(m.Ente, int(chiave)))
            db.session.commit()
            db.session.remove()
    assert chiave not in opzioni(client.get("/spesaview/list/").get_data(as_text=True), "ente_pagatore")


def test_a_change_saved_by_another_worker_is_offered_once_the_minute_is_over(app, client_di, monkeypatch):
    client = client_di("cav.crema")
    ambiti = opzioni(client.get("/beneficiariaview/list/").get_data(as_text=True), "ambito")
    chiave, nome = next(iter(ambiti.items()))
    with app.app_context():  # as another worker would: no ORM record of this one changes
        db.session.execute(update(m.Ambito).where(m.Ambito.id == int(chiave)).values(nome=nome + " (nuovo nome)"))
        db.session.commit()
        db.session.remove()
    try:
        assert opzioni(client.get("/beneficiariaview/list/").get_data(as_text=True), "ambito")[chiave] == nome
        monkeypatch.setattr(schermate, "SCELTE_VALIDE_SECONDI", 0)
        assert opzioni(client.get("/beneficiariaview/list/").get_data(as_text=True), "ambito")[chiave] == \
            nome + " (nuovo nome)"
    finally:
        with app.app_context():
            db.session.execute(update(m.Ambito).where(m.Ambito.id == int(chiave)).values(nome=nome))
            db.session.commit()
            db.session.remove()
        schermate._SCELTE.clear()



def _select_disegnati(monkeypatch) -> list:
    """The names of the search selects drawn from now on (each reads its choices when drawn)."""
    from flask_appbuilder.fields import QuerySelectField

    disegnati, originale = [], QuerySelectField._get_object_list
    monkeypatch.setattr(QuerySelectField, "_get_object_list",
                        lambda campo: disegnati.append(campo.name) or originale(campo))
    return disegnati


def test_the_search_form_is_drawn_once_while_its_choices_stay_the_same(app, client_di, monkeypatch):
    """The spese search form lists only fixed choices and the network's reference data: drawn at
    the first page, kept for the next ones (the same options), drawn again once a choice changes."""
    disegnati = _select_disegnati(monkeypatch)
    client = client_di("cav.cremona")
    schermate._RICERCHE.clear()
    prima = client.get("/spesaview/list/").get_data(as_text=True)
    assert {"voce", "ente_pagatore"} <= set(disegnati)
    disegnati.clear()
    dopo = client.get("/spesaview/list/").get_data(as_text=True)
    assert disegnati == []
    assert opzioni(dopo, "voce") == opzioni(prima, "voce") == nella_tabella(app, m.VoceSpesa)
    schermate._SCELTE.pop(m.VoceSpesa, None)  # as the commit of a changed voce does
    client.get("/spesaview/list/")
    assert "voce" in disegnati


def test_a_search_form_with_a_select_of_other_records_is_drawn_at_every_page(client_di, monkeypatch):
    """The laboratorio's sessions are searched by laboratorio, which is not reference data of the
    network: that form is drawn at every page, never kept."""
    disegnati = _select_disegnati(monkeypatch)
    client = client_di("capofila")
    for _ in range(2):
        assert client.get("/sessionelaboratorioview/list/").status_code == 200
    assert disegnati.count("laboratorio") == 2
