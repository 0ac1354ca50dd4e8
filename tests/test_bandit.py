"""bandit over app/, in the suite that `make test` (and so CI) runs: no finding of medium or high
severity, whatever its confidence; a finding judged harmless stays in the code only silenced on
its line with the check's id and the reason: `# nosec B311 # why this is safe`."""
from __future__ import annotations

import json
import re
import subprocess  # nosec B404 # runs bandit itself, with a fixed argument list
import sys
from pathlib import Path

RADICE = Path(__file__).resolve().parents[1]
# bandit reads every word after `nosec` up to the next `#` as a check name: the reason goes after it.
NOSEC_SPIEGATO = re.compile(r"#\s*nosec\s+B\d{3}(\s*,\s*B\d{3})*\s+#\s*\S.{14,}")


def test_bandit_finds_nothing_of_medium_or_high_severity_in_app():
    esito = subprocess.run(  # nosec B603 # sys.executable and constant arguments, no shell
        [sys.executable, "-m", "bandit", "-r", "app", "-q", "-f", "json", "--severity-level", "medium"],
        cwd=RADICE, capture_output=True, text=True, timeout=300)
    rapporto = json.loads(esito.stdout)
    assert not rapporto["errors"], rapporto["errors"]
    risultati = [f"{r['filename']}:{r['line_number']} {r['test_id']} ({r['issue_severity']}, "
                 f"confidenza {r['issue_confidence']}): {r['issue_text']}" for r in rapporto["results"]]
    assert not risultati, "\n".join(risultati)
    assert rapporto["metrics"]["_totals"]["loc"] > 1000, "bandit non ha letto il codice"


def test_every_nosec_in_app_names_its_check_and_says_why():
    senza_motivo = [f"{percorso.relative_to(RADICE)}:{n}: {riga.strip()}"
                    for percorso in sorted((RADICE / "app").rglob("*.py"))
                    for n, riga in enumerate(percorso.read_text(encoding="utf-8").splitlines(), 1)
                    if re.search(r"#\s*nosec\b", riga) and not NOSEC_SPIEGATO.search(riga)]
    assert not senza_motivo, "\n".join(senza_motivo)
