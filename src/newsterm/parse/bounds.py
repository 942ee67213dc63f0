"""Bounds on the work a hostile XML document can make the parser do.

feedparser is the reference parser, but a few things in or around it grow much faster than
the document, so a feed under the fetcher's size cap could still hold a parse for hours:

- entity expansion: feedparser filters unsafe entity declarations only when each starts a
  line, so a DTD on one line reaches expat, whose own limit lets a 4 MB document expand to
  gigabytes ("billion laughs") before it stops it;
- its search for an e-mail address in an author is quadratic in the author's length (a 2 MB
  feed with one long <author> takes hours), and each new category is checked against every
  earlier one of the same entry;
- it costs a fairly steady ~0.1-0.5 ms per entry, so a 16 MB document of tiny items takes
  minutes and a gigabyte.

`bound_document` rewrites the document before feedparser sees it (only the internal DTD subset
and, past `MAX_ENTRIES`, the entries), and `bound_feedparser` caps the two quadratic steps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

from newsterm.parse.sniff import text_encoding

MAX_ENTRIES = 10_000
"""Entries read from one document; the rest are cut off (feeds list their newest first)."""

MAX_ENTITY_VALUE = 256
"""Longest internal entity value kept: real feeds declare "&#160;" or "(C)", not chapters."""

ADDRESS_SCAN_LENGTH = 256
"""feedparser looks for an e-mail address in at most this many characters of an author."""

MAX_TAGS = 100
"""Categories feedparser collects per feed or entry (its duplicate check is quadratic)."""

_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")
_SAFE_ENTITY = re.compile(
    r"""<!ENTITY\s+[A-Za-z_][\w.-]*\s+(?:"([^"&%<]*|&\#\w+;)"|'([^'&%<]*|&\#\w+;)')\s*>"""
)
"""A general entity with a literal value (or one character reference): nothing nested,
nothing external, no parameter entity."""
_ENTRY_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]")
_MARKUP = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE\b(?:[^\[>]|\[.*?\])*>"
    r"|<(/?)([A-Za-z_][\w.:-]*)(?:\s[^>]*?)?(/?)>",
    re.DOTALL,
)
_STAND_IN = "\x00newsterm-author\x00"
"""Stands in for a long author without "@": XML text can never contain NUL."""


def bound_document(data: bytes, max_entries: int = MAX_ENTRIES) -> tuple[bytes, str | None]:
    """`data` made safe to hand to feedparser, and a warning when entries were cut off.

    Only unsafe entity declarations (parameter, external, nested or long ones) are removed
    from the internal DTD subset, and only entries past `max_entries` are cut; any other
    document comes back as it was.
    """
    encoding, bom_length = text_encoding(data)
    if encoding == "utf-8":
        # Latin-1 maps every byte to one character and back: byte-exact for any ASCII-based
        # encoding, and the markup searched for here is ASCII.
        text = data.decode("latin-1")

        def encode(result: str) -> bytes:
            return result.encode("latin-1")
    else:
        text = data[bom_length:].decode(encoding, "replace")

        def encode(result: str) -> bytes:
            return data[:bom_length] + result.encode(encoding, "replace")

    changed = False
    defused = _defuse_doctype(text)
    if defused is not None:
        text, changed = defused, True
    warning = None
    capped = _cap_entries(text, max_entries)
    if capped is not None:
        text, total = capped
        changed = True
        warning = f"too many entries: kept the first {max_entries:,} of {total:,}"
    return (encode(text) if changed else data), warning


def _defuse_doctype(text: str) -> str | None:
    """The text with only safe entity declarations left in its internal DTD subset, or None
    when there is nothing to change."""
    first = _FIRST_ELEMENT.search(text)
    head_end = first.start() if first else len(text)
    start = text.find("<!DOCTYPE", 0, head_end)
    if start < 0:
        return None
    subset_start = _find_outside_quotes(text, start + 9, "[>")
    if subset_start < 0 or text[subset_start] == ">":
        return None  # no internal subset: expat never loads an external DTD
    subset_end = _subset_end(text, subset_start + 1)
    subset = text[subset_start + 1 : subset_end]
    safe = "".join(
        match.group(0)
        for match in _SAFE_ENTITY.finditer(subset)
        if len(match.group(1) or match.group(2) or "") <= MAX_ENTITY_VALUE
    )
    if safe == subset:
        return None
    return text[: subset_start + 1] + safe + text[subset_end:]


