"""Retention and erasure of a woman's personal data (issue 12, §3): `flask lia conservazione`
(--dry-run), `flask lia anonimizza`, and «Cancella i dati personali» on her page. Her code,
profile, path and spese stay; the accounts and the indicators do not move.

The suite shares one database: the women here are created for the test (closed in the 1950s,
with LIA_CONSERVAZIONE_ANNI = 60 so that nobody else's case is due) and removed afterwards."""
from __future__ import annotations

import html
import uuid
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import delete, func, select

from tests.conftest import csrf_da

ANNI = 60
ALTRI = ["admin", "capofila", "cav.cremona", "equipe.crema", "servizi.cpi", "regione"]


@pytest.fixture
def conservazione(app, monkeypatch):
    """Every woman created through `crea`, removed (as the system, raw) at the end of the test."""
    monkeypatch.setitem(app.config, "LIA_CONSERVAZIONE_ANNI", ANNI)
    create = []

    def crea(stato="concluso", chiusura=date(1950, 3, 31), con_progetto=True):
        bid = _crea_donna(app, stato, chiusura, con_progetto)
        create.append(bid)
        return _stato(app, bid)

    yield crea
    _rimuovi(app, create)


def _crea_donna(app, stato, chiusura, con_progetto) -> int:
    from app import models as m
    from app import servizi
    from app.extensions import db
    from app.security import come_sistema, come_utente
    from app.servizi.beneficiarie import registra_donna

    with app.app_context():
        cav = app.appbuilder.sm.find_user(username="cav.crema")
        with come_utente(cav), servizi.transazione():
            b = registra_donna(m.Beneficiaria(data_presa_in_carico=date(2023, 1, 9)),
                               m.DatiPersonali(nome="Ortensia", cognome=f"Conservatella{uuid.uuid4().hex[:6]}",
                                               telefono="000 0000000"), cav)
            bid = b.id
        # Dates long past, set directly as the system (the forms accept nothing before 1900, and
        # nothing so old is needed elsewhere).
        with come_sistema(), servizi.transazione():
            b = db.session.get(m.Beneficiaria, bid)
            b.data_presa_in_carico = date(1949, 1, 10)
            if con_progetto:
                s = m.Segnalazione(beneficiaria=b, ente_segnalante_id=b.ente_id, ambito_id=b.ambito_id,
                                   data=date(1949, 1, 12), area_richiesta="lavoro")
                v = m.Valutazione(segnalazione=s, beneficiaria=b, esito="ammessa", pronta=True,
                                  data=date(1949, 1, 20))
                p = m.Progetto(codice=f"P-{b.codice}-T", beneficiaria=b, segnalazione=s, ente_coordinatore_id=b.ente_id,
                               area="lavoro", stato=stato, data_inizio=date(1949, 2, 1),
                               data_chiusura=chiusura if stato in ("concluso", "interrotto") else None)
                voce = db.session.execute(select(m.VoceSpesa).where(m.VoceSpesa.codice == "II-ORIENTAMENTO")).scalar_one()
                db.session.add_all([s, v, p, m.Spesa(progetto=p, beneficiaria=b, voce=voce, importo=Decimal("123.45"),
                                                     data=date(1949, 6, 1), ente_pagatore_id=b.ente_id,
                                                     ammissibile=True)])
        db.session.remove()
    return bid


def _stato(app, bid) -> dict:
    """Her code, and what is stored of her: identity rows, name-index rows, spese, the erasure."""
    from app import models as m
    from app.extensions import db
    from app.models.ricerca import IndiceNome
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        try:
            b = db.session.get(m.Beneficiaria, bid)
            conta = lambda q: db.session.execute(select(func.count()).select_from(q.subquery())).scalar()  # noqa: E731
            dp = select(m.DatiPersonali.id).where(m.DatiPersonali.beneficiaria_id == bid)
            return {"id": bid, "codice": b.codice, "dati": conta(dp),
                    "indice": conta(select(IndiceNome.hash).where(IndiceNome.dati_personali_id.in_(
                        select(m.DatiPersonali.id).where(m.DatiPersonali.beneficiaria_id == bid)))),
                    "spese": conta(select(m.Spesa.id).where(m.Spesa.beneficiaria_id == bid)),
                    "progetti": conta(select(m.Progetto.id).where(m.Progetto.beneficiaria_id == bid)),
                    "cancellati_il": b.dati_cancellati_il, "motivo": b.motivo_cancellazione}
        finally:
            db.session.remove()


