"""``kg serve --workers N``: N read-only processes answering from one store.

One Python process serves about as fast as one core allows; more cores need more
processes, and an embedded store has a single writer. So the replicas open the store
read-only, the parent bars writers for as long as they run (:func:`kg.store.writers_barred`),
and changes are refused with 403. granian (a Rust HTTP server) runs the processes: it
keeps connections alive and parses HTTP outside the GIL, so a replica spends its core on
the request itself. Settings reach the replicas through ``$KG_*``, as they would reach
any ``kg`` process.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

from flask import Flask

from kg.store import writers_barred


def serve_replicas(
    store: Path, *, base_iri: str, host: str, port: int, workers: int, threads: int
) -> int:
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    with writers_barred(store):
        os.environ["KG_STORE"] = str(store)
        os.environ["KG_BASE_IRI"] = base_iri
        server = Granian(
            "cli.replicas:replica_app",
            factory=True,
            interface=Interfaces.WSGI,
            address=host,
            port=port,
            workers=workers,
            blocking_threads=threads,
            respawn_failed_workers=True,
            log_level=LogLevels.warning,
        )
        print(
            f"threat-kg serving {store} read-only on http://{host}:{port} with {workers} processes",
            flush=True,
        )
        server.serve()
    return 0


def replica_app() -> Flask:
    """One replica's app (granian calls this in each worker process)."""
    from api import create_app

    _exit_with_parent()
    return create_app({"KG_READ_ONLY": True})


def _exit_with_parent() -> None:
    """A replica outliving the parent would read while a writer may have started.

    SIGKILL, not SIGTERM: granian's worker answers SIGTERM by setting a threading.Event
    from the signal handler, which deadlocks when the signal lands while the worker's
    main thread holds that Event's lock (seen: two workers left running after their
    parent was killed). A replica has nothing to finish once its parent is gone.
    """
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
