"""A one-line progress count on standard error for the long loops of :mod:`lifestyle_trials.mi`
(the refits of the jackknife and the bootstrap, the MMRM of every completed dataset).

``progress=None`` (the default of the functions that take it) shows the line only when the
loop has at least :data:`MIN_STEPS` steps and standard error is a terminal, so scripts,
reports and tests stay quiet; ``True`` always shows it, ``False`` never.
"""

from __future__ import annotations

import sys
import time

__all__ = ["MIN_STEPS", "Progress"]

MIN_STEPS = 100
"""Loops shorter than this show no progress unless asked."""


class Progress:
    """Count ``total`` steps of a loop named ``label``, at most ten updates a second.

    Examples
    --------
    >>> p = Progress(3, "refits", show=False)
    >>> for _ in range(3):
    ...     p.step()
    >>> p.done, p.shown
    (3, False)
    """

    def __init__(self, total: int, label: str, show: bool | None = None) -> None:
        if show is None:
            show = total >= MIN_STEPS and sys.stderr is not None and sys.stderr.isatty()
        self.total, self.label, self.shown = int(total), label, bool(show)
        self.done = 0
        self._last = 0.0

    def step(self) -> None:
        """One step done; the line is rewritten in place and ends with the last step."""
        self.done += 1
        if not self.shown:
            return
        now = time.monotonic()
        last = self.done >= self.total
        if last or now - self._last >= 0.1:
            self._last = now
            sys.stderr.write(f"\r{self.label}: {self.done}/{self.total}")
            if last:
                sys.stderr.write("\n")
            sys.stderr.flush()
