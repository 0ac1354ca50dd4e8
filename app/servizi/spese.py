"""Spese: from database rows to the plain data of app.rules.eligibility, and back to a stored
verdict. One judgement (`_giudica`) serves the form, the API, the recompute and the CLI."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select

from app import models as m
from app.concorrenza import blocca_progetto
from app.extensions import db
from app.memoria_transazione import ricorda
from app.rules import eligibility as el
from app.rules.nomi import MSG_FORNITORE_CON_DATI_PERSONALI, fornitore_con_dati_personali
from app.rules.programma import Programma, programma_predefinito
from app.security import come_sistema, puo_eliminare_spesa, puo_modificare_spesa, richiedi_perimetro
from app.servizi import NonConsentito, Rifiuto, periodi


@lru_cache(maxsize=8)
def _programma(codice: str) -> Programma:
    return programma_predefinito(codice)


def programma_corrente() -> Programma:
    return _programma(current_app.config["LIA_PROGRAMMA"])


def _progetto_dati(p: m.Progetto | None) -> el.ProgettoDati | None:
    if p is None:
        return None
    return el.ProgettoDati(
        id=p.id, area=p.area, data_inizio=p.data_inizio, data_fine=p.data_fine,
        data_validazione_equipe=p.data_validazione_equipe, data_validazione_capofila=p.data_validazione_capofila,
        ente_cav_id=p.beneficiaria.ente_id, soluzione_abitativa_intermedia=bool(p.soluzione_abitativa_intermedia),
    )


def _spesa_dati(s: m.Spesa, progetto: el.ProgettoDati | None) -> el.SpesaDati:
    ente = s.ente_pagatore
    return el.SpesaDati(
        voce=s.voce.codice if s.voce else "", importo=Decimal(s.importo), data=s.data,
        ente_pagatore_id=s.ente_pagatore_id, ente_pagatore_tipo=_tipo_gestore(ente),
        coperta_da_altra_misura=bool(s.coperta_da_altra_misura), giustificativo_numero=s.giustificativo_numero,
        giustificativo_data=s.giustificativo_data, progetto=progetto, id=s.id,
        registrata_non_ammissibile=bool(s.non_ammissibile_su_richiesta),
        ente_pagatore_etichetta=m.TIPI_ENTE.get(ente.tipo, "") if ente is not None else "",
        rettifica_di=_rettificata(s),
    )


def _rettificata(s: m.Spesa) -> el.RettificaDi | None:
    """For a rettifica: its spesa as stored, and what its rettifiche recorded before it gave back."""
    originale = s.rettifica_di
    if originale is None:
        return None
    prima = select(func.coalesce(func.sum(m.Spesa.importo), 0)).where(
        m.Spesa.rettifica_di_id == originale.id, m.Spesa.annullata.is_(False))
    if s.id is not None:
        prima = prima.where(m.Spesa.id < s.id)
    with db.session.no_autoflush:
        gia = -Decimal(str(db.session.execute(prima).scalar()))
    dati = _spesa_dati(originale, None)
    return el.RettificaDi(id=originale.id, importo=dati.importo, data=originale.data,
                          ammissibile=bool(originale.ammissibile), annullata=bool(originale.annullata),
                          gia_rettificato=gia, descrizione=el.descrivi_spesa(dati))


def _tipo_gestore(ente: m.Ente | None) -> str:
    if ente is None:
        return ""
    return {"centro_antiviolenza": "cav", "capofila": "capofila"}.get(ente.tipo, ente.tipo)


def _altre_misure(beneficiaria_id):
    if beneficiaria_id is None:
        return ()
    righe = db.session.execute(select(m.AltraMisura).where(m.AltraMisura.beneficiaria_id == beneficiaria_id)).scalars()
    return tuple(el.AltraMisuraDati(tipo=m.TIPI_ALTRA_MISURA.get(a.tipo, a.tipo), data_inizio=a.data_inizio,
                                    data_fine=a.data_fine, codice=a.tipo,
                                    assi_coperti=tuple(x.strip() for x in (a.assi_coperti or "").split(",") if x.strip()))
                 for a in righe)


def _chiave(s) -> tuple | None:
    numero = el.normalizza_giustificativo(s.giustificativo_numero)
    return (s.ente_pagatore_id, numero, s.giustificativo_data) if numero and s.giustificativo_data else None


def _giustificativi(spese: list[m.Spesa]) -> list[tuple[int, tuple, bool]]:
    """(id, key, recorded as non ammissibile on purpose) of every stored spesa sharing a
    giustificativo with `spese`, across the network (only the keys leave)."""
    chiavi = {c for c in map(_chiave, spese) if c}
    if not chiavi:
        return []
    in_memoria = {s.id for s in spese if s.id is not None}
    righe = db.session.execute(
        select(m.Spesa.id, m.Spesa.ente_pagatore_id, m.Spesa.giustificativo_numero, m.Spesa.giustificativo_data,
               m.Spesa.non_ammissibile_su_richiesta)
        .where(m.Spesa.giustificativo_chiave.in_(sorted({c[1] for c in chiavi})),
               m.Spesa.annullata.is_(False))).all()  # an annulled spesa charges nothing
    # The spese being judged count with the values they have now, not the stored ones.
    altre = [(i, (e, el.normalizza_giustificativo(n), d), bool(f)) for i, e, n, d, f in righe if i not in in_memoria]
    return altre + [(s.id, _chiave(s), bool(s.non_ammissibile_su_richiesta)) for s in spese if _chiave(s)]


def _giudica(spese: list[m.Spesa], chiusi=None) -> list[el.Esito]:
    """THE judgement of a spesa: the form, the API, the recompute, the CLI and any import get their
    verdicts here, for the spese of one project together (or one Asse I spesa alone).

    The context is read across the perimeter (the verdict must not depend on who looks), but only
    by code that says whose request it serves: see richiedi_perimetro. A giustificativo is taken by
    the spesa that recorded it first, unless that one was recorded on purpose as non ammissibile.
    A spesa dated in a closed rendicontazione period keeps the verdict that was sent (app.servizi.periodi).
    """
    richiedi_perimetro()
    with come_sistema(), db.session.no_autoflush:
        chiusi = periodi.periodi(solo_chiusi=True) if chiusi is None else chiusi
        progetto = _progetto_dati(spese[0].progetto)
        dati = [replace(_spesa_dati(s, progetto), esito_inviato=periodi.esito_inviato(s, chiusi)) for s in spese]
        bid = spese[0].beneficiaria_id
        misure = ricorda(db.session, m.AltraMisura, bid, lambda: _altre_misure(bid))
        giustificativi = _giustificativi(spese)

    def contesto_di(d: el.SpesaDati) -> el.Contesto:
        prima = frozenset(
            chiave for i, chiave, su_richiesta in giustificativi
            if i != d.id and not su_richiesta
            and (d.id is None or d.registrata_non_ammissibile or (i is not None and i < d.id)))
        return el.Contesto(giustificativi_esistenti=prima, altre_misure=misure)

    return el.valuta_progetto(dati, programma_corrente(), contesto_di)


def _spese_del_progetto(progetto_id: int | None) -> list[m.Spesa]:
    if progetto_id is None:
        return []
    with come_sistema(), db.session.no_autoflush:
        # An annulled spesa is never judged again: it stays out of every ceiling.
        return list(db.session.execute(select(m.Spesa).where(m.Spesa.progetto_id == progetto_id,
                                                             m.Spesa.annullata.is_(False))
                                       .order_by(m.Spesa.data, m.Spesa.id)).scalars())


def _applica(s: m.Spesa, esito: el.Esito) -> None:
    s.ammissibile = esito.ammissibile
    s.motivi = "\n".join(esito.motivi)
    s.avvisi = "\n".join(esito.avvisi)
    s.valutata_il = datetime.now(timezone.utc).replace(tzinfo=None)


def _spostate(s: m.Spesa, spese: list[m.Spesa], esiti: list[el.Esito]) -> list[str]:
    """Reasons naming each eligible spesa that saving `s` would turn "non ammissibile": in its
    project (ceilings consumed by date) or elsewhere (its giustificativo, recorded later)."""
    with come_sistema(), db.session.no_autoflush:
        progetto = _progetto_dati(s.progetto)
        motivi = [el.motivo_spostamento(_spesa_dati(o, progetto), e)
                  for o, e in zip(spese, esiti) if o is not s and o.ammissibile and not e.ammissibile]
        chiave = _chiave(s)
        if chiave and s.id is not None:
            dopo = db.session.execute(select(m.Spesa).where(
                m.Spesa.giustificativo_chiave == chiave[1], m.Spesa.ente_pagatore_id == chiave[0],
                m.Spesa.giustificativo_data == chiave[2], m.Spesa.ammissibile.is_(True), m.Spesa.id > s.id,
                m.Spesa.non_ammissibile_su_richiesta.is_(False))).scalars().all()
            doppio = el.Esito(False, ("lo stesso giustificativo sarebbe imputato due volte",), ())
            motivi += [el.motivo_spostamento(_spesa_dati(o, None), doppio) for o in dopo if o not in spese]
    return motivi


MSG_SPESA_ALTRUI = "Solo l'ente che ha pagato la spesa può modificarla o eliminarla."


def verifica_modifica(utente, spesa: m.Spesa) -> None:
    from app.rules.rettifiche import MSG_NON_MODIFICABILE

    if not puo_modificare_spesa(utente, spesa):
        raise NonConsentito(MSG_SPESA_ALTRUI)
    if spesa.rettifica_di_id is not None:
        raise Rifiuto(MSG_NON_MODIFICABILE)


def verifica_eliminazione(utente, spesa: m.Spesa) -> None:
    if not puo_eliminare_spesa(utente, spesa):
        raise NonConsentito(MSG_SPESA_ALTRUI)
    periodi.verifica_spesa_in_periodo_aperto(spesa)


def prepara_spesa(s: m.Spesa, utente, registra_non_ammissibile: bool = False) -> el.Esito:
    """Before saving: a new spesa is paid by the user's ente (an edited one keeps its payer) and
    belongs to the project's woman. An ineligible spesa, or one that would make an eligible spesa
    recorded before it ineligible, is refused, unless the user records it on purpose as "non
    ammissibile" (money already paid): then nothing else changes."""
    if s.id is None:
        ente = getattr(utente, "ente", None)
        if ente is None:
            raise Rifiuto("L'utente non appartiene a nessun ente.")
        s.ente_pagatore_id = ente.id
        s.ente_pagatore = ente
    if s.voce is None and s.voce_id is not None:
        s.voce = db.session.get(m.VoceSpesa, s.voce_id)
    if s.voce is None:
        raise Rifiuto("Voce di spesa sconosciuta.")
    if s.importo is None:
        raise Rifiuto("Indicare l'importo.")
    rettifica = s.rettifica_di is not None  # its amount is negative: the money given back
    importo, motivi = el.valida_importo(-Decimal(s.importo) if rettifica else s.importo)
    if motivi:
        raise Rifiuto(motivi, per_campo={"importo": motivi})
    s.importo = -importo if rettifica else importo
    motivo = el.motivo_quietanza_non_valida(s.giustificativo_data, s.quietanza_data)
    if motivo:
        raise Rifiuto(motivo, per_campo={"quietanza_data": [motivo]})
    if s.progetto is None and s.progetto_id is not None:
        s.progetto = db.session.get(m.Progetto, s.progetto_id)
    _verifica_fornitore(s)
    s.beneficiaria_id = s.progetto.beneficiaria_id if s.progetto else None
    if s.creato_da_id is None:
        s.creato_da_id = utente.id
    # Until the commit no one else judges a spesa of this project against the same spese.
    blocca_progetto(db.session, s.progetto.id if s.progetto else None)
    # Neither its stored date nor its new one in a closed rendicontazione period.
    chiusi = periodi.verifica_spesa_in_periodo_aperto(s)
    s.non_ammissibile_su_richiesta = False
    spese = [o for o in _spese_del_progetto(s.progetto.id if s.progetto else None) if o is not s] + [s]
    esiti = _giudica(spese, chiusi)
    esito = esiti[-1]
    spostate = _spostate(s, spese, esiti) if esito.ammissibile else []
    if esito.ammissibile and not spostate:
        _applica(s, esito)
        return esito
    if not registra_non_ammissibile:
        if spostate:
            raise Rifiuto(spostate, per_campo={"data": spostate})
        raise Rifiuto(list(esito.motivi), per_campo={k: list(v) for k, v in esito.per_campo.items()})
    s.non_ammissibile_su_richiesta = True
    esito = _giudica(spese, chiusi)[-1]
    _applica(s, esito)
    return esito


