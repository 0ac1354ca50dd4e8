"""One authority decides who may do what: app/security.py (issue 9, section 4).

Every other module asks a named predicate there; none reads a role name or a user's roles.
The demo loader, the CLI and the service that applies a confirmed change of a user's roles only
*assign* roles (data), so they are the exceptions."""
import ast
from pathlib import Path

import pytest

from app.security_roles import RUOLI

APP = Path(__file__).resolve().parent.parent / "app"
AUTORIZZATI = {"security.py", "security_roles.py", "demo.py", "cli.py", "servizi/utenti.py"}


def _letture_di_ruoli(percorso: Path) -> list[str]:
    trovate = []
    for nodo in ast.walk(ast.parse(percorso.read_text(encoding="utf-8"))):
        if isinstance(nodo, ast.Compare):  # a role name compared (labels may say "Regione")
            for parte in [nodo.left, *nodo.comparators]:
                costanti = parte.elts if isinstance(parte, (ast.Set, ast.Tuple, ast.List)) else [parte]
                trovate += [f"riga {nodo.lineno}: «{c.value}»" for c in costanti
                            if isinstance(c, ast.Constant) and c.value in RUOLI]
        elif isinstance(nodo, ast.Name) and (nodo.id.startswith("RUOLO") or nodo.id == "nomi_ruoli"):
            trovate.append(f"riga {nodo.lineno}: {nodo.id}")
        elif isinstance(nodo, ast.alias) and (nodo.name.startswith("RUOLO") or nodo.name == "nomi_ruoli"):
            trovate.append(f"import {nodo.name}")
        elif isinstance(nodo, ast.Attribute) and nodo.attr == "roles":
            trovate.append(f"riga {nodo.lineno}: .roles")
    return trovate


MODULI = sorted(p for p in APP.rglob("*.py") if p.relative_to(APP).as_posix() not in AUTORIZZATI)


@pytest.mark.parametrize("modulo", MODULI, ids=lambda p: p.relative_to(APP).as_posix())
def test_nessun_modulo_legge_i_ruoli_fuori_da_security(modulo):
    assert _letture_di_ruoli(modulo) == [], "chiedere a un predicato di app/security.py"


def test_il_controllo_trova_una_lettura_di_ruolo(tmp_path):
    finto = tmp_path / "vista.py"
    finto.write_text('from app.security import nomi_ruoli\nif "Capofila" in nomi_ruoli(u): pass\n')
    assert len(_letture_di_ruoli(finto)) == 3
