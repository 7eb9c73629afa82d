"""A SPARQL 1.1 endpoint as the store, for graphs that outgrow one machine.

:class:`RemoteStore` offers the part of ``pyoxigraph.Store`` that :class:`kg.store.GraphStore`
and the rest of ``kg`` use, over the SPARQL 1.1 Protocol (query and update), so every
command and the API work unchanged against Oxigraph server, Apache Jena Fuseki,
GraphDB, Virtuoso or Amazon Neptune. Results are read with pyoxigraph's parsers.

What the endpoint must do: use the union of its named graphs as the default graph
(``oxigraph serve --union-default-graph``, Fuseki's ``unionDefaultGraph``; GraphDB and
Virtuoso do by default), and run each update request as one transaction, which is what
keeps a document whole or absent.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from typing import IO

import pyoxigraph as ox

from kg.errors import StoreError

_ACCEPT_RESULTS = "application/sparql-results+json"
_ACCEPT_GRAPH = "application/n-triples"


def endpoints(url: str) -> tuple[str, str]:
    """The query and update URLs for a store URL: Oxigraph and Fuseki answer updates at
    ``.../update`` beside ``.../query``; most others take both at one URL."""
    if url.rstrip("/").endswith("/query"):
        return url, url.rstrip("/")[: -len("query")] + "update"
    return url, url


class RemoteStore:
    """The subset of ``pyoxigraph.Store`` used by ``kg``, over HTTP."""

    def __init__(self, url: str, *, timeout: float = 300) -> None:
        self.url = url
        self.query_url, self.update_url = endpoints(url)
        self.timeout = timeout

    # -- the protocol

    def _post(
        self, url: str, body: str, ctype: str, accept: str, *, refused: type[Exception]
    ) -> tuple[str, bytes]:
        """The answer's media type and body; a 4xx raises ``refused`` (what pyoxigraph
        raises for bad input), anything else unreachable a ``StoreError``."""
        request = urllib.request.Request(
            url,
            data=body.encode("utf-8"),
            headers={"Content-Type": ctype, "Accept": accept},
            method="POST",
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=self.timeout) as response:
                media = (response.headers.get("Content-Type") or "").split(";")[0].strip()
                return media, bytes(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace").strip().splitlines()
            message = (detail or [str(exc.reason)])[0][:300]
            if 400 <= exc.code < 500:
                raise refused(message) from None
            raise StoreError(f"{self.url} answered {exc.code}: {message}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach the store at {self.url}: {exc}") from None

    def query(
        self,
        query: str,
        *,
        use_default_graph_as_union: bool = False,
        default_graph: object = None,
        named_graphs: list[ox.NamedNode] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
        """Run a query; ``use_default_graph_as_union`` is how the endpoint must be set up."""
        params = [("query", query)]
        graphs = default_graph if isinstance(default_graph, list) else [default_graph]
        params += [("default-graph-uri", g.value) for g in graphs if isinstance(g, ox.NamedNode)]
        params += [("named-graph-uri", g.value) for g in named_graphs or []]
        ctype, data = self._post(
            self.query_url,
            urllib.parse.urlencode(params),
            "application/x-www-form-urlencoded",
            f"{_ACCEPT_RESULTS}, {_ACCEPT_GRAPH};q=0.9",
            refused=SyntaxError,
        )
        if ctype in {"application/n-triples", "text/plain"}:
            return iter(list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES)))  # type: ignore[arg-type]
        if ctype == "text/turtle":
            return iter(list(ox.parse(data, format=ox.RdfFormat.TURTLE)))  # type: ignore[arg-type]
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)

    def update(self, update: str) -> None:
        self._post(self.update_url, update, "application/sparql-update", "*/*", refused=ValueError)

    def _select(self, query: str) -> ox.QuerySolutions:
        result = self.query(query)
        assert isinstance(result, ox.QuerySolutions)
        return result

    # -- the parts of pyoxigraph.Store that kg uses

    def quads_for_pattern(
        self, subject: object, predicate: object, obj: object, graph_name: object = None
    ) -> Iterator[ox.Quad]:
        """Quads of the named graphs (a union default graph hides the real default graph;
        asked for it, this returns nothing)."""
        if isinstance(graph_name, ox.DefaultGraph):
            return iter(())
        s = str(subject) if subject is not None else "?s"
        p = str(predicate) if predicate is not None else "?p"
        o = str(obj) if obj is not None else "?o"
        g = str(graph_name) if graph_name is not None else "?g"
        rows = self._select(f"SELECT * WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}")
        quads = []
        for row in rows:
            quads.append(
                ox.Quad(
                    subject if subject is not None else row["s"],  # type: ignore[arg-type]
                    predicate if predicate is not None else row["p"],  # type: ignore[arg-type]
                    obj if obj is not None else row["o"],  # type: ignore[arg-type]
                    graph_name if graph_name is not None else row["g"],  # type: ignore[arg-type]
                )
            )
        return iter(quads)

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern(None, None, None, None)

    def __len__(self) -> int:
        rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(next(iter(rows))["n"].value)  # type: ignore[union-attr]

    def __contains__(self, quad: ox.Quad) -> bool:
        result = self.query(
            f"ASK {{ GRAPH {quad.graph_name} {{ {quad.subject} {quad.predicate} {quad.object} }} }}"
        )
        return bool(result)

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return iter([row["g"] for row in rows])  # type: ignore[misc]

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {graph} {{ }} }}"))

    def dump(
        self,
        output: IO[bytes] | None = None,
        *,
        format: ox.RdfFormat,
        from_graph: object = None,
    ) -> bytes | None:
        if from_graph is not None:
            triples = [
                ox.Triple(q.subject, q.predicate, q.object)
                for q in self.quads_for_pattern(None, None, None, from_graph)
            ]
            data = ox.serialize(triples, format=format) or b""  # type: ignore[arg-type]
        else:
            data = ox.serialize(list(self), format=format) or b""  # type: ignore[arg-type]
        if output is not None:
            output.write(data)
            return None
        return data

    def add(self, quad: ox.Quad) -> None:
        self.extend([quad])

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        lines = []
        for q in quads:
            triple = f"{q.subject} {q.predicate} {q.object} ."
            if isinstance(q.graph_name, ox.DefaultGraph):
                lines.append(triple)
            else:
                lines.append(f"GRAPH {q.graph_name} {{ {triple} }}")
        if lines:
            self.update("INSERT DATA { " + "\n".join(lines) + " }")

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    def clear_graph(self, graph: object) -> None:
        """Clear a named graph. The real default graph is hidden behind the union, so it
        is neither read nor cleared (an update's SHACL rollback covers named graphs)."""
        if not isinstance(graph, ox.DefaultGraph):
            self.update(f"CLEAR SILENT GRAPH {graph}")

    def flush(self) -> None:
        """Each update is committed by the endpoint when it answers."""
