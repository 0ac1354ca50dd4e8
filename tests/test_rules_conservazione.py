"""When a woman's personal data are due for erasure (app/rules/conservazione.py): pure rule."""
from datetime import date

import pytest

from app.rules.conservazione import (
    Caso, ProgettoChiuso, SegnalazioneValutata, da_cancellare, motivi_anni_non_validi, motivi_rifiuto_motivo,
    ultima_chiusura,
)

OGGI = date(2030, 6, 1)


def _caso(progetti=(), segnalazioni=(), presa=date(2022, 5, 2)):
    return Caso(7, "CM-2022-0007", presa, tuple(progetti), tuple(segnalazioni))


def _ammessa(con_progetto=True):
    return SegnalazioneValutata(date(2022, 5, 10), "ammessa", date(2022, 5, 20), con_progetto)


def test_progetto_concluso_da_piu_di_cinque_anni_e_dovuto_con_il_motivo_in_italiano():
    caso = _caso([ProgettoChiuso("P-CM-2022-0007-1", "concluso", date(2024, 3, 31))], [_ammessa()])
    [voce] = da_cancellare([caso], 5, OGGI)
    assert (voce.id, voce.codice, voce.scadenza) == (7, "CM-2022-0007", date(2029, 3, 31))
    assert "progetto P-CM-2022-0007-1 concluso il 31/03/2024" in voce.motivo
    assert "conservazione di 5 anni scaduta il 31/03/2029" in voce.motivo


def test_chiuso_di_recente_non_e_dovuto_e_lo_diventa_il_giorno_della_scadenza():
    caso = _caso([ProgettoChiuso("P-1", "interrotto", date(2025, 6, 1))], [_ammessa()])
    assert da_cancellare([caso], 5, date(2030, 5, 31)) == []
    assert [v.scadenza for v in da_cancellare([caso], 5, OGGI)] == [OGGI]


@pytest.mark.parametrize("stato", ["bozza", "proposto", "validato_equipe", "validato_capofila", "in_corso"])
def test_un_progetto_aperto_non_si_cancella_mai(stato):
    caso = _caso([ProgettoChiuso("P-1", "concluso", date(2010, 1, 1)), ProgettoChiuso("P-2", stato, None)],
                 [_ammessa()])
    assert ultima_chiusura(caso) is None and da_cancellare([caso], 1, OGGI) == []


@pytest.mark.parametrize("segnalazione", [
    SegnalazioneValutata(date(2020, 1, 1), None, None, False),  # waiting for the équipe
    SegnalazioneValutata(date(2020, 1, 1), "sospesa", date(2020, 2, 1), False),
    SegnalazioneValutata(date(2020, 1, 1), "ammessa", date(2020, 2, 1), False),  # no project yet
])
def test_una_segnalazione_ancora_aperta_tiene_aperto_il_caso(segnalazione):
    assert ultima_chiusura(_caso([], [segnalazione])) is None


def test_segnalazione_non_ammessa_chiude_il_caso_alla_data_della_valutazione():
    s = SegnalazioneValutata(date(2020, 1, 1), "non_ammessa", date(2020, 2, 3), False)
    assert ultima_chiusura(_caso([], [s]))[0] == date(2020, 2, 3)
    [voce] = da_cancellare([_caso([], [s])], 5, OGGI)
    assert "segnalazione del 01/01/2020 non ammessa il 03/02/2020" in voce.motivo


def test_conta_la_chiusura_piu_recente():
    caso = _caso([ProgettoChiuso("P-1", "concluso", date(2021, 1, 1))],
                 [_ammessa(), SegnalazioneValutata(date(2023, 1, 1), "non_ammessa", date(2023, 4, 4), False)])
    assert ultima_chiusura(caso)[0] == date(2023, 4, 4)


def test_senza_segnalazioni_ne_progetti_vale_la_presa_in_carico():
    [voce] = da_cancellare([_caso(presa=date(2020, 2, 29))], 5, OGGI)
    assert voce.scadenza == date(2025, 2, 28) and "presa in carico il 29/02/2020" in voce.motivo


def test_un_progetto_chiuso_senza_data_non_si_indovina():
    assert ultima_chiusura(_caso([ProgettoChiuso("P-1", "concluso", None)], [_ammessa()])) is None


def test_anni_e_motivo_validati():
    assert motivi_anni_non_validi(5, (6, 12)) == []
    assert motivi_anni_non_validi(0) and motivi_anni_non_validi("5") and motivi_anni_non_validi(True)
    assert motivi_anni_non_validi(1, (6, 18))  # before the last follow-up
    assert motivi_rifiuto_motivo("  ") == {"motivo": ["Indicare il motivo della cancellazione (almeno 5 caratteri)."]}
    assert motivi_rifiuto_motivo("richiesta dell'interessata") == {}


def test_il_file_del_programma_porta_gli_anni_e_li_valida():
    import tomllib

    from app.rules.programma import CARTELLA_PROGRAMMI, ProgrammaNonValido, leggi_programma

    dati = tomllib.loads((CARTELLA_PROGRAMMI / "lia2.toml").read_text(encoding="utf-8"))
    assert leggi_programma(dati).anni_conservazione == 5
    dati["conservazione"]["anni_dati_personali"] = 0
    with pytest.raises(ProgrammaNonValido) as exc:
        leggi_programma(dati)
    assert any(m.startswith("[conservazione]") for m in exc.value.motivi)
