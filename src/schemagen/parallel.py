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


def map_in_processes(fn: Callable[[T], R], items: Sequence[T], workers: int,
                     meanwhile: Callable[[], None] | None = None) -> list[R]:
    """``fn`` over ``items``, in forked workers when that is safe and worth it. ``meanwhile`` runs
    here while they work, once every worker is forked (a fork with fork's pool happens at the first
    submit), so it may start what must not exist at a fork (a connection's thread); when the work
    runs here instead, ``meanwhile`` runs first."""
    import threading

    if workers >= 2 and threading.active_count() == 1:
        import multiprocessing

        if "fork" in multiprocessing.get_all_start_methods():
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(fn, item) for item in items]
                if meanwhile is not None:
                    meanwhile()
                return [future.result() for future in futures]
    if meanwhile is not None:
        meanwhile()
    return [fn(item) for item in items]
