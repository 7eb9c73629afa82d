"""SPARQL 1.1 Update that cannot leave the graph invalid.

The graphs an update names (and the default graph) are copied before it runs and
validated after; if they no longer conform, they are put back as they were and the
report says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import QueryError, ValidationFailed
from kg.guard import check_query
from kg.shacl import ValidationReport, validate_graph
from kg.store import GraphStore

_TARGET = re.compile(
    r"\b(?:GRAPH|WITH|INTO|CLEAR|DROP|CREATE|TO|ADD|MOVE|COPY)\s+(?:SILENT\s+)?(?:GRAPH\s+)?<([^>]*)>",
    re.I,
)


@dataclass(frozen=True)
class UpdateResult:
    graphs: tuple[str, ...]
    report: ValidationReport


def apply_update(store: GraphStore, update: str) -> UpdateResult:
    """Run ``update``; raise ``ValidationFailed`` (store restored) if it breaks the shapes."""
    check_query(update)
    targets = sorted(set(_TARGET.findall(update)))
    saved = {
        g: list(store.ox.quads_for_pattern(None, None, None, ox.NamedNode(g))) for g in targets
    }
    default = list(store.ox.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    try:
        return _update_and_validate(store, update, targets, saved, default)
    finally:
        store.changed()


def _update_and_validate(
    store: GraphStore,
    update: str,
    targets: list[str],
    saved: dict[str, list[ox.Quad]],
    default: list[ox.Quad],
) -> UpdateResult:
    try:
        store.ox.update(update)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL update syntax error: {exc}") from exc
    except (OSError, ValueError) as exc:
        raise QueryError(f"update failed: {exc}") from exc
    for graph in [*targets, None]:
        data = store.graph(graph) if graph else store.default_graph()
        report = validate_graph(data)
        if not report.conforms:
            _restore(store, saved, default)
            where = f"<{graph}>" if graph else "the default graph"
            raise ValidationFailed(f"the update leaves {where} invalid:\n{report.text}", report)
    return UpdateResult(tuple(targets), ValidationReport(True, ()))


def _restore(store: GraphStore, saved: dict[str, list[ox.Quad]], default: list[ox.Quad]) -> None:
    """Put the graphs back as they were before the update."""
    for graph, quads in saved.items():
        if store.has_graph(graph):
            store.ox.remove_graph(ox.NamedNode(graph))
        store.ox.extend(quads)
    store.ox.clear_graph(ox.DefaultGraph())
    store.ox.extend(default)
