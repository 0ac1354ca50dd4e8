"""Workflow of the progetto personalizzato and valutazione of a segnalazione (pure rules)."""
from dataclasses import replace
from datetime import date

import pytest

from app.rules.workflow import (
    ESITI_VALUTAZIONE,
    STATI,
    STATI_ETICHETTE,
    STATI_FINALI,
    STATO_INIZIALE,
    TRANSIZIONI,
    Attore,
    ProgettoStato,
    ha_raggiunto_in_corso,
    motivi_rifiuto,
    motivi_rifiuto_valutazione,
    transizioni_consentite,
    transizioni_possibili,
)

AMBITO, ALTRO_AMBITO, ENTE, ALTRO_ENTE = 1, 2, 10, 20

# The coordinating ente (a CAV operator), the équipe of the ambito, the capofila.
CAV = Attore(1, ENTE, AMBITO, operativo=True)
SERVIZI = Attore(2, ENTE, AMBITO, operativo=True)
EQUIPE = Attore(3, 30, AMBITO, operativo=True, equipe=True)
CAPOFILA = Attore(4, 40, None, operativo=True, capofila=True)
ALTRO_CAV = Attore(5, ALTRO_ENTE, AMBITO, operativo=True)
EQUIPE_ALTROVE = Attore(6, 31, ALTRO_AMBITO, operativo=True, equipe=True)
REGIONE = Attore(7, ENTE, None)
ADMIN = Attore(8, ENTE, None)


def prog(stato, **kw):
    dati = dict(
        stato=stato, ambito_id=AMBITO, ente_coordinatore_id=ENTE, usa_fondi_regionali=True,
        segnalazione_ammessa=True, ha_obiettivi=True,
        data_inizio=date(2024, 3, 1), data_fine=date(2024, 12, 31),
    )
    dati.update(kw)
    return ProgettoStato(**dati)


def test_costanti():
    assert STATO_INIZIALE == "bozza"
    assert STATI_FINALI == {"concluso", "interrotto"}
    assert set(STATI) == set(STATI_ETICHETTE) == set(TRANSIZIONI)
    assert STATI_ETICHETTE["validato_equipe"] == "Validato dall'équipe"
    assert set(ESITI_VALUTAZIONE) == {"ammessa", "non_ammessa", "sospesa"}


@pytest.mark.parametrize("da, verso, attore, kw", [
    ("bozza", "proposto", CAV, {}),
    ("bozza", "proposto", SERVIZI, {}),
    ("proposto", "bozza", CAV, {}),
    ("proposto", "validato_equipe", EQUIPE, {}),
    ("validato_equipe", "validato_capofila", CAPOFILA, {}),
    ("validato_equipe", "in_corso", CAV, {"usa_fondi_regionali": False}),  # skips capofila
    ("validato_capofila", "in_corso", CAV, {}),
    ("in_corso", "concluso", CAV, {}),
    ("in_corso", "interrotto", CAV, {}),
    ("proposto", "interrotto", CAV, {}),
    ("validato_equipe", "interrotto", CAV, {}),
    ("validato_capofila", "interrotto", SERVIZI, {}),
    ("bozza", "proposto", CAV, {"data_fine": None}),
    ("proposto", "bozza", CAV, {"ha_obiettivi": False}),  # sent back to be fixed
])
def test_transizioni_consentite(da, verso, attore, kw):
    nota = "non sostenibile dal punto di vista psico-fisico" if verso == "interrotto" else ""
    assert motivi_rifiuto(prog(da, **kw), attore, verso, nota) == []


