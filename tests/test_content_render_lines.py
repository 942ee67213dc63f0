"""The reader's line renderer draws exactly what Rich's own ``Console.render_lines`` draws.

``newsterm.content.render`` renders through a ``Console`` subclass that builds lines directly
(faster); these tests render real corpus articles both ways, in colour and without, at two
widths, and compare every cell's character and style. Rich breaks lines only at spaces; the
reader also breaks CJK text between characters (``content/linebreak.py``), so Rich draws the
reference with that line breaker in place of its own.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich._wrap import divide_line
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from newsterm.content import article_from_html, render_article
from newsterm.content.linebreak import divide_line as divide_cjk_line
from newsterm.content.linebreak import has_cjk
from newsterm.content.render import _divide_one_cell_line, render_lines

# Paragraphs, lists, quotes, code, tables, CJK and RTL text, footnotes, embeds, huge nesting.
SAMPLES = [
    "articles/readability--nytimes-2.html",
    "articles/readability--qq.html",
    "articles/readability--hukumusume.html",
    "articles/readability--v8-blog.html",
    "articles/readability--wikipedia.html",
    "articles-synthetic/readability--embedded-videos.html",
    "articles-synthetic/readability--keep-tabular-data.html",
    "articles-synthetic/readability--article-author-tag.html",
    "items/nnw--allthis--e4.html",
    "items/chardet-windows-1255-hebrew--notes.co.il.7--e14.html",
    "items/chardet-Big5--upsaid.com--e17.html",
    "items/simplepie-ng--atom--e4.html",
    "items/fastfeedparser--pypy--e1.html",
    "items/nnw--russcox--e15.html",
]


def _rich_divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """Rich's own line breaks, but CJK text breaks as the reader breaks it (linebreak.py)."""
    if has_cjk(text):
        return divide_cjk_line(text, width, fold=fold)
    return divide_line(text, width, fold=fold)


def _rich_lines(renderable: RenderableType, width: int, color: bool) -> list[list[Segment]]:
    """The lines Rich's console draws: what the reader's faster console must match."""
    with patch("rich.text.divide_line", _rich_divide_line):
        return _rich_console_lines(renderable, width, color)


def _rich_console_lines(renderable: RenderableType, width: int, color: bool) -> list[list[Segment]]:
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="truecolor" if color else None,
        legacy_windows=False,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
        tab_size=4,
        _environ={},
    )
    return console.render_lines(renderable, console.options.update_width(width), pad=False)


def _cells(line: list[Segment]) -> list[tuple[str, Style]]:
    """What a line shows: each character with its style (no style and a null style alike)."""
    return [
        (character, segment.style or Style.null()) for segment in line for character in segment.text
    ]


def _assert_same(ours: list[list[Segment]], rich: list[list[Segment]]) -> None:
    assert [_cells(line) for line in ours] == [_cells(line) for line in rich]


@pytest.mark.parametrize("color", [True, False], ids=["colour", "plain"])
@pytest.mark.parametrize("width", [80, 33])
def test_corpus_articles_render_as_rich_renders_them(corpus: Path, width: int, color: bool) -> None:
    for relative in SAMPLES:
        path = corpus / "html" / relative
        html = path.read_text(encoding="utf-8", errors="replace")
        article = article_from_html(html, title=path.stem, base_url="https://example.org/a/")
        for shown in (article, replace(article, title="", links=())):
            renderable = render_article(shown, width=width)
            _assert_same(
                render_lines(renderable, width=width, color=color),
                _rich_lines(renderable, width, color),
            )


@pytest.mark.parametrize(
    "markdown",
    [
        "```\ncode first\n```\n\ntext\n",  # the code box keeps its top padding line
        "- a list first\n- second\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "> quoted\n> > twice\n",
        "a\tb\tc with tabs\n",
        "emoji 👩‍👩‍👧 and wide 漢字 mixed with a very-long-word-" + "x" * 120 + "\n",
        "",
    ],
)
def test_edge_cases_render_as_rich_renders_them(markdown: str) -> None:
    from newsterm.content import Article

    article = Article(title="", markdown=markdown, links=())
    for width in (80, 12):
        renderable = render_article(article, width=width)
        _assert_same(
            render_lines(renderable, width=width, color=True),
            _rich_lines(renderable, width, True),
        )


def test_texts_without_a_final_line_break_and_styled_lines() -> None:
    text = Text("first line\nsecond ", style="bold", end="")
    text.append("tail", style="italic")
    for renderable in (text, Text("plain\n\nwith a blank line", end=" ")):
        _assert_same(
            render_lines(renderable, width=7, color=True), _rich_lines(renderable, 7, True)
        )


@settings(max_examples=400, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["a", "bc", " ", "  ", "\xa0", "é—", "x" * 9, "y" * 31, "z" * 95]),
        max_size=30,
    ).map("".join),
    width=st.integers(min_value=1, max_value=70),
    fold=st.booleans(),
)
def test_line_breaks_of_one_cell_text_are_rich_s(text: str, width: int, fold: bool) -> None:
    assert _divide_one_cell_line(text, width, fold=fold) == divide_line(text, width, fold=fold)


def test_one_cell_characters_are_those_rich_measures_as_one_cell() -> None:
    from rich.cells import cell_len

    from newsterm.content.render import _one_cell_characters

    candidates = [*range(0x20, 0x7F), *range(0xA0, 0x3000)]
    expected = frozenset(chr(code) for code in candidates if cell_len(chr(code)) == 1)
    assert _one_cell_characters() == expected
