"""Money where the work happens (issue 11, §6): spent and residual per ceiling (one rule, shown on
the project page, in the API and beside the spesa form), the confirmation of a saved spesa, the
totals of the spese list, the giustificativo that survives a refused save, and the project's
history by the date of each decision."""
from __future__ import annotations

import html
import io
import re
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.aiuti_percorso import progetto_validato, spesa, voce_id
from tests.conftest import UTENTI_DEMO, csrf_da

PDF = b"%PDF-1.4 giustificativo in attesa " + b"x" * 200


# --- the rule ------------------------------------------------------------------------------

def _programma():
    from app.rules.programma import programma_predefinito

    return programma_predefinito("lia2")


def _progetto(area="lavoro"):
    from app.rules.eligibility import ProgettoDati

    return ProgettoDati(id=1, area=area, data_inizio=date(2022, 6, 1), data_fine=date(2024, 3, 31),
                        data_validazione_equipe=date(2022, 6, 10), data_validazione_capofila=date(2022, 6, 15),
                        ente_cav_id=7)


def _spesa_dati(voce, importo, id_, progetto):
    from app.rules.eligibility import SpesaDati

    return SpesaDati(voce=voce, importo=Decimal(importo), data=date(2023, 1, 10), ente_pagatore_id=7,
                     ente_pagatore_tipo="cav", coperta_da_altra_misura=False, giustificativo_numero=None,
                     giustificativo_data=None, progetto=progetto, id=id_)


def test_situazione_massimali_speso_residuo_e_avviso_al_90_per_cento():
    from app.rules.eligibility import situazione_massimali

    p = _progetto("lavoro")
    ammesse = [_spesa_dati("II-FORMAZIONE", "2000", 1, p), _spesa_dati("II-ORIENTAMENTO", "699.99", 2, p),
               _spesa_dati("III-PASTI", "50", 3, p)]  # Asse III is in no ceiling
    [autonomia] = situazione_massimali(p, ammesse, _programma())  # abitare (Asse IV) is not a lavoro project's
    assert (autonomia.codice, autonomia.speso, autonomia.residuo, autonomia.percentuale, autonomia.vicino) == (
        "autonomia", Decimal("2699.99"), Decimal("300.01"), 89, False)
    ammesse.append(_spesa_dati("II-FORMAZIONE", "0.01", 4, p))
    [autonomia] = situazione_massimali(p, ammesse, _programma())
    assert (autonomia.residuo, autonomia.percentuale, autonomia.vicino) == (Decimal("300.00"), 90, True)


def test_situazione_massimali_progetto_entrambe_le_aree_e_residuo_mai_negativo():
    from app.rules.eligibility import situazione_massimali

    p = _progetto("entrambe")
    ammesse = [_spesa_dati("IV-CANONE", "1600", 1, p)]  # past its ceiling (stored before a lowered one)
    situazione = {s.codice: s for s in situazione_massimali(p, ammesse, _programma())}
    assert set(situazione) == {"autonomia", "abitare"}
    assert situazione["abitare"].residuo == Decimal("0") and situazione["abitare"].vicino
    assert situazione["autonomia"].speso == Decimal("0") and situazione["autonomia"].residuo == Decimal("3000.00")


def test_il_residuo_mostrato_e_quello_con_cui_la_regola_rifiuta():
    from app.rules.eligibility import Contesto, situazione_massimali, valuta_spesa

    p = _progetto("lavoro")
    ammesse = (_spesa_dati("II-FORMAZIONE", "2999.99", 1, p),)
    [autonomia] = situazione_massimali(p, ammesse, _programma())
    esito = valuta_spesa(_spesa_dati("II-FORMAZIONE", "0.02", None, p), _programma(),
                         Contesto(spese_ammissibili_progetto=ammesse))
    assert autonomia.residuo == Decimal("0.01")
    assert any("residuo disponibile: € 0,01" in m for m in esito.motivi)


