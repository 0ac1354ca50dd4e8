"""The audit chain as plain data: canonical content, keyed hash, verification, the workbook.

Each row's hash is HMAC-SHA256(key, canonical content of the row + hash of the previous row):
changing, removing or reordering a row breaks the chain from that row on, and nobody without
the key can compute the hashes of a forged row. Rows deleted from the END leave a shorter,
valid chain: the verification reports the row count and last hash, to be compared with an
earlier run kept elsewhere.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import tempfile
from datetime import datetime
from typing import Iterable, Mapping

import xlsxwriter

from app.rules.rendicontazione import _testo

# The content under the hash, in this order (the id is not: the chain itself fixes the order).
CAMPI = ("quando", "utente_id", "username", "ente_id", "azione", "tipo_record", "record_id", "codici", "ip",
         "request_id", "dettaglio")
INIZIO = ""  # the "previous hash" of the first row


def contenuto_canonico(riga: Mapping) -> bytes:
    valori = []
    for campo in CAMPI:
        v = riga.get(campo)
        valori.append(v.isoformat(timespec="microseconds") if isinstance(v, datetime) else v)
    return json.dumps(valori, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def calcola_hash(chiave: bytes, riga: Mapping, precedente: str) -> str:
    return hmac.new(chiave, contenuto_canonico(riga) + precedente.encode("ascii"), hashlib.sha256).hexdigest()


def concatena(chiave: bytes, righe: Iterable[Mapping], precedente: str) -> list[dict]:
    """The rows to append after a row whose hash is `precedente`, with their hashes."""
    out = []
    for riga in righe:
        h = calcola_hash(chiave, riga, precedente)
        out.append({**riga, "hash_precedente": precedente, "hash": h})
        precedente = h
    return out


def esamina(chiave: bytes, righe: Iterable[Mapping]) -> tuple[int | None, int, str]:
    """Walk the rows in chain order: (id of the first broken row or None, rows read, last hash)."""
    precedente, n = INIZIO, 0
    for riga in righe:
        n += 1
        atteso = calcola_hash(chiave, riga, precedente)
        if riga["hash_precedente"] != precedente or not hmac.compare_digest(str(riga["hash"]), atteso):
            return riga["id"], n, precedente
        precedente = riga["hash"]
    return None, n, precedente


COLONNE_REGISTRO = [
    ("id", "N."), ("quando", "Quando (UTC)"), ("utente_id", "Id utente"), ("username", "Utente"),
    ("ente_id", "Id ente"), ("ente", "Ente"), ("azione", "Azione"), ("tipo_record", "Tipo di record"),
    ("record_id", "Id record"), ("codici", "Codici beneficiarie"), ("ip", "IP"), ("request_id", "Richiesta"),
    ("dettaglio", "Dettaglio"), ("hash_precedente", "Hash precedente"), ("hash", "Hash"),
]


def scrivi_registro(destinazione, righe: Iterable[Mapping], etichette_azioni: Mapping[str, str]) -> int:
    """Write the audit rows (codes, never names) as one sheet; returns the rows written."""
    with tempfile.TemporaryDirectory(prefix="lia-audit-", ignore_cleanup_errors=True) as tmp:
        wb = xlsxwriter.Workbook(destinazione, {"constant_memory": True, "tmpdir": tmp})
        ws = wb.add_worksheet("Registro di audit")
        grassetto = wb.add_format({"bold": True})
        data = wb.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
        for c, (_, titolo) in enumerate(COLONNE_REGISTRO):
            ws.write_string(0, c, titolo, grassetto)
        ws.freeze_panes(1, 0)
        n = 0
        for n, riga in enumerate(righe, start=1):
            for c, (campo, _) in enumerate(COLONNE_REGISTRO):
                v = riga.get(campo)
                if campo == "azione":
                    v = etichette_azioni.get(v, v)
                if v is None:
                    continue
                if isinstance(v, datetime):
                    ws.write_datetime(n, c, v, data)
                elif isinstance(v, int):
                    ws.write_number(n, c, v)
                else:
                    ws.write_string(n, c, _testo(v))
        ws.set_column(0, 0, 8)
        ws.set_column(1, 1, 19)
        ws.set_column(2, len(COLONNE_REGISTRO) - 1, 16)
        wb.close()
    return n
