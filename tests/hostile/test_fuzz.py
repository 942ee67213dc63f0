"""Property tests for what the rest of the suite does not fuzz yet.

Already covered elsewhere, and reused here rather than repeated: arbitrary and mutated bytes
into the feed parser (tests/test_parse.py, tests/test_parse_corpus.py), any JSON shape
(tests/test_jsonfeed.py), generated hostile HTML into the content pipeline
(tests/test_content_properties.py). New here: the OPML reader on arbitrary, mutated and
hostile input; the content pipeline on mutated real articles; hostile values in every field
of a feed; and the CLI's last line of defence (its text cleaning and JSON output).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsterm.cli import Output, _clean
from newsterm.models import FeedError, NotAFeedError
from newsterm.opml import read_opml
from newsterm.parse import parse_feed
from tests.paths import CORPUS, REPO
from tests.test_content_properties import _check_output
from tests.test_parse_corpus import invariant_problems

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
DISPLAY_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
FUZZ = settings(
    max_examples=200,
    deadline=10_000,  # generous: it only catches a runaway (a quadratic path), not slowness
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE_VALUES = [
    "\x1b[2J",
    "\x1b]52;c;eA==\x07",
    "\x07",
    "\x9b",
    "\x00",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "[bold]",
    "[/]",
    "[link=http://evil.example]",
    "javascript:alert(1)",
    " JaVaScRiPt:x",
    "data:text/html,x",
    "file:///etc/passwd",
    "vbscript:x",
    "intent://x",
    "http://",
    "https://ok.example/a b",
    "//ok.example/x",
    "../up",
    "&amp;",
    "&#27;",
    "&lol;",
    "<b>x</b>",
    "]]>",
    "\n",
    "\t",
    "日本語",
    "עברית",
    "😀",
    "9" * 40,
    "Mon, 31 Dec 9999 23:59:59 GMT",
    "0000-00-00T00:00:00Z",
]
hostile_text = st.one_of(
    st.lists(st.sampled_from(HOSTILE_VALUES), max_size=5).map("".join),
    st.text(max_size=40),
)


# --------------------------------------------------------------------------- OPML


def _opml_corpus() -> list[bytes]:
    files = sorted((REPO / "tests" / "data" / "opml").glob("*.opml"))
    return [path.read_bytes() for path in files if 0 < path.stat().st_size < 100_000]


OPML_FILES = _opml_corpus()


def _check_subscriptions(data: bytes) -> None:
    try:
        subscriptions = read_opml(data)
    except FeedError as error:
        assert "\n" not in str(error)
        return
    for subscription in subscriptions:
        assert urlsplit(subscription.url).scheme in ("http", "https"), subscription
        for text in (subscription.url, subscription.title, subscription.folder or ""):
            assert not CONTROL.search(text), subscription
            assert text == text.strip()


@FUZZ
@given(st.binary(max_size=2048))
def test_opml_reader_on_arbitrary_bytes(data: bytes) -> None:
    _check_subscriptions(data)
    _check_subscriptions(b'<?xml version="1.0"?><opml version="2.0"><body>' + data)


@FUZZ
@given(
    index=st.integers(min_value=0),
    flips=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.integers(min_value=0, max_value=255)),
        max_size=8,
    ),
    keep=st.floats(min_value=0, max_value=1),
)
def test_opml_reader_on_mutated_files(
    index: int, flips: list[tuple[float, int]], keep: float
) -> None:
    if not OPML_FILES:
        pytest.skip("no OPML fixtures")
    data = bytearray(OPML_FILES[index % len(OPML_FILES)])
    for position, value in flips:
        data[min(int(position * len(data)), len(data) - 1)] = value
    _check_subscriptions(bytes(data[: int(keep * len(data)) or len(data)]))


@FUZZ
@given(st.lists(st.tuples(hostile_text, hostile_text, hostile_text), min_size=1, max_size=6))
def test_opml_reader_on_hostile_attributes(outlines: list[tuple[str, str, str]]) -> None:
    body = "".join(
        f"<outline text={quoteattr(_xml_safe(folder))}>"
        f"<outline text={quoteattr(_xml_safe(title))} xmlUrl={quoteattr(_xml_safe(url))}/>"
        "</outline>"
        for folder, title, url in outlines
    )
    _check_subscriptions(
        f'<?xml version="1.0"?><opml version="2.0"><body>{body}</body></opml>'.encode(
            "utf-8", "surrogatepass"
        )
    )


def _xml_safe(text: str) -> str:
    """Text an XML attribute can carry (the reader's own safety is what is under test)."""
    return "".join(
        char
        for char in text
        if char in "\t\n" or (char >= " " and not 0xD800 <= ord(char) <= 0xDFFF)
    ).replace("\x7f", "")


# --------------------------------------------------------------------------- content


def _articles() -> list[str]:
    folder = CORPUS / "html" / "articles"
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.html"))
    return [path.read_text(encoding="utf-8", errors="replace") for path in files[:20]]


ARTICLES = _articles()


@settings(FUZZ, max_examples=60)
@given(
    index=st.integers(min_value=0),
    cuts=st.lists(st.floats(min_value=0, max_value=1), max_size=6),
    inserts=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.sampled_from(HOSTILE_VALUES)),
        max_size=6,
    ),
)
def test_content_pipeline_on_mutated_articles(
    index: int, cuts: list[float], inserts: list[tuple[float, str]]
) -> None:
    if not ARTICLES:
        pytest.skip("corpus not found")
    html = ARTICLES[index % len(ARTICLES)]
    for position, value in inserts:
        at = int(position * len(html))
        html = html[:at] + value + html[at:]
    for position in cuts:  # drop a slice: unbalanced tags, half an entity, half a comment
        at = int(position * len(html))
        html = html[:at] + html[at + 40 :]
    _check_output(html, title="T")


