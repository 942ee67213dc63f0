"""Locations of test data shared by the suite."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
SEED = REPO / "seeds" / "000_d61a40b114e1d76f.txt"
