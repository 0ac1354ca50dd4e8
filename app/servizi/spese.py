"""Spese: from database rows to the plain data of app.rules.eligibility, and back to a stored
verdict. The same `valuta` serves the form, the API, the CLI and the export."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from app import models as m
from app.concorrenza import blocca_progetto
from app.extensions import db
from app.rules import eligibility as el
from app.rules.programma import Programma, programma_predefinito
from app.security import come_sistema
from app.servizi import Rifiuto


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
    return el.SpesaDati(
        voce=s.voce.codice if s.voce else "", importo=Decimal(s.importo), data=s.data,
        ente_pagatore_id=s.ente_pagatore_id, ente_pagatore_tipo=_tipo_gestore(s.ente_pagatore),
        coperta_da_altra_misura=bool(s.coperta_da_altra_misura), giustificativo_numero=s.giustificativo_numero,
        giustificativo_data=s.giustificativo_data, progetto=progetto, id=s.id,
    )


def _tipo_gestore(ente: m.Ente | None) -> str:
    if ente is None:
        return ""
    return {"centro_antiviolenza": "cav", "capofila": "capofila"}.get(ente.tipo, ente.tipo)


def _altre_misure(beneficiaria_id):
    if beneficiaria_id is None:
        return ()
    righe = db.session.execute(select(m.AltraMisura).where(m.AltraMisura.beneficiaria_id == beneficiaria_id)).scalars()
    return tuple(el.AltraMisuraDati(tipo=a.tipo, data_inizio=a.data_inizio, data_fine=a.data_fine,
                                    assi_coperti=tuple(x.strip() for x in (a.assi_coperti or "").split(",") if x.strip()))
                 for a in righe)


def _giustificativi_altri(s: m.Spesa) -> frozenset:
    if not s.giustificativo_numero or not s.giustificativo_data:
        return frozenset()
    # Duplicates are looked for across the whole network's records of that payer: only the key leaves.
    with come_sistema():
        righe = db.session.execute(
            select(m.Spesa.id, m.Spesa.ente_pagatore_id, m.Spesa.giustificativo_numero, m.Spesa.giustificativo_data)
            .where(m.Spesa.ente_pagatore_id == s.ente_pagatore_id, m.Spesa.giustificativo_data == s.giustificativo_data,
                   m.Spesa.annullata.is_(False))  # an annulled spesa charges nothing
        ).all()
    return frozenset((e, el.normalizza_giustificativo(n), d) for i, e, n, d in righe if i != s.id and n)


def _altre_ammesse(s: m.Spesa, progetto: el.ProgettoDati | None) -> tuple:
    """The project's other eligible spese (the ceilings count them). A new spesa has its
    progetto object but no progetto_id until flushed, hence progetto.id."""
    if progetto is None:
        return ()
    with db.session.no_autoflush:
        altre = db.session.execute(select(m.Spesa).where(
            m.Spesa.progetto_id == progetto.id, m.Spesa.ammissibile.is_(True),
            m.Spesa.id != (s.id or -1))).scalars().all()
    return tuple(_spesa_dati(x, progetto) for x in altre)


def valuta(s: m.Spesa, spese_progetto_ammesse: tuple | None = None) -> el.Esito:
    """The verdict of one spesa against the programme and everything it depends on."""
    progetto = _progetto_dati(s.progetto)
    if spese_progetto_ammesse is None:
        spese_progetto_ammesse = _altre_ammesse(s, progetto)
    contesto = el.Contesto(spese_ammissibili_progetto=spese_progetto_ammesse or (),
                           giustificativi_esistenti=_giustificativi_altri(s),
                           altre_misure=_altre_misure(s.beneficiaria_id))
    return el.valuta_spesa(_spesa_dati(s, progetto), programma_corrente(), contesto)


# Which form field each rule speaks about, so the reason appears next to it.
CAMPO_DELLA_REGOLA = {
    "regola_voce_attiva": "voce", "regola_area_progetto": "voce", "regola_ente_pagatore": "voce",
    "regola_validazione_progetto": "data", "regola_periodo": "data", "regola_massimali": "importo",
    "regola_costo_ammesso": "importo", "regola_doppio_finanziamento": "coperta_da_altra_misura",
    "regola_soluzione_intermedia": "voce", "regola_giustificativo_unico": "giustificativo_numero",
}


def motivi_per_campo(s: m.Spesa) -> dict[str, list[str]]:
    progetto = _progetto_dati(s.progetto)
    altre = _altre_ammesse(s, progetto)
    contesto = el.Contesto(spese_ammissibili_progetto=altre, giustificativi_esistenti=_giustificativi_altri(s),
                           altre_misure=_altre_misure(s.beneficiaria_id))
    dati, programma = _spesa_dati(s, progetto), programma_corrente()
    out: dict[str, list[str]] = {}
    for regola in el.REGOLE:
        motivi = regola(dati, programma, contesto)
        if motivi:
            out.setdefault(CAMPO_DELLA_REGOLA.get(regola.__name__, "importo"), []).extend(motivi)
    return out


def _applica(s: m.Spesa, esito: el.Esito) -> None:
    s.ammissibile = esito.ammissibile
    s.motivi = "\n".join(esito.motivi)
    s.avvisi = "\n".join(esito.avvisi)
    s.valutata_il = datetime.now(timezone.utc).replace(tzinfo=None)


def prepara_spesa(s: m.Spesa, utente, registra_non_ammissibile: bool = False) -> el.Esito:
    """Before saving: payer = the user's ente, woman = the project's; refuse an ineligible
    spesa unless the user records it on purpose as "non ammissibile" (money already paid)."""
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
    importo, motivi = el.valida_importo(s.importo)
    if motivi:
        raise Rifiuto(motivi)
    s.importo = importo
    if s.progetto is None and s.progetto_id is not None:
        s.progetto = db.session.get(m.Progetto, s.progetto_id)
    s.beneficiaria_id = s.progetto.beneficiaria_id if s.progetto else None
    if s.creato_da_id is None:
        s.creato_da_id = utente.id
    # Until the commit no one else judges a spesa of this project against the same spese.
    blocca_progetto(db.session, s.progetto.id if s.progetto else None)
    esito = valuta(s)
    if not esito.ammissibile and not registra_non_ammissibile:
        raise Rifiuto(list(esito.motivi), per_campo=motivi_per_campo(s))
    _applica(s, esito)
    return esito


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
    """Recompute every spesa of a project in date order (ceilings depend on the earlier ones)."""
    blocca_progetto(db.session, progetto_id)
    with come_sistema():
        # An annulled spesa is never judged again: it stays out of every ceiling.
        spese = db.session.execute(select(m.Spesa).where(m.Spesa.progetto_id == progetto_id,
                                                         m.Spesa.annullata.is_(False))
                                   .order_by(m.Spesa.data, m.Spesa.id)).scalars().all()
        ammesse: list[el.SpesaDati] = []
        for s in spese:
            esito = valuta(s, tuple(ammesse))
            _applica(s, esito)
            if esito.ammissibile:
                ammesse.append(_spesa_dati(s, _progetto_dati(s.progetto)))
    return len(spese)


def ricalcola_beneficiaria(beneficiaria_id: int) -> None:
    with come_sistema():
        ids = db.session.execute(select(m.Progetto.id).where(m.Progetto.beneficiaria_id == beneficiaria_id)).scalars().all()
    for pid in ids:
        ricalcola_progetto(pid)


def ricalcola_tutto() -> int:
    with come_sistema():
        pids = db.session.execute(select(m.Progetto.id)).scalars().all()
        n = sum(ricalcola_progetto(pid) for pid in pids)
        for s in db.session.execute(select(m.Spesa).where(m.Spesa.progetto_id.is_(None),
                                                            m.Spesa.annullata.is_(False))).scalars():
            _applica(s, valuta(s))
            n += 1
        db.session.commit()
    return n
