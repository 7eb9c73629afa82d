"""The shapes compiled to SPARQL, to check a whole store where its data lives.

pyshacl checks each ingest, one document's graph at a time. Checking a store of a
million triples that way means copying every graph into rdflib first, and pyshacl then
spends about 0.13 ms a triple; the same constraints written as SPARQL run inside Oxigraph
over the union of all graphs in seconds, and see what graph-by-graph checking cannot: a
conflict between two documents' graphs, such as two labels for one entity.

Only the SHACL Core components the shapes use are compiled (targets by class and by
subject-of, simple paths, cardinality, value type, value range, string facets, ``sh:in``
and ``sh:or`` of such shapes). Any other component raises :class:`UnsupportedShape`, so a
new shape cannot be skipped in silence; the tests check both validators agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kg.remote import RemoteStore
from kg.violations import Violation

SH = Namespace("http://www.w3.org/ns/shacl#")
_RDF_TYPE = ox.NamedNode(str(RDF.type))

# Property-shape terms that describe rather than constrain.
_DESCRIPTIVE = {SH.path, SH.message, SH.name, SH.description, SH.severity, SH.order, RDF.type}
_CASTABLE = {XSD.string, XSD.integer, XSD.decimal, XSD.boolean, XSD.dateTime, XSD.date}
_NODE_KINDS: dict[Node, str] = {
    SH.IRI: "!isIRI({v})",
    SH.BlankNode: "!isBLANK({v})",
    SH.Literal: "!isLITERAL({v})",
    SH.BlankNodeOrIRI: "isLITERAL({v})",
    SH.BlankNodeOrLiteral: "isIRI({v})",
    SH.IRIOrLiteral: "isBLANK({v})",
}
_RANGES: dict[Node, str] = {
    SH.minInclusive: ">=",
    SH.maxInclusive: "<=",
    SH.minExclusive: ">",
    SH.maxExclusive: "<",
}


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature this compiler does not translate."""


@dataclass(frozen=True)
class Condition:
    """One constraint component on the value ``?v``: a SPARQL expression true when the
    value violates it, or the classes of which the value must be an instance of one.

    Class membership is checked against an index of the store's types built once: in
    SPARQL over the union of graphs, ``?v a ?c`` reads a hub entity's type once for every
    graph that names it, and did so for every row.
    """

    component: str
    expression: str
    message: str
    classes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Cardinality:
    path: str
    low: int | None
    high: int | None
    message: str


@dataclass(frozen=True)
class Check:
    """One query over the store, for a shape's value constraints on one path (or on the
    focus node when ``path`` is empty), or for all its cardinality constraints."""

    shape: str
    path: str
    query: str
    conditions: tuple[Condition, ...] = ()
    counts: tuple[Cardinality, ...] = ()


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise UnsupportedShape(f"cannot write {node!r} in a query")


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _int(node: Node) -> int:
    return int(str(node))


