"""Access rows of «Annulla spesa» and of deleting a spesa, for every demo role: only the paying
ente annuls (form and API); nobody but the author's fresh mistake deletes. A CAV Crema spesa."""
from __future__ import annotations

import pytest

from tests.aiuti_percorso import progetto_validato, spesa, voce_id
from tests.conftest import UTENTI_DEMO, ApiClient, csrf_da, login, token_per

# username -> (API annulla, GET form, POST form, API delete, POST form delete): expected statuses.
# 403: no permission on spese; 404: the spesa is outside her perimeter; 302 from a form: back to
# the spesa's page with the reason; 422: the API's Italian refusal.
ATTESI = {
    "admin": (403, 403, 403, 403, 403),
    "capofila": (403, 302, 302, 403, 302),  # sees every spesa, pays only Asse I: not hers to change
    "cav.cremona": (404, 404, 404, 404, 404),
    "cav.crema": (200, 200, 302, 422, 302),  # the payer: annuls; not a fresh mistake: no delete
    "cav.casalmaggiore": (404, 404, 404, 404, 404),
    "equipe.cremona": (403, 403, 403, 403, 403),
    "equipe.crema": (403, 403, 403, 403, 403),
    "equipe.casalmaggiore": (403, 403, 403, 403, 403),
    "servizi.cpi": (403, 403, 403, 403, 403),
    "regione": (403, 403, 403, 403, 403),
}
assert set(ATTESI) == set(UTENTI_DEMO)


def _api(app, username):
    c = app.test_client()
    return ApiClient(c, token_per(c, username))


@pytest.fixture(scope="module")
def progetto(app):
    pid, _ = progetto_validato(lambda u: _api(app, u), cav="cav.crema", equipe="equipe.crema", prefisso="CM-",
                               area="lavoro")
    return pid


def _stato(app, sid):
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        s = db.session.get(m.Spesa, sid)
        stato = None if s is None else (s.annullata, s.ammissibile, s.motivo_annullamento)
        db.session.remove()
    return stato


def _vecchia(app, sid):
    """Past the author's window: a delete is refused to everyone."""
    from datetime import timedelta

    from app import models as m
    from app.extensions import db
    from app.security import come_sistema

    with app.app_context(), come_sistema():
        s = db.session.get(m.Spesa, sid)
        s.creato_il -= timedelta(days=2)
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("username", UTENTI_DEMO)
def test_chi_annulla_e_chi_elimina_una_spesa(username, app, progetto):
    api_annulla, get_modulo, post_modulo, api_elimina, post_elimina = ATTESI[username]
    cav = _api(app, "cav.crema")
    per_api, per_modulo = (spesa(cav, progetto, voce_id(app, "II-ORIENTAMENTO"), "10,00").get_json()["id"]
                           for _ in range(2))
    for sid in (per_api, per_modulo):
        _vecchia(app, sid)
    prima = _stato(app, per_api)
    chi, c = _api(app, username), login(app.test_client(), username)
    # Her own session's token, from a form every role opens (her password's).
    token = csrf_da(c.get("/resetmypassword/form").get_data(as_text=True))

    r = chi.post(f"/api/v1/spesa/{per_api}/annulla", json={"motivo": "Prova di accesso"})
    assert r.status_code == api_annulla, (username, r.get_json())
    r = c.get(f"/spesaview/annulla/{per_modulo}")
    assert r.status_code == get_modulo, username
    r = c.post(f"/spesaview/annulla/{per_modulo}", data={"csrf_token": token, "motivo": "Prova di accesso"})
    assert r.status_code == post_modulo, username
    if username == "cav.crema":
        assert _stato(app, per_api)[0] is True and _stato(app, per_modulo)[0] is True
        return
    assert _stato(app, per_api) == prima and _stato(app, per_modulo) == prima, username

    r = chi.delete(f"/api/v1/spesa/{per_api}")
    assert r.status_code == api_elimina, (username, r.get_json())
    r = c.post(f"/spesaview/delete/{per_modulo}", data={"csrf_token": token})
    assert r.status_code == post_elimina, username
    assert _stato(app, per_api) == prima and _stato(app, per_modulo) == prima, username


def test_il_pagatore_non_elimina_la_spesa_vecchia_ne_con_il_modulo_ne_con_l_api(app, progetto):
    cav = _api(app, "cav.crema")
    sid = spesa(cav, progetto, voce_id(app, "II-ORIENTAMENTO"), "10,00").get_json()["id"]
    _vecchia(app, sid)
    assert cav.delete(f"/api/v1/spesa/{sid}").status_code == 422
    c = login(app.test_client(), "cav.crema")
    token = csrf_da(c.get("/spesaview/list/").get_data(as_text=True))
    assert c.post(f"/spesaview/delete/{sid}", data={"csrf_token": token}).status_code == 302
    assert _stato(app, sid) is not None
