"""Deciding what a body is from its first bytes, never from its name or Content-Type."""

from __future__ import annotations

import re
import zlib
from typing import Literal

from newsterm.models import NotAFeedError

DocumentKind = Literal["json", "xml", "html", "unknown"]

GZIP_MAGIC = b"\x1f\x8b"
MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024
"""A gzip body larger than this once decoded is refused: a small bomb must not eat memory.
The fetcher's default size cap: a .gz served without Content-Encoding gets no more room
than a plain body (61 KB of gzip inflating to 64 MB of XML cost 1.7 GB in the parser)."""

HEAD_BYTES = 4096
"""How much of the document the sniffer looks at."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)

_ELEMENT_NAME = re.compile(r"<([A-Za-z_][\w:.-]*)")
_HTML_DOCTYPE = re.compile(r"<!doctype\s+html", re.IGNORECASE)

HTML_ROOTS = frozenset(
    {
        *("html", "head", "body", "meta", "title", "link", "script", "style", "base"),
        *("noscript", "div", "p", "span", "a", "b", "i", "u", "em", "strong", "br", "hr"),
        *("img", "table", "tr", "td", "center", "font", "form", "iframe", "frameset"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "pre"),
    }
)
"""Elements that start a web page but never a feed (RSS <title>/<link> are never roots)."""


def gunzip(data: bytes, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Decompress a gzip body, at most `limit` bytes of output.

    A truncated stream yields what could be decoded (the feed parser recovers
    what it can); corrupt data or output over `limit` raises NotAFeedError.
    """
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        output = decompressor.decompress(data, limit)
    except zlib.error as error:
        raise NotAFeedError("not a feed: corrupt gzip data") from error
    if decompressor.unconsumed_tail and len(output) >= limit:
        raise NotAFeedError(f"not a feed: gzip body larger than {limit // (1024 * 1024)} MB")
    return output


def _gunzip_head(data: bytes) -> bytes:
    """The first bytes of a gzip body, without decoding all of it."""
    try:
        return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data, HEAD_BYTES)
    except zlib.error:
        return b""


def text_encoding(data: bytes) -> tuple[str, int]:
    """The Unicode encoding the document's first bytes show, and the length of its BOM."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    if data[:4] == b"\x00\x00\x00<" or data[:4] == b"\x00\x00\x00{":
        return "utf-32-be", 0
    if data[1:4] == b"\x00\x00\x00" and data[:1] in (b"<", b"{"):
        return "utf-32-le", 0
    if data[:1] == b"\x00" and data[1:2] in (b"<", b"{"):
        return "utf-16-be", 0
    if data[1:2] == b"\x00" and data[:1] in (b"<", b"{"):
        return "utf-16-le", 0
    return "utf-8", 0


def head_text(data: bytes) -> str:
    """The first few KB of a (decompressed) document as text, for sniffing."""
    encoding, bom_length = text_encoding(data)
    return data[bom_length : bom_length + HEAD_BYTES].decode(encoding, "replace")


def _skip_prolog(text: str) -> tuple[str, bool]:
    """Text after the XML declaration, processing instructions, comments and doctype.

    Also says whether an HTML doctype was seen.
    """
    html_doctype = False
    while True:
        text = text.lstrip()
        if text.startswith("<?"):
            end, skip = text.find("?>"), 2
        elif text.startswith("<!--"):
            end, skip = text.find("-->"), 3
        elif text[:9].upper() == "<!DOCTYPE":
            html_doctype = html_doctype or bool(_HTML_DOCTYPE.match(text))
            end, skip = _doctype_end(text), 1
        else:
            return text, html_doctype
        if end < 0:
            return "", html_doctype
        text = text[end + skip :]


def _doctype_end(text: str) -> int:
    """Index of the ">" closing a doctype, past any internal subset in brackets."""
    bracket = text.find("[")
    close = text.find(">")
    if 0 <= bracket < close:
        subset_end = text.find("]", bracket)
        return -1 if subset_end < 0 else text.find(">", subset_end)
    return close


def root_element(data: bytes) -> str | None:
    """The name of the document's first element, if the head shows one."""
    if data.startswith(GZIP_MAGIC):
        data = _gunzip_head(data)
    rest, _ = _skip_prolog(head_text(data))
    match = _ELEMENT_NAME.match(rest)
    return match.group(1) if match else None


def sniff(data: bytes) -> DocumentKind:
    """What the document is, from its first bytes.

    A byte order mark and leading whitespace are skipped; gzip bodies are looked
    into. "{" starts a JSON (Feed) document; "<" starts XML, or HTML when the
    first element (or an HTML doctype without a recognisable root) says web page.
    """
    if data.startswith(GZIP_MAGIC):
        data = _gunzip_head(data)
    text = head_text(data).lstrip()
    if text.startswith("{"):
        return "json"
    if not text.startswith("<"):
        return "unknown"
    rest, html_doctype = _skip_prolog(text)
    match = _ELEMENT_NAME.match(rest)
    if match:
        return "html" if match.group(1).lower() in HTML_ROOTS else "xml"
    return "html" if html_doctype else "xml"
