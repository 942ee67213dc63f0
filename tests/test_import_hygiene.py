"""The core stays free of Textual, so it can be tested, benchmarked and scripted alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.paths import REPO

CORE = [
    "newsterm.cli",
    "newsterm.config",
    "newsterm.content",
    "newsterm.discover",
    "newsterm.fetch",
    "newsterm.opml",
    "newsterm.parse",
    "newsterm.refresh",
    "newsterm.store",
    "newsterm.demo",
]


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_textual(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "print(sorted(m for m in sys.modules if m.startswith(('textual', 'newsterm.ui'))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert proc.stdout.strip() == "[]"
