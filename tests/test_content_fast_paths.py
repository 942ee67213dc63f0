"""The content pipeline's shortcuts stay equivalent to the library code they stand in for."""

from __future__ import annotations

import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.markdown import Markdown

from newsterm.content import article_from_html
from newsterm.content.render import CODE_THEME, _markdown_parser, _ReaderMarkdown, render_lines

_SAMPLE = (
    "# Title\n\nSome *text* with `code` and ~~gone~~.\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n"
)


def test_reader_markdown_has_the_state_rich_s_init_gives() -> None:
    ours = dict(vars(_ReaderMarkdown(_SAMPLE, code_theme=CODE_THEME)))
    rich = vars(Markdown(_SAMPLE, code_theme=CODE_THEME, hyperlinks=False))
    assert ours.pop("control_free") is True  # our own addition
    assert ours.keys() == rich.keys()
    assert ours == rich  # tokens included: without escapes they are exactly Rich's


def test_each_thread_has_its_own_parser() -> None:
    parsers = []
    thread = threading.Thread(target=lambda: parsers.append(_markdown_parser()))
    thread.start()
    thread.join()
    assert parsers[0] is not _markdown_parser()
    assert _markdown_parser() is _markdown_parser()


def _rich_s_parser() -> MarkdownIt:
    return MarkdownIt().enable("strikethrough").enable("table")


# Text that would be links, images, references, HTML, entities and setext headings if the
# converter let it through unescaped.
_HOSTILE = [
    "<p>[a link](https://example.org) ![an image](x.png) <https://example.org> &amp;amp;</p>",
    "<p>[ref]: https://example.org</p><p>[ref]</p>",
    "<p>Title</p><p>===</p><p>Another</p><p>---</p><p>=</p>",
    "<pre>a\n---\n[x](y)</pre><p>&lt;b&gt;bold&lt;/b&gt; &lt;!-- c --&gt; &amp;copy; &#38;#65;</p>",
    "<ul><li>[x](y)</li><li>- item</li><li>= x</li></ul><blockquote>[a]: b</blockquote>",
    "<table><tr><th>[h](x)</th><th>&lt;i&gt;</th></tr><tr><td>===</td><td>![i](j)</td></tr>"
    "<tr><td>a</td><td>b</td></tr></table>",
    "<p><code>[x](y) &lt;b&gt;</code> <a href='https://e.org/'>[text](link)</a></p>",
    "<h2>Heading &lt;html&gt;</h2><p>line<br>===<br>---<br>[r]: /u</p>",
]


def _as_rich_reads_them(tokens: list[Token] | None) -> list[MutableMapping[str, Any]] | None:
    """The tokens without what Rich's Markdown never reads: the markup and info of text."""
    if tokens is None:
        return None
    seen = []
    for token in tokens:
        fields = token.as_dict(children=False)
        if token.type == "text":
            del fields["markup"], fields["info"]
        fields["children"] = _as_rich_reads_them(token.children)
        seen.append(fields)
    return seen


def _same_tokens(markdown: str) -> bool:
    ours = _as_rich_reads_them(_markdown_parser().parse(markdown))
    return ours == _as_rich_reads_them(_rich_s_parser().parse(markdown))


@pytest.mark.parametrize("html", _HOSTILE)
def test_reader_s_parser_parses_hostile_text_as_rich_s_does(html: str) -> None:
    assert _same_tokens(article_from_html(html).markdown)


@pytest.mark.parametrize(
    "markdown",
    [
        "\\*not emphasis\\*  \nnext",
        "\\[1\\] a \\\\ b \\a \\\n c",
        "x \\~\\~y~~ `\\*` \\",
        "\\# \\> \\- \\|",
        "**\\*bold\\***, *a\\_b*",
    ],
)
def test_reader_s_parser_parses_escapes_as_rich_s_does(markdown: str) -> None:
    assert _same_tokens(markdown)


def test_reader_s_parser_parses_the_corpus_as_rich_s_does(corpus: Path) -> None:
    paths = sorted((corpus / "html").rglob("*.html"))[::4]
    assert paths
    for path in paths:
        markdown = article_from_html(path.read_text(encoding="utf-8", errors="replace")).markdown
        assert _same_tokens(markdown), path.name


def test_text_is_taken_unstripped_only_when_the_document_has_no_control_codes(
    corpus: Path,
) -> None:
    html = (corpus / "html/items/nnw--curt--e9.html").read_text(encoding="utf-8")
    article = article_from_html(html)
    markdown = _ReaderMarkdown(article.markdown)
    assert markdown.control_free
    stripping = _ReaderMarkdown(article.markdown)
    stripping.control_free = False  # every string through Text.append, as Rich does
    for color in (True, False):
        fast = render_lines(markdown, width=60, color=color)
        assert fast == render_lines(stripping, width=60, color=color)

    hostile = _ReaderMarkdown("# Bell\x07 here\n\nA\x08b\x0bc\x0cd\re *f\x07*\n")
    assert not hostile.control_free
    shown = "".join(s.text for line in render_lines(hostile, width=40) for s in line)
    assert not set(shown) & {"\x07", "\x08", "\x0b", "\x0c", "\r"}
    assert "Bell here" in shown