def _indice_di(app, dp_ids) -> int:
    from app.extensions import db
    from app.models.ricerca import IndiceNome

    with app.app_context():
        try:
            return db.session.execute(select(func.count()).select_from(IndiceNome)
                                      .where(IndiceNome.dati_personali_id.in_(dp_ids))).scalar()
        finally:
            db.session.remove()


def _dati_personali_ids(app, bid) -> list[int]:
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        try:
            return list(db.session.execute(select(m.DatiPersonali.id).where(m.DatiPersonali.beneficiaria_id == bid))
                        .scalars())
        finally:
            db.session.remove()


def _audit(app, codice) -> list[tuple[str, str | None, str | None]]:
    from app.extensions import db
    from app.models.audit import AuditEvento

    with app.app_context():
        try:
            return [tuple(r) for r in db.session.execute(
                select(AuditEvento.azione, AuditEvento.username, AuditEvento.dettaglio)
                .where(AuditEvento.codici == codice, AuditEvento.azione == "cancellazione_dati"))]
        finally:
            db.session.remove()


def _rimuovi(app, ids):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        for modello in (m.Spesa, m.Progetto, m.Valutazione, m.Segnalazione, m.DatiPersonali, m.Beneficiaria):
            colonna = m.Beneficiaria.id if modello is m.Beneficiaria else modello.beneficiaria_id
            db.session.execute(delete(modello.__table__).where(colonna.in_(ids)))
        db.session.commit()
        db.session.remove()


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["lia", *args])


# --- the daily command --------------------------------------------------------------------------

def test_prova_elenca_solo_chi_ha_superato_la_conservazione_e_non_cambia_nulla(app, conservazione):
    scaduta = conservazione()
    aperta = conservazione(stato="in_corso")
    recente = conservazione(chiusura=date.today().replace(year=date.today().year - 1))
    r = _cli(app, "conservazione", "--dry-run")
    assert r.exit_code == 0, r.output
    assert (f"{scaduta['codice']}: Ultima chiusura: progetto P-{scaduta['codice']}-T concluso il 31/03/1950; "
            f"conservazione di {ANNI} anni scaduta il 31/03/2010.") in r.output
    assert aperta["codice"] not in r.output and recente["codice"] not in r.output
    assert "Ortensia" not in r.output and "Conservatella" not in r.output
    assert "prova, nulla è stato cancellato" in r.output
    for donna in (scaduta, aperta, recente):
        assert _stato(app, donna["id"]) == donna
    assert _audit(app, scaduta["codice"]) == []


def test_cancella_identita_e_indice_tiene_il_resto_ed_e_idempotente(app, conservazione):
    donna = conservazione()
    aperta = conservazione(stato="in_corso")
    dp_ids = _dati_personali_ids(app, donna["id"])
    assert donna["dati"] == 1 and _indice_di(app, dp_ids) > 0 and donna["spese"] == 1

    r = _cli(app, "conservazione")
    assert r.exit_code == 0, r.output
    assert f"{donna['codice']}: dati personali cancellati." in r.output and "Conservatella" not in r.output
    dopo = _stato(app, donna["id"])
    assert (dopo["dati"], dopo["indice"], _indice_di(app, dp_ids)) == (0, 0, 0)
    assert (dopo["codice"], dopo["spese"], dopo["progetti"]) == (donna["codice"], 1, 1)
    assert dopo["cancellati_il"] == date.today() and "conservazione di 60 anni scaduta" in dopo["motivo"]
    assert _stato(app, aperta["id"]) == aperta
    assert _audit(app, donna["codice"]) == [("cancellazione_dati", "sistema", '{"motivo": "conservazione_scaduta"}')]

    r = _cli(app, "conservazione")
    assert r.exit_code == 0, r.output
    assert "Nessun dato personale da cancellare" in r.output and donna["codice"] not in r.output
    assert len(_audit(app, donna["codice"])) == 1


