"""Line breaks for text with Chinese or Japanese in it.

Rich breaks lines only at spaces (``rich._wrap.divide_line``), which suits alphabetic
text but not Chinese and Japanese, written without spaces: a run of ideographs is one
"word" to Rich, so a paragraph mixing Latin and CJK breaks early, before the whole run
("Python" alone on a line, then the run folded below it). Here a line may also break
between two characters when either is a CJK character, as browsers do (UAX #14's
ideographic class), except where the simple kinsoku rules forbid it: never before closing
punctuation or small kana, never after opening punctuation. Hangul is left to Rich: Korean
puts spaces between its words.

Everything else follows ``divide_line``: a line fits as many whole units as its width
allows, spaces after a unit stay with it, and a unit longer than a line is folded.
"""

from __future__ import annotations

import re
from itertools import accumulate, pairwise

from rich.cells import chop_cells, get_character_cell_size

_CJK = (
    "\u2e80-\u2fdf"  # CJK and Kangxi radicals
    "\u3001-\u303f"  # CJK symbols and punctuation (not the ideographic space)
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3100-\u312f\u31a0-\u31bf"  # bopomofo
    "\u31c0-\u31ff"  # strokes, small katakana
    "\u3200-\u33ff"  # enclosed and compatibility forms
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # ideographs
    "\ufe30-\ufe4f"  # compatibility forms (vertical punctuation)
    "\uff01-\uff60\uffe0-\uffe6"  # fullwidth forms
    "\U00020000-\U0003ffff"  # ideographs, supplementary planes
)

# Kinsoku: what may not start a line (closing punctuation, small kana, iteration and
# prolonged-sound marks) and what may not end one (opening brackets and quotes). The
# ASCII ones count too, where they touch a CJK character ("中文," and "(中文").
_CLOSING = re.escape(
    "!%),.:;?]}¢°’”»›‐–—…‥"
    "、。，．：；？！）」』】〕〉》｝〙〗〟｠〛"
    "ー゛゜ヽヾゝゞ々〻・"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
    "％"
)
_OPENING = re.escape("([{£¥‘“«‹（「『【〔〈《｛〘〖〝｟〚")

_HAS_CJK = re.compile(f"[{_CJK}]")
# A unit ends after a space followed by a non-space (as Rich's words do), or after a
# character where a line may break before the next: both non-spaces, at least one CJK,
# the first no opening character and the next no closing one. Each match is the one
# character before a unit start, so one scan finds them all, in order.
_UNIT_END = re.compile(
    r"\s(?=\S)"
    rf"|[{_CJK}](?<![{_OPENING}])(?=[^\s{_CLOSING}])"
    rf"|[^\s{_CJK}{_OPENING}](?=[{_CJK}])(?![{_CLOSING}])"
)


def has_cjk(text: str) -> bool:
    """Whether `text` has a character that lines may break around (see the module)."""
    return _HAS_CJK.search(text) is not None


def _unit_starts(text: str) -> list[int]:
    """Where each unit after the first starts. The first keeps the spaces it starts with."""
    starts = [match.end() for match in _UNIT_END.finditer(text)]
    if starts and not text[: starts[0]].strip():
        del starts[0]
    return starts


def divide_line(text: str, width: int, *, fold: bool = True) -> list[int]:
    """The offsets at which to break `text` (one line, no line breaks in it) so each
    line fits `width` cells: ``rich._wrap.divide_line`` with CJK break opportunities."""
    # cells[i]: the cells before text[i], so a unit is measured without measuring it.
    cells = [0, *accumulate(map(get_character_cell_size, text))]
    bounds = [0, *_unit_starts(text), len(text)]
    breaks: list[int] = []
    line_origin = 0  # the cells before the current line
    for start, end in pairwise(bounds):
        shown = end  # the unit without the spaces after it
        while shown > start and text[shown - 1].isspace():
            shown -= 1
        unit_length = cells[shown] - cells[start]
        if line_origin + width - cells[start] >= unit_length:  # fits on this line
            continue
        if unit_length > width:  # fits on no line
            if not fold:
                if start:
                    breaks.append(start)
                line_origin = cells[start]
                continue
            for piece in chop_cells(text[start:end], width):
                if start:
                    breaks.append(start)
                line_origin = cells[start]
                start += len(piece)
        elif cells[start] > line_origin and start:  # starts the next line
            breaks.append(start)
            line_origin = cells[start]
    return breaks
