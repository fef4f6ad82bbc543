"""Helpers for benchmarks: run a function in N worker processes, each with its own connection."""

from __future__ import annotations

import multiprocessing as mp
import os
import time


def _worker(target, args, n, barrier, out):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fours.settings")
    django.setup()
    from django.db import connection

    connection.close()
    state = target("setup", args, None)
    barrier.wait()
    t0 = time.perf_counter()
    for i in range(n):
        target("run", args, (state, i))
    out.put(time.perf_counter() - t0)
    connection.close()


def run_processes(target, args, *, processes: int, per_process: int) -> float:
    """Run target('run', args, (state, i)) per_process times in each process; returns ops/s overall."""
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(processes + 1)
    out = ctx.Queue()
    from django.db import connections

    connections.close_all()
    procs = [
        ctx.Process(target=_worker, args=(target, (*args, p), per_process, barrier, out))
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    times = [out.get() for _ in procs]
    elapsed = time.perf_counter() - t0
    for p in procs:
        p.join()
    del times
    return processes * per_process / elapsed


def percentile(values: list[float], pct: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(pct / 100 * (len(values) - 1))))
    return values[k]
