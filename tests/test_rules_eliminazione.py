"""The plain rules of nothing vanishes: deleting as a mistake, annulling a spesa."""
from datetime import datetime, timedelta

from app.rules import annullamento as an
from app.rules import eliminazione as el

ORA = datetime(2024, 5, 10, 12, 0)


def test_una_parte_della_donna_non_la_trattiene_la_sua_storia_si():
    assert el.motivi_rifiuto_eliminazione({"lia_consenso": 2, "lia_dati_personali": 1}) == []
    motivi = el.motivi_rifiuto_eliminazione({"lia_valutazione": 1, "lia_progetto": 2}, "Segnalazione")
    assert motivi == ["La segnalazione non può essere eliminata: ha 1 valutazione dell'équipe e 2 progetti, "
                      "che restano nella storia del programma."]


def test_l_errore_si_elimina_solo_dall_autore_entro_la_finestra():
    dentro, fuori = ORA - timedelta(hours=el.ORE_PER_UN_ERRORE - 1), ORA - timedelta(hours=el.ORE_PER_UN_ERRORE + 1)
    assert el.motivi_rifiuto_errore("EsitoProgetto", True, dentro, ORA) == []
    assert "solo chi l'ha registrato può eliminarlo" in el.motivi_rifiuto_errore("EsitoProgetto", False, dentro, ORA)[0]
    assert "non può più essere eliminata" in el.motivi_rifiuto_errore("Segnalazione", True, fuori, ORA)[0]
    assert el.motivi_rifiuto_errore("Beneficiaria", True, None, ORA)  # creation time unknown: kept


def test_la_spesa_si_annulla_non_si_elimina():
    assert el.motivi_rifiuto_eliminazione_spesa(False, True, ORA, ORA) == []
    assert "«Annulla spesa»" in el.motivi_rifiuto_eliminazione_spesa(False, False, ORA, ORA)[0]
    assert "annullata resta" in el.motivi_rifiuto_eliminazione_spesa(True, True, ORA, ORA)[0]


def test_il_motivo_dell_annullamento_e_obbligatorio():
    assert an.motivi_rifiuto_annullamento(False, "Importo errato") == {}
    assert set(an.motivi_rifiuto_annullamento(False, "  ab ")) == {"motivo"}
    assert set(an.motivi_rifiuto_annullamento(False, "x" * 1001)) == {"motivo"}
    assert an.motivi_rifiuto_annullamento(True, "Importo errato") == {"_schema": [an.MSG_GIA_ANNULLATA]}
    assert an.motivi_rifiuto_modifica(True) and not an.motivi_rifiuto_modifica(False)
