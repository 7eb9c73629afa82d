"""Settings that flow from the CLI or the app factory, never from globals.

Precedence: explicit argument, then environment (``KG_*``), then these defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kg.namespace import DEFAULT_BASE_IRI

DEFAULT_STORE = Path("data/store")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    store: Path | str  # a folder, or the URL of a SPARQL 1.1 endpoint
    base_iri: str = DEFAULT_BASE_IRI
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_env(cls, *, store: str | None = None, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ) if env is None else env
        return cls(
            store=_location(store or env.get("KG_STORE") or str(DEFAULT_STORE)),
            base_iri=env.get("KG_BASE_IRI", DEFAULT_BASE_IRI),
            max_bytes=int(env.get("KG_MAX_BYTES", DEFAULT_MAX_BYTES)),
        )


def _location(value: str) -> Path | str:
    return value if value.startswith(("http://", "https://")) else Path(value)
