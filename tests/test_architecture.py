"""The layering rules of setup.cfg's import-linter contracts hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


def test_read_only_api_does_not_load_spacy() -> None:
    code = (
        "import sys, api; api.create_app({'KG_STORE': sys.argv[1]}); print('spacy' in sys.modules)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "data" / "contract-check")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"
