"""Release invariants: the wheel carries the styles and the demo set the app needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from newsterm.demo import demo_feeds
from tests.paths import REPO


def test_wheel_holds_styles_and_demo_feeds(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("newsterm-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "newsterm/ui/app.tcss" in names
    assert "newsterm/py.typed" in names
    assert "newsterm/demo/feeds/MANIFEST.toml" in names
    for feed in demo_feeds():
        assert f"newsterm/demo/feeds/{feed.file}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "newsterm = newsterm.__main__:main" in text
    # Test data from the corpus must never ship inside the package.
    assert not any(n.startswith("tests/") for n in names)
