"""XML attacks on feeds (through the refresh path) and OPML (through `newsterm import`).

External entities must never read a local file or reach the network, and entity expansion
(billion laughs, quadratic blow-up) must neither eat memory nor hang the run.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsterm.content import article_from_html, render_to_text
from newsterm.store import Store
from tests.helpers import run_cli
from tests.hostile.conftest import (
    RSS_TYPE,
    assert_good_feed_intact,
    database_bytes,
    entries_of,
    refresh,
    rss,
)

LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
    for i in range(1, 10)
)
"""Nine levels of ten: &lol9; would expand to 10^9 "lol"s (3 GB)."""

QUADRATIC = f'<!ENTITY big "{"A" * 100_000}">'
"""One 100 KB entity: referenced 20,000 times it would expand to 2 GB."""


def _xxe_documents(secret_path: Path, dtd_url: str) -> dict[str, bytes]:
    uri = secret_path.as_uri()
    general = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{uri}">]>'
    parameter = f'<!DOCTYPE rss [<!ENTITY % xxe SYSTEM "{uri}"> %xxe;]>'
    remote = f'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{dtd_url}"> %remote;]>'
    item = (
        "<item><guid>&xxe;1</guid><title>A &xxe; B</title><author>&xxe;</author>"
        "<link>http://127.0.0.1/&xxe;</link><description>&xxe;</description></item>"
    )
    return {
        "/xxe-general": rss(item, title="Feed &xxe;", prolog=general),
        "/xxe-parameter": rss("<item><guid>p1</guid><title>P</title></item>", prolog=parameter),
        "/xxe-external-dtd": rss(
            "<item><guid>d1</guid><title>D</title></item>",
            prolog=f'<!DOCTYPE rss SYSTEM "{uri}">',
        ),
        "/xxe-remote-dtd": rss("<item><guid>r1</guid><title>R</title></item>", prolog=remote),
        "/xxe-atom": (
            f'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY xxe SYSTEM "{secret_path}">]>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>&xxe;</title>'
            "<entry><id>a1</id><title>&xxe;</title><content type='html'>&xxe;</content>"
            "<author><name>&xxe;</name></author></entry></feed>"
        ).encode(),
        "/xinclude": (
            '<?xml version="1.0"?><rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude">'
            f'<channel><title>X</title><item><guid>x1</guid><title><xi:include href="{uri}" '
            'parse="text"/></title></item></channel></rss>'
        ).encode(),
    }


async def test_external_entities_never_read_local_files_or_the_network(
    http: HTTPServer,
    store: Store,
    good_url: str,
    secret_file: tuple[Path, str],
) -> None:
    secret_path, secret = secret_file
    # A DTD on "another server" that would pull the secret into the document.
    http.expect_request("/evil.dtd").respond_with_data(
        f'<!ENTITY xxe SYSTEM "{secret_path.as_uri()}">', content_type="application/xml-dtd"
    )
    documents = _xxe_documents(secret_path, http.url_for("/evil.dtd"))
    for path, document in documents.items():
        http.expect_request(path).respond_with_data(document, content_type=RSS_TYPE)
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    run = await refresh(store)

    assert_good_feed_intact(run, good_url)
    for path in documents:
        feed = run.feed(http.url_for(path))
        # Either read without the entity or refused: never an internal error.
        assert feed.error is None or feed.error.startswith("not a feed"), (path, feed.error)
    # Nothing ever asked the server for the DTD: no request leaves on a document's behalf.
    assert all(request.path != "/evil.dtd" for request, _ in http.log)
    # The secret is nowhere: not in any field, not in the raw database file, not in output.
    assert secret.encode() not in database_bytes(store)
    rendered = []
    for feed in store.list_feeds():
        assert secret not in repr(feed)
        for entry in entries_of(store, feed.id):
            assert secret not in repr(entry)
            article = article_from_html(entry.body, title=entry.title, base_url=entry.link)
            rendered.append(render_to_text(article, width=80, color=False))
    assert rendered and secret not in "".join(rendered)
    listing = run_cli("entries", "--json", "--limit", "100", data_dir=store.path.parent)
    assert listing.code == 0 and secret not in listing.out + listing.err


@pytest.mark.parametrize(
    ("name", "declarations", "reference", "copies"),
    [
        ("billion-laughs", LAUGHS, "&lol9;", 1),
        ("quadratic", QUADRATIC, "&big;", 20_000),
    ],
    ids=["billion-laughs", "quadratic"],
)
async def test_entity_expansion_stays_small(
    http: HTTPServer,
    store: Store,
    good_url: str,
    name: str,
    declarations: str,
    reference: str,
    copies: int,
) -> None:
    references = reference * copies
    documents = {
        f"/{name}-rss": rss(
            f"<item><guid>1</guid><title>{references}</title>"
            f"<description>{references}</description></item>",
            title=reference,
            prolog=f"<!DOCTYPE rss [{declarations}]>",
        ),
        f"/{name}-atom": (
            f'<?xml version="1.0"?><!DOCTYPE feed [{declarations}]>'
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{reference}</title><entry><id>1</id>'
            f"<title>{references}</title><content type='html'>{references}</content></entry></feed>"
        ).encode(),
    }
    for path, document in documents.items():
        http.expect_request(path).respond_with_data(document, content_type=RSS_TYPE)
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    tracemalloc.start()
    try:
        run = await refresh(store)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert_good_feed_intact(run, good_url)
    # Expanded, these are gigabytes; the parser gives up on expansion and recovers the rest.
    assert peak < 32 * 1024 * 1024, peak
    for path, document in documents.items():
        feed = run.feed(http.url_for(path))
        assert feed.error is None or feed.error.startswith("not a feed"), (path, feed.error)
        for entry in entries_of(store, feed.id):
            assert len(entry.title) + len(entry.content) <= 2 * len(document)
    assert len(database_bytes(store)) < 16 * 1024 * 1024


def _opml(prolog: str, outlines: str) -> bytes:
    return (
        f'<?xml version="1.0"?>{prolog}<opml version="2.0"><head><title>Subs</title></head>'
        f"<body>{outlines}</body></opml>"
    ).encode()


def test_opml_import_reads_no_local_file_and_expands_no_entity(
    http: HTTPServer, tmp_path: Path, secret_file: tuple[Path, str]
) -> None:
    secret_path, secret = secret_file
    http.expect_request("/evil.dtd").respond_with_data(
        f'<!ENTITY xxe SYSTEM "{secret_path.as_uri()}">', content_type="application/xml-dtd"
    )
    files = {
        "xxe.opml": _opml(
            f'<!DOCTYPE opml [<!ENTITY xxe SYSTEM "{secret_path.as_uri()}">]>',
            '<outline text="A &xxe;" title="&xxe;" xmlUrl="https://a.example/feed?&xxe;"/>'
            '<outline text="&xxe;"><outline text="B" xmlUrl="https://b.example/feed"/></outline>',
        ),
        "remote-dtd.opml": _opml(
            f'<!DOCTYPE opml SYSTEM "{http.url_for("/evil.dtd")}">',
            '<outline text="C &xxe;" xmlUrl="https://c.example/feed"/>',
        ),
        "laughs.opml": _opml(
            f"<!DOCTYPE opml [{LAUGHS}]>",
            '<outline text="&lol9;" xmlUrl="https://d.example/feed"/>'
            '<outline text="&lol9;"><outline text="E" xmlUrl="https://e.example/&lol9;"/></outline>',
        ),
    }
    data_dir = tmp_path / "data"
    for name, document in files.items():
        path = tmp_path / name
        path.write_bytes(document)
        result = run_cli("import", str(path), data_dir=data_dir, timeout=60)
        # Imported (without the entities) or refused in one line: never a traceback.
        assert result.code in (0, 1), result
        assert "Traceback" not in result.err and len(result.err.splitlines()) <= 1
        assert secret not in result.out + result.err

    listing = run_cli("list", "--json", data_dir=data_dir)
    assert listing.code == 0, listing
    feeds = json.loads(listing.out)
    assert secret not in listing.out
    assert all(len(json.dumps(feed)) < 2000 for feed in feeds)
    assert all(request.path != "/evil.dtd" for request, _ in http.log)
    assert secret.encode() not in (data_dir / "newsterm.db").read_bytes()
