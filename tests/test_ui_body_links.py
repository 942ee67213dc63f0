"""The link numbers in an article's body ("the report[3]") open their link when clicked,
like the rows of the links list below it; brackets written in the article stay text."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from rich.segment import Segment
from rich.style import Style

from newsterm.browser import is_safe_url
from newsterm.content import Article, Link, article_from_html, render_to_text
from newsterm.content.model import LINK_NUMBER_MARK
from newsterm.models import ParsedEntry, ParsedFeed
from newsterm.store import Store
from newsterm.ui.widgets.reader import Reader, render_for_reader
from tests.paths import CORPUS
from tests.ui_data import NOW
from tests.ui_helpers import (
    make_app,
    reading_first_article,
    recording_browser,
    settle,
    wait_for_text,
)

FIRST = "https://example.org/first"
SECOND = "https://example.org/second"
# Link 2 of this body is also written as text: "[2]" in prose, in a code block and in
# inline code. Only the number after "the second" is the link.
BODY = (
    "<p>Literal [2] stays text. See <a href='https://example.org/first'>the first</a> and "
    "<b><a href='https://example.org/second'>the second</a></b>.</p>"
    "<pre><code>a[2] = 0</code></pre>"
    "<p>Inline <code>b[2]</code> too.</p>"
)


def _cells(line: list[Segment]) -> list[tuple[str, Style | None]]:
    """Each cell of a line of one-cell characters: its character and style."""
    return [(char, segment.style) for segment in line for char in segment.text]


def _linked(lines: list[list[Segment]]) -> list[tuple[str, str]]:
    """(text, URL) of every segment that carries a link, in order."""
    return [
        (segment.text, segment.style.link)
        for line in lines
        for segment in line
        if segment.style is not None and segment.style.link
    ]


# -- clicking in the real app ---------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """One feed with one article: the body above."""
    store = Store.in_dir(tmp_path / "data")
    feed = store.add_feed("https://links.example/feed", title="Links")
    entry = ParsedEntry(
        identity="links-0", title="Numbers", link="https://links.example/0", content=BODY
    )
    store.store_feed(feed.id, ParsedFeed(title="Links", entries=[entry]), now=NOW)
    yield store
    store.close()


def _find(reader: Reader, text: str, *, linked: bool) -> tuple[int, int]:
    """The offset in `reader` (its border included, as Pilot clicks) of the middle cell of
    the first `text` drawn with (or without) a link."""
    inner = reader.content_region.offset - reader.region.offset
    for row in range(reader.content_region.height):
        cells = _cells(list(reader.render_line(row)))
        shown = "".join(char for char, _ in cells)
        start = shown.find(text)
        while start >= 0:
            styles = [style for _, style in cells[start : start + len(text)]]
            if all(bool(style and style.link) == linked for style in styles):
                return inner.x + start + len(text) // 2, inner.y + row
            start = shown.find(text, start + 1)
    raise AssertionError(f"{text!r} {'with' if linked else 'without'} a link is not shown")


async def test_clicking_a_link_number_in_the_body_opens_that_link(
    tmp_path: Path, store: Store
) -> None:
    record = tmp_path / "opened.txt"
    app = make_app(store, settings=recording_browser(record))
    async with reading_first_article(app) as (pilot, reader):
        assert reader.article is not None and [link.url for link in reader.links] == [
            FIRST,
            SECOND,
        ]
        # A click on the "[2]" written in the text opens nothing; then the link's number.
        assert await pilot.click(reader, offset=_find(reader, "[2]", linked=False))
        await settle(pilot)
        assert not record.exists()
        assert await pilot.click(reader, offset=_find(reader, "[2]", linked=True))
        assert await wait_for_text(pilot, record) == SECOND
        await settle(pilot)
        assert record.read_text() == SECOND  # opened once, and nothing else


# -- what carries a link ----------------------------------------------------------------------


def test_only_the_link_numbers_carry_their_links() -> None:
    article = article_from_html(BODY)
    rendering = render_for_reader(article, 60)
    assert _linked(rendering.body) == [("[1]", FIRST), ("[2]", SECOND)]
    shown = ["".join(segment.text for segment in line).rstrip() for line in rendering.body]
    assert "Literal [2] stays text. See the first[1] and the second[2]." in shown
    assert any("a[2] = 0" in line for line in shown)
    assert "Inline b[2] too." in shown
    # The bold link's number keeps its bold: the link is added to its style, not put instead.
    number = next(s for line in rendering.body for s in line if s.style and s.style.link == SECOND)
    assert number.style is not None and number.style.bold
    # The links list is as it was: each row's URL opens it.
    assert [url for _, url in _linked(rendering.links)] == [FIRST, SECOND]


def test_unsafe_links_get_a_number_but_open_nothing() -> None:
    html = (
        "<p><a href='mailto:someone@example.org'>write</a>, "
        "<a href='https://example.org/ok'>read</a>, <a href='https://example.org/js'>run</a>, "
        "<a href='https://example.org/file'>load</a>.</p>"
    )
    converted = article_from_html(html)
    # The cleaner drops javascript: and file: links; an article from elsewhere may have them.
    links = (
        converted.links[0],
        converted.links[1],
        Link(3, "javascript:alert(1)", "run"),
        Link(4, "file:///etc/passwd", "load"),
    )
    article = replace(converted, links=links)
    rendering = render_for_reader(article, 80)
    shown = "".join(segment.text for line in rendering.body for segment in line)
    assert "write[1], read[2], run[3], load[4]." in shown
    assert _linked(rendering.body) == [("[2]", "https://example.org/ok")]
    assert [url for _, url in _linked(rendering.links)] == ["https://example.org/ok"]


# -- nothing else changes ------------------------------------------------------------------------

CORPUS_ARTICLES = [
    "html/articles/readability--nytimes-2.html",
    "html/articles/readability--v8-blog.html",
    "html/articles/readability--qq.html",
    "html/articles/readability--lwn-1.html",
    "html/articles/readability--hukumusume.html",
    "html/articles-synthetic/readability--links-in-tables.html",
    "html/items/nnw--allthis--e4.html",
    "html/items/chardet-Big5--upsaid.com--e17.html",
]
"""News, code, CJK, links in headings and table cells, a feed item, a Big5 table."""


def _same_look(new: list[list[Segment]], old: list[list[Segment]]) -> bool:
    def cells(lines: list[list[Segment]]) -> list[list[tuple[str, Style]]]:
        return [
            [
                (char, Style.null() if style is None else style.update_link(None))
                for char, style in _cells(line)
            ]
            for line in lines
        ]

    return cells(new) == cells(old)


MARKED_NUMBER = re.compile(rf"\\\[{LINK_NUMBER_MARK}(\d+)\\\]")
"""A link's number as the converter writes it: ``\\[`` then the mark, digits, ``\\]``."""


