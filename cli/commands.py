"""The ``kg`` sub-commands. Each returns the process exit status."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from kg.catalogue import default_catalogue
from kg.config import Settings
from kg.errors import InputError, KGError, QueryError, ValidationFailed
from kg.export import export_store
from kg.ingest import ingest_extraction
from kg.rdf import GraphSettings, build_document_graph
from kg.shacl import validate_graph
from kg.sparql import FORMAT_ALIASES, run_query, select_rows
from kg.store import GraphStore
from kg.violations import Violation


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(store=getattr(args, "store", None))


def _extractor(args: argparse.Namespace, store: GraphStore | None = None):  # type: ignore[no-untyped-def]
    """The extractor, knowing the names the store has imported (from ATT&CK)."""
    from extract.extractor import Extractor
    from kg.attack import imported_entries

    catalogue = default_catalogue()
    if store is not None:
        catalogue = catalogue.extended(imported_entries(store, _settings(args).base_iri, catalogue))
    return Extractor.default(args.model or os.environ.get("KG_SPACY_MODEL") or None, catalogue)


def _read_all(paths: list[Path], max_bytes: int):  # type: ignore[no-untyped-def]
    """(path, document or error) for every file, in order."""
    from extract.readers import iter_paths, read_path

    for path in iter_paths(paths):
        if not path.exists():
            yield path, InputError(f"{path}: no such file or folder")
            continue
        try:
            yield path, read_path(path, max_bytes=max_bytes)
        except InputError as exc:
            yield path, exc


def _documents(paths: list[Path], max_bytes: int, failed: list[Path]):  # type: ignore[no-untyped-def]
    """The readable documents, one at a time (memory does not grow with the corpus);
    each unreadable one is reported and counted in ``failed``."""
    for path, doc in _read_all(paths, max_bytes):
        if isinstance(doc, InputError):
            print(f"kg: error: {doc}", file=sys.stderr)
            failed.append(path)
            continue
        yield doc


def ingest(args: argparse.Namespace) -> int:
    """Read documents lazily, extract, validate and store each in input order; with
    ``--jobs N``, N worker processes extract and validate (:mod:`cli.workers`)."""
    from kg.ingest import document_graphs

    settings = _settings(args)
    store = GraphStore(settings.store)
    extractor = _extractor(args, store)
    graph_settings = GraphSettings(settings.base_iri)
    failed: list[Path] = []
    sources = _documents(args.paths, settings.max_bytes, failed)
    if args.jobs > 1:
        docs = _prepared_elsewhere(args, extractor.catalogue, settings, sources, failed)
    else:
        extractions = extractor.extract_many(sources)
        docs = (document_graphs(e, extractor.catalogue, graph_settings) for e in extractions)
    stored = _store_all(store, docs, failed)
    store.flush()
    print(
        f"ingested {stored['documents']} documents ({len(failed)} failed): "
        f"{stored['entities']} entities, {stored['relations']} relations, "
        f"{stored['triples']} triples added; store now {len(store)} quads at {settings.store}"
    )
    return 1 if failed else 0


def _prepared_elsewhere(args, catalogue, settings: Settings, sources, failed: list[Path]):  # type: ignore[no-untyped-def]
    """Documents extracted and validated by worker processes, as the parent stores them."""
    import dataclasses

    from cli.workers import prepared
    from kg.ingest import read_nquads
    from kg.rdf import catalogue_graph_iri

    model = args.model or os.environ.get("KG_SPACY_MODEL") or None
    catalogue_graph = str(catalogue_graph_iri(settings.base_iri))
    for result in prepared(
        sources, jobs=args.jobs, model=model, catalogue=catalogue, base_iri=settings.base_iri
    ):
        if len(result) == 2:
            print(f"kg: error: {result[0]}: {result[1]}", file=sys.stderr)
            failed.append(Path(result[0]))
            continue
        name, nquads, report = result
        for doc in read_nquads(nquads, catalogue_graph=catalogue_graph, source=name):
            yield dataclasses.replace(doc, report=report)


def load(args: argparse.Namespace) -> int:
    """Store documents extracted elsewhere (``kg extract --format nq``), validated here."""
    from kg.ingest import read_nquads
    from kg.rdf import catalogue_graph_iri

    settings = _settings(args)
    store = GraphStore(settings.store)
    catalogue_graph = str(catalogue_graph_iri(settings.base_iri))
    failed: list[Path] = []

    def docs():  # type: ignore[no-untyped-def]
        for path in args.files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                print(f"kg: error: {path}: cannot read: {exc.strerror}", file=sys.stderr)
                failed.append(path)
                continue
            try:
                yield from read_nquads(data, catalogue_graph=catalogue_graph, source=str(path))
            except InputError as exc:
                print(f"kg: error: {str(exc).splitlines()[0]}", file=sys.stderr)
                failed.append(path)

    stored = _store_all(store, docs(), failed)
    store.flush()
    print(
        f"loaded {stored['documents']} documents ({len(failed)} failed); "
        f"store now {len(store)} quads at {settings.store}"
    )
    return 1 if failed else 0


def _store_all(store: GraphStore, docs, failed: list[Path]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Validate and store each document, one line each; the totals."""
    from kg.ingest import store_document

    totals = {"documents": 0, "entities": 0, "relations": 0, "triples": 0}
    for doc in docs:
        try:
            result = store_document(store, doc)
        except ValidationFailed as exc:
            print(
                f"kg: error: {str(exc).splitlines()[0]} ({len(exc.report.violations)} violations)",  # type: ignore[attr-defined]
                file=sys.stderr,
            )
            failed.append(Path(str(doc.doc_iri)))
            continue
        except KGError as exc:
            print(f"kg: error: {doc.doc_id}: {str(exc).splitlines()[0]}", file=sys.stderr)
            failed.append(Path(str(doc.doc_iri)))
            continue
        totals["documents"] += 1
        totals["entities"] += result.entities
        totals["relations"] += result.relations
        totals["triples"] += result.triples
        print(
            f"{result.doc_id}\t{result.status}\tentities={result.entities}\t"
            f"relations={result.relations}\ttriples={result.triples}\t"
            f"shacl={'conforms' if result.report.conforms else 'violations'}",
            flush=True,
        )
    return totals


