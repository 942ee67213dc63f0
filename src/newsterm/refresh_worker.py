"""What a refresh's parse workers run: parse a body and prepare its entries for storing.

A module of its own so that a spawned worker imports only the parser and the row
preparation (~70 ms), not the refresh service with httpx and the fetcher (~200 ms).
"""

from __future__ import annotations

import gc

from newsterm.models import NotAFeedError, ParsedFeed
from newsterm.parse import parse_feed
from newsterm.store.rows import PreparedEntry, prepare_entries


def parse_and_prepare(
    body: bytes, url: str, content_type: str
) -> tuple[ParsedFeed, list[PreparedEntry]] | str:
    """Parse, and prepare the entries for storing (hashes, search text) where the CPU is
    spare; a refusal comes back as its message (pickles cheaply)."""
    try:
        parsed = parse_feed(body, url, content_type=content_type)
    except NotAFeedError as error:
        return str(error)
    return parsed, prepare_entries(parsed.entries, with_text=True)


def init_worker() -> None:
    """Parse workers allocate many short-lived objects: collect garbage rarely (their
    memory is freed by reference counting anyway)."""
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
