"""One transaction judging several spese (the import from Excel) reads once what cannot change
before its commit (app.memoria_transazione), yet sees its own writes: a measure, an identity or a
closed period written in the same transaction counts for the next spesa; and nothing outlives it."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from app import memoria_transazione
from tests.aiuti_percorso import progetto_validato


def _in_transazione(app, fn, username="cav.crema"):
    """fn(utente) in one transaction as `username`, rolled back at the end (nothing stays)."""
    from app.extensions import db
    from app.security import come_utente

    with app.app_context():
        utente = app.appbuilder.sm.find_user(username=username)
        with come_utente(utente):
            try:
                return fn(utente)
            finally:
                db.session.rollback()
                assert memoria_transazione._CHIAVE not in db.session.info
                db.session.remove()


def _spesa(pid, giorno: date, fornitore="Locatore fittizio", importo="100"):
    from app import models as m
    from app.extensions import db

    voce = db.session.execute(select(m.VoceSpesa).where(m.VoceSpesa.codice == "II-TIROCINIO-INDENNITA")).scalar_one()
    return m.Spesa(progetto=db.session.get(m.Progetto, pid), voce=voce, importo=Decimal(importo), data=giorno,
                   fornitore=fornitore, giustificativo_tipo="ricevuta", giustificativo_numero=uuid.uuid4().hex[:12],
                   giustificativo_data=giorno, quietanza_tipo="bonifico", quietanza_data=giorno)


def _registra(s, utente):
    from app.extensions import db
    from app.servizi.spese import prepara_spesa

    esito = prepara_spesa(s, utente)
    db.session.add(s)
    db.session.flush()
    return esito


def test_una_misura_scritta_nella_transazione_conta_per_la_spesa_dopo(app, api_di):
    from app import models as m
    from app.extensions import db

    pid, donna = progetto_validato(api_di)

    def fn(utente):
        assert "la donna riceve" not in " ".join(_registra(_spesa(pid, date(2023, 1, 10)), utente).avvisi)
        db.session.add(m.AltraMisura(beneficiaria_id=donna["id"], tipo="reddito_liberta",
                                     data_inizio=date(2022, 12, 1), assi_coperti="II", note=""))
        db.session.flush()
        assert "la donna riceve «Reddito di Libertà»" in " ".join(
            _registra(_spesa(pid, date(2023, 1, 11)), utente).avvisi)

    _in_transazione(app, fn)


@pytest.mark.parametrize("scritta", [False, True], ids=["in sospeso", "scritta"])
def test_un_nome_cambiato_nella_transazione_e_rifiutato_come_fornitore(app, api_di, scritta):
    from app import models as m
    from app.extensions import db
    from app.rules.nomi import MSG_FORNITORE_CON_DATI_PERSONALI
    from app.servizi import Rifiuto

    pid, donna = progetto_validato(api_di)

    def fn(utente):
        if db.session.execute(select(m.DatiPersonali.id).where(
                m.DatiPersonali.beneficiaria_id == donna["id"])).first() is None:
            # She never gave her identity, or another test erased it: in this transaction she has one.
            db.session.add(m.DatiPersonali(beneficiaria_id=donna["id"], nome="Anna", cognome="Rossi"))
            db.session.flush()
        _registra(_spesa(pid, date(2023, 1, 10), fornitore="Zelinda Cachettona"), utente)
        dp = db.session.execute(select(m.DatiPersonali).where(
            m.DatiPersonali.beneficiaria_id == donna["id"])).scalar_one()
        dp.nome, dp.cognome = "Zelinda", "Cachettona"
        if scritta:
            db.session.flush()
        with pytest.raises(Rifiuto) as exc:
            _registra(_spesa(pid, date(2023, 1, 11), fornitore="CACHETTONA zelinda"), utente)
        assert exc.value.motivi == [MSG_FORNITORE_CON_DATI_PERSONALI]

    _in_transazione(app, fn)


def test_un_periodo_chiuso_nella_transazione_ferma_la_spesa_dopo(app, api_di):
    from app import models as m
    from app.extensions import db
    from app.servizi import Rifiuto

    pid, _ = progetto_validato(api_di)

    def fn(utente):
        _registra(_spesa(pid, date(2023, 12, 10)), utente)
        db.session.add(m.PeriodoRendicontazione(dal=date(2023, 12, 1), al=date(2023, 12, 31),
                                                chiuso_il=datetime(2024, 1, 15)))
        db.session.flush()
        with pytest.raises(Rifiuto, match="chius"):
            _registra(_spesa(pid, date(2023, 12, 11)), utente)

    _in_transazione(app, fn)


def test_i_blocchi_presi_una_volta_per_transazione_e_ripresi_nella_successiva(app, api_di):
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite: one write lock per transaction, taken by BEGIN IMMEDIATE")
    pid, _ = progetto_validato(api_di)
    for _ in range(2):  # the second transaction takes them again
        istruzioni = []

        def conta(_conn, _cursore, sql, *_):
            istruzioni.append(sql)

        def fn(utente):
            event.listen(db.engine, "before_cursor_execute", conta)
            try:
                for giorno in (10, 11, 12):
                    _registra(_spesa(pid, date(2023, 1, giorno)), utente)
            finally:
                event.remove(db.engine, "before_cursor_execute", conta)

        _in_transazione(app, fn)
        assert sum("FOR UPDATE" in x for x in istruzioni) == 1
        assert sum("pg_advisory_xact_lock_shared" in x for x in istruzioni) == 1


def test_nessun_ascoltatore_di_sqlalchemy_utils_a_ogni_flush(app):
    # It walked every object of the session at each flush: an import of 10,000 rows went quadratic.
    from sqlalchemy.orm import Session
    from sqlalchemy_utils import aggregates

    assert not event.contains(Session, "after_flush", aggregates.manager.construct_aggregate_queries)
