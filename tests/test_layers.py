"""The house's floors: imports point down, never round in a circle (function-level imports included).

Read from the source with ``ast``, so an import inside a function counts as much as one at the top:
Python never fails on a circle hidden that way, so nothing else would warn. Imports under
``if TYPE_CHECKING:`` never run (they name types for annotations) and are not counted.

Floors, lowest first (a module may import its own floor's other packages only where the graph stays
acyclic, and any floor below):

0. ``seeds`` (data and ``path()``: imports nothing of the project)
1. ``signals``
2. ``strategies``
3. ``backtests.prices``, ``backtests.simulation``, ``backtests.measures`` (``measures`` reads no files)
4. ``backtests.spec``, ``backtests.data``, ``backtests.results`` (the spine)
5. ``backtests.ops``
6. ``backtests.report``
7. ``backtests.cli``, and the ``backtests`` facade
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("seeds", "signals", "strategies", "backtests")
FLOORS = [
    ("seeds",),
    ("signals",),
    ("strategies",),
    ("backtests.prices", "backtests.simulation", "backtests.measures"),
    ("backtests.spec", "backtests.data", "backtests.results"),
    ("backtests.ops",),
    ("backtests.report",),
    ("backtests.cli", "backtests"),
]
#: What ``measures`` may import: pure statistics, no files and no prices.
PURE = ("backtests.measures",)


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST):
    """Every node that can run: all but the bodies of ``if TYPE_CHECKING:`` (annotations only)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                stack.extend(child.orelse)
            else:
                stack.append(child)


def _imports(path: Path) -> set[str]:
    """The project modules ``path`` imports, anywhere in it (resolved to module names)."""
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target.split(".")[0] in PACKAGES)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}
    graph = {}
    for name, path in files.items():
        targets = set()
        for target in _imports(path):
            while target not in files and "." in target:  # "from .x import name": the module x
                target = target.rpartition(".")[0]
            if target in files and target != name and not name.startswith(target + "."):
                targets.add(target)  # (a module's own packages are imported first by Python itself)
        graph[name] = targets
    return graph


GRAPH = _graph()


def _floor(module: str) -> int:
    best, depth = -1, -1
    for number, prefixes in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and prefix.count(".") > depth:
                best, depth = number, prefix.count(".")
    return best


def test_every_module_has_a_floor():
    assert [module for module in GRAPH if _floor(module) < 0] == []
    # nothing in backtests lies outside the floors but its facade and the command line
    loose = [m for m in GRAPH if _floor(m) == len(FLOORS) - 1 and m.count(".") == 1 and m != "backtests.cli"]
    assert loose == []


def test_imports_point_down():
    upward = sorted(
        f"{module} -> {target}" for module, targets in GRAPH.items() for target in targets
        if _floor(target) > _floor(module)
    )  # fmt: skip
    assert upward == []


def test_no_import_circle():
    """Tarjan's strongly connected components: every one a single module."""
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert circles == []


def test_seeds_import_nothing_of_the_project():
    assert {module: targets for module, targets in GRAPH.items() if module.startswith("seeds") and targets} == {}


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith(PURE)))
def test_measures_read_no_files_and_no_prices(module):
    allowed = ("backtests.measures", "signals.errors", "signals._lazy")  # _lazy: imports on first use, reads nothing
    assert sorted(t for t in GRAPH[module] if not t.startswith(allowed)) == []
