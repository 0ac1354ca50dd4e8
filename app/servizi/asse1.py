"""Asse I on the data layer, shared by the screens (app.views.asse1), the REST API
(app.api.asse1) and the CLI: who writes editions and sessions, the enrolled women and the
attendance a user may see, the attendance of a whole session, the numbers of the dashboard, and
the checks of enrolments, of the laboratorio's model and of agreements (the rules themselves are
in app.rules.asse1).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import g
from sqlalchemy import extract, func, select

from app import models as m
from app.extensions import db
from app.rules import asse1 as regole
from app.rules import indicatori as regole_indicatori
from app.rules.riservatezza import RISERVATO, proteggi
from app.security import come_sistema, criterio_beneficiarie, gestisce_asse1, perimetro_corrente
from app.servizi import Rifiuto
from app.servizi.consensi import contate_nelle_statistiche
from app.servizi.indicatori import conteggi
from app.servizi.spese import programma_corrente

# The permission resources of Asse I (the screens and the API name the same ones).
RISORSA_LABORATORIO = "Laboratorio"
RISORSA_CRUSCOTTO = "Cruscotto"


def solo_capofila() -> bool:
    """Editions and sessions of the laboratorio are created and changed by the capofila only."""
    return gestisce_asse1(getattr(g, "user", None))


def iscritte_visibili(sessione: m.SessioneLaboratorio) -> list[m.IscrizioneLaboratorio]:
    """The women enrolled in the session's laboratorio that the current user may see, by code.

    The perimeter hook already scopes the query; the explicit criterion says the same thing
    (as FiltroPerimetroCollegati does for FAB's own queries)."""
    crit = criterio_beneficiarie(perimetro_corrente())
    return list(db.session.execute(
        select(m.IscrizioneLaboratorio)
        .join(m.Beneficiaria, m.IscrizioneLaboratorio.beneficiaria_id == m.Beneficiaria.id)
        .where(m.IscrizioneLaboratorio.laboratorio_id == sessione.laboratorio_id,
               m.IscrizioneLaboratorio.beneficiaria_id.in_(select(m.Beneficiaria.id).where(crit)))
        .order_by(m.Beneficiaria.codice)).scalars())


def presenze_visibili(sessione: m.SessioneLaboratorio, ids) -> dict[int, m.Presenza]:
    ids = sorted(ids)
    if not ids:
        return {}
    return {p.beneficiaria_id: p for p in db.session.execute(
        select(m.Presenza).where(m.Presenza.sessione_id == sessione.id,
                                 m.Presenza.beneficiaria_id.in_(ids))).scalars()}


def registra_presenze(sessione: m.SessioneLaboratorio, presenti, limitate_a=None) -> tuple[int, int]:
    """Record the attendance of a whole session at once.

    `presenti`: the ids of the women present. Every enrolled woman the user may see (only those
    in `limitate_a`, when given: the ones her form showed) gets a Presenza row, present or not.
    Enrolled women outside her perimeter are left untouched. An id that is not an enrolled
    woman she may see refuses the whole request (Rifiuto), and nothing is written.
    Returns (presenti, assenti)."""
    presenti = set(presenti)
    visibili = {i.beneficiaria_id for i in iscritte_visibili(sessione)}
    estranei = presenti - visibili
    if estranei:
        raise Rifiuto(
            "Alcune beneficiarie indicate non sono iscritte a questo laboratorio o non sono visibili per te: "
            + ", ".join(str(i) for i in sorted(estranei)) + ". Nessuna presenza è stata registrata.",
            per_campo={"presenti": ["Beneficiarie non iscritte o non visibili: "
                                    + ", ".join(str(i) for i in sorted(estranei))]})
    bersaglio = visibili if limitate_a is None else visibili & set(limitate_a)
    esistenti = presenze_visibili(sessione, bersaglio)
    n_presenti = 0
    for bid in sorted(bersaglio):
        p = esistenti.get(bid)
        if p is None:
            p = m.Presenza(sessione_id=sessione.id, beneficiaria_id=bid)
            db.session.add(p)
        p.presente = bid in presenti
        n_presenti += p.presente
    db.session.flush()
    return n_presenti, len(bersaglio) - n_presenti


def _percentuale(valore, obiettivo) -> int:
    if not obiettivo:
        return 0
    return max(0, min(100, int(round(float(valore) * 100 / float(obiettivo)))))


def _mesi(dal: date, al: date):
    anno, mese = dal.year, dal.month
    while (anno, mese) <= (al.year, al.month):
        yield anno, mese
        anno, mese = (anno + 1, 1) if mese == 12 else (anno, mese + 1)


_CODICI_BUDGET = {"II": "budget_asse_ii", "III": "budget_asse_iii", "IV": "budget_asse_iv"}


def avvii_per_mese() -> dict[tuple[int, int], int]:
    """Projects activated (first "in corso") per (year, month), network-wide, of the women counted
    in statistics (app.servizi.consensi): only counts leave."""
    anno, mese = extract("year", m.Progetto.data_avvio), extract("month", m.Progetto.data_avvio)
    with come_sistema():
        righe = db.session.execute(select(anno, mese, func.count(m.Progetto.id))
                                   .where(m.Progetto.data_avvio.is_not(None),
                                          contate_nelle_statistiche(m.Progetto.beneficiaria_id))
                                   .group_by(anno, mese)).all()
    return {(int(a), int(mm)): n for a, mm, n in righe if a is not None}


def _indicatore(codice, descrizione, target, valore) -> dict:
    riservato = valore == RISERVATO  # its bar and "reached" would tell the number
    return {"codice": codice, "descrizione": descrizione, "target": target, "valore": valore,
            "percentuale": None if riservato else _percentuale(valore, target) if target else 100,
            "raggiunto": None if riservato else valore >= target}


def dati_cruscotto() -> dict:
    """Every number of the dashboard, network-wide, as plain data (the screen and the API).

    Aggregates only: the queries cross the perimeter on purpose (`come_sistema`) and only sums
    and counts leave, no row. Counts of women are protected by app.rules.riservatezza: the
    paths activated per month together with their total, which is the indicator of paths
    activated (the same projects), and the women present at the laboratorio. Money is exact."""
    programma = programma_corrente()
    soglia = programma.soglia_conteggi_piccoli
    c = conteggi()

    conta_mesi = avvii_per_mese()
    mesi = list(_mesi(programma.data_inizio, programma.data_fine))
    mesi += [k for k in sorted(conta_mesi) if k not in mesi]
    mesi.sort()
    avvii = proteggi([[conta_mesi.get(k, 0) for k in mesi]], soglia, totali_colonne=False)
    percorsi_mese = [{"mese": f"{a:04d}-{mm:02d}", "etichetta": f"{mm:02d}/{a:04d}", "percorsi": n}
                     for (a, mm), n in zip(mesi, avvii.celle[0])]
    indicatori = [_indicatore(r.codice, r.descrizione, r.target,
                              avvii.totale if r.codice == regole_indicatori.PERCORSI_ATTIVATI else r.valore)
                  for r in regole_indicatori.calcola(programma, c)]

    s = db.session
    with come_sistema():
        spese = s.execute(
            select(m.Asse.codice, m.Ente.nome, func.sum(m.Spesa.importo))
            .join(m.VoceSpesa, m.Spesa.voce_id == m.VoceSpesa.id)
            .join(m.Priorita, m.VoceSpesa.priorita_id == m.Priorita.id)
            .join(m.Asse, m.Priorita.asse_id == m.Asse.id)
            .join(m.Programma, m.Asse.programma_id == m.Programma.id)
            .join(m.Ente, m.Spesa.ente_pagatore_id == m.Ente.id)
            .where(m.Spesa.ammissibile.is_(True), m.Spesa.annullata.is_(False), m.Programma.codice == programma.codice)
            .group_by(m.Asse.codice, m.Ente.nome)).all()
        budget_riga = s.execute(select(*[func.coalesce(func.sum(getattr(m.Progetto, col)), 0)
                                         for col in _CODICI_BUDGET.values()])).one()

    budget = {codice: Decimal(str(v or 0)) for codice, v in zip(_CODICI_BUDGET, budget_riga)}
    per_asse: dict[str, Decimal] = {}
    per_ente: dict[str, dict[str, Decimal]] = {}
    for asse, ente, somma in spese:
        somma = Decimal(str(somma or 0)).quantize(Decimal("0.01"))
        per_asse[asse] = per_asse.get(asse, Decimal("0")) + somma
        per_ente.setdefault(ente, {})[asse] = per_ente.get(ente, {}).get(asse, Decimal("0.00")) + somma
    codici_assi = [a.codice for a in programma.assi] + sorted(set(per_asse) - {a.codice for a in programma.assi})
    nomi_assi = {a.codice: a.nome for a in programma.assi}
    righe_assi = []
    for codice in codici_assi:
        speso = per_asse.get(codice, Decimal("0.00"))
        previsto = budget.get(codice)
        if previsto:
            percentuale = _percentuale(speso, previsto)
        else:  # no budget: no bar, unless something was spent anyway (then it is all over budget)
            percentuale = 100 if previsto is not None and speso > 0 else None
        righe_assi.append({"asse": codice, "nome": nomi_assi.get(codice, ""), "speso": speso, "budget": previsto,
                           "percentuale": percentuale})
    righe_enti = [{"ente": ente, "per_asse": {a: v for a, v in sorted(valori.items())},
                   "totale": sum(valori.values(), Decimal("0.00"))}
                  for ente, valori in sorted(per_ente.items())]

    return {
        "programma": {"codice": programma.codice, "nome": programma.nome},
        "soglia_conteggi_piccoli": soglia,
        "indicatori": indicatori,
        "laboratorio": {"sessioni_svolte": c.sessioni_svolte,
                        "donne_presenti": proteggi([[c.donne_presenti]], soglia, totali_righe=False,
                                                   totali_colonne=False).celle[0][0]},
        "spese_per_asse": righe_assi,
        "spese_per_ente": righe_enti,
        "assi": codici_assi,
        "percorsi_per_mese": percorsi_mese,
    }


def grafico_mesi(percorsi_mese: list[dict], soglia: int) -> dict:
    """Geometry of the server-side SVG bar chart. A month shown as RISERVATO is drawn hatched at
    one fixed height, whatever its real value: the bar must not tell 1 from 2, nor a small month
    from one hidden to protect it."""
    numeri = [p["percorsi"] for p in percorsi_mese if isinstance(p["percorsi"], int)]
    massimo = max(numeri + [soglia, 1])
    alto, largo, passo, base = 160, 18, 26, 190
    barre = []
    for i, p in enumerate(percorsi_mese):
        v = p["percorsi"]
        mascherata = not isinstance(v, int)
        valore_grafico = (soglia - 1) if mascherata else v
        h = round(alto * valore_grafico / massimo) if valore_grafico else 0
        barre.append({"x": 40 + i * passo, "y": base - h, "h": h, "w": largo, "valore": v, "mascherata": mascherata,
                      "etichetta": p["etichetta"], "mese": p["mese"]})
    return {"barre": barre, "larghezza": 60 + len(percorsi_mese) * passo, "altezza": base + 60, "base": base,
            "massimo": massimo, "alto": alto}


# --- checks before writing (the screens' and the API's pre_add / pre_update) ------------------

def _rifiuta(motivi: dict[str, list[str]]) -> None:
    """Raise the reasons of an app.rules.asse1 rule: the general ones as the message, the others
    by field."""
    if motivi:
        per_campo = dict(motivi)
        raise Rifiuto(per_campo.pop(regole.GENERALE, []), per_campo=per_campo)


def verifica_iscrizione(item: m.IscrizioneLaboratorio) -> None:
    if item.laboratorio is None or item.beneficiaria is None:
        raise Rifiuto("Indicare il laboratorio e la beneficiaria.")


def verifica_modello(item: m.ModelloLaboratorio) -> None:
    _rifiuta(regole.motivi_modello(item.data_formalizzazione, item.data_validazione))


def verifica_accordo(item: m.Accordo) -> None:
    _rifiuta(regole.motivi_accordo(item.stato, item.data_firma))
