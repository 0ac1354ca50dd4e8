"""Closed rendicontazione periods (issue 13, §2): the capofila closes a period, the workbook of that
period is stored as sent and downloaded identical, and no spesa dated inside it is added, changed,
annulled or deleted any more — through the API, the forms, the CLI; the rule itself, pure.

Each test uses a month of its own (periods never overlap), and the module removes its periods at
the end: the other test files add spese on the same database with dates of their own."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import delete, func, select

from app.rules import periodi_rendicontazione as regole
from tests.aiuti_percorso import progetto_validato, spesa, voce_id
from tests.conftest import csrf_da

TRASPORTO = "III-TRASPORTO"  # Asse III: no ceiling, every spesa of a validated project is eligible


@pytest.fixture(scope="module", autouse=True)
def periodi_tolti_alla_fine(app):
    yield
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        db.session.execute(delete(m.PeriodoRendicontazione))
        db.session.commit()
        db.session.remove()


def _chiudi_api(api_di, dal, al, descrizione="periodo di prova"):
    capofila = api_di("capofila")
    r = capofila.post("/api/v1/periodorendicontazione/", json={"dal": dal, "al": al, "descrizione": descrizione})
    assert r.status_code == 201, r.get_json()
    pid = r.get_json()["id"]
    r = capofila.post(f"/api/v1/periodorendicontazione/{pid}/chiudi")
    assert r.status_code == 200, r.get_json()
    return pid, r.get_json()["result"]


def _righe_spese(contenuto: bytes) -> list[dict]:
    """The Spese sheet's rows as {header: value}, found by header name (row 3), dated rows only."""
    ws = openpyxl.load_workbook(io.BytesIO(contenuto))["Spese"]
    righe = list(ws.iter_rows(min_row=3, values_only=True))
    intestazione = list(righe[0])
    return [dict(zip(intestazione, r)) for r in righe[1:] if isinstance(r[intestazione.index("Data")], datetime)]


def _db_del_periodo(app, dal: date, al: date):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        dentro = (m.Spesa.data >= dal, m.Spesa.data <= al)
        n = db.session.execute(select(func.count(m.Spesa.id)).where(*dentro)).scalar()
        somme = dict(db.session.execute(select(m.Spesa.ammissibile, func.sum(m.Spesa.importo))
                                        .where(*dentro, m.Spesa.annullata.is_(False))
                                        .group_by(m.Spesa.ammissibile)).all())
        db.session.remove()
    return n, Decimal(somme.get(True) or 0), Decimal(somme.get(False) or 0)


def _somma(righe, esito):
    return sum((Decimal(str(r["Importo"])).quantize(Decimal("0.01")) for r in righe if r["Esito"] == esito),
               Decimal("0"))


# --- the rule, pure ----------------------------------------------------------------------------------

CHIUSO = regole.PeriodoDati(date(2023, 1, 1), date(2023, 6, 30), datetime(2023, 7, 5, 10, 0), id=1)
APERTO = regole.PeriodoDati(date(2023, 7, 1), date(2023, 12, 31), None, id=2)


def test_regola_una_data_dentro_un_periodo_chiuso_ha_il_suo_motivo_in_italiano():
    assert regole.motivo_spesa_in_periodo_chiuso(date(2023, 1, 10), [CHIUSO, APERTO]) == (
        "La spesa è datata 10/01/2023, dentro il periodo di rendicontazione 01/01/2023–30/06/2023 chiuso il "
        "05/07/2023: registra una rettifica con una data in un periodo aperto.")
    assert regole.motivo_spesa_in_periodo_chiuso(date(2023, 6, 30), [CHIUSO]) is not None  # both ends inside
    assert regole.motivo_spesa_in_periodo_chiuso(date(2023, 7, 1), [CHIUSO, APERTO]) is None
    assert regole.motivo_spesa_in_periodo_chiuso(date(2022, 12, 31), [CHIUSO]) is None
    assert regole.motivo_spesa_in_periodo_chiuso(None, [CHIUSO]) is None


def test_regola_una_modifica_guarda_la_data_vecchia_e_la_nuova():
    assert len(regole.motivi_spesa_bloccata([date(2023, 1, 10), date(2023, 8, 1)], [CHIUSO])) == 1  # moved out
    assert len(regole.motivi_spesa_bloccata([date(2023, 8, 1), date(2023, 1, 10)], [CHIUSO])) == 1  # moved in
    assert regole.motivi_spesa_bloccata([date(2023, 1, 10), date(2023, 1, 10)], [CHIUSO]) == [
        regole.motivo_spesa_in_periodo_chiuso(date(2023, 1, 10), [CHIUSO])]
    assert regole.motivi_spesa_bloccata([date(2023, 8, 1), date(2023, 9, 1)], [CHIUSO, APERTO]) == []


