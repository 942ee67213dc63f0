"""Messages posted by workers to the main screen: typed data, safe to post from a thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker, WorkerState

from newsterm.models import Feed

if TYPE_CHECKING:  # the refresh service (and httpx) loads with the first refresh
    from newsterm.refresh import RefreshProgress, RefreshReport


@dataclass
class RefreshStarted(Message):
    """A refresh of `total` feeds began."""

    total: int
    label: str
    """What is refreshed, in a few words ("3 due feeds", "all feeds")."""


@dataclass
class RefreshProgressed(Message):
    """One more feed finished; a backlog of these collapses into the latest."""

    progress: RefreshProgress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshProgressed)


@dataclass
class RefreshFinished(Message):
    """A refresh ended (completed, or cancelled part-way)."""

    report: RefreshReport
    cancelled: bool = False
    run: int = 0
    """Which run ended (a replaced run may finish after its successor started)."""


@dataclass
class FeedsLoaded(Message):
    """The feed list with fresh counts, read off the UI thread."""

    feeds: list[Feed]
    starred: int
    """How many entries are starred (for the Starred view's count)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedsLoaded)


@dataclass
class MarkedRead(Message):
    """Entries changed read state in bulk (mark all, or its undo)."""

    entry_ids: list[int]
    read: bool
    label: str
    """What was marked, for the status line."""


@dataclass
class WorkerFailed(Message):
    """A worker raised; bubbles up to the app, which shows it (Worker.StateChanged doesn't)."""

    description: str
    error: str


def forward_worker_failure(node: DOMNode, event: Worker.StateChanged) -> bool:
    """Turn a failed worker's state change into a bubbling WorkerFailed; True if it failed.

    Every node that runs workers calls this from `on_worker_state_changed`, so one
    handler in the app reports every failure and nothing pops a traceback.
    """
    if event.state is not WorkerState.ERROR:
        return False
    error = event.worker.error
    description = event.worker.description or event.worker.name or "a background task"
    node.post_message(WorkerFailed(description, f"{type(error).__name__}: {error}"))
    return True
