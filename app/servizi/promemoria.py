"""Reminders (issue 11, §15): the menu bar's bell and the daily e-mail, out of the same lists as
the home page (app.servizi.giornata). Which items remind and what an e-mail says is
app.rules.promemoria; sending is app.posta. The contract of app.servizi holds: the caller passes
the user, runs inside her perimeter (a request, or `come_utente` in the CLI) and commits.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import models as m
from app.extensions import db
from app.rules import promemoria as regole
from app.rules.programma import Programma
from app.servizi import giornata


def promemoria_di(utente, programma: Programma, oggi: date | None = None) -> list[regole.Promemoria]:
    """What reminds this user today (none for a role without case work)."""
    oggi = oggi or date.today()
    return regole.promemoria(giornata.oggi_per(utente, programma, oggi), oggi, programma.giorni_attesa_segnalazione)


def per_tipo(tutti: list[regole.Promemoria], programma: Programma) -> list[tuple[str, str, list[regole.Promemoria]]]:
    """(kind, its title, its reminders) in the order of the titles, kinds with none left out."""
    return [(tipo, regole.titolo(tipo, programma.giorni_attesa_segnalazione, programma.soglia_avviso_massimale),
             [p for p in tutti if p.tipo == tipo]) for tipo in regole.TITOLI if any(p.tipo == tipo for p in tutti)]


def riserva_nuovi(utente, tutti: list[regole.Promemoria]) -> list[regole.Promemoria]:
    """Records as sent the reminders this user never had, and returns them. The caller sends the
    e-mail before committing: a failed delivery rolls the record back, and a second run at the
    same time fails on the unique key instead of sending them again."""
    gia = set(db.session.execute(select(m.PromemoriaInviato.evento)
                                 .where(m.PromemoriaInviato.utente_id == utente.id)).scalars())
    nuovi = regole.da_inviare(tutti, gia)
    db.session.add_all(m.PromemoriaInviato(utente_id=utente.id, evento=p.chiave) for p in nuovi)
    db.session.flush()
    return nuovi


def destinatari_email() -> list[int]:
    """The ids of the active users who chose the daily e-mail and have an address."""
    return list(db.session.execute(
        select(m.Utente.id).where(m.Utente.promemoria_email.is_(True), m.Utente.active.is_(True),
                                  m.Utente.email != "").order_by(m.Utente.id)).scalars())


def scegli_email(utente, attivo: bool) -> None:
    utente.promemoria_email = bool(attivo)
    db.session.flush()
