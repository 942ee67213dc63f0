"""Property tests: arbitrary and hostile HTML never breaks the content pipeline.

Whatever a feed sends, conversion must not raise, must finish quickly, and what reaches the
terminal must hold no control characters (ANSI colour codes only when colour was asked for), no
tags and only http(s)/mailto links.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from newsterm.content import (
    article_from_html,
    clean_html,
    parse_seed_document,
    render_to_text,
    safe_text,
)

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MARKDOWN = MarkdownIt().enable("strikethrough").enable("table")
SGR = re.compile("\x1b\\[[0-9;]*m")
_TAGS = """p div span a b i em strong u s code pre kbd blockquote ul ol li dl dt dd table thead
tbody tr th td caption h1 h2 h3 h6 br hr img figure figcaption sup sub script style iframe object
embed video audio source form input button select option textarea svg math mi mn annotation
noscript template nav aside header footer section article details summary q cite abbr ruby rt rp
font center marquee blink share-button gpt-ad x-custom"""
TAG_NAMES = _TAGS.split()
LEAKABLE = re.compile(r"<\s*/?\s*(?:" + "|".join(map(re.escape, TAG_NAMES)) + r")\b", re.IGNORECASE)
HOSTILE_WORDS = [
    "[bold]",
    "[/bold]",
    "[link=https://evil.example]",
    "[/]",
    "\x1b[31m",
    "\x1b]8;;https://evil\x07",
    "\x9b2J",
    "\x07",
    "\x00",
    "\u202e",
    "\u2066",
    "\u200b",
    "&#27;",
    "&#x9b;",
    "&amp;lt;script&amp;gt;",
    "&nbsp;",
    "&bogus;",
    "*",
    "**",
    "_",
    "`",
    "```",
    "#",
    "- ",
    "1. ",
    "> ",
    "|",
    "~~",
    "\\",
    "[x](javascript:alert(1))",
    "![i](http://x/y.png)",
    "中文",
    "العربية",
    "עברית",
    "😀",
    "👨\u200d👩\u200d👧",
    "\n",
    "\t",
    "  ",
    "\r\n",
]
ATTRIBUTES = [
    'href="javascript:alert(1)"',
    'href="  jAvAsCrIpT:alert(1)"',
    'href="java\tscript:alert(1)"',
    'href="data:text/html;base64,PHNjcmlwdD4="',
    'href="vbscript:x"',
    'href="https://example.com/a?b=1&amp;c=2"',
    'href="/relative/path"',
    'href="#anchor"',
    'href="mailto:someone@example.com"',
    'href="https://www.facebook.com/sharer/sharer.php?u=x"',
    'href="whatsapp://send?text=x"',
    'src="https://example.com/i.png"',
    'src="javascript:alert(1)"',
    'src="data:image/gif;base64,R0lGOD"',
    'width="1" height="1"',
    'alt="alt &lt;b&gt;text&lt;/b&gt;"',
    'onclick="alert(1)"',
    'onerror="alert(1)"',
    'style="display:none"',
    'style="color:red;background:url(javascript:x)"',
    'class="share social related newsletter"',
    'class="content"',
    'data-share=""',
    'colspan="3"',
    'rowspan="99999"',
    'class="language-python"',
    "hidden",
    'aria-hidden="true"',
]


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda tag, attributes, inner, closed: (
            f"<{tag}{''.join(' ' + attribute for attribute in attributes)}>{inner}"
            + (f"</{tag}>" if closed else "")
        ),
        st.sampled_from(TAG_NAMES),
        st.lists(st.sampled_from(ATTRIBUTES), max_size=3),
        children,
        st.booleans(),
    )


_plain_text = st.text(
    alphabet=st.characters(exclude_characters="<>", exclude_categories=["Cs"]), max_size=30
)
_text_piece = st.one_of(_plain_text, st.sampled_from(HOSTILE_WORDS))
hostile_html = st.recursive(
    st.lists(_text_piece, max_size=4).map("".join),
    lambda children: st.lists(st.one_of(_element(children), _text_piece), max_size=5).map("".join),
    max_leaves=40,
)
SETTINGS = settings(
    max_examples=60,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check_output(html: str, title: str = "") -> None:
    article = article_from_html(html, title=title, base_url="https://example.com/post/")
    for link in article.links:
        assert link.url.split(":", 1)[0] in ("http", "https", "mailto"), link
        assert not CONTROL.search(link.url) and " " not in link.url
    assert not CONTROL.search(article.markdown)
    # The Markdown is exactly what was meant: no raw HTML, no accidental indented code block.
    tokens = MARKDOWN.parse(article.markdown)
    kinds = {token.type for token in tokens} | {
        child.type for token in tokens for child in token.children or ()
    }
    assert not kinds & {"html_block", "html_inline", "code_block"}, article.markdown
    plain = render_to_text(article, width=60, color=False)
    assert not CONTROL.search(plain), repr(plain)
    assert "\x1b" not in plain
    coloured = render_to_text(article, width=60, color=True)
    assert not CONTROL.search(SGR.sub("", coloured)), repr(coloured)


@SETTINGS
@given(hostile_html)
def test_hostile_html_never_raises_nor_leaks(html: str) -> None:
    _check_output(html)
    # Generated text holds no "<": any tag-like text in the output leaked from the markup.
    plain = render_to_text(article_from_html(html), width=60, color=False)
    assert not LEAKABLE.search(plain), repr(plain)
    cleaned = clean_html(html, "https://example.com/")
    assert not re.search(r"<script|(?:href|src)=\"\s*(?:javascript|vbscript|data):", cleaned, re.I)
    assert not re.search(r"\son[a-z]+\s*=", cleaned, re.IGNORECASE)


@SETTINGS
@given(st.text(max_size=300), st.text(max_size=60))
def test_arbitrary_text_never_raises(text: str, title: str) -> None:
    _check_output(text, title=title)
    parse_seed_document(text)


@SETTINGS
@given(st.lists(st.sampled_from(HOSTILE_WORDS), max_size=20).map("".join))
def test_hostile_words_in_text_render_without_controls(text: str) -> None:
    _check_output(f"<p>{text}</p><ul><li>{text}</li></ul><table><tr><td>{text}</td></tr></table>")


@SETTINGS
@given(st.text(max_size=200))
def test_safe_text_removes_every_control(text: str) -> None:
    cleaned = safe_text(text)
    assert not CONTROL.search(cleaned.replace("\t", ""))
    assert safe_text(cleaned) == cleaned


MARKUP = ["[bold]", "[/bold]", "[red]x[/]", "[link=https://e.x]y[/link]", "[/]", "[i]"]


@SETTINGS
@given(st.lists(st.sampled_from(MARKUP), min_size=1, max_size=6))
def test_rich_markup_in_text_is_shown_literally(pieces: list[str]) -> None:
    text = " ".join(pieces)
    plain = render_to_text(article_from_html(f"<p>{text}</p>", title=text), width=300, color=False)
    title, _rule, body = plain.split("\n", 2)
    assert title == text
    assert body.strip() == text
