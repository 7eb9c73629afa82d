"""RDF files read safely: nothing fetched, no entity expansion, bounded size and nesting.

rdflib follows a JSON-LD ``@context`` given as a URL, and an XML parser expands the
entities a DOCTYPE declares; a file handed to ``kg validate`` gets neither.
"""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Graph

from kg.errors import InputError
from kg.files import read_limited

FORMATS = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".n3": "n3",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}


def read_rdf_file(path: Path, *, max_bytes: int) -> Graph:
    """The triples of ``path`` (the default graph and every named graph, merged)."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = " ".join(sorted(FORMATS))
        raise InputError(f"{path}: unknown RDF file type {path.suffix or '(none)'} ({known})")
    data = read_limited(path, max_bytes)
    if not data.strip():
        raise InputError(f"{path}: file is empty")
    if fmt == "xml" and (b"<!DOCTYPE" in data or b"<!ENTITY" in data):
        raise InputError(f"{path}: XML with a DOCTYPE is refused (entity expansion)")
    if fmt == "json-ld":
        _check_jsonld(path, data)
    graph = Graph()
    try:
        if fmt in {"nquads", "trig"}:
            from rdflib import Dataset

            dataset = Dataset()
            dataset.parse(data=data, format=fmt)
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph.parse(data=data, format=fmt)
    except RecursionError as exc:
        raise InputError(f"{path}: nested too deeply to read") from exc
    except Exception as exc:  # rdflib's parsers raise many kinds; all mean "bad file"
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"{path}: not valid {fmt}: {reason[:300]}") from exc
    return graph


def _check_jsonld(path: Path, data: bytes) -> None:
    try:
        document = json.loads(data)
    except RecursionError as exc:
        raise InputError(f"{path}: nested too deeply to read") from exc
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from exc
    todo = [document]
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo.extend(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import") and _names_a_document(value):
                    raise InputError(
                        f"{path}: a JSON-LD remote context is refused (nothing is fetched)"
                    )
                todo.append(value)


def _names_a_document(context: object) -> bool:
    if isinstance(context, str):
        return True
    if isinstance(context, list):
        return any(isinstance(c, str) for c in context)
    return False