def test_regola_i_periodi_non_si_sovrappongono():
    motivi = regole.motivi_periodo_non_valido(date(2023, 6, 1), date(2023, 7, 31), [CHIUSO, APERTO])
    assert motivi["dal"] == ["Il periodo 01/06/2023–31/07/2023 si sovrappone al periodo di rendicontazione "
                             "01/01/2023–30/06/2023, 01/07/2023–31/12/2023: i periodi non possono sovrapporsi."]
    assert regole.motivi_periodo_non_valido(date(2024, 1, 1), date(2024, 3, 31), [CHIUSO, APERTO]) == {}
    assert regole.motivi_periodo_non_valido(date(2024, 3, 1), date(2024, 1, 1), []) == {
        "al": ["La data di fine precede la data di inizio del periodo."]}
    assert set(regole.motivi_periodo_non_valido(None, None, [])) == {"dal", "al"}


def test_regola_si_chiude_una_volta_sola_e_solo_dopo_l_ultimo_giorno():
    assert regole.motivi_rifiuto_chiusura(APERTO, date(2024, 1, 1)) == []
    assert "finisce il 31/12/2023" in regole.motivi_rifiuto_chiusura(APERTO, date(2023, 12, 31))[0]
    assert "già stato chiuso il 05/07/2023" in regole.motivi_rifiuto_chiusura(CHIUSO, date(2024, 1, 1))[0]
    assert regole.motivi_rifiuto_modifica_periodo(CHIUSO) and not regole.motivi_rifiuto_modifica_periodo(APERTO)


def test_regola_la_spesa_inviata_tiene_il_suo_esito_e_la_sua_parte_di_massimale():
    """A spesa of a closed period keeps the verdict sent and holds its ceiling first: a back-dated
    spesa judged now cannot push the reported amounts over the ceiling."""
    from app.rules import eligibility as el
    from app.rules.programma import programma_predefinito

    programma = programma_predefinito("lia2")
    progetto = el.ProgettoDati(id=1, area="lavoro", data_inizio=date(2022, 6, 1), data_fine=date(2024, 3, 31),
                               data_validazione_equipe=date(2022, 6, 10), data_validazione_capofila=date(2022, 6, 15),
                               ente_cav_id=7)

    def s(i, giorno, importo, inviato=None):
        return el.SpesaDati(voce="II-TIROCINIO-INDENNITA", importo=Decimal(importo), data=giorno, ente_pagatore_id=7,
                            ente_pagatore_tipo="cav", coperta_da_altra_misura=False, giustificativo_numero=None,
                            giustificativo_data=None, progetto=progetto, id=i, esito_inviato=inviato)

    inviata = el.Esito(True, (), ("avviso di allora",))
    esiti = el.valuta_progetto([s(2, date(2023, 9, 1), "2500", inviata), s(1, date(2023, 1, 5), "1000")],
                               programma, lambda _: el.Contesto())
    assert esiti[0] is inviata
    assert not esiti[1].ammissibile and "supera il massimale" in esiti[1].motivi[0]
    # Without the closed period the earlier spesa would take the ceiling first.
    esiti = el.valuta_progetto([s(2, date(2023, 9, 1), "2500"), s(1, date(2023, 1, 5), "1000")],
                               programma, lambda _: el.Contesto())
    assert esiti[1].ammissibile and not esiti[0].ammissibile


# --- service and API --------------------------------------------------------------------------------

