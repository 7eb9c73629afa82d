"""Reading every supported format, and refusing bad input with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extract.readers import read_path
from kg.errors import InputError

LIMIT = 1_000_000


def test_seed_record_gives_the_abstract(seed_path: Path) -> None:
    doc = read_path(seed_path, max_bytes=LIMIT)
    assert doc.meta.media_type == "application/yaml"
    assert not doc.text.startswith("bibo:")
    assert "Reconnaissance General Bureau" in doc.text
    assert not doc.text.rstrip().endswith("|")


def test_gold_json_reads_as_document(dev_dir: Path) -> None:
    path = dev_dir / "doc-01.json"
    gold = json.loads(path.read_text(encoding="utf-8"))
    doc = read_path(path, max_bytes=LIMIT)
    assert doc.text == gold["text"].strip("\n")
    assert doc.meta.title == gold["title"]
    assert doc.meta.doc_id == "doc-01"


def test_yaml_record_metadata(tmp_path: Path) -> None:
    path = tmp_path / "rec.yaml"
    path.write_text(
        'dcterms:title: "A title"\ndcterms:creator: ["A. Author", "B. Author"]\n'
        'dcterms:date: "2023-05-01"\nbibo:abstract: |\n  Kimsuky targets think tanks.\n'
        "ignored: 1\n",
        encoding="utf-8",
    )
    doc = read_path(path, max_bytes=LIMIT)
    assert doc.text == "Kimsuky targets think tanks."
    assert doc.meta.title == "A title"
    assert doc.meta.creators == ("A. Author", "B. Author")
    assert doc.meta.date == "2023-05-01"


def test_markdown_and_html_lose_their_markup(sample_dir: Path) -> None:
    md = read_path(sample_dir / "policy-brief-lazarus.md", max_bytes=LIMIT)
    assert "#" not in md.text and "Lazarus Group" in md.text
    page = read_path(sample_dir / "advisory-kimsuky.html", max_bytes=LIMIT)
    assert "<p>" not in page.text and "margin" not in page.text
    assert "Kimsuky uses spear-phishing" in page.text


def test_pdf_text(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "report.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Andariel targeted defense contractors in South Korea.")
    pdf.save()
    doc = read_path(path, max_bytes=LIMIT)
    assert "Andariel targeted defense contractors" in doc.text
    assert doc.meta.media_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n ", "empty"),
        ("binary.txt", b"\x00\x01\x02PNG\x00", "binary"),
        ("latin1.txt", "Pyongyang’s café".encode("cp1252"), "not UTF-8"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type"),
        ("broken.pdf", b"%PDF-1.7\nthis is not a pdf", "PDF"),
        ("broken.yaml", b"title: [unclosed\n  abstract: : :\n", "not a valid record"),
        ("notext.json", b'{"title": "no text here"}', "no text"),
    ],
)
def test_bad_input_is_named(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_path(path, max_bytes=LIMIT)
    message = str(info.value)
    assert name in message and reason in message
    assert "\n" not in message


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("North Korea. " * 100, encoding="utf-8")
    with pytest.raises(InputError, match="over the limit of 100"):
        read_path(path, max_bytes=100)
