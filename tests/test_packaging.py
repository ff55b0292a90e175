"""The built wheel carries what the bot reads at run time: prompts, the boilerplate list, the lexicon.

A wheel install used to fail on its first refusal (prompts were read from the source tree). The wheel is
built from this checkout and imported from its unpacked files, outside the repository.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

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
"""


def _have_build_backend() -> bool:
    """setuptools >= 68 in this environment: build offline; otherwise pip fetches it from the registry."""
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 68


def test_the_wheel_ships_prompts_lexicon_and_boilerplate_and_refuses_outside_a_checkout(tmp_path):
    isolation = ["--no-build-isolation"] if _have_build_backend() else []
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("seedbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/prompt_files/refusal_en.txt" in names and "index/data/lexicon.tsv.gz" in names
    assert not any(n.startswith(("tests/", "seeds/")) for n in names)
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    run = subprocess.run([sys.executable, "-c", CHECK, str(tmp_path / "site")], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "The sources don't say." and lines[1].startswith("자료에는")
    assert lines[2].startswith("韓国語の資料から") and lines[3:] == ["True", "True"]