def extract(args: argparse.Namespace) -> int:
    from extract.jsonl import extraction_record

    settings = _settings(args)
    extractor = _extractor(args)
    failures = 0
    records = []
    for path, doc in _read_all(args.paths, settings.max_bytes):
        if isinstance(doc, InputError):
            print(f"kg: error: {doc}", file=sys.stderr)
            failures += 1
            if args.format == "jsonl":
                print(
                    json.dumps(
                        {"source": str(path), "error": str(doc), "entities": [], "relations": []}
                    )
                )
            continue
        extraction = extractor.extract(doc)
        if args.format == "jsonl":
            print(json.dumps(extraction_record(extraction), ensure_ascii=False), flush=True)
        elif args.format == "json":
            records.append(extraction_record(extraction))
        elif args.format == "nq":
            from kg.ingest import document_graphs

            graphs = document_graphs(
                extraction, extractor.catalogue, GraphSettings(settings.base_iri)
            )
            sys.stdout.buffer.write(graphs.nquads())
            sys.stdout.flush()
        else:
            _, graph = build_document_graph(
                extraction, extractor.catalogue, GraphSettings(settings.base_iri)
            )
            sys.stdout.write(graph.serialize(format="turtle"))
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=1))
    return 1 if failures else 0


def evaluate(args: argparse.Namespace) -> int:
    from extract.evaluation import evaluate_bio, evaluate_gold, read_label_map
    from kg.model import ENTITY_TYPES, PREDICATES

    extractor = _extractor(args)
    if args.corpus.is_dir():
        scores = evaluate_gold(extractor, args.corpus)
        lines = scores.table("entity type", [*ENTITY_TYPES, "entities"])
        lines += scores.table("predicate", [*PREDICATES, "relations"])
    elif args.corpus.is_file():
        if args.labels is None:
            raise InputError(f"{args.corpus}: a BIO file needs --labels (LABEL<TAB>TYPE lines)")
        label_map = read_label_map(args.labels)
        scores = evaluate_bio(extractor, args.corpus, label_map, column=args.column)
        classes = sorted({t for t in label_map.values() if t != "-"})
        lines = scores.table("class", [*classes, "overlap", "exact"])
    else:
        raise InputError(f"{args.corpus}: no such file or folder")
    if args.errors:
        print("\n".join(scores.errors))
    print("\n".join(lines))
    return 0


