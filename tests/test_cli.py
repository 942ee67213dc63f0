"""The headless command line, run in a subprocess as a user would, against a local server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsterm.store import DB_FILENAME
from tests.helpers import corpus_feed, run_cli
from tests.paths import REPO, SEED

ATOM = "feedjira--PaulDixExplainsNothing.xml"  # Atom 1.0, 5 entries
RSS = "feedreader--Rss20CTVNews.xml"  # RSS 2.0, 10 entries


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def serve(httpserver: HTTPServer, path: str, name: str, content_type: str) -> str:
    httpserver.expect_request(path).respond_with_data(corpus_feed(name), content_type=content_type)
    return httpserver.url_for(path)


def test_version() -> None:
    result = run_cli("--version", data_dir=Path("/nonexistent"))
    assert result.code == 0
    assert result.out.startswith("newsterm ")


def test_help_names_the_config_file() -> None:
    result = run_cli("--help", data_dir=Path("/nonexistent"))
    assert result.code == 0
    assert "config.toml" in result.out
    for command in (
        "add",
        "remove",
        "edit",
        "import",
        "export",
        "refresh",
        "list",
        "entries",
        "search",
        "mark",
        "render",
    ):
        assert command in result.out


@pytest.mark.parametrize(
    "args",
    [
        ("frobnicate",),
        ("list", "--bogus"),
        ("entries", "--limit", "zero"),
        ("mark", "explode", "1"),
    ],
)
def test_wrong_command_is_one_line_exit_2(args: tuple[str, ...], data_dir: Path) -> None:
    result = run_cli(*args, data_dir=data_dir)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert result.err.strip().count("\n") <= 1, result.err  # usage + one error line at most


def test_missing_file_is_one_clear_line(data_dir: Path, tmp_path: Path) -> None:
    result = run_cli("import", str(tmp_path / "nope.opml"), data_dir=data_dir)
    assert result.code == 1
    assert result.err == f"newsterm: error: {tmp_path / 'nope.opml'}: no such file\n"


def test_corrupt_database_is_one_clear_line(data_dir: Path) -> None:
    data_dir.mkdir()
    db = data_dir / DB_FILENAME
    db.write_bytes(b"this is not an SQLite database, just some text" * 100)
    result = run_cli("list", data_dir=data_dir)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert str(db) in result.err
    assert db.read_bytes().startswith(b"this is not")  # never deleted


def test_bad_config_names_the_key(data_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[fetch]\ntimeout = 3\n")
    result = run_cli("--config", str(config), "list", data_dir=data_dir)
    assert result.code == 1
    assert "fetch.timeout: unknown setting" in result.err
    assert "config.toml:2" in result.err
    assert "Traceback" not in result.err


def test_subscribe_list_read_search_mark_remove(httpserver: HTTPServer, data_dir: Path) -> None:
    url = serve(httpserver, "/atom.xml", ATOM, "application/atom+xml")
    added = run_cli("add", url, "--folder", "Blogs", data_dir=data_dir)
    assert added.code == 0, added.err
    assert "Paul Dix Explains Nothing" in added.out

    listed = run_cli("list", "--json", data_dir=data_dir)
    assert listed.code == 0, listed.err
    [feed] = json.loads(listed.out)
    assert feed["url"] == url
    assert feed["folder"] == "Blogs"
    assert feed["total"] == 5
    assert feed["unread"] == 5
    assert feed["status"] == "ok"

    plain = run_cli("list", data_dir=data_dir)
    assert plain.out.split("\t")[:3] == [str(feed["id"]), "Paul Dix Explains Nothing", url]

    entries = json.loads(run_cli("entries", "--json", data_dir=data_dir).out)
    assert len(entries) == 5
    dates = [e["published"] for e in entries]
    assert dates == sorted(dates, reverse=True)  # newest first
    first = entries[0]

    marked = run_cli("mark", "read", str(first["id"]), data_dir=data_dir)
    assert marked.code == 0, marked.err
    starred = run_cli("mark", "star", str(first["id"]), data_dir=data_dir)
    assert starred.code == 0
    unread = json.loads(run_cli("entries", "--unread", "--json", data_dir=data_dir).out)
    assert first["id"] not in {e["id"] for e in unread}
    assert len(unread) == 4
    stars = json.loads(run_cli("entries", "--starred", "--json", data_dir=data_dir).out)
    assert [e["id"] for e in stars] == [first["id"]]

    word = next(w for w in first["title"].split() if len(w) > 4 and w.isalpha())
    found = json.loads(run_cli("search", word, "--json", data_dir=data_dir).out)
    assert first["id"] in {e["id"] for e in found}

    missing = run_cli("mark", "read", "999999", data_dir=data_dir)
    assert missing.code == 1
    assert "no such entry: 999999" in missing.err

    everything = run_cli("mark", "read", "--feed", url, "--all", data_dir=data_dir)
    assert everything.code == 0, everything.err
    assert json.loads(run_cli("list", "--json", data_dir=data_dir).out)[0]["unread"] == 0

    removed = run_cli("remove", str(feed["id"]), data_dir=data_dir)
    assert removed.code == 0
    assert json.loads(run_cli("list", "--json", data_dir=data_dir).out) == []
    gone = run_cli("remove", url, data_dir=data_dir)
    assert gone.code == 1
    assert "no such feed" in gone.err


def test_refresh_reports_failures_and_exits_zero(httpserver: HTTPServer, data_dir: Path) -> None:
    good = serve(httpserver, "/rss.xml", RSS, "application/rss+xml")
    bad = httpserver.url_for("/missing.xml")
    httpserver.expect_request("/missing.xml").respond_with_data("nope", status=404)
    html = httpserver.url_for("/page.html")
    httpserver.expect_request("/page.html").respond_with_data(
        "<html><body>hello</body></html>", content_type="text/html"
    )
    opml = data_dir.parent / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        f'<outline text="Good" xmlUrl="{good}"/>'
        f'<outline text="Folder"><outline text="Bad" xmlUrl="{bad}"/>'
        f'<outline text="Html" xmlUrl="{html}"/></outline>'
        "</body></opml>"
    )
    imported = run_cli("import", str(opml), data_dir=data_dir)
    assert imported.code == 0, imported.err
    assert "Imported 3 feeds" in imported.out
    again = run_cli("import", str(opml), data_dir=data_dir)
    assert "Imported 0 feeds" in again.out  # duplicates skipped

    refreshed = run_cli("refresh", data_dir=data_dir)
    assert refreshed.code == 0, refreshed.err
    failures = refreshed.err.strip().splitlines()
    assert len(failures) == 2, refreshed.err
    assert any(bad in line and "HTTP 404" in line for line in failures)
    assert any(html in line and "not a feed" in line for line in failures)
    assert "10 new entries" in refreshed.out

    feeds = {f["url"]: f for f in json.loads(run_cli("list", "--json", data_dir=data_dir).out)}
    assert feeds[good]["total"] == 10
    assert feeds[bad]["error"].startswith("HTTP 404")
    assert feeds[bad]["folder"] == "Folder"


def test_export_then_import_round_trips(httpserver: HTTPServer, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    url = serve(httpserver, "/atom.xml", ATOM, "application/atom+xml")
    assert run_cli("add", url, "--folder", "Tech", data_dir=first).code == 0
    exported = run_cli("export", data_dir=first)
    assert exported.code == 0
    assert "<opml" in exported.out
    opml = tmp_path / "subs.opml"
    opml.write_text(exported.out)
    assert run_cli("import", str(opml), data_dir=second).code == 0
    [feed] = json.loads(run_cli("list", "--json", data_dir=second).out)
    assert (feed["url"], feed["folder"]) == (url, "Tech")


def test_render_seed_document() -> None:
    result = run_cli("render", "--width", "80", str(SEED), data_dir=Path("/nonexistent"))
    assert result.code == 0, result.err
    assert "阿塞拜疆已与土耳其在靠近亚美尼亚边境区域展开联合军事演习" in result.out
    assert "确保（盟国之间的）协同作战能力" in result.out
    assert "分享" not in result.out
    assert "[]" not in result.out
    assert "\x1b" not in result.out  # plain when piped


def test_render_reads_stdin() -> None:
    result = run_cli(
        "render",
        "-",
        data_dir=Path("/nonexistent"),
        stdin=b"<h1>Hello</h1><p>World <script>alert(1)</script></p>",
    )
    assert result.code == 0, result.err
    assert "Hello" in result.out and "World" in result.out
    assert "alert" not in result.out


def test_headless_commands_do_not_import_textual(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from newsterm.cli import main\n"
        f"main(['--data-dir', {str(tmp_path)!r}, 'list', '--json'])\n"
        "print('textual' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert proc.stdout.strip().splitlines()[-1] == "False"


def test_refresh_waits_for_feeds_backing_off(httpserver: HTTPServer, data_dir: Path) -> None:
    httpserver.expect_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3600"}
    )
    busy = httpserver.url_for("/busy")
    assert run_cli("add", busy, data_dir=data_dir).code == 1  # cannot subscribe while 429
    good = serve(httpserver, "/atom.xml", ATOM, "application/atom+xml")
    opml = data_dir.parent / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        f'<outline text="Busy" xmlUrl="{busy}"/><outline text="Good" xmlUrl="{good}"/>'
        "</body></opml>"
    )
    assert run_cli("import", str(opml), data_dir=data_dir).code == 0

    first = run_cli("refresh", data_dir=data_dir)
    assert first.code == 0 and "429" in first.err
    hits = sum(1 for request, _ in httpserver.log if request.path == "/busy")

    second = run_cli("refresh", data_dir=data_dir)
    assert second.code == 0
    assert "1 feed skipped" in second.err
    assert sum(1 for request, _ in httpserver.log if request.path == "/busy") == hits

    forced = run_cli("refresh", "--force", data_dir=data_dir)
    assert forced.code == 0
    assert sum(1 for request, _ in httpserver.log if request.path == "/busy") == hits + 1


def _opml_outlines(document: str) -> list[tuple[str | None, dict[str, str]]]:
    """(folder, attributes) of every feed outline of an OPML document."""
    from lxml import etree

    body = etree.fromstring(document.encode()).find("body")
    assert body is not None
    found: list[tuple[str | None, dict[str, str]]] = []
    for outline in body:
        if outline.get("xmlUrl"):
            found.append((None, dict(outline.attrib)))
        for child in outline:
            found.append((outline.get("text"), dict(child.attrib)))
    return found


def test_edit_renames_moves_and_export_follows(httpserver: HTTPServer, data_dir: Path) -> None:
    url = serve(httpserver, "/atom.xml", ATOM, "application/atom+xml")
    assert run_cli("add", url, "--folder", "Blogs", data_dir=data_dir).code == 0
    [feed] = json.loads(run_cli("list", "--json", data_dir=data_dir).out)
    feed_id = str(feed["id"])

    def listed() -> dict[str, object]:
        [one] = json.loads(run_cli("list", "--json", data_dir=data_dir).out)
        return dict(one)

    renamed = run_cli("edit", feed_id, "--title", "  Dix  Daily ", data_dir=data_dir)
    assert renamed.code == 0, renamed.err
    assert renamed.out == f"Feed {feed_id} (Paul Dix Explains Nothing): renamed to Dix Daily\n"
    assert (listed()["title"], listed()["folder"]) == ("Dix Daily", "Blogs")
    assert run_cli("refresh", data_dir=data_dir).code == 0
    assert listed()["title"] == "Dix Daily"  # the user's title survives a refresh

    moved = run_cli("edit", url, "--folder", "Reading", data_dir=data_dir)
    assert moved.code == 0, moved.err
    assert moved.out == f"Feed {feed_id} (Dix Daily): moved to folder Reading\n"
    exported = run_cli("export", data_dir=data_dir)
    [(folder, outline)] = _opml_outlines(exported.out)
    assert (folder, outline["title"], outline["xmlUrl"]) == ("Reading", "Dix Daily", url)

    both = run_cli("edit", feed_id, "--title", "Dix", "--no-folder", data_dir=data_dir)
    assert both.code == 0, both.err
    assert both.out == f"Feed {feed_id} (Dix Daily): renamed to Dix; now in no folder\n"
    assert (listed()["title"], listed()["folder"]) == ("Dix", None)
    [(folder, outline)] = _opml_outlines(run_cli("export", data_dir=data_dir).out)
    assert (folder, outline["title"]) == (None, "Dix")

    hostile = run_cli("edit", feed_id, "--title", "\x1b[31mred\x1b[0m [b]x[/b]", data_dir=data_dir)
    assert hostile.code == 0 and "\x1b" not in hostile.out
    assert listed()["title"] == "[31mred[0m [b]x[/b]"

    restored = run_cli("edit", feed_id, "--title", "", data_dir=data_dir)
    assert restored.code == 0, restored.err
    assert "takes its publisher's title at the next refresh" in restored.out
    assert run_cli("refresh", data_dir=data_dir).code == 0
    assert listed()["title"] == "Paul Dix Explains Nothing"


def test_edit_needs_a_known_feed_and_something_to_change(
    httpserver: HTTPServer, data_dir: Path
) -> None:
    url = serve(httpserver, "/atom.xml", ATOM, "application/atom+xml")
    assert run_cli("add", url, data_dir=data_dir).code == 0
    for args in (("999", "--title", "x"), ("https://nowhere.example/feed", "--no-folder")):
        unknown = run_cli("edit", *args, data_dir=data_dir)
        assert unknown.code == 1
        assert unknown.err == f"newsterm: error: no such feed: {args[0]} (see `newsterm list`)\n"
    nothing = run_cli("edit", url, data_dir=data_dir)
    assert nothing.code == 2
    assert nothing.err == (
        "newsterm: error: say what to change: --title TITLE, --folder NAME or --no-folder\n"
    )
    for args in (("--folder", "A", "--no-folder"), ("--folder", "  ")):
        wrong = run_cli("edit", url, *args, data_dir=data_dir)
        assert wrong.code == 2 and "Traceback" not in wrong.err
        assert wrong.err.strip().count("\n") <= 1, wrong.err
    [feed] = json.loads(run_cli("list", "--json", data_dir=data_dir).out)
    assert (feed["title"], feed["folder"]) == ("Paul Dix Explains Nothing", None)


def test_json_entries_carry_their_attachments(
    httpserver: HTTPServer, data_dir: Path, corpus: Path
) -> None:
    """A real podcast feed (30 episodes, each an audio enclosure): `entries --json` and
    `search --json` give each episode's audio, as a script downloading them needs."""
    url = serve(httpserver, "/cre.xml", "feedjira--CRE.xml", "application/rss+xml")
    assert run_cli("add", url, data_dir=data_dir).code == 0
    entries = json.loads(run_cli("entries", "--limit", "100", "--json", data_dir=data_dir).out)
    assert len(entries) == 30
    audio = {e["title"]: e["enclosures"] for e in entries}
    assert all(len(files) == 1 and files[0]["type"] == "audio/mp4" for files in audio.values())
    [planetarien] = [files for title, files in audio.items() if "Planetarien" in title]
    assert planetarien == [
        {
            "url": "http://feedproxy.google.com/~r/cre-podcast/~5/cM067ax_iis/cre207-planetarien.m4a",
            "type": "audio/mp4",
            "length": 37143728,
        }
    ]
    found = json.loads(run_cli("search", "Planetarien", "--json", data_dir=data_dir).out)
    assert found[0]["enclosures"] == planetarien

    # An entry without attachments says so with an empty list, not a missing key.
    other = serve(httpserver, "/atom.xml", ATOM, "application/atom+xml")
    assert run_cli("add", other, data_dir=data_dir).code == 0
    entries = json.loads(run_cli("entries", "--limit", "100", "--json", data_dir=data_dir).out)
    assert sorted(len(e["enclosures"]) for e in entries) == [0] * 5 + [1] * 30
