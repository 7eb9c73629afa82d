"""Whole-store exports in standard RDF formats, with pyoxigraph's serialisers."""

from __future__ import annotations

import json
from importlib import resources
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Dataset

from kg.store import GraphStore
from kg.terms import to_rdflib

EXPORT_FORMATS = {
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def jsonld_context() -> dict[str, object]:
    """The JSON-LD context shipped with the package (never fetched)."""
    text = resources.files("kg").joinpath("data/context.jsonld").read_text(encoding="utf-8")
    return json.loads(text)["@context"]  # type: ignore[no-any-return]


def export_store(store: GraphStore, fmt: str, output: BinaryIO) -> None:
    """Write the store: quads for dataset formats, the union of graphs for triple formats;
    JSON-LD compacted with the package's own context, one named graph per document."""
    if fmt == "jsonld":
        dataset = Dataset()
        for quad in store.ox:
            triple = (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
            if isinstance(quad.graph_name, ox.DefaultGraph):
                dataset.add(triple)  # type: ignore[arg-type]
            else:
                dataset.graph(to_rdflib(quad.graph_name)).add(triple)  # type: ignore[arg-type]
        text = dataset.serialize(format="json-ld", context=jsonld_context(), auto_compact=True)
        output.write(text.encode("utf-8"))
        return
    rdf_format = EXPORT_FORMATS[fmt]
    if rdf_format.supports_datasets:
        store.ox.dump(output, format=rdf_format)
        return
    triples = store.ox.query(
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
    )
    data = ox.serialize(triples, format=rdf_format)  # type: ignore[arg-type]
    output.write(data or b"")
