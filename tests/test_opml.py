"""OPML import and export: real and hand-made lists, broken and hostile files, round trips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from pytest_httpserver import HTTPServer

from newsterm.models import FeedError
from newsterm.opml import Subscription, _safe_parser, read_opml, write_opml
from tests.paths import SHARED

DATA = Path(__file__).parent / "data" / "opml"
FEEDGEN = SHARED / "bench" / "feedgen.py"


def read_fixture(name: str) -> list[Subscription]:
    return read_opml((DATA / name).read_bytes())


# ------------------------------------------------------------------------------------ reading


def test_nested_folders_join_titles_and_keep_document_order() -> None:
    assert read_fixture("nested-folders.opml") == [
        Subscription("https://top.example/feed.xml", "Top level feed", "https://top.example/"),
        Subscription("https://ars.example/rss", "Ars", "https://ars.example/", "Tech"),
        # The second outline named "Tech" joins the first; its duplicate of Ars is dropped.
        Subscription("https://second-tech.example/feed", "Second Tech outline", "", "Tech"),
        Subscription(
            "https://planetpython.example/rss20.xml", "Planet Python", "", "Tech / Python"
        ),
        Subscription("https://pypi.example/rss/updates.xml", "PyPI recent", "", "Tech / Python"),
        Subscription("https://between.example/atom.xml", "Between the folders"),
        Subscription("https://world.example/news.rss", "World news", "", "News / World"),
        # An untitled grouping outline adds no folder level.
        Subscription("https://untitled.example/feed", "Untitled group member", "", "News"),
    ]


def test_missing_titles_attribute_spellings_and_non_feed_urls() -> None:
    assert read_fixture("missing-titles.opml") == [
        Subscription("https://no-title.example/feed.xml", ""),
        Subscription("https://title-only.example/rss", "Only a title attribute"),
        # text equal to the URL is what exporters write for untitled feeds: not a title.
        Subscription("https://url-as-text.example/atom.xml", ""),
        Subscription(
            "https://lowercase.example/feed", "Lower-case attribute", "https://lowercase.example/"
        ),
        Subscription("https://uppercase.example/feed", "Upper-case attribute"),
        Subscription("https://url-attribute.example/index.xml", "Plain url attribute"),
        # type="link" and type="include" are skipped; feed:// becomes http://.
        Subscription("http://feed-scheme.example/rss", "feed: pseudo-scheme"),
        # file:, javascript: and relative URLs are skipped; whitespace is tidied; a
        # javascript: htmlUrl is dropped.
        Subscription("https://spaced.example/feed", "Spaced out title"),
    ]


def test_declared_latin1_encoding_is_decoded() -> None:
    assert read_fixture("latin1.opml") == [
        Subscription("https://cafe.example/feed", "Café crème"),
        Subscription("https://strasse.example/rss", "Straße", "", "Nachrichten über München"),
    ]


def test_declared_windows_1251_encoding_is_decoded() -> None:
    assert read_fixture("cp1251.opml") == [Subscription("https://novosti.example/rss", "Новости")]


def test_utf16_with_bom_is_decoded() -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<opml version="2.0"><body><outline text="日本語のフィード" xmlUrl="https://jp.example/rss"/>'
        "</body></opml>"
    )
    assert read_opml(text.encode("utf-16")) == [
        Subscription("https://jp.example/rss", "日本語のフィード")
    ]


def test_slightly_broken_opml_is_recovered() -> None:
    assert read_fixture("broken.opml") == [
        Subscription("https://one.example/feed", "Recovered one"),
        Subscription("https://two.example/feed?a=1&b=2", "Recovered two", "", "Folder"),
    ]


def test_control_characters_in_titles_are_removed() -> None:
    data = (
        b'<opml version="2.0"><body><outline text="Bell\x07 and &#x1b;[31mred&#x9b;"'
        b' xmlUrl="https://esc.example/feed"/></body></opml>'
    )
    [subscription] = read_opml(data)
    assert subscription.title.startswith("Bell")
    assert subscription.title.endswith(" and [31mred")
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in subscription.title)


def test_namespaced_root_and_an_empty_body() -> None:
    data = (
        b'<opml xmlns="http://example.com/ns" version="2.0"><body><outline text="x"/></body></opml>'
    )
    assert read_opml(data) == []
    assert read_fixture("empty-body.opml") == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.opml", "not an OPML file: the file is empty"),
        ("garbage.opml", "not an OPML file: not well-formed XML"),
        ("page.html", "not an OPML file: the document is <html>, not <opml> (an HTML page?)"),
        ("no-body.opml", "not an OPML file: it has no <body>"),
    ],
)
def test_files_that_are_not_opml_are_refused_with_a_clear_message(name: str, message: str) -> None:
    with pytest.raises(FeedError) as raised:
        read_fixture(name)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize("data", [b"   \n\t ", b"<rss version='2.0'><channel/></rss>", b"{}"])
def test_whitespace_other_xml_and_json_are_refused(data: bytes) -> None:
    with pytest.raises(FeedError, match="^not an OPML file: "):
        read_opml(data)


def test_corpus_feeds_are_not_mistaken_for_opml(corpus: Path) -> None:
    for path in [
        corpus / "feeds" / "real" / "seed-rfi-cn.xml",
        *sorted((corpus / "feeds" / "edge" / "not-a-feed").iterdir()),
        *sorted((corpus / "html" / "pages").glob("*.html"))[:3],
    ]:
        with pytest.raises(FeedError, match="^not an OPML file: "):
            read_opml(path.read_bytes())


def test_reads_the_bench_generator_opml(tmp_path: Path) -> None:
    if not FEEDGEN.is_file():
        pytest.skip(f"feed generator not found at {FEEDGEN}")
    subprocess.run(
        [sys.executable, str(FEEDGEN), "--out", str(tmp_path), "--feeds", "20", "--items", "1"]
        + ["--quiet", "--jobs", "1"],
        check=True,
        timeout=120,
    )
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    subscriptions = read_opml((tmp_path / "feeds.opml").read_bytes())

    expected = {(f["url"], f["title"], f["category"]) for f in manifest["feeds"]}
    assert {(s.url, s.title, s.folder) for s in subscriptions} == expected
    assert len(subscriptions) == 20
    assert all(s.site_url.startswith("http://127.0.0.1:") for s in subscriptions)
    # The generator writes folders in sorted order; reading keeps document order.
    folders = [s.folder for s in subscriptions]
    assert folders == sorted(folders, key=lambda folder: folder or "")
    assert read_opml(write_opml(subscriptions)) == subscriptions


# --------------------------------------------------------------------------- hostile input


def test_external_entities_are_never_read(tmp_path: Path, httpserver: HTTPServer) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-XXE-CANARY", encoding="utf-8")
    httpserver.expect_request("/evil.dtd").respond_with_data("<!ENTITY leak 'NETWORK-CANARY'>")
    data = textwrap.dedent(
        f"""\
        <?xml version="1.0"?>
        <!DOCTYPE opml [
          <!ENTITY xxe SYSTEM "{secret.as_uri()}">
          <!ENTITY remote SYSTEM "{httpserver.url_for("/evil.dtd")}">
          <!ENTITY % dtd SYSTEM "{httpserver.url_for("/evil.dtd")}">
          %dtd;
        ]>
        <opml version="2.0">
          <head><title>&xxe;</title></head>
          <body>
            <outline text="&xxe;" title="&remote;" xmlUrl="https://a.example/feed?&xxe;"/>
            <outline text="element text" xmlUrl="https://b.example/feed">&xxe;&remote;&leak;</outline>
            <outline text="&leak;" xmlUrl="https://c.example/feed"/>
          </body>
        </opml>
        """
    ).encode()

    try:
        result = repr(read_opml(data))
    except FeedError as error:
        result = str(error)

    assert "TOP-SECRET-XXE-CANARY" not in result
    assert "NETWORK-CANARY" not in result
    # read_opml only looks at attributes, where XML forbids external entities; the parser
    # itself must not expand them in element text either.
    tree = etree.fromstring(data, _safe_parser())
    assert b"TOP-SECRET-XXE-CANARY" not in etree.tostring(tree)
    assert httpserver.log == [], "the parser made a network request"


def _entity_bomb(kind: str) -> bytes:
    if kind == "billion-laughs":
        entities = ['<!ENTITY lol0 "lol">'] + [
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
        ]
        reference = "&lol9;"
    else:  # quadratic blow-up: one big entity referenced many times, no nesting
        entities = [f'<!ENTITY big "{"x" * 100_000}">']
        reference = "&big;" * 10_000
    return (
        f"<?xml version='1.0'?><!DOCTYPE opml [{''.join(entities)}]>"
        f'<opml version="2.0"><body>'
        f'<outline text="{reference}" xmlUrl="https://bomb.example/feed"/>'
        f'<outline xmlUrl="https://bomb.example/text">{reference}</outline>'
        f"</body></opml>"
    ).encode()


@pytest.mark.parametrize("kind", ["billion-laughs", "quadratic"])
def test_entity_bombs_do_not_expand(kind: str) -> None:
    try:
        titles = [s.title for s in read_opml(_entity_bomb(kind))]
    except FeedError as error:
        assert str(error).startswith("not an OPML file: ")
    else:
        assert all(len(title) < 1_000_000 for title in titles)


@pytest.mark.parametrize("kind", ["billion-laughs", "quadratic"])
def test_entity_bombs_stay_within_bounded_memory(kind: str, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.opml"
    bomb.write_bytes(_entity_bomb(kind))
    # A child process capped at 1 GiB of address space: an expanded bomb (3 GB of "lol", or
    # 1 GB of "x") cannot fit, so the process would die instead of printing "done".
    script = textwrap.dedent(
        f"""\
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from pathlib import Path
        from newsterm.models import FeedError
        from newsterm.opml import read_opml
        try:
            read_opml(Path({str(bomb)!r}).read_bytes())
        except FeedError:
            pass
        print("done")
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "done"


