"""The offline demo feeds shipped inside the package: listed, well-formed, complete and offline.

`newsterm --demo` opens the app on these files with no network, so every file must parse cleanly
(feedparser for RSS/Atom, json for JSON Feed) and every entry must have what the UI shows first:
a title, a link, a date and a body.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest

import newsterm

DEMO_DIR = Path(newsterm.__file__).resolve().parent / "demo"
FEEDS_DIR = DEMO_DIR / "feeds"
MANIFEST = FEEDS_DIR / "MANIFEST.toml"
LICENSE = DEMO_DIR / "LICENSE.md"

FOLDERS = {"Tech", "News", "Life", "World"}
XML_FORMATS = {"rss20", "rss10", "rss092", "atom10"}
JSON_FEED_VERSIONS = {
    "json10": "https://jsonfeed.org/version/1",
    "json11": "https://jsonfeed.org/version/1.1",
}
DEMO_HOST = "demo.newsterm.invalid"
# The set was written on this day; a later date is a typo (2062 for 2026) that would pin an entry
# to the top of every list for decades.
WRITTEN_ON = datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC)
MAX_TOTAL_BYTES = 400_000


@dataclass(frozen=True, slots=True)
class ManifestFeed:
    """One [[feeds]] table of MANIFEST.toml."""

    file: str
    url: str
    title: str
    format: str
    folder: str | None

    @property
    def path(self) -> Path:
        return FEEDS_DIR / self.file


@dataclass(frozen=True, slots=True)
class DemoEntry:
    """The fields of one entry that the UI needs, read the same way for every format."""

    title: str
    link: str
    date: datetime | None
    body: str


@dataclass(frozen=True, slots=True)
class DemoFeed:
    """A parsed demo file, reduced to what these tests compare."""

    title: str
    self_url: str | None
    entries: tuple[DemoEntry, ...]


def load_manifest() -> list[ManifestFeed]:
    """Read MANIFEST.toml into typed records (raises on a missing or malformed key)."""
    with MANIFEST.open("rb") as f:
        raw = tomllib.load(f)
    return [
        ManifestFeed(
            file=item["file"],
            url=item["url"],
            title=item["title"],
            format=item["format"],
            folder=item.get("folder"),
        )
        for item in raw["feeds"]
    ]


FEEDS = load_manifest()
XML_FEEDS = [feed for feed in FEEDS if feed.format in XML_FORMATS]
JSON_FEEDS = [feed for feed in FEEDS if feed.format in JSON_FEED_VERSIONS]


def _ids(feeds: list[ManifestFeed]) -> list[str]:
    return [feed.file for feed in feeds]


def parse_with_feedparser(path: Path) -> Any:
    """Parse as newsterm does: no sanitising or URL rewriting at parse time (see DESIGN.md)."""
    return feedparser.parse(path.read_bytes(), sanitize_html=False, resolve_relative_uris=False)


def _struct_time_to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    year, month, day, hour, minute, second = value[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _read_xml(path: Path) -> DemoFeed:
    parsed = parse_with_feedparser(path)
    self_url = next(
        (link["href"] for link in parsed.feed.get("links", []) if link.get("rel") == "self"), None
    )
    entries = []
    for entry in parsed.entries:
        contents = entry.get("content") or []
        body = contents[0].get("value", "") if contents else entry.get("summary", "")
        date = entry.get("published_parsed") or entry.get("updated_parsed")
        entries.append(
            DemoEntry(
                title=entry.get("title", ""),
                link=entry.get("link", ""),
                date=_struct_time_to_datetime(date),
                body=body,
            )
        )
    return DemoFeed(parsed.feed.get("title", ""), self_url, tuple(entries))


def _read_json(path: Path) -> DemoFeed:
    document = json.loads(path.read_text(encoding="utf-8"))
    entries = []
    for item in document["items"]:
        date_text = item.get("date_published") or item.get("date_modified")
        entries.append(
            DemoEntry(
                title=item.get("title", ""),
                link=item.get("url", ""),
                date=datetime.fromisoformat(date_text) if date_text else None,
                body=item.get("content_html") or item.get("content_text") or "",
            )
        )
    return DemoFeed(document.get("title", ""), document.get("feed_url"), tuple(entries))


@cache
def read_feed(file: str) -> DemoFeed:
    """Parse one manifest file with the reader for its format (cached: files never change)."""
    feed = next(feed for feed in FEEDS if feed.file == file)
    if feed.format in JSON_FEED_VERSIONS:
        return _read_json(feed.path)
    return _read_xml(feed.path)


def images_in(html: str) -> list[Any]:
    """Every <img> element in an HTML fragment (none for plain text)."""
    if "<" not in html:
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return list(root.iter("img"))


def all_bodies() -> list[str]:
    return [entry.body for feed in FEEDS for entry in read_feed(feed.file).entries]


# --- the manifest ---------------------------------------------------------------------------


def test_manifest_lists_a_dozen_varied_feeds() -> None:
    assert 12 <= len(FEEDS) <= 14
    assert len({feed.file for feed in FEEDS}) == len(FEEDS)
    assert len({feed.url for feed in FEEDS}) == len(FEEDS)
    formats = Counter(feed.format for feed in FEEDS)
    assert set(formats) == XML_FORMATS | set(JSON_FEED_VERSIONS)
    assert formats["rss20"] >= 3
    assert formats["atom10"] >= 2
    assert formats["json11"] == 2
    assert formats["json10"] == 1


def test_manifest_folders_are_known_and_all_used() -> None:
    folders = {feed.folder for feed in FEEDS}
    assert folders - {None} == FOLDERS
    assert None in folders, "some feeds should sit outside any folder"


def test_every_feed_file_is_in_the_manifest() -> None:
    on_disk = {path.name for path in FEEDS_DIR.iterdir() if path.name != MANIFEST.name}
    assert on_disk == {feed.file for feed in FEEDS}


@pytest.mark.parametrize("feed", FEEDS, ids=_ids(FEEDS))
def test_feed_url_can_never_be_fetched(feed: ManifestFeed) -> None:
    parts = urlsplit(feed.url)
    assert parts.scheme == "https"
    assert parts.hostname == DEMO_HOST, "the .invalid TLD is reserved: nothing there resolves"


def test_total_size_stays_small() -> None:
    total = sum(path.stat().st_size for path in FEEDS_DIR.iterdir())
    assert total < MAX_TOTAL_BYTES


def test_licence_names_every_file() -> None:
    licence = LICENSE.read_text(encoding="utf-8")
    assert "CC0" in licence
    for feed in FEEDS:
        assert f"`{feed.file}`" in licence, f"{feed.file} has no provenance line in LICENSE.md"


# --- each document --------------------------------------------------------------------------


@pytest.mark.parametrize("feed", XML_FEEDS, ids=_ids(XML_FEEDS))
def test_xml_feed_is_well_formed_and_parses_without_bozo(feed: ManifestFeed) -> None:
    safe = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    lxml.etree.fromstring(feed.path.read_bytes(), safe)  # raises XMLSyntaxError if malformed
    parsed = parse_with_feedparser(feed.path)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == feed.format


@pytest.mark.parametrize("feed", JSON_FEEDS, ids=_ids(JSON_FEEDS))
def test_json_feed_loads_and_declares_its_version(feed: ManifestFeed) -> None:
    document = json.loads(feed.path.read_text(encoding="utf-8"))
    assert document["version"] == JSON_FEED_VERSIONS[feed.format]
    assert isinstance(document["items"], list)
    if feed.format == "json11":
        assert "author" not in document, "1.1 uses the authors list"
    else:
        assert "authors" not in document, "1.0 has a single author object"


@pytest.mark.parametrize("feed", FEEDS, ids=_ids(FEEDS))
def test_feed_title_and_self_link_match_the_manifest(feed: ManifestFeed) -> None:
    parsed = read_feed(feed.file)
    assert parsed.title == feed.title
    if parsed.self_url is not None:
        assert parsed.self_url == feed.url


@pytest.mark.parametrize("feed", FEEDS, ids=_ids(FEEDS))
def test_every_entry_has_title_link_date_and_body(feed: ManifestFeed) -> None:
    entries = read_feed(feed.file).entries
    assert len(entries) >= 3
    for entry in entries:
        assert entry.title.strip(), f"{feed.file}: an entry has no title"
        assert urlsplit(entry.link).scheme == "https", f"{feed.file}: {entry.title!r} link"
        assert entry.date is not None, f"{feed.file}: {entry.title!r} has no date"
        assert entry.date <= WRITTEN_ON, f"{feed.file}: {entry.title!r} is dated in the future"
        assert entry.body.strip(), f"{feed.file}: {entry.title!r} has no body"


@pytest.mark.parametrize("feed", FEEDS, ids=_ids(FEEDS))
def test_images_stay_on_the_demo_host_and_describe_themselves(feed: ManifestFeed) -> None:
    for entry in read_feed(feed.file).entries:
        for img in images_in(entry.body):
            src = img.get("src", "")
            host = urlsplit(src).hostname
            # Relative sources resolve against the feed's own (demo) base.
            assert host is None or host.endswith(DEMO_HOST), f"{feed.file}: {src}"
            is_tracking_pixel = img.get("width") == "1" and img.get("height") == "1"
            if not is_tracking_pixel:
                assert img.get("alt", "").strip(), f"{feed.file}: {src} has no alt text"


# --- what the demo is there to show ---------------------------------------------------------


def test_demo_carries_junk_for_the_cleaner_to_remove() -> None:
    bodies = "\n".join(all_bodies())
    assert 'class="related-posts"' in bodies
    assert "twitter.com/intent/tweet" in bodies
    assert "facebook.com/sharer" in bodies
    anchors = [
        a
        for body in all_bodies()
        if "<" in body
        for a in lxml.html.fragment_fromstring(body, create_parent="div").iter("a")
    ]
    assert any(a.get("href") and not a.text_content().strip() and len(a) == 0 for a in anchors)
    pixels = [
        img
        for body in all_bodies()
        for img in images_in(body)
        if img.get("width") == "1" and img.get("height") == "1"
    ]
    assert pixels


def test_demo_has_a_title_that_looks_like_rich_markup() -> None:
    titles = [entry.title for feed in FEEDS for entry in read_feed(feed.file).entries]
    assert "Why [bold] tags in titles must stay literal" in titles


def test_demo_podcast_has_audio_enclosures_with_durations() -> None:
    podcast = parse_with_feedparser(FEEDS_DIR / "unhurried-podcast.xml")
    for entry in podcast.entries:
        audio = [link for link in entry.get("enclosures", []) if link["type"] == "audio/mpeg"]
        assert audio, entry.title
        assert int(audio[0]["length"]) > 0
        assert entry.get("itunes_duration")


def test_demo_covers_rich_html_structures() -> None:
    bodies = "\n".join(all_bodies())
    for marker in (
        "<h2>",
        "<h3>",
        "<table>",
        "<th>",
        "<dl>",
        "<blockquote>",
        "<figcaption>",
        'class="footnotes"',
        'class="language-python"',
    ):
        assert marker in bodies, marker