def _short(iri: Node) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class ShapeCompiler:
    """Turns a shapes graph into :class:`Check` queries."""

    def __init__(self, shapes: Graph, hierarchy: Graph) -> None:
        self.shapes = shapes
        self.subclasses: dict[Node, set[Node]] = {}
        for sub, sup in hierarchy.subject_objects(RDFS.subClassOf):
            self.subclasses.setdefault(sup, set()).add(sub)

    def classes_under(self, cls: Node) -> list[Node]:
        """``cls`` and every class below it, as SHACL instance-of reads ``rdfs:subClassOf*``."""
        found, todo = {cls}, [cls]
        while todo:
            for sub in self.subclasses.get(todo.pop(), ()):
                if sub not in found:
                    found.add(sub)
                    todo.append(sub)
        return sorted(found, key=str)

    def compile(self) -> list[Check]:
        checks: list[Check] = []
        for shape in sorted(set(self.shapes.subjects(RDF.type, SH.NodeShape)), key=str):
            focus = self._focus(shape)
            if focus is None:
                continue
            checks.extend(self._node_checks(shape, focus))
            props = sorted(self.shapes.objects(shape, SH.property), key=str)
            for prop in props:
                checks.extend(self._value_checks(shape, prop, focus))
            checks.extend(self._count_checks(shape, props, focus))
        return checks

    def _focus(self, shape: Node) -> str | None:
        patterns = []
        for cls in self.shapes.objects(shape, SH.targetClass):
            values = " ".join(_term(c) for c in self.classes_under(cls))
            patterns.append(f"{{ ?f a ?target_ VALUES ?target_ {{ {values} }} }}")
        for pred in self.shapes.objects(shape, SH.targetSubjectsOf):
            patterns.append(f"{{ ?f {_term(pred)} ?target_ }}")
        for term in (SH.targetNode, SH.targetObjectsOf, SH.target):
            if (shape, term, None) in self.shapes:
                raise UnsupportedShape(f"{shape}: {_short(term)} is not compiled")
        return " UNION ".join(patterns) if patterns else None

    def _message(self, shape: Node, default: str) -> str:
        message = self.shapes.value(shape, SH.message)
        return str(message) if message is not None else default

    def _node_checks(self, shape: Node, focus: str) -> Iterator[Check]:
        conditions = self.conditions(shape, "?f", node_level=True)
        if conditions:
            query = f"SELECT DISTINCT ?f WHERE {{ {focus} }}"
            yield Check(str(shape), "", _flagged(query, "?f", conditions), conditions)

    def _path(self, shape: Node, prop: Node) -> URIRef:
        path = self.shapes.value(prop, SH.path)
        if not isinstance(path, URIRef):
            raise UnsupportedShape(f"{shape}: only simple IRI paths are compiled")
        return path

    def _value_checks(self, shape: Node, prop: Node, focus: str) -> Iterator[Check]:
        path = self._path(shape, prop)
        conditions = self.conditions(prop, "?v", node_level=False)
        if conditions:
            query = (
                f"SELECT DISTINCT ?f ?v WHERE {{ {{ SELECT DISTINCT ?f WHERE {{ {focus} }} }} "
                f"?f {_term(path)} ?v }}"
            )
            yield Check(str(shape), str(path), _flagged(query, "?v", conditions), conditions)

    def _count_checks(self, shape: Node, props: list[Node], focus: str) -> Iterator[Check]:
        """One query counts the values of every path with a cardinality: each count comes
        from its own DISTINCT subquery, so a triple held by many graphs counts once and
        the optional joins do not multiply."""
        counts: list[Cardinality] = []
        joins: list[str] = []
        heads: list[str] = []
        tests: list[str] = []
        for prop in props:
            low = self.shapes.value(prop, SH.minCount)
            high = self.shapes.value(prop, SH.maxCount)
            if low is None and high is None:
                continue
            i, path = len(counts), self._path(shape, prop)
            counts.append(
                Cardinality(
                    str(path),
                    None if low is None else _int(low),
                    None if high is None else _int(high),
                    self._message(prop, ""),
                )
            )
            joins.append(
                f"OPTIONAL {{ SELECT DISTINCT ?f ?v{i} WHERE {{ ?f {_term(path)} ?v{i} }} }}"
            )
            heads.append(f"(COUNT(DISTINCT ?v{i}) AS ?n{i})")
            if low is not None:
                tests.append(f"COUNT(DISTINCT ?v{i}) < {_int(low)}")
            if high is not None:
                tests.append(f"COUNT(DISTINCT ?v{i}) > {_int(high)}")
        if counts:
            focus_nodes = f"{{ SELECT DISTINCT ?f WHERE {{ {focus} }} }}"
            query = (
                f"SELECT ?f {' '.join(heads)} WHERE {{ {focus_nodes} {' '.join(joins)} }} "
                f"GROUP BY ?f HAVING ({' || '.join(tests)})"
            )
            yield Check(str(shape), "", query, counts=tuple(counts))

    def conditions(self, shape: Node, var: str, *, node_level: bool) -> tuple[Condition, ...]:
        """One condition per value constraint of ``shape`` on the value ``var``."""
        found = []
        message = self.shapes.value(shape, SH.message)
        for pred, obj in sorted(self.shapes.predicate_objects(shape), key=str):
            condition = self._condition(pred, obj, var)
            if condition is None:
                if pred in _DESCRIPTIVE or pred in (SH.minCount, SH.maxCount):
                    continue
                if node_level and pred in (SH.targetClass, SH.targetSubjectsOf, SH.property):
                    continue
                raise UnsupportedShape(f"{shape}: {_short(pred)} is not compiled")
            if message is not None:
                condition = replace(condition, message=str(message))
            found.append(condition)
        return tuple(found)

    def _condition(self, pred: Node, obj: Node, v: str) -> Condition | None:
        name = _short(pred)
        if pred == SH.datatype:
            expr = f"(!isLITERAL({v}) || DATATYPE({v}) != {_term(obj)}"
            if obj in _CASTABLE:  # an ill-formed literal ("x"^^xsd:integer) fails the cast
                expr += f" || !COALESCE(isLITERAL({_term(obj)}(STR({v}))), false)"
            return Condition(name, expr + ")", f"Value is not a literal of datatype {obj}")
        if pred == SH.nodeKind:
            if obj not in _NODE_KINDS:
                raise UnsupportedShape(f"unknown node kind {obj}")
            expr = _NODE_KINDS[obj].format(v=v)
            return Condition(name, expr, f"Value is not of node kind {_short(obj)}")
        if pred == SH["class"]:
            classes = frozenset(str(c) for c in self.classes_under(obj))
            return Condition(name, "", f"Value is not an instance of {obj}", classes)
        if pred == SH["in"]:
            members = list(Collection(self.shapes, obj))
            same = " || ".join(f"sameTerm({v}, {_term(m)})" for m in members)
            return Condition(
                name, f"!({same or 'false'})", "Value is not one of the allowed values"
            )
        if pred == SH.pattern:
            regex = f"REGEX(STR({v}), {_string(str(obj))}{self._flags(obj)})"
            return Condition(
                name, f"(isBLANK({v}) || !{regex})", f"Value does not match pattern {obj}"
            )
        if pred in (SH.minLength, SH.maxLength):
            op = "<" if pred == SH.minLength else ">"
            expr = f"(isBLANK({v}) || STRLEN(STR({v})) {op} {_int(obj)})"
            return Condition(name, expr, f"Value breaks {name} {obj}")
        if pred in _RANGES:
            expr = f"!COALESCE({v} {_RANGES[pred]} {_term(obj)}, false)"
            return Condition(name, expr, f"Value breaks {name} {obj}")
        if pred == SH["or"]:
            return self._or(obj, v)
        return None

    def _or(self, members: Node, v: str) -> Condition:
        """``sh:or`` of shapes: violated when every branch is. Compiled when all branches
        are class constraints (one class index lookup) or all are SPARQL expressions."""
        message = "Value does not conform to any shape of sh:or"
        branches = []
        for member in Collection(self.shapes, members):
            if (member, SH.property, None) in self.shapes:
                raise UnsupportedShape("sh:or is compiled only over value constraints")
            branches.append(self.conditions(member, v, node_level=True))
        if branches and all(len(b) == 1 and b[0].classes for b in branches):
            classes = frozenset().union(*(b[0].classes for b in branches))
            return Condition("or", "", message, classes)
        if not branches or any(not b or any(c.classes for c in b) for b in branches):
            raise UnsupportedShape("sh:or mixes class and other constraints")
        expr = " && ".join("(" + " || ".join(c.expression for c in b) + ")" for b in branches)
        return Condition("or", f"({expr})", message)

    def _flags(self, pattern: Node) -> str:
        for shape in self.shapes.subjects(SH.pattern, pattern):
            flags = self.shapes.value(shape, SH.flags)
            if flags is not None:
                return f", {_string(str(flags))}"
        return ""


