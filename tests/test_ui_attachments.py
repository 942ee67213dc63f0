"""An entry's attachments (a podcast episode's audio, RSS enclosures) are named in the
reader's header and numbered after the body's links, so they open like any other link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsterm.models import Enclosure, ParsedEntry, ParsedFeed
from newsterm.parse import parse_feed
from newsterm.store import Store
from newsterm.ui.widgets.reader import Reader, attachment_label
from tests.ui_data import NOW
from tests.ui_helpers import make_app, reading_first_article, recording_browser, wait_for_text

AUDIO = "https://cdn.example/audio/episode%2042.mp3"
PAGE = "https://pod.example/42"
BODY = "<p>Show notes, and <a href='https://pod.example/guest'>our guest</a>.</p>"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A podcast episode with its audio, a duplicate of a body link, and unsafe URLs."""
    store = Store.in_dir(tmp_path / "data")
    feed = store.add_feed("https://pod.example/feed", title="Pod")
    entry = ParsedEntry(
        identity="ep-42",
        title="Episode 42",
        link=PAGE,
        content=BODY,
        enclosures=(
            Enclosure(AUDIO, "audio/mpeg", 40_592_000),
            Enclosure("https://pod.example/guest"),  # the body links to it already
            Enclosure("javascript:alert(1)", "text/html"),
            Enclosure("file:///etc/passwd"),
        ),
    )
    store.store_feed(feed.id, ParsedFeed(title="Pod", entries=[entry]), now=NOW)
    yield store
    store.close()


def _shown(reader: Reader) -> list[tuple[str, dict[str, str | None]]]:
    """Each visible line of the reader: its text, and the link of each styled piece."""
    lines = []
    for row in range(reader.content_region.height):
        strip = reader.render_line(row)
        links = {s.text: s.style.link for s in strip if s.style is not None and s.text.strip()}
        lines.append(("".join(segment.text for segment in strip).strip(), links))
    return lines


async def test_the_audio_is_named_in_the_header_and_opens_by_its_number(
    tmp_path: Path, store: Store
) -> None:
    record = tmp_path / "opened.txt"
    app = make_app(store, settings=recording_browser(record))
    async with reading_first_article(app) as (pilot, reader):
        # The body's link is 1; the audio is 2; the duplicate and the unsafe ones get none.
        assert [(link.number, link.url) for link in reader.links] == [
            (1, "https://pod.example/guest"),
            (2, AUDIO),
        ]
        assert reader.links[1].text == "audio/mpeg, 40.6 MB"
        shown = dict(_shown(reader))
        assert shown["Attachment: episode 42.mp3 (audio/mpeg, 40.6 MB)"]["episode 42.mp3"] == AUDIO
        assert "Attachment: guest (file)" in shown
        # An unsafe attachment is named, but its name opens nothing.
        assert shown["Attachment: alert(1) (text/html)"]["alert(1)"] is None
        assert "and 1 more attachments under Links" in shown
        assert any(line.endswith(AUDIO) for line in shown)  # the links list's row
        await pilot.press("2")
        assert await wait_for_text(pilot, record) == AUDIO


def test_a_real_podcast_feed_gives_the_reader_its_audio(tmp_path: Path) -> None:
    """The demo's podcast feed, parsed and stored like a refresh does it."""
    source = Path(__file__).parent.parent / "src/newsterm/demo/feeds/unhurried-podcast.xml"
    parsed = parse_feed(source.read_bytes(), url="https://demo.example/unhurried")
    store = Store.in_dir(tmp_path / "data")
    try:
        feed = store.add_feed("https://demo.example/unhurried")
        store.store_feed(feed.id, parsed, now=NOW)
        (summary,) = store.search("boring tools", limit=1)
        entry = store.get_entry(summary.id)
        assert entry is not None
        assert [attachment_label(e) for e in entry.enclosures] == ["audio/mpeg, 40.6 MB"]
        assert entry.enclosures[0].url.endswith("/unhurried-042.mp3")
    finally:
        store.close()


@pytest.mark.parametrize(
    ("enclosure", "label"),
    [
        (Enclosure("https://a.example/x", "audio/mpeg", 999), "audio/mpeg, 999 B"),
        (Enclosure("https://a.example/x", "image/jpeg", 412_877), "image/jpeg, 412.9 kB"),
        (Enclosure("https://a.example/x", "video/mp4", 1_500_000_000), "video/mp4, 1.5 GB"),
        (Enclosure("https://a.example/x", "", None), "file"),
        (Enclosure("https://a.example/x", "audio/mpeg", 0), "audio/mpeg"),
        (Enclosure("https://a.example/x", "audio/\x1b[31mmpeg\n", None), "audio/[31mmpeg"),
    ],
)
def test_attachment_labels(enclosure: Enclosure, label: str) -> None:
    assert attachment_label(enclosure) == label


async def test_an_attachment_url_that_cannot_be_split_is_shown_as_it_is(tmp_path: Path) -> None:
    """urlsplit raises for "https://[": the header must still draw, naming the URL."""
    store = Store.in_dir(tmp_path / "data")
    try:
        feed = store.add_feed("https://pod.example/feed", title="Pod")
        entry = ParsedEntry(identity="bad", title="Bad", enclosures=(Enclosure("https://[::1/x"),))
        store.store_feed(feed.id, ParsedFeed(title="Pod", entries=[entry]), now=NOW)
        async with reading_first_article(make_app(store)) as (_pilot, reader):
            assert "Attachment: https://[::1/x (file)" in dict(_shown(reader))
            assert reader.links == []
    finally:
        store.close()
