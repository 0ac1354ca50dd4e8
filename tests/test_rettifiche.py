"""Rettifiche (issue 13, §2): money given back on a spesa is a new, dated spesa with a negative amount
on the same project and voce. It is how a spesa of a closed rendicontazione period is corrected:
the API with a real JWT, the page with a real login and CSRF, the rules, the ceilings, the workbook
read back, and who may do it."""
from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import delete

from app.rules import eligibility as el
from app.rules.programma import programma_predefinito
from tests.aiuti_percorso import progetto_validato, spesa, voce_id
from tests.conftest import UTENTI_DEMO, ApiClient, csrf_da, login, token_per

TRASPORTO = "III-TRASPORTO"  # Asse III: no ceiling
ORIENTAMENTO = "II-ORIENTAMENTO"  # Asse II: the € 3.000,00 «Budget di autonomia»


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


def _chiudi(api_di, dal, al):
    capofila = api_di("capofila")
    r = capofila.post("/api/v1/periodorendicontazione/", json={"dal": dal, "al": al, "descrizione": "prova rettifiche"})
    assert r.status_code == 201, r.get_json()
    r = capofila.post(f"/api/v1/periodorendicontazione/{r.get_json()['id']}/chiudi")
    assert r.status_code == 200, r.get_json()


def _rettifica(api, sid, importo, data, note="rimborso del fornitore", **extra):
    return api.post(f"/api/v1/spesa/{sid}/rettifica", json={"importo": importo, "data": data, "note": note, **extra})


def _spesa_db(app, sid):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        s = db.session.get(m.Spesa, sid)
        out = (s.importo, s.data, s.ammissibile, s.annullata, s.rettifica_di_id, s.voce_id, s.progetto_id,
               s.ente_pagatore_id)
        db.session.remove()
    return out


# --- the rules, pure ---------------------------------------------------------------------------------

PROGRAMMA = programma_predefinito("lia2")
PROGETTO = el.ProgettoDati(id=1, area="lavoro", data_inizio=date(2023, 1, 1), data_fine=date(2024, 12, 31),
                           data_validazione_equipe=date(2022, 12, 1), data_validazione_capofila=date(2022, 12, 5),
                           ente_cav_id=7)


def _dati(id_, importo, giorno, rettifica_di=None):
    return el.SpesaDati(voce=ORIENTAMENTO, importo=Decimal(importo), data=giorno, ente_pagatore_id=7,
                        ente_pagatore_tipo="cav", coperta_da_altra_misura=False, giustificativo_numero=None,
                        giustificativo_data=None, progetto=PROGETTO, id=id_, rettifica_di=rettifica_di)


def _di(originale, gia="0", ammissibile=True, annullata=False):
    return el.RettificaDi(id=originale.id, importo=originale.importo, data=originale.data, ammissibile=ammissibile,
                          annullata=annullata, gia_rettificato=Decimal(gia), descrizione=el.descrivi_spesa(originale))


def _valuta(spese):
    return el.valuta_progetto(spese, PROGRAMMA, lambda s: el.Contesto())


def test_regola_la_rettifica_libera_il_massimale_dalla_sua_data_in_poi():
    piena = _dati(1, "3000", date(2023, 3, 1))
    rettifica = _dati(2, "-500", date(2023, 5, 1), _di(piena))
    prima = _dati(3, "400", date(2023, 4, 1))  # before the money came back: the ceiling is full
    dopo = _dati(4, "400", date(2023, 6, 1))
    esiti = _valuta([piena, rettifica, prima, dopo])
    assert [e.ammissibile for e in esiti] == [True, True, False, True]
    assert "supera il massimale" in esiti[2].motivi[0]


def test_regola_mai_piu_di_quanto_resta_ne_prima_della_spesa_ne_di_una_spesa_non_ammissibile():
    originale = _dati(1, "100", date(2023, 3, 1))
    esito = el.valuta_spesa(_dati(2, "-60", date(2023, 3, 5), _di(originale, gia="50")), PROGRAMMA)
    assert not esito.ammissibile
    assert esito.per_campo["importo"] == ("la rettifica supera quanto resta da restituire: al massimo € 50,00, per "
                                          "la spesa del 01/03/2023 di € 100,00",)
    esito = el.valuta_spesa(_dati(2, "-10", date(2023, 2, 1), _di(originale)), PROGRAMMA)
    assert esito.per_campo == {"data": ("la rettifica non può precedere la spesa che corregge (del 01/03/2023)",)}
    esito = el.valuta_spesa(_dati(2, "-10", date(2023, 3, 5), _di(originale, ammissibile=False)), PROGRAMMA)
    assert "non è ammissibile: non c'è nulla da rettificare" in esito.motivi[0]
    esito = el.valuta_spesa(_dati(2, "-10", date(2023, 3, 5), _di(originale, annullata=True)), PROGRAMMA)
    assert "è annullata" in esito.motivi[0]
    assert el.valuta_spesa(_dati(2, "10", date(2023, 3, 5), _di(originale)), PROGRAMMA).motivi == (
        "una rettifica ha importo negativo: la somma restituita",)


