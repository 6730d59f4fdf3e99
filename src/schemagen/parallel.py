"""Work split over the machine's cores, for the few steps that grow with the spec set.

Forked workers inherit what the parent already loaded (the model, imported
modules), so only each job's result is pickled back. Where processes cannot fork,
one worker is all that is asked for, or another thread is running (a child forked
while it holds a lock, the import lock say, waits for it forever: ``validate --live``
boots its server in a thread), the work simply runs here.
"""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def worker_count(jobs: int) -> int:
    import os

    return min(os.cpu_count() or 1, jobs)


def map_in_processes(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    import threading

    if workers < 2 or threading.active_count() > 1:
        return [fn(item) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods():
        return [fn(item) for item in items]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(fn, items, chunksize=max(1, len(items) // (workers * 4))))
