"""Who may change money (issue 10, §6): only the ente that pays a spesa edits or deletes it, and
the payer never changes. Every demo role, API and form, on a CAV's spesa and an Asse I one."""
import pytest

from tests.aiuti_percorso import progetto_validato, spesa as _spesa, voce_id
from tests.conftest import UTENTI_DEMO, csrf_da, ente_di

# cav.crema pays the project's spesa; the capofila pays the Asse I one.
# What each role gets on PUT/DELETE: 200 allowed, 403 not her money or no right, 404 out of her rows.
ATTESI_CAV = {"cav.crema": 200, "capofila": 403, "cav.cremona": 404, "cav.casalmaggiore": 404}
ATTESI_ASSE1 = {"capofila": 200, "cav.crema": 404, "cav.cremona": 404, "cav.casalmaggiore": 404}


@pytest.fixture(scope="module")
def spese(app):
    """A project spesa of cav.crema and an Asse I spesa of the capofila, made for this module."""
    from tests.conftest import ApiClient, token_per

    def api_di(u):
        c = app.test_client()
        return ApiClient(c, token_per(c, u))

    pid, _ = progetto_validato(api_di)
    r = _spesa(api_di("cav.crema"), pid, voce_id(app, "III-PASTI"), "20")
    assert r.status_code == 201, r.get_json()
    r1 = _spesa(api_di("capofila"), None, voce_id(app, "I-FORMAZIONE"), "300")
    assert r1.status_code == 201, r1.get_json()
    return {"cav": r.get_json()["id"], "asse1": r1.get_json()["id"], "pid": pid}


def _pagatore(app, sid):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        s = db.session.get(m.Spesa, sid)
        out = (s.ente_pagatore_id, s.note) if s else None
        db.session.remove()
    return out


@pytest.mark.parametrize("utente", UTENTI_DEMO)
@pytest.mark.parametrize("quale", ["cav", "asse1"])
def test_put_e_delete_solo_per_chi_paga(app, api_di, spese, utente, quale):
    sid = spese[quale]
    atteso = (ATTESI_CAV if quale == "cav" else ATTESI_ASSE1).get(utente, 403)
    pagatore_prima, _ = _pagatore(app, sid)
    api = api_di(utente)
    r = api.put(f"/api/v1/spesa/{sid}", json={"note": f"modificata da {utente}"})
    assert r.status_code == atteso, (utente, r.get_json())
    if utente == "capofila" and atteso == 403:  # she sees it: refused by the predicate, with its reason
        assert "Solo l'ente che ha pagato la spesa" in r.get_json()["message"]
    pagatore, note = _pagatore(app, sid)
    assert pagatore == pagatore_prima  # whoever saved it, the payer is the same
    assert (note == f"modificata da {utente}") is (atteso == 200)
    if atteso != 200:
        assert api.delete(f"/api/v1/spesa/{sid}").status_code == atteso
        assert _pagatore(app, sid) is not None


def test_il_capofila_non_diventa_pagatore_di_una_spesa_del_cav(app, api_di, spese):
    assert _pagatore(app, spese["cav"])[0] == ente_di(app, "cav.crema")
    assert api_di("capofila").put(f"/api/v1/spesa/{spese['cav']}", json={"importo": "25"}).status_code == 403
    assert _pagatore(app, spese["cav"])[0] == ente_di(app, "cav.crema")


@pytest.mark.parametrize("utente", UTENTI_DEMO)
def test_modulo_di_modifica_e_eliminazione(app, client_di, spese, utente):
    sid = spese["cav"]
    c = client_di(utente)
    r = c.get(f"/spesaview/edit/{sid}")
    if utente == "cav.crema":
        assert r.status_code == 200
        return
    if utente == "capofila":  # she sees it, cannot change it: told why, no form
        assert r.status_code == 302
        assert "Solo l&#39;ente che ha pagato la spesa" in c.get(r.headers["Location"]).get_data(as_text=True)
        pagina = c.get(f"/spesaview/show/{sid}").get_data(as_text=True)
        r = c.post(f"/spesaview/delete/{sid}", data={"csrf_token": csrf_da(pagina)})
        assert r.status_code == 302 and _pagatore(app, sid) is not None
        return
    assert r.status_code in (302, 403, 404)
    if r.status_code == 302:
        assert "/login" in r.headers["Location"]


def test_il_cav_elimina_la_sua_spesa_e_il_progetto_si_ricalcola(app, api_di):
    pid, _ = progetto_validato(api_di)
    cav = api_di("cav.crema")
    sid = _spesa(cav, pid, voce_id(app, "III-PASTI"), "20").get_json()["id"]
    assert api_di("capofila").delete(f"/api/v1/spesa/{sid}").status_code == 403
    assert cav.delete(f"/api/v1/spesa/{sid}").status_code == 200
    assert _pagatore(app, sid) is None
