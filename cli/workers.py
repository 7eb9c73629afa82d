"""Worker processes for ``kg ingest --jobs N``: each extracts, builds and validates whole
documents, so every core works on what costs most. (Profiled on generated reports:
14 ms of spaCy, 41 ms of RDF and 215 ms of SHACL per document; spaCy's own
``nlp.pipe(n_process=N)`` would parallelise only the first.) The parent stores the
documents in input order."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from extract.readers import SourceDocument
from kg.catalogue import Catalogue
from kg.errors import KGError
from kg.ingest import document_graphs
from kg.rdf import GraphSettings
from kg.shacl import ValidationReport, validate_graph

# each worker process's pipeline, set once by ``_start``
_state: dict[str, Any] = {}


def _start(model: str | None, catalogue: Catalogue, base_iri: str) -> None:
    from extract.extractor import Extractor

    _state["extractor"] = Extractor.default(model, catalogue)
    _state["settings"] = GraphSettings(base_iri)


def _prepare(source: SourceDocument) -> tuple[str, bytes, ValidationReport] | tuple[str, str]:
    """(name, N-Quads, SHACL report), or (name, error) for a document that failed."""
    extractor = _state["extractor"]
    try:
        docs = document_graphs(extractor.extract(source), extractor.catalogue, _state["settings"])
        return source.meta.source, docs.nquads(), validate_graph(docs.graph)
    except KGError as exc:
        return source.meta.source, str(exc).splitlines()[0]


def prepared(
    sources: Iterable[SourceDocument],
    *,
    jobs: int,
    model: str | None,
    catalogue: Catalogue,
    base_iri: str,
) -> Iterator[tuple[str, bytes, ValidationReport] | tuple[str, str]]:
    """Documents prepared by ``jobs`` processes, in input order; at most two per worker
    are in flight, so memory does not grow with the corpus."""
    with multiprocessing.get_context("fork").Pool(
        jobs, initializer=_start, initargs=(model, catalogue, base_iri)
    ) as pool:
        pending: deque[Any] = deque()
        for source in sources:
            pending.append(pool.apply_async(_prepare, (source,)))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
