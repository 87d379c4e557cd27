"""The rooms' import rules (README "Project layout"), read from the source with ``ast``.

A rule that lives only in a document erodes one convenient import at a time; here a new import
that climbs into a room it may not use fails CI, naming the file, the line and the rule.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The upstream client is one module split in three files; the error-code catalogue is the
# upstream's vocabulary, explained the same way in the fleet's badges and on the product page.
CLIENT = ("products.client", "products.client_errors", "products.client_types")
FIRST_PARTY = {"dashboard", "fleet", "signin", "products", "livefeed", "displays", "emulator"}
# room -> what it may import besides itself (a name allows that module and its submodules).
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    "fleet": ("signin", *CLIENT, "products.errorcodes"),
    "signin": CLIENT,
    "products": ("signin",),
    "livefeed": ("signin", *CLIENT),
    "displays": ("signin", *CLIENT, "livefeed"),
    "emulator": (),
}


def _modules(room: str) -> list[Path]:
    return sorted(p for p in (ROOT / room).rglob("*.py") if "migrations" not in p.parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, *, top_level_only: bool = False) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in the file; relative ones resolved."""
    tree = ast.parse(path.read_text(), str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    nodes = _outside_functions(tree) if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # ``from products import client`` imports the module products.client.
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def _outside_functions(node: ast.AST) -> Iterator[ast.AST]:
    """Every node that runs (or, under ``TYPE_CHECKING``, is read) when the module loads."""
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield child
            yield from _outside_functions(child)


def _allowed(room: str, module: str) -> bool:
    top = module.split(".")[0]
    if top not in FIRST_PARTY or top == room:
        return True
    return any(module == name or module.startswith(f"{name}.") for name in MAY_IMPORT[room])


@pytest.mark.parametrize("room", sorted(MAY_IMPORT))
def test_a_room_imports_only_what_the_layout_allows(room: str) -> None:
    if not (ROOT / room).is_dir():
        pytest.skip(f"no {room}/ in this tree")
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _modules(room)
        for line, module in _imports(path)
        if not _allowed(room, module)
    ]
    allowed = ", ".join(MAY_IMPORT[room]) or "nothing of ours"
    assert not broken, f"{room}/ may import {allowed}; found:\n" + "\n".join(broken)


def test_the_rules_catch_an_import_into_the_project_package() -> None:
    assert not _allowed("products", "dashboard.middleware")
    assert not _allowed("livefeed", "fleet.rows")
    assert not _allowed("fleet", "products.views")
    assert not _allowed("emulator", "products.client")
    assert _allowed("fleet", "products.client.Product")
    assert _allowed("livefeed", "django.conf.settings")


def test_no_two_modules_import_each_other_at_load_time() -> None:
    """Cycles of module-level imports, ``TYPE_CHECKING`` ones included (a function-level
    import, as in an ``AppConfig.ready``, is a deliberate late binding and not counted)."""
    rooms = sorted(FIRST_PARTY & {p.name for p in ROOT.iterdir() if p.is_dir()})
    paths = {_module_name(p): p for room in rooms for p in _modules(room)}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets = set()
        for _, module in _imports(path, top_level_only=True):
            # ``from a.b import c`` names a.b.c (a module) or a.b (c is an attribute).
            for candidate in (module, module.rpartition(".")[0]):
                if candidate in paths and candidate != name:
                    targets.add(candidate)
                    break
        graph[name] = targets

    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)