@pytest.mark.parametrize("da, verso, atteso", [
    ("bozza", "in_corso", "Da «Bozza» non si può passare a «In corso»"),
    ("bozza", "interrotto", "Da «Bozza» non si può passare a «Interrotto»"),
    ("proposto", "validato_capofila", "non si può passare"),
    ("validato_capofila", "validato_equipe", "non si può passare"),
    ("in_corso", "bozza", "non si può passare"),
    ("in_corso", "in_corso", "non si può passare"),
    ("concluso", "in_corso", "Il progetto è già concluso: nessuna transizione possibile"),
    ("interrotto", "in_corso", "Il progetto è già interrotto: nessuna transizione possibile"),
    ("bozza", "archiviato", "Lo stato «archiviato» non esiste"),
    ("sconosciuto", "bozza", "non è riconosciuto"),
])
def test_rifiuto_per_stato(da, verso, atteso):
    motivi = motivi_rifiuto(prog(da), CAV, verso, "nota")
    assert len(motivi) == 1 and atteso in motivi[0]


@pytest.mark.parametrize("da, verso, attore, attesi", [
    ("bozza", "proposto", ALTRO_CAV, ["Solo l'ente che coordina"]),
    ("bozza", "proposto", EQUIPE, ["Solo l'ente che coordina"]),
    ("bozza", "proposto", REGIONE, ["Il tuo ruolo"]),
    ("in_corso", "concluso", ADMIN, ["Il tuo ruolo"]),
    ("in_corso", "interrotto", CAPOFILA, ["Solo l'ente che coordina"]),
    ("validato_capofila", "in_corso", Attore(9, ENTE, AMBITO), ["Il tuo ruolo"]),
    ("proposto", "validato_equipe", CAV, ["Solo l'équipe territoriale"]),
    ("proposto", "validato_equipe", CAPOFILA, ["Solo l'équipe territoriale", "altro ambito"]),
    ("proposto", "validato_equipe", EQUIPE_ALTROVE, ["altro ambito"]),
    ("validato_equipe", "validato_capofila", EQUIPE, ["Solo il capofila"]),
    ("validato_equipe", "validato_capofila", REGIONE, ["Solo il capofila"]),
])
def test_rifiuto_per_ruolo_e_ambito(da, verso, attore, attesi):
    motivi = motivi_rifiuto(prog(da), attore, verso, "nota")
    assert len(motivi) == len(attesi)
    assert all(a in m for a, m in zip(attesi, motivi))


def test_tutti_i_motivi_insieme():
    p = prog("bozza", segnalazione_ammessa=False, ha_obiettivi=False, data_inizio=None)
    motivi = motivi_rifiuto(p, Attore(9, 99, None), "proposto")
    assert motivi == [
        "Il tuo ruolo non consente di far avanzare i progetti",
        "Solo l'ente che coordina la micro-équipe può far avanzare il progetto",
        "La segnalazione non è stata ammessa dall'équipe territoriale",
        "Il progetto non ha obiettivi",
        "Manca la data di inizio del progetto",
    ]


@pytest.mark.parametrize("da, verso, attore, kw, atteso", [
    ("bozza", "proposto", CAV, {"segnalazione_ammessa": False}, "non è stata ammessa"),
    ("bozza", "proposto", CAV, {"ha_obiettivi": False}, "non ha obiettivi"),
    ("bozza", "proposto", CAV, {"data_inizio": None}, "Manca la data di inizio"),
    ("bozza", "proposto", CAV, {"data_fine": date(2024, 2, 1)}, "data di fine precede"),
    ("proposto", "validato_equipe", EQUIPE, {"ha_obiettivi": False}, "non ha obiettivi"),
    ("validato_capofila", "in_corso", CAV, {"data_inizio": None}, "Manca la data di inizio"),
    ("validato_equipe", "in_corso", CAV, {}, "Serve la validazione del capofila"),
])
def test_rifiuto_per_dati(da, verso, attore, kw, atteso):
    motivi = motivi_rifiuto(prog(da, **kw), attore, verso)
    assert len(motivi) == 1 and atteso in motivi[0]


@pytest.mark.parametrize("nota", ["", "   ", None])
@pytest.mark.parametrize("da", ["proposto", "validato_equipe", "validato_capofila", "in_corso"])
def test_interrotto_richiede_nota(da, nota):
    motivi = motivi_rifiuto(prog(da), CAV, "interrotto", nota)
    assert motivi == ["Indica il motivo dell'interruzione"]


