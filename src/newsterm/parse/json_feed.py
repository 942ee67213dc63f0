"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org), which feedparser 6 does not read.

Publishers get types wrong (numbers for ids, objects where strings belong, nulls
anywhere), so every field is read through a typed accessor that turns a wrong type
into "absent" instead of raising.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from newsterm.models import Enclosure, NotAFeedError, ParsedEntry, ParsedFeed
from newsterm.parse.bounds import MAX_ENTRIES
from newsterm.parse.common import (
    clean_line,
    entry_identity,
    resolve_url,
    strip_control,
    text_to_html,
    unique,
    usable_date,
)
from newsterm.parse.sniff import text_encoding

_VERSION = re.compile(r"^https?://(?:www\.)?jsonfeed\.org/version/1(?:\.(\d+))?/?$")

JsonObject = Mapping[str, Any]


def _str(value: object) -> str:
    """value if it is a string, else ""."""
    return value if isinstance(value, str) else ""


def _obj(value: object) -> JsonObject:
    """value if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _objects(value: object) -> list[JsonObject]:
    """The objects in value if it is a list, else none."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _id(value: object) -> str:
    """An item id; numbers are coerced to strings as the spec allows publishers to err."""
    if isinstance(value, str):
        return strip_control(value).strip()
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    return ""


def _size(value: object) -> int | None:
    """size_in_bytes as a non-negative int, None if absent or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value):
        value = int(value)
    if isinstance(value, int) and value >= 0:
        return value
    return None


def _date(value: object, now: datetime) -> datetime | None:
    """An RFC 3339 date in UTC; None if absent, unreadable or absurd."""
    text = _str(value).strip()
    if not text:
        return None
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return usable_date(parsed, now)


def _author_names(node: JsonObject) -> str:
    """Names from "authors" (1.1) and else "author" (1.0), joined with ", "."""
    authors = _objects(node.get("authors")) or [_obj(node.get("author"))]
    return ", ".join(unique(clean_line(_str(author.get("name"))) for author in authors))


def _attachments(item: JsonObject, base: str) -> tuple[Enclosure, ...]:
    found: dict[str, Enclosure] = {}
    for attachment in _objects(item.get("attachments")):
        url = resolve_url(_str(attachment.get("url")), base)
        if url and url not in found:
            found[url] = Enclosure(
                url=url,
                type=clean_line(_str(attachment.get("mime_type"))),
                length=_size(attachment.get("size_in_bytes")),
            )
    return tuple(found.values())


def _tags(item: JsonObject) -> tuple[str, ...]:
    tags = item.get("tags")
    if not isinstance(tags, list):
        return ()
    return unique(clean_line(tag) for tag in tags if isinstance(tag, str))


def _item(item: JsonObject, base: str, feed_author: str, now: datetime) -> ParsedEntry:
    link = resolve_url(_str(item.get("url")) or _str(item.get("external_url")), base)
    title = clean_line(_str(item.get("title")))
    published = _date(item.get("date_published"), now)
    updated = _date(item.get("date_modified"), now)
    summary_text = _str(item.get("summary"))
    summary = text_to_html(summary_text) if summary_text.strip() else ""
    content_html = _str(item.get("content_html"))
    content_text = _str(item.get("content_text"))
    if content_html.strip():
        content = content_html
    elif content_text.strip():
        content = text_to_html(content_text)
    else:
        content = summary
    identity = entry_identity(_id(item.get("id")), link, title or content, published or updated)
    return ParsedEntry(
        identity=identity,
        title=title,
        link=link,
        author=_author_names(item) or feed_author,
        published=published,
        updated=updated,
        summary=summary,
        content=content,
        enclosures=_attachments(item, base),
        categories=_tags(item),
    )


def _decode(data: bytes) -> str:
    encoding, bom_length = text_encoding(data)
    return data[bom_length:].decode(encoding, "replace")


def parse_json(data: bytes, url: str, now: datetime) -> ParsedFeed:
    """Parse a JSON Feed document; NotAFeedError for any other JSON."""
    try:
        # strict=False: raw control characters inside strings are a common, harmless slip.
        document = json.loads(_decode(data), strict=False)
    except json.JSONDecodeError as error:
        raise NotAFeedError(
            f"not a feed: invalid JSON (line {error.lineno}, column {error.colno})"
        ) from error
    if not isinstance(document, dict):
        raise NotAFeedError("not a feed: JSON, but not a JSON Feed object")
    version = _str(document.get("version")).strip()
    match = _VERSION.match(version)
    if not match:
        if version:
            raise NotAFeedError(f"not a feed: unknown JSON Feed version {clean_line(version[:80])}")
        raise NotAFeedError("not a feed: JSON without a JSON Feed version")
    minor = match.group(1) or "0"
    home_page = resolve_url(_str(document.get("home_page_url")), url)
    feed_author = _author_names(document)
    items = _objects(document.get("items"))
    return ParsedFeed(
        title=clean_line(_str(document.get("title"))),
        link=home_page,
        description=clean_line(_str(document.get("description"))),
        kind=f"json1{minor}",
        entries=[_item(item, url, feed_author, now) for item in items[:MAX_ENTRIES]],
        warning=(
            f"too many entries: kept the first {MAX_ENTRIES:,} of {len(items):,}"
            if len(items) > MAX_ENTRIES
            else None
        ),
        entries_cut=len(items) > MAX_ENTRIES,
    )
