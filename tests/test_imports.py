"""The import contracts of the layout, read from the source (AST), not from a run.

Every `import` in every module of engine/ and rex_tui/ counts, wherever it stands: at
module level, inside a function, or under `if TYPE_CHECKING:`. The cycle check looks
only at what runs when a module is imported (module level, outside TYPE_CHECKING).

The self-tests at the end feed the same checks small made-up modules, so each contract
is shown to fail when it is broken.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

import engine

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "rex_tui")


@dataclass(frozen=True)
class Import:
    """One import statement of `importer`, at `where` (path:line)."""

    importer: str
    module: str  # `import X` / `from X import ...`: X, made absolute
    names: tuple[str, ...]  # what `from X import` names; () for `import X`
    where: str
    runtime: bool  # runs when the importer is imported


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, package: str, path: str) -> None:
        self.module, self.package, self.path = module, package, path
        self.found: list[Import] = []
        self._deferred = 0  # inside a function or under TYPE_CHECKING

    def _add(self, node: ast.stmt, module: str, names: tuple[str, ...]) -> None:
        where = f"{self.path}:{node.lineno}"
        self.found.append(Import(self.module, module, names, where, self._deferred == 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(node, alias.name, ())

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            module = ".".join([*base, module] if module else base)
        self._add(node, module, tuple(alias.name for alias in node.names))

    def _visit_deferred(self, node: ast.AST) -> None:
        self._deferred += 1
        self.generic_visit(node)
        self._deferred -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_deferred

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        self._deferred += 1
        for stmt in node.body:
            self.visit(stmt)
        self._deferred -= 1
        for stmt in node.orelse:
            self.visit(stmt)


def collect(sources: Mapping[str, tuple[str, bool]]) -> list[Import]:
    """The imports of modules given as {name: (source, is_package)}."""
    found: list[Import] = []
    for name, (source, is_package) in sorted(sources.items()):
        package = name if is_package else name.rpartition(".")[0]
        path = name.replace(".", "/") + ("/__init__.py" if is_package else ".py")
        collector = _Collector(name, package, path)
        collector.visit(ast.parse(source))
        found.extend(collector.found)
    return found


def _tree_sources() -> dict[str, tuple[str, bool]]:
    sources: dict[str, tuple[str, bool]] = {}
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            sources[name] = (path.read_text(encoding="utf-8"), is_package)
    return sources


def _under(name: str, prefix: str) -> bool:
    """`name` is `prefix` or inside it; a prefix ending in "." means strictly inside."""
    if prefix.endswith("."):
        return name.startswith(prefix)
    return name == prefix or name.startswith(prefix + ".")


def targets(imp: Import, known: Iterable[str], lazy: Mapping[str, str]) -> set[str]:
    """The modules an import loads: X, X.name for submodules, engine's lazy names' homes."""
    known = set(known)
    found = {imp.module}
    for name in imp.names:
        if f"{imp.module}.{name}" in known:
            found.add(f"{imp.module}.{name}")
        elif imp.module == "engine" and name in lazy:
            found.add(lazy[name].partition(":")[0])
    return found


# (importer, forbidden): a module under `importer` never imports one under `forbidden`.
FORBIDDEN = (
    ("engine", "rex_tui"),
    ("engine", "urwid"),
    ("rex_tui.cli", "rex_tui.tui"),
    ("rex_tui.tui", "rex_tui.cli"),
    ("engine.transport", "engine.cache"),
    ("engine.oci", "engine.transport"),
    ("engine.oci", "engine.cache"),
    ("engine.oci", "engine.reads"),
)


def forbidden_imports(
    imports: Iterable[Import], known: Iterable[str], lazy: Mapping[str, str]
) -> list[str]:
    breaches: list[str] = []
    for imp in imports:
        found: dict[str, str] = {}  # rule -> its most specific target, one line per rule
        for target in sorted(targets(imp, known, lazy), key=len, reverse=True):
            for importer, banned in FORBIDDEN:
                if _under(imp.importer, importer) and _under(target, banned):
                    found.setdefault(f"{importer} imports {banned}", target)
            # engine.testing is the independent reference: it and the engine stay apart.
            both = _under(imp.importer, "engine") and _under(target, "engine.")
            if both and _under(imp.importer, "engine.testing") != _under(target, "engine.testing"):
                found.setdefault("engine.testing and the engine stay apart", target)
        breaches.extend(f"{imp.where}: {rule} ({name})" for rule, name in found.items())
    return breaches


def private_engine_imports(imports: Iterable[Import], public: Iterable[str]) -> list[str]:
    """rex_tui's imports of engine that are not `from engine import <public names>`."""
    public = set(public)
    breaches: list[str] = []
    for imp in imports:
        if not _under(imp.importer, "rex_tui") or not _under(imp.module, "engine"):
            continue
        if imp.module != "engine" or not imp.names:
            breaches.append(f"{imp.where}: imports {imp.module} (use `from engine import ...`)")
        for name in imp.names:
            if name not in public:
                breaches.append(f"{imp.where}: {name} is not in engine.__all__")
    return breaches


