"""One scope: only coso/authority/scope.py decides who may see or do what from the grants.

Every other module asks it (scope_of, can, holds, get_*_for_user, file_scope_errors, ...). This
walks the source: no module but the scope reads the grants table (Role), the grant map (GRANTS)
or a scope's raw reaches; the accounts app defines and administers roles, the demo creates them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import coso

ROOT = Path(coso.__file__).parent
SCOPE = ROOT / "authority" / "scope.py"
# Where roles are defined, edited by an administrator, or created (the first administrator, the
# demo's accounts): never read to decide anything.
ROLE_KEEPERS = {
    ROOT / "accounts" / "models.py",
    ROOT / "accounts" / "admin.py",
    ROOT / "accounts" / "first_admin.py",
}


def _sources() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if "migrations" not in p.parts and p != SCOPE and p not in ROLE_KEEPERS
    ]


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    demo = "demo" in path.relative_to(ROOT).parts or path.name == "demo_accounts.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = {a.name for a in node.names}
            if node.module == "coso.authority.scope" and "GRANTS" in names:
                found.append(f"{path.name}:{node.lineno} imports GRANTS")
            if node.module == "coso.accounts.models" and "Role" in names and not demo:
                found.append(f"{path.name}:{node.lineno} imports Role")
        if isinstance(node, ast.Attribute) and node.attr in ("reaches", "_reaches_for"):
            found.append(f"{path.name}:{node.lineno} reads .{node.attr}")
    return [f"{path.relative_to(ROOT)}: {o}" for o in found]


def test_no_module_but_the_scope_reads_the_grants() -> None:
    offences = [o for p in _sources() for o in _offences(p)]
    assert offences == []


def test_the_walk_finds_an_offence_where_there_is_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from coso.authority.scope import GRANTS\n"
        "from coso.accounts.models import Role\n"
        "def f(scope):\n    return scope.reaches\n",
        encoding="utf-8",
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(_offences(bad)) == 3
    finally:
        ROOT = saved