# --------------------------------------------------------------------------- feeds


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {
            name: hostile_text
            for name in ("title", "link", "guid", "author", "date", "category", "body", "site")
        }
    ),
    kind=st.sampled_from(["rss", "atom", "json"]),
)
def test_hostile_values_in_every_field_of_a_feed(fields: dict[str, str], kind: str) -> None:
    document = _feed_document(kind, fields)
    try:
        feed = parse_feed(document, "https://feed.example/rss")
    except NotAFeedError:
        return
    assert not invariant_problems(feed), invariant_problems(feed)
    for url in (
        feed.link,
        *(entry.link for entry in feed.entries),
        *(enclosure.url for entry in feed.entries for enclosure in entry.enclosures),
    ):
        assert url == "" or (urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc), (
            url
        )
    for entry in feed.entries:
        for text in (feed.title, entry.title, entry.author, *entry.categories):
            assert not DISPLAY_UNSAFE.search(_clean(text))


def _feed_document(kind: str, fields: dict[str, str]) -> bytes:
    if kind == "json":
        return json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": fields["title"],
                "home_page_url": fields["site"],
                "items": [
                    {
                        "id": fields["guid"],
                        "url": fields["link"],
                        "title": fields["title"],
                        "authors": [{"name": fields["author"]}],
                        "date_published": fields["date"],
                        "tags": [fields["category"]],
                        "content_html": fields["body"],
                        "attachments": [{"url": fields["link"]}],
                    }
                ],
            }
        ).encode("utf-8", "surrogatepass")
    text = {name: _xml_safe(value) for name, value in fields.items()}
    esc = {name: value.replace("&", "&amp;").replace("<", "&lt;") for name, value in text.items()}
    if kind == "atom":
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{esc['title']}</title><link href={quoteattr(text['site'])}/>"
            f"<entry><id>{esc['guid']}</id><title type='html'>{esc['title']}</title>"
            f"<link href={quoteattr(text['link'])}/><author><name>{esc['author']}</name></author>"
            f"<updated>{esc['date']}</updated><category term={quoteattr(text['category'])}/>"
            f"<content type='html'>{esc['body']}</content></entry></feed>"
        ).encode()
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{esc['title']}</title><link>{esc['site']}</link>"
        f"<item><guid>{esc['guid']}</guid><title>{esc['title']}</title>"
        f"<link>{esc['link']}</link><author>{esc['author']}</author>"
        f"<pubDate>{esc['date']}</pubDate><category>{esc['category']}</category>"
        f"<enclosure url={quoteattr(text['link'])} type='audio/mpeg'/>"
        f"<description>{esc['body']}</description></item></channel></rss>"
    ).encode()


# --------------------------------------------------------------------------- CLI output


@FUZZ
@given(hostile_text)
def test_cli_text_cleaning_leaves_nothing_that_drives_a_terminal(text: str) -> None:
    cleaned = _clean(text)
    assert not DISPLAY_UNSAFE.search(cleaned) and "\n" not in cleaned


@FUZZ
@given(st.dictionaries(st.text(max_size=8), st.one_of(hostile_text, st.none()), max_size=5))
def test_cli_json_is_faithful_and_inert(data: dict[str, str | None]) -> None:
    stream = io.StringIO()
    Output(stream=stream, rich=False, color=False).json(data)
    printed = stream.getvalue()
    assert not DISPLAY_UNSAFE.search(printed.replace("\n", ""))
    assert json.loads(printed) == data


def test_the_fuzzed_paths_exist() -> None:
    """Guards against a silent skip: the fixtures the fuzzers mutate are really there."""
    assert OPML_FILES
    assert ARTICLES or not (CORPUS / "html").exists()
    assert Path(REPO / "tests" / "test_content_properties.py").exists()