def _flagged(select: str, var: str, conditions: tuple[Condition, ...]) -> str:
    """Wrap ``select`` so each row carries one boolean per SPARQL condition, and only
    rows with one true come back (all rows, when a class condition is left to Python)."""
    flags, binds, tests = [], [], []
    for i, c in enumerate(conditions):
        if c.expression:
            flags.append(f"?c{i}")
            binds.append(f"BIND(COALESCE({c.expression}, true) AS ?c{i})")
            tests.append(f"?c{i}")
    head = "?f ?v" if var == "?v" else "?f"
    where = f"{{ {select} }} {' '.join(binds)}"
    if tests and not any(c.classes for c in conditions):
        where += f" FILTER({' || '.join(tests)})"
    return f"SELECT {head} {' '.join(flags)} WHERE {{ {where} }}"


def type_index(store: ox.Store | RemoteStore) -> dict[str, frozenset[str]]:
    """Every subject's classes, across all graphs."""
    index: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, _RDF_TYPE, None, None):
        index.setdefault(quad.subject.value, set()).add(quad.object.value)  # type: ignore[union-attr]
    return {subject: frozenset(classes) for subject, classes in index.items()}


def run_checks(store: ox.Store | RemoteStore, checks: Iterable[Check]) -> Iterator[Violation]:
    """Run each check over the union of the store's graphs."""
    types: dict[str, frozenset[str]] | None = None
    for check in checks:
        rows = store.query(check.query, use_default_graph_as_union=True)
        if any(c.classes for c in check.conditions) and types is None:
            types = type_index(store)
        for row in rows:  # type: ignore[union-attr]
            focus = row["f"].value  # type: ignore[index]
            if check.counts:
                yield from _count_failures(check, focus, row)  # type: ignore[arg-type]
                continue
            node = row["v"] if check.path else row["f"]  # type: ignore[index]
            for i, condition in enumerate(check.conditions):
                if condition.classes:
                    held = types.get(node.value, frozenset()) if types is not None else frozenset()
                    failed = isinstance(node, ox.Literal) or not held & condition.classes
                else:
                    failed = row[f"c{i}"].value == "true"  # type: ignore[index]
                if failed:
                    yield Violation(focus, check.path, condition.message, node.value, "Violation")


def _count_failures(check: Check, focus: str, row: ox.QuerySolution) -> Iterator[Violation]:
    for i, count in enumerate(check.counts):
        n = int(row[f"n{i}"].value)  # type: ignore[union-attr]
        if count.low is not None and n < count.low:
            default = f"Less than {count.low} values on {focus}->{count.path}"
        elif count.high is not None and n > count.high:
            default = f"More than {count.high} values on {focus}->{count.path}"
        else:
            continue
        yield Violation(focus, count.path, count.message or default, "", "Violation")
