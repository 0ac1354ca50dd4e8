"""Smoke: the app starts, the login page is Italian, a CAV sees her own women only."""
import re


def test_login_page_is_italian(app):
    r = app.test_client().get("/login/")
    assert r.status_code == 200
    assert "Accedi" in r.get_data(as_text=True)


def test_cav_crema_lists_only_crema_codes(client_di):
    html = client_di("cav.crema").get("/beneficiariaview/list/").get_data(as_text=True)
    codici = set(re.findall(r"\b(C[RMA])-20\d\d-\d{4}\b", html))
    assert codici == {"CM"}
