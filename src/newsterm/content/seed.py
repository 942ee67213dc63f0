"""The seed document format: a Markdown link header, a dash rule, then the item's HTML."""

from __future__ import annotations

import re

_LEADING_COMMENTS = re.compile(r"\A(?:\s*<!--.*?-->)*\s*", re.DOTALL)
_RULE = re.compile(r"[ \t]*(?:-{3,}|={3,})[ \t]*")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def parse_seed_document(text: str) -> tuple[str, str, str]:
    """Split a seed document into ``(title, link, html)``.

    The format is ``[title](link)``, a line of dashes, then HTML, optionally preceded by HTML
    comments (the capture tool puts a timestamp there).  Anything else is taken as plain HTML:
    ``("", "", text)``.
    """
    text = text.removeprefix("\ufeff")
    start = _LEADING_COMMENTS.match(text)
    offset = start.end() if start else 0
    header_end = text.find("\n", offset)
    if header_end < 0:
        return "", "", text
    header = text[offset:header_end].strip()
    parsed = _parse_header(header)
    if parsed is None:
        return "", "", text
    rule_end = text.find("\n", header_end + 1)
    rule_line = text[header_end + 1 : rule_end if rule_end >= 0 else len(text)]
    if not _RULE.fullmatch(rule_line.rstrip("\r")):
        return "", "", text
    body = "" if rule_end < 0 else text[rule_end + 1 :]
    title, link = parsed
    return title, link, body.lstrip("\r\n")


def _parse_header(header: str) -> tuple[str, str] | None:
    """Parse ``[title](link)``; the title may itself hold brackets, the link parentheses."""
    if not (header.startswith("[") and header.endswith(")")):
        return None
    separator = header.rfind("](")
    if separator < 1:
        return None
    title = _MD_ESCAPE.sub(r"\1", header[1:separator]).strip()
    link = header[separator + 2 : -1].strip()
    if link.startswith("<") and link.endswith(">"):
        link = link[1:-1]
    return title, link