def test_api_chiude_il_periodo_e_poi_nessuna_spesa_dentro_si_tocca(app, api_di):
    cav = api_di("cav.crema")
    trasporto = voce_id(app, TRASPORTO)
    pid, _ = progetto_validato(api_di)
    dentro = spesa(cav, pid, trasporto, "31,40", data="2023-09-12")
    assert dentro.status_code == 201, dentro.get_json()
    sid = dentro.get_json()["id"]
    da_annullare = spesa(cav, pid, trasporto, "12", data="2023-09-20").get_json()["id"]
    fuori = spesa(cav, pid, trasporto, "5", data="2023-10-03")
    assert fuori.status_code == 201
    fid = fuori.get_json()["id"]

    periodo, chiusura = _chiudi_api(api_di, "2023-09-01", "2023-09-30", "Settembre 2023")
    assert chiusura["righe_spese"] >= 2 and len(chiusura["sha256"]) == 64 and chiusura["dimensione"] > 1000

    messaggio = re.compile(r"La spesa è datata \d\d/09/2023, dentro il periodo di rendicontazione "
                           r"01/09/2023–30/09/2023 chiuso il \d\d/\d\d/\d{4}: registra una rettifica")
    r = spesa(cav, pid, trasporto, "7", data="2023-09-15")  # add inside
    assert r.status_code == 422 and messaggio.search(str(r.get_json())), r.get_json()
    assert "data" in r.get_json()["message"]
    r = cav.put(f"/api/v1/spesa/{sid}", json={"importo": "99"})  # edit inside
    assert r.status_code == 422 and messaggio.search(str(r.get_json())), r.get_json()
    r = cav.put(f"/api/v1/spesa/{sid}", json={"data": "2023-10-12"})  # move it out
    assert r.status_code == 422 and messaggio.search(str(r.get_json())), r.get_json()
    r = cav.put(f"/api/v1/spesa/{fid}", json={"data": "2023-09-03"})  # move one in
    assert r.status_code == 422 and messaggio.search(str(r.get_json())), r.get_json()
    r = cav.post(f"/api/v1/spesa/{da_annullare}/annulla", json={"motivo": "importo errato"})
    assert r.status_code == 422 and messaggio.search(str(r.get_json())), r.get_json()
    r = cav.delete(f"/api/v1/spesa/{sid}")
    assert r.status_code == 422 and messaggio.search(str(r.get_json())), r.get_json()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = cav.client.put(f"/api/v1/spesa/{sid}/allegato", headers=cav._h(),
                       data={"file": (io.BytesIO(pdf), "fattura.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 422 and messaggio.search(str(r.get_json())), r.get_json()  # its giustificativo too

    with app.app_context():
        from app import models as m
        from app.extensions import db
        from app.security import come_sistema

        with come_sistema():
            s = db.session.get(m.Spesa, sid)
            assert (s.importo, s.data, s.annullata) == (Decimal("31.40"), date(2023, 9, 12), False)
            assert not db.session.get(m.Spesa, da_annullare).annullata
            assert db.session.get(m.Spesa, fid).data == date(2023, 10, 3)
        db.session.remove()

    # Outside the closed period everything goes on: a rettifica, an edit, an annulment.
    r = spesa(cav, pid, trasporto, "3,10", data="2023-10-05")
    assert r.status_code == 201, r.get_json()
    assert cav.put(f"/api/v1/spesa/{fid}", json={"importo": "6"}).status_code == 200
    assert cav.post(f"/api/v1/spesa/{fid}/annulla", json={"motivo": "registrata due volte"}).status_code == 200

    # A recompute of the project (a transition) leaves the period's verdicts as sent.
    with app.app_context():
        from app.extensions import db
        from app.security import come_sistema
        from app.servizi import transazione
        from app.servizi.spese import ricalcola_progetto

        with come_sistema(), transazione():
            valutata = db.session.get(m.Spesa, sid).valutata_il
            ricalcola_progetto(pid)
        with come_sistema():
            assert db.session.get(m.Spesa, sid).valutata_il == valutata
        db.session.remove()


def test_il_file_conservato_ha_i_numeri_del_database_e_non_cambia_dopo(app, api_di):
    cav = api_di("cav.cremona")
    trasporto = voce_id(app, TRASPORTO)
    pid, _ = progetto_validato(api_di, cav="cav.cremona", equipe="equipe.cremona", prefisso="CR-")
    for importo, giorno in (("10,25", "2023-05-03"), ("20,50", "2023-05-17"), ("4,00", "2023-05-31")):
        assert spesa(cav, pid, trasporto, importo, data=giorno).status_code == 201
    non_ammessa = spesa(cav, pid, trasporto, "1,11", data="2023-05-20", coperta_da_altra_misura=True,
                        registra_non_ammissibile=True)
    assert non_ammessa.status_code == 201
    periodo, chiusura = _chiudi_api(api_di, "2023-05-01", "2023-05-31")

    regione = api_di("regione")
    r = regione.get(f"/api/v1/periodorendicontazione/{periodo}/rendiconto")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    contenuto = r.data
    assert hashlib.sha256(contenuto).hexdigest() == chiusura["sha256"] and len(contenuto) == chiusura["dimensione"]
    righe = _righe_spese(contenuto)
    n, ammesso, non_ammesso = _db_del_periodo(app, date(2023, 5, 1), date(2023, 5, 31))
    assert len(righe) == n == chiusura["righe_spese"]
    assert _somma(righe, "Ammissibile") == ammesso and ammesso >= Decimal("34.75")
    assert _somma(righe, "Non ammissibile") == non_ammesso and non_ammesso >= Decimal("1.11")
    assert all(date(2023, 5, 1) <= r_["Data"].date() <= date(2023, 5, 31) for r_ in righe)

    # A later spesa elsewhere, and a new export of the same dates: the stored file stays what was sent.
    assert spesa(cav, pid, trasporto, "8", data="2023-06-02").status_code == 201
    dopo = api_di("capofila").get(f"/api/v1/periodorendicontazione/{periodo}/rendiconto").data
    assert dopo == contenuto
    assert api_di("capofila").get(f"/api/v1/periodorendicontazione/{periodo}").get_json()["result"]["sha256"] == \
        chiusura["sha256"]


def test_periodi_sovrapposti_o_invertiti_sono_rifiutati_in_italiano(api_di):
    capofila = api_di("capofila")
    r = capofila.post("/api/v1/periodorendicontazione/", json={"dal": "2023-03-01", "al": "2023-03-31"})
    assert r.status_code == 201, r.get_json()
    pid = r.get_json()["id"]
    r = capofila.post("/api/v1/periodorendicontazione/", json={"dal": "2023-03-15", "al": "2023-04-15"})
    assert r.status_code == 422
    assert "si sovrappone al periodo di rendicontazione 01/03/2023–31/03/2023" in str(r.get_json()["message"]["dal"])
    r = capofila.post("/api/v1/periodorendicontazione/", json={"dal": "2023-04-30", "al": "2023-04-01"})
    assert r.status_code == 422 and "precede la data di inizio" in str(r.get_json()["message"]["al"])
    r = capofila.put(f"/api/v1/periodorendicontazione/{pid}", json={"al": "2023-02-01"})
    assert r.status_code == 422
    # An open period is changed or deleted by the capofila; a closed one never.
    assert capofila.put(f"/api/v1/periodorendicontazione/{pid}", json={"descrizione": "Marzo"}).status_code == 200
    assert capofila.post(f"/api/v1/periodorendicontazione/{pid}/chiudi").status_code == 200
    assert capofila.post(f"/api/v1/periodorendicontazione/{pid}/chiudi").status_code == 422
    r = capofila.put(f"/api/v1/periodorendicontazione/{pid}", json={"descrizione": "altro"})
    assert r.status_code == 422 and "è chiuso dal" in str(r.get_json())
    assert capofila.delete(f"/api/v1/periodorendicontazione/{pid}").status_code == 422
    # A period not yet over cannot be closed.
    domani = date.today().replace(year=date.today().year + 1)
    r = capofila.post("/api/v1/periodorendicontazione/", json={"dal": "2028-01-01", "al": domani.isoformat()})
    if r.status_code == 201:  # within the dates the programme accepts
        r2 = capofila.post(f"/api/v1/periodorendicontazione/{r.get_json()['id']}/chiudi")
        assert r2.status_code == 422 and "si può chiudere solo dal giorno successivo" in str(r2.get_json())
        assert capofila.delete(f"/api/v1/periodorendicontazione/{r.get_json()['id']}").status_code == 200


# --- who ---------------------------------------------------------------------------------------------

# The specification, written out: who closes, who downloads the stored workbook.
CHIUDE = {"capofila"}
SCARICA = {"capofila", "regione"}


@pytest.fixture(scope="module")
def periodo_chiuso_per_gli_accessi(app):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema
    from app.servizi import periodi, transazione

    with app.app_context(), come_sistema():
        capofila = app.appbuilder.sm.find_user(username="capofila")
        with transazione():
            p = m.PeriodoRendicontazione(dal=date(2022, 4, 1), al=date(2022, 4, 30), descrizione="accessi")
            periodi.prepara_periodo(p, capofila)
            db.session.add(p)
            db.session.flush()
            periodi.chiudi(p, capofila)
        pid = p.id
        aperto = m.PeriodoRendicontazione(dal=date(2022, 2, 1), al=date(2022, 2, 28), descrizione="accessi aperto")
        with transazione():
            periodi.prepara_periodo(aperto, capofila)
            db.session.add(aperto)
        aid = aperto.id
        db.session.remove()
    return pid, aid


@pytest.mark.parametrize("username", ["admin", "capofila", "cav.crema", "equipe.crema", "servizi.cpi", "regione"])
def test_chi_chiude_e_chi_scarica_il_rendiconto_inviato(username, app, api_di, client_di, periodo_chiuso_per_gli_accessi):
    chiuso, aperto = periodo_chiuso_per_gli_accessi
    a, c = api_di(username), client_di(username)
    puo_scaricare = username in SCARICA
    r = a.get(f"/api/v1/periodorendicontazione/{chiuso}/rendiconto")
    assert r.status_code == (200 if puo_scaricare else 403), (username, r.status_code)
    r = c.get(f"/periodorendicontazioneview/rendiconto/{chiuso}")
    assert r.status_code == (200 if puo_scaricare else 403), (username, r.status_code)
    assert a.get("/api/v1/periodorendicontazione/").status_code == (200 if puo_scaricare else 403)
    assert c.get("/periodorendicontazioneview/list/").status_code == (200 if puo_scaricare else 403)
    menu = c.get("/").get_data(as_text=True)
    assert ('href="/periodorendicontazioneview/list/' in menu) == puo_scaricare, username
    if username in CHIUDE:
        return  # the capofila's closes are the other tests'
    r = a.post(f"/api/v1/periodorendicontazione/{aperto}/chiudi")
    assert r.status_code == 403, (username, r.status_code)
    r = a.post("/api/v1/periodorendicontazione/", json={"dal": "2021-01-01", "al": "2021-01-31"})
    assert r.status_code == 403, (username, r.status_code)
    csrf = csrf_da(c.get("/resetmypassword/form").get_data(as_text=True))
    r = c.post(f"/periodorendicontazioneview/chiudi/{aperto}", data={"csrf_token": csrf})
    assert r.status_code == 403, (username, r.status_code)
    with app.app_context():
        from app import models as m
        from app.extensions import db

        assert db.session.get(m.PeriodoRendicontazione, aperto).chiuso_il is None
        db.session.remove()


def test_chiusura_e_scaricamento_sono_nel_registro_di_audit(app, api_di, periodo_chiuso_per_gli_accessi):
    from app.models import AuditEvento
    from app.extensions import db

    chiuso, _ = periodo_chiuso_per_gli_accessi
    assert api_di("regione").get(f"/api/v1/periodorendicontazione/{chiuso}/rendiconto").status_code == 200
    with app.app_context():
        righe = db.session.execute(select(AuditEvento.azione, AuditEvento.username).where(
            AuditEvento.tipo_record == "PeriodoRendicontazione", AuditEvento.record_id == chiuso)).all()
        db.session.remove()
    assert ("chiusura_periodo", "capofila") in righe
    assert ("scaricamento_rendiconto", "regione") in righe


# --- the screens, with the real login and CSRF ---------------------------------------------------------

def test_dalle_schermate_il_capofila_chiude_e_la_cav_trova_il_motivo_sul_modulo(app, api_di, client_di):
    cav_api = api_di("cav.casalmaggiore")
    trasporto = voce_id(app, TRASPORTO)
    pid, _ = progetto_validato(api_di, cav="cav.casalmaggiore", equipe="equipe.casalmaggiore", prefisso="CA-")
    r = spesa(cav_api, pid, trasporto, "15", data="2023-11-08")
    assert r.status_code == 201
    sid = r.get_json()["id"]
    scheda = client_di("cav.casalmaggiore").get(f"/spesaview/show/{sid}").get_data(as_text=True)
    assert "btn-action-SpesaView.action-annulla" in scheda  # open: its payer may annul it

    capofila = client_di("capofila")
    pagina = capofila.get("/periodorendicontazioneview/add").get_data(as_text=True)
    r = capofila.post("/periodorendicontazioneview/add", data={
        "csrf_token": csrf_da(pagina), "dal": "01/11/2023", "al": "30/11/2023", "descrizione": "Novembre 2023"},
        follow_redirects=True)
    assert r.status_code == 200 and "Periodo di rendicontazione 01/11/2023–30/11/2023 registrato" in r.get_data(as_text=True)
    with app.app_context():
        from app import models as m
        from app.extensions import db

        periodo = db.session.execute(select(m.PeriodoRendicontazione.id).where(
            m.PeriodoRendicontazione.dal == date(2023, 11, 1))).scalar_one()
        db.session.remove()
    pagina = capofila.post("/periodorendicontazioneview/add", data={
        "csrf_token": csrf_da(pagina), "dal": "15/11/2023", "al": "15/12/2023"}).get_data(as_text=True)
    assert "si sovrappone al periodo di rendicontazione 01/11/2023–30/11/2023" in pagina

    conferma = capofila.get(f"/periodorendicontazioneview/chiudi/{periodo}").get_data(as_text=True)
    assert "la chiusura non si può revocare" in conferma
    r = capofila.post(f"/periodorendicontazioneview/chiudi/{periodo}", data={"csrf_token": csrf_da(conferma)},
                      follow_redirects=True)
    testo = r.get_data(as_text=True)
    assert "Periodo 01/11/2023–30/11/2023 chiuso" in testo and "scarica il rendiconto inviato" in testo
    r = capofila.post(f"/periodorendicontazioneview/chiudi/{periodo}", data={"csrf_token": csrf_da(conferma)})
    assert r.status_code == 302  # a second close: refused, with the reason on the period's page
    assert capofila.get(f"/periodorendicontazioneview/rendiconto/{periodo}").data[:2] == b"PK"

    cav = client_di("cav.casalmaggiore")
    scheda = cav.get(f"/spesaview/show/{sid}").get_data(as_text=True)  # no button to change what was sent
    assert "btn-action-SpesaView.action-annulla" not in scheda
    modulo = cav.get(f"/spesaview/add?progetto={pid}").get_data(as_text=True)
    r = cav.post("/spesaview/add", data={
        "csrf_token": csrf_da(modulo), "progetto": str(pid), "voce": str(trasporto), "importo": "9,90",
        "data": "20/11/2023", "fornitore": "Ditta Esempio", "giustificativo_tipo": "fattura",
        "giustificativo_numero": "FORM-PERIODO-1", "giustificativo_data": "20/11/2023"})
    testo = r.get_data(as_text=True)
    assert r.status_code == 200 and "La spesa è datata 20/11/2023, dentro il periodo di rendicontazione " \
                                   "01/11/2023–30/11/2023 chiuso il" in testo
    modulo = cav.get(f"/spesaview/edit/{sid}").get_data(as_text=True)
    r = cav.post(f"/spesaview/edit/{sid}", data={
        "csrf_token": csrf_da(modulo), "progetto": str(pid), "voce": str(trasporto), "importo": "99",
        "data": "08/11/2023", "fornitore": "Ditta Esempio", "versione": re.search(
            r'name="versione"[^>]*value="(\d+)"', modulo).group(1)})
    assert "La spesa è datata 08/11/2023, dentro il periodo" in r.get_data(as_text=True)
    annulla = cav.get(f"/spesaview/annulla/{sid}").get_data(as_text=True)
    r = cav.post(f"/spesaview/annulla/{sid}", data={"csrf_token": csrf_da(annulla), "motivo": "importo errato"},
                 follow_redirects=True)
    assert "dentro il periodo di rendicontazione 01/11/2023–30/11/2023" in r.get_data(as_text=True)
    r = cav.post(f"/spesaview/delete/{sid}", data={"csrf_token": csrf_da(annulla)}, follow_redirects=True)
    assert "dentro il periodo di rendicontazione 01/11/2023–30/11/2023" in r.get_data(as_text=True)
    with app.app_context():
        from app.security import come_sistema

        with come_sistema():
            s = db.session.get(m.Spesa, sid)
            assert (s.importo, s.annullata) == (Decimal("15.00"), False)
            assert not db.session.execute(select(m.Spesa).where(
                m.Spesa.giustificativo_numero == "FORM-PERIODO-1")).first()
        db.session.remove()


def test_cli_chiude_il_periodo(app, api_di):
    r = app.test_cli_runner().invoke(args=["lia", "chiudi-periodo", "--dal", "01/12/2023", "--al", "31/12/2023",
                                           "--descrizione", "Dicembre 2023", "--utente", "capofila"])
    assert r.exit_code == 0, r.output
    assert "periodo 01/12/2023–31/12/2023 chiuso" in r.output and "sha256" in r.output
    r = app.test_cli_runner().invoke(args=["lia", "chiudi-periodo", "--dal", "01/12/2023", "--al", "31/12/2023",
                                           "--utente", "capofila"])
    assert r.exit_code == 1 and "già stato chiuso" in r.output
    r = app.test_cli_runner().invoke(args=["lia", "chiudi-periodo", "--dal", "01/01/2024", "--al", "31/01/2024",
                                           "--utente", "cav.crema"])
    assert r.exit_code == 1 and "non è un capofila" in r.output
