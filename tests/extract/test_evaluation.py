"""``kg eval`` on the gold corpus and on BIO files."""

from __future__ import annotations

import json
from pathlib import Path

from extract.evaluation import evaluate_bio, evaluate_gold, read_bio, read_label_map


def test_dev_corpus_meets_the_targets(extractor, dev_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 3's quality bar on the gold development corpus."""
    scores = evaluate_gold(extractor, dev_dir)
    assert scores.prf("entities")[2] >= 0.90
    assert scores.prf("relations")[2] >= 0.75


def test_gold_errors_name_misses_and_inventions(extractor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = {
        "id": "mini",
        "text": "Kimsuky targeted think tanks. Bluefin Trading Company is based in Japan.",
        "entities": [
            {"key": "k", "type": "THREAT_ACTOR", "label": "Kimsuky", "aliases": ["Kimsuky"]},
            {"key": "t", "type": "SECTOR", "label": "think tanks", "aliases": ["think tanks"]},
            {"key": "x", "type": "PERSON", "label": "Nobody Here", "aliases": []},
        ],
        "relations": [{"subject": "k", "predicate": "targets", "object": "t", "evidence": "x"}],
    }
    (tmp_path / "mini.json").write_text(json.dumps(doc), encoding="utf-8")
    scores = evaluate_gold(extractor, tmp_path)
    assert scores.prf("relations")[1] == 1.0
    assert scores.counts["entities"]["gold"] == 3 and scores.counts["entities"]["tp"] == 2
    assert any("missed" in e and "Nobody Here" in e for e in scores.errors)
    assert any("invented" in e and "Bluefin Trading Company" in e for e in scores.errors)


BIO = """<DOCSTART>\tO
Lazarus\tB-GROUP
Group\tI-GROUP
hit\tO
banks\tB-SECTOR
in\tO
Japan\tB-LOC
.\tO

It\tO
used\tO
WannaCry\tB-MALWARE
in\tO
May\tB-DATE
2017\tI-DATE
.\tO
"""


def test_bio_overlap_and_exact(extractor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bio = tmp_path / "mini.bio"
    bio.write_text(BIO, encoding="utf-8")
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        "GROUP\tTHREAT_ACTOR\nLOC\tSTATE|REGION\nSECTOR\tSECTOR\nMALWARE\tMALWARE\nDATE\tDATE\n",
        encoding="utf-8",
    )
    [doc] = list(read_bio(bio))
    assert [doc.text[s:e] for s, e, _ in doc.spans] == [
        "Lazarus Group",
        "banks",
        "Japan",
        "WannaCry",
        "May 2017",
    ]
    scores = evaluate_bio(extractor, bio, read_label_map(labels))
    assert scores.prf("overlap") == (1.0, 1.0, 1.0)
    assert scores.counts["STATE|REGION"]["tp"] == 1
