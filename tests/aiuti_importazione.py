"""Files for the import tests and the bench: the template's sheets filled with plain rows."""
from __future__ import annotations

import io
import itertools
import secrets
import string

import openpyxl

from app.rules.codice_fiscale import con_carattere_controllo
from app.rules.importazione import FOGLI, PER_NOME

MESI = "ABCDEHLMPRST"
_CONTATORE = itertools.count()


def cf_nuovo() -> str:
    """A valid, fictional (place Z999), never repeated codice fiscale."""
    n = next(_CONTATORE) + secrets.randbelow(10**6) * 1000
    lettere = "".join(string.ascii_uppercase[(n // 26**i) % 26] for i in range(6))
    primi = f"{lettere}{80 + n % 20:02d}{MESI[n % 12]}{41 + n % 28:02d}Z999"
    return con_carattere_controllo(primi)


def cartella(fogli: dict[str, list[list]], senza: tuple[str, ...] = ()) -> bytes:
    """An xlsx with every sheet of the template (headers) and the given rows."""
    wb = openpyxl.Workbook()
    wb.active.title = "Istruzioni"
    for f in FOGLI:
        if f.nome in senza:
            continue
        ws = wb.create_sheet(f.nome)
        ws.append([c.titolo for c in f.colonne])
        for riga in fogli.get(f.nome, []):
            ws.append(riga)
    uscita = io.BytesIO()
    wb.save(uscita)
    return uscita.getvalue()


def donna(cf, nome="Importanda", cognome="Finzionelli", presa="10/05/2022"):
    return [cf, nome, cognome, "01/02/1985", "000 0000000", "prova@esempio.invalid", "Via Finta 1", "Cremona",
            presa, "30-39", "italiana", 1, "ex_partner", "disoccupata"]


def consensi(cf, data="10/05/2022"):
    return [[cf, f, data, None] for f in ("programma", "condivisione_equipe", "statistiche")]


def segnalazione(cf, data="12/05/2022", esito="ammessa", area="abitare"):
    return [cf, data, area, esito, "20/05/2022" if esito else None, None, "", ""]


def progetto(rif, cf, data_segnalazione="12/05/2022", area="abitare", stato="in_corso"):
    return [rif, cf, data_segnalazione, area, "Autonomia abitativa", "01/06/2022", "31/12/2023", 0, 0, "1.500,00",
            "no", stato, "05/06/2022", "10/06/2022", None]


# Where the «Registra anche se non ammissibile» cell is in a row of spesa().
COLONNA_REGISTRA_NON_AMMISSIBILE = [c.chiave for c in PER_NOME["Spese"].colonne].index("registra_non_ammissibile")


def spesa(rif, numero, importo="300,00", data="15/07/2022", voce="IV-CANONE"):
    return [rif, voce, importo, data, "Locatore fittizio", "ricevuta", numero, data, "bonifico", data, "no", "no", ""]


def caso_completo(n_donne=1, spese_per_donna=1, prefisso="IMP"):
    """n women, each with consents, a measure, an admitted segnalazione, a running project and spese."""
    fogli = {f.nome: [] for f in FOGLI}
    cfs = []
    for i in range(n_donne):
        cf = cf_nuovo()
        cfs.append(cf)
        fogli["Donne"].append(donna(cf))
        fogli["Consensi"] += consensi(cf)
        fogli["Altre misure"].append([cf, "altro", "01/01/2022", "31/01/2022", "", ""])
        fogli["Segnalazioni"].append(segnalazione(cf))
        rif = f"{prefisso}{i}"
        fogli["Progetti"].append(progetto(rif, cf))
        for j in range(spese_per_donna):
            fogli["Spese"].append(spesa(rif, f"{prefisso}-{secrets.token_hex(4)}-{i}-{j}", importo="100,50",
                                        data=f"{15 + j % 10}/07/2022"))
    return fogli, cfs