def import_cycles(
    imports: Iterable[Import],
    known: Iterable[str],
    lazy: Mapping[str, str],
    *,
    deferred: bool = False,
) -> list[list[str]]:
    """One path per cycle among `known` modules (a, b, ..., a).

    By default only import-time imports count, and importing a.b.c runs a and a.b
    first. With `deferred`, every import counts (in functions, under TYPE_CHECKING)
    between the modules named, not their parent packages, and a package importing its
    own children (engine/__init__'s lazy index) is no cycle.
    """
    known = set(known)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for imp in imports:
        if not (imp.runtime or deferred):
            continue
        for target in targets(imp, known, lazy):
            parts = target.split(".")
            steps = (
                [target] if deferred else [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
            )
            for step in steps:
                if step not in known or step == imp.importer:
                    continue
                if deferred and _under(step, imp.importer):
                    continue
                graph[imp.importer].add(step)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


@pytest.fixture(scope="module")
def tree() -> tuple[list[Import], set[str]]:
    sources = _tree_sources()
    return collect(sources), set(sources)


def test_the_tree_is_read(tree: tuple[list[Import], set[str]]) -> None:
    imports, known = tree
    assert {"engine.rex", "engine.cache.store", "rex_tui.tui.app", "rex_tui.cli.main"} <= known
    assert any(i.importer == "engine.rex" and not i.runtime for i in imports)


def test_layers_import_only_downwards(tree: tuple[list[Import], set[str]]) -> None:
    imports, known = tree
    breaches = forbidden_imports(imports, known, engine._WHERE)
    assert not breaches, "imports against the layers:\n" + "\n".join(breaches)


def test_the_app_imports_only_public_engine_names(tree: tuple[list[Import], set[str]]) -> None:
    imports, _ = tree
    assert private_engine_imports(imports, engine.__all__) == []


@pytest.mark.parametrize("deferred", [False, True], ids=["import-time", "deferred-too"])
def test_no_import_cycles(tree: tuple[list[Import], set[str]], deferred: bool) -> None:
    """None at import time; and none hidden in functions or TYPE_CHECKING either, since
    such a pair (overview <-> rex, cli cache <-> registry) still ties two modules."""
    imports, known = tree
    cycles = import_cycles(imports, known, engine._WHERE, deferred=deferred)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


# -- the checks can fail ---------------------------------------------------------------


TC = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"


def _made_up(**modules: str) -> tuple[list[Import], set[str]]:
    sources = {name.replace("__", "."): (text, False) for name, text in modules.items()}
    sources.update({p: ("", True) for p in ("engine", "rex_tui", "rex_tui.cli", "rex_tui.tui")})
    return collect(sources), set(sources)


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        ("engine__rex", "def f():\n    import urwid\n", "engine imports urwid"),
        ("engine__rex", "from rex_tui.cli import main\n", "engine imports rex_tui (rex_tui.cli)"),
        ("rex_tui__cli__main", TC + "    from rex_tui.tui import app\n", "imports rex_tui.tui"),
        ("rex_tui__tui__app", "import rex_tui.cli.main\n", "rex_tui.tui imports rex_tui.cli"),
        ("engine__transport__client", "from engine import Cache\n", "engine.cache.store"),
        ("engine__oci__models", "from engine.reads import overview\n", "engine.reads"),
        ("engine__oci__models", "from ..transport import client\n", "engine.transport"),
        ("engine__testing__images", "from engine.oci import digest\n", "stay apart (engine.oci)"),
        ("engine__rex", "from engine.testing import images\n", "stay apart (engine.testing)"),
    ],
)
def test_a_forbidden_import_is_found(module: str, source: str, contract: str) -> None:
    imports, known = _made_up(**{module: source})
    breaches = forbidden_imports(imports, known | {"engine.cache.store"}, engine._WHERE)
    assert breaches and all(contract in breach for breach in breaches), breaches


@pytest.mark.parametrize(
    "source",
    [
        "from engine.rex import Rex\n",
        "import engine\n",
        "def f():\n    from engine import _WHERE\n",
        "from engine import oci\n",
    ],
)
def test_a_private_engine_import_is_found(source: str) -> None:
    imports, _ = _made_up(rex_tui__tui__app=source)
    assert private_engine_imports(imports, engine.__all__)


def test_public_engine_imports_pass() -> None:
    imports, _ = _made_up(rex_tui__tui__app="from engine import Rex, human_size as size\n")
    assert private_engine_imports(imports, engine.__all__) == []


def test_a_cycle_is_found_with_its_path() -> None:
    imports, known = _made_up(
        engine__a="from engine import b\n",
        engine__b="import engine.c\n",
        engine__c="from engine.a import thing\n",
        engine__d=TC + "    import engine.a\n",
        engine__e="def later():\n    import engine.d\n",
    )
    assert import_cycles(imports, known, {}) == [["engine.a", "engine.b", "engine.c", "engine.a"]]


def test_deferred_imports_make_a_cycle_only_when_asked() -> None:
    imports, known = _made_up(
        engine__rex="from engine.reads import overview\n",
        engine__reads__overview=TC + "    from engine.rex import Rex\n",
        rex_tui__cli__cache="def f():\n    from rex_tui.cli.registry import resolve\n",
        rex_tui__cli__registry="from rex_tui.cli import cache\n",
    )
    known |= {"engine.reads"}
    assert import_cycles(imports, known, {}) == []
    assert import_cycles(imports, known, {}, deferred=True) == [
        ["engine.reads.overview", "engine.rex", "engine.reads.overview"],
        ["rex_tui.cli.cache", "rex_tui.cli.registry", "rex_tui.cli.cache"],
    ]


def test_a_package_importing_its_children_is_no_deferred_cycle() -> None:
    imports, known = _made_up(engine__a="from engine import b\n", engine__b="x = 1\n")
    imports += collect({"engine": (TC + "    from engine.a import thing\n", True)})
    assert import_cycles(imports, known, {}, deferred=True) == []