# --- the API ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def progetto_con_spese(app):
    """A cav.crema project (area lavoro) with an eligible € 1.000,00 on Asse II, an eligible
    € 50,00 on Asse III, and one recorded on purpose as non ammissibile (before the validation)."""
    from tests.conftest import ApiClient, token_per

    def api_di(nome):
        c = app.test_client()
        return ApiClient(c, token_per(c, nome))

    pid, donna = progetto_validato(api_di)
    cav = api_di("cav.crema")
    ids = {}
    for chiave, voce, importo, data, extra in [
            ("ii", "II-FORMAZIONE", "1000.00", "2023-01-10", {}),
            ("iii", "III-PASTI", "50.00", "2023-01-11", {}),
            ("no", "II-ORIENTAMENTO", "80.00", "2022-06-02", {"registra_non_ammissibile": True})]:
        r = spesa(cav, pid, voce_id(app, voce), importo, data=data, fornitore=f"Fornitore {chiave}", **extra)
        assert r.status_code == 201, r.get_json()
        ids[chiave] = r.get_json()["id"]
    return pid, donna, ids


def test_api_residui_del_progetto(app, api_di, progetto_con_spese):
    pid, donna, _ = progetto_con_spese
    r = api_di("cav.crema").get(f"/api/v1/progetto/{pid}/residui")
    assert r.status_code == 200, r.get_json()
    dati = r.get_json()["result"]
    assert dati["codice"].startswith(f"P-{donna['codice']}-")
    assert dati["speso_ammissibile"] == {"importo": "1050.00", "testo": "€ 1.050,00"}
    [autonomia] = dati["massimali"]
    assert autonomia["codice"] == "autonomia" and autonomia["assi"] == ["II"]
    assert autonomia["speso"]["testo"] == "€ 1.000,00" and autonomia["residuo"]["importo"] == "2000.00"
    assert autonomia["massimale"]["testo"] == "€ 3.000,00"
    assert (autonomia["percentuale"], autonomia["vicino"]) == (33, False)
    assert "voce" not in dati


def test_api_residui_con_la_voce_scelta(app, api_di, progetto_con_spese):
    pid, _, _ = progetto_con_spese
    cav = api_di("cav.crema")
    voce = cav.get(f"/api/v1/progetto/{pid}/residui?voce={voce_id(app, 'II-TIROCINIO-INDENNITA')}").get_json()
    assert voce["result"]["voce"]["massimali"] == ["autonomia"] and voce["result"]["voce"]["ammessa_nel_progetto"]
    pasti = cav.get(f"/api/v1/progetto/{pid}/residui?voce={voce_id(app, 'III-PASTI')}").get_json()["result"]["voce"]
    assert pasti["massimali"] == [] and pasti["ammessa_nel_progetto"]
    canone = cav.get(f"/api/v1/progetto/{pid}/residui?voce={voce_id(app, 'IV-CANONE')}").get_json()["result"]["voce"]
    assert not canone["ammessa_nel_progetto"]
    for sbagliata in ("999999", "abc"):
        r = cav.get(f"/api/v1/progetto/{pid}/residui?voce={sbagliata}")
        assert r.status_code == 400 and r.get_json()["message"] == "Voce di spesa sconosciuta."


@pytest.mark.parametrize("utente, atteso", [
    ("cav.crema", 200), ("capofila", 200), ("equipe.crema", 200),
    ("cav.cremona", 404), ("cav.casalmaggiore", 404), ("equipe.cremona", 404), ("servizi.cpi", 404),
    ("regione", 403), ("admin", 403)])
def test_api_residui_per_ruolo(api_di, progetto_con_spese, utente, atteso):
    pid, _, _ = progetto_con_spese
    r = api_di(utente).get(f"/api/v1/progetto/{pid}/residui")
    assert r.status_code == atteso, r.get_json()
    if atteso != 200:
        assert "massimali" not in r.get_data(as_text=True)


def test_api_residui_senza_accesso(app):
    assert app.test_client().get("/api/v1/progetto/1/residui").status_code == 401


