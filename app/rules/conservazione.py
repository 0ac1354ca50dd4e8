"""How long a woman's identifying data are kept (issue 12, §3): pure Python, plain data in.

Her personal data (the DatiPersonali row: name, surname, codice fiscale, contacts, address,
birth date) are erased `anni` years after her case last closed. Her code, profile, segnalazioni,
projects and spese stay: they are pseudonymous and the accounts need them (see lia2.toml).

When her case "last closed":
- a project that is not concluso or interrotto, a segnalazione still waiting for the équipe or
  on hold (sospesa), or an admitted one without a project yet: the case is open, never erased;
- otherwise the latest of: the closing date of each of her projects, the date each segnalazione
  of hers without a project was judged non ammessa;
- a woman with no segnalazione and no project: the day she was taken in charge.
A closed project without a closing date cannot be dated: she is kept (never erased by a guess).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.rules.workflow import STATI_ETICHETTE, STATI_FINALI

ANNI_MIN, ANNI_MAX = 1, 100
MOTIVO_MIN, MOTIVO_MAX = 5, 1000


@dataclass(frozen=True)
class ProgettoChiuso:
    codice: str
    stato: str
    data_chiusura: date | None


@dataclass(frozen=True)
class SegnalazioneValutata:
    data: date
    esito: str | None  # of the latest valutazione; None while the équipe has not decided
    valutata_il: date | None
    con_progetto: bool


@dataclass(frozen=True)
class Caso:
    """What the rule needs to know of one woman whose personal data are still stored."""

    id: int
    codice: str
    presa_in_carico: date
    progetti: tuple[ProgettoChiuso, ...] = ()
    segnalazioni: tuple[SegnalazioneValutata, ...] = ()


@dataclass(frozen=True)
class DaCancellare:
    id: int
    codice: str
    motivo: str  # Italian, codes and dates only
    scadenza: date


def _it(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def ultima_chiusura(caso: Caso) -> tuple[date, str] | None:
    """(date her case last closed, what closed it), or None while it is open or cannot be dated."""
    eventi: list[tuple[date, str]] = []
    for p in caso.progetti:
        if p.stato not in STATI_FINALI or p.data_chiusura is None:
            return None
        eventi.append((p.data_chiusura, f"progetto {p.codice} {STATI_ETICHETTE[p.stato].lower()} "
                                        f"il {_it(p.data_chiusura)}"))
    for s in caso.segnalazioni:
        if s.con_progetto:
            continue  # its project says when it closed
        if s.esito != "non_ammessa" or s.valutata_il is None:
            return None
        eventi.append((s.valutata_il, f"segnalazione del {_it(s.data)} non ammessa il {_it(s.valutata_il)}"))
    if not eventi:
        return caso.presa_in_carico, f"nessuna segnalazione né progetto, presa in carico il {_it(caso.presa_in_carico)}"
    return max(eventi)


def piu_anni(d: date, anni: int) -> date:
    try:
        return d.replace(year=d.year + anni)
    except ValueError:  # 29 February into a common year
        return d.replace(year=d.year + anni, day=28)


def da_cancellare(casi, anni: int, oggi: date) -> list[DaCancellare]:
    """The women whose personal data are due for erasure on `oggi`, oldest deadline first."""
    out = []
    for caso in casi:
        chiusura = ultima_chiusura(caso)
        if chiusura is None:
            continue
        quando, cosa = chiusura
        scadenza = piu_anni(quando, anni)
        if scadenza <= oggi:
            out.append(DaCancellare(caso.id, caso.codice,
                                    f"Ultima chiusura: {cosa}; conservazione di {anni} anni scaduta il "
                                    f"{_it(scadenza)}.", scadenza))
    return sorted(out, key=lambda x: (x.scadenza, x.codice))


def motivi_anni_non_validi(anni, mesi_follow_up=()) -> list[str]:
    """The retention period must be a whole number of years that outlasts the last follow-up."""
    if not isinstance(anni, int) or isinstance(anni, bool) or not ANNI_MIN <= anni <= ANNI_MAX:
        return [f"gli anni di conservazione dei dati personali devono essere un intero da {ANNI_MIN} a {ANNI_MAX}"]
    if mesi_follow_up and anni * 12 < max(mesi_follow_up):
        return ["gli anni di conservazione dei dati personali finiscono prima dell'ultimo follow-up"]
    return []


def motivi_rifiuto_motivo(motivo: str) -> dict[str, list[str]]:
    """The reason of an erasure on request, by form field ("motivo"); empty: it may go ahead."""
    testo = (motivo or "").strip()
    if len(testo) < MOTIVO_MIN:
        return {"motivo": [f"Indicare il motivo della cancellazione (almeno {MOTIVO_MIN} caratteri)."]}
    if len(testo) > MOTIVO_MAX:
        return {"motivo": [f"Il motivo può avere al massimo {MOTIVO_MAX} caratteri."]}
    return {}
