"""Timing and memory measurement shared by the benchmarks."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def best_time(function: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    """Best wall-clock time of ``repeats`` calls after a warm-up call, and the last result."""
    result = function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def peak_mb(function: Callable[[], Any]) -> float:
    """Peak memory traced (Python and numpy allocations) while ``function`` runs, MB."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