# --- the project page -------------------------------------------------------------------------

def _testo(r):
    return r.get_data(as_text=True)


def test_pagina_del_progetto_mostra_spese_e_residui(client_di, progetto_con_spese):
    pid, _, ids = progetto_con_spese
    pagina = _testo(client_di("cav.crema").get(f"/progettoview/show/{pid}"))
    blocco = pagina[pagina.index('id="soldi-progetto"'):]
    assert "Spese e massimali" in blocco and "Budget di autonomia" in blocco
    riga = re.search(r'data-massimale="autonomia">(.*?)</tr>', blocco, re.S).group(1)
    assert "€ 1.000,00" in riga and "€ 3.000,00" in riga and "€ 2.000,00" in riga and "33%" in riga
    spese = {int(i): testo for i, testo in re.findall(r'<tr data-spesa="(\d+)">(.*?)</tr>', blocco, re.S)}
    assert set(spese) == set(ids.values())
    ii = spese[ids["ii"]]
    assert "10/01/2023" in ii and "II-FORMAZIONE" in ii and "€ 1.000,00" in ii and "Fornitore ii" in ii
    assert "Ammissibile" in ii and f"/spesaview/show/{ids['ii']}" in ii
    no = spese[ids["no"]]
    assert "Non ammissibile" in no and "precedente alla validazione" in no
    assert "Attenzione: il massimale" not in blocco
    assert f"/spesaview/add?progetto={pid}" in blocco  # her CAV records its spese from here


def test_pagina_del_progetto_altri_ruoli(client_di, progetto_con_spese):
    pid, _, ids = progetto_con_spese
    capofila = _testo(client_di("capofila").get(f"/progettoview/show/{pid}"))
    assert f'data-spesa="{ids["ii"]}"' in capofila and "Budget di autonomia" in capofila
    assert "/spesaview/add?progetto=" not in capofila  # the capofila does not pay a project's spese
    # The équipe reads no spese: the ceilings' figures only (as its API answer).
    equipe = _testo(client_di("equipe.crema").get(f"/progettoview/show/{pid}"))
    assert "Budget di autonomia" in equipe and "€ 2.000,00" in equipe
    assert "data-spesa=" not in equipe and "/spesaview/" not in equipe
    assert client_di("cav.cremona").get(f"/progettoview/show/{pid}").status_code == 404


