"""Terminal and markup injection: feed text reaches the screen only as inert, visible text.

Hostile titles, authors, feed names, folder names, URLs and bodies arrive through the real
paths (an OPML import and a refresh from a local server), then every headless command prints
them: piped (plain lines, JSON) and on a pseudo-terminal (Rich tables with colour). Output may
hold SGR colour codes on a terminal and nothing else: no ESC/OSC/CSI sequences, no BEL, no C1
controls, no bidi overrides or invisible characters, and Rich markup shows as typed.
"""

from __future__ import annotations

import errno
import fcntl
import html
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.helpers import CliResult, run_cli
from tests.paths import REPO

ESCAPES = (
    "\x1b[2J\x1b[H"  # clear the screen
    "\x1b]52;c;cHduZWQ=\x07"  # write the clipboard
    "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"  # a hyperlink
    "\x1b]0;pwned\x07"  # the window title
    "\x07\x9b31m\x1bP1$r\x1b\\"  # bell, C1 CSI, DCS
)
MARKUP = "[bold red]LOUD[/] [link=http://evil.example]x[/link] [/] [@click=app.quit]q[/]"
BIDI = "\u202egnp.exe\u202c \u2066iso\u2069 a\u200bb\u2060c\ufeffd"
HOSTILE = ESCAPES + MARKUP + BIDI
"""All of it in every text field a feed controls."""

SGR = re.compile(r"\x1b\[[0-9;:]*m")
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _json_escape(text: str) -> str:
    return json.dumps(text)[1:-1]


def _documents(base: str) -> dict[str, tuple[bytes, str]]:
    body = (
        f"<p>Body {ESCAPES} {MARKUP} {BIDI}</p><p><a href='http://127.0.0.1/ok'>a link</a>"
        f"<a href='javascript:alert(1)'>js</a></p>"
    )
    rss = (
        # Raw control bytes are not XML: feedparser's loose parser reads this one.
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>RSS {HOSTILE}</title><link>{base}/site{BIDI}</link>"
        f"<item><guid>r1</guid><title>Item {HOSTILE}</title><author>{HOSTILE}</author>"
        f"<link>{base}/post/{BIDI}</link><category>{HOSTILE}</category>"
        f"<description><![CDATA[{body}]]></description></item></channel></rss>"
    )
    escaped = rss.replace("\x1b", "&#27;").replace("\x07", "&#7;").replace("\x9b", "&#155;")
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title type='html'>Atom &lt;b&gt;{MARKUP}&lt;/b&gt; {BIDI}</title>"
        f"<entry><id>a1</id><title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>"
        f"Xhtml {MARKUP} {BIDI}</div></title><author><name>{MARKUP}{BIDI}</name></author>"
        f"<content type='html'>{body.replace('<', '&lt;')}</content></entry></feed>"
    )
    json_feed = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": f"JSON {HOSTILE}",
            "home_page_url": f"{base}/{BIDI}",
            "authors": [{"name": HOSTILE}],
            "items": [
                {
                    "id": "j1",
                    "url": f"{base}/j/{BIDI}",
                    "title": f"Entry {HOSTILE}",
                    "content_html": body,
                    "tags": [HOSTILE],
                }
            ],
        }
    )
    return {
        "/rss": (rss.encode("utf-8", "surrogatepass"), "application/rss+xml"),
        "/rss-refs": (escaped.encode(), "application/rss+xml"),
        "/atom": (atom.encode(), "application/atom+xml"),
        "/json": (json_feed.encode(), "application/feed+json"),
    }


