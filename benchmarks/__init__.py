"""Benchmarks of lifestyle-trials against peers, run with ``make bench`` (``python -m benchmarks``).

Each ``bench_*.py`` module here defines ``run() -> list[dict]``; every row has the keys
``name, ours_s, peer, peer_s, ratio, peak_mb, notes`` (seconds, megabytes; NaN when not
measured) and times the peer side by side in the same run. The runner prints one table and
writes ``benchmarks/results/latest.json``. Benchmarks never run in the test suite.
"""

ROW_KEYS: tuple[str, ...] = ("name", "ours_s", "peer", "peer_s", "ratio", "peak_mb", "notes")
"""The keys of a benchmark row, in table order."""