def _without_marks(article: Article) -> Article:
    """The article as the converter wrote it before link numbers were marked."""
    return replace(article, markdown=article.markdown.replace(LINK_NUMBER_MARK, ""))


@pytest.mark.parametrize("relative", CORPUS_ARTICLES)
def test_corpus_articles_look_the_same_with_clickable_numbers(relative: str) -> None:
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"{relative} is not in the corpus")
    html = path.read_text(encoding="utf-8", errors="replace")
    article = article_from_html(html, base_url="https://example.org/a/")
    assert article.links and LINK_NUMBER_MARK in article.markdown
    unmarked = _without_marks(article)
    urls = {link.number: link.url for link in article.links}  # all safe here
    assert all(is_safe_url(url) for url in urls.values())
    for width in (80, 41):
        new, old = render_for_reader(article, width), render_for_reader(unmarked, width)
        text = "".join(segment.text for line in new.body + new.links for segment in line)
        assert LINK_NUMBER_MARK not in text
        # The same characters in the same cells and styles: only links were added.
        assert _same_look(new.body, old.body)
        assert _same_look(new.links, old.links)
        # Each safe link's number in the text, and nothing else, opens it (a number folded
        # in a narrow table cell is in two pieces).
        opened: dict[str, str] = defaultdict(str)
        for shown, url in _linked(new.body):
            opened[url] += shown
        marked = Counter(int(number) for number in MARKED_NUMBER.findall(article.markdown))
        assert opened and opened == {
            urls[number]: f"[{number}]" * count for number, count in marked.items()
        }
    # What `newsterm render` prints is unchanged, in colour too (no hyperlinks either).
    for color in (False, True):
        printed = render_to_text(article, width=72, color=color)
        assert LINK_NUMBER_MARK not in printed and "\x1b]8;" not in printed
        assert printed == render_to_text(unmarked, width=72, color=color)
