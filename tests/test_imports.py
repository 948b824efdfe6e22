"""The house rules of the import graph, read from the source with `ast`:

- only the store speaks SQL: nothing outside `store/` imports SQLAlchemy, Alembic or `store.schema`;
- no import cycle between modules of the package (imports made inside functions count too);
- `config` builds on nothing of ours but the plain data (`models`) and the errors it raises;
- the pipeline knows nothing of its faces (the CLI, the service, the web pages, the demo);
- `newsletter/` makes mails from what it is handed: it reads no config, store or pipeline.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "scc_sync"
SQL = ("sqlalchemy", "alembic", "scc_sync.store.schema")
# What `config` may import besides the plain data and the errors, each with the reason.
CONFIG_MAY_ALSO_IMPORT = {
    # `[http] allow_private` entries are checked at load by the very parser the SSRF guard uses: a
    # leaf of plain functions on strings, which imports nothing of ours.
    "scc_sync.fetch.addresses": "one parser for allow_private entries, at load and at fetch time",
    # Addresses in `[[subscribers]]` pass the same rule as those from the form, the CLI and a CSV import.
    "scc_sync.email_address": "one validator for every email address, a leaf like fetch.addresses",
}
FACES = ("scc_sync.cli", "scc_sync.commands", "scc_sync.service", "scc_sync.web", "scc_sync.demo")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


@cache
def imports_of(name: str) -> frozenset[str]:
    """Every module `name` imports, anywhere in it: `from scc_sync.a import b` names `scc_sync.a.b` when
    that is a module, else `scc_sync.a`."""
    path = modules()[name]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & modules().keys()
            found.update(submodules or {node.module})
    return frozenset(found)


def ours(names: frozenset[str]) -> set[str]:
    return {name for name in names if name in modules()}


def within(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_the_package_is_read_whole() -> None:
    assert {"scc_sync.config", "scc_sync.store.outbox", "scc_sync.pipeline.sync"} <= modules().keys()


def test_only_the_store_speaks_sql() -> None:
    speaking = {
        name: sorted(i for i in imports_of(name) if within(i, *SQL))
        for name in modules()
        if not within(name, "scc_sync.store")
    }
    assert {name: found for name, found in speaking.items() if found} == {}


def test_no_import_cycles() -> None:
    graph = {name: ours(imports_of(name)) for name in modules()}
    assert [sorted(cycle) for cycle in cycles(graph)] == []


def test_config_builds_on_the_plain_data_only() -> None:
    allowed = {"scc_sync.models", "scc_sync.errors", *CONFIG_MAY_ALSO_IMPORT}
    assert ours(imports_of("scc_sync.config")) - allowed == set()


@pytest.mark.parametrize(
    ("package", "never"),
    [
        ("scc_sync.pipeline", FACES),
        ("scc_sync.newsletter", ("scc_sync.config", "scc_sync.store", "scc_sync.pipeline", *FACES)),
        ("scc_sync.store", ("scc_sync.config", "scc_sync.pipeline", "scc_sync.effects", *FACES)),
    ],
)
def test_lower_floors_do_not_reach_up(package: str, never: tuple[str, ...]) -> None:
    reaching = {
        name: sorted(i for i in ours(imports_of(name)) if within(i, *never))
        for name in modules()
        if within(name, package)
    }
    assert {name: found for name, found in reaching.items() if found} == {}


def cycles(graph: dict[str, set[str]]) -> Iterator[set[str]]:
    """The strongly connected components with more than one module, or one that imports itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> Iterator[set[str]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                yield from visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                yield component

    for node in sorted(graph):
        if node not in index:
            yield from visit(node)
