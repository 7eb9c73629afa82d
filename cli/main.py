"""``kg``: ingest, extract, query, validate, export and serve a threat knowledge graph."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kg.errors import KGError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # pypdf logs what it repairs; a broken PDF is reported once, as our own error
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    # rdflib warns about each odd term it reads; a bad file gets one error line of ours
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    try:
        return int(args.func(args))
    except KGError as exc:
        print(f"kg: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    from cli import commands

    parser = argparse.ArgumentParser(prog="kg", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(sub: Any, name: str, summary: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=summary, description=summary)
        return parser

    def store_opt(p: argparse.ArgumentParser) -> None:
        p.add_argument("--store", help="store folder (default: $KG_STORE, else ./data/store)")

    p = command(sub, "ingest", "Read documents, extract, validate and store them.")
    p.add_argument("paths", nargs="+", type=Path, help="files or folders (recursively)")
    store_opt(p)
    p.add_argument("--model", help="a trained spaCy pipeline to use as well ($KG_SPACY_MODEL)")
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="worker processes that extract, build and validate documents (default 1)",
    )
    p.set_defaults(func=commands.ingest)

    p = command(sub, "load", "Validate and store documents written by extract --format nq.")
    p.add_argument("files", nargs="+", type=Path, help="N-Quads files")
    store_opt(p)
    p.set_defaults(func=commands.load)

    p = command(sub, "extract", "Extract entities and relations; store nothing.")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument(
        "--format",
        choices=["jsonl", "json", "ttl", "nq"],
        default="jsonl",
        help="nq: each document's named graph as N-Quads, for kg load",
    )
    p.add_argument("--model", help="a trained spaCy pipeline to use as well ($KG_SPACY_MODEL)")
    p.set_defaults(func=commands.extract)

    p = command(sub, "eval", "Score the extractor against annotated text.")
    p.add_argument("corpus", type=Path, help="a folder of gold JSON documents, or a BIO file")
    p.add_argument("--labels", type=Path, help="label map for BIO files (LABEL<TAB>TYPE[|TYPE])")
    p.add_argument("--column", type=int, default=-1, help="BIO tag column (default: last)")
    p.add_argument("--errors", action="store_true", help="list every miss and invention")
    p.add_argument("--model", help="a trained spaCy pipeline to use as well ($KG_SPACY_MODEL)")
    p.set_defaults(func=commands.evaluate)

    p = command(sub, "query", "Run a SPARQL query over the store.")
    p.add_argument("sparql", nargs="?", help="the query (or -f FILE)")
    p.add_argument("-f", "--file", type=Path, help="read the query from FILE")
    p.add_argument("--format", choices=["table", "json", "csv", "tsv", "ttl"], default="table")
    store_opt(p)
    p.set_defaults(func=commands.query)

    p = command(sub, "link", "Link the graph to external threat ontologies.")
    link = p.add_subparsers(dest="link_command", required=True)
    q = command(link, "attack", "Import a MITRE ATT&CK STIX 2.1 bundle (replaces an earlier one).")
    q.add_argument("bundle", type=Path, help="the ATT&CK bundle (JSON)")
    store_opt(q)
    q.set_defaults(func=commands.link_attack)
    q = command(link, "report", "List actors, techniques and malware with their external ids.")
    store_opt(q)
    q.set_defaults(func=commands.link_report)

    p = command(sub, "retract", "Remove documents and the facts only they support.")
    p.add_argument("documents", nargs="+", help="document ids (as ingest prints them) or IRIs")
    store_opt(p)
    p.set_defaults(func=commands.retract)

    p = command(sub, "upgrade", "Bring a store written by an earlier version up to date.")
    store_opt(p)
    p.set_defaults(func=commands.upgrade)

    p = command(sub, "validate", "Check the store (or a Turtle file) against the shapes.")
    p.add_argument(
        "file", nargs="?", type=Path, help="a Turtle/N-Triples file instead of the store"
    )
    store_opt(p)
    p.set_defaults(func=commands.validate)

    p = command(sub, "serve", "Serve the API with a production WSGI server.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--threads", type=int, default=4, help="request threads per process")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes; more than 1 serves read-only (changes refused, writers barred)",
    )
    p.add_argument(
        "--no-ingest",
        dest="ingest",
        action="store_false",
        help="serve read-only: no POST /api/documents, spaCy never loaded",
    )
    p.add_argument("--model", help="a trained spaCy pipeline to use as well ($KG_SPACY_MODEL)")
    store_opt(p)
    p.set_defaults(func=commands.serve)

    p = command(sub, "export", "Write the whole graph in an RDF format.")
    p.add_argument("--format", choices=["ttl", "nq", "jsonld", "trig", "nt", "stix"], default="ttl")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    store_opt(p)
    p.set_defaults(func=commands.export)
    return parser


if __name__ == "__main__":
    sys.exit(main())
