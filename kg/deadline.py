"""A deadline for every query, kept even though the engine cannot be cancelled.

Oxigraph releases the GIL while it evaluates, so a query runs in a thread of its own and
the caller waits at most ``seconds`` for it; past that the caller gets ``QueryTimeout``
and goes on serving others. The abandoned evaluation still uses a core until it ends,
so the number running at once is capped (``Overloaded`` past the cap).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from kg.errors import Overloaded, QueryTimeout

T = TypeVar("T")


class Deadline:
    def __init__(self, seconds: float, *, max_running: int = 8) -> None:
        self.seconds = seconds
        self._slots = threading.BoundedSemaphore(max_running)

    def run(self, work: Callable[[], T]) -> T:
        if not self._slots.acquire(blocking=False):
            raise Overloaded("too many queries are running; try again shortly")
        box: dict[str, object] = {}
        done = threading.Event()

        def target() -> None:
            try:
                box["value"] = work()
            except BaseException as exc:
                box["error"] = exc
            finally:
                done.set()
                self._slots.release()

        threading.Thread(target=target, name="kg-query", daemon=True).start()
        if not done.wait(self.seconds):
            raise QueryTimeout(
                f"the query ran past its {self.seconds:g} s deadline and was cut off"
            )
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["value"]  # type: ignore[return-value]