@pytest.fixture
def hostile_data_dir(http: HTTPServer, tmp_path: Path) -> Iterator[Path]:
    """A data dir whose feeds were imported from a hostile OPML file and refreshed from
    hostile documents, then one of them started failing."""
    base = http.url_for("").rstrip("/")
    for path, (body, content_type) in _documents(base).items():
        http.expect_request(path).respond_with_data(body, content_type=content_type)
    http.expect_request(f"/named-{BIDI}").respond_with_data(
        "", status=500, content_type="text/plain"
    )
    outlines = "".join(
        f'<outline text="{_attr(name)}" xmlUrl="{base}{path}"/>'
        for path, name in (
            ("/rss", f"Imported {MARKUP} {BIDI}"),
            ("/rss-refs", "refs"),
            ("/json", "json"),
        )
    )
    opml = (
        '<?xml version="1.0"?><opml version="2.0"><head><title>S</title></head><body>'
        f'<outline text="{_attr(MARKUP + BIDI)}">{outlines}'
        f'<outline text="{_attr(BIDI)}" xmlUrl="{base}/atom"/></outline>'
        f'<outline text="bad" xmlUrl="{base}/named-{BIDI}"/></body></opml>'
    )
    opml_file = tmp_path / f"subs-{BIDI}.opml"
    opml_file.write_text(opml, encoding="utf-8")
    data_dir = tmp_path / "data"
    imported = run_cli("import", str(opml_file), data_dir=data_dir)
    assert imported.code == 0, imported
    assert_inert(imported)
    refreshed = run_cli("refresh", data_dir=data_dir)
    assert refreshed.code == 0, refreshed
    assert "5 feeds" in refreshed.out and "1 failed" in refreshed.out
    assert_inert(refreshed)
    yield data_dir


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def assert_inert(result: CliResult, *, terminal: bool = False) -> str:
    """No byte of the output can drive a terminal; returns stdout without colour codes."""
    for name, text in (("stdout", result.out), ("stderr", result.err)):
        if terminal:
            text = SGR.sub("", text).replace("\r\n", "\n")
        found = sorted({f"U+{ord(char):04X}" for char in FORBIDDEN.findall(text)})
        assert not found, f"{name} carries {found}: {text[:400]!r}"
    return SGR.sub("", result.out).replace("\r\n", "\n") if terminal else result.out


def run_on_terminal(*args: str, data_dir: Path, columns: int = 250) -> CliResult:
    """Run the CLI with stdout on a pseudo-terminal (Rich tables and colour, as a user sees)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(NEWSTERM_DATA_DIR=str(data_dir), TERM="xterm-256color", COLUMNS=str(columns))
    process = subprocess.Popen(
        [sys.executable, "-m", "newsterm", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError as error:  # EIO: the child closed the terminal
                    if error.errno != errno.EIO:
                        raise
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.stderr is not None
    err = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    return CliResult(code, output.decode("utf-8", "replace"), err)


COMMANDS: list[tuple[str, ...]] = [
    ("list",),
    ("entries", "--limit", "100"),
    ("entries", "--starred"),
    ("search", "Item"),
    ("search", "LOUD"),
    ("refresh",),
]


def test_piped_output_is_inert(hostile_data_dir: Path) -> None:
    for args in COMMANDS:
        result = run_cli(*args, data_dir=hostile_data_dir)
        assert result.code == 0, (args, result)
        out = assert_inert(result)
        if args in (("list",), ("entries", "--limit", "100")):
            # Rich markup is printed as written, never interpreted.
            assert "[bold red]LOUD[/]" in out, (args, out)
            assert "gnp.exe" in out
    failed = run_cli("refresh", "--force", data_dir=hostile_data_dir)
    assert "HTTP 500" in failed.err and "named-" in failed.err
    assert_inert(failed)


def test_json_output_is_inert_and_faithful(hostile_data_dir: Path) -> None:
    for args in (("list", "--json"), ("entries", "--json"), ("search", "Item", "--json")):
        result = run_cli(*args, data_dir=hostile_data_dir)
        assert result.code == 0, (args, result)
        assert_inert(result)
        data = json.loads(result.out)
        assert data, args
        # The data itself is kept (a script gets what the feed said), escaped, not raw.
        text = json.dumps(data, ensure_ascii=False)
        assert "[bold red]LOUD[/]" in text


def test_terminal_output_is_inert(hostile_data_dir: Path) -> None:
    for args in COMMANDS[:4]:
        result = run_on_terminal(*args, data_dir=hostile_data_dir)
        assert result.code == 0, (args, result)
        out = assert_inert(result, terminal=True)
        if args in (("list",), ("entries", "--limit", "100")):
            assert "[bold red]LOUD[/]" in out, (args, out)
            assert "gnp.exe" in out


def test_feed_named_actions_print_inert_titles(hostile_data_dir: Path) -> None:
    listed = json.loads(run_cli("list", "--json", data_dir=hostile_data_dir).out)
    rss_feed = next(feed for feed in listed if "RSS" in feed["title"])
    entries = json.loads(
        run_cli("entries", "--feed", str(rss_feed["id"]), "--json", data_dir=hostile_data_dir).out
    )
    for args in (
        ("mark", "star", str(entries[0]["id"])),
        ("mark", "read", "--feed", str(rss_feed["id"]), "--all"),
        ("remove", str(rss_feed["id"])),
        ("remove", f"no-such-{ESCAPES}{BIDI}"),
        ("entries", "--feed", f"{ESCAPES}{BIDI}"),
    ):
        result = run_cli(*args, data_dir=hostile_data_dir)
        assert result.code in (0, 1), (args, result)
        assert_inert(result)


def test_render_shows_hostile_bodies_inert(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        f"Title: T {HOSTILE}\nURL: http://127.0.0.1/{BIDI}\n\n"
        f"<h1>{MARKUP}</h1><p>{ESCAPES}{BIDI}</p><pre>{ESCAPES}</pre><code>{MARKUP}</code>"
        f"<a href='http://127.0.0.1/{ESCAPES}'>l</a><img alt='{HOSTILE}' src='http://127.0.0.1/i'>",
        encoding="utf-8",
    )
    plain = run_cli("render", str(page), data_dir=tmp_path / "data")
    assert plain.code == 0, plain
    assert MARKUP.split()[0] in assert_inert(plain)
    colour = run_cli("render", "--color", str(page), data_dir=tmp_path / "data")
    assert colour.code == 0, colour
    assert "[bold red]LOUD[/]" in assert_inert(colour, terminal=True)
    terminal = run_on_terminal("render", str(page), data_dir=tmp_path / "data")
    assert terminal.code == 0, terminal
    assert_inert(terminal, terminal=True)


# --------------------------------------------------------------------------- the app

SVG_TEXT = re.compile(r'<text[^>]*\by="([0-9.]+)"[^>]*>(.*?)</text>', re.DOTALL)


def screen_text(app: object) -> str:
    """What the app's screen shows, as text lines (from its SVG screenshot)."""
    svg = app.export_screenshot()  # type: ignore[attr-defined]
    rows: dict[float, list[str]] = {}
    for y, content in SVG_TEXT.findall(svg):
        rows.setdefault(float(y), []).append(html.unescape(content).replace("\xa0", " "))
    return "\n".join("".join(parts) for _, parts in sorted(rows.items()))


