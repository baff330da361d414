"""The house rule (docs/architecture.md): every stage stands on the floors below it, never on one above it
nor on the application. Read from the source (every import, also the lazy ones inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each package may import of ours, besides itself. The ground floor (`common`) imports nothing of ours.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "common": frozenset(),
    "ledger": frozenset({"common"}),
    "connector": frozenset({"common", "ledger"}),
    "mappings": frozenset({"common", "ledger", "connector"}),
    "profitability": frozenset({"common", "ledger"}),
    "reports": frozenset({"common", "ledger", "profitability"}),
    "profitlens": frozenset({"common", "ledger", "connector", "mappings", "profitability", "reports"}),
}


def imports_of_ours(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import of one of our packages in the module at `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.extend((node.lineno, name.split(".")[0]) for name in names if name.split(".")[0] in MAY_IMPORT)
    return found


def upward_imports(package: str) -> list[str]:
    allowed = MAY_IMPORT[package] | {package}
    return [
        f"{path.relative_to(ROOT)}:{line} imports {top}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, top in imports_of_ours(path)
        if top not in allowed
    ]


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_stage_imports_only_the_floors_below_it(package: str) -> None:
    assert upward_imports(package) == []


def test_every_package_of_ours_is_on_a_floor() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "scripts"}
    assert packages == set(MAY_IMPORT)


def test_the_rule_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from profitlens.config import load_config\n", encoding="utf-8")
    assert imports_of_ours(module) == [(2, "profitlens")]