def _verifica_fornitore(s: m.Spesa) -> None:
    """The fornitore reaches the rendicontazione: never the woman's own name or codice fiscale.
    Read as the system: whoever records the spesa, the check is the same, and the refusal
    says nothing of her data."""
    if not s.fornitore or s.progetto is None:
        return
    bid = s.progetto.beneficiaria_id

    def identita():
        with come_sistema():
            dp = db.session.execute(select(m.DatiPersonali).where(
                m.DatiPersonali.beneficiaria_id == bid)).scalar_one_or_none()
        return (dp.nome, dp.cognome, dp.codice_fiscale) if dp is not None else None

    # Once per woman and transaction: her next spese (an import's) are checked against the same.
    suoi = ricorda(db.session, m.DatiPersonali, bid, identita)
    if suoi is not None and fornitore_con_dati_personali(s.fornitore, *suoi):
        raise Rifiuto(MSG_FORNITORE_CON_DATI_PERSONALI, per_campo={"fornitore": [MSG_FORNITORE_CON_DATI_PERSONALI]})


def rifiuto_da_conflitto(exc: Exception) -> Rifiuto | None:
    """A write refused by the giustificativo's unique index (a concurrent request stored it first):
    the reason the rule would have given, on its field; None for any other database error."""
    errore = getattr(exc, "orig", None) or getattr(exc.__cause__, "orig", None)
    vincolo = getattr(getattr(errore, "diag", None), "constraint_name", None)  # PostgreSQL
    if vincolo != m.INDICE_GIUSTIFICATIVO_UNICO and "lia_spesa.giustificativo_chiave" not in str(errore):
        return None
    motivo = "Giustificativo già imputato a un'altra spesa dello stesso ente pagatore, registrata nel frattempo."
    return Rifiuto([motivo], per_campo={"giustificativo_numero": [motivo]})


