"""A real ``kg serve`` process the fault tests start, kill and restart on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

KG = str(Path(sys.executable).with_name("kg"))
TOKEN = "fault-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``kg serve`` over ``store`` with ingest enabled and an API token."""

    def __init__(self, store: Path, *, threads: int = 4, extra_env: dict[str, str] | None = None):
        self.store = store
        self.port = free_port()
        self.threads = threads
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
        self.env |= {"KG_API_TOKEN": TOKEN, **(extra_env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = store.parent / f"serve-{self.port}.log"

    def start(self, timeout: float = 60) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [KG, "serve", "--store", str(self.store), "--port", str(self.port),
                 "--threads", str(self.threads)],
                stdout=log, stderr=subprocess.STDOUT, env=self.env,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kg serve exited: {self.log.read_text()[-2000:]}")
            try:
                if self.request("GET", "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("kg serve did not answer /healthz")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, bytes, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read(), response.getheader("Content-Type") or ""
        finally:
            conn.close()

    def ingest(self, name: str, text: str, timeout: float = 120) -> tuple[int, dict[str, object]]:
        status, body, _ = self.request(
            "POST",
            f"/api/documents?name={name}",
            text.encode("utf-8"),
            {"Content-Type": "text/plain", "Authorization": f"Bearer {TOKEN}"},
            timeout=timeout,
        )
        return status, json.loads(body or b"{}")
