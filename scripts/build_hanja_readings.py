"""Regenerate ``index/data/hanja_readings.tsv``, the Sino-Korean reading of each Han character.

The table comes from the ``hanja`` package (Sumin Byeon, https://github.com/suminb/hanja, WTFPL v2),
which is not a runtime dependency: its requirements pull pytest, pytest-cov and coveralls into users'
environments. Install it only to run this script, e.g. in a scratch venv::

    python -m venv /tmp/hanja-venv && /tmp/hanja-venv/bin/pip install hanja
    /tmp/hanja-venv/bin/python scripts/build_hanja_readings.py

One line per reading: ``reading<TAB>characters`` (546 lines, every character of the source table once),
sorted, so a regenerated file diffs cleanly against the committed one.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "index" / "data" / "hanja_readings.tsv"
HEADER = (
    "# Sino-Korean readings of Han characters: reading<TAB>characters. From the hanja package\n"
    "# (Sumin Byeon, https://github.com/suminb/hanja, WTFPL v2); regenerate with scripts/build_hanja_readings.py.\n"
)


def main() -> int:
    try:
        from hanja.table import hanja_table
    except ImportError:
        print("needs the hanja package: pip install hanja (in a scratch venv; see this script's docstring)", file=sys.stderr)
        return 1
    by_reading: dict[str, list[str]] = defaultdict(list)
    for char, reading in hanja_table.items():
        if len(char) != 1 or len(reading) != 1 or not "가" <= reading <= "힣":
            print(f"unexpected entry {char!r}: {reading!r}", file=sys.stderr)
            return 1
        by_reading[reading].append(char)
    lines = [f"{reading}\t{''.join(sorted(chars))}" for reading, chars in sorted(by_reading.items())]
    OUT.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(hanja_table)} characters, {len(lines)} readings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
