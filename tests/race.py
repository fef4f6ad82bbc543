"""One race harness for the concurrency tests: calls run in threads released at the same moment.

Each thread closes its own database connections when its call ends (Django opens one per thread).
The app itself never starts a thread: background work is a task (django-tasks)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def together(*calls: Callable[[], Any], timeout: float = 120) -> list[Outcome]:
    """Run every call in its own thread, all released by one barrier; the outcomes in call order."""
    start = threading.Barrier(len(calls), timeout=timeout)
    out = [Outcome() for _ in calls]

    def run(i, call):
        try:
            start.wait()
            out[i].value = call()
        except BaseException as e:
            out[i].error = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return out


def race(*calls: Callable[[], Any], refusal: type[BaseException] = Exception):
    """(results, refusals, other errors) of calls run together; a refusal is an error of that type."""
    ok, refused, errors = [], [], []
    for o in together(*calls):
        if o.error is None:
            ok.append(o.value)
        elif isinstance(o.error, refusal):
            refused.append(o.error)
        else:
            errors.append(o.error)
    return ok, refused, errors


class Background:
    """A call running in a thread of its own while the test goes on; join() gives its outcome."""

    def __init__(self, fn: Callable[[], Any]):
        self.outcome = Outcome()

        def run():
            try:
                self.outcome.value = fn()
            except BaseException as e:
                self.outcome.error = e
            finally:
                connections.close_all()

        self.thread = threading.Thread(target=run)
        self.thread.start()

    def join(self, timeout: float | None = None) -> Outcome:
        self.thread.join(timeout)
        return self.outcome

    def is_alive(self) -> bool:
        return self.thread.is_alive()


def in_thread(fn: Callable[[], Any]):
    """Run fn in a fresh thread (its own connection) and return its value or raise its error."""
    o = Background(fn).join()
    if o.error is not None:
        raise o.error
    return o.value


class Lock:
    """A lock for results collected by racing threads."""

    def __init__(self):
        self._lock = threading.Lock()

    def __enter__(self):
        self._lock.acquire()

    def __exit__(self, *exc):
        self._lock.release()