def _numeri_del_rendiconto(app, percorso) -> dict:
    r = _cli(app, "rendicontazione", "--out", str(percorso))
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(percorso)
    fogli = {}
    for ws in wb.worksheets:
        numeri = [c.value for row in ws.iter_rows() for c in row
                  if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
        fogli[ws.title] = (ws.max_row, round(sum(numeri), 2))
    fogli["righe di spesa"] = sorted(tuple(str(c.value) for c in row) for row in wb["Spese"].iter_rows(min_row=4))
    return fogli


def test_rendiconto_e_indicatori_identici_prima_e_dopo_la_cancellazione(app, conservazione, tmp_path):
    from app.extensions import db
    from app.servizi.indicatori import righe_indicatori

    def indicatori():
        with app.app_context():
            try:
                return righe_indicatori()
            finally:
                db.session.remove()

    donna = conservazione()
    prima, ind_prima = _numeri_del_rendiconto(app, tmp_path / "prima.xlsx"), indicatori()
    assert any(donna["codice"] in riga for riga in prima["righe di spesa"])
    assert _cli(app, "anonimizza", donna["codice"], "--motivo", "richiesta dell'interessata").exit_code == 0
    assert _numeri_del_rendiconto(app, tmp_path / "dopo.xlsx") == prima
    assert indicatori() == ind_prima


def test_anonimizza_su_richiesta_una_volta_sola(app, conservazione):
    donna = conservazione(stato="in_corso")  # on request: even while her case is open
    r = _cli(app, "anonimizza", donna["codice"], "--motivo", "richiesta dell'interessata")
    assert r.exit_code == 0 and f"Dati personali di {donna['codice']} cancellati." in r.output
    dopo = _stato(app, donna["id"])
    assert (dopo["dati"], dopo["indice"], dopo["spese"], dopo["motivo"]) == (0, 0, 1, "richiesta dell'interessata")
    assert _audit(app, donna["codice"]) == [("cancellazione_dati", "sistema", '{"motivo": "richiesta"}')]

    r = _cli(app, "anonimizza", donna["codice"], "--motivo", "richiesta dell'interessata")
    assert r.exit_code == 1 and "Errore: Non ci sono dati personali" in r.output
    r = _cli(app, "anonimizza", "CM-1900-9999", "--motivo", "richiesta dell'interessata")
    assert r.exit_code == 1 and "nessuna beneficiaria con codice CM-1900-9999" in r.output
    assert _audit(app, donna["codice"]) == [("cancellazione_dati", "sistema", '{"motivo": "richiesta"}')]


# --- her page ----------------------------------------------------------------------------------

def test_il_suo_cav_cancella_dalla_pagina_con_un_motivo(app, conservazione, client_di):
    donna = conservazione(stato="in_corso")
    c = client_di("cav.crema")
    scheda = f"/beneficiariaview/show/{donna['id']}"
    pagina = c.get(scheda).get_data(as_text=True)
    assert "Cancella i dati personali" in pagina and "Ortensia" in pagina

    url = f"/beneficiariaview/cancella-dati/{donna['id']}"
    # The button posts FAB's action (with its CSRF token), which leads to the confirmation.
    r = c.post(f"/beneficiariaview/action/cancella_dati/{donna['id']}", data={"csrf_token": csrf_da(pagina)})
    assert r.status_code == 302 and r.headers["Location"].endswith(url)
    modulo = c.get(url)
    assert modulo.status_code == 200
    testo = modulo.get_data(as_text=True)
    assert '<label for="motivo"' in testo and donna["codice"] in testo
    r = c.post(url, data={"csrf_token": csrf_da(testo), "motivo": "  "})
    assert r.status_code == 200
    assert "Indicare il motivo della cancellazione (almeno 5 caratteri)." in r.get_data(as_text=True)
    assert c.post(url, data={"motivo": "richiesta dell'interessata"}).status_code == 400  # no CSRF token
    assert _stato(app, donna["id"]) == donna

    r = c.post(url, data={"csrf_token": csrf_da(testo), "motivo": "richiesta dell'interessata"},
               follow_redirects=True)
    assert r.status_code == 200
    testo = html.unescape(r.get_data(as_text=True))
    assert f"Dati personali di {donna['codice']} cancellati." in testo
    assert f"dati personali cancellati il {date.today():%d/%m/%Y}" in testo
    assert "Ortensia" not in testo and "__None" not in testo
    assert "Motivo della cancellazione: richiesta dell&#39;interessata" in r.get_data(as_text=True)
    dopo = _stato(app, donna["id"])
    assert (dopo["dati"], dopo["indice"], dopo["spese"]) == (0, 0, 1)
    assert [a[2] for a in _audit(app, donna["codice"])] == ['{"canale": "BeneficiariaView.cancella_dati", '
                                                            '"motivo": "richiesta"}']
    for pagina in (scheda, "/beneficiariaview/list/", f"/stampa/beneficiaria/{donna['id']}"):
        r = c.get(pagina)
        assert r.status_code == 200 and "__None" not in r.get_data(as_text=True), pagina
    # The reason is free text: her CAV's alone; the date is no personal data.
    altra = client_di("capofila").get(scheda).get_data(as_text=True)
    assert f"dati personali cancellati il {date.today():%d/%m/%Y}" in altra and "Motivo della cancellazione" not in altra
    # Nothing left to erase: no button, the form is not offered, a post erases nothing twice.
    assert "Cancella i dati personali" not in c.get(scheda).get_data(as_text=True)
    r = c.get(url, follow_redirects=True)
    assert f"Non ci sono dati personali di {donna['codice']} da cancellare." in html.unescape(r.get_data(as_text=True))
    r = c.post(url, data={"csrf_token": csrf_da(testo), "motivo": "richiesta dell'interessata"}, follow_redirects=True)
    assert "Non ci sono dati personali di" in html.unescape(r.get_data(as_text=True))
    assert len(_audit(app, donna["codice"])) == 1


@pytest.mark.parametrize("username", ALTRI)
def test_gli_altri_non_vedono_il_pulsante_e_non_cancellano(app, conservazione, client_di, username):
    donna = conservazione(stato="in_corso")
    c = client_di(username)
    scheda = c.get(f"/beneficiariaview/show/{donna['id']}")
    assert scheda.status_code in (200, 403, 404)
    assert "Cancella i dati personali" not in scheda.get_data(as_text=True)
    url = f"/beneficiariaview/cancella-dati/{donna['id']}"
    assert c.get(url).status_code in (403, 404)
    # With a valid CSRF token (from the logout form of any page): refused for who she is, not for the token.
    r = c.post(url, data={"csrf_token": csrf_da(c.get("/").get_data(as_text=True)), "motivo": "richiesta dell'interessata"})
    assert r.status_code in (403, 404)
    assert _stato(app, donna["id"]) == donna


def test_anonima_va_al_login(app, conservazione):
    donna = conservazione(stato="in_corso")
    r = app.test_client().get(f"/beneficiariaview/cancella-dati/{donna['id']}")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _stato(app, donna["id"]) == donna


def test_anni_fuori_misura_in_configurazione_fermano_il_comando(app, monkeypatch):
    monkeypatch.setitem(app.config, "LIA_CONSERVAZIONE_ANNI", 0)
    r = _cli(app, "conservazione", "--dry-run")
    assert r.exit_code == 1 and "Errore: LIA_CONSERVAZIONE_ANNI: gli anni di conservazione" in r.output


# --- the same from the REST API ------------------------------------------------------------------

def test_l_api_cancella_su_richiesta_per_il_suo_cav(app, conservazione, api_di):
    donna = conservazione(stato="in_corso")
    cav = api_di("cav.crema")
    url = f"/api/v1/beneficiaria/{donna['id']}/cancella-dati"
    for corpo, atteso in ((None, 400), ({"motivo": 3}, 400), ({"motivo": " "}, 422)):
        r = cav.post(url, json=corpo)
        assert r.status_code == atteso, (corpo, r.get_json())
    assert _stato(app, donna["id"]) == donna
    r = cav.post(url, json={"motivo": "richiesta dell'interessata"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["result"] == {"codice": donna["codice"], "dati_cancellati_il": date.today().isoformat()}
    dopo = _stato(app, donna["id"])
    assert (dopo["dati"], dopo["indice"], dopo["spese"]) == (0, 0, 1)
    assert len(_audit(app, donna["codice"])) == 1
    r = cav.post(url, json={"motivo": "richiesta dell'interessata"})
    assert r.status_code == 422 and "Non ci sono dati personali" in str(r.get_json()), r.get_json()
    assert len(_audit(app, donna["codice"])) == 1


@pytest.mark.parametrize("username", ALTRI)
def test_l_api_di_cancellazione_e_solo_del_suo_cav(app, conservazione, api_di, username):
    donna = conservazione(stato="in_corso")
    r = api_di(username).post(f"/api/v1/beneficiaria/{donna['id']}/cancella-dati",
                              json={"motivo": "richiesta dell'interessata"})
    assert r.status_code in (403, 404), (username, r.status_code, r.get_json())
    assert "Ortensia" not in r.get_data(as_text=True)
    assert _stato(app, donna["id"]) == donna


def test_l_api_di_cancellazione_anonima_risponde_401(app, conservazione):
    donna = conservazione(stato="in_corso")
    r = app.test_client().post(f"/api/v1/beneficiaria/{donna['id']}/cancella-dati", json={"motivo": "richiesta"})
    assert r.status_code == 401
    assert _stato(app, donna["id"]) == donna
