"""The embedded, persistent store: Oxigraph on disk through pyoxigraph.

Each document's facts live in a named graph of the document's IRI; queries see the
union of graphs. A document is written in one SPARQL update, which Oxigraph runs as one
transaction, so a document is in the store whole or not at all.
"""

from __future__ import annotations

import fcntl
import gc
import logging
import os
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.errors import StoreError
from kg.namespace import CLASS_TYPES
from kg.remote import RemoteStore

log = logging.getLogger(__name__)

_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
KGO_SHA256 = "https://w3id.org/threat-kg/ontology#sha256"
KGO_DOCUMENT = "https://w3id.org/threat-kg/ontology#Document"


def is_remote(location: object) -> bool:
    return isinstance(location, str) and location.startswith(("http://", "https://"))


#: triples written between flushes of the embedded store to its files
FLUSH_EVERY = 25_000
#: answers remembered between writes (GraphStore.remember) before starting afresh
MEMO_LIMIT = 100_000


class GraphStore:
    """A pyoxigraph store opened on a folder (in memory when ``location`` is None), or a
    SPARQL 1.1 endpoint when ``location`` is an http(s) URL (:mod:`kg.remote`)."""

    def __init__(self, location: Path | str | None, *, read_only: bool = False) -> None:
        self.ox: ox.Store | RemoteStore
        self._written = 0
        self._generation = 0
        self._memo: dict[Hashable, tuple[int, object]] | None = {}
        if is_remote(location):
            self.path: Path | None = None
            self.ox = RemoteStore(str(location))
            self._memo = None  # others write to it behind our back
            return
        path = None if location is None else Path(location)
        self.path = path
        try:
            if path is None:
                self.ox = ox.Store()
            elif read_only:
                self.ox = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self.ox = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc

    def changed(self) -> None:
        """Note a write: every answer remembered before it is forgotten."""
        self._generation += 1
        if self._memo is not None:
            self._memo.clear()

    @property
    def generation(self) -> int:
        """How many writes this object has seen; see :meth:`remember`."""
        return self._generation

    def recall(self, key: Hashable) -> object | None:
        """What :meth:`remember` kept under ``key`` since the last write, else None."""
        hit = self._memo.get(key) if self._memo is not None else None
        return hit[1] if hit is not None and hit[0] == self._generation else None

    def remember(self, key: Hashable, value: object, generation: int) -> None:
        """Keep ``value``, read while the store was at ``generation``, until the next write.

        For answers read far more often than the graph changes (an entity's label, a
        fact's support). An answer read while a write landed is not kept, so a reader
        never gets one older than the last write it could see. A store others may write
        to (a SPARQL endpoint) keeps nothing; an embedded store has one writer, this
        process, and ``kg serve --workers`` bars writers altogether.
        """
        memo = self._memo
        if memo is None or generation != self._generation:
            return
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[key] = (generation, value)

    def document_sha256(self, doc_iri: str) -> str | None:
        """The content hash recorded for a document, or None if it is not stored."""
        quads = self.ox.quads_for_pattern(
            ox.NamedNode(doc_iri), ox.NamedNode(KGO_SHA256), None, ox.NamedNode(doc_iri)
        )
        for quad in quads:
            if isinstance(quad.object, ox.Literal):
                return quad.object.value
        return None

    def replace_graph(
        self, graph_iri: str, graph: Graph, *, add_to: tuple[str, Graph] | None = None
    ) -> None:
        """Drop the named graph and write ``graph`` in its place, and add ``add_to``'s
        triples to that other named graph, all in one transaction."""
        body = graph.serialize(format="nt")
        update = (
            f"DROP SILENT GRAPH <{graph_iri}> ;\n"
            f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{body}\n}} }}"
        )
        if add_to is not None and len(add_to[1]):
            extra = add_to[1].serialize(format="nt")
            update += f" ;\nINSERT DATA {{ GRAPH <{add_to[0]}> {{\n{extra}\n}} }}"
        try:
            self.ox.update(update)
        except (OSError, SyntaxError, ValueError) as exc:
            raise StoreError(f"could not write {graph_iri}: {exc}") from exc
        finally:
            self.changed()
        self._written += len(graph)
        if self._written >= FLUSH_EVERY and self.path is not None:
            # RocksDB holds written data in a memtable per index until it fills; flushing
            # now and then keeps a long ingest's memory flat instead of growing by ~1.5 MB
            # a document
            self._written = 0
            self.ox.flush()

    def has_subject(self, iri: str) -> bool:
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            return False
        return next(iter(self.ox.quads_for_pattern(node, None, None, None)), None) is not None

    def has_graph(self, graph_iri: str) -> bool:
        try:
            return bool(self.ox.contains_named_graph(ox.NamedNode(graph_iri)))
        except ValueError:
            return False

    def drop_graph(self, graph_iri: str) -> bool:
        try:
            node = ox.NamedNode(graph_iri)
        except ValueError:  # not an IRI, so not a graph here
            return False
        if not self.ox.contains_named_graph(node):
            return False
        try:
            self.ox.update(f"DROP GRAPH <{graph_iri}>")
        finally:
            self.changed()
        return True

    def retract(self, doc_iri: str) -> bool:
        """Remove a document's graph: its facts go unless another document states them."""
        return self.drop_graph(doc_iri)

    def document_iris(self) -> list[str]:
        rows = self.ox.query(
            f"SELECT DISTINCT ?d WHERE {{ GRAPH ?d {{ ?d a <{KGO_DOCUMENT}> }} }} ORDER BY ?d"
        )
        return [row["d"].value for row in rows]  # type: ignore[union-attr,index]

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode))

    def graph(self, graph_iri: str) -> Graph:
        """One named graph as an rdflib graph."""
        data = self.ox.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph_iri))
        graph = Graph(identifier=graph_iri)
        graph.parse(data=(data or b"").decode("utf-8"), format="nt")
        return graph

    def default_graph(self) -> Graph:
        data = self.ox.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        graph = Graph()
        graph.parse(data=(data or b"").decode("utf-8"), format="nt")
        return graph

    def graphs_holding(self, subject: str, predicate: str = "", value: str = "") -> list[str]:
        """The named graphs with a triple about ``subject`` (through ``predicate``, with an
        object whose lexical form is ``value``, when given)."""
        try:
            node = ox.NamedNode(subject)
            pred = ox.NamedNode(predicate) if predicate else None
        except ValueError:
            return []
        found = {
            quad.graph_name.value
            for quad in self.ox.quads_for_pattern(node, pred, None, None)
            if isinstance(quad.graph_name, ox.NamedNode)
            and (not value or not predicate or quad.object.value == value)  # type: ignore[union-attr]
        }
        return sorted(found)

    def label(self, iri: str) -> str | None:
        """One of an entity's labels (they agree: the shapes allow one per entity)."""
        quad = next(iter(self.ox.quads_for_pattern(ox.NamedNode(iri), _LABEL, None, None)), None)
        return quad.object.value if quad is not None else None  # type: ignore[union-attr]

    def label_and_type(self, iri: str) -> tuple[str | None, str | None]:
        """An entity's label and schema type, by two index lookups (a SPARQL VALUES join
        over OPTIONAL patterns scans every label of the store)."""
        etype = None
        for quad in self.ox.quads_for_pattern(ox.NamedNode(iri), _TYPE, None, None):
            etype = CLASS_TYPES.get(quad.object.value)  # type: ignore[union-attr]
            if etype is not None:  # a hub's type is repeated in every graph naming it
                break
        return self.label(iri), etype

    def __len__(self) -> int:
        return len(self.ox)

    def flush(self) -> None:
        if self.path is not None:
            self.ox.flush()


@contextmanager
def writers_barred(path: Path) -> Iterator[None]:
    """Keep every other process from opening the store at ``path`` for writing.

    Read-only openers (``kg serve --workers``) are safe only while nobody writes: a
    writer's compactions delete files they may be reading. RocksDB's writers take a POSIX
    record lock on ``LOCK``; holding that lock here makes any writer fail to open, with
    its usual "lock" error, for as long as the block runs. The store is opened for writing
    once first, so a missing store is created and a running writer is reported.
    """
    probe = GraphStore(path)
    del probe
    gc.collect()  # the Rust store releases its own lock when dropped
    fd = os.open(path / "LOCK", os.O_RDWR)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise StoreError(f"another process is writing to the store at {path}") from exc
        yield
    finally:
        os.close(fd)
