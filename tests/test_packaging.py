"""The built wheel carries what the bot reads at run time (prompts, the boilerplate list, the lexicon) and, in the
evaluation package beside it, the question sets with their corpora.

A wheel install used to fail on its first refusal (prompts were read from the source tree). The wheel is
built from this checkout and imported from its unpacked files, outside the repository.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The question sets with their own corpus (eval/NAME/questions.jsonl and eval/NAME/docs/).
SET_FOLDERS = sorted(p.parent for p in (ROOT / "eval").glob("*/questions.jsonl") if (p.parent / "docs").is_dir())

CHECK = r"""
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import bot, index
from bot import prompts
from index import bridging
assert Path(bot.__file__).is_relative_to(sys.argv[1]), bot.__file__
print(prompts.localized("refusal", "en"))
print(prompts.localized("refusal", "ko"))
print(prompts.localized("quoted_note", "ja").format(language="韓国語", asker="日本語"))
print(bridging.LEXICON.is_file() and bridging.LEXICON.is_relative_to(sys.argv[1]))
print((Path(index.__file__).parent / "boilerplate.txt").is_file())
from index.readings import hangul_reading
print(hangul_reading("大統領"))
from evaluation.datasets import plan_sets
planned = plan_sets(None)
assert all(s.dataset.is_relative_to(sys.argv[1]) and (s.corpus is None or s.corpus.is_dir()) for s in planned), planned
print(" ".join(s.name for s in planned))
"""


def _have_build_backend() -> bool:
    """setuptools >= 68 in this environment: build offline; otherwise pip fetches it from the registry."""
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 68


def build_wheel(tmp_path: Path) -> Path:
    """The wheel of a clean copy of the sources (as a fresh clone has them), built without the network.

    Building in the checkout itself would reuse setuptools' ``build/`` folder, whose stale copies of moved
    or deleted modules end up in the wheel.
    """
    src = tmp_path / "src"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, timeout=60)
    if listed.returncode == 0:
        for name in filter(None, listed.stdout.decode().split("\0")):
            if (ROOT / name).is_file():
                (src / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, src / name)
    else:  # not a git checkout (an unpacked sdist, say)
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", "build", "dist", "*.egg-info", "__pycache__", ".git"))
    isolation = ["--no-build-isolation"] if _have_build_backend() else []
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w", str(tmp_path / "dist"), str(src)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("seedbot-*.whl")
    return wheel


def test_the_wheel_ships_prompts_lexicon_and_boilerplate_and_refuses_outside_a_checkout(tmp_path):
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/prompt_files/refusal_en.txt" in names and "index/data/lexicon.tsv.gz" in names
    assert {"index/data/hanja_readings.tsv", "evaluation/sets/faq.jsonl", "evaluation/sets/userdocs/questions.jsonl"} <= set(names)
    for folder in SET_FOLDERS:  # every set with its whole corpus (eval/everyday too, once it is there)
        assert f"evaluation/sets/{folder.name}/questions.jsonl" in names, folder
        assert {f"evaluation/sets/{folder.name}/docs/{p.name}" for p in (folder / "docs").iterdir()} <= set(names), folder
    assert not any(n.startswith(("tests/", "seeds/", "eval/", "evaluation/sets/results/")) or "/parts/" in n for n in names)
    modules = {n for n in names if n.endswith(".py")}
    assert modules == {p.relative_to(ROOT).as_posix() for top in ("bot", "index", "evaluation") for p in (ROOT / top).rglob("*.py")
                       if "__pycache__" not in p.parts} | {f"bot/prompt_files/{p.name}" for p in (ROOT / "prompts").glob("*.py")}, \
        "the wheel holds exactly the source tree's modules"
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    run = subprocess.run([sys.executable, "-c", CHECK, str(tmp_path / "site")], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "The sources don't say." and lines[1].startswith("자료에는")
    assert lines[2].startswith("韓国語の資料から") and lines[3:6] == ["True", "True", "대통령"]
    everyday = " everyday" if (ROOT / "eval" / "everyday" / "questions.jsonl").is_file() else ""
    assert lines[6:] == [f"faq-dev{everyday} faq-test userdocs"]  # the shipped sets, found outside a checkout


# ---------------------------------------------------------------- the wheel, installed for real

FORBIDDEN = ("pytest", "pytest-cov", "coveralls", "torch", "hanja", "matplotlib")  # test tools, CUDA-sized, or unused


def _pip(python: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args], capture_output=True, text=True, timeout=timeout)


def _install_for_real(wheel: Path, venv: Path) -> None:
    """Install ``wheel`` into a fresh venv with pip resolving every dependency (no system site-packages).

    The dependencies' wheels are kept in a wheelhouse (``SEEDBOT_WHEELHOUSE``, else ~/.cache/seedbot-wheelhouse):
    the first run downloads them from the registry (457 MB of wheels), later runs resolve from it without the network.
    """
    wheelhouse = Path(os.environ.get("SEEDBOT_WHEELHOUSE") or Path.home() / ".cache" / "seedbot-wheelhouse")
    wheelhouse.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    offline = ("install", "-q", "--no-index", "--find-links", str(wheelhouse), str(wheel))
    if _pip(python, *offline).returncode != 0:
        filled = _pip(python, "wheel", "-q", "--find-links", str(wheelhouse), "-w", str(wheelhouse), str(wheel))
        assert filled.returncode == 0, filled.stderr[-3000:]
        for own in wheelhouse.glob("seedbot-*.whl"):  # only dependencies live there: the wheel under test is given by path
            own.unlink()
        done = _pip(python, *offline)
        assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.slow
def test_the_wheel_installed_for_real_indexes_refuses_and_evaluates_outside_a_checkout(tmp_path):
    """The issue's "done when": `pip install` the built wheel into a new venv, then in an empty folder index the
    seeds, get a refusal (exit 0) and an eval report with its plot; the install holds no test tools and no torch.
    Its cost is indexing the seeds once more and, on the first run only, filling the wheelhouse (457 MB)."""
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    _install_for_real(wheel, venv)

    listed = _pip(venv / "bin" / "python", "list", "--format=freeze")
    installed = {line.split("==")[0].lower() for line in listed.stdout.splitlines()}
    assert "seedbot" in installed and "langchain-text-splitters" in installed
    assert not installed & set(FORBIDDEN), sorted(installed & set(FORBIDDEN))

    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
               GRADIO_ANALYTICS_ENABLED="False", NO_COLOR="1")

    def bot(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(venv / "bin" / "bot"), *args], capture_output=True, text=True, cwd=work, env=env, timeout=2400)

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import bot, index; print(bot.__file__, index.__file__)"],
                           capture_output=True, text=True, cwd=work, env=env)
    assert where.returncode == 0 and str(ROOT) not in where.stdout and str(venv) in where.stdout, where.stdout + where.stderr

    index_dir, out = work / "X", work / "Y"
    indexed = bot("index", "--index-dir", str(index_dir), str(ROOT / "seeds"))
    assert indexed.returncode == 0, indexed.stderr[-3000:]
    assert "Indexed 5 files (5 added" in indexed.stdout

    asked = bot("ask", "--index-dir", str(index_dir), "What is the capital of France?")
    assert asked.returncode == 0, asked.stderr[-3000:]
    assert asked.stdout.startswith("The sources don't say.")

    # The shipped sets are found inside the installed package (userdocs with its corpus folder) ...
    sets = subprocess.run([str(venv / "bin" / "python"), "-c", PLAN], capture_output=True, text=True, cwd=work, env=env, timeout=120)
    assert sets.returncode == 0, sets.stderr[-3000:]
    planned = json.loads(sets.stdout)
    everyday = ["everyday"] if (ROOT / "eval" / "everyday" / "questions.jsonl").is_file() else []
    assert [p["name"] for p in planned] == ["faq-dev", *everyday, "faq-test", "userdocs"]
    assert all(p["dataset"].startswith(str(venv)) for p in planned)
    for p in planned:
        if p["name"] in ("everyday", "userdocs"):
            shipped = [f for f in (ROOT / "eval" / p["name"] / "docs").iterdir() if f.suffix in {".md", ".txt", ".pdf"}]
            assert p["corpus_files"] == len(shipped) >= 12, p["name"]
    # ... and `bot eval` scores a few of the shipped FAQ questions (all 263 would take minutes): report and plot.
    small = work / "small.jsonl"
    small.write_text("".join(line + "\n" for line in planned[0]["first_lines"]), encoding="utf-8")
    evaluated = bot("eval", "--index-dir", str(index_dir), "--out", str(out), "--dataset", str(small))
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    for name in ("results.jsonl", "report.json", "report.md", "report.svg"):
        assert (out / name).stat().st_size > 0, name
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["plot"] == "report.svg" and report["sets"]["small"]["questions"] == 6
    assert "ours: all" in evaluated.stdout and "Wrote" in evaluated.stdout


PLAN = """
import json
from evaluation.datasets import plan_sets
out = []
for s in plan_sets(None):
    out.append({"name": s.name, "dataset": str(s.dataset), "corpus_files": len(list(s.corpus.iterdir())) if s.corpus else 0,
                "first_lines": [json.dumps(it, ensure_ascii=False) for it in s.items[:6]]})
print(json.dumps(out))
"""