def query(args: argparse.Namespace) -> int:
    if args.file:
        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{args.file}: cannot read: {exc.strerror}") from exc
    elif args.sparql:
        text = args.sparql
    else:
        raise InputError("give a query or -f FILE")
    store = GraphStore(_settings(args).store)
    if args.format == "table":
        result = run_query(store, text)
        if result.kind != "select":
            sys.stdout.buffer.write(
                result.serialize(
                    "text/turtle" if result.kind == "graph" else "application/sparql-results+json"
                )
            )
            print()
            return 0
        rows = select_rows(store, text)
        _print_table(rows)
        return 0
    media = FORMAT_ALIASES[args.format]
    result = run_query(store, text)
    if result.kind == "graph" and args.format != "ttl":
        media = "application/n-triples" if args.format in {"csv", "tsv"} else "application/ld+json"
    if result.kind != "graph" and args.format == "ttl":
        raise QueryError("ttl output is for CONSTRUCT and DESCRIBE queries")
    sys.stdout.buffer.write(result.serialize(media))
    sys.stdout.flush()
    return 0


def _print_table(rows: list[dict[str, str]]) -> None:
    if not rows:
        print("(no results)")
        return
    columns = list(dict.fromkeys(k for row in rows for k in row))
    widths = {c: min(60, max(len(c), *(len(row.get(c, "")) for row in rows))) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        print("  ".join(row.get(c, "")[: widths[c]].ljust(widths[c]) for c in columns))
    print(f"({len(rows)} rows)")


def link_attack(args: argparse.Namespace) -> int:
    from kg.attack import import_attack

    settings = _settings(args)
    store = GraphStore(settings.store)
    result = import_attack(store, args.bundle, default_catalogue(), settings.base_iri)
    store.flush()
    print(
        f"imported {args.bundle}: {result.entities} entities, {result.relations} relations, "
        f"{len(result.graph)} triples into {result.graph.identifier}"
    )
    return 0


def link_report(args: argparse.Namespace) -> int:
    from kg.linking import link_report as report

    rows = report(GraphStore(_settings(args).store, read_only=True))
    for row in rows:
        links = " ".join(row.links) or "-"
        print(f"{row.type:<14} {row.label:<40} {links}")
    linked = sum(1 for r in rows if r.links)
    print(f"{linked} of {len(rows)} actors, techniques and malware linked to external ids")
    return 0


def retract(args: argparse.Namespace) -> int:
    from kg.iri import document_iri

    settings = _settings(args)
    store = GraphStore(settings.store)
    missing = 0
    for doc in args.documents:
        iri = (
            doc
            if doc.startswith(("http://", "https://", "urn:"))
            else str(document_iri(settings.base_iri, doc))
        )
        if store.retract(iri):
            print(f"{doc}\tretracted")
        else:
            print(f"kg: error: {doc}: no such document in {settings.store}", file=sys.stderr)
            missing += 1
    store.flush()
    return 1 if missing else 0


def upgrade(args: argparse.Namespace) -> int:
    from kg.facts import add_missing_facts

    settings = _settings(args)
    store = GraphStore(settings.store)
    added = add_missing_facts(store, settings.base_iri)
    store.flush()
    print(f"{added} fact nodes added" if added else "the store is up to date")
    return 0


def validate(args: argparse.Namespace) -> int:
    from kg.shacl import validate_store

    if args.file:
        from kg.rdf_files import read_rdf_file

        graph = read_rdf_file(args.file, max_bytes=_settings(args).max_bytes)
        report = validate_graph(graph)
        _print_violations(report.violations)
        if report.conforms:
            print(f"conforms ({len(graph)} triples checked)")
            return 0
        print(f"{len(report.violations)} violations in {len(graph)} triples")
        return 1
    store_report = validate_store(GraphStore(_settings(args).store, read_only=True))
    for name, failed in store_report.failing.items():
        print(f"graph {name}:")
        _print_violations(failed.violations)
    summary = f"{store_report.graphs} graphs, {store_report.triples} triples checked"
    if store_report.conforms:
        print(f"conforms ({summary})")
        return 0
    print(f"{len(store_report.failing)} graphs do not conform ({summary})")
    return 1


def _print_violations(violations: tuple[Violation, ...]) -> None:
    for v in violations:
        value = f" (value: {v.value})" if v.value else ""
        print(f"focus {v.focus} path {v.path or '-'}: {v.message}{value}")


def serve(args: argparse.Namespace) -> int:
    import waitress

    from api import create_app

    settings = _settings(args)
    if args.workers > 1:
        from cli.replicas import serve_replicas

        if not isinstance(settings.store, Path):
            raise InputError("--workers needs a store folder, not a SPARQL endpoint")
        return serve_replicas(
            settings.store,
            base_iri=settings.base_iri,
            host=args.host,
            port=args.port,
            workers=args.workers,
            threads=args.threads,
        )
    config = {"KG_STORE": str(settings.store), "KG_BASE_IRI": settings.base_iri}
    ingest = make_ingest(args, settings) if args.ingest else None
    app = create_app(config, ingest=ingest)
    url = f"http://{args.host}:{args.port}"
    print(f"threat-kg serving {settings.store} on {url}", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="threat-kg")
    return 0


def make_ingest(args: argparse.Namespace, settings: Settings):  # type: ignore[no-untyped-def]
    """The ingest function the API calls for ``POST /api/documents``: the composition root
    is the one place that joins the extractor to the store. The extractor is loaded on
    the first document."""
    import threading
    from pathlib import PurePath

    from extract.readers import read_bytes
    from kg.iri import slugify

    lock = threading.Lock()  # one extraction at a time: the pipeline is shared
    loaded: list[Any] = []

    def ingest(store: GraphStore, data: bytes, name: str) -> dict[str, object]:
        if len(data) > settings.max_bytes:
            raise InputError(f"{name}: {len(data)} bytes, over the limit of {settings.max_bytes}")
        path = PurePath(name)
        source = read_bytes(
            data, name=name, suffix=path.suffix.lower() or ".txt", doc_id=slugify(path.stem)
        )
        with lock:
            if not loaded:
                loaded.append(_extractor(args, store))
            extractor = loaded[0]
            extraction = extractor.extract(source)
        result = ingest_extraction(
            store,
            extraction,
            catalogue=extractor.catalogue,
            settings=GraphSettings(settings.base_iri),
        )
        return {
            "id": result.doc_id,
            "iri": result.doc_iri,
            "status": result.status,
            "entities": result.entities,
            "relations": result.relations,
            "triples": result.triples,
        }

    return ingest


def export(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = GraphStore(settings.store, read_only=True)
    if args.format == "stix":
        from kg.stix import export_stix

        bundle = export_stix(store, default_catalogue(), settings.base_iri)
        data = (json.dumps(bundle, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
        if args.output:
            args.output.write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
        return 0
    if args.output:
        with args.output.open("wb") as out:
            export_store(store, args.format, out)
    else:
        export_store(store, args.format, sys.stdout.buffer)
        sys.stdout.flush()
    return 0
