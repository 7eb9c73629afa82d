"""SPARQL over the store: evaluation over the union of graphs, and result serialisation.

The query path stays on pyoxigraph and its own serialisers; rdflib is not involved.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox

from kg.errors import QueryError
from kg.guard import check_query
from kg.results import WRITERS
from kg.store import GraphStore

#: media type -> pyoxigraph results format, for SELECT and ASK
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
#: media type -> pyoxigraph RDF format, for CONSTRUCT and DESCRIBE
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
#: short names accepted by ``format=`` parameters and the CLI
FORMAT_ALIASES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
}


#: bytes of natively written results past which they are written again row by row, up
#: to the cap: the native writer is fast, but cannot stop at a number of rows
NATIVE_BUDGET = 4 * 1024 * 1024


class _OverBudget(Exception):
    pass


class _Budget:
    """A binary output that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _OverBudget
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def count_rows(body: bytes, fmt: ox.QueryResultsFormat) -> int:
    """The number of solutions in results Oxigraph wrote in ``fmt``."""
    if fmt == ox.QueryResultsFormat.JSON:
        return len(json.loads(body)["results"]["bindings"])
    if fmt == ox.QueryResultsFormat.XML:
        return body.count(b"<result>") + body.count(b"<result/>")  # "<" is escaped in values
    if fmt == ox.QueryResultsFormat.TSV:
        return body.count(b"\n") - 1  # one line per solution; values escape line breaks
    return sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1


@dataclass(frozen=True)
class QueryResult:
    """What a query returned: ``kind`` is "select", "ask" or "graph"; ``again`` evaluates
    the query anew (results are read once)."""

    kind: str
    value: object
    again: Callable[[], object] | None = None

    def serialize(self, media_type: str) -> bytes:
        return self.serialize_capped(media_type, limit=None)[0]

    def serialize_capped(self, media_type: str, *, limit: int | None) -> tuple[bytes, bool]:
        """The results in ``media_type``, at most ``limit`` rows or triples, and whether
        the cap cut them short."""
        if self.kind == "graph":
            fmt = GRAPH_FORMATS.get(media_type)
            if fmt is None:
                raise QueryError(f"{media_type} is not a graph format")
            triples = list(islice(self.value, limit + 1)) if limit else self.value  # type: ignore[call-overload]
            cut = limit is not None and len(triples) > limit  # type: ignore[arg-type]
            if cut:
                triples = triples[:limit]  # type: ignore[index]
            return ox.serialize(triples, format=fmt) or b"", cut  # type: ignore[arg-type]
        rfmt = RESULT_FORMATS.get(media_type)
        if rfmt is None:
            raise QueryError(f"{media_type} is not a results format")
        if self.kind == "ask" or limit is None:
            return self.value.serialize(format=rfmt) or b"", False  # type: ignore[attr-defined]
        solutions: ox.QuerySolutions = self.value  # type: ignore[assignment]
        # Oxigraph's own writer first, within a byte budget; most answers are small
        output = _Budget(NATIVE_BUDGET)
        try:
            solutions.serialize(output, format=rfmt)  # type: ignore[arg-type]
        except _OverBudget:
            if self.again is None:
                raise QueryError("the results are too large to write") from None
            solutions = self.again()  # type: ignore[assignment]
        else:
            body = b"".join(output.parts)
            if count_rows(body, rfmt) <= limit:
                return body, False
            if rfmt == ox.QueryResultsFormat.CSV and self.again is not None:
                solutions = self.again()  # type: ignore[assignment]  # CSV cannot be read back
            else:
                solutions = ox.parse_query_results(body, format=rfmt)  # type: ignore[assignment]
        names = [v.value for v in solutions.variables]
        rows = [[s[n] for n in names] for s in islice(solutions, limit + 1)]
        cut = len(rows) > limit
        return WRITERS[media_type](names, rows[:limit]), cut


def run_query(
    store: GraphStore,
    query: str,
    *,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
) -> QueryResult:
    """Evaluate a SPARQL 1.1 query over the union of the store's graphs (or over the
    protocol's ``default-graph-uri`` / ``named-graph-uri`` dataset); queries that would
    fetch from elsewhere are refused before evaluation."""
    check_query(query, graph_exists=store.has_graph)
    dataset: dict[str, object] = {}
    for iri in [*(default_graphs or []), *(named_graphs or [])]:
        if not store.has_graph(iri):
            raise QueryError(f"<{iri}> is not a graph of this store")
    if default_graphs:
        dataset["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    else:
        dataset["use_default_graph_as_union"] = True
    if named_graphs:
        dataset["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]

    def evaluate() -> object:
        try:
            return store.ox.query(query, **dataset)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {exc}") from exc

    result = evaluate()
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", result)
    if isinstance(result, ox.QuerySolutions):
        return QueryResult("select", result, evaluate)
    return QueryResult("graph", result)


def select_rows(store: GraphStore, query: str) -> list[dict[str, str]]:
    """A SELECT query's rows as plain strings, for code that wants Python values."""
    result = run_query(store, query)
    if result.kind != "select":
        raise QueryError("not a SELECT query")
    solutions: ox.QuerySolutions = result.value  # type: ignore[assignment]
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = term.value  # type: ignore[union-attr]
        rows.append(row)
    return rows