def assert_screen_inert(text: str, where: str) -> None:
    found = sorted({f"U+{ord(char):04X}" for char in FORBIDDEN.findall(text.replace("\n", ""))})
    assert not found, f"{where}: the screen shows {found}:\n{text}"


async def test_app_shows_hostile_text_literally(http: HTTPServer, tmp_path: Path) -> None:
    from newsterm.refresh import refresh_feeds
    from newsterm.store import Store
    from tests.hostile.conftest import SETTINGS
    from tests.ui_helpers import make_app, panes, settle

    base = http.url_for("").rstrip("/")
    for path, (body, content_type) in _documents(base).items():
        http.expect_request(path).respond_with_data(body, content_type=content_type)
    http.expect_request("/failing").respond_with_data("", status=503)
    store = Store.in_dir(tmp_path / "data")
    try:
        for path in _documents(base):
            store.add_feed(http.url_for(path), folder=MARKUP + BIDI)
        # A name from an OPML file, kept because the feed never answers.
        failing = store.add_feed(http.url_for("/failing"), title=f"Named {HOSTILE}")
        await refresh_feeds(store, SETTINGS)
        app = make_app(store)
        seen: list[str] = []
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            seen.append(text := screen_text(app))
            assert_screen_inert(text, "start")
            feed_list, articles, reader = panes(app)
            await pilot.press("enter")  # the All view's entries
            await settle(pilot)
            for number in range(len(articles.entry_ids)):
                await pilot.press("enter")  # open the entry under the cursor in the reader
                await settle(pilot)
                seen.append(text := screen_text(app))
                assert_screen_inert(text, f"entry {number}")
                await pilot.press("escape", "down")
                await settle(pilot)
            feed_list.select_key(f"feed:{failing.id}")
            feed_list.focus()
            await settle(pilot)
            await pilot.press("e")  # the feed's error, with its (hostile) name
            await settle(pilot)
            seen.append(text := screen_text(app))
            assert_screen_inert(text, "feed error")
            # Toasts are not in the screenshot: check the notification's text itself.
            (note,) = [n.message for n in app._notifications if "HTTP 503" in n.message]
            assert_screen_inert(note, "notification")
            assert "Named" in note and "[bold red]LOUD[/]" in note
            assert reader is not None
        everything = "\n".join(seen)
        assert "[bold red]LOUD[/]" in everything  # markup shown as typed
        assert "gnp.exe" in everything and "Named" in everything
        assert "Body" in everything and "a link" in everything
    finally:
        store.close()
