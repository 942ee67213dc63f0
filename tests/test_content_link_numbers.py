"""Link numbers through the pipeline: the converter marks them, the renderer draws them as
``[N]`` with ``Style(link=url)`` when asked to, and the mark shows nowhere."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from newsterm.content import (
    Article,
    Link,
    article_from_html,
    html_to_markdown,
    render_article,
    render_lines,
    render_to_text,
)
from newsterm.content.model import LINK_NUMBER_MARK
from newsterm.store.text import html_to_text
from tests.test_content_render_lines import _assert_same, _rich_lines

MARKED_NUMBER = re.compile(rf"\\\[{LINK_NUMBER_MARK}(\d+)\\\]")


def _lines(article: Article, width: int, urls: Mapping[int, str] | None) -> list[list[Segment]]:
    renderable = render_article(article, width=width, link_list=False, link_urls=urls)
    return render_lines(renderable, width=width)


def _text(lines: list[list[Segment]]) -> str:
    return "\n".join("".join(segment.text for segment in line).rstrip() for line in lines)


def _linked(lines: list[list[Segment]]) -> list[tuple[str, str | None]]:
    return [
        (segment.text, segment.style.link)
        for line in lines
        for segment in line
        if segment.style is not None and segment.style.link
    ]


def test_the_converter_marks_exactly_the_link_numbers() -> None:
    html = (
        "<p>See [1] and <a href='https://e.org/a'>a</a>, <em><a href='https://e.org/b'>b</a></em>"
        " and <a href='https://e.org/a'>a again</a>.</p><pre>x[2]</pre><p><code>y[1]</code></p>"
        "<table><tr><th>k</th><th>v</th></tr><tr><td><a href='https://e.org/c'>c</a></td>"
        "<td>[3]</td></tr><tr><td>1</td><td>2</td></tr></table>"
    )
    article = article_from_html(html)
    assert [int(n) for n in MARKED_NUMBER.findall(article.markdown)] == [1, 2, 1, 3]
    assert article.markdown.count(LINK_NUMBER_MARK) == 4  # none beside a written bracket
    # html_to_markdown is plain CommonMark: the same text without the marks.
    markdown, links = html_to_markdown(html)
    assert LINK_NUMBER_MARK not in markdown
    assert markdown == article.markdown.replace(LINK_NUMBER_MARK, "")
    assert links == article.links


def test_numbers_are_plain_text_unless_urls_are_given() -> None:
    article = article_from_html("<p>Read <b><a href='https://e.org/x'>this</a></b> now.</p>")
    plain = _lines(article, 40, None)
    assert _text(plain) == "Read this[1] now." and _linked(plain) == []
    linked = _lines(article, 40, {1: "https://e.org/x"})
    assert _text(linked) == "Read this[1] now."
    assert _linked(linked) == [("[1]", "https://e.org/x")]
    number = next(s for line in linked for s in line if s.style and s.style.link)
    assert number.style is not None and number.style.bold  # inside the bold link
    # Printing, as `newsterm render` does: no mark, no hyperlink escape.
    for color in (False, True):
        printed = render_to_text(article, width=40, color=color)
        assert LINK_NUMBER_MARK not in printed and "\x1b]8;" not in printed
        assert "[1]" in printed


def test_numbers_in_headings_lists_quotes_and_tables_get_their_links() -> None:
    html = (
        "<h2>Head <a href='https://e.org/1'>one</a></h2>"
        "<ul><li>item <a href='https://e.org/2'>two</a></li></ul>"
        "<blockquote><p>quote <a href='https://e.org/3'>three</a></p></blockquote>"
        "<table><tr><th><a href='https://e.org/4'>four</a></th><th>h</th></tr>"
        "<tr><td><a href='https://e.org/5'>five</a></td><td>x</td></tr>"
        "<tr><td>y</td><td>z</td></tr></table>"
    )
    article = article_from_html(html)
    urls = {link.number: link.url for link in article.links}
    lines = _lines(article, 60, urls)
    assert _linked(lines) == [(f"[{n}]", f"https://e.org/{n}") for n in range(1, 6)]
    assert _text(lines) == _text(_lines(article, 60, None))


def test_the_same_cells_at_every_width() -> None:
    # Numbers wrap, and fold in narrow cells, exactly as the unmarked text did.
    html = (
        "<p>" + " ".join(f"<a href='https://e.org/{n}'>w{n}</a>" for n in range(1, 40)) + "</p>"
        "<table><tr><th>a</th><th>b</th></tr><tr><td><a href='https://e.org/t'>cell</a></td>"
        "<td>longer words here</td></tr><tr><td>1</td><td>2</td></tr></table>"
    )
    article = article_from_html(html)
    unmarked = Article("", article.markdown.replace(LINK_NUMBER_MARK, ""), article.links)
    urls = {link.number: link.url for link in article.links}
    for width in range(7, 70, 3):  # narrower, Rich's table shows no cell text at all
        marked = _lines(article, width, urls)
        assert _text(marked) == _text(_lines(unmarked, width, None))
        assert _text(marked) == _text(_lines(article, width, None))
        assert "".join(text for text, _ in _linked(marked)).count("]") == len(article.links)


def test_a_mark_out_of_place_never_shows() -> None:
    # Only the converter writes marks, always as "\[<mark>N\]"; anything else loses the mark.
    markdown = f"odd \\[{LINK_NUMBER_MARK}x\\] {LINK_NUMBER_MARK}here \\[{LINK_NUMBER_MARK}9\\]\n"
    article = Article("", markdown, (Link(1, "https://e.org/1", "one"),))
    lines = _lines(article, 40, {1: "https://e.org/1"})
    assert _text(lines) == "odd [x] here [9]"
    assert _linked(lines) == []  # link 9 does not exist


def test_documents_with_control_codes_take_the_same_path() -> None:
    # Rich strips control codes from such documents' text; the numbers keep their links.
    markdown = f"Bell\x07 rings\\[{LINK_NUMBER_MARK}1\\]\n\n| a | b |\n| --- | --- |\n"
    markdown += f"| c\x07\\[{LINK_NUMBER_MARK}1\\] | d |\n"
    article = Article("", markdown, (Link(1, "https://e.org/1", "rings"),))
    lines = _lines(article, 40, {1: "https://e.org/1"})
    text = _text(lines)
    assert "Bell rings[1]" in text and "c[1]" in text and "\x07" not in text
    assert _linked(lines) == [("[1]", "https://e.org/1")] * 2


def test_renderings_in_threads_keep_their_own_links() -> None:
    # One parse is cached and shared; each rendering has its own URLs.
    article = article_from_html("<p><a href='https://e.org/'>x</a> " + "word " * 400 + "</p>")
    results: dict[int, list[tuple[str, str | None]]] = {}

    def render(number: int) -> None:
        for _ in range(5):
            results[number] = _linked(_lines(article, 50, {1: f"https://e.org/{number}"}))

    threads = [threading.Thread(target=render, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == {n: [("[1]", f"https://e.org/{n}")] for n in range(6)}


def test_the_search_index_text_has_no_marks(corpus: Path) -> None:
    # The index makes its own text from the HTML, never from the converter's Markdown.
    html = (corpus / "html/items/nnw--allthis--e4.html").read_text(encoding="utf-8")
    assert LINK_NUMBER_MARK in article_from_html(html).markdown
    assert LINK_NUMBER_MARK not in html_to_text(html)


def test_linked_numbers_render_as_rich_renders_them(corpus: Path) -> None:
    # The reader's faster console against Rich's own, with the link spans in place.
    for relative in ("articles/readability--lwn-1.html", "items/nnw--allthis--e4.html"):
        html = (corpus / "html" / relative).read_text(encoding="utf-8", errors="replace")
        article = article_from_html(html, base_url="https://example.org/a/")
        urls = {link.number: link.url for link in article.links}
        for width in (80, 33):
            renderable = render_article(article, width=width, link_urls=urls)
            ours = render_lines(renderable, width=width)
            _assert_same(ours, _rich_lines(renderable, width, True))
            assert _linked(ours)


_PIECES = st.sampled_from(["a", "bc ", " ", "word ", "x" * 23, "[1]", "\n", "é"])
_STYLES = st.sampled_from(
    [Style.null(), Style(bold=True), Style(link="https://e.org/1"), Style(italic=True, link="x")]
)


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.tuples(_PIECES, _STYLES), max_size=25),
    width=st.integers(min_value=1, max_value=40),
)
def test_texts_of_pieces_in_their_own_styles_render_as_rich_renders_them(
    pieces: list[tuple[str, Style]], width: int
) -> None:
    # How a paragraph's text is built (a span per styled piece, one after another): the
    # shortcut for such texts draws what Rich draws.
    text = Text(justify="left")
    for piece, style in pieces:
        text.append(piece, style)
    _assert_same(render_lines(text, width=width), _rich_lines(text, width, True))
