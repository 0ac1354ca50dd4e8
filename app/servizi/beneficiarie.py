"""The woman's own records: who holds her, her code, her identity (see the contract in app/servizi)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app import models as m
from app.crypto import indice_cieco
from app.extensions import db
from app.rules.codice_fiscale import normalizza_cf
from app.security import come_sistema
from app.servizi import NonConsentito, Rifiuto

MSG_SOLO_TITOLARE = ("Solo il centro antiviolenza che ha in carico la beneficiaria può modificarne o eliminarne "
                     "il profilo, i consensi, i dati personali e le altre misure.")
MSG_SOLO_CAV = "Solo un'operatrice di un centro antiviolenza può registrare una beneficiaria."


def verifica_titolare(record, utente) -> None:
    """`record` is the woman or one of her own records (identity, consent, other measure)."""
    from app.security import puo_modificare_beneficiaria

    beneficiaria = record if isinstance(record, m.Beneficiaria) else record.beneficiaria
    if not puo_modificare_beneficiaria(utente, beneficiaria):
        raise NonConsentito(MSG_SOLO_TITOLARE)


def verifica_eliminazione_beneficiaria(beneficiaria: m.Beneficiaria, utente) -> None:
    """Only her CAV deletes her, only while nothing of her history hangs from her, and only as
    the fresh mistake of whoever registered her (app.rules.eliminazione)."""
    from app.servizi.eliminazione import verifica_eliminazione

    verifica_titolare(beneficiaria, utente)
    verifica_eliminazione(beneficiaria, utente)


def prossimo_codice(ambito: m.Ambito, anno: int) -> tuple[int, str]:
    from app.servizi.sequenze import prossimo_progressivo_beneficiaria

    progressivo = prossimo_progressivo_beneficiaria(ambito.id, anno)
    return progressivo, f"{ambito.codice}-{anno}-{progressivo:04d}"


def prepara_nuova_beneficiaria(item: m.Beneficiaria, utente) -> None:
    """Holder = the operator's CAV; code = ambito, year, sequence (never from personal data)."""
    ente = getattr(utente, "ente", None)
    if ente is None or not ente.is_cav:
        raise Rifiuto(MSG_SOLO_CAV)
    item.ente_id = ente.id
    item.ente = ente
    item.creato_da_id = utente.id
    if item.ambito is None and item.ambito_id is not None:
        item.ambito = db.session.get(m.Ambito, item.ambito_id)
    if item.ambito is None:
        if ente.ambito is None:
            raise Rifiuto("Indicare l'ambito territoriale della beneficiaria.")
        item.ambito = ente.ambito
    item.data_presa_in_carico = item.data_presa_in_carico or date.today()
    item.anno = item.data_presa_in_carico.year
    item.progressivo, item.codice = prossimo_codice(item.ambito, item.anno)


def cerca_per_codice_fiscale(codice_fiscale: str) -> m.DatiPersonali | None:
    """Exact match through the blind index; the perimeter limits it to the holding CAV.
    Audited, found or not (a miss also tells something); the codice fiscale itself never is."""
    from app import audit

    cf = normalizza_cf(codice_fiscale or "")
    if not cf:
        return None
    dp = db.session.execute(
        select(m.DatiPersonali).where(m.DatiPersonali.cf_indice == indice_cieco(cf))
    ).scalars().first()
    audit.registra("ricerca_cf", tipo_record="DatiPersonali", record_id=dp.id if dp else None,
                   codici=[dp.beneficiaria.codice] if dp else (), dettaglio={"trovata": dp is not None})
    return dp


def verifica_dati_personali(item: m.DatiPersonali) -> None:
    """The same woman registered twice by her CAV is refused. The search runs inside the
    perimeter: another CAV's record with that code stays invisible, and unmentioned."""
    if not item.cf_indice:
        return
    with db.session.no_autoflush:
        doppione = db.session.execute(
            select(m.DatiPersonali.id).where(m.DatiPersonali.cf_indice == item.cf_indice,
                                             m.DatiPersonali.id != (item.id or -1))
        ).first()
    if doppione is not None:
        raise Rifiuto("Una beneficiaria del tuo centro ha già questo codice fiscale.",
                      per_campo={"codice_fiscale": ["Codice fiscale già registrato per un'altra beneficiaria."]})


def registra_donna(beneficiaria: m.Beneficiaria, identita: m.DatiPersonali, utente,
                   consensi: tuple[str, ...] = ()) -> m.Beneficiaria:
    """Her case and her identity in one go (issue 11, §9), with the consents she gave (purposes,
    dated the day she was taken in charge), from the form «Registra una donna» or
    POST /api/v1/beneficiaria/registra: all rows are added, or a `Rifiuto` leaves the caller's
    transaction to roll them all back. The same checks as the screens they replace."""
    from app.rules.codice_fiscale import motivi_cf_non_valido
    from app.servizi import date_plausibili
    from app.servizi.consensi import verifica_consenso

    per_campo = {campo: ["Campo obbligatorio."] for campo in ("nome", "cognome")
                 if not (getattr(identita, campo) or "").strip()}
    if identita.codice_fiscale:
        motivi_cf = motivi_cf_non_valido(identita.codice_fiscale)
        if motivi_cf:
            per_campo["codice_fiscale"] = [" ".join(motivi_cf)]
    if per_campo:
        raise Rifiuto([m_ for motivi in per_campo.values() for m_ in motivi], per_campo=per_campo)
    prepara_nuova_beneficiaria(beneficiaria, utente)
    identita.beneficiaria = beneficiaria
    verifica_titolare(identita, utente)
    verifica_dati_personali(identita)
    dati_da = min(beneficiaria.data_presa_in_carico, date.today())
    dati_consensi = [m.Consenso(beneficiaria=beneficiaria, tipo=f, data=dati_da, registrato_da_id=utente.id)
                     for f in dict.fromkeys(consensi)]
    for consenso in dati_consensi:
        verifica_consenso(consenso)
    for record in (beneficiaria, identita):
        date_plausibili.verifica_oggetto(record)
    db.session.add_all([beneficiaria, identita, *dati_consensi])
    db.session.flush()
    return beneficiaria
