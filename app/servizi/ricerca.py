"""Finding a woman by name, surname or codice fiscale (issue 11, §2), for the CAV that holds her.

The query never meets a name in clear: its words become the same keyed hashes the index holds
(app.models.ricerca), a codice fiscale the hash of its own index. The rows come through the
session's perimeter (app.security), which lets an Operatrice CAV read only her own CAV's
DatiPersonali; the names are decrypted for the page only. What was typed is never stored,
logged or audited: the audit row of the results holds the codes of the women shown.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from app import audit
from app import models as m
from app.crypto import indice_cieco
from app.extensions import db
from app.models.ricerca import IndiceNome, hash_parola
from app.rules.codice_fiscale import normalizza_cf
from app.rules.nomi import motivi_ricerca_non_valida, parole, sembra_codice_fiscale
from app.servizi import NonConsentito, Rifiuto

LIMITE = 50
MSG_NON_CONSENTITO = "Solo le operatrici di un centro antiviolenza cercano le donne per nome."


@dataclass(frozen=True)
class Trovata:
    beneficiaria_id: int
    codice: str
    nome: str
    cognome: str
    ambito: str


@dataclass(frozen=True)
class Esito:
    trovate: list[Trovata]
    troncato: bool  # more than LIMITE matched: only the first LIMITE (by code) are here


def cerca(testo: str, utente) -> Esito:
    """The women of the user's CAV matching every word of `testo` (or its codice fiscale)."""
    from app.security import puo_cercare_per_nome

    if not puo_cercare_per_nome(utente):
        raise NonConsentito(MSG_NON_CONSENTITO)
    motivi = motivi_ricerca_non_valida(testo)
    if motivi:
        raise Rifiuto(motivi, per_campo={"testo": motivi})
    dp, b = m.DatiPersonali, m.Beneficiaria
    colonne = select(dp.beneficiaria_id, b.codice, dp.nome, dp.cognome, m.Ambito.nome)
    if sembra_codice_fiscale(testo):
        query = colonne.where(dp.cf_indice == indice_cieco(normalizza_cf(testo)))
    else:
        # Every word must match: one join on the index per word, starting from the longest (the
        # fewest rows). The index drives the plan: a woman is read only if her words match.
        indici = [(aliased(IndiceNome), hash_parola(p))
                  for p in sorted(parole(testo), key=len, reverse=True)]
        primo, primo_hash = indici[0]
        query = colonne.select_from(primo).join(dp, dp.id == primo.dati_personali_id).where(primo.hash == primo_hash)
        for indice, h in indici[1:]:
            query = query.join(indice, and_(indice.dati_personali_id == dp.id, indice.hash == h))
    righe = db.session.execute(
        query.join(b, b.id == dp.beneficiaria_id).join(m.Ambito, m.Ambito.id == b.ambito_id)
        .order_by(b.codice).limit(LIMITE + 1)
    ).all()
    trovate = sorted((Trovata(*r) for r in righe[:LIMITE]),
                     key=lambda t: ((t.cognome or "").casefold(), (t.nome or "").casefold(), t.codice))
    if trovate:
        # Showing names is a read of her identity, recorded as every other one: codes, never terms.
        audit.registra("lettura_dati_personali", tipo_record="DatiPersonali", codici=[t.codice for t in trovate],
                       dettaglio={"righe": len(trovate)})
    return Esito(trovate=trovate, troncato=len(righe) > LIMITE)


def reindicizza() -> tuple[int, int]:
    """Rebuild the blind indexes from the encrypted values with the current key: the name words,
    and the codice fiscale's. Raw statements (the hooks would write one audit row per woman): one
    row says how many. Returns (women indexed, rows that could not be decrypted)."""
    from sqlalchemy import column, table, update

    from app.crypto import DatoCifratoCorrotto, decifra
    from app.models.ricerca import ricostruisci

    connessione = db.session.connection()
    fatte, illeggibili = ricostruisci(connessione)
    grezza = table(m.DatiPersonali.__tablename__, column("id"), column("codice_fiscale"), column("cf_indice"))
    for id_, cifrato in connessione.execute(select(grezza.c.id, grezza.c.codice_fiscale)).all():
        try:
            cf = normalizza_cf(decifra(cifrato)) if cifrato is not None else ""
        except DatoCifratoCorrotto:
            continue  # left as it was: the name index of the same row says how many were unreadable
        connessione.execute(update(grezza).where(grezza.c.id == id_).values(cf_indice=indice_cieco(cf) if cf else None))
    audit.registra("reindicizzazione", tipo_record="DatiPersonali", dettaglio={"righe": fatte, "saltate": illeggibili})
    return fatte, illeggibili
