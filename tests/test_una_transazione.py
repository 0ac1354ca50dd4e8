"""Every multi-row operation is one transaction (issue 10 §4): an error injected midway leaves the
database as it was. The owner of the request commits once (app.servizi's contract); the
transition with its history, audit row and recompute, a sheet of attendances, the recompute of
every spesa."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tests.aiuti_percorso import progetto_validato
from tests.test_asse1 import donne_del_cav, iscrivi, nuova_sessione, nuovo_laboratorio, presenze_di, segna


class Iniettato(RuntimeError):
    pass


def _leggi(app, fn):
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def _stato_progetto(app, pid):
    from app import models as m
    from app.models.audit import AuditEvento

    return _leggi(app, lambda s: (
        s.get(m.Progetto, pid).stato,
        s.get(m.Progetto, pid).data_avvio,
        s.execute(select(func.count()).select_from(m.TransizioneProgetto)
                  .where(m.TransizioneProgetto.progetto_id == pid)).scalar(),
        s.execute(select(func.count()).select_from(AuditEvento).where(
            AuditEvento.azione == "transizione", AuditEvento.record_id == pid)).scalar(),
    ))


def test_transizione_con_errore_nel_ricalcolo_non_lascia_traccia(app, api_di, monkeypatch):
    from app.servizi import spese

    pid, _ = progetto_validato(api_di, avvia=False)
    prima = _stato_progetto(app, pid)
    assert prima[0] == "validato_capofila"

    def ricalcolo_rotto(progetto_id):
        raise Iniettato("errore iniettato dopo la transizione e lo storico")

    monkeypatch.setattr(spese, "ricalcola_progetto", ricalcolo_rotto)
    r = api_di("cav.crema").post(f"/api/v1/progetto/{pid}/transizione",
                                 json={"verso": "in_corso", "data": "2022-06-20"})
    assert r.status_code == 500
    assert _stato_progetto(app, pid) == prima, "stato, data di avvio, storico o audit scritti a metà"

    monkeypatch.undo()
    r = api_di("cav.crema").post(f"/api/v1/progetto/{pid}/transizione",
                                 json={"verso": "in_corso", "data": "2022-06-20"})
    assert r.status_code == 200, r.get_json()
    dopo = _stato_progetto(app, pid)
    assert dopo[0] == "in_corso" and dopo[2] == prima[2] + 1


def test_presenze_con_errore_a_meta_non_scrivono_nulla(app, api_di):
    from app import models as m

    cap, cr = api_di("capofila"), api_di("cav.cremona")
    lab = nuovo_laboratorio(cap)
    sessione = nuova_sessione(cap, lab)
    mie = donne_del_cav(app, cr, "cav.cremona")[:3]
    for bid in mie:
        iscrivi(cr, lab, bid)
    assert segna(cr, sessione, mie[:1]).status_code == 200  # a row for each: present or absent
    prima = presenze_di(app, sessione)

    def rompi_al_flush(sessione_db, contesto, istanze):
        # After the loop has changed some rows, before they reach the database.
        if any(isinstance(x, m.Presenza) for x in (*sessione_db.new, *sessione_db.dirty)):
            raise Iniettato("errore iniettato a metà del foglio presenze")

    event.listen(Session, "before_flush", rompi_al_flush)
    try:
        r = segna(cr, sessione, mie[1:])
    finally:
        event.remove(Session, "before_flush", rompi_al_flush)
    assert r.status_code == 500
    assert presenze_di(app, sessione) == prima


def test_ricalcolo_di_tutte_le_spese_con_errore_non_ne_cambia_nessuna(app, api_di, monkeypatch):
    from app import models as m
    from app.rules import eligibility

    progetto_validato(api_di)  # at least one project with spese-to-be in the network
    valutate = lambda: _leggi(app, lambda s: dict(s.execute(select(m.Spesa.id, m.Spesa.valutata_il)).all()))  # noqa: E731
    prima = valutate()
    assert len(prima) > 3, "servono spese di più progetti"

    originale, chiamate = eligibility.valuta_spesa, {"n": 0}

    def valuta_poi_rompi(*args, **kwargs):
        chiamate["n"] += 1
        if chiamate["n"] > len(prima) // 2:
            raise Iniettato("errore iniettato a metà del ricalcolo")
        return originale(*args, **kwargs)

    monkeypatch.setattr(eligibility, "valuta_spesa", valuta_poi_rompi)
    esito = app.test_cli_runner().invoke(args=["lia", "ricalcola-spese"])
    assert esito.exit_code != 0
    assert chiamate["n"] > 1, "l'errore non è arrivato a metà"
    assert valutate() == prima, "una parte delle spese è stata ricalcolata e salvata"


def test_transizione_dal_form_con_errore_non_lascia_traccia(app, api_di, client_di, monkeypatch):
    from conftest import csrf_da

    from app.servizi import spese

    pid, _ = progetto_validato(api_di, avvia=False)
    prima = _stato_progetto(app, pid)
    c = client_di("cav.crema")
    token = csrf_da(c.get(f"/progettoview/show/{pid}").get_data(as_text=True))

    def ricalcolo_rotto(progetto_id):
        raise Iniettato("errore iniettato")

    monkeypatch.setattr(spese, "ricalcola_progetto", ricalcolo_rotto)
    with pytest.raises(Iniettato):  # the test app propagates it; a served app answers its 500 page
        c.post(f"/progettoview/transizione/{pid}", data={"verso": "in_corso", "data": "2022-06-20",
                                                          "csrf_token": token})
    assert _stato_progetto(app, pid) == prima
