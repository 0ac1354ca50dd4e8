"""The invariant of the money (issue 10, §1), property-tested on the real database through the API:
after any sequence of added, edited, deleted, back-dated, forced spese and project transitions,
the stored verdicts are those a full recompute from scratch gives, and the admitted amounts of
a project never exceed a ceiling. Fresh projects in every example; few examples, bounded."""
import uuid
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st

from tests.aiuti_percorso import CAV, EQUIPE, beneficiaria_di, consenti, crea, nuova_segnalazione, passa, valuta, voce_id
from tests.conftest import ApiClient, token_per

VOCI = ["II-TIROCINIO-INDENNITA", "III-PASTI", "IV-CANONE", "II-FORMAZIONE"]
IMPORTI = ["1400", "2000", "900", "450", "100"]
INIZIO = date(2022, 6, 1)


def _giorno(n):
    return (INIZIO + timedelta(days=n)).isoformat()


# Mostly after the validations (a few days before them too), across the project's 19 months.
giorni = st.sampled_from([400, 30, 200, 300, 120, 500, 60, 0])
aggiunta = st.tuples(st.just("aggiungi"), st.sampled_from([0, 0, 0, 1]), st.sampled_from(VOCI), st.sampled_from(IMPORTI), giorni,
                     st.one_of(st.none(), st.integers(0, 2)), st.booleans())
modifica = st.tuples(st.just("modifica"), st.integers(0, 50), st.one_of(st.none(), st.sampled_from(IMPORTI)),
                     st.one_of(st.none(), giorni), st.one_of(st.none(), st.booleans()))
eliminazione = st.tuples(st.just("elimina"), st.integers(0, 50))
validazione = st.tuples(st.just("valida"), st.integers(0, 1), st.integers(0, 200))
avvio = st.tuples(st.just("avvia"), st.integers(0, 1))
passi = st.lists(st.one_of(aggiunta, aggiunta, aggiunta, modifica, modifica, eliminazione, validazione, avvio),
                 min_size=6, max_size=12)


def _api(app, utente, cache={}):
    # One token per user for the whole module: logging in is the slowest part of a step.
    if utente not in cache:
        c = app.test_client()
        cache[utente] = ApiClient(c, token_per(c, utente))
    return cache[utente]


def _progetto_validato_dall_equipe(app, data_capofila=None):
    """A new project of a woman of cav.crema, validated by the équipe, and by the capofila on
    `data_capofila` (else the capofila's validation is a later step)."""
    cav, equipe = _api(app, CAV["CM"]), _api(app, EQUIPE["CM"])
    donne = beneficiaria_di(cav, "CM-")
    donna = donne[uuid.uuid4().int % len(donne)]["id"]
    consenti(cav, donna, ("condivisione_equipe",))  # a woman another test made may have none
    segn = nuova_segnalazione(cav, donna, area="entrambe")
    valuta(equipe, segn, data="2022-05-20")
    pid = crea(cav, "progetto", {"segnalazione": segn, "area": "entrambe", "obiettivi": "autonomia",
                                 "data_inizio": "2022-06-01", "data_fine": "2023-12-31",
                                 "budget_asse_ii": 3000, "budget_asse_iv": 1500})
    passa(cav, pid, "proposto")
    r = equipe.post(f"/api/v1/progetto/{pid}/transizione", json={"verso": "validato_equipe", "data": "2022-06-05"})
    assert r.status_code == 200, r.get_json()
    if data_capofila:
        r = _api(app, "capofila").post(f"/api/v1/progetto/{pid}/transizione",
                                       json={"verso": "validato_capofila", "data": data_capofila})
        assert r.status_code == 200, r.get_json()
    return pid


