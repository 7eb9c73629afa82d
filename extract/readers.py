"""Documents in, plain text and metadata out: text, Markdown, HTML, PDF and bibliographic
records (YAML or JSON, with the text under ``bibo:abstract``, ``abstract`` or ``text``)."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import yaml

from kg.errors import InputError
from kg.files import read_limited
from kg.iri import slugify
from kg.model import DocumentMeta

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
RECORD_SUFFIXES = {".yaml", ".yml", ".json"}
SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | RECORD_SUFFIXES | {".pdf"}

TEXT_FIELDS = ("bibo:abstract", "abstract", "text", "dcterms:abstract", "bibo:content")
_ENTITY_DECLARATION = re.compile(r"<!ENTITY|<!DOCTYPE[^>]*\[", re.I)
# A loose record line such as "bibo:abstract |" or "dcterms:title: ...".
_RECORD_LINE = re.compile(r"^(?P<key>[A-Za-z]+:[A-Za-z]+)\s*(?::\s*)?(?P<rest>\|?.*)$")


@dataclass(frozen=True)
class SourceDocument:
    """A document read from somewhere: its text and what is known about it."""

    text: str
    meta: DocumentMeta


def read_path(path: Path, *, max_bytes: int) -> SourceDocument:
    """Read one file; raise ``InputError`` naming the file and the reason."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path}: unsupported file type {suffix or '(none)'}")
    data = read_limited(path, max_bytes)
    return read_bytes(data, name=str(path), suffix=suffix, doc_id=slugify(path.stem))


def read_bytes(data: bytes, *, name: str, suffix: str, doc_id: str) -> SourceDocument:
    """Parse a document's bytes by its suffix."""
    if suffix not in SUFFIXES:
        raise InputError(
            f"{name}: unsupported file type {suffix or '(none)'}; send text, Markdown, HTML, "
            "PDF or a YAML/JSON record"
        )
    if not data.strip():
        raise InputError(f"{name}: file is empty")
    if suffix == ".pdf":
        text, meta = _read_pdf(data, name), dict[str, object]()
        media = "application/pdf"
    else:
        if b"\x00" in data:
            raise InputError(f"{name}: binary data, not text")
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: not UTF-8 text (byte {exc.start})") from exc
        text, meta, media = _read_text(raw, name, suffix)
    text = text.strip("\n")
    if not text.strip():
        raise InputError(f"{name}: no text found")
    return SourceDocument(text, _meta(doc_id, name, text, meta, media))


def _read_text(raw: str, name: str, suffix: str) -> tuple[str, dict[str, object], str]:
    if suffix in HTML_SUFFIXES or raw.lstrip().startswith("<"):
        if _ENTITY_DECLARATION.search(raw):
            # no HTML needs them; XML uses them for entity-expansion bombs
            raise InputError(f"{name}: markup with entity declarations (<!ENTITY) is refused")
    if suffix in HTML_SUFFIXES:
        return html_to_text(raw), {}, "text/html"
    if suffix in RECORD_SUFFIXES:
        text, meta = _read_record(raw, name, strict=True)
        return text, meta, "application/json" if suffix == ".json" else "application/yaml"
    if _RECORD_LINE.match(raw.split("\n", 1)[0].strip()):
        text, meta = _read_record(raw, name, strict=False)
        if text:
            return text, meta, "application/yaml"
    if suffix in MARKDOWN_SUFFIXES:
        return markdown_to_text(raw), {}, "text/markdown"
    return raw, {}, "text/plain"


def _meta(doc_id: str, name: str, text: str, meta: dict[str, object], media: str) -> DocumentMeta:
    def first(*keys: str) -> str | None:
        for key in keys:
            value = meta.get(key)
            if isinstance(value, list) and value:
                value = value[0]
            if value not in (None, ""):
                return str(value).strip()
        return None

    creators = meta.get("dcterms:creator") or meta.get("creator") or meta.get("bibo:authorList")
    if isinstance(creators, str):
        creators = [creators]
    date = first("dcterms:date", "date", "dcterms:issued", "bibo:issued")
    return DocumentMeta(
        doc_id=doc_id,
        source=name,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=first("dcterms:title", "title", "bibo:shortTitle"),
        creators=tuple(str(c) for c in creators) if isinstance(creators, list) else (),
        date=date if date and re.match(r"^\d{4}(-\d{2}(-\d{2})?)?", date) else None,
        identifier=first("dcterms:identifier", "identifier", "bibo:doi", "bibo:uri"),
        media_type=media,
    )


def _read_record(raw: str, name: str, *, strict: bool) -> tuple[str, dict[str, object]]:
    """A bibliographic record: proper YAML/JSON first, else the loose ``key |`` form."""
    data: object = None
    try:
        data = json.loads(raw) if raw.lstrip().startswith("{") else yaml.safe_load(raw)
    except RecursionError as exc:
        raise InputError(f"{name}: the record is nested too deeply") from exc
    except (ValueError, yaml.YAMLError) as exc:
        if strict and not _RECORD_LINE.match(raw.split("\n", 1)[0].strip()):
            reason = str(exc).splitlines()[0]
            raise InputError(f"{name}: not a valid record: {reason}") from exc
    if not isinstance(data, dict):
        data = _loose_record(raw)
    if not isinstance(data, dict) or not data:
        if strict:
            raise InputError(f"{name}: not a bibliographic record (expected a mapping)")
        return "", {}
    for key in TEXT_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value, {k: v for k, v in data.items() if k != key}
    if strict:
        raise InputError(f"{name}: record has no text (fields tried: {', '.join(TEXT_FIELDS)})")
    return "", {}


def _loose_record(raw: str) -> dict[str, str]:
    """Records exported as ``prefix:name |`` followed by an unindented block, ended by ``|``."""
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in raw.splitlines():
        match = _RECORD_LINE.match(line)
        if match and (match.group("rest").startswith("|") or ":" in line.split(" ", 1)[0]):
            current = fields.setdefault(match.group("key"), [])
            rest = match.group("rest").lstrip("|").strip()
            if rest:
                current.append(rest)
            continue
        if line.strip() == "|":
            current = None
            continue
        if current is not None:
            current.append(line)
    return {k: "\n".join(v).strip() for k, v in fields.items()}


def markdown_to_text(raw: str) -> str:
    """Markdown without its markup: headings, emphasis, links and code fences as text."""
    text = re.sub(r"^```.*?^```", "", raw, flags=re.S | re.M)
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.M)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])", r"\1", text)
    text = re.sub(r"^\s*[-*+]\s+", "", text, flags=re.M)
    return re.sub(r"`([^`]*)`", r"\1", text)


class _TextParser(HTMLParser):
    BLOCKS: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "section",
        "article",
        "title",
        "blockquote",
        "ul",
        "ol",
        "table",
        "header",
        "footer",
    }
    SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "template", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(raw: str) -> str:
    """Visible text of an HTML page, paragraphs separated by blank lines."""
    parser = _TextParser()
    parser.feed(raw)
    parser.close()
    text = html.unescape("".join(parser.parts))
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _read_pdf(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{name}: broken PDF: {exc}") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise InputError(f"{name}: PDF has no extractable text")
    return text


def iter_paths(paths: list[Path]) -> list[Path]:
    """Files named, and files under folders named (recursively, in name order)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith(".")
            )
        else:
            found.append(path)
    return found
