"""Dates written and shown as gg/mm/aaaa on every form (issue 11 §4): the field's reading and
its refusals, form posts through the real login and CSRF, the list filters, the warning for a
date outside the programme period, and the REST API still in ISO 8601."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.rules.periodo_programma import avviso_fuori_periodo
from app.views.date_italiane import MESSAGGIO, DataItaliana, leggi_data, scrivi_data
from tests.aiuti_percorso import consenti, progetto_validato, voce_id
from tests.conftest import csrf_da

INIZIO, FINE = date(2022, 4, 1), date(2024, 3, 31)  # app/programmes/lia2.toml


# --- the field, alone ---------------------------------------------------------------------

@pytest.mark.parametrize("testo, atteso", [
    ("15/10/2023", date(2023, 10, 15)), ("5/1/2023", date(2023, 1, 5)), (" 05/01/2023 ", date(2023, 1, 5)),
    ("2023-10-15", date(2023, 10, 15)), ("29/02/2024", date(2024, 2, 29)),
])
def test_legge_gg_mm_aaaa_e_iso(testo, atteso):
    assert leggi_data(testo) == atteso


@pytest.mark.parametrize("testo", [
    "15/10/23", "21-04-14", "15-10-2023", "15.10.2023", "2023/10/15", "10/15/2023", "31/02/2023", "29/02/2023",
    "00/10/2023", "15/10/0000", "15/10/20233", "15 ottobre 2023", "15/10/2023 12:00", "oggi", "",
])
def test_rifiuta_il_resto_senza_indovinare(testo):
    with pytest.raises(ValueError) as exc:
        leggi_data(testo)
    assert str(exc.value) == MESSAGGIO


def test_scrive_gg_mm_aaaa_anche_per_anni_brevi():
    assert scrivi_data(date(2023, 10, 5)) == "05/10/2023"
    assert scrivi_data(date(999, 1, 2)) == "02/01/0999"
    assert scrivi_data(None) == ""


def test_campo_vuoto_e_lasciato_ai_validatori(app):
    from flask_wtf import FlaskForm
    from wtforms.validators import InputRequired, Optional

    class Modulo(FlaskForm):
        facoltativa = DataItaliana("Facoltativa", validators=[Optional()])
        obbligatoria = DataItaliana("Obbligatoria", validators=[InputRequired(message="Campo obbligatorio.")])

    with app.test_request_context():
        form = Modulo(formdata=MultiDict({"facoltativa": "", "obbligatoria": ""}), meta={"csrf": False})
        assert not form.validate()
        assert form.facoltativa.data is None and not form.facoltativa.errors
        assert form.obbligatoria.errors == ["Campo obbligatorio."]


def test_campo_rifiuta_e_ripropone_quanto_scritto(app):
    from flask_wtf import FlaskForm

    class Modulo(FlaskForm):
        data = DataItaliana("Data")

    with app.test_request_context():
        form = Modulo(formdata=MultiDict({"data": "15/10/23"}), meta={"csrf": False})
        assert not form.validate()
        assert form.data.errors == [MESSAGGIO]
        assert 'value="15/10/23"' in str(form.data())  # she corrects what she typed
        form = Modulo(formdata=MultiDict({"data": "2023-10-15"}), meta={"csrf": False})
        assert form.validate() and form.data.data == date(2023, 10, 15)
        assert 'value="2023-10-15"' in str(form.data())
        form = Modulo(data={"data": date(2023, 10, 5)}, meta={"csrf": False})
        html = str(form.data())
        assert 'value="05/10/2023"' in html and "lia-data" in html and "appbuilder_date" not in html
        assert "data-provide" not in html  # bootstrap-datepicker's own mm/dd/yyyy would take over


# --- the period warning rule --------------------------------------------------------------

def test_avviso_fuori_periodo_nomina_campo_e_periodo():
    assert avviso_fuori_periodo("Segnalazione", "data", "Data", INIZIO, INIZIO, FINE) is None
    assert avviso_fuori_periodo("Segnalazione", "data", "Data", FINE, INIZIO, FINE) is None
    assert avviso_fuori_periodo("Segnalazione", "data", "Data", None, INIZIO, FINE) is None
    avviso = avviso_fuori_periodo("Segnalazione", "data", "Data", date(2021, 10, 15), INIZIO, FINE)
    assert avviso == ("Attenzione: «Data» 15/10/2021 è fuori dal periodo del programma (dal 01/04/2022 al "
                      "31/03/2024). Il dato è stato salvato: verificare che sia corretto.")
    assert avviso_fuori_periodo("Progetto", "data_fine", "Fine", date(2024, 4, 1), INIZIO, FINE)


@pytest.mark.parametrize("campo", ["DatiPersonali.data_nascita", "Beneficiaria.data_presa_in_carico",
                                   "Spesa.data", "EsitoProgetto.data"])
def test_nessun_avviso_dove_la_data_non_e_del_programma_o_una_regola_decide(campo):
    modello, colonna = campo.split(".")
    assert avviso_fuori_periodo(modello, colonna, "X", date(1980, 1, 1), INIZIO, FINE) is None


# --- forms through the real login and CSRF ------------------------------------------------

def _donna_nuova(app, api):
    from app import models as m
    from app.extensions import db

    with app.app_context():
        ambito = db.session.query(m.Ambito).filter_by(codice="CM").one().id
        db.session.remove()
    r = api.post("/api/v1/beneficiaria/", json={
        "ambito": ambito, "data_presa_in_carico": "2023-01-02", "fascia_eta": "30-39", "cittadinanza": "italiana",
        "figli_minori": 0, "relazione_autore": "ex_partner", "condizione_occupazionale": "disoccupata"})
    assert r.status_code == 201, r.get_json()
    consenti(api, r.get_json()["id"])
    return r.get_json()["id"]


def _leggi(app, modello, pk, *colonne):
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        obj = db.session.get(modello, pk)
        valori = tuple(getattr(obj, c) for c in colonne)
        db.session.remove()
    return valori


def _conta(app, modello):
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        n = db.session.execute(select(func.count(modello.id))).scalar()
        db.session.remove()
    return n


def _valore(html, campo):
    trovato = re.search(rf'<input[^>]*id="{campo}"[^>]*value="([^"]*)"', html) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*id="{campo}"', html)
    assert trovato, f"nessuna casella {campo}"
    return trovato.group(1)


def _posta_segnalazione(client, bid, data):
    pagina = client.get("/segnalazioneview/add").get_data(as_text=True)
    return client.post("/segnalazioneview/add", data={
        "csrf_token": csrf_da(pagina), "beneficiaria": str(bid), "data": data, "area_richiesta": "lavoro",
        "note": ""}, follow_redirects=True)


def _ultima_segnalazione(app, bid):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        s = db.session.execute(select(m.Segnalazione).where(m.Segnalazione.beneficiaria_id == bid)
                               .order_by(m.Segnalazione.id.desc())).scalars().first()
        valori = (s.id, s.data) if s else (None, None)
        db.session.remove()
    return valori


def test_segnalazione_in_gg_mm_aaaa_salvata_e_riproposta(app, api_di, client_di):
    bid = _donna_nuova(app, api_di("cav.crema"))
    c = client_di("cav.crema")
    r = _posta_segnalazione(c, bid, "15/10/2023")
    assert r.status_code == 200 and "fuori dal periodo" not in r.get_data(as_text=True)
    sid, data = _ultima_segnalazione(app, bid)
    assert data == date(2023, 10, 15)
    modifica = c.get(f"/segnalazioneview/edit/{sid}").get_data(as_text=True)
    assert _valore(modifica, "data") == "15/10/2023"
    assert "15/10/2023" in c.get(f"/segnalazioneview/show/{sid}").get_data(as_text=True)
    # The REST API keeps ISO 8601.
    assert api_di("cav.crema").get(f"/api/v1/segnalazione/{sid}").get_json()["result"]["data"] == "2023-10-15"


def test_data_non_valida_messaggio_italiano_nulla_scritto(app, api_di, client_di):
    from app import models as m

    bid = _donna_nuova(app, api_di("cav.crema"))
    c = client_di("cav.crema")
    prima = _conta(app, m.Segnalazione)
    for sbagliata in ("15/10/23", "21-04-14", "31/02/2023"):
        r = _posta_segnalazione(c, bid, sbagliata)
        pagina = r.get_data(as_text=True)
        assert r.status_code == 200 and MESSAGGIO in pagina, sbagliata
        assert _valore(pagina, "data") == sbagliata  # what she typed, to correct
    assert _conta(app, m.Segnalazione) == prima


def test_data_fuori_periodo_salvata_con_avviso(app, api_di, client_di):
    bid = _donna_nuova(app, api_di("cav.crema"))
    c = client_di("cav.crema")
    r = _posta_segnalazione(c, bid, "15/10/2021")
    pagina = r.get_data(as_text=True)
    assert ("Attenzione: «Data» 15/10/2021 è fuori dal periodo del programma (dal 01/04/2022 al 31/03/2024)"
            in pagina)
    assert _ultima_segnalazione(app, bid)[1] == date(2021, 10, 15)


def test_progetto_in_gg_mm_aaaa_salvato_e_riproposto(app, api_di, client_di):
    from app import models as m

    api_cav = api_di("cav.crema")
    bid = _donna_nuova(app, api_cav)
    r = api_cav.post("/api/v1/segnalazione/", json={"beneficiaria": bid, "data": "2023-01-10", "area_richiesta": "lavoro"})
    assert r.status_code == 201, r.get_json()
    sid = r.get_json()["id"]
    r = api_di("equipe.crema").post("/api/v1/valutazione/", json={"segnalazione": sid, "esito": "ammessa",
                                                                  "pronta": True, "data": "2023-01-20"})
    assert r.status_code == 201, r.get_json()
    c = client_di("cav.crema")
    pagina = c.get(f"/progettoview/add?_flt_0_beneficiaria={bid}").get_data(as_text=True)
    r = c.post(f"/progettoview/add?_flt_0_beneficiaria={bid}", data={
        "csrf_token": csrf_da(pagina), "segnalazione": str(sid), "area": "lavoro", "obiettivi": "autonomia",
        "data_inizio": "1/2/2023", "data_fine": "15/04/2024", "budget_asse_ii": "1000"}, follow_redirects=True)
    testo = r.get_data(as_text=True)
    assert r.status_code == 200 and MESSAGGIO not in testo
    # The end past the programme's: saved, and said so naming the field.
    assert "«Fine» 15/04/2024 è fuori dal periodo del programma" in testo
    assert "«Inizio»" not in testo
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        pid = db.session.execute(select(m.Progetto.id).where(m.Progetto.segnalazione_id == sid)).scalar_one()
        db.session.remove()
    assert _leggi(app, m.Progetto, pid, "data_inizio", "data_fine") == (date(2023, 2, 1), date(2024, 4, 15))
    modifica = c.get(f"/progettoview/edit/{pid}").get_data(as_text=True)
    assert _valore(modifica, "data_inizio") == "01/02/2023" and _valore(modifica, "data_fine") == "15/04/2024"


def test_spesa_in_gg_mm_aaaa_e_fuori_periodo_decisa_dalle_regole(app, api_di, client_di):
    from app import models as m

    pid, _ = progetto_validato(api_di)
    c = client_di("cav.crema")

    def posta(data, numero):
        pagina = c.get("/spesaview/add").get_data(as_text=True)
        return c.post("/spesaview/add", data={
            "csrf_token": csrf_da(pagina), "progetto": str(pid), "voce": str(voce_id(app, "III-PASTI")),
            "importo": "12,50", "data": data, "fornitore": "Ditta Esempio", "giustificativo_tipo": "fattura",
            "giustificativo_numero": numero, "giustificativo_data": data, "note": ""},
            content_type="multipart/form-data")

    r = posta("15/10/2023", "F-DATA-IT-1")
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        spesa = db.session.execute(select(m.Spesa).where(m.Spesa.giustificativo_numero == "F-DATA-IT-1")).scalar_one()
        sid, valori = spesa.id, (spesa.data, spesa.giustificativo_data)
        db.session.remove()
    assert valori == (date(2023, 10, 15), date(2023, 10, 15))
    modifica = c.get(f"/spesaview/edit/{sid}").get_data(as_text=True)
    assert _valore(modifica, "data") == "15/10/2023" and _valore(modifica, "giustificativo_data") == "15/10/2023"

    # Outside the period the eligibility rule refuses it, with its own reason: no second warning.
    prima = _conta(app, m.Spesa)
    testo = posta("15/10/2021", "F-DATA-IT-2").get_data(as_text=True)
    assert "fuori dal periodo del programma (01/04/2022–31/03/2024)" in testo
    assert "Attenzione: «Data»" not in testo
    assert _conta(app, m.Spesa) == prima


def test_filtro_della_lista_legge_gg_mm_aaaa(app, api_di, client_di):
    api_cav = api_di("cav.crema")
    bid = _donna_nuova(app, api_cav)
    r = api_cav.post("/api/v1/segnalazione/", json={"beneficiaria": bid, "data": "2023-10-05", "area_richiesta": "lavoro"})
    assert r.status_code == 201, r.get_json()
    codice = api_cav.get(f"/api/v1/beneficiaria/{bid}").get_json()["result"]["codice"]
    c = client_di("cav.crema")
    # Filter 0 of a date is "equal to"; FAB's dateutil read 05/10/2023 as 10 May.
    assert codice in c.get("/segnalazioneview/list/?_flt_0_data=05/10/2023").get_data(as_text=True)
    assert codice not in c.get("/segnalazioneview/list/?_flt_0_data=10/05/2023").get_data(as_text=True)
    assert codice in c.get("/segnalazioneview/list/?_flt_0_data=2023-10-05").get_data(as_text=True)


def test_rendicontazione_periodo_in_gg_mm_aaaa(client_di):
    c = client_di("cav.crema")
    pagina = c.get("/rendicontazione/").get_data(as_text=True)
    assert 'type="date"' not in pagina and pagina.count("lia-data") == 2  # the same picker as the forms
    r = c.get("/rendicontazione/scarica?dal=01/04/2022&al=31/03/2024")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    r = c.get("/rendicontazione/scarica?dal=15/10/23&al=31/03/2024")
    testo = r.get_data(as_text=True)
    assert r.status_code == 400 and f"«Dal»: {MESSAGGIO}" in testo and 'value="15/10/23"' in testo
    r = c.get("/rendicontazione/scarica?dal=31/03/2024&al=01/04/2022")
    assert r.status_code == 400 and "La data «Al» precede la data «Dal»." in r.get_data(as_text=True)


def _record(html):
    trovato = re.search(r"Numero di record:\s*</strong>\s*(\d+)", html) or re.search(r"Numero di record:\D*(\d+)", html)
    return int(trovato.group(1)) if trovato else 0


def test_filtro_su_data_e_ora_per_giorno_in_gg_mm_aaaa(client_di):
    from datetime import datetime as dt, timezone

    c = client_di("admin")  # her own login is a row of today (UTC, as the register shows it)
    oggi = scrivi_data(dt.now(timezone.utc).date())
    pagina = c.get("/auditview/list/").get_data(as_text=True)
    assert "appbuilder_datetime" not in pagina  # FAB's box there throws in ab_filters.js
    tutte = _record(pagina)
    di_oggi = _record(c.get(f"/auditview/list/?_flt_0_quando={oggi}").get_data(as_text=True))
    assert 0 < di_oggi <= tutte
    assert _record(c.get("/auditview/list/?_flt_0_quando=01/01/2000").get_data(as_text=True)) == 0
    # Filters 1 and 2 are "maggiore di" and "minore di": after the day, before it.
    assert _record(c.get("/auditview/list/?_flt_1_quando=01/01/2000").get_data(as_text=True)) >= tutte
    assert _record(c.get(f"/auditview/list/?_flt_1_quando={oggi}").get_data(as_text=True)) == 0
    assert _record(c.get("/auditview/list/?_flt_2_quando=01/01/2000").get_data(as_text=True)) == 0


def test_ogni_campo_data_di_ogni_schermata_e_italiano(app):
    """Every add and edit form of every screen, and every list filter of the project's screens:
    no date box of FAB's left (its ab.js would force yyyy-mm-dd on it)."""
    from wtforms import DateField, DateTimeField

    from app.views import LiaModelView

    viste = [v for v in app.appbuilder.baseviews if hasattr(v, "add_form")]
    controllati = set()
    for vista in viste:
        # No screen lets a user write a date-and-time (the stamps are the system's); a filter may search one.
        moduli = [(vista.add_form, DateField), (vista.edit_form, DateField)]
        if isinstance(vista, LiaModelView):
            moduli.append((vista.search_form, DateTimeField))
        for form_cls, tipo in moduli:
            if form_cls is None:
                continue
            for nome in dir(form_cls):
                campo = getattr(form_cls, nome, None)
                classe = getattr(campo, "field_class", None)
                if isinstance(classe, type) and issubclass(classe, tipo):
                    assert classe is DataItaliana, f"{type(vista).__name__}.{nome}"
                    controllati.add(f"{type(vista).__name__}.{nome}")
    # Among them the encrypted birth date (an extra field) and a date-and-time filter.
    assert {"DatiPersonaliView.data_nascita", "SegnalazioneView.data", "ProgettoView.data_fine",
            "SpesaView.giustificativo_data", "AuditView.quando"} <= controllati