def ricalcola_progetto(progetto_id: int) -> int:
    """Recompute every spesa of a project (after a transition, an edit, a deletion)."""
    blocca_progetto(db.session, progetto_id)
    spese = _spese_del_progetto(progetto_id)
    if spese:
        chiusi = periodi.periodi(solo_chiusi=True)
        for s, esito in zip(spese, _giudica(spese, chiusi)):
            if periodi.esito_inviato(s, chiusi) is None:  # a closed period's verdict stays as sent
                _applica(s, esito)
    return len(spese)


def ricalcola_beneficiaria(beneficiaria_id: int) -> None:
    """After a change of her other measures: their warnings belong to every spesa of hers."""
    with come_sistema():
        pids = db.session.execute(select(m.Progetto.id).where(m.Progetto.beneficiaria_id == beneficiaria_id)
                                  .order_by(m.Progetto.id)).scalars().all()
        for pid in pids:
            ricalcola_progetto(pid)


def ricalcola_tutto() -> int:
    """Every verdict from scratch (the CLI, after a change of the programme file)."""
    with come_sistema():
        pids = db.session.execute(select(m.Progetto.id)).scalars().all()
        n = sum(ricalcola_progetto(pid) for pid in pids)
        chiusi = periodi.periodi(solo_chiusi=True)
        for s in db.session.execute(select(m.Spesa).where(m.Spesa.progetto_id.is_(None),
                                                            m.Spesa.annullata.is_(False))).scalars():
            if periodi.esito_inviato(s, chiusi) is None:
                _applica(s, _giudica([s], chiusi)[0])
            n += 1
        db.session.commit()
    return n