def test_avviso_quando_un_massimale_e_al_90_per_cento(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    assert spesa(api_di("cav.crema"), pid, voce_id(app, "II-FORMAZIONE"), "2700").status_code == 201
    pagina = _testo(client_di("cav.crema").get(f"/progettoview/show/{pid}"))
    assert "Attenzione: il massimale «Budget di autonomia» è speso al 90%: residuo € 300,00." in pagina


def test_annullata_mostrata_e_fuori_dal_residuo(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    cav = api_di("cav.crema")
    sid = spesa(cav, pid, voce_id(app, "II-FORMAZIONE"), "400").get_json()["id"]
    assert cav.post(f"/api/v1/spesa/{sid}/annulla", json={"motivo": "registrata per errore"}).status_code == 200
    pagina = _testo(client_di("cav.crema").get(f"/progettoview/show/{pid}"))
    riga = re.search(rf'<tr data-spesa="{sid}">(.*?)</tr>', pagina, re.S).group(1)
    assert "Annullata" in riga
    autonomia = cav.get(f"/api/v1/progetto/{pid}/residui").get_json()["result"]["massimali"][0]
    assert autonomia["speso"]["importo"] == "0.00"


# --- the spesa form: the confirmation, and the file that survives a refusal ---------------------

def _dati(pagina, pid, voce, importo, numero, data="2023-01-10", **extra):
    return {"csrf_token": csrf_da(pagina), "progetto": str(pid), "voce": str(voce), "importo": importo,
            "data": data, "fornitore": "Ditta Esempio", "giustificativo_tipo": "fattura",
            "giustificativo_numero": numero, "giustificativo_data": data, "note": "", **extra}


def _posta(c, dati, url="/spesaview/add"):
    return c.post(url, data=dati, content_type="multipart/form-data")


def _spesa_salvata(app, numero):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        s = db.session.execute(select(m.Spesa).where(m.Spesa.giustificativo_numero == numero)).scalar_one_or_none()
        valori = None if s is None else {"id": s.id, "allegato": s.allegato, "ammissibile": s.ammissibile}
        db.session.remove()
    return valori


def _attesa(app) -> Path:
    return Path(app.config["LIA_UPLOAD_DIR"]) / ".in-attesa"


def test_il_modulo_parte_dal_progetto_della_pagina(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    pagina = _testo(client_di("cav.crema").get(f"/spesaview/add?progetto={pid}"))
    assert re.search(rf'<option selected value="{pid}">', pagina)
    assert 'id="residuo-progetto"' in pagina and "/api/v1/progetto/0/residui" in pagina


def test_conferma_di_una_spesa_ammissibile(app, api_di, client_di):
    pid, donna = progetto_validato(api_di)
    c = client_di("cav.crema")
    numero = f"OK-{uuid.uuid4().hex[:10]}"
    r = _posta(c, _dati(_testo(c.get("/spesaview/add")), pid, voce_id(app, "III-PASTI"), "12,50", numero))
    assert r.status_code == 302, _testo(r)[:500]
    pagina = _testo(c.get(r.headers["Location"]))
    codice = re.escape(donna["codice"])
    assert re.search(rf"Spesa registrata: € 12,50 su P-{codice}-\d+\s*<", pagina), pagina[pagina.find("Spesa reg") - 200:][:600]
    assert "alert-success" in pagina


def test_conferma_di_una_spesa_non_ammissibile_con_il_motivo(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    c = client_di("cav.crema")
    numero = f"NO-{uuid.uuid4().hex[:10]}"
    dati = _dati(_testo(c.get("/spesaview/add")), pid, voce_id(app, "III-PASTI"), "30", numero, data="2022-06-02",
                 registra_non_ammissibile="y")
    r = _posta(c, dati)
    assert r.status_code == 302, _testo(r)[:500]
    pagina = _testo(c.get(r.headers["Location"]))
    assert "Spesa registrata come NON AMMISSIBILE: € 30,00 su" in pagina
    assert "spesa del 02/06/2022 precedente alla validazione dall&#39;équipe territoriale (10/06/2022)" in pagina
    assert "alert-warning" in pagina
    assert _spesa_salvata(app, numero)["ammissibile"] is False


def test_il_file_sopravvive_a_un_salvataggio_rifiutato(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    c = client_di("cav.crema")
    voce = voce_id(app, "III-PASTI")
    numero = f"FILE-{uuid.uuid4().hex[:10]}"
    # 1. Refused by validation (amount): the file is kept, the form says so.
    dati = _dati(_testo(c.get("/spesaview/add")), pid, voce, "abc", numero,
                 file_giustificativo=(io.BytesIO(PDF), "scontrino mensa.pdf"))
    r = _posta(c, dati)
    pagina = _testo(r)
    assert r.status_code == 200 and "importo non numerico" in pagina
    assert "File già caricato: scontrino mensa.pdf" in pagina
    token = re.search(r'id="allegato_in_attesa" name="allegato_in_attesa" type="hidden" value="([0-9a-f]{32})"',
                      pagina).group(1)
    assert "scontrino" not in token
    # 2. Refused by the rules (before the validation), without a new file: still kept.
    dati = _dati(pagina, pid, voce, "12,50", numero, data="2022-06-02", allegato_in_attesa=token)
    r = _posta(c, dati)
    pagina = _testo(r)
    assert r.status_code == 200 and "precedente alla validazione" in pagina
    assert "File già caricato: scontrino mensa.pdf" in pagina and f'value="{token}"' in pagina
    assert _spesa_salvata(app, numero) is None
    # 3. Accepted: the waiting file becomes the spesa's giustificativo, and stops waiting.
    r = _posta(c, _dati(pagina, pid, voce, "12,50", numero, allegato_in_attesa=token))
    assert r.status_code == 302, _testo(r)[:800]
    salvata = _spesa_salvata(app, numero)
    assert salvata["allegato"] and (Path(app.config["LIA_UPLOAD_DIR"]) / salvata["allegato"]).read_bytes() == PDF
    assert c.get(f"/spesaview/allegato/{salvata['id']}").data == PDF
    assert not list(_attesa(app).glob(f"{token}*"))


def test_il_file_in_attesa_e_solo_di_chi_lo_ha_caricato(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    c = client_di("cav.crema")
    voce = voce_id(app, "III-PASTI")
    dati = _dati(_testo(c.get("/spesaview/add")), pid, voce, "abc", f"X-{uuid.uuid4().hex[:8]}",
                 file_giustificativo=(io.BytesIO(PDF), "mio.pdf"))
    token = re.search(r'name="allegato_in_attesa" type="hidden" value="([0-9a-f]{32})"', _testo(_posta(c, dati))).group(1)
    # Another user (another CAV, her own project) sending that token: neither shown nor attached.
    pid2, _ = progetto_validato(api_di, cav="cav.cremona", equipe="equipe.cremona", prefisso="CR-")
    altra = client_di("cav.cremona")
    numero = f"Y-{uuid.uuid4().hex[:8]}"
    r = _posta(altra, _dati(_testo(altra.get("/spesaview/add")), pid2, voce, "abc", numero, allegato_in_attesa=token))
    assert "mio.pdf" not in _testo(r) and token not in _testo(r)
    r = _posta(altra, _dati(_testo(r), pid2, voce, "9,00", numero, allegato_in_attesa=token))
    assert r.status_code == 302
    assert _spesa_salvata(app, numero)["allegato"] is None
    assert list(_attesa(app).glob(f"{token}*"))  # still hers


def test_un_file_non_ammesso_non_resta_in_attesa(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    c = client_di("cav.crema")
    prima = set(_attesa(app).iterdir()) if _attesa(app).exists() else set()
    dati = _dati(_testo(c.get("/spesaview/add")), pid, voce_id(app, "III-PASTI"), "abc", "Z-1",
                 file_giustificativo=(io.BytesIO(b"<html>non un pdf</html>"), "finto.pdf"))
    pagina = _testo(_posta(c, dati))
    assert "File già caricato" not in pagina
    assert (set(_attesa(app).iterdir()) if _attesa(app).exists() else set()) == prima


def test_i_file_in_attesa_da_piu_di_un_giorno_sono_rimossi(app):
    from app.servizi import allegati_in_attesa

    with app.test_request_context():
        cartella = allegati_in_attesa._cartella()
        vecchio = cartella / "0123456789abcdef0123456789abcdef.pdf"
        vecchio.write_bytes(PDF)
        recente = cartella / "fedcba9876543210fedcba9876543210.pdf"
        recente.write_bytes(PDF)
        ieri = time.time() - 25 * 3600
        import os

        os.utime(vecchio, (ieri, ieri))
        allegati_in_attesa.pulisci()
        assert not vecchio.exists() and recente.exists()
        recente.unlink()


# --- the spese list's totals ---------------------------------------------------------------------

def test_totali_della_lista_con_i_filtri(app, api_di, client_di):
    pid, _ = progetto_validato(api_di)
    cav = api_di("cav.crema")
    radice = f"TOT{uuid.uuid4().hex[:8]}"
    voce = voce_id(app, "III-PASTI")
    ids = []
    for suffisso, importo, data, extra in [("a", "10.00", "2023-01-10", {}), ("b", "5.50", "2022-06-02",
                                                                              {"registra_non_ammissibile": True}),
                                           ("c", "100.00", "2023-01-12", {})]:
        r = spesa(cav, pid, voce, importo, data=data, giustificativo_numero=f"{radice}-{suffisso}", **extra)
        assert r.status_code == 201, r.get_json()
        ids.append(r.get_json()["id"])
    assert cav.post(f"/api/v1/spesa/{ids[2]}/annulla", json={"motivo": "inserita due volte"}).status_code == 200
    c = client_di("cav.crema")
    pagina = _testo(c.get(f"/spesaview/list/?_flt_2_giustificativo_numero={radice}"))
    # The page asks for its totals once shown, with its own filters.
    url = html.unescape(re.search(r'<p class="lead" id="totali-spese"[^>]*data-url="([^"]+)"', pagina).group(1))
    assert url == f"/spesaview/totali?_flt_2_giustificativo_numero={radice}"
    totali = c.get(url).get_json()
    assert totali["testo"] == ("Totale delle spese elencate: € 15,50 (2 spese), di cui ammissibili € 10,00; "
                               "1 annullata esclusa dal totale.")
    assert (totali["numero"], totali["annullate"], totali["totale"], totali["ammissibile"]) == (3, 1, "15.50", "10.00")
    # Another CAV's list never counts these.
    altra = client_di("cav.cremona").get(url).get_json()
    assert altra["testo"] == "Totale delle spese elencate: € 0,00 (0 spese), di cui ammissibili € 0,00."


@pytest.mark.parametrize("username", sorted(UTENTI_DEMO))
def test_i_totali_rispondono_dove_risponde_la_lista(client_di, username):
    c = client_di(username)
    lista, totali = c.get("/spesaview/list/"), c.get("/spesaview/totali")
    assert totali.status_code == lista.status_code, (username, lista.status_code, totali.status_code)
    if totali.status_code == 200:
        assert totali.get_json()["testo"].startswith("Totale delle spese elencate: ")


def test_i_totali_chiedono_l_accesso(app):
    r = app.test_client().get("/spesaview/totali")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# --- the project's history -------------------------------------------------------------------------

def test_storico_con_la_data_della_decisione(api_di, client_di):
    pid, _ = progetto_validato(api_di, data_equipe="2022-06-10", data_capofila="2022-06-15")
    storico = api_di("cav.crema").get(f"/api/v1/progetto/{pid}/storico").get_json()["result"]
    decisioni = {t["a"]: t["data_decisione"] for t in storico}
    assert decisioni["validato_equipe"] == "2022-06-10" and decisioni["validato_capofila"] == "2022-06-15"
    assert decisioni["proposto"] == date.today().isoformat()  # no date entered: the day it was recorded
    pagina = _testo(client_di("cav.crema").get(f"/progettoview/show/{pid}"))
    storia = pagina[pagina.index("Data della decisione"):]
    righe = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip()
             for r in re.findall(r"<tr[^>]*>(.*?)</tr>", storia, re.S)]
    # First the decision date, then from/to, who (her name as a user), the note; the clock last.
    assert any(re.fullmatch(r"Dettaglio 10/06/2022 Proposto Validato dall&#39;équipe Équipe Crema "
                            r"\d\d/\d\d/\d{4} \d\d:\d\d", r) for r in righe), righe
    assert any(r.startswith("Dettaglio 15/06/2022 Validato dall&#39;équipe Validato dal capofila") for r in righe), righe


def test_conferma_di_una_spesa_dell_asse_i_senza_progetto(app, client_di):
    c = client_di("capofila")
    numero = f"A1-{uuid.uuid4().hex[:10]}"
    dati = _dati(_testo(c.get("/spesaview/add")), "", voce_id(app, "I-FORMAZIONE"), "100", numero)
    dati["progetto"] = "__None"
    r = _posta(c, dati)
    assert r.status_code == 302, _testo(r)[:800]
    assert "Spesa registrata: € 100,00 (Asse I, senza progetto)" in _testo(c.get(r.headers["Location"]))
