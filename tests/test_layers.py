"""The house plan holds: each layer imports only layers below it, Whoosh stays in the engine,
no two modules import each other, and no private name crosses a package.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a lazy
import is still a dependency. See ARCHITECTURE.md for the layers and why.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "searchpod"

# Top to bottom. A module may import its own layer and any layer below it, never one above.
# Layers on one line are independent of each other (neither imports the other).
LAYERS: list[tuple[str, ...]] = [
    ("searchpod.frontends",),
    ("searchpod", "searchpod.index"),  # the façade and the package's public names
    ("searchpod.query",),
    ("searchpod.indexing",),
    ("searchpod.ingest",),
    ("searchpod.net",),
    ("searchpod.engine",),
    ("searchpod.options", "searchpod.fields", "searchpod.legacy"),
    ("searchpod.errors",),
    ("searchpod.model",),
    ("searchpod.text", "searchpod.atomic", "searchpod.cycles", "searchpod.arrays"),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _layer(module: str) -> int:
    best, rank = -1, -1
    for i, names in enumerate(LAYERS):
        for name in names:
            matches = module == name or module.startswith(name + ".")
            # The longest matching name decides ("searchpod.index" is not "searchpod").
            if matches and len(name) > best:
                best, rank = len(name), i
    assert rank >= 0, f"{module} is in no layer: add it to LAYERS and ARCHITECTURE.md"
    return rank


def _imports(module: str) -> Iterator[tuple[str, list[str], int]]:
    """(imported module, names imported from it, line) for every import in ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names = [a.name for a in node.names]
            # `from searchpod.query import search` imports the module searchpod.query.search.
            submodules = [f"{base}.{n}" for n in names if f"{base}.{n}" in MODULES]
            if submodules:
                for sub in submodules:
                    yield sub, [], node.lineno
                names = [n for n in names if f"{base}.{n}" not in MODULES]
                if not names:
                    continue
            yield base, names, node.lineno


def _ours(target: str) -> bool:
    return target == "searchpod" or target.startswith("searchpod.")


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        _layer(module)


def test_layers_import_only_downwards() -> None:
    upward = []
    for module in MODULES:
        for target, _, line in _imports(module):
            if _ours(target) and target in MODULES and _layer(target) < _layer(module):
                upward.append(f"{module}:{line} imports {target} (a layer above)")
    assert not upward, "\n".join(upward)


def test_independent_layers_do_not_import_each_other() -> None:
    sideways = []
    for module in MODULES:
        for target, _, line in _imports(module):
            if not (_ours(target) and target in MODULES):
                continue
            same = _layer(target) == _layer(module)
            group = [n for n in LAYERS[_layer(module)] if n != "searchpod"]
            home = [n for n in group if module == n or module.startswith(n + ".")]
            there = [n for n in group if target == n or target.startswith(n + ".")]
            if same and home and there and home != there:
                sideways.append(f"{module}:{line} imports {target} (independent layers)")
    assert not sideways, "\n".join(sideways)


# The engine's interface: what code above it may import. Everything there speaks
# searchpod's types (opaque Query/Filter/Segment values, plain data back).
ENGINE_INTERFACE = {
    "searchpod.engine.reader",  # reading: queries, ranking, postings, stored fields
    "searchpod.engine.writing",  # writing: commits, workers' segments, merging
    "searchpod.engine.lean_import",  # how Whoosh is imported (first, by searchpod/__init__)
    "searchpod.engine.searchers",  # a generation's readers, lent one block at a time
}


def test_code_above_the_engine_uses_only_its_interface() -> None:
    reaching_in = [
        f"{module}:{line} imports {target}"
        for module in MODULES
        if not module.startswith("searchpod.engine")
        for target, _, line in _imports(module)
        if target.startswith("searchpod.engine.") and target not in ENGINE_INTERFACE
    ]
    assert not reaching_in, "\n".join(reaching_in)


def test_only_the_engine_imports_whoosh() -> None:
    outside = [
        f"{module}:{line}"
        for module in MODULES
        for target, _, line in _imports(module)
        if (target == "whoosh" or target.startswith("whoosh."))
        and not module.startswith("searchpod.engine")
    ]
    assert not outside, outside


def test_no_two_modules_import_each_other() -> None:
    graph = {
        module: {t for t, _, _ in _imports(module) if t in MODULES and t != module}
        for module in MODULES
    }
    # A package's __init__ re-exporting its children is not a cycle of the house plan.
    cycles = sorted(
        f"{a} <-> {b}"
        for a, targets in graph.items()
        for b in targets
        if a < b and a in graph.get(b, ()) and not (_is_parent(a, b) or _is_parent(b, a))
    )
    assert not cycles, cycles


def _is_parent(package: str, module: str) -> bool:
    return MODULES[package].name == "__init__.py" and module.startswith(package + ".")


def _package_of(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def test_no_private_names_cross_packages() -> None:
    crossing = []
    for module in MODULES:
        for target, names, line in _imports(module):
            if not (_ours(target) and target in MODULES):
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and _package_of(target) != _package_of(module):
                crossing.append(f"{module}:{line} takes {private} from {target}")
    assert not crossing, "\n".join(crossing)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from searchpod.engine import query\n", "searchpod.engine.query"),
        ("from searchpod.query.search import run_search\n", "searchpod.query.search"),
        ("def f():\n    from searchpod.index import Index\n", "searchpod.index"),
    ],
)
def test_the_checker_sees_every_kind_of_import(
    source: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The checks above are only as good as the import reader: it must see submodule,
    # name and function-level imports alike.
    path = PACKAGE / "text" / "stemmer.py"
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: source)
    assert expected in {t for t, _, _ in _imports(_module_name(path))}
