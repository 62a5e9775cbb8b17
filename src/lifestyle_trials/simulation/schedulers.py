"""Running chunks of replicates: in this process, in local processes, or on Dask.

Each chunk is one task that returns a small :class:`~.tally.Tally`; tallies are merged by
exact addition as they arrive, so memory does not grow with the number of replicates and the
result does not depend on the scheduler, the number of workers or the order of completion.

``scheduler``:

``None``
    A loop in this process.
``"processes"``
    Dask's local multiprocessing scheduler with ``workers`` processes. Where the platform
    can fork and this process runs no other Python thread, the workers are forked (they
    start in milliseconds, with the package already imported); otherwise Dask's default
    start method (spawn: a fresh interpreter per worker) is used.
``"distributed"``
    A ``dask.distributed.LocalCluster`` of ``workers`` single-threaded worker processes on
    this machine, started for the run and closed after it.
a ``dask.distributed.Client``
    Used as it is (a cluster started elsewhere); it is not closed.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ..errors import ConfigError, SchedulerError
from .tally import Tally

__all__ = ["SCHEDULERS", "describe", "run_chunks"]

SCHEDULERS: tuple[str, ...] = ("processes", "distributed")


def describe(scheduler: Any, workers: int | None) -> str:
    """A short description of a scheduler, for provenance."""
    if scheduler is None:
        return "this process"
    if isinstance(scheduler, str):
        return f"{scheduler} ({_workers(workers)} workers)"
    info: Any = getattr(scheduler, "scheduler_info", dict)()
    return f"dask client {info.get('id', '')}".strip()


def _workers(workers: int | None) -> int:
    if workers is None:
        return max(1, min(os.cpu_count() or 1, 8))
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a positive integer, got {workers!r}")
    return workers


def run_chunks(
    task: Callable[..., Tally],
    arguments: Sequence[tuple[Any, ...]],
    scheduler: Any,
    *,
    workers: int | None = None,
    progress: bool = False,
    total: Tally,
) -> Tally:
    """Run ``task(*args)`` for every ``args`` and add the tallies to ``total``.

    Raises
    ------
    ConfigError
        An unknown scheduler.
    SchedulerError
        Dask is not installed, or the cluster cannot be started.
    """
    bar = _Bar(len(arguments), sys.stderr) if progress else None
    if scheduler is None:
        for args in arguments:
            total = total + task(*args)
            if bar:
                bar.step()
        if bar:
            bar.close()
        return total
    if isinstance(scheduler, str):
        if scheduler not in SCHEDULERS:
            raise ConfigError(
                f"unknown scheduler {scheduler!r}; use None, {', '.join(map(repr, SCHEDULERS))} "
                "or a dask.distributed.Client"
            )
        n = _workers(workers)
        if scheduler == "processes":
            return _processes(task, arguments, n, bar, total)
        return _local_cluster(task, arguments, n, bar, total)
    if not hasattr(scheduler, "submit") or not hasattr(scheduler, "gather"):
        raise ConfigError(
            f"scheduler must be None, {', '.join(map(repr, SCHEDULERS))} or a "
            f"dask.distributed.Client, got {type(scheduler).__name__}"
        )
    return _client(scheduler, task, arguments, bar, total)


def _processes(
    task: Callable[..., Tally],
    arguments: Sequence[tuple[Any, ...]],
    workers: int,
    bar: _Bar | None,
    total: Tally,
) -> Tally:
    try:
        import dask
        from dask.callbacks import Callback
    except ImportError as err:  # pragma: no cover - dask is a dependency
        raise SchedulerError(f"scheduler='processes' needs dask: {err}") from None
    tasks = [dask.delayed(task, pure=False)(*args) for args in arguments]

    class _Progress(Callback):
        def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, id: Any) -> None:
            if bar and isinstance(result, Tally):
                bar.step()

    context = dask.config.get("multiprocessing.context", None)
    if context is None and _can_fork():
        context = "fork"
    try:
        with _Progress(), dask.config.set({"multiprocessing.context": context or "spawn"}):
            with warnings.catch_warnings():
                # Python >= 3.12 warns on fork when native (BLAS) threads exist; this process
                # runs no other Python thread and the workers only compute
                warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
                results = dask.compute(*tasks, scheduler="processes", num_workers=workers)
    except (OSError, RuntimeError) as err:
        first = next((ln.strip() for ln in str(err).splitlines() if ln.strip()), "")
        raise SchedulerError(
            f"the local process pool could not run the chunks ({type(err).__name__}: {first}); "
            "in a script, call lt.power under `if __name__ == '__main__':` (worker processes "
            "import the script), or use scheduler=None"
        ) from err
    for r in results:
        total = total + r
    if bar:
        bar.close()
    return total


def _can_fork() -> bool:
    """Forked workers are safe: the platform forks and no other Python thread runs here."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _local_cluster(
    task: Callable[..., Tally],
    arguments: Sequence[tuple[Any, ...]],
    workers: int,
    bar: _Bar | None,
    total: Tally,
) -> Tally:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - distributed is a dependency
        raise SchedulerError(f"scheduler='distributed' needs dask.distributed: {err}") from None
    try:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=50,
        )
    except Exception as err:
        raise SchedulerError(
            f"could not start a local Dask cluster of {workers} workers: {err}; use "
            "scheduler=None or 'processes', or pass a running dask.distributed.Client"
        ) from err
    try:
        with Client(cluster) as client:
            return _client(client, task, arguments, bar, total)
    finally:
        cluster.close()


def _client(
    client: Any,
    task: Callable[..., Tally],
    arguments: Sequence[tuple[Any, ...]],
    bar: _Bar | None,
    total: Tally,
) -> Tally:
    from dask.distributed import as_completed

    try:
        futures = [client.submit(task, *args, pure=False) for args in arguments]
    except Exception as err:
        raise SchedulerError(f"the Dask client did not accept the chunks: {err}") from err
    for future in as_completed(futures):
        total = total + future.result()
        future.release()
        if bar:
            bar.step()
    if bar:
        bar.close()
    return total


class _Bar:
    """A one-line progress bar on stderr: chunks done, share, elapsed and remaining time."""

    def __init__(self, n: int, out: TextIO, width: int = 30) -> None:
        self.n, self.out, self.width = n, out, width
        self.done = 0
        self.start = time.perf_counter()
        self._draw()

    def step(self) -> None:
        self.done += 1
        self._draw()

    def _draw(self) -> None:
        share = self.done / self.n if self.n else 1.0
        filled = int(round(share * self.width))
        elapsed = time.perf_counter() - self.start
        left = elapsed / share - elapsed if share > 0 else float("nan")
        self.out.write(
            f"\rpower [{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.n} "
            f"chunks {elapsed:5.1f} s, ~{left:5.1f} s left"
        )
        self.out.flush()

    def close(self) -> None:
        self.out.write("\n")
        self.out.flush()
