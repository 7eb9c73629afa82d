"""Which of ``extract``'s modules run compiled.

The build compiles the rule modules with mypyc and leaves each extension module beside
its source, with the hash of every source it compiled (``setup.py``). Python imports an
extension module before a source of the same name, so one built from a source that has
changed since would run the old code. Then, and whenever ``KG_PURE_PYTHON`` is set,
every compiled module is imported from its source instead: compiled, they call each
other directly, so it is all of them or none.

Compiled code must mean what the source means. One known difference: mypyc's own
``x.lower()`` (mypy 2.4) lower-cases a capital sigma without regard to what follows it,
so the compiled modules write ``str.lower(x)``, which is CPython's.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path
from types import ModuleType

PACKAGE = "extract"
HERE = Path(__file__).parent
MANIFEST = HERE / "_compiled.json"


def extension_modules(directory: Path = HERE) -> dict[str, Path]:
    """The package's modules that have an extension module beside their source."""
    found: dict[str, Path] = {}
    for suffix in EXTENSION_SUFFIXES:
        for path in directory.glob(f"*{suffix}"):
            source = path.with_name(path.name[: -len(suffix)] + ".py")
            if source.is_file():
                found[f"{PACKAGE}.{source.stem}"] = source
    return dict(sorted(found.items()))


def stale(modules: dict[str, Path], manifest: Path = MANIFEST) -> list[str]:
    """The modules whose source is not the one their extension was built from."""
    try:
        built = json.loads(manifest.read_text())
    except (OSError, ValueError):
        built = {}
    return [
        name
        for name, source in modules.items()
        if built.get(name) != hashlib.sha256(source.read_bytes()).hexdigest()
    ]


class SourceFirst(MetaPathFinder):
    """Imports the named modules from their sources, beside their extension modules."""

    def __init__(self, modules: dict[str, Path]) -> None:
        self.modules = modules

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        source = self.modules.get(fullname)
        return None if source is None else spec_from_file_location(fullname, source)


def choose() -> str:
    """Install the source-first import where it is needed; say which way it went:
    "compiled", "source" (no extension modules), "stale" or "pure" (asked for)."""
    modules = extension_modules()
    if not modules:
        return "source"
    if os.environ.get("KG_PURE_PYTHON"):
        reason = "pure"
    elif stale(modules):
        reason = "stale"
    else:
        return "compiled"
    sys.meta_path.insert(0, SourceFirst(modules))
    return reason


def is_compiled(module: ModuleType) -> bool:
    return any(str(module.__file__).endswith(suffix) for suffix in EXTENSION_SUFFIXES)
