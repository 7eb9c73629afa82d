"""``kg eval``: score the extractor against annotated text, so users can measure it on
their own reports.

Two gold formats: the JSON documents of the project's gold corpus (entities with
aliases, relations), scored by name overlap per document; and token-per-line BIO/CoNLL
files, scored by character-span overlap (and exactly) per mapped type.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extract.extractor import Extractor
from extract.readers import SourceDocument
from kg.model import DocumentMeta, Extraction

SYMMETRIC = {"cooperatesWith"}


@dataclass
class Scores:
    """True positives, system and gold counts per category, with the errors seen."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, category: str, *, tp: int = 0, sys: int = 0, gold: int = 0) -> None:
        self.counts.setdefault(category, Counter()).update(tp=tp, sys=sys, gold=gold)

    def prf(self, category: str) -> tuple[float, float, float]:
        c = self.counts.get(category, Counter())
        p = c["tp"] / c["sys"] if c["sys"] else 0.0
        r = c["tp"] / c["gold"] if c["gold"] else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def table(self, title: str, categories: Iterable[str]) -> list[str]:
        lines = [f"{title:<18}{'gold':>6}{'sys':>6}{'P':>7}{'R':>7}{'F1':>7}"]
        for cat in categories:
            c = self.counts.get(cat, Counter())
            p, r, f = self.prf(cat)
            lines.append(f"{cat:<18}{c['gold']:>6}{c['sys']:>6}{p:>7.2f}{r:>7.2f}{f:>7.2f}")
        return lines


def _norm(name: str) -> str:
    text = re.sub(r"\s+", " ", name.strip().lower()).strip(" .,;:'\"()[]")
    text = re.sub(r"^(the|a|an) ", "", text)
    return text.replace("’", "'").replace("u.s.", "us").replace("u.n.", "un")


def _meta(doc_id: str) -> DocumentMeta:
    return DocumentMeta(doc_id=doc_id, source=doc_id, sha256="0" * 64)


# ------------------------------------------------------------------ gold JSON corpus


def evaluate_gold(extractor: Extractor, folder: Path) -> Scores:
    """Entities (typed, by name overlap, one-to-one) and relations per document."""
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    sources = [SourceDocument(d["text"], _meta(d.get("id", str(i)))) for i, d in enumerate(docs)]
    scores = Scores()
    for gold, found in zip(docs, extractor.extract_many(sources), strict=True):
        mapping = _match(gold["entities"], found)
        for g in gold["entities"]:
            scores.add(g["type"], gold=1, tp=int(g["key"] in mapping.values()))
            scores.add("entities", gold=1, tp=int(g["key"] in mapping.values()))
            if g["key"] not in mapping.values():
                scores.errors.append(f"{gold['id']} missed   {g['type']:<15} {g['label']}")
        for e in found.entities:
            scores.add(e.type, sys=1)
            scores.add("entities", sys=1)
            if e.key not in mapping:
                scores.errors.append(f"{gold['id']} invented {e.type:<15} {e.label}")
        _score_relations(scores, gold, found, mapping)
    return scores


def _match(gold: list[dict[str, object]], found: Extraction) -> dict[str, str]:
    """System entity key -> gold key, by shared names, same type, biggest overlap first."""
    pairs = []
    for e in found.entities:
        names = {_norm(m.text) for m in e.mentions} | {_norm(e.label)}
        for g in gold:
            if g["type"] != e.type:
                continue
            gold_names = {_norm(str(g["label"]))} | {_norm(a) for a in g.get("aliases", [])}  # type: ignore[attr-defined]
            if overlap := len(names & gold_names):
                pairs.append((overlap, e.key, str(g["key"])))
    mapping: dict[str, str] = {}
    for _, key, gkey in sorted(pairs, key=lambda p: -p[0]):
        if key not in mapping and gkey not in mapping.values():
            mapping[key] = gkey
    return mapping


def _triple(s: str, p: str, o: str) -> tuple[str, str, str]:
    return (o, p, s) if p in SYMMETRIC and o < s else (s, p, o)


