"""What the machine was doing while we measured: every timing in a report says it with the load average."""
from __future__ import annotations

import os


def load_avg() -> float | None:
    """The machine's 1-minute load average: above its core count, latencies include waiting for a CPU."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None
