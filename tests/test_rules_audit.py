"""The audit chain as plain data (app.rules.audit): what the hash covers, what breaks it, and the
workbook the Amministratore downloads."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from app.rules.audit import CAMPI, INIZIO, calcola_hash, concatena, esamina, scrivi_registro

CHIAVE = b"chiave-di-prova"


def catena(n=5, chiave=CHIAVE):
    eventi = [{"quando": datetime(2024, 5, 1, 10, 0, i, 123456), "utente_id": 4, "username": "cav.crema",
               "ente_id": 3, "azione": "lettura_dati_personali", "tipo_record": "DatiPersonali", "record_id": i,
               "codici": f"CM-2023-{i:04d}", "ip": "10.0.0.1", "request_id": f"r-{i}",
               "dettaglio": '{"canale": "DatiPersonaliView.show"}'} for i in range(1, n + 1)]
    return [{**r, "id": i} for i, r in enumerate(concatena(chiave, eventi, INIZIO), start=1)]


def test_an_intact_chain_verifies_and_reports_its_length_and_last_hash():
    righe = catena()
    assert esamina(CHIAVE, righe) == (None, 5, righe[-1]["hash"])
    assert esamina(CHIAVE, []) == (None, 0, INIZIO)


@pytest.mark.parametrize("campo", CAMPI)
def test_changing_any_field_breaks_the_chain_at_that_row(campo):
    righe = catena()
    valore = righe[2][campo]
    righe[2][campo] = valore.replace(second=59) if isinstance(valore, datetime) else (
        valore + 1 if isinstance(valore, int) else f"{valore}x")
    assert esamina(CHIAVE, righe)[0] == 3


def test_a_field_emptied_breaks_the_chain():
    righe = catena()
    righe[1]["codici"] = None
    assert esamina(CHIAVE, righe)[0] == 2


def test_deleting_a_row_breaks_the_chain_at_the_next_one_and_deleting_the_first_too():
    righe = catena()
    assert esamina(CHIAVE, righe[:2] + righe[3:])[0] == 4
    assert esamina(CHIAVE, righe[1:])[0] == 2


def test_swapping_two_rows_breaks_the_chain():
    righe = catena()
    righe[1], righe[2] = righe[2], righe[1]
    assert esamina(CHIAVE, righe)[0] == 3  # id 3 now sits second


def test_a_row_forged_without_the_key_or_checked_with_another_key_fails():
    righe = catena()
    falso = concatena(b"indovinata", [{k: righe[-1][k] for k in CAMPI}], righe[-1]["hash"])[0]
    assert esamina(CHIAVE, righe + [{**falso, "id": 6}])[0] == 6
    assert esamina(b"altra-chiave", righe)[0] == 1


def test_rehashing_a_changed_row_without_fixing_the_next_ones_still_fails():
    righe = catena()
    righe[2]["username"] = "qualcun.altro"
    righe[2]["hash"] = calcola_hash(CHIAVE, righe[2], righe[2]["hash_precedente"])
    assert esamina(CHIAVE, righe)[0] == 4


def test_the_workbook_holds_the_rows_with_action_labels_and_keeps_formulas_as_text():
    righe = catena(2)
    righe[1]["dettaglio"] = '=HYPERLINK("http://esempio.invalid")'
    righe[1]["username"] = "<r>x</r>"
    buffer = io.BytesIO()
    n = scrivi_registro(buffer, [{**r, "ente": "Centro Antiviolenza di Crema"} for r in righe],
                        {"lettura_dati_personali": "Lettura dei dati personali"})
    assert n == 2
    foglio = load_workbook(io.BytesIO(buffer.getvalue())).active
    valori = list(foglio.iter_rows(values_only=True))
    assert valori[1][:7] == (1, datetime(2024, 5, 1, 10, 0, 1, 123000), 4, "cav.crema", 3,
                             "Centro Antiviolenza di Crema", "Lettura dei dati personali")
    cella = foglio.cell(row=3, column=13)
    assert cella.data_type == "s" and cella.value == '=HYPERLINK("http://esempio.invalid")'
    assert valori[2][3].startswith("<r>x</r>")
