"""Line breaks in Chinese and Japanese text (content/linebreak.py) and in the reader."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich._wrap import divide_line as rich_divide_line
from rich.cells import cell_len

from newsterm.content import article_from_html
from newsterm.content.linebreak import _unit_starts, divide_line, has_cjk
from newsterm.content.render import render_to_text

CLOSING = "、。，．：；？！）」』】ーっゃ,.)"
OPENING = "（「『【(“"


def _lines(text: str, width: int) -> list[str]:
    bounds = [0, *divide_line(text, width), len(text)]
    return [text[start:end] for start, end in pairwise(bounds)]


latin_words = st.sampled_from(["a", "Python", "is", "fast", "x" * 7, "3.11", "(see", "it)", "ok,"])
cjk_units = st.sampled_from(list("中文字のはカ。、「」ーっ"))
spaces = st.sampled_from([" ", "  ", "\u3000", ""])
mixed = st.lists(st.one_of(latin_words, cjk_units, spaces), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["a", "bc", " ", "  ", "\xa0", "é—", "x" * 9, "한국어", "👍"]),
        max_size=30,
    ).map("".join),
    width=st.integers(min_value=1, max_value=60),
    fold=st.booleans(),
)
def test_text_without_cjk_breaks_as_rich_breaks_it(text: str, width: int, fold: bool) -> None:
    assert not has_cjk(text)
    assert divide_line(text, width, fold=fold) == rich_divide_line(text, width, fold=fold)


@settings(max_examples=400, deadline=None)
@given(text=mixed, width=st.integers(min_value=12, max_value=50))
def test_mixed_text_fills_lines_and_keeps_kinsoku(text: str, width: int) -> None:
    # A unit longer than a line is folded anywhere, as Rich folds a long word.
    bounds = [0, *_unit_starts(text), len(text)]
    assume(all(cell_len(text[a:b].rstrip()) <= width for a, b in pairwise(bounds)))
    lines = _lines(text, width)
    assert "".join(lines) == text  # breaks only divide, they drop nothing
    for number, line in enumerate(lines):
        assert cell_len(line.rstrip()) <= width, (line, width)
        # Between two non-spaces (where spaces are, lines break at them, as Rich's do):
        if number and not lines[number - 1][-1].isspace():
            assert line[0] not in CLOSING, lines
        if number < len(lines) - 1 and not line[-1].isspace():
            assert line[-1] not in OPENING, lines


@pytest.mark.parametrize("width", [40, 33, 21])
def test_a_paragraph_mixing_latin_and_chinese_does_not_break_early(width: int) -> None:
    html = (
        "<p>Python 是一种广泛使用的解释型、高级和通用的编程语言。Python 支持多种编程范型，"
        "包括函数式、指令式、结构化和面向对象编程。它拥有动态类型系统和垃圾回收功能。</p>"
    )
    lines = render_to_text(article_from_html(html), width=width, color=False).splitlines()
    body = [line for line in lines if line.strip()]
    assert body[0].startswith("Python 是")  # not "Python" alone on its line
    for line in body[:-1]:
        # Full, but for a character carried over with the punctuation that must follow it.
        assert cell_len(line) >= width - 3, body
        assert line[0] not in CLOSING
    assert "".join("".join(body).split()) == "".join(
        "".join(
            "Python是一种广泛使用的解释型、高级和通用的编程语言。Python支持多种编程范型，"
            "包括函数式、指令式、结构化和面向对象编程。它拥有动态类型系统和垃圾回收功能。"
        ).split()
    )


def test_japanese_punctuation_never_starts_a_line() -> None:
    html = "<p>" + "日本語のテキストです。「引用」と、句読点、そして長音ー。" * 12 + "</p>"
    for width in range(10, 41):
        lines = render_to_text(article_from_html(html), width=width, color=False).splitlines()
        for line in filter(None, lines):
            assert line[0] not in CLOSING, (width, line)
            assert line[-1] not in OPENING, (width, line)
            assert cell_len(line) <= width
