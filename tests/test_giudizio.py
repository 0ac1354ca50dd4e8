"""One way to judge a spesa (issue 10, §1) and who may change it (§6), on the real stack.

Each test builds its own project (never the demo's spese, shared by other tests)."""
import re
import uuid

import pytest

from tests.aiuti_percorso import progetto_validato, spesa as _spesa, voce_id
from tests.conftest import csrf_da

TIROCINIO = "II-TIROCINIO-INDENNITA"  # Asse II: the € 3.000,00 "Budget di autonomia"


def _giust():
    return f"G-{uuid.uuid4().hex[:10]}"


def _leggi(api, sid):
    r = api.get(f"/api/v1/spesa/{sid}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["result"]


def _ricalcola_come_sistema(app, pid):
    from app.extensions import db
    from app.security import come_sistema
    from app.servizi.spese import ricalcola_progetto

    with app.app_context(), come_sistema():
        ricalcola_progetto(pid)
        db.session.commit()
        db.session.remove()


def test_spesa_retrodatata_che_spiazzerebbe_una_ammessa_rifiutata_col_suo_nome(app, api_di):
    pid, _ = progetto_validato(api_di)
    cav, voce = api_di("cav.crema"), voce_id(app, TIROCINIO)
    numero = _giust()
    r = _spesa(cav, pid, voce, "2000", data="2023-03-01", giustificativo_numero=numero)
    assert r.status_code == 201
    dopo = r.get_json()["id"]
    # Dated before it, € 1.500 fits on its own but pushes the € 2.000 of March over the ceiling.
    r = _spesa(cav, pid, voce, "1500", data="2023-02-01")
    assert r.status_code == 422
    corpo = r.get_json()["message"]
    atteso = f"la spesa del 01/03/2023 di € 2.000,00 (giustificativo n. {numero} del 01/03/2023), già ammessa"
    assert any(atteso in m and "Budget di autonomia" in m for m in corpo["_schema"]), corpo
    assert corpo["data"] == corpo["_schema"]
    # Forced: recorded "non ammissibile", the March spesa untouched, now and after a recompute.
    r = _spesa(cav, pid, voce, "1500", data="2023-02-01", registra_non_ammissibile=True)
    assert r.status_code == 201, r.get_json()
    prima = r.get_json()["id"]
    forzata = _leggi(cav, prima)
    assert forzata["ammissibile"] is False and forzata["non_ammissibile_su_richiesta"] is True
    assert "residuo disponibile: € 1.000,00" in forzata["motivi"]
    _ricalcola_come_sistema(app, pid)
    assert _leggi(cav, dopo)["ammissibile"] is True and _leggi(cav, prima)["ammissibile"] is False
    # What is left of the ceiling is still there for a later spesa.
    assert _spesa(cav, pid, voce, "1000", data="2023-04-01").status_code == 201


def test_nel_modulo_il_motivo_dello_spiazzamento_sul_campo_data(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    voce = voce_id(app, TIROCINIO)
    assert _spesa(api_di("cav.crema"), pid, voce, "2500", data="2023-03-01",
                  giustificativo_numero="FORM-SPIAZZATA").status_code == 201
    c = client_di("cav.crema")
    pagina = c.get("/spesaview/add").get_data(as_text=True)
    dati = {"csrf_token": csrf_da(pagina), "progetto": str(pid), "voce": str(voce), "importo": "600",
            "data": "2023-01-10", "fornitore": "Ditta", "giustificativo_tipo": "fattura",
            "giustificativo_numero": _giust(), "giustificativo_data": "2023-01-10", "note": ""}
    r = c.post("/spesaview/add", data=dati, content_type="multipart/form-data")
    testo = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "la spesa del 01/03/2023 di € 2.500,00 (giustificativo n. FORM-SPIAZZATA del 01/03/2023)" in testo
    dati["registra_non_ammissibile"] = "y"
    dati["csrf_token"] = csrf_da(testo)
    assert c.post("/spesaview/add", data=dati, content_type="multipart/form-data").status_code == 302


def test_una_copia_forzata_del_giustificativo_non_spiazza_l_originale(app, api_di):
    pid, _ = progetto_validato(api_di)
    cav, voce = api_di("cav.crema"), voce_id(app, "III-PASTI")
    numero = _giust()
    originale = _spesa(cav, pid, voce, "10", data="2023-02-01", giustificativo_numero=numero,
                       giustificativo_data="2023-02-01").get_json()["id"]
    # The copy is dated earlier: in date order it would come first, but the giustificativo is the original's.
    r = _spesa(cav, pid, voce, "10", data="2023-01-15", giustificativo_numero=numero.lower(),
               giustificativo_data="2023-02-01", registra_non_ammissibile=True)
    assert r.status_code == 201, r.get_json()
    copia = r.get_json()["id"]
    assert "già imputato" in _leggi(cav, copia)["motivi"]
    # Editing any spesa of the project recomputes it: the original stays admitted.
    assert cav.put(f"/api/v1/spesa/{originale}", json={"note": "controllata"}).status_code == 200
    assert _leggi(cav, originale)["ammissibile"] is True
    assert cav.put(f"/api/v1/spesa/{copia}", json={"note": "copia"}).status_code == 200
    assert _leggi(cav, copia)["ammissibile"] is False  # left out of the PUT, the flag stays
    r = cav.put(f"/api/v1/spesa/{copia}", json={"note": "copia", "registra_non_ammissibile": False})
    assert r.status_code == 422 and any("già imputato" in m for m in r.get_json()["message"]["_schema"])
    assert _leggi(cav, originale)["ammissibile"] is True


def test_modificare_una_spesa_precedente_non_spiazza_le_successive(app, api_di):
    pid, _ = progetto_validato(api_di)
    cav, voce = api_di("cav.crema"), voce_id(app, TIROCINIO)
    presto = _spesa(cav, pid, voce, "1000", data="2023-01-10").get_json()["id"]
    tardi = _spesa(cav, pid, voce, "1900", data="2023-05-10").get_json()["id"]
    r = cav.put(f"/api/v1/spesa/{presto}", json={"importo": "1200"})
    assert r.status_code == 422
    assert any("la spesa del 10/05/2023 di € 1.900,00" in m for m in r.get_json()["message"]["_schema"])
    assert _leggi(cav, tardi)["ammissibile"] is True and _leggi(cav, presto)["importo"] in ("1000.00", 1000.0)


def test_giudicare_senza_perimetro_fallisce_invece_di_vedere_un_progetto_vuoto(app, api_di):
    from app.extensions import db
    from app.security import PerimetroNonImpostato, come_sistema
    from app.servizi.spese import ricalcola_progetto

    pid, _ = progetto_validato(api_di)
    assert _spesa(api_di("cav.crema"), pid, voce_id(app, TIROCINIO), "2999").status_code == 201
    with app.app_context():
        with pytest.raises(PerimetroNonImpostato):
            ricalcola_progetto(pid)
        db.session.rollback()
        with come_sistema():
            assert ricalcola_progetto(pid) == 1
        db.session.rollback()
        db.session.remove()


def test_ogni_regola_dichiara_un_campo_del_modulo():
    from app.rules import eligibility as el
    from app.views.spese import SpesaView

    for regola in el.REGOLE + el.AVVISI:
        assert regola.campo in SpesaView.add_columns, regola.__name__


def test_i_motivi_parlano_con_le_parole_di_chi_usa_il_programma(app, api_di):
    pid, _ = progetto_validato(api_di, area="abitare", budget={"budget_asse_iv": 1500})
    cav, cap = api_di("cav.crema"), api_di("capofila")
    r = _spesa(cav, pid, voce_id(app, "II-FORMAZIONE"), "100")
    assert any("area «Abitare»" in m for m in r.get_json()["message"]["_schema"])
    r = _spesa(cap, pid, voce_id(app, "IV-CANONE"), "100")  # the capofila does not pay Asse IV
    motivi = " ".join(r.get_json()["message"]["_schema"])
    assert "gestite e pagate dal centro antiviolenza che ha in carico la donna" in motivi
    assert "(ente pagatore: Ente capofila)" in motivi and "capofila)" not in motivi.replace("Ente capofila)", "")
    assert _spesa(cav, pid, voce_id(app, "IV-CANONE"), "1400").status_code == 201
    r = _spesa(cav, pid, voce_id(app, "IV-CANONE"), "200")
    motivi = " ".join(r.get_json()["message"]["_schema"])
    assert "«Sostegno abitativo»" in motivi and "scheda" not in motivi
    assert not re.search(r"\b(entrambe|centro_antiviolenza|cav|LIA2)\b", motivi)


def test_l_oggetto_api_non_tiene_lo_stato_di_una_richiesta(app, api_di):
    from app.api.spese import SpesaApi

    api_spese = next(v for v in app.appbuilder.baseviews if isinstance(v, SpesaApi))
    prima = dict(vars(api_spese))
    pid, _ = progetto_validato(api_di)
    r = _spesa(api_di("cav.crema"), pid, voce_id(app, "III-PASTI"), "15", coperta_da_altra_misura=True,
               registra_non_ammissibile=True)
    assert r.status_code == 201
    assert dict(vars(api_spese)) == prima
    r = _spesa(api_di("cav.crema"), pid, voce_id(app, "III-PASTI"), "15", registra_non_ammissibile="sì")
    assert r.status_code == 422 and "registra_non_ammissibile" in r.get_json()["message"]
