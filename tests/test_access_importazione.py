"""Who reaches «Importa da Excel» (page, template, report, a run and its progress, API): an Operatrice CAV only, for her
own centre; everyone else gets 403, and nothing of any woman."""
from __future__ import annotations

import io

import pytest

from aiuti_importazione import caso_completo, cartella

NON_CAV = ("equipe.crema", "capofila", "regione", "servizi.cpi", "admin")


@pytest.mark.parametrize("username", NON_CAV)
def test_only_a_cav_operator_opens_the_import_page_and_template(client_di, username):
    c = client_di(username)
    assert c.get("/importazione/").status_code == 403
    assert c.get("/importazione/modello").status_code == 403
    assert c.get("/importazione/resoconto/" + "0" * 32).status_code == 403
    assert c.get("/importazione/lavoro/" + "0" * 32).status_code == 403
    assert c.get("/importazione/lavoro/" + "0" * 32 + "/stato").status_code == 403
    assert "/importazione/" not in c.get("/").get_data(as_text=True)


@pytest.mark.parametrize("username", NON_CAV)
def test_only_a_cav_operator_imports_through_the_api(app, api_di, username):
    api = api_di(username)
    fogli, _ = caso_completo(1, 0)
    r = api.client.post("/api/v1/importazione/?dry_run=true", headers=api._h(), content_type="multipart/form-data",
                        data={"file": (io.BytesIO(cartella(fogli)), "f.xlsx")})
    assert r.status_code == 403


@pytest.mark.parametrize("url", ["/importazione/", "/importazione/lavoro/" + "0" * 32,
                                 "/importazione/lavoro/" + "0" * 32 + "/stato"])
def test_anonymous_is_sent_to_login(app, url):
    r = app.test_client().get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_cav_operator_sees_the_menu_entry(client_di):
    assert "/importazione/" in client_di("cav.crema").get("/importazione/").get_data(as_text=True)
