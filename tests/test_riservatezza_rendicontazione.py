"""The rendicontazione workbook and the small counts (issue 9, section 0): it once showed "<3"
in the Riepilogo next to the Spese sheet that lists those very rows. The workbook is the
Region's record-level extract by code, so its counts are exact and agree with its own rows;
nothing in it is masked, so nothing masked can be recovered."""
import io
import re

import openpyxl
import pytest

from tests.aiuti_percorso import progetto_validato, spesa, voce_id

GIORNO = "2023-11-27"  # a day no other test books a spesa on: the period of the download


@pytest.fixture(scope="module")
def spese_del_giorno(app):
    """On GIORNO: one spesa of Asse III and two of Asse II for a Crema project, four of Asse II
    for a Cremona one (counts 1 and 2 below the threshold, and 4 above)."""
    from tests.conftest import ApiClient, token_per

    def api_di(username):
        c = app.test_client()
        return ApiClient(c, token_per(c, username))

    for cav, equipe, prefisso, voci in [
        ("cav.crema", "equipe.crema", "CM-", ["III-TRASPORTO", "II-ORIENTAMENTO", "II-ORIENTAMENTO"]),
        ("cav.cremona", "equipe.cremona", "CR-", ["II-ORIENTAMENTO"] * 4),
    ]:
        pid, _ = progetto_validato(api_di, cav=cav, equipe=equipe, prefisso=prefisso, area="entrambe")
        for voce in voci:
            r = spesa(api_di(cav), pid, voce_id(app, voce), "10,00", data=GIORNO)
            assert r.status_code == 201, r.get_json()


@pytest.mark.parametrize("utente", ["capofila", "regione"])
def test_i_conteggi_del_riepilogo_sono_esatti_e_uguali_alle_righe_delle_spese(app, spese_del_giorno, client_di,
                                                                              utente):
    r = client_di(utente).get(f"/rendicontazione/scarica?dal={GIORNO}&al={GIORNO}")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.data), data_only=True)
    righe_spese = {}
    for riga in wb["Spese"].iter_rows(min_row=4, values_only=True):
        chiave = (riga[3], riga[4], riga[5])  # Asse, Priorità, Voce
        righe_spese[chiave] = righe_spese.get(chiave, 0) + 1
    riepilogo = list(wb["Riepilogo"].iter_rows(min_row=4, values_only=True))
    conteggi = {(asse, priorita, voce): n for asse, priorita, voce, _, _, _, n in riepilogo[:-1]
                if not str(priorita).startswith("Totale") and not str(voce).startswith("Totale")}
    assert conteggi == righe_spese
    assert sorted(conteggi.values()) == [1, 6]  # small counts are there, and exact
    # the subtotals of Asse II (6) and III (1), and per ente in the Budget sheet: 3 and 4
    assert {(r[0], r[6]) for r in riepilogo if str(r[1]).startswith("Totale asse")} == {("II", 6), ("III", 1)}
    budget = {r[1]: r[3] for r in wb["Budget"].iter_rows(min_row=4, values_only=True) if r[0] == "Ente"}
    assert budget["Centro Antiviolenza di Crema"] == 30 and budget["Centro Antiviolenza di Cremona"] == 40
    assert riepilogo[-1][0] == "Totale" and riepilogo[-1][6] == 7
    mascherati = [(ws.title, c.coordinate, c.value) for ws in wb for row in ws.iter_rows() for c in row
                  if isinstance(c.value, str) and re.fullmatch(r"<\d+|riservato", c.value.strip())]
    assert not mascherati