# --- money where the work happens (issue 11, §6) ------------------------------------------------

def _euro(importo: Decimal) -> dict:
    return {"importo": str(Decimal(importo).quantize(el.CENTESIMO)), "testo": el.formatta_euro(importo)}


def residui_progetto(progetto: m.Progetto, voce: m.VoceSpesa | None = None) -> dict:
    """Spent and residual per ceiling of a project the caller already loaded through her perimeter,
    from its eligible, not annulled spese (app.rules.eligibility.situazione_massimali): what the
    project page, the spesa form and the API show. With `voce`, which of them that voce draws on."""
    programma = programma_corrente()
    spese = _spese_del_progetto(progetto.id)
    with come_sistema(), db.session.no_autoflush:
        dati = _progetto_dati(progetto)
        ammesse = [_spesa_dati(s, dati) for s in spese if s.ammissibile]
    situazione = el.situazione_massimali(dati, ammesse, programma)
    risposta = {
        "id": progetto.id, "codice": progetto.codice,
        "speso_ammissibile": _euro(sum((s.importo for s in ammesse), Decimal("0"))),
        "soglia_avviso": programma.soglia_avviso_massimale,
        "massimali": [{
            "codice": s.codice, "descrizione": s.descrizione, "assi": list(s.assi),
            "massimale": _euro(s.importo), "speso": _euro(s.speso), "residuo": _euro(s.residuo),
            "percentuale": s.percentuale, "vicino": s.vicino,
            "testo": (f"{s.descrizione}: speso {el.formatta_euro(s.speso)} su {el.formatta_euro(s.importo)},"
                      f" residuo {el.formatta_euro(s.residuo)}"),
        } for s in situazione],
    }
    if voce is not None:
        v = programma.voce(voce.codice)
        asse = v.asse if v else None
        risposta["voce"] = {
            "id": voce.id, "codice": voce.codice, "asse": asse,
            "ammessa_nel_progetto": asse in programma.assi_per_area(progetto.area),
            "massimali": [s.codice for s in situazione if asse in s.assi],
        }
    return risposta


