"""Progress bars for the shells (CLI, `bot serve` start-up): the library reports (stage, done, total), this draws."""
from __future__ import annotations

import sys


class TqdmProgress:
    """Turns the library's (stage, done, total) callbacks into one tqdm bar per stage on stderr."""

    LABELS = {"read": "Reading files", "embed": "Embedding sentences", "sparse": "Sparse term vectors"}

    def __init__(self):
        self.bars: dict[str, object] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if total <= 0:
            return
        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=self.LABELS.get(stage, stage), unit=" items", file=sys.stderr, leave=stage != "read")
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
