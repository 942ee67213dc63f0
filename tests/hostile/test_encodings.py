"""Broken and unusual encodings through the refresh path, then out through the CLI.

Whatever the bytes and whatever the declarations claim, a feed ends either stored with valid
text (no NUL, no control characters, no lone surrogates) or refused as "not a feed"; never an
internal error, never a stored string that breaks a later read or print.
"""

from __future__ import annotations

import json
import re

from pytest_httpserver import HTTPServer

from newsterm.models import Entry, Feed
from newsterm.store import Store
from tests.helpers import run_cli
from tests.hostile.conftest import assert_good_feed_intact, entries_of, refresh

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TITLE = "Café ☕ Ωmega"
BODY = "Crème brûlée — 日本語"


def _rss_text(encoding_name: str | None = None) -> str:
    declaration = f' encoding="{encoding_name}"' if encoding_name else ""
    return (
        f'<?xml version="1.0"{declaration}?><rss version="2.0"><channel><title>{TITLE}</title>'
        f"<item><guid>e1</guid><title>{TITLE}</title><description>{BODY}</description></item>"
        "</channel></rss>"
    )


def _json_text() -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": TITLE,
            "items": [{"id": "e1", "title": TITLE, "content_text": BODY}],
        },
        ensure_ascii=False,
    )


# path -> (body, Content-Type, whether the exact title must survive)
CASES: dict[str, tuple[bytes, str, bool]] = {
    "/utf16le-bom": (_rss_text("utf-16").encode("utf-16"), "application/rss+xml", True),
    "/utf16be-bom": (
        b"\xfe\xff" + _rss_text("utf-16").encode("utf-16-be"),
        "application/rss+xml",
        True,
    ),
    "/utf16le-no-bom": (_rss_text("utf-16").encode("utf-16-le"), "application/xml", True),
    "/utf32": (_rss_text("utf-32").encode("utf-32"), "application/xml", False),
    "/json-utf16": (_json_text().encode("utf-16"), "application/feed+json", True),
    "/declared-utf8-is-latin1": (
        _rss_text("utf-8").encode("latin-1", "replace"),
        "text/xml",
        False,
    ),
    "/declared-utf8-is-cp1251": (
        _rss_text("utf-8").replace(TITLE, "Привет мир").encode("cp1251", "replace"),
        "application/rss+xml",
        False,
    ),
    "/header-latin1-body-utf8": (
        _rss_text().encode(),
        "application/rss+xml; charset=iso-8859-1",
        False,
    ),
    "/header-utf16-body-utf8": (_rss_text().encode(), "text/xml; charset=utf-16", False),
    "/bogus-charset": (
        _rss_text("x-no-such-charset").encode(),
        "application/rss+xml; charset=x-bogus",
        False,
    ),
    "/declared-utf16-is-utf8": (_rss_text("utf-16").encode(), "application/rss+xml", False),
    "/ebcdic-declared": (_rss_text("cp037").encode(), "application/xml", False),
    "/invalid-utf8": (
        _rss_text("utf-8").encode().replace("Ωmega".encode(), b"\xff\xfe\xc3\x28\xed\xa0\x80"),
        "application/rss+xml",
        False,
    ),
    "/truncated-utf8": (
        _rss_text().encode().replace("☕".encode(), "☕".encode()[:2]),
        "application/rss+xml",
        False,
    ),
    "/nul-bytes": (
        _rss_text()
        .encode()
        .replace(b"<title>Caf", b"<title>\x00Caf\x00")
        .replace(b"Cr", b"C\x00r"),
        "application/rss+xml",
        False,
    ),
    "/json-invalid-utf8": (
        _json_text().encode().replace("Ωmega".encode(), b"\xff\xfe"),
        "application/json",
        False,
    ),
    "/json-escaped-nul-and-surrogates": (
        _json_text().replace("Ωmega", "\\u0000x\\ud800y\\udfffz").encode(),
        "application/json",
        False,
    ),
    "/control-chars-raw": (
        _rss_text().encode().replace(b"Caf", b"C\x01a\x1b[2J\x7ff"),
        "application/rss+xml",
        False,
    ),
}


def _texts(feed: Feed, entries: list[Entry]) -> list[str]:
    texts = [feed.title, feed.site_url, feed.url]
    for entry in entries:
        texts += [entry.title, entry.author, entry.link, entry.identity, entry.feed_title]
        texts += [entry.summary, entry.content, *entry.categories]
    return texts


async def test_every_encoding_ends_valid_or_refused(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    for path, (body, content_type, _) in CASES.items():
        http.expect_request(path).respond_with_data(body, headers={"Content-Type": content_type})
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    run = await refresh(store)

    assert_good_feed_intact(run, good_url)
    problems = []
    for path, (_, _, exact) in CASES.items():
        feed = run.feed(http.url_for(path))
        if feed.error is not None:
            # A refusal is fine; a crash is not.
            if not feed.error.startswith("not a feed"):
                problems.append(f"{path}: {feed.error}")
            continue
        entries = entries_of(store, feed.id)
        if len(entries) != 1:
            problems.append(f"{path}: {len(entries)} entries")
        for text in _texts(feed, entries):
            text.encode("utf-8")  # no lone surrogates
            if CONTROL.search(text.replace("\n", "").replace("\t", "")) and text not in (
                e.content for e in entries
            ):
                problems.append(f"{path}: control character in {text!r:.60}")
        if exact:
            assert feed.title == TITLE, path
            assert [e.title for e in entries] == [TITLE], path
            assert BODY in entries[0].content, path
    assert not problems, problems
    assert run.feed(http.url_for("/utf16le-bom")).title == TITLE

    # The stored text is printable both ways: piped lines and JSON.
    for args in (("list",), ("list", "--json"), ("entries", "--limit", "100")):
        result = run_cli(*args, data_dir=store.path.parent)
        assert result.code == 0 and not result.err, result
        assert "\x00" not in result.out and "\x1b" not in result.out
    listed = json.loads(run_cli("entries", "--json", data_dir=store.path.parent).out)
    assert len(listed) >= len(CASES) // 2
