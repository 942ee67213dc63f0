"""Messages posted by workers to the main screen: typed data, safe to post from a thread."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from newsterm.models import Feed
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
