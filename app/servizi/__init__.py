"""Operations on the data layer shared by the screens, the REST API, the CLI and plain Python.

The contract of every module in this package:
- **Who acts.** A function that acts for a person takes her as an explicit argument (`utente`):
  the view or API endpoint passes `g.user`, the CLI the user it acts as. Nothing here reads
  `g.user` or `current_user`. Queries run inside the session's perimeter (app.security); a
  function that must look across it says so with `come_sistema()` and lets only numbers or keys
  leave.
- **Who commits.** Nobody here: functions add and flush. The owner of the request (the view, the
  API endpoint, the CLI command, the demo loader) wraps the whole operation in `transazione()`,
  which commits once at the end and rolls everything back on any error, so a multi-row
  operation (a transition with its history and recompute, a sheet of attendances) is one
  transaction. FAB's own add/edit/delete commit in its datamodel; their hooks call in here.
- **What is decided here.** Nothing: the decisions are plain functions of app.rules; this
  package turns rows into their plain data and their verdicts back into rows. A refusal is a
  `Rifiuto` carrying Italian reasons (by form field where one fits).

Modules by subject: beneficiarie (the woman's records, her code, her identity), percorso
(segnalazione → progetto and its transitions), scadenze (the to-do lists), spese (eligibility,
recompute), asse1, allegati, utenti, indicatori, rendicontazione, programma (the catalogue),
conservazione (erasing a woman's personal data), statistiche and relazione (what leaves the
system as counts: the statistics without identities, the relazione finale).
"""
from __future__ import annotations

from contextlib import contextmanager

from app.extensions import db


@contextmanager
def transazione():
    """The request's one transaction: commit at the end, roll back on any error."""
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


class Rifiuto(ValueError):
    """A request refused for domain reasons, each an Italian sentence."""

    def __init__(self, motivi, per_campo: dict[str, list[str]] | None = None):
        motivi = [motivi] if isinstance(motivi, str) else list(motivi)
        super().__init__(" ".join(motivi))
        self.motivi = motivi
        self.per_campo = per_campo or {}  # the same reasons, by form field, where one fits


class NonConsentito(Rifiuto):
    """Refused because this user may not act on this record (403), not because of its content."""


MSG_COLLEGATO = "Il record è collegato ad altri dati e non può essere eliminato."