def test_regola_la_rettifica_segue_il_verdetto_di_oggi_della_sua_spesa():
    """Judged in the same pass, the spesa's new verdict counts, not the one stored."""
    piena = _dati(1, "3000", date(2023, 3, 1))
    oltre = _dati(2, "200", date(2023, 3, 2))  # over the ceiling: non ammissibile
    rettifica = _dati(3, "-100", date(2023, 4, 1), _di(oltre, ammissibile=True))  # stored: it was admitted
    esiti = _valuta([piena, oltre, rettifica])
    assert [e.ammissibile for e in esiti] == [True, False, False]


# --- the API, with a closed period ----------------------------------------------------------------

def test_una_spesa_di_un_periodo_chiuso_si_corregge_con_una_rettifica(app, api_di, client_di):
    cav = api_di("cav.crema")
    pid, _ = progetto_validato(api_di)
    trasporto = voce_id(app, TRASPORTO)
    r = spesa(cav, pid, trasporto, "80,00", data="2023-11-10")
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]
    _chiudi(api_di, "2023-11-01", "2023-11-30")
    assert cav.put(f"/api/v1/spesa/{sid}", json={"importo": "50"}).status_code == 422  # sent: it stays

    r = _rettifica(cav, sid, "30,00", "2023-11-20")  # inside the closed period: refused on its date
    assert r.status_code == 422 and "registra una rettifica con una data in un periodo aperto" in str(r.get_json())
    r = _rettifica(cav, sid, "30,00", "2023-12-04", giustificativo_tipo="nota_credito",
                   giustificativo_numero=f"NC-{sid}", giustificativo_data="2023-12-04", quietanza_tipo="bonifico",
                   quietanza_data="2023-12-05")
    assert r.status_code == 201, r.get_json()
    corpo = r.get_json()["result"]
    assert corpo["importo"] == "-30.00" and corpo["ammissibile"] and corpo["rettifica_di"] == sid
    rid = corpo["id"]
    importo, giorno, ammissibile, annullata, di, voce, progetto, pagatore = _spesa_db(app, rid)
    assert (importo, giorno, ammissibile, annullata, di) == (Decimal("-30.00"), date(2023, 12, 4), True, False, sid)
    assert (voce, progetto) == _spesa_db(app, sid)[5:7] and pagatore == _spesa_db(app, sid)[7]
    assert _spesa_db(app, sid)[:4] == (Decimal("80.00"), date(2023, 11, 10), True, False)  # as it was sent
    mostrata = cav.get(f"/api/v1/spesa/{rid}").get_json()["result"]
    assert mostrata["rettifica_di"] == {"id": sid} and mostrata["importo"] == "-30.00"

    r = _rettifica(cav, sid, "50,01", "2023-12-06")  # 80 - 30 = 50 left
    assert r.status_code == 422
    assert "al massimo € 50,00" in " ".join(r.get_json()["message"]["importo"]), r.get_json()
    r = _rettifica(cav, sid, "5", "2023-10-01")  # before the spesa (and in no closed period)
    assert r.status_code == 422 and "non può precedere" in " ".join(r.get_json()["message"]["data"])
    assert _rettifica(cav, rid, "5", "2023-12-06").status_code == 422  # a rettifica is not rectified
    r = cav.put(f"/api/v1/spesa/{rid}", json={"note": "altro"})
    assert r.status_code == 422 and "Una rettifica non si modifica" in str(r.get_json())
    # Annulled, it gives nothing back: the whole 50 + 30 can be given back again.
    assert cav.post(f"/api/v1/spesa/{rid}/annulla", json={"motivo": "registrata per errore"}).status_code == 200
    r = _rettifica(cav, sid, "80", "2023-12-07")
    assert r.status_code == 201 and r.get_json()["result"]["ammissibile"], r.get_json()

    # The workbook of December: the rettifiche with their negative amounts, naming their spesa.
    r = client_di("capofila").get("/rendicontazione/scarica?dal=01/12/2023&al=31/12/2023")
    assert r.status_code == 200, r.status_code
    ws = openpyxl.load_workbook(io.BytesIO(r.data))["Spese"]
    righe = list(ws.iter_rows(min_row=3, values_only=True))
    intestazione = list(righe[0])
    mie = [dict(zip(intestazione, x)) for x in righe[1:] if x[intestazione.index("Rettifica della spesa n.")] == sid]
    assert sorted((Decimal(str(x["Importo"])).quantize(Decimal("0.01")), x["Esito"]) for x in mie) == [
        (Decimal("-80.00"), "Ammissibile"), (Decimal("-30.00"), "Annullata")]
    assert all(isinstance(x["Data"], datetime) and x["Data"].month == 12 for x in mie)


