"""The architecture, checked from the code (ARCHITECTURE.md): every module sits on a rung of
the import ladder that `lint-imports` checks, and each table's rows are constructed by the
one package that writes it (orders, history and notes by workorders; notifications by notify;
clocks by sla …)."""

from __future__ import annotations

import ast
import pkgutil
import tomllib
from pathlib import Path

import telcodesk
from telcodesk.models import Base

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "telcodesk"

# Tables whose writer is not the package their model lives in: the calendar's tables are a
# kernel model the SLA administration edits.
WRITERS = {"calendar_override": "sla"}
# Composition may build reference rows at set-up: none today; listed here when needed.
SET_UP: set[tuple[str, str]] = set()


def _ladder() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    return [m.strip() for layer in contract["layers"] for m in layer.replace("|", ":").split(":")]


def test_every_module_is_on_the_ladder() -> None:
    """A new top-level module or domain must be placed on the ladder, or lint-imports would
    not look at it."""
    on_ladder = set(_ladder())
    top = {f"telcodesk.{m.name}" for m in pkgutil.iter_modules(telcodesk.__path__)}
    assert top - {"telcodesk.migrations"} == on_ladder


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 else parts[1].removesuffix(".py")


def _constructions() -> list[tuple[str, str, int, str]]:
    """(file's package, file, line, table) for every row constructed or inserted in src/."""
    models = {m.class_.__name__: m for m in Base.registry.mappers}
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent)
        if rel.parts[1] == "migrations" or (rel.name == "models.py" and len(rel.parts) == 2):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: dict[str, str] = {}  # local name -> table
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    mapper = models.get(alias.name)
                    if mapper is not None and node.module == mapper.class_.__module__:
                        names[alias.asname or alias.name] = mapper.local_table.name
            elif isinstance(node, ast.ClassDef) and node.name in models:
                names[node.name] = models[node.name].local_table.name
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            target = node.func.id
            if target in ("insert", "bulk_insert") and node.args:
                first = node.args[0]
                target = first.id if isinstance(first, ast.Name) else ""
            if target in names:
                found.append(
                    (rel.parts[1].removesuffix(".py"), str(rel), node.lineno, names[target])
                )
    return found


def test_each_table_is_written_by_its_own_package() -> None:
    owners = {
        m.local_table.name: WRITERS.get(m.local_table.name, _package(m.class_.__module__))
        for m in Base.registry.mappers
    }
    wrong = [
        f"{file}:{line} builds {table} rows (written by {owners[table]} alone)"
        for package, file, line, table in _constructions()
        if package != owners[table] and (package, table) not in SET_UP
    ]
    assert wrong == []


def test_the_scan_sees_the_writers() -> None:
    """The scan is not vacuous: it finds the known writers of history and notifications."""
    seen = {(package, table) for package, _, _, table in _constructions()}
    assert {
        ("workorders", "order_event"),
        ("notify", "notification"),
        ("sla", "order_clock"),
    } <= seen
