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


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.parts[-1] == "__init__" else relative.parts
    return ".".join(parts)


def _import_edges(path: Path, modules: set[str]) -> set[str]:
    """The judgebox modules one file imports, each resolved to the module it names.

    `from judgebox.sandbox import bwrap` names the submodule `judgebox.sandbox.bwrap`;
    `from judgebox.sandbox import Box` names the package `judgebox.sandbox`.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in modules}


def test_no_import_cycles() -> None:
    """The import graph of judgebox.* modules has no cycle.

    Every import statement counts, wherever it is: inside a function and under
    `if TYPE_CHECKING:` too. A circle hidden in a function body or behind TYPE_CHECKING
    is still two modules that each need to know the other (server/'s old circle was
    exactly that: app.py imported the routes inside create_app, access.py reached
    app.Lifecycle for type checking); the fix is a module below both (server/state.py),
    not a cleverer import. A package's `__init__` is an ordinary node: the implicit
    "a submodule runs its parent package first" is not an edge, or every package that
    re-exports its submodules would be a circle by construction.
    """
    paths = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
    graph = {name: _import_edges(path, set(paths)) - {name} for name, path in paths.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        trail.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, trail)
        trail.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_only_the_starters_import_the_server_app() -> None:
    """Routes and gates depend on server/state.py, never on app.py (which imports them)."""
    starters = {"judgebox.server", "judgebox.server.serving", "judgebox.server.__main__"}
    paths = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
    importers = {
        name
        for name, path in paths.items()
        if name.startswith("judgebox.server") and "judgebox.server.app" in _imports(path)
    }
    assert importers <= starters, f"{sorted(importers - starters)} import judgebox.server.app"
