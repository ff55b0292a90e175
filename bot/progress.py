"""Progress bars for the shells (CLI, `bot serve` start-up): the library reports (stage, done, total), this draws."""
from __future__ import annotations

import sys


class TqdmProgress:
    """Turns the library's (stage, done, total) callbacks into one tqdm bar per stage on stderr.

    Each bar draws its 0% line once (when it opens) and its 100% line once (when it closes): redrawing on
    every callback printed both twice. A bar first seen part-way (a stage that reports after its first
    batch) starts from there, so its rate is not that batch over a few microseconds.
    """

    LABELS = {
        "read": "Reading files",
        "embed": "Embedding sentences",
        "sparse": "Sparse term vectors",
        "copy": "Copying vectors",
        "baseline embed": "Baseline: embedding chunks",
    }

    def __init__(self):
        self.bars: dict[str, object] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if total <= 0:
            return
        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, initial=min(done, total), desc=self.LABELS.get(stage, stage),
                                          unit=" items", file=sys.stderr, leave=stage != "read", dynamic_ncols=True)
        elif done > bar.n:
            if done >= total:
                bar.n = total  # close() draws the final line, once
            else:
                bar.update(done - bar.n)
        if done >= total and not bar.disable:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
