"""Removal of characters that must never reach a terminal.

Feed text is untrusted: a C0/C1 control can move the cursor or start an escape sequence, a bidi
override can make a title read as something else, and zero-width characters hide text from the
reader while search and wrapping still see it.  Everything shown by newsterm passes through
:func:`safe_text`.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, C1 controls; bidi embeddings/overrides (U+202A-202E) and
# isolates (U+2066-2069); invisible formatting characters that only hide or glue text (ZWSP, word
# joiner, invisible math operators, BOM/ZWNBSP, Mongolian vowel separator, soft hyphen, interlinear
# annotations, Unicode tag characters); lone surrogates and the noncharacters U+FFFE/U+FFFF.
_UNSAFE_CHARS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u00ad\u180e\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\ufffe\uffff"
    "\ud800-\udfff"
    "\U000e0000-\U000e007f"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CHARS}]")
# ZWJ/ZWNJ are needed inside words (Persian, Indic scripts) and emoji sequences, never next to
# whitespace or at either end of the text.
_STRAY_JOINER = re.compile(r"(?:(?<=\s)|^)[\u200c\u200d]+|[\u200c\u200d]+(?=\s|$)")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029\x85]")
# Every character one of the substitutions above could change: the unsafe ones, \r and the
# other line breaks, and the joiners.
_NEEDS_CLEANING = re.compile(f"[{_UNSAFE_CHARS}\r\u2028\u2029\x85\u200c\u200d]")
# The ASCII characters safe_text never changes (\t, \n and the printable ones).
_SAFE_ASCII = bytes([0x09, 0x0A, *range(0x20, 0x7F)])


def residue(text: str, dropped: bytes) -> str:
    """``text`` without the ASCII characters in ``dropped``, for a quick search of the rest.

    Deleting them from the UTF-8 bytes (an ASCII byte is never part of a multi-byte sequence)
    is far quicker than a regular expression stepping over them: whole documents are checked
    this way, and what is left of them is short (all of it for CJK text).
    """
    return (
        text.encode("utf-8", "surrogatepass")
        .translate(None, dropped)
        .decode("utf-8", "surrogatepass")
    )


def _is_clean(text: str) -> bool:
    """True when ``safe_text`` would return ``text`` unchanged.

    Whole documents and articles pass through ``safe_text``: scanning them with the regular
    expressions cost about 0.7 ms per 40 kB even with nothing to remove.
    """
    rest = residue(text, _SAFE_ASCII)
    return not rest or not _NEEDS_CLEANING.search(rest)


def safe_text(text: str) -> str:
    """Return ``text`` without control, bidi-override and needless zero-width characters.

    Keeps ``\\n`` and ``\\t``; turns ``\\r\\n``, ``\\r``, NEL and the Unicode line/paragraph
    separators into ``\\n``.  Use it on every untrusted string before it reaches the screen (titles,
    authors, URLs, bodies).
    """
    if (text.isascii() and text.isprintable()) or _is_clean(text):
        return text
    text = _LINE_BREAKS.sub("\n", text)
    text = _UNSAFE.sub("", text)
    if "\u200c" in text or "\u200d" in text:
        text = _STRAY_JOINER.sub("", text)
    return text


def safe_line(text: str) -> str:
    """Untrusted text for one terminal line: `safe_text`, with every run of whitespace
    (newlines included) collapsed to one space."""
    return " ".join(safe_text(text).split())