# ------------------------------------------------------------------------------------ writing


def test_written_opml_is_strict_opml_2_with_folders_as_nested_outlines() -> None:
    subscriptions = [
        Subscription("https://top.example/feed", 'Top <&> "quoted"', "https://top.example/"),
        Subscription("https://ars.example/rss", "Ars", folder="Tech"),
        Subscription("https://untitled.example/feed"),
        Subscription("https://py.example/rss", "Py", folder="Tech / Python"),
        Subscription("https://ars2.example/rss", "Ars 2", folder="Tech"),
    ]
    now = datetime(2024, 6, 1, 6, 0, tzinfo=UTC)
    data = write_opml(subscriptions, title="Mine & yours", now=now)

    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    strict = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, strict)  # raises if not well-formed
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "Mine & yours"
    assert root.findtext("head/dateCreated") == "Sat, 01 Jun 2024 06:00:00 GMT"
    body = root.find("body")
    assert body is not None
    top = [outline.get("text") for outline in body]
    assert top == ['Top <&> "quoted"', "Tech", "https://untitled.example/feed", "Tech / Python"]
    tech = body[1]
    assert [o.get("xmlUrl") for o in tech] == [
        "https://ars.example/rss",
        "https://ars2.example/rss",
    ]
    assert all(o.get("type") == "rss" for o in tech)
    assert body[0].get("htmlUrl") == "https://top.example/"
    assert body[2].get("title") is None

    assert read_opml(data) == [
        subscriptions[0],
        subscriptions[1],
        subscriptions[4],
        subscriptions[2],
        subscriptions[3],
    ]