def test_la_rettifica_restituisce_spazio_al_massimale(app, api_di):
    cav = api_di("cav.crema")
    pid, _ = progetto_validato(api_di, budget={"budget_asse_ii": "3000"})
    orientamento = voce_id(app, ORIENTAMENTO)
    r = spesa(cav, pid, orientamento, "3000", data="2023-02-01")
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]
    assert _spesa_db(app, sid)[2]
    assert spesa(cav, pid, orientamento, "200", data="2023-03-01").status_code == 422  # the ceiling is full
    assert _rettifica(cav, sid, "500", "2023-02-20").status_code == 201
    residui = cav.get(f"/api/v1/progetto/{pid}/residui").get_json()["result"]
    autonomia = next(x for x in residui["massimali"] if x["codice"] == "autonomia")
    assert autonomia["speso"]["importo"] == "2500.00" and autonomia["residuo"]["importo"] == "500.00"
    r = spesa(cav, pid, orientamento, "200", data="2023-03-01")
    assert r.status_code == 201 and _spesa_db(app, r.get_json()["id"])[2], r.get_json()
    r = spesa(cav, pid, orientamento, "200", data="2023-02-10")  # before the money came back: still full
    assert r.status_code == 422 and "supera il massimale" in str(r.get_json())


@pytest.mark.parametrize("corpo, campo", [
    ({"importo": "abc", "data": "2023-12-01", "note": "rimborso"}, "importo"),
    ({"importo": "-5", "data": "2023-12-01", "note": "rimborso"}, "importo"),
    ({"importo": "0", "data": "2023-12-01", "note": "rimborso"}, "importo"),
    ({"importo": "5", "data": "2023-12-01", "note": ""}, "note"),
    ({"importo": "5", "data": None, "note": "rimborso"}, "data"),
    ({"importo": "5", "data": "01/12/2023", "note": "rimborso"}, "data"),
    ({"importo": 5, "data": "2023-12-01", "note": "rimborso"}, "importo"),
    ({"importo": "5", "data": "2023-12-01", "note": "rimborso", "giustificativo_tipo": "pizza"}, "giustificativo_tipo"),
    ({"importo": "5", "data": "2023-12-01", "note": "rimborso", "giustificativo_numero": "x" * 51},
     "giustificativo_numero"),
])
def test_input_sbagliato_ha_un_errore_in_italiano_sul_suo_campo(app, api_di, corpo, campo):
    cav = api_di("cav.crema")
    pid, _ = progetto_validato(api_di)
    sid = spesa(cav, pid, voce_id(app, TRASPORTO), "20", data="2023-10-10").get_json()["id"]
    r = cav.post(f"/api/v1/spesa/{sid}/rettifica", json=corpo)
    assert r.status_code in (400, 422), r.get_json()
    assert campo in r.get_json()["message"], r.get_json()
    assert cav.post(f"/api/v1/spesa/{sid}/rettifica", data="non json").status_code == 400
    assert _spesa_db(app, sid)[:4] == (Decimal("20.00"), date(2023, 10, 10), True, False)


# --- who ---------------------------------------------------------------------------------------------

# username -> (API rettifica, GET form, POST form): 403 no permission on spese; 404 the spesa is
# outside her perimeter; 302 from the form: back to the spesa's page with the reason; 201/200/302
# the payer: the API records it, the form opens, the POST saves and goes to the new spesa.
ATTESI = {
    "admin": (403, 403, 403),
    "capofila": (403, 302, 302),  # sees every spesa, pays only Asse I: not hers to correct
    "cav.cremona": (404, 404, 404),
    "cav.crema": (201, 200, 302),
    "cav.casalmaggiore": (404, 404, 404),
    "equipe.cremona": (403, 403, 403),
    "equipe.crema": (403, 403, 403),
    "equipe.casalmaggiore": (403, 403, 403),
    "servizi.cpi": (403, 403, 403),
    "regione": (403, 403, 403),
}
assert set(ATTESI) == set(UTENTI_DEMO)


