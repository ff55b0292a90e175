"""Follow the settings object through the code: which bot/ and index/ modules it visits, and how often it comes back.

Issue 21's measure of ownership: ``open_chatbot`` builds a small index (one seed article, in a temporary folder)
and answers one question, under ``sys.setprofile``. Every call into a bot/ or index/ module whose arguments hold the
Settings object or one of its parts (``settings.retrieval``, ``settings.answering``) is recorded; consecutive calls in
one module are one *stay*. A *return* is a stay in a module the settings already left once: when one object keeps
coming back to a module, that module's owner is in the wrong place. Prints the stays, then the counts.

    python scripts/settings_trace.py [--question TEXT] [--doc PATH]
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
PACKAGES = ("bot", "index")


def _module_of(filename: str) -> str | None:
    """``index.storing`` for ROOT/index/storing.py; None outside bot/ and index/."""
    try:
        rel = Path(filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    if not rel.parts or rel.parts[0] not in PACKAGES or rel.suffix != ".py":
        return None
    parts = rel.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _parts(settings) -> set[int]:
    """Identities of the settings object and of its dataclass-valued fields."""
    ids = {id(settings)}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if dataclasses.is_dataclass(value):
            ids.add(id(value))
    return ids


def trace(settings, question: str) -> list[tuple[str, str]]:
    """(module, function) of every call that receives a part of ``settings``, in call order."""
    from bot.chain import open_chatbot

    watched = _parts(settings)
    calls: list[tuple[str, str]] = []

    def profile(frame, event, arg):
        if event != "call":
            return
        module = _module_of(frame.f_code.co_filename)
        if module is None:
            return
        code = frame.f_code
        n = code.co_argcount + code.co_kwonlyargcount
        names = code.co_varnames[:n]
        values = [frame.f_locals.get(name) for name in names]
        if any(id(v) in watched for v in values):
            calls.append((module, code.co_name))

    sys.setprofile(profile)
    threading.setprofile(profile)
    try:
        bot = open_chatbot(settings)
        bot.answer(question)
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    return calls


def stays(calls: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """Consecutive calls in one module, merged: (module, its functions)."""
    out: list[tuple[str, list[str]]] = []
    for module, function in calls:
        if out and out[-1][0] == module:
            out[-1][1].append(function)
        else:
            out.append((module, [function]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--question", default="When did Takaichi and Trump have their New Year phone call?")
    parser.add_argument("--doc", type=Path, default=ROOT / "seeds" / "001_845099b6e1bd260e.txt")
    args = parser.parse_args()
    from index.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(env={}, index_dir=Path(tmp) / "index", docs=[args.doc])
        found = stays(trace(settings, args.question))
    seen: set[str] = set()
    returns = 0
    for module, functions in found:
        back = module in seen
        returns += back
        seen.add(module)
        print(f"{'↩' if back else ' '} {module}: {', '.join(dict.fromkeys(functions))}")
    print(f"{len(found)} stays in {len(seen)} modules, {returns} returns to a module already left")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