def _verifica(app, pids):
    """Stored verdicts == a full recompute's; admitted sums within every ceiling."""
    from app import models as m
    from app.extensions import db
    from app.security import come_sistema
    from app.servizi.spese import programma_corrente, ricalcola_progetto

    with app.app_context(), come_sistema():
        programma = programma_corrente()
        for pid in pids:
            spese = db.session.query(m.Spesa).filter_by(progetto_id=pid).all()
            salvati = {s.id: (s.ammissibile, s.motivi) for s in spese}
            for massimale in programma.massimali:
                ammesso = sum((s.importo for s in spese if s.ammissibile
                               and programma.voce(s.voce.codice).asse in massimale.assi), Decimal(0))
                assert ammesso <= massimale.importo, (massimale.codice, ammesso)
            ricalcola_progetto(pid)
            assert {s.id: (s.ammissibile, s.motivi) for s in spese} == salvati
        db.session.rollback()
        db.session.remove()


# No shrinking: each step writes to the shared database, so a failing example cannot be replayed
# as it was (hypothesis then reports it "flaky" after tens of minutes of retries); the unshrunk
# example is reported at once.
@settings(max_examples=6, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(passi=passi)
# The two ways the verdicts drifted before (issue 10): a back-dated spesa pushing a later one over
# the ceiling, forced or not; a forced copy of a giustificativo dated before the original.
@example(passi=[("aggiungi", 0, "II-TIROCINIO-INDENNITA", "2000", 300, None, False),
                ("aggiungi", 0, "II-TIROCINIO-INDENNITA", "1400", 60, None, False),
                ("aggiungi", 0, "II-TIROCINIO-INDENNITA", "1400", 60, None, True),
                ("modifica", 0, "900", None, None), ("modifica", 1, None, 30, False), ("elimina", 0)])
@example(passi=[("aggiungi", 0, "III-PASTI", "100", 300, 0, False), ("aggiungi", 1, "III-PASTI", "100", 30, 0, True),
                ("valida", 1, 20), ("modifica", 0, "450", None, None), ("avvia", 1), ("modifica", 1, None, None, False)])
def test_verdetti_salvati_uguali_a_un_ricalcolo_e_massimali_rispettati(app, passi):
    cav, capofila = _api(app, CAV["CM"]), _api(app, "capofila")
    voci = {c: voce_id(app, c) for c in VOCI}
    pids = [_progetto_validato_dall_equipe(app, "2022-06-15"), _progetto_validato_dall_equipe(app)]
    numeri = [f"P-{uuid.uuid4().hex[:8]}-{i}" for i in range(3)]  # shared by both projects: duplicates
    spese: list[int] = []
    for passo in passi:
        tipo = passo[0]
        if tipo == "aggiungi":
            _, p, voce, importo, giorno, numero, forza = passo
            numero_g = numeri[numero] if numero is not None else f"U-{uuid.uuid4().hex[:10]}"
            r = cav.post("/api/v1/spesa/", json={
                "progetto": pids[p], "voce": voci[voce], "importo": importo, "data": _giorno(giorno),
                "fornitore": "Ditta", "giustificativo_numero": numero_g, "giustificativo_data": "2022-12-01",
                "registra_non_ammissibile": forza})
            assert r.status_code in (201, 422), r.get_json()
            if r.status_code == 201:
                spese.append(r.get_json()["id"])
        elif tipo == "modifica" and spese:
            _, i, importo, giorno, forza = passo
            corpo = {k: v for k, v in {"importo": importo, "data": _giorno(giorno) if giorno is not None else None,
                                       "registra_non_ammissibile": forza}.items() if v is not None}
            r = cav.put(f"/api/v1/spesa/{spese[i % len(spese)]}", json=corpo)
            assert r.status_code in (200, 422), r.get_json()
        elif tipo == "elimina" and spese:
            r = cav.delete(f"/api/v1/spesa/{spese.pop(passo[1] % len(spese))}")
            assert r.status_code == 200, r.get_json()
        elif tipo == "valida":
            r = capofila.post(f"/api/v1/progetto/{pids[passo[1]]}/transizione",
                              json={"verso": "validato_capofila", "data": _giorno(passo[2])})
            assert r.status_code in (200, 422), r.get_json()
        elif tipo == "avvia":
            r = cav.post(f"/api/v1/progetto/{pids[passo[1]]}/transizione", json={"verso": "in_corso"})
            assert r.status_code in (200, 422), r.get_json()
        _verifica(app, pids)