@pytest.mark.parametrize("stato, possibili", [
    ("bozza", ["proposto"]),
    ("proposto", ["validato_equipe", "bozza", "interrotto"]),
    ("validato_equipe", ["validato_capofila", "in_corso", "interrotto"]),
    ("validato_capofila", ["in_corso", "interrotto"]),
    ("in_corso", ["concluso", "interrotto"]),
    ("concluso", []),
    ("interrotto", []),
    ("sconosciuto", []),
])
def test_transizioni_possibili(stato, possibili):
    assert transizioni_possibili(prog(stato)) == possibili


@pytest.mark.parametrize("p, attore, consentite", [
    (prog("bozza"), CAV, ["proposto"]),
    (prog("bozza"), EQUIPE, []),
    (prog("proposto"), CAV, ["bozza", "interrotto"]),  # no nota needed to show the button
    (prog("proposto"), EQUIPE, ["validato_equipe"]),
    (prog("proposto"), EQUIPE_ALTROVE, []),
    (prog("validato_equipe"), CAV, ["interrotto"]),
    (prog("validato_equipe", usa_fondi_regionali=False), CAV, ["in_corso", "interrotto"]),
    (prog("validato_equipe"), CAPOFILA, ["validato_capofila"]),
    (prog("validato_capofila"), CAV, ["in_corso", "interrotto"]),
    (prog("in_corso"), CAV, ["concluso", "interrotto"]),
    (prog("in_corso"), REGIONE, []),
    (prog("concluso"), CAV, []),
])
def test_transizioni_consentite_per_attore(p, attore, consentite):
    assert transizioni_consentite(p, attore) == consentite


@pytest.mark.parametrize("storico, atteso", [
    (["bozza", "proposto", "validato_equipe", "in_corso", "interrotto"], True),
    (["bozza", "proposto", "validato_equipe", "validato_capofila", "in_corso", "concluso"], True),
    (["bozza", "proposto", "interrotto"], False),
    ([], False),
])
def test_ha_raggiunto_in_corso(storico, atteso):
    assert ha_raggiunto_in_corso(storico) is atteso


def test_progetto_immutabile():
    with pytest.raises(Exception):
        prog("bozza").stato = "proposto"
    assert replace(prog("bozza"), stato="proposto").stato == "proposto"


@pytest.mark.parametrize("esito, motivazione, pronta, area", [
    ("ammessa", "", True, "lavoro"),
    ("ammessa", "", False, "entrambe"),
    ("ammessa", "", None, "abitare"),
    ("ammessa", "", None, ""),
    ("non_ammessa", "fuori dai requisiti", None, "lavoro"),
    ("sospesa", "in attesa di documenti", None, "abitare"),
])
def test_valutazione_valida(esito, motivazione, pronta, area):
    assert motivi_rifiuto_valutazione(esito, motivazione, pronta, area) == []


@pytest.mark.parametrize("esito, motivazione, pronta, area, attesi", [
    ("respinta", "x", None, "lavoro", ["Esito della valutazione «respinta» non riconosciuto"]),
    ("non_ammessa", "", None, "lavoro", ["Indica la motivazione dell'esito «Non ammessa»"]),
    ("sospesa", "  ", None, "abitare", ["Indica la motivazione dell'esito «Sospesa»"]),
    ("ammessa", "", True, "casa", [
        "Area «casa» non riconosciuta: scegli tra lavoro, abitare, entrambe",
    ]),
    ("ammessa", "", None, "lavoro", ["Indica se la donna è pronta per un percorso di lavoro"]),
    ("sospesa", "", None, "orto", [
        "Indica la motivazione dell'esito «Sospesa»",
        "Area «orto» non riconosciuta: scegli tra lavoro, abitare, entrambe",
    ]),
])
def test_valutazione_rifiutata(esito, motivazione, pronta, area, attesi):
    assert motivi_rifiuto_valutazione(esito, motivazione, pronta, area) == attesi