def test_date_created_defaults_to_now() -> None:
    root = etree.fromstring(write_opml([]))
    created = root.findtext("head/dateCreated")
    assert created is not None and created.endswith(" GMT")
    assert str(datetime.now(UTC).year) in created


def test_control_characters_cannot_break_the_written_xml() -> None:
    data = write_opml([Subscription("https://x.example/feed", "a\x00b\x1bc\x07d", folder="f\x0co")])
    assert read_opml(data) == [Subscription("https://x.example/feed", "abcd", folder="fo")]


@pytest.mark.parametrize(
    "name",
    ["nested-folders.opml", "missing-titles.opml", "latin1.opml", "cp1251.opml", "broken.opml"],
)
def test_fixtures_round_trip(name: str) -> None:
    subscriptions = read_fixture(name)
    assert read_opml(write_opml(subscriptions)) == subscriptions


_words = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=0, max_size=20)
_subscriptions = st.lists(
    st.builds(
        Subscription,
        url=st.from_regex(r"https?://[a-z]{1,8}\.example/[a-z0-9/._-]{0,12}", fullmatch=True),
        title=_words,
        site_url=st.sampled_from(["", "https://site.example/", "http://other.example/a?b=c"]),
        folder=st.one_of(
            st.none(), st.sampled_from(["News", "Tech / Python", "Ünïcode 日本"]), _words
        ),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(_subscriptions)
def test_write_then_read_is_stable(subscriptions: list[Subscription]) -> None:
    once = read_opml(write_opml(subscriptions))
    assert read_opml(write_opml(once)) == once
    # Nothing is lost but duplicates: every distinct URL survives.
    assert [s.url for s in once] == list(dict.fromkeys(s.url for s in once))
    assert {s.url for s in once} == {s.url for s in subscriptions}
