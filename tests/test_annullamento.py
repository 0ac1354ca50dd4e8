"""Nothing vanishes (issue 10, §6): a spesa is annulled with a reason, never deleted; a woman, a
segnalazione, an esito with anything hanging from them stay; a record created by mistake goes
only by its author's hand, soon, while nothing depends on it. Through the form and the API."""
from __future__ import annotations

import html
import io
import json
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest

from tests.aiuti_percorso import consenti, progetto_validato, spesa, voce_id
from tests.conftest import ApiClient, csrf_da, login, token_per

GIORNO = "2023-10-19"  # a day no other test books a spesa on: the period of the download
VOCE = "II-ORIENTAMENTO"  # Asse II: the € 3.000 "autonomia" ceiling of a project


def _api(app, username):
    c = app.test_client()
    return ApiClient(c, token_per(c, username))


def _testo(r):
    return html.unescape(r.get_data(as_text=True))


def _csrf(client, url="/spesaview/list/"):
    return csrf_da(client.get(url).get_data(as_text=True))


def _nel_db(app, funzione):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        try:
            esito = funzione(db.session, m)
            db.session.commit()
            return esito
        finally:
            db.session.remove()


def _retrodata(app, modello, rid, ore=25):
    """Make a record look created `ore` hours ago (the mistake's window has passed)."""
    def fai(s, m):
        r = s.get(getattr(m, modello), rid)
        r.creato_il = r.creato_il - timedelta(hours=ore)
    _nel_db(app, fai)


@pytest.fixture(scope="module")
def progetto(app):
    """A validated, running project of a Crema woman (cav.crema pays its spese)."""
    pid, _ = progetto_validato(lambda u: _api(app, u), cav="cav.crema", equipe="equipe.crema", prefisso="CM-",
                               area="entrambe")
    return pid


def _nuova_spesa(app, pid, importo="100,00", chi="cav.crema", **extra):
    r = spesa(_api(app, chi), pid, voce_id(app, VOCE), importo, data=GIORNO, **extra)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


@pytest.fixture(scope="module")
def collega_crema(app):
    """A second operator of CAV Crema: she sees the same women, but did not create their records."""
    from app.extensions import db
    from app.security_roles import RUOLO_CAV

    sm = app.appbuilder.sm
    nome = "annullamento.collega"
    with app.app_context():
        u = sm.find_user(username=nome) or sm.add_user(nome, "Collega", "Crema", f"{nome}@esempio.invalid",
                                                     sm.find_role(RUOLO_CAV), password="demo-lia2-test")
        u.ente_id = sm.find_user(username="cav.crema").ente_id
        db.session.commit()
        db.session.remove()
    return nome


# --- annulling a spesa: API -------------------------------------------------------------------

