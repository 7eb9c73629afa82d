"""Documents through the API: list, read, ingest and retract, changes with the token only."""

from __future__ import annotations

import argparse
import io
import shutil
from pathlib import Path

import pytest
from flask import Flask

from api import create_app
from cli.commands import make_ingest
from kg.config import Settings

TOKEN = "doc-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def writable(sample_store: Path, tmp_path: Path) -> Flask:
    store = tmp_path / "store"
    shutil.copytree(sample_store, store)
    settings = Settings(store=store)
    args = argparse.Namespace(model=None, store=str(store))
    ingest = make_ingest(args, settings)
    return create_app(
        {"KG_STORE": str(store), "KG_API_TOKEN": TOKEN, "TESTING": True}, ingest=ingest
    )


def test_list_and_read(writable: Flask) -> None:
    client = writable.test_client()
    docs = client.get("/api/documents").get_json()["documents"]
    assert {"advisory-kimsuky", "treasury-release"} <= {d["id"] for d in docs}
    one = client.get("/api/documents/advisory-kimsuky").get_json()
    assert one["entities"] > 5 and len(one["sha256"]) == 64
    assert client.get("/api/documents/nothing-here").status_code == 404


def test_post_text_then_retract(writable: Flask) -> None:
    client = writable.test_client()
    text = "Kimsuky targeted think tanks in Vietnam in March 2024."
    refused = client.post("/api/documents?name=note.txt", data=text, content_type="text/plain")
    assert refused.status_code == 401
    made = client.post(
        "/api/documents?name=note.txt", data=text, content_type="text/plain", headers=AUTH
    )
    assert made.status_code == 201
    body = made.get_json()
    assert body["id"] == "note" and body["status"] == "added" and body["relations"] >= 1
    assert client.get("/api/documents/note").status_code == 200
    again = client.post(
        "/api/documents?name=note.txt", data=text, content_type="text/plain", headers=AUTH
    )
    assert again.get_json()["status"] == "unchanged"
    assert client.delete("/api/documents/note").status_code == 401
    assert client.delete("/api/documents/note", headers=AUTH).status_code == 204
    assert client.get("/api/documents/note").status_code == 404


def test_post_file_and_bad_input(writable: Flask) -> None:
    client = writable.test_client()
    upload = {"file": (io.BytesIO(b"<p>Andariel targeted hospitals in Japan.</p>"), "../../x.html")}
    made = client.post(
        "/api/documents", data=upload, content_type="multipart/form-data", headers=AUTH
    )
    assert made.status_code == 201 and made.get_json()["id"] == "x"
    empty = client.post(
        "/api/documents?name=e.txt", data=b"", content_type="text/plain", headers=AUTH
    )
    assert empty.status_code == 400 and "empty" in empty.get_json()["detail"]
    wrong = client.post("/api/documents", data=b"{}", content_type="application/json", headers=AUTH)
    assert wrong.status_code == 400


def test_server_without_extractor_or_token(tmp_path: Path) -> None:
    no_token = create_app(
        {"KG_STORE": str(tmp_path / "a"), "TESTING": True, "KG_API_TOKEN": None}
    ).test_client()
    resp = no_token.post("/api/documents", data="x", content_type="text/plain")
    assert resp.status_code == 403  # no token configured: no changes at all
    no_extractor = create_app(
        {"KG_STORE": str(tmp_path / "b"), "TESTING": True, "KG_API_TOKEN": TOKEN}
    ).test_client()
    resp = no_extractor.post("/api/documents", data="x", content_type="text/plain", headers=AUTH)
    assert resp.status_code == 503 and "without an extractor" in resp.get_json()["detail"]


def test_read_only_server_refuses_changes_with_the_token(sample_store: Path) -> None:
    config = {"KG_STORE": str(sample_store), "KG_READ_ONLY": True, "KG_API_TOKEN": TOKEN}
    read_only = create_app({**config, "TESTING": True}).test_client()
    for method, path in (("post", "/api/documents"), ("delete", "/api/documents/x")):
        resp = getattr(read_only, method)(path, data="x", content_type="text/plain", headers=AUTH)
        assert resp.status_code == 403 and "read-only" in resp.get_json()["detail"], path
