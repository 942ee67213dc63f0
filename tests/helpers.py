"""Small helpers shared by tests: running the CLI in a subprocess, reading corpus feeds."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.paths import CORPUS, REPO


@dataclass
class CliResult:
    """A finished `newsterm` run."""

    code: int
    out: str
    err: str


def run_cli(
    *args: str,
    data_dir: Path,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> CliResult:
    """Run `python -m newsterm ARGS` in a subprocess with its own data dir, without a TTY."""
    full_env = {**os.environ, "NEWSTERM_DATA_DIR": str(data_dir), "NO_COLOR": "1"}
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "newsterm", *args],
        input=stdin,
        capture_output=True,
        env=full_env,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )
    return CliResult(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def corpus_feed(name: str) -> bytes:
    """A real feed from the corpus's feeds/real folder."""
    return (CORPUS / "feeds" / "real" / name).read_bytes()