def _score_relations(
    scores: Scores, gold: dict[str, object], found: Extraction, mapping: dict[str, str]
) -> None:
    wanted = {_triple(r["subject"], r["predicate"], r["object"]) for r in gold["relations"]}  # type: ignore[attr-defined,index]
    got = {
        _triple(
            mapping.get(r.subject, "?" + r.subject),
            r.predicate,
            mapping.get(r.object, "?" + r.object),
        )
        for r in found.relations
        if not r.negated
    }
    for t in wanted:
        scores.add(t[1], gold=1, tp=int(t in got))
        scores.add("relations", gold=1, tp=int(t in got))
        if t not in got:
            scores.errors.append(f"{gold['id']} missed   {t}")
    for t in got:
        scores.add(t[1], sys=1)
        scores.add("relations", sys=1)
        if t not in wanted:
            scores.errors.append(f"{gold['id']} invented {t}")


# ------------------------------------------------------------------ BIO / CoNLL


@dataclass(frozen=True)
class BioDocument:
    text: str
    spans: tuple[tuple[int, int, str], ...]  # start, end, gold label


def read_bio(path: Path, *, column: int = -1) -> Iterator[BioDocument]:
    """Documents of a token-per-line file; ``column`` holds the BIO tag (default: last).
    ``<DOCSTART>``/``-DOCSTART-`` lines start documents, blank lines end sentences."""
    tokens: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t") if "\t" in line else line.split()
        if cells and cells[0] in {"<DOCSTART>", "-DOCSTART-"}:
            if tokens:
                yield _bio_document(tokens)
            tokens = []
        elif not line.strip():
            tokens.append(("\n", "O"))
        else:
            tokens.append((cells[0], cells[column]))
    if tokens:
        yield _bio_document(tokens)


def _bio_document(tokens: list[tuple[str, str]]) -> BioDocument:
    """Tokens joined by spaces (lines by newlines) and the tagged spans' offsets."""
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    current: tuple[int, int, str] | None = None
    for token, tag in tokens:
        kind, _, label = tag.partition("-")
        continues = kind == "I" and current is not None and current[2] == label
        if current is not None and not continues:
            spans.append(current)
            current = None
        if token == "\n":
            parts.append("\n")
            pos += 1
            continue
        if parts and parts[-1] != "\n":
            parts.append(" ")
            pos += 1
        parts.append(token)
        start, pos = pos, pos + len(token)
        if continues and current is not None:
            current = (current[0], pos, label)
        elif kind in {"B", "I"}:
            current = (start, pos, label)
    if current is not None:
        spans.append(current)
    return BioDocument("".join(parts), tuple(spans))


def read_label_map(path: Path) -> dict[str, str]:
    """Gold label -> our type(s): JSON object, or lines "LABEL<TAB>TYPE[|TYPE]"; "-" drops."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        return {str(k): str(v) for k, v in json.loads(text).items()}
    mapping = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            label, _, target = line.partition("\t") if "\t" in line else line.partition(" ")
            mapping[label.strip()] = target.strip()
    return mapping


def evaluate_bio(
    extractor: Extractor, path: Path, label_map: dict[str, str], *, column: int = -1
) -> Scores:
    """Span overlap (and exact match) per mapped class, one-to-one."""
    classes = {t for t in label_map.values() if t and t != "-"}
    docs = list(read_bio(path, column=column))
    sources = [SourceDocument(d.text, _meta(str(i))) for i, d in enumerate(docs)]
    scores = Scores()
    for doc, found in zip(docs, extractor.extract_many(sources), strict=True):
        gold = [(s, e, label_map[g]) for s, e, g in doc.spans if label_map.get(g, "-") != "-"]
        system = [
            (m.start, m.end, cls)
            for ent in found.entities
            for m in ent.mentions
            for cls in classes
            if ent.type in cls.split("|")
        ]
        for cls in classes:
            g = [x for x in gold if x[2] == cls]
            s = [x for x in system if x[2] == cls]
            overlap = _one_to_one(g, s, exact=False)
            exact = _one_to_one(g, s, exact=True)
            for name, tp in ((cls, overlap), ("overlap", overlap), ("exact", exact)):
                scores.add(name, tp=tp, sys=len(s), gold=len(g))
    return scores


def _one_to_one(
    gold: list[tuple[int, int, str]], system: list[tuple[int, int, str]], *, exact: bool
) -> int:
    used: set[int] = set()
    hits = 0
    for gs, ge, _ in gold:
        for i, (ss, se, _) in enumerate(system):
            if i in used:
                continue
            if (ss == gs and se == ge) if exact else (ss < ge and gs < se):
                used.add(i)
                hits += 1
                break
    return hits
