"""Whole-store exports in standard RDF formats, with pyoxigraph's serialisers."""

from __future__ import annotations

from typing import BinaryIO

import pyoxigraph as ox

from kg.store import GraphStore

EXPORT_FORMATS = {
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def export_store(store: GraphStore, fmt: str, output: BinaryIO) -> None:
    """Write the store: quads for dataset formats, the union of graphs for triple formats."""
    rdf_format = EXPORT_FORMATS[fmt]
    if rdf_format.supports_datasets:
        store.ox.dump(output, format=rdf_format)
        return
    triples = store.ox.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
    )
    data = ox.serialize(triples, format=rdf_format)  # type: ignore[arg-type]
    output.write(data or b"")