def _find_outside_quotes(text: str, position: int, wanted: str) -> int:
    """Index of the first character in `wanted` at or after `position`, skipping quoted
    strings; -1 if there is none."""
    length = len(text)
    while position < length:
        char = text[position]
        if char in wanted:
            return position
        if char in "\"'":
            close = text.find(char, position + 1)
            if close < 0:
                return -1
            position = close
        position += 1
    return -1


def _subset_end(text: str, position: int) -> int:
    """Index of the "]" closing an internal subset that starts at `position` (or the end)."""
    length = len(text)
    while position < length:
        if text.startswith("<!--", position):
            close = text.find("-->", position + 4)
            position = length if close < 0 else close + 3
            continue
        found = _find_outside_quotes(text, position, "]<")
        if found < 0:
            return length
        if text[found] == "]":
            return found
        if text.startswith("<!--", found):
            position = found
            continue
        position = found + 1
    return length


def _cap_entries(text: str, max_entries: int) -> tuple[str, int] | None:
    """The text cut before entry number `max_entries + 1` and closed again, and the number
    of entries it had; None when it has no more than `max_entries`."""
    starts = [match.start() for match in _ENTRY_START.finditer(text)]
    if len(starts) <= max_entries:
        return None
    cut = starts[max_entries]
    return text[:cut] + _closing_tags(text[: starts[0]]), len(starts)


def _closing_tags(head: str) -> str:
    """End tags for the elements still open at the end of `head` (the document before its
    first entry), so the cut document stays well-formed and feedparser reads it once."""
    open_elements: list[str] = []
    for match in _MARKUP.finditer(head):
        slash, name, self_closing = match.group(1, 2, 3)
        if name is None or self_closing:
            continue
        if not slash:
            open_elements.append(name)
        elif name in open_elements:
            del open_elements[len(open_elements) - 1 - open_elements[::-1].index(name) :]
    return "".join(f"</{name}>" for name in reversed(open_elements))


_bounded_modules: set[int] = set()


def bound_feedparser(feedparser: ModuleType) -> None:
    """Cap feedparser's quadratic steps (once per process; its results are unchanged for
    authors and category lists of ordinary length)."""
    if id(feedparser) in _bounded_modules:
        return
    _bounded_modules.add(id(feedparser))
    api = getattr(feedparser, "api", None)
    parsers = [getattr(api, name, None) for name in ("StrictFeedParser", "LooseFeedParser")]
    for name, bound in (
        ("_sync_author_detail", _bounded_author_sync),
        ("_add_tag", _bounded_add_tag),
    ):
        # The class that defines the step (feedparser's mixin), found the way Python would.
        owners = {
            owner
            for parser in parsers
            if isinstance(parser, type)
            for owner in parser.__mro__
            if name in vars(owner)
        }
        for owner in owners:
            setattr(owner, name, bound(vars(owner)[name]))


def _bounded_author_sync(original: Callable[..., None]) -> Callable[..., None]:
    def sync_author_detail(self: Any, key: str = "author") -> None:
        context = self._get_context()
        value = context.get(key)
        if not isinstance(value, str) or len(value) <= ADDRESS_SCAN_LENGTH:
            original(self, key)
        elif "@" in value[:ADDRESS_SCAN_LENGTH]:
            # The address, if any, is near the start: search only there.
            context[key] = value[:ADDRESS_SCAN_LENGTH]
            original(self, key)
        else:
            # No address to find: let feedparser file the name without searching it, then
            # put the whole name back where it filed the stand-in.
            context[key] = _STAND_IN
            original(self, key)
            if context.get(key) == _STAND_IN:
                context[key] = value
            detail = context.get(f"{key}_detail")
            if isinstance(detail, dict) and detail.get("name") == _STAND_IN:
                detail["name"] = value

    return sync_author_detail


def _bounded_add_tag(original: Callable[..., None]) -> Callable[..., None]:
    def add_tag(self: Any, term: Any, scheme: Any, label: Any) -> None:
        tags = self._get_context().get("tags")
        if isinstance(tags, list) and len(tags) >= MAX_TAGS:
            return
        original(self, term, scheme, label)

    return add_tag
