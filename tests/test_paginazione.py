"""A list's pagination (issue 14): its links are built once per page and view, and they are the
links FAB builds one by one, with the list's filters and order kept."""
from __future__ import annotations

import re

import pytest
from flask_appbuilder.filters import TemplateFilters


@pytest.mark.parametrize("indirizzo", [
    "/spesaview/list/",
    "/spesaview/list/?_flt_0_voce=3&_oc_SpesaView=data&_od_SpesaView=asc",
    "/spesaview/list/?page_SpesaView=2&psize_SpesaView=50&_flt_1_data=01/01/2023",
])
def test_i_link_delle_pagine_sono_quelli_di_fab(app, indirizzo):
    filtri = app.jinja_env.filters
    with app.test_request_context(indirizzo):
        app.preprocess_request()
        for numero in (0, 1, 7, 39):
            for nostro, di_fab in ((filtri["link_page"], TemplateFilters.link_page_filter),
                                   (filtri["link_page_size"], TemplateFilters.link_page_size_filter)):
                for vista in ("SpesaView", "ProgettoView"):
                    assert nostro(numero, vista) == di_fab(None, numero, vista)


def test_la_pagina_successiva_mostra_altre_spese_con_lo_stesso_filtro(client_di):
    client = client_di("capofila")
    pagina = client.get("/spesaview/list/?_oc_SpesaView=importo&_od_SpesaView=desc&psize_SpesaView=2"
                        ).get_data(as_text=True)
    seconda = re.search(r'href="([^"]*page_SpesaView=1[^"]*)"', pagina)
    assert seconda, "nessun link alla seconda pagina"
    indirizzo = seconda.group(1).replace("&amp;", "&")
    assert all(a in indirizzo for a in ("_oc_SpesaView=importo", "_od_SpesaView=desc", "psize_SpesaView=2"))
    altra = client.get(indirizzo).get_data(as_text=True)
    chiavi = lambda html: set(re.findall(r'/spesaview/show/(\d+)', html))  # noqa: E731
    assert len(chiavi(pagina)) == len(chiavi(altra)) == 2 and chiavi(pagina) != chiavi(altra)
