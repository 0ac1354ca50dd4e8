"""Why a woman cannot be deleted: what hangs from her is the programme's history and stays.

Her identity, consents and other measures go with her; anything else recorded about her
(referrals, path, money, laboratorio) refuses her deletion, here in words and in the database
as ON DELETE RESTRICT.
"""
from __future__ import annotations

# Table of the records that keep her -> (one, many), in Italian.
NOMI = {
    "lia_segnalazione": ("segnalazione", "segnalazioni"),
    "lia_valutazione": ("valutazione dell'équipe", "valutazioni dell'équipe"),
    "lia_microequipe": ("micro-équipe", "micro-équipe"),
    "lia_progetto": ("progetto", "progetti"),
    "lia_transizione_progetto": ("passaggio di stato di un progetto", "passaggi di stato dei progetti"),
    "lia_colloquio_cpi": ("colloquio al CPI", "colloqui al CPI"),
    "lia_intervento": ("intervento", "interventi"),
    "lia_esito_progetto": ("esito o follow-up", "esiti o follow-up"),
    "lia_spesa": ("spesa", "spese"),
    "lia_iscrizione_laboratorio": ("iscrizione al laboratorio", "iscrizioni al laboratorio"),
    "lia_presenza": ("presenza al laboratorio", "presenze al laboratorio"),
}


def motivi_rifiuto_eliminazione(conteggi: dict[str, int]) -> list[str]:
    """`conteggi`: table -> how many of its records refer to her. No reasons: she may go."""
    voci = []
    for tabella, n in conteggi.items():
        if n > 0:
            uno, tanti = NOMI.get(tabella, ("altro record collegato", "altri record collegati"))
            voci.append(f"{n} {uno if n == 1 else tanti}")
    if not voci:
        return []
    elenco = voci[0] if len(voci) == 1 else ", ".join(voci[:-1]) + " e " + voci[-1]
    return [f"La beneficiaria non può essere eliminata: ha {elenco}, che restano nella storia del programma."]
