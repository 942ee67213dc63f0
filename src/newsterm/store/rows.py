"""Converting between parsed entries, table rows and the shared models."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from newsterm.models import Enclosure, EntrySummary, ParsedEntry
from newsterm.store.connection import from_db_time, to_db_time
from newsterm.store.text import search_text


def valid_text(text: str) -> str:
    """`text` with anything UTF-8 cannot hold (lone surrogates) replaced by "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _scrubbed(entry: ParsedEntry) -> ParsedEntry:
    """A copy of `entry` whose every string can be stored."""
    return dataclasses.replace(
        entry,
        identity=valid_text(entry.identity),
        title=valid_text(entry.title),
        link=valid_text(entry.link),
        author=valid_text(entry.author),
        summary=valid_text(entry.summary),
        content=valid_text(entry.content),
        enclosures=tuple(
            Enclosure(valid_text(e.url), valid_text(e.type), e.length) for e in entry.enclosures
        ),
        categories=tuple(valid_text(category) for category in entry.categories),
    )


class PreparedEntry:
    """A parsed entry converted to column values, with its content hash.

    Pure and picklable: a refresh prepares entries in its parse workers (`with_text`
    also extracts the search text there), so the thread that writes only writes.
    """

    __slots__ = (
        "entry",
        "published",
        "updated",
        "enclosures",
        "categories",
        "content_hash",
        "text",
    )

    def __init__(self, entry: ParsedEntry, *, with_text: bool = False) -> None:
        try:
            self._prepare(entry)
        except UnicodeEncodeError:
            # Lone surrogates (JSON Feed's "\ud800" escapes) cannot be stored as UTF-8.
            self._prepare(_scrubbed(entry))
        self.text: str | None = self.index_text() if with_text else None

    def index_text(self) -> str:
        """The body's words for the full-text index."""
        return search_text(self.entry.content or self.entry.summary)

    def _prepare(self, entry: ParsedEntry) -> None:
        entry.identity.encode("utf-8")
        self.entry = entry
        self.published = to_db_time(entry.published)
        self.updated = to_db_time(entry.updated)
        # Most entries have neither: skip the JSON encoder for them.
        self.enclosures = (
            json.dumps(
                [{"url": e.url, "type": e.type, "length": e.length} for e in entry.enclosures],
                ensure_ascii=False,
            )
            if entry.enclosures
            else "[]"
        )
        self.categories = (
            json.dumps(list(entry.categories), ensure_ascii=False) if entry.categories else "[]"
        )
        fingerprint = "\x00".join(
            (
                entry.title,
                entry.link,
                entry.author,
                str(self.published),
                str(self.updated),
                entry.summary,
                entry.content,
                self.enclosures,
                self.categories,
            )
        )
        # Strict encoding doubles as the check that every field can be stored.
        self.content_hash = hashlib.blake2b(fingerprint.encode("utf-8"), digest_size=16).hexdigest()

    def fts_row(self, entry_id: int) -> tuple[int, str, str, str]:
        return (
            entry_id,
            self.entry.title.replace("\x00", " "),
            self.entry.author.replace("\x00", " "),
            self.text if self.text is not None else self.index_text(),
        )


def prepare_entries(
    entries: Sequence[ParsedEntry], *, with_text: bool = False
) -> list[PreparedEntry]:
    """The entries of one document prepared for storing; of several entries with the same
    identity, the first."""
    prepared: dict[str, PreparedEntry] = {}
    for entry in entries:
        if entry.identity not in prepared:
            item = PreparedEntry(entry, with_text=with_text)
            prepared.setdefault(item.entry.identity, item)
    return list(prepared.values())


def summary_from_row(row: Sequence[Any]) -> EntrySummary:
    """An EntrySummary from a row selected with the Store's summary columns."""
    return EntrySummary(
        id=row[0],
        feed_id=row[1],
        feed_title=row[2],
        title=row[3],
        link=row[4],
        author=row[5],
        published=from_db_time(row[6]),
        read=bool(row[7]),
        starred=bool(row[8]),
    )


def decode_json_list(text: str) -> list[Any]:
    """A JSON list column's value; anything damaged reads as empty."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return []
    return value if isinstance(value, list) else []


def decode_enclosures(text: str) -> tuple[Enclosure, ...]:
    """The enclosures column's value, skipping malformed items."""
    enclosures: list[Enclosure] = []
    for item in decode_json_list(text):
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            length = item.get("length")
            enclosures.append(
                Enclosure(
                    url=item["url"],
                    type=str(item.get("type") or ""),
                    length=length if isinstance(length, int) else None,
                )
            )
    return tuple(enclosures)