def spese_del_progetto(progetto: m.Progetto) -> list[m.Spesa]:
    """Every spesa of the project the user sees (annulled ones too: they stay in its history), by date."""
    return list(db.session.execute(select(m.Spesa).where(m.Spesa.progetto_id == progetto.id)
                                   .order_by(m.Spesa.data, m.Spesa.id)).scalars())


def messaggio_registrata(s: m.Spesa, nuova: bool) -> str:
    """The confirmation of a saved spesa: its amount, its project by code, and whether it counts."""
    dove = f"su {s.progetto.codice}" if s.progetto is not None else "(Asse I, senza progetto)"
    verbo = "registrata" if nuova else "modificata"
    if s.ammissibile:
        return f"Spesa {verbo}: {el.formatta_euro(s.importo)} {dove}"
    motivi = "; ".join(x for x in (s.motivi or "").splitlines() if x)
    return (f"Spesa {verbo} come NON AMMISSIBILE: {el.formatta_euro(s.importo)} {dove}"
            f" — resta nel rendiconto come non ammissibile e non conta nei massimali. Motivi: {motivi or '—'}")


def totali_spese(query) -> dict:
    """Totals of the spese a list shows (its query, with the user's filters): annulled ones are
    counted apart and stay out of the amounts, as out of every total."""
    from sqlalchemy import and_, case, func

    valida = m.Spesa.annullata.is_(False)
    n, annullate, totale, ammesso = query.with_entities(
        func.count(m.Spesa.id),
        func.coalesce(func.sum(case((valida, 0), else_=1)), 0),
        func.coalesce(func.sum(case((valida, m.Spesa.importo), else_=0)), 0),
        func.coalesce(func.sum(case((and_(valida, m.Spesa.ammissibile.is_(True)), m.Spesa.importo), else_=0)), 0),
    ).order_by(None).one()
    totale, ammesso = (Decimal(str(x)).quantize(el.CENTESIMO) for x in (totale, ammesso))
    testo = (f"Totale delle spese elencate: {el.formatta_euro(totale)} ({n - annullate} "
             f"{'spesa' if n - annullate == 1 else 'spese'}), di cui ammissibili {el.formatta_euro(ammesso)}")
    if annullate:
        testo += f"; {annullate} {'annullata esclusa' if annullate == 1 else 'annullate escluse'} dal totale"
    return {"numero": n, "annullate": annullate, "totale": totale, "ammissibile": ammesso, "testo": testo + "."}
