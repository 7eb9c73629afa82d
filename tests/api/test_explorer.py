"""The explorer page in a real browser (Debian chromium driven by Playwright): search for
"Lazarus", draw and expand its neighbourhood, click an edge, read the evidence; run a
query in YASGUI. Nothing is fetched from anywhere but the server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is installed by .ci/run")


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page()
        hosts: list[str] = []
        page.on("request", lambda request: hosts.append(urlparse(request.url).hostname or ""))
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server + "/")
        page.hosts = hosts  # type: ignore[attr-defined]
        page.errors = errors  # type: ignore[attr-defined]
        yield page
        browser.close()


def test_search_expand_and_read_evidence(page) -> None:  # type: ignore[no-untyped-def]
    page.fill("#q", "Lazarus")
    page.press("#q", "Enter")
    page.click("#hits a:has-text('Lazarus Group')")
    page.wait_for_function("window.kgExplorer.cy.nodes().length > 3")
    before = page.evaluate("window.kgExplorer.cy.nodes().length")
    page.evaluate(
        "window.kgExplorer.cy.nodes().filter(n => "
        "n.data('label') === 'Reconnaissance General Bureau').emit('tap')"
    )
    page.wait_for_function(f"window.kgExplorer.cy.nodes().length > {before}")
    page.evaluate(
        "window.kgExplorer.cy.edges().filter(e => e.data('predicate') === 'partOf' && "
        "window.kgExplorer.cy.getElementById(e.data('source')).data('label') === 'Lazarus Group')"
        "[0].emit('tap')"
    )
    evidence = page.wait_for_selector(".evidence")
    assert "Lazarus" in evidence.inner_text()
    assert "Reconnaissance General Bureau" in page.inner_text("#details h3")
    assert page.inner_text(".source")


def test_yasgui_runs_a_query(page) -> None:  # type: ignore[no-untyped-def]
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table")
    assert "Kimsuky" in page.inner_text(".yasr")


def test_nothing_fetched_from_elsewhere(page) -> None:  # type: ignore[no-untyped-def]
    assert page.hosts and set(page.hosts) == {"127.0.0.1"}
    assert page.errors == []
