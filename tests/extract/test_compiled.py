"""The rule modules run compiled (``setup.py``, ``make``), find what their sources find,
and give way to their sources once those change."""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import extract
from extract.compiled import extension_modules, is_compiled, stale

REPO = Path(__file__).resolve().parents[2]
#: the modules setup.py compiles
COMPILED = re.findall(r'"extract/(\w+)\.py"', (REPO / "setup.py").read_text())

# every text of the dev corpus and the seed through the default pipeline, as JSON
EXTRACT_DEV = """
import json, sys
from pathlib import Path
import extract
from extract.pipeline import build_nlp
paths = sorted(Path(sys.argv[1]).glob("*.json")) + [Path(sys.argv[2])]
texts = [json.loads(p.read_text())["text"] for p in paths]
found = [[d._.kg_entities, d._.kg_relations] for d in build_nlp().pipe(texts)]
print(json.dumps({"mode": extract.MODE, "found": found}, default=list))
"""

#: for the tests of a build: KG_PURE_PYTHON asks for the sources to run instead
built = pytest.mark.skipif(
    bool(os.environ.get("KG_PURE_PYTHON")), reason="KG_PURE_PYTHON: the sources run, asked for"
)


@built
def test_the_rule_modules_run_compiled() -> None:
    assert COMPILED, "setup.py names no modules"
    assert extract.MODE == "compiled", (
        f"extract's rule modules run from source ({extract.MODE}): `make install` compiles them"
    )
    for name in COMPILED:
        assert is_compiled(importlib.import_module(f"extract.{name}")), name


@built
def test_compiled_and_source_find_the_same(dev_dir: Path, shared: Path) -> None:
    runs = {}
    for pure in ("", "1"):
        env = {**os.environ, "KG_PURE_PYTHON": pure}
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                EXTRACT_DEV,
                str(dev_dir),
                str(shared / "corpus/seed/seed.json"),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=True,
        ).stdout
        runs[pure] = json.loads(out)
    assert runs[""]["mode"] == "compiled" and runs["1"]["mode"] == "pure"
    assert sum(len(rels) for _, rels in runs[""]["found"]) > 50
    assert runs[""]["found"] == runs["1"]["found"]


def _package_copy(tmp_path: Path) -> Path:
    """The compiled package (with its shared library) and ``kg`` copied to ``tmp_path``."""
    shutil.copytree(
        REPO / "extract", tmp_path / "extract", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO / "kg", tmp_path / "kg", ignore=shutil.ignore_patterns("__pycache__"))
    spec = importlib.util.find_spec("extract._rules__mypyc")
    assert spec is not None and spec.origin is not None, "the compiled group library is missing"
    assert (tmp_path / "extract" / Path(spec.origin).name).is_file()
    return tmp_path


def _imported(root: Path, module: str) -> tuple[str, str]:
    code = f"import extract, {module} as m; print(extract.MODE, m.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "KG_PURE_PYTHON": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    return out[0], Path(out[1]).name


@built
def test_a_changed_source_is_run_instead_of_its_old_build(tmp_path: Path) -> None:
    root = _package_copy(tmp_path)
    mode, file = _imported(root, "extract.relations")
    assert mode == "compiled" and file.endswith(".so")
    # one source changes: all of them run from source, since compiled they call each other
    dates = root / "extract" / "dates.py"
    dates.write_text(dates.read_text() + "\nCHANGED = True\n")
    assert _imported(root, "extract.relations") == ("stale", "relations.py")
    assert _imported(root, "extract.dates") == ("stale", "dates.py")


def test_stale_compares_each_source_with_its_recorded_hash(tmp_path: Path) -> None:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    for name in ("a", "b"):
        (tmp_path / f"{name}.py").write_text(f"NAME = {name!r}\n")
        (tmp_path / f"{name}{suffix}").write_bytes(b"")
    (tmp_path / "c.py").write_text("")  # no extension module: not compiled
    modules = extension_modules(tmp_path)
    assert sorted(modules) == ["extract.a", "extract.b"]
    manifest = tmp_path / "_compiled.json"
    assert stale(modules, manifest) == ["extract.a", "extract.b"]  # no record
    manifest.write_text(
        json.dumps({n: hashlib.sha256(p.read_bytes()).hexdigest() for n, p in modules.items()})
    )
    assert stale(modules, manifest) == []
    (tmp_path / "b.py").write_text("NAME = 'changed'\n")
    assert stale(modules, manifest) == ["extract.b"]


def test_compiled_modules_lower_case_as_cpython_does() -> None:
    """mypyc compiles ``x.lower()`` to its own routine, which gives no final sigma
    ("ΑΣ" -> "ασ", not "ας"); ``str.lower(x)`` stays CPython's."""
    for name in COMPILED:
        source = (REPO / "extract" / f"{name}.py").read_text()
        calls = re.findall(r"^.*[\w)\]]\.lower\(\).*$", source, flags=re.M)
        assert not calls, f"extract/{name}.py: write str.lower(x), not x.lower(): {calls}"
