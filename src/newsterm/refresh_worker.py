"""What a refresh's parse workers run: parse a body and prepare its entries for storing.

A module of its own so that a spawned worker imports only the parser and the row
preparation (~70 ms), not the refresh service with httpx and the fetcher (~200 ms).
"""

from __future__ import annotations

import gc
import os
import threading
import time

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


PARENT_CHECK_SECONDS = 0.5
"""How often a worker checks that the refresh that started it is still alive."""


def init_worker(parent: int | None = None) -> None:
    """Parse workers allocate many short-lived objects: collect garbage rarely (their
    memory is freed by reference counting anyway). A worker also ends itself when its
    refresh (process id `parent`, passed in: it may be gone before this runs) dies."""
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    threading.Thread(
        target=_exit_with_parent,
        args=(os.getppid() if parent is None else parent,),
        name="newsterm-orphan-check",
        daemon=True,
    ).start()


def _exit_with_parent(parent: int) -> None:
    """End this process once `parent` is gone (SIGKILLed, out of memory): the pool's queue
    holds both ends of its pipe, so an orphaned worker would wait on it forever, and keep
    multiprocessing's resource tracker (and whoever reads their stderr) waiting too."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)