def test_la_spesa_annullata_resta_visibile_esce_dai_massimali_e_il_giustificativo_si_riusa(app, progetto):
    cav = _api(app, "cav.crema")
    prima = _nuova_spesa(app, progetto, "2000,00")
    giust = cav.get(f"/api/v1/spesa/{prima}").get_json()["result"]
    assert giust["ammissibile"] is True
    # The ceiling (€ 3.000 on Asse II) refuses € 1.500 more...
    r = spesa(cav, progetto, voce_id(app, VOCE), "1500,00", data=GIORNO)
    assert r.status_code == 422, r.get_json()

    r = cav.post(f"/api/v1/spesa/{prima}/annulla", json={"motivo": "Importo errato, registrata di nuovo"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["result"]["esito"] == "Annullata"

    # ...and admits it once the first is annulled: the annulled spesa takes no ceiling.
    r = spesa(cav, progetto, voce_id(app, VOCE), "1500,00", data=GIORNO)
    assert r.status_code == 201, r.get_json()
    # The same giustificativo, typed again correctly, is not a duplicate of the annulled one.
    r = spesa(cav, progetto, voce_id(app, VOCE), "500,00", data=GIORNO,
              giustificativo_numero=giust["giustificativo_numero"])
    assert r.status_code == 201, r.get_json()
    assert cav.get(f"/api/v1/spesa/{r.get_json()['id']}").get_json()["result"]["ammissibile"] is True

    # Kept and shown, with who, when and why; a recompute of the project does not revive it.
    tenuta = cav.get(f"/api/v1/spesa/{prima}").get_json()["result"]
    assert tenuta["annullata"] is True and tenuta["ammissibile"] is False
    assert tenuta["motivo_annullamento"] == "Importo errato, registrata di nuovo"
    assert tenuta["annullata_il"] and tenuta["annullata_da"]["id"]

    def ricalcola(s, m):
        from app.servizi.spese import ricalcola_progetto
        ricalcola_progetto(progetto)
        return s.get(m.Spesa, prima).ammissibile, s.get(m.Spesa, prima).annullata
    assert _nel_db(app, ricalcola) == (False, True)
    r = cav.get(f"/api/v1/spesa/?q=(filters:!((col:annullata,opr:eq,value:!t)),order_column:id,order_direction:desc,page_size:100)")
    assert prima in [x["id"] for x in r.get_json()["result"]]


def test_annullare_chiede_un_motivo_e_una_volta_sola(app, progetto):
    cav = _api(app, "cav.crema")
    sid = _nuova_spesa(app, progetto)
    for corpo in ({"motivo": ""}, {"motivo": "   no "}, {"motivo": "x" * 1001}):
        r = cav.post(f"/api/v1/spesa/{sid}/annulla", json=corpo)
        assert r.status_code == 422 and r.get_json()["message"]["motivo"], r.get_json()
        assert "motivo" in r.get_json()["message"]["motivo"][0].lower()
    for corpo in (None, {}, {"motivo": 5}, ["motivo"]):
        r = cav.post(f"/api/v1/spesa/{sid}/annulla", json=corpo)
        assert r.status_code == 400 and "motivo" in r.get_json()["message"], r.get_json()
    assert cav.get(f"/api/v1/spesa/{sid}").get_json()["result"]["annullata"] is False
    assert cav.post(f"/api/v1/spesa/{sid}/annulla", json={"motivo": "Doppione"}).status_code == 200
    r = cav.post(f"/api/v1/spesa/{sid}/annulla", json={"motivo": "Doppione di nuovo"})
    assert r.status_code == 422 and "già annullata" in " ".join(r.get_json()["message"]["_schema"])
    assert cav.get(f"/api/v1/spesa/{sid}").get_json()["result"]["motivo_annullamento"] == "Doppione"
    # Annulled: neither changed nor deleted.
    r = cav.put(f"/api/v1/spesa/{sid}", json={"note": "ritocco"})
    assert r.status_code == 422 and "annullata non si modifica" in " ".join(r.get_json()["message"]["_schema"])
    r = cav.delete(f"/api/v1/spesa/{sid}")
    assert r.status_code == 422 and "annullata resta" in " ".join(r.get_json()["message"]["_schema"])


def test_l_annullamento_e_nel_registro_di_audit_senza_il_motivo(app, progetto):
    from sqlalchemy import select

    sid = _nuova_spesa(app, progetto)
    motivo = f"Motivo riservato {uuid.uuid4().hex[:8]}"
    assert _api(app, "cav.crema").post(f"/api/v1/spesa/{sid}/annulla", json={"motivo": motivo}).status_code == 200

    def righe(s, m):
        return [dict(r._mapping) for r in s.execute(select(m.AuditEvento.__table__).where(
            m.AuditEvento.tipo_record == "Spesa", m.AuditEvento.record_id == sid))]
    eventi = _nel_db(app, righe)
    annullamenti = [e for e in eventi if e["azione"] == "annullamento"]
    assert len(annullamenti) == 1 and annullamenti[0]["username"] == "cav.crema"
    assert annullamenti[0]["codici"] and annullamenti[0]["codici"].startswith("CM-")
    assert motivo not in json.dumps(eventi, default=str)


# --- deleting a spesa: refused, pointing to «Annulla», except the author's fresh mistake --------

def test_eliminare_una_spesa_e_rifiutato_con_il_rimando_ad_annulla(app, progetto, collega_crema):
    sid = _nuova_spesa(app, progetto)
    # A colleague of the same CAV is not the author: API and form refuse, naming «Annulla spesa».
    r = _api(app, collega_crema).delete(f"/api/v1/spesa/{sid}")
    assert r.status_code == 422 and "«Annulla spesa»" in " ".join(r.get_json()["message"]["_schema"])
    c = login(app.test_client(), collega_crema)
    r = c.post(f"/spesaview/delete/{sid}", data={"csrf_token": _csrf(c)}, follow_redirects=True)
    assert "«Annulla spesa»" in _testo(r)
    # The author, once the day of the mistake has passed: refused too.
    _retrodata(app, "Spesa", sid)
    r = _api(app, "cav.crema").delete(f"/api/v1/spesa/{sid}")
    assert r.status_code == 422 and "«Annulla spesa»" in " ".join(r.get_json()["message"]["_schema"])
    c = login(app.test_client(), "cav.crema")
    r = c.post(f"/spesaview/delete/{sid}", data={"csrf_token": _csrf(c)}, follow_redirects=True)
    assert "«Annulla spesa»" in _testo(r)
    assert _nel_db(app, lambda s, m: s.get(m.Spesa, sid) is not None)


def test_chi_ha_registrato_la_spesa_per_errore_la_elimina_subito(app, progetto):
    per_api, per_form = _nuova_spesa(app, progetto), _nuova_spesa(app, progetto)
    assert _api(app, "cav.crema").delete(f"/api/v1/spesa/{per_api}").status_code == 200
    c = login(app.test_client(), "cav.crema")
    r = c.post(f"/spesaview/delete/{per_form}", data={"csrf_token": _csrf(c)})
    assert r.status_code == 302
    assert _nel_db(app, lambda s, m: [s.get(m.Spesa, x) for x in (per_api, per_form)]) == [None, None]


# --- annulling a spesa: the form on its screen -------------------------------------------------

def test_il_modulo_annulla_spesa_chiede_il_motivo_e_mostra_lo_stato(app, progetto):
    sid = _nuova_spesa(app, progetto)
    c = login(app.test_client(), "cav.crema")
    pagina = _testo(c.get(f"/spesaview/show/{sid}"))
    assert "Annulla spesa" in pagina and f"/spesaview/action/annulla/{sid}" in pagina
    token = csrf_da(pagina)
    # The button posts the action, which opens the form.
    r = c.post(f"/spesaview/action/annulla/{sid}", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/spesaview/annulla/{sid}")
    modulo = _testo(c.get(f"/spesaview/annulla/{sid}"))
    assert "Motivo dell'annullamento" in modulo
    # No reason: the form again, with the Italian error, nothing annulled.
    r = c.post(f"/spesaview/annulla/{sid}", data={"csrf_token": token, "motivo": ""})
    assert r.status_code == 200 and "Indicare il motivo dell'annullamento" in _testo(r)
    assert _nel_db(app, lambda s, m: s.get(m.Spesa, sid).annullata) is False
    r = c.post(f"/spesaview/annulla/{sid}", data={"csrf_token": token, "motivo": "Fattura intestata ad altri"},
               follow_redirects=True)
    testo = _testo(r)
    assert "Spesa annullata" in testo and "Fattura intestata ad altri" in testo and "Annullata" in testo
    lista = _testo(c.get(f"/spesaview/list/?_flt_0_annullata=y"))
    assert "Annullata" in lista
    # Annulled: the form says so instead of asking again; the edit form refuses the change.
    r = c.get(f"/spesaview/annulla/{sid}", follow_redirects=True)
    assert "già annullata" in _testo(r)
    r = c.post(f"/spesaview/edit/{sid}", data={"csrf_token": token, "progetto": str(progetto),
                                               "voce": str(voce_id(app, VOCE)), "importo": "90,00",
                                               "data": GIORNO, "fornitore": "Altra"})
    assert r.status_code == 200 and "annullata non si modifica" in _testo(r)
    assert _nel_db(app, lambda s, m: s.get(m.Spesa, sid).importo) == Decimal("100.00")


# --- the workbook ---------------------------------------------------------------------------------

def test_il_rendiconto_mostra_la_spesa_annullata_fuori_dai_totali(app, progetto):
    tenuta, annullata = _nuova_spesa(app, progetto, "111,00"), _nuova_spesa(app, progetto, "222,00")
    assert _api(app, "cav.crema").post(f"/api/v1/spesa/{annullata}/annulla",
                                       json={"motivo": "Registrata due volte"}).status_code == 200
    c = login(app.test_client(), "capofila")
    r = c.get(f"/rendicontazione/scarica?dal={GIORNO}&al={GIORNO}")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.data), data_only=True)
    righe = list(wb["Spese"].iter_rows(min_row=4, values_only=True))
    per_importo = {}
    for riga in righe:
        per_importo.setdefault(Decimal(str(riga[7])).quantize(Decimal("0.01")), []).append(riga)
    assert [r_[16] for r_ in per_importo[Decimal("222.00")]] == ["Annullata"]  # Esito, then Motivi
    assert re.fullmatch(r"Annullata il \d\d/\d\d/\d{4}", per_importo[Decimal("222.00")][0][17])
    assert "Registrata due volte" not in json.dumps(righe, default=str)  # the typed reason stays inside
    assert [r_[16] for r_ in per_importo[Decimal("111.00")]] == ["Ammissibile"]
    riepilogo = list(wb["Riepilogo"].iter_rows(min_row=4, values_only=True))
    totale = riepilogo[-1]
    ammesse = sum((Decimal(str(r_[7])) for r_ in righe if r_[16] == "Ammissibile"), Decimal("0"))
    non_ammesse = sum((Decimal(str(r_[7])) for r_ in righe if r_[16] == "Non ammissibile"), Decimal("0"))
    assert Decimal(str(totale[4])).quantize(Decimal("0.01")) == ammesse.quantize(Decimal("0.01"))
    assert Decimal(str(totale[5])).quantize(Decimal("0.01")) == non_ammesse.quantize(Decimal("0.01"))
    assert totale[6] == len(righe)  # the annulled row is a row: the count equals the sheet's rows
    # The project's spending (sheet Progetti) leaves it out too.
    from app.servizi.rendicontazione import righe_progetti

    with app.app_context():
        speso = next(p for p in righe_progetti() if p.codice.startswith("P-")
                     and _nel_db(app, lambda s, m: s.get(m.Progetto, progetto).codice) == p.codice)
    def ammesso_db(s, m):
        from sqlalchemy import func, select
        return s.execute(select(func.sum(m.Spesa.importo)).where(
            m.Spesa.progetto_id == progetto, m.Spesa.annullata.is_(False), m.Spesa.ammissibile.is_(True))).scalar()
    assert speso.speso_per_asse["II"] == _nel_db(app, ammesso_db)


# --- a woman, a segnalazione, an esito: kept while anything hangs from them ----------------------

def _segnalazione(app, chi="cav.crema"):
    cav = _api(app, chi)
    r = cav.get("/api/v1/beneficiaria/?q=(page_size:100)")
    donna = next(x for x in r.get_json()["result"] if x["codice"].startswith("CM-"))
    consenti(cav, donna["id"], ("condivisione_equipe",))  # the first may be another test's, with none
    r = cav.post("/api/v1/segnalazione/", json={"beneficiaria": donna["id"], "data": "2024-03-01",
                                                "area_richiesta": "lavoro"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_la_segnalazione_valutata_non_si_elimina(app):
    sid = _segnalazione(app)
    r = _api(app, "equipe.crema").post("/api/v1/valutazione/", json={
        "segnalazione": sid, "esito": "ammessa", "pronta": True, "data": "2024-03-05"})
    assert r.status_code == 201, r.get_json()
    r = _api(app, "cav.crema").delete(f"/api/v1/segnalazione/{sid}")
    motivo = " ".join(r.get_json()["message"]["_schema"])
    assert r.status_code == 422 and "La segnalazione non può essere eliminata" in motivo
    assert "1 valutazione dell'équipe" in motivo
    c = login(app.test_client(), "cav.crema")
    r = c.post(f"/segnalazioneview/delete/{sid}", data={"csrf_token": _csrf(c)}, follow_redirects=True)
    assert "1 valutazione dell'équipe" in _testo(r)
    assert _nel_db(app, lambda s, m: (s.get(m.Segnalazione, sid) is not None,
                                      len(s.get(m.Segnalazione, sid).valutazioni))) == (True, 1)


def test_la_segnalazione_inserita_per_errore_la_elimina_solo_chi_l_ha_scritta_e_subito(app, collega_crema):
    prima, seconda, terza = _segnalazione(app), _segnalazione(app), _segnalazione(app)
    r = _api(app, collega_crema).delete(f"/api/v1/segnalazione/{prima}")
    assert r.status_code == 422 and "solo chi l'ha registrata" in " ".join(r.get_json()["message"]["_schema"])
    _retrodata(app, "Segnalazione", seconda)
    r = _api(app, "cav.crema").delete(f"/api/v1/segnalazione/{seconda}")
    assert r.status_code == 422 and "entro 24 ore" in " ".join(r.get_json()["message"]["_schema"])
    # A segnalazione from before authors were kept: nobody deletes it.
    _nel_db(app, lambda s, m: setattr(s.get(m.Segnalazione, terza), "creato_da_id", None))
    assert _api(app, "cav.crema").delete(f"/api/v1/segnalazione/{terza}").status_code == 422
    assert _api(app, "cav.crema").delete(f"/api/v1/segnalazione/{prima}").status_code == 200
    quarta = _segnalazione(app)
    c = login(app.test_client(), "cav.crema")
    assert c.post(f"/segnalazioneview/delete/{quarta}", data={"csrf_token": _csrf(c)}).status_code == 302
    assert _nel_db(app, lambda s, m: [s.get(m.Segnalazione, x) is None for x in (prima, seconda, terza, quarta)]) \
        == [True, False, False, True]


def test_l_esito_lo_elimina_solo_chi_l_ha_scritto_e_subito(app, progetto, collega_crema):
    def esito():
        r = _api(app, "cav.crema").post("/api/v1/esitoprogetto/", json={
            "progetto": progetto, "tipo": "follow_up", "data": "2024-01-15", "condizione_lavorativa": "occupata"})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]
    uno, due, tre = esito(), esito(), esito()
    r = _api(app, collega_crema).delete(f"/api/v1/esitoprogetto/{uno}")
    assert r.status_code == 422 and "solo chi l'ha registrato" in " ".join(r.get_json()["message"]["_schema"])
    c = login(app.test_client(), collega_crema)
    r = c.post(f"/esitoprogettoview/delete/{uno}", data={"csrf_token": _csrf(c)}, follow_redirects=True)
    assert "L'esito non può essere eliminato" in _testo(r)
    _retrodata(app, "EsitoProgetto", due)
    r = _api(app, "cav.crema").delete(f"/api/v1/esitoprogetto/{due}")
    assert r.status_code == 422 and "entro 24 ore" in " ".join(r.get_json()["message"]["_schema"])
    assert _api(app, "cav.crema").delete(f"/api/v1/esitoprogetto/{uno}").status_code == 200
    c = login(app.test_client(), "cav.crema")
    assert c.post(f"/esitoprogettoview/delete/{tre}", data={"csrf_token": _csrf(c)}).status_code == 302
    assert _nel_db(app, lambda s, m: [s.get(m.EsitoProgetto, x) is None for x in (uno, due, tre)]) \
        == [True, False, True]


def test_la_donna_la_elimina_solo_chi_l_ha_registrata_e_subito(app, collega_crema):
    ambito = _nel_db(app, lambda s, m: s.query(m.Ambito).filter_by(codice="CM").one().id)

    def donna():
        r = _api(app, "cav.crema").post("/api/v1/beneficiaria/", json={"ambito": ambito, "fascia_eta": "30-39"})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]
    una, due = donna(), donna()
    r = _api(app, collega_crema).delete(f"/api/v1/beneficiaria/{una}")
    assert r.status_code == 422 and "solo chi l'ha registrata" in " ".join(r.get_json()["message"]["_schema"])
    c = login(app.test_client(), collega_crema)
    r = c.post(f"/beneficiariaview/delete/{una}", data={"csrf_token": _csrf(c)}, follow_redirects=True)
    assert "solo chi l'ha registrata" in _testo(r)
    _retrodata(app, "Beneficiaria", due)
    r = _api(app, "cav.crema").delete(f"/api/v1/beneficiaria/{due}")
    assert r.status_code == 422 and "entro 24 ore" in " ".join(r.get_json()["message"]["_schema"])
    assert _api(app, "cav.crema").delete(f"/api/v1/beneficiaria/{una}").status_code == 200
    assert _nel_db(app, lambda s, m: [s.get(m.Beneficiaria, x) is None for x in (una, due)]) == [True, False]
