"""Imports run one way, floor by floor: ``index/`` (ingestion, stores, retrieval) knows nothing of ``bot/``; the
runtime (``bot/``, ``index/``) knows nothing of ``evaluation/`` (the tools around it); and no module imports
itself round a loop of any length.

Every module of every package is read, recursively (``bot/web/`` too), and every import counts, also those
inside functions (the lazy ones), read from the source with ``ast``. The one door from the runtime into
evaluation is the CLI's ``bot eval`` / ``bot bench`` commands, which import it inside the command (lazily), so
``bot ask`` never loads it; that door is checked to stay lazy and in those two commands, and the modules the ask
path imports are checked, in a fresh interpreter, to leave evaluation unloaded.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "index", "evaluation")
RUNTIME = ("bot", "index")
#: Where the runtime may import evaluation, and only inside these functions: the CLI's eval and bench commands.
LAZY_DOORS = {"bot.cli": {"eval_cmd", "bench_cmd"}}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the packages under ``root``, by dotted name (a package's ``__init__.py`` is the package)."""
    out = {}
    for pkg in PACKAGES:
        for p in sorted((root / pkg).rglob("*.py")):
            parts = p.relative_to(root).with_suffix("").parts
            if "__pycache__" in parts:
                continue
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def import_sites(name: str, path: Path, known: set[str]) -> list[tuple[str, str | None]]:
    """``(imported module, enclosing function or None at module level)`` for every import of a known module.

    ``from bot import prompts`` counts as ``bot.prompts`` when that is a module, else as ``bot``; ``import
    bot.web.render`` as the deepest module that exists; relative imports are resolved against the file's package.
    Imports in a class body or under an ``if`` run at import time, so only a function makes one lazy.
    """
    out: list[tuple[str, str | None]] = []

    def add(target: str, where: str | None) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.append((target, where))

    def walk(node: ast.AST, where: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                walk(child, where or child.name)  # the outermost function: the one a caller runs
                continue
            if isinstance(child, ast.Import):
                for a in child.names:
                    add(a.name, where)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    pkg = _package_of(name, path).split(".")
                    base = ".".join(pkg[: len(pkg) - (child.level - 1)] + ([base] if base else []))
                for a in child.names:
                    full = f"{base}.{a.name}" if base else a.name
                    add(full if full in known else base, where)
            walk(child, where)

    walk(ast.parse(path.read_text(encoding="utf-8")), None)
    return out


def imports(name: str, path: Path, known: set[str]) -> dict[str, bool]:
    """The known modules a file imports, each with whether some import of it runs at module level (eager)."""
    found: dict[str, bool] = {}
    for target, where in import_sites(name, path, known):
        found[target] = found.get(target, False) or where is None
    return found


def graph(root: Path = ROOT) -> dict[str, dict[str, bool]]:
    """module → {imported module: eager?}, over every module of every package under ``root``."""
    mods = modules(root)
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def find_cycles(g: dict[str, dict[str, bool]]) -> list[list[str]]:
    """One loop per back edge found by a depth-first walk (lazy imports count: a loop of them still ties the modules)."""
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(g.get(node, {})):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for name in sorted(g):
        if name not in state:
            visit(name, [name])
    return cycles


def _floor(module: str) -> str:
    return module.split(".")[0]


def violations(root: Path = ROOT) -> list[str]:
    """Every broken rule under ``root``: index → bot, runtime → evaluation (bar the CLI's lazy door), any cycle."""
    mods = modules(root)
    out = []
    for name, path in sorted(mods.items()):
        for dep, where in dict.fromkeys(import_sites(name, path, set(mods))):
            if _floor(name) == "index" and _floor(dep) == "bot":
                out.append(f"index imports bot: {name} → {dep}")
            if _floor(name) in RUNTIME and _floor(dep) == "evaluation" and where not in LAZY_DOORS.get(name, ()):
                out.append(f"runtime imports evaluation: {name} → {dep} " + (f"(in {where})" if where else "(at module level)"))
    out += ["cycle: " + " → ".join(c) for c in find_cycles(graph(root))]
    return out


def test_the_import_rules_hold():
    assert violations() == []


def test_the_graph_is_read_from_real_imports_in_every_subpackage():
    g = graph()
    assert "bot.web.render" in g and "bot.web.strings" in g["bot.web.render"]  # a subpackage, read
    assert "index.retrieving" in g["bot.chain"] and "index.settings" in g["index.retrieving"]
    assert g["bot.cli"]["evaluation.running"] is False  # the lazy door, seen as lazy
    assert "bot.chain" in g["evaluation.running"]  # evaluation builds on the runtime


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "copy"
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, root / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static", "data"))
    assert violations(root) == []
    return root


def test_the_checker_fails_on_a_cycle_planted_in_a_subpackage(tmp_path):
    """Two modules of a new subpackage import each other, one of them lazily, inside a function."""
    root = _copy(tmp_path)
    sub = root / "bot" / "web" / "planted"
    sub.mkdir()
    (sub / "__init__.py").write_text("", encoding="utf-8")
    (sub / "first.py").write_text("from bot.web.planted import second\n", encoding="utf-8")
    (sub / "second.py").write_text("def late():\n    from . import first\n    return first\n", encoding="utf-8")
    found = violations(root)
    assert found == ["cycle: bot.web.planted.first → bot.web.planted.second → bot.web.planted.first"]


def test_the_checker_fails_on_a_longer_cycle_across_floors_and_on_forbidden_imports(tmp_path):
    root = _copy(tmp_path)
    (root / "bot" / "web" / "render.py").write_text(
        (root / "bot" / "web" / "render.py").read_text(encoding="utf-8") + "\n\ndef planted():\n    import bot.webapp\n",
        encoding="utf-8")
    assert any(v.startswith("cycle: ") and "bot.web.render" in v and "bot.webapp" in v for v in violations(root)), violations(root)

    root = _copy(tmp_path / "b")
    (root / "index" / "languages.py").write_text(
        (root / "index" / "languages.py").read_text(encoding="utf-8") + "\n\ndef planted():\n    from bot.web import strings\n",
        encoding="utf-8")
    (root / "bot" / "citing.py").write_text(
        (root / "bot" / "citing.py").read_text(encoding="utf-8") + "\nfrom evaluation import metrics\n", encoding="utf-8")
    cli = (root / "bot" / "cli.py").read_text(encoding="utf-8")
    (root / "bot" / "cli.py").write_text("from evaluation.running import run_eval\n" + cli.replace(
        "    text = read_question(question, settings.max_question_chars)\n",
        "    text = read_question(question, settings.max_question_chars)\n    from evaluation import metrics\n"), encoding="utf-8")
    found = violations(root)
    assert "index imports bot: index.languages → bot.web.strings" in found
    assert "runtime imports evaluation: bot.citing → evaluation.metrics (at module level)" in found
    assert "runtime imports evaluation: bot.cli → evaluation.running (at module level)" in found  # the door must stay lazy
    assert "runtime imports evaluation: bot.cli → evaluation.metrics (in ask)" in found  # ... and only in eval and bench


def test_bot_ask_does_not_load_evaluation():
    """The CLI module and the answer chain, imported as ``bot ask`` imports them, leave evaluation unloaded."""
    code = ("import sys, bot.cli, bot.chain, bot.answering, index.retrieving; "
            "print(sorted(m for m in sys.modules if m == 'evaluation' or m.startswith('evaluation.')))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


# ---------------------------------------------------------------- private names stay in their module


def _private(attr: str) -> bool:
    return attr.startswith("_") and not (attr.startswith("__") and attr.endswith("__"))


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` of a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def private_uses(root: Path = ROOT) -> list[str]:
    """Every private name (``_name``) a runtime module takes from another module of the packages: ``from X import
    _name``, and ``X._name`` on a module or a name it imported (``tokenizing._sudachi``, ``Catalog._load_dir``).
    Language rules and helpers that other modules need are public names (index/lang holds the data)."""
    mods = modules(root)
    out = []
    for name, path in sorted(mods.items()):
        if _floor(name) not in RUNTIME:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bound: dict[str, str] = {}  # a name in this module → the dotted thing it was imported as
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = _package_of(name, path).split(".")
                    base = ".".join(pkg[: len(pkg) - (node.level - 1)] + ([base] if base else []))
                for a in node.names:
                    bound[a.asname or a.name] = f"{base}.{a.name}"
                    if _private(a.name) and _floor(base) in PACKAGES and base != name:
                        out.append(f"{name} imports {base}.{a.name}")
            elif isinstance(node, ast.Import):
                for a in node.names:
                    bound[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                target = _dotted(node.value)
                head, _, rest = (target or "").partition(".")
                if head in bound:
                    full = bound[head] + (f".{rest}" if rest else "")
                    if _floor(full) in PACKAGES and full != name and not full.startswith(name + "."):
                        out.append(f"{name} uses {full}.{node.attr}")
    return sorted(set(out))


def test_no_module_takes_another_modules_private_names():
    """Issue 21: what one module needs of another is that module's public interface."""
    assert sorted(private_uses()) == []


def test_the_private_name_check_fails_on_planted_uses(tmp_path):
    root = _copy(tmp_path)
    (root / "bot" / "questions.py").write_text(
        (root / "bot" / "questions.py").read_text(encoding="utf-8")
        + "\n\ndef planted():\n    from index.tokenizing import _local\n    return _local\n", encoding="utf-8")
    (root / "index" / "bridging.py").write_text(
        (root / "index" / "bridging.py").read_text(encoding="utf-8")
        + "\nimport index.tokenizing as tok\nfrom index import readings\nPLANTED = (tok._lock, readings._table)\n",
        encoding="utf-8")
    found = set(private_uses(root))
    assert found == {"bot.questions imports index.tokenizing._local", "index.bridging uses index.tokenizing._lock",
                     "index.bridging uses index.readings._table"}


# ---------------------------------------------------------------- sizes (a report for now)


def oversized(root: Path = ROOT) -> list[str]:
    """Runtime modules over MAX_MODULE_LINES lines and functions over MAX_FUNCTION_LINES lines (decorators to last line)."""
    out = []
    for name, path in modules(root).items():
        if _floor(name) not in RUNTIME:
            continue
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            out.append(f"module {name}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                length = node.end_lineno - first + 1
                if length > MAX_FUNCTION_LINES:
                    out.append(f"function {name}.{node.name} (line {node.lineno}): {length} lines")
    return out


def test_no_runtime_module_over_500_lines_and_no_function_over_80():
    """Issue 21's size rule: a module or function past it holds more than one concern."""
    assert oversized() == []


#: What a one-off extractive ``bot ask`` must leave unloaded: LangChain (its chat models and retriever face are for
#: LLM answers and LangChain pipelines), the tools around the product, and the tokenizer of a language not asked in.
ASK_MUST_NOT_LOAD = {
    "What did Ishiba give Trump?": {"kiwipiepy", "sudachipy"},
    "트럼프 대통령은 일본의 방위비에 대해 무엇을 말했나요?": {"sudachipy"},
    "石破首相はトランプ氏に何を贈った？": {"kiwipiepy"},
}
NEVER_ON_THE_ASK_PATH = {"chromadb", "langchain_core", "langchain_chroma", "langchain_openai", "langchain_ollama", "langsmith", "evaluation",
                         "gradio", "torch", "matplotlib"}


@pytest.mark.parametrize("question", list(ASK_MUST_NOT_LOAD))
def test_a_one_off_question_loads_only_what_it_needs(seed_settings, question):
    """``bot ask`` run for real in a fresh interpreter on the seed index: it answers, and loads no LangChain, no
    evaluation or web pieces, no Chroma (the catalog's copy of the vectors is searched), and no tokenizer for a
    language the question is not in."""
    code = ("import sys\nfrom bot.cli import cli\n"
            "try:\n    cli(['ask', sys.argv[1]], prog_name='bot', standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted({m.split('.')[0] for m in sys.modules}))\n")
    env = {**os.environ, "BOT_INDEX_DIR": str(seed_settings.index_dir), "BOT_LLM": "extractive", "BOT_JUDGE": ""}
    env.pop("BOT_CHROMA_URL", None)
    run = subprocess.run([sys.executable, "-c", code, question], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert run.returncode == 0, run.stderr
    assert "[1]" in run.stdout  # it answered, with a citation
    loaded = set(ast.literal_eval(run.stdout.rsplit("LOADED ", 1)[1].strip()))
    assert not loaded & (NEVER_ON_THE_ASK_PATH | ASK_MUST_NOT_LOAD[question])