def _api(app, username):
    c = app.test_client()
    return ApiClient(c, token_per(c, username))


@pytest.fixture(scope="module")
def progetto_di_crema(app):
    pid, _ = progetto_validato(lambda u: _api(app, u))
    return pid


def _rettifiche_di(app, sid):
    from sqlalchemy import func, select

    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        n = db.session.execute(select(func.count()).select_from(m.Spesa).where(m.Spesa.rettifica_di_id == sid)).scalar()
        db.session.remove()
    return n


@pytest.mark.parametrize("username", sorted(ATTESI))
def test_solo_chi_ha_pagato_la_spesa_la_rettifica(app, progetto_di_crema, username):
    api_rettifica, get_modulo, post_modulo = ATTESI[username]
    cav = _api(app, "cav.crema")
    trasporto = voce_id(app, TRASPORTO)
    per_api, per_modulo = (spesa(cav, progetto_di_crema, trasporto, "40", data="2023-10-11").get_json()["id"]
                           for _ in range(2))
    r = _rettifica(_api(app, username), per_api, "5", "2023-12-01")
    assert r.status_code == api_rettifica, (username, r.get_json())
    assert _rettifiche_di(app, per_api) == (1 if api_rettifica == 201 else 0)
    c = app.test_client()
    login(c, username)
    r = c.get(f"/spesaview/rettifica/{per_modulo}")
    assert r.status_code == get_modulo, username
    token = csrf_da(r.get_data(as_text=True)) if r.status_code == 200 else csrf_da(c.get("/").get_data(as_text=True))
    r = c.post(f"/spesaview/rettifica/{per_modulo}", data={"csrf_token": token, "importo": "5", "data": "01/12/2023",
                                                           "note": "prova di accesso"})
    assert r.status_code == post_modulo, username
    assert _rettifiche_di(app, per_modulo) == (1 if post_modulo == 302 and get_modulo == 200 else 0)
    if username == "capofila":
        assert "ha pagato la spesa può registrarne una rettifica" in c.get(f"/spesaview/show/{per_modulo}").get_data(as_text=True)


def test_anonimo_va_al_login(app, progetto_di_crema):
    sid = spesa(_api(app, "cav.crema"), progetto_di_crema, voce_id(app, TRASPORTO), "40", data="2023-10-11").get_json()["id"]
    r = app.test_client().get(f"/spesaview/rettifica/{sid}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = app.test_client().post(f"/api/v1/spesa/{sid}/rettifica", json={"importo": "1"})
    assert r.status_code == 401


# --- the page ----------------------------------------------------------------------------------------

def test_dalla_pagina_della_spesa_la_cav_registra_la_rettifica(app, api_di, client_di):
    cav = api_di("cav.crema")
    pid, _ = progetto_validato(api_di)
    sid = spesa(cav, pid, voce_id(app, TRASPORTO), "60", data="2023-10-12").get_json()["id"]
    c = client_di("cav.crema")
    pagina = c.get(f"/spesaview/show/{sid}").get_data(as_text=True)
    assert "Registra una rettifica" in pagina
    modulo = c.get(f"/spesaview/rettifica/{sid}")
    html = modulo.get_data(as_text=True)
    assert modulo.status_code == 200 and "Somma restituita" in html and "€ 60,00" in html
    assert re.search(r'<option selected value="nota_credito">|<option value="nota_credito" selected', html)
    r = c.post(f"/spesaview/rettifica/{sid}", data={"csrf_token": csrf_da(html), "importo": "70",
                                                    "data": "15/12/2023", "note": "rimborso"})
    testo = r.get_data(as_text=True)
    assert r.status_code == 200 and "al massimo € 60,00" in testo  # on the form, nothing written
    r = c.post(f"/spesaview/rettifica/{sid}", data={"csrf_token": csrf_da(html), "importo": "20,50",
                                                    "data": "15/12/2023", "note": "rimborso del fornitore",
                                                    "giustificativo_tipo": "nota_credito"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    nuova = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "€ -20,50" in nuova and "Rettifica registrata" in nuova and f"/spesaview/show/{sid}" in nuova
    assert "__None" not in nuova
    assert 'href="/spesaview/edit/' not in nuova  # a rettifica is not changed, only annulled
    assert c.post(f"/spesaview/rettifica/{sid}", data={"importo": "1", "data": "15/12/2023",
                                                       "note": "senza token"}).status_code == 400
