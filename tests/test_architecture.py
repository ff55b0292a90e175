"""Imports run one way, floor by floor: ``index/`` (ingestion, stores, retrieval) knows nothing of ``bot/``,
and no two modules of the package import each other, directly or round a longer loop.

Every import counts, also those inside functions (the lazy ones), read from the source with ``ast``.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "index")


def modules() -> dict[str, Path]:
    return {
        ".".join(p.relative_to(ROOT).with_suffix("").parts): p
        for pkg in PACKAGES
        for p in sorted((ROOT / pkg).glob("*.py"))
        if p.name != "__init__.py"
    }


def imports(path: Path) -> set[str]:
    """The package modules a file imports (``from bot import prompts`` counts as ``bot.prompts``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.split(".")[0] in PACKAGES}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: {m for m in imports(path) if m in mods and m != name} for name, path in mods.items()}


def test_index_never_imports_bot():
    offenders = {name: sorted(m for m in deps if m.startswith("bot")) for name, deps in graph().items() if name.startswith("index.")}
    assert {n: d for n, d in offenders.items() if d} == {}


def test_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(g[node]):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep] if dep in path else [node, dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for name in sorted(g):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_graph_is_read_from_real_imports():
    g = graph()
    assert "bot.chain" in g["bot.cli"] or "bot.chain" in {m for m in g["bot.cli"]} | set().union(*(g[m] for m in g["bot.cli"]))
    assert "index.retrieving" in g["bot.chain"] and "index.settings" in g["index.retrieving"]
