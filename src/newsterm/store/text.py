"""Text for the full-text index, and user search text made safe for FTS5 MATCH."""

from __future__ import annotations

import html
import re
from functools import cache
from typing import TYPE_CHECKING
from unicodedata import east_asian_width

if TYPE_CHECKING:
    import lxml.etree

MAX_INDEXED_CHARS = 100_000
"""Index at most this much of a body: enough for any article, bounded for hostile ones."""

_TAG = re.compile(r"<[^>]*>")
_ELEMENT_TAG = re.compile(r"""</?[A-Za-z][^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")
"""A start or end tag, quoted attribute values (which may hold ">") included."""
_NEEDS_PARSER = re.compile(
    r"<(?:[!?]|/?(?:[Ss][Cc][Rr][Ii][Pp][Tt]|[Ss][Tt][Yy][Ll][Ee]|[Tt][Ee][Mm][Pp][Ll][Aa][Tt][Ee]"
    r"|[Nn][Oo][Ss][Cc][Rr][Ii][Pp][Tt])\b)"
)
"""What a regex cannot strip correctly: comments, CDATA, declarations, and elements whose
content is not text."""
_TAG_START = re.compile(r"</?[A-Za-z]")
_DROPPED = ("script", "style", "template", "noscript")


@cache
def _html_parser() -> lxml.etree.HTMLParser:
    # lxml loads on the first body that needs it: the app's start-up only reads the store.
    import lxml.etree

    return lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


def html_to_text(markup: str) -> str:
    """The words of an HTML fragment, tags stripped, whitespace collapsed.

    Uses lxml's HTML parser without lxml.html's element classes (2.5x cheaper, and only
    text is wanted). Tolerates any garbage: what lxml refuses is stripped by a regex.
    """
    if not markup:
        return ""
    # FTS5 and libxml2 both treat NUL as the end of a string.
    markup = markup.replace("\x00", " ")
    if "<" not in markup and "&" not in markup:
        return " ".join(markup[:MAX_INDEXED_CHARS].split())
    if not _NEEDS_PARSER.search(markup):
        # Most feed bodies: stripping tags with a regex gives the same words 2-3x faster
        # (a refresh indexes tens of MB of HTML). Anything left that looks like a tag
        # (an unbalanced quote, say) goes to the parser.
        stripped = _ELEMENT_TAG.sub(" ", markup)
        if not _TAG_START.search(stripped):
            return " ".join(html.unescape(stripped).split())[:MAX_INDEXED_CHARS]
    import lxml.etree

    try:
        root = lxml.etree.fromstring(markup, _html_parser())
        if root is None:
            return ""
        lxml.etree.strip_elements(root, *_DROPPED, with_tail=False)
        # itertext, not text_content: block elements must not glue words together.
        text = " ".join(root.itertext())
    except (lxml.etree.LxmlError, ValueError, TypeError):
        text = html.unescape(_TAG.sub(" ", markup))
    return " ".join(text.split())[:MAX_INDEXED_CHARS]


def search_text(markup: str) -> str:
    """The words of an HTML body for the full-text index.

    What `html_to_text` gives, except that whitespace is left as it is: the tokenizer
    splits on it anyway, and collapsing it was a third of the cost (a cold refresh
    indexes tens of MB).
    """
    if not markup:
        return ""
    markup = markup.replace("\x00", " ")
    if "<" not in markup and "&" not in markup:
        return markup[:MAX_INDEXED_CHARS]
    if not _NEEDS_PARSER.search(markup):
        stripped = _ELEMENT_TAG.sub(" ", markup)
        if not _TAG_START.search(stripped):
            return (html.unescape(stripped) if "&" in stripped else stripped)[:MAX_INDEXED_CHARS]
    return html_to_text(markup)


def fts_terms(text: str) -> list[str]:
    """The searchable terms of user text: whitespace-separated words with a letter or digit."""
    text = text.replace("\x00", " ")  # FTS5 would read NUL as the end of the query
    return [word for word in text.split() if _searchable(word)]


def _searchable(text: str) -> bool:
    return any(char.isalnum() for char in text)


def _prefix_term(word: str) -> str:
    """A word as an FTS5 string: a prefix ("word"*), except a word of one or two letters or
    digits ("C", "AI", "go", "(a)"), which is the word itself.

    A short word is nearly always meant as itself: "ai" should not find "air" and "aim",
    nor "go" every "good" and "google". It also keeps searches cheap without an index of
    2-character prefixes, whose upkeep was half the cost of indexing an entry: "c"* would
    expand to every word starting with c (nearly every entry, 0.2-0.4 s at 100,000
    entries). Scripts written without spaces are the exception: unicode61 keeps such a run
    as one token, so "新闻" must stay a prefix to match "新闻报道".
    """
    quoted = '"' + word.replace('"', '""') + '"'
    letters = [char for char in word if char.isalnum()]
    if len(letters) <= 2 and not any(_written_without_spaces(char) for char in letters):
        return quoted
    return quoted + "*"


_UNSPACED_SCRIPTS = re.compile("[\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff]")
"""Thai, Lao, Tibetan, Myanmar and Khmer: words run together, as in CJK (wide characters)."""


def _written_without_spaces(char: str) -> bool:
    return east_asian_width(char) in ("W", "F") or _UNSPACED_SCRIPTS.match(char) is not None


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression for user text, or None when it has nothing searchable.

    Every word becomes a quoted prefix string ("word"*), so FTS5 operators and punctuation
    typed by the user are plain text and can never be a syntax error; terms combine with
    AND. Text between a pair of double quotes is an exact phrase ("climate change": those
    words, adjacent, in that order, no prefix); a quote without its pair is punctuation.
    """
    text = text.replace("\x00", " ")  # FTS5 would read NUL as the end of the query
    pieces = text.split('"')
    if len(pieces) % 2 == 0:
        # An odd number of quotes: the last one has no pair, so it quotes nothing.
        pieces[-2:] = [pieces[-2] + " " + pieces[-1]]
    terms: list[str] = []
    for index, piece in enumerate(pieces):
        if index % 2:
            if _searchable(piece):
                terms.append('"' + " ".join(piece.split()) + '"')
        else:
            terms.extend(_prefix_term(word) for word in piece.split() if _searchable(word))
    return " ".join(terms) or None
