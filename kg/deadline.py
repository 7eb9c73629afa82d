"""A deadline for every query, kept even though the engine cannot be cancelled.

Oxigraph releases the GIL while it evaluates, so queries run on a small pool of worker
threads and the caller waits at most ``seconds``; past that it gets ``QueryTimeout`` and
goes on serving others. An abandoned evaluation keeps its worker until it ends, so the
number running at once is capped (``Overloaded`` past the cap). The workers are daemon
threads: a query of death never keeps the process from exiting.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from kg.errors import Overloaded, QueryTimeout

T = TypeVar("T")


class Deadline:
    def __init__(self, seconds: float, *, max_running: int = 8) -> None:
        self.seconds = seconds
        self._slots = threading.BoundedSemaphore(max_running)
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        for n in range(max_running):
            threading.Thread(target=self._work, name=f"kg-query-{n}", daemon=True).start()

    def _work(self) -> None:
        while True:
            work, future = self._jobs.get()
            try:
                future.set_result(work())
            except BaseException as exc:
                future.set_exception(exc)
            finally:
                self._slots.release()

    def run(self, work: Callable[[], T]) -> T:
        if not self._slots.acquire(blocking=False):
            raise Overloaded("too many queries are running; try again shortly")
        future: Future[T] = Future()
        self._jobs.put((work, future))
        try:
            return future.result(timeout=self.seconds)
        except FutureTimeout:
            raise QueryTimeout(
                f"the query ran past its {self.seconds:g} s deadline and was cut off"
            ) from None
