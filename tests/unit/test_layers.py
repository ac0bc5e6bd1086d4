"""Imports run one way (docs/architecture.md): vocabulary <- {logic, sandbox} <- judging <- runs."""

from __future__ import annotations

import ast
from pathlib import Path

import judgebox

PACKAGE = Path(judgebox.__file__).parent

# Each layer may import its own layer and the layers listed before it.
LAYERS: list[tuple[str, set[str]]] = [
    ("vocabulary", {"vocabulary"}),
    ("logic", {"problems", "languages", "settings"}),
    ("sandbox", {"sandbox"}),
    ("judging", {"judging"}),
    ("runs", {"runs", "scaleout"}),
    ("transports", {"server", "cli"}),
]
# The sandbox is a peer of the pure logic: neither may import the other.
PEERS = {("logic", "sandbox"), ("sandbox", "logic")}


def _unit(module: str) -> str:
    """`judgebox.sandbox.box` -> `sandbox`; `judgebox.cli` -> `cli`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer_of(unit: str) -> int:
    for index, (_, units) in enumerate(LAYERS):
        if unit in units:
            return index
    raise AssertionError(f"module judgebox.{unit} is in no layer: add it to LAYERS")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("judgebox.")}


def test_imports_run_one_way() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(relative.parts)
        unit = _unit(module)
        if unit in ("", "__init__", "__main__"):
            continue
        here = _layer_of(unit)
        for imported in _imports(path):
            other = _unit(imported)
            there = _layer_of(other)
            pair = (LAYERS[here][0], LAYERS[there][0])
            if there > here or pair in PEERS:
                problems.append(f"{module} imports {imported} ({pair[0]} -> {pair[1]})")
            if {unit, other} == {"server", "cli"} and unit == "server":
                problems.append(f"{module} imports {imported}: the server never imports the CLI")
    assert not problems, "\n".join(problems)
