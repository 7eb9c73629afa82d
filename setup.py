"""Build: the rule modules of ``extract`` compiled with mypyc, the rest as it is.

Entity and relation finding is plain Python run once per token and per trigger, and the
interpreter's own work is most of its time; compiled by mypyc from the same typed
source it does the same work in about two thirds of the instructions. Metadata is in
``setup.cfg``.

``KG_COMPILE=0`` builds without compiling (the modules then run from their source).
Each build records the hash of every source it compiled in ``extract/_compiled.json``:
``extract.compiled`` reads it to tell a compiled module from a stale one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

#: the modules compiled, all in one group: compiled, they call each other directly
COMPILED = [
    "extract/patterns.py",
    "extract/tokens.py",
    "extract/mentions.py",
    "extract/dates.py",
    "extract/entities.py",
    "extract/relations.py",
    "extract/extractor.py",
    "extract/pipeline.py",
]
MANIFEST = "extract/_compiled.json"


def source_hashes() -> dict[str, str]:
    return {
        path[:-3].replace("/", "."): hashlib.sha256(Path(path).read_bytes()).hexdigest()
        for path in COMPILED
    }


class BuildWithManifest(build_ext):
    """``build_ext`` that also writes the hashes of the compiled sources, if it compiled
    them."""

    def run(self) -> None:
        super().run()
        if self.extensions:
            root = Path("." if self.inplace else self.build_lib)
            (root / MANIFEST).write_text(json.dumps(HASHES, indent=1) + "\n")


def ext_modules() -> list:  # type: ignore[type-arg]
    if os.environ.get("KG_COMPILE", "1") == "0":
        return []
    from mypyc.build import mypycify

    return mypycify(COMPILED, group_name="extract._rules")


#: read before mypycify reads the sources, so that they are those it compiled
HASHES = source_hashes()
setup(ext_modules=ext_modules(), cmdclass={"build_ext": BuildWithManifest})
