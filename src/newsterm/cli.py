"""The command line: launches the app, or runs a headless command over the same services.

Headless commands never import Textual (start-up stays fast, and scripts stay usable on
machines without a terminal). Every expected failure ends with one line on stderr and
exit code 1 (2 for usage errors); `--debug` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

from newsterm import __version__, paths
from newsterm.config import Settings, load_settings
from newsterm.models import (
    Enclosure,
    EntryQuery,
    EntrySummary,
    Feed,
    FeedError,
    NewstermError,
)

if TYPE_CHECKING:
    from rich.console import Console

    from newsterm.refresh import RefreshProgress
    from newsterm.store import Store

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class UsageError(NewstermError):
    """The command line asks for something that cannot be done as written."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (plus a hint), never a traceback."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u00ad\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\U000e0000-\U000e007f]"
)
"""What json.dumps(ensure_ascii=False) leaves raw but a terminal must not get (it escapes C0)."""


def _json_escape(match: re.Match[str]) -> str:
    """A JSON \\u escape for one character (a surrogate pair above U+FFFF)."""
    code = ord(match.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _clean(text: str) -> str:
    """Untrusted text made safe for a terminal line (no control or bidi characters)."""
    from newsterm.content import safe_line

    return safe_line(text)


# -- output -------------------------------------------------------------------------------


@dataclass
class Output:
    """Where results go: rich tables on a terminal, tab-separated lines when piped."""

    stream: IO[str]
    rich: bool
    color: bool

    @classmethod
    def for_stdout(cls, color: bool | None = None) -> Output:
        is_tty = sys.stdout.isatty()
        use_color = is_tty and "NO_COLOR" not in os.environ if color is None else color
        return cls(stream=sys.stdout, rich=is_tty, color=use_color)

    def console(self) -> Console:
        from rich.console import Console

        return Console(
            file=self.stream,
            force_terminal=self.color,
            no_color=not self.color,
            highlight=False,
            soft_wrap=False,
        )

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def json(self, data: Any) -> None:
        """`data` as JSON: faithful, but with every character that could drive or disguise
        a terminal (C1 controls, bidi overrides, invisible ones) written as a \\u escape."""
        text = json.dumps(data, ensure_ascii=False, indent=2)
        self.stream.write(_JSON_UNSAFE.sub(_json_escape, text) + "\n")


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else ""


def _short_date(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def _feed_json(feed: Feed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "title": feed.title,
        "url": feed.url,
        "site_url": feed.site_url,
        "folder": feed.folder,
        "unread": feed.unread,
        "total": feed.total,
        "status": feed.status,
        "error": feed.error,
        "last_checked": _iso(feed.last_checked),
    }


def _entry_json(entry: EntrySummary, enclosures: Sequence[Enclosure] = ()) -> dict[str, Any]:
    return {
        "id": entry.id,
        "feed_id": entry.feed_id,
        "feed": entry.feed_title,
        "title": entry.title,
        "link": entry.link,
        "author": entry.author,
        "published": _iso(entry.published),
        "read": entry.read,
        "starred": entry.starred,
        "enclosures": [{"url": e.url, "type": e.type, "length": e.length} for e in enclosures],
    }


# -- context ------------------------------------------------------------------------------


@dataclass
class Context:
    """What every command needs: parsed arguments, settings, and a lazily opened store."""

    args: argparse.Namespace
    settings: Settings
    data_dir: Path
    _store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            from newsterm.store import Store

            self._store = Store.in_dir(self.data_dir, on_upgrade=self._upgrading)
        return self._store

    def _upgrading(self, old: int, new: int) -> None:
        print(
            f"newsterm: upgrading the database in {self.data_dir} (schema {old} to {new});"
            " this happens once and can take a minute for a big one…",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _feed_arg(ctx: Context, text: str) -> Feed:
    feed = ctx.store.find_feed(text)
    if feed is None:
        raise FeedError(f"no such feed: {text} (see `newsterm list`)")
    return feed


# -- commands -----------------------------------------------------------------------------


def cmd_add(ctx: Context) -> int:
    from newsterm.refresh import subscribe

    feed = asyncio.run(subscribe(ctx.store, ctx.settings, ctx.args.url, ctx.args.folder))
    out = Output.for_stdout()
    out.line(f"Added feed {feed.id}: {_clean(feed.display_title)} <{_clean(feed.url)}>")
    out.line(f"{feed.total} entries, {feed.unread} unread")
    return EXIT_OK


def cmd_remove(ctx: Context) -> int:
    feed = _feed_arg(ctx, ctx.args.feed)
    ctx.store.remove_feed(feed.id)
    Output.for_stdout().line(f"Removed feed {feed.id}: {_clean(feed.display_title)}")
    return EXIT_OK


def cmd_edit(ctx: Context) -> int:
    args = ctx.args
    if args.title is None and args.folder is None and not args.no_folder:
        raise UsageError("say what to change: --title TITLE, --folder NAME or --no-folder")
    # A title and a folder name are one line of text: whatever else a shell let through
    # (control characters, newlines) has no place in them.
    folder = _clean(args.folder) if args.folder is not None else None
    if args.folder is not None and not folder:
        raise UsageError("--folder needs a name; --no-folder takes the feed out of its folder")
    feed = _feed_arg(ctx, args.feed)
    store = ctx.store
    name = _clean(feed.display_title)
    said: list[str] = []
    if args.title is not None:
        title = _clean(args.title)
        store.rename_feed(feed.id, title)
        said.append(
            f"renamed to {title}" if title else "takes its publisher's title at the next refresh"
        )
    if folder is not None or args.no_folder:
        store.set_feed_folder(feed.id, folder)
        said.append(f"moved to folder {folder}" if folder else "now in no folder")
    Output.for_stdout().line(f"Feed {feed.id} ({name}): {'; '.join(said)}")
    return EXIT_OK


def cmd_import(ctx: Context) -> int:
    from newsterm.opml import read_opml

    path = Path(ctx.args.file)
    data = _read_input(path)
    subscriptions = read_opml(data)
    added = skipped = 0
    for sub in subscriptions:
        if not sub.url.lower().startswith(("http://", "https://")):
            skipped += 1
            continue
        if ctx.store.find_feed(sub.url) is not None:
            skipped += 1
            continue
        ctx.store.add_feed(sub.url, title=sub.title, folder=sub.folder)
        added += 1
    out = Output.for_stdout()
    out.line(
        f"Imported {added} feed{'s' if added != 1 else ''} from {_clean(path.name)}"
        f" ({skipped} skipped: already subscribed or not http(s))."
    )
    if added:
        out.line("Run `newsterm refresh` to fetch them.")
    return EXIT_OK


def cmd_export(ctx: Context) -> int:
    from newsterm.opml import Subscription, write_opml

    data = write_opml(
        Subscription(url=f.url, title=f.title, site_url=f.site_url, folder=f.folder)
        for f in ctx.store.list_feeds()
    )
    if ctx.args.file and ctx.args.file != "-":
        try:
            Path(ctx.args.file).write_bytes(data)
        except OSError as error:
            raise NewstermError(
                f"cannot write {ctx.args.file}: {error.strerror or error}"
            ) from None
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return EXIT_OK


def cmd_refresh(ctx: Context) -> int:
    from newsterm.refresh import refresh_feeds

    if ctx.args.feeds:
        feeds = [_feed_arg(ctx, text) for text in ctx.args.feeds]
        waiting: list[Feed] = []
    else:
        feeds, waiting = _split_backing_off(ctx.store.list_feeds(), force=ctx.args.force)
    show_bar = sys.stderr.isatty() and not ctx.args.quiet
    with _progress_bar(show_bar) as on_progress:
        report = asyncio.run(refresh_feeds(ctx.store, ctx.settings, feeds, on_progress=on_progress))
    if waiting and not ctx.args.quiet:
        print(
            f"{len(waiting)} feed{'s' if len(waiting) != 1 else ''} skipped: backing off after"
            " errors or asked to wait (Retry-After); --force refreshes them too",
            file=sys.stderr,
        )
    for outcome in sorted(report.failed, key=lambda o: o.feed_id):
        print(
            f"feed {outcome.feed_id} {_clean(outcome.title)} <{_clean(outcome.url)}>:"
            f" {_clean(outcome.error or '')}",
            file=sys.stderr,
        )
    unchanged = sum(1 for o in report.outcomes if o.not_modified)
    if not ctx.args.quiet:
        Output.for_stdout().line(
            f"Refreshed {len(report.outcomes)} feeds: {report.new_entries} new entries,"
            f" {unchanged} unchanged, {len(report.failed)} failed."
        )
    return EXIT_OK


def _split_backing_off(feeds: list[Feed], *, force: bool) -> tuple[list[Feed], list[Feed]]:
    """Feeds to refresh now, and failing feeds whose next check is still ahead.

    A plain `newsterm refresh` fetches every healthy feed, like newsboat's reload, but a
    feed that failed (a 429 with Retry-After, a 5xx, a dead server) waits for its backoff:
    a cron job must not keep hitting a server that asked us to wait.
    """
    if force:
        return feeds, []
    now = datetime.now(UTC)
    due: list[Feed] = []
    waiting: list[Feed] = []
    for feed in feeds:
        later = feed.next_check is not None and feed.next_check > now
        (waiting if feed.error_count > 0 and later else due).append(feed)
    return due, waiting


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[RefreshProgress], None] | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("Refreshing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("feeds"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("refresh", total=None)

        def update(state: RefreshProgress) -> None:
            progress.update(task, completed=state.done, total=state.total)

        yield update


def cmd_list(ctx: Context) -> int:
    feeds = ctx.store.list_feeds()
    out = Output.for_stdout()
    if ctx.args.json:
        out.json([_feed_json(f) for f in feeds])
        return EXIT_OK
    if not out.rich:
        for f in feeds:
            fields = (
                f.id,
                _clean(f.title),
                _clean(f.url),
                _clean(f.folder or ""),
                f.unread,
                f.total,
            )
            out.line("\t".join(map(str, (*fields, _clean(f.error or f.status)))))
        return EXIT_OK
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    for name, justify in (
        ("id", "right"),
        ("title", "left"),
        ("folder", "left"),
        ("unread", "right"),
        ("total", "right"),
        ("status", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for f in feeds:
        status = Text(_clean(f.error), style="red") if f.error else Text(f.status, style="dim")
        table.add_row(
            str(f.id),
            Text(_clean(f.display_title)),
            Text(_clean(f.folder or "")),
            str(f.unread),
            str(f.total),
            status,
        )
    out.console().print(table)
    if not feeds:
        out.line("No feeds yet: `newsterm add URL` or `newsterm import FILE.opml`.")
    return EXIT_OK


def _print_entries(
    out: Output, entries: Sequence[EntrySummary], as_json: bool, store: Store
) -> None:
    if as_json:
        # Attachments too: a script downloads a podcast's episodes from them.
        attached = store.enclosures([e.id for e in entries])
        out.json([_entry_json(e, attached.get(e.id, ())) for e in entries])
        return
    if not out.rich:
        for e in entries:
            flags = ("N" if not e.read else "-") + ("*" if e.starred else "-")
            fields = (e.id, flags, _iso(e.published), _clean(e.feed_title), _clean(e.title))
            out.line("\t".join(map(str, (*fields, _clean(e.link)))))
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("id", justify="right")
    table.add_column("", width=2)
    table.add_column("date", no_wrap=True)
    table.add_column("feed", max_width=24, no_wrap=True, overflow="ellipsis")
    table.add_column("title", overflow="fold")
    for e in entries:
        marks = Text(("N" if not e.read else " ") + ("*" if e.starred else " "), style="bold")
        title_text = Text(_clean(e.title) or "(untitled)", style="" if e.read else "bold")
        table.add_row(
            str(e.id), marks, _short_date(e.published), Text(_clean(e.feed_title)), title_text
        )
    out.console().print(table)


def cmd_entries(ctx: Context) -> int:
    feed_id = _feed_arg(ctx, ctx.args.feed).id if ctx.args.feed else None
    query = EntryQuery(feed_id=feed_id, unread_only=ctx.args.unread, starred_only=ctx.args.starred)
    entries = ctx.store.list_entries(query, limit=ctx.args.limit)
    _print_entries(Output.for_stdout(), entries, ctx.args.json, ctx.store)
    return EXIT_OK


def cmd_search(ctx: Context) -> int:
    entries = ctx.store.search(ctx.args.query, limit=ctx.args.limit)
    out = Output.for_stdout()
    _print_entries(out, entries, ctx.args.json, ctx.store)
    if not entries and not ctx.args.json:
        print(f"no entries match {ctx.args.query!r}", file=sys.stderr)
    return EXIT_OK


def cmd_mark(ctx: Context) -> int:
    action: str = ctx.args.action
    store = ctx.store
    if ctx.args.all:
        if action != "read" or not ctx.args.feed:
            raise UsageError("--all works only as `newsterm mark read --feed FEED --all`")
        feed = _feed_arg(ctx, ctx.args.feed)
        changed = store.mark_all_read(EntryQuery(feed_id=feed.id))
        Output.for_stdout().line(f"Marked {len(changed)} entries read in {_clean(feed.title)}")
        return EXIT_OK
    if not ctx.args.entries:
        raise UsageError("name at least one ENTRY id (see `newsterm entries`)")
    ids: list[int] = []
    for text in ctx.args.entries:
        if not text.isdigit():
            raise UsageError(f"not an entry id: {text!r}")
        ids.append(int(text))
    found = {e.id for e in store.entry_summaries(ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NewstermError(f"no such entry: {', '.join(map(str, missing))}")
    if action in ("read", "unread"):
        changed = store.set_read(ids, action == "read")
    else:
        changed = store.set_starred(ids, action == "star")
    Output.for_stdout().line(f"Marked {len(changed)} of {len(ids)} entries {action}")
    return EXIT_OK


def _read_input(path: Path) -> bytes:
    try:
        if str(path) == "-":
            return sys.stdin.buffer.read()
        return path.read_bytes()
    except FileNotFoundError:
        raise NewstermError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise NewstermError(f"{path}: is a directory") from None
    except OSError as error:
        raise NewstermError(f"{path}: cannot read: {error.strerror or error}") from None


def cmd_render(ctx: Context) -> int:
    from newsterm.content import article_from_html, parse_seed_document, render_to_text

    data = _read_input(Path(ctx.args.file))
    text = data.decode("utf-8", errors="replace")
    title, link, html = parse_seed_document(text)
    article = article_from_html(html, title=title, base_url=link)
    out = Output.for_stdout(color=True if ctx.args.color else None)
    width = ctx.args.width or (os.get_terminal_size().columns if out.rich else 80)
    out.stream.write(render_to_text(article, width=max(20, width), color=out.color))
    return EXIT_OK


def cmd_repair(ctx: Context) -> int:
    from newsterm.store import (
        DB_FILENAME,
        check_database,
        move_aside,
        salvage_subscriptions,
    )

    path = ctx.data_dir / DB_FILENAME
    out = Output.for_stdout()
    problem = check_database(path)
    if problem is None:
        what = "reads well" if path.exists() else "does not exist yet"
        out.line(f"The database {_clean(str(path))} {what}: nothing to repair.")
        return EXIT_OK
    moved = move_aside(path)
    subscriptions = salvage_subscriptions(moved)
    store = ctx.store  # a new, empty database
    restored = 0
    for url, title, folder in subscriptions:
        if url.lower().startswith(("http://", "https://")) and store.find_feed(url) is None:
            store.add_feed(url, title=title, folder=folder)
            restored += 1
    out.line(f"The database was damaged ({_clean(problem)}).")
    out.line(f"Moved it aside to {_clean(str(moved))} (kept, not deleted); started a new one.")
    if restored:
        out.line(
            f"Re-subscribed to the {restored} feeds that could still be read from it;"
            " `newsterm refresh` fetches their entries (earlier read and starred marks"
            " stay in the old file)."
        )
    else:
        out.line("No subscriptions could be read from it: `newsterm import FILE.opml` them.")
    return EXIT_OK


def cmd_tui(ctx: Context) -> int:
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    probing = None
    if not ctx.args.demo:
        # Check the database for damage on another core while the UI loads: SQLite does
        # the work without the interpreter lock, so start-up does not wait for it.
        probing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="probe")
        probe = probing.submit(ctx.store.probe)
    from newsterm.ui.app import NewstermApp

    if ctx.args.demo:
        from newsterm.demo import load_demo
        from newsterm.store import Store

        with tempfile.TemporaryDirectory(prefix="newsterm-demo-") as tmp:
            store = Store.in_dir(Path(tmp))
            try:
                load_demo(store)
                NewstermApp(store=store, settings=ctx.settings, offline=True).run()
            finally:
                store.close()
        return EXIT_OK
    # The probe and the app's first queries (its feeds and its first screen of articles)
    # run before the screen is taken over: a damaged database is then one line with its
    # way out, not an error over a half-drawn screen.
    assert probing is not None
    with probing:
        probe.result()  # raises StorageError for a damaged file
    ctx.store.list_feeds()
    ctx.store.list_entries(EntryQuery(), limit=100)
    NewstermApp(store=ctx.store, settings=ctx.settings).run()
    return EXIT_OK


WRITING_COMMANDS = frozenset({"add", "remove", "edit", "import", "refresh", "mark"})
"""Commands that write to the database: they check it can be read first."""

COMMANDS: dict[str, Callable[[Context], int]] = {
    "add": cmd_add,
    "remove": cmd_remove,
    "edit": cmd_edit,
    "import": cmd_import,
    "export": cmd_export,
    "refresh": cmd_refresh,
    "list": cmd_list,
    "entries": cmd_entries,
    "search": cmd_search,
    "mark": cmd_mark,
    "render": cmd_render,
    "repair": cmd_repair,
}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsterm",
        description="A fast, keyboard-first terminal feed reader. Without a command, "
        "newsterm opens the reader.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            f"config file: {paths.config_file()} (override with --config or $NEWSTERM_CONFIG)\n"
            f"data dir:    {paths.data_dir()} (override with --data-dir or $NEWSTERM_DATA_DIR)"
        ),
    )
    parser.add_argument("--version", action="version", version=f"newsterm {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="where the database lives")
    parser.add_argument("--config", metavar="FILE", help="the config file to read")
    parser.add_argument(
        "--demo", action="store_true", help="open the shipped demo feeds (offline, temporary)"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    add = sub.add_parser("add", help="subscribe to a feed (or a page that links to one)")
    add.add_argument("url", metavar="URL")
    add.add_argument("--folder", metavar="NAME")

    remove = sub.add_parser("remove", help="unsubscribe (FEED is an id or a URL)")
    remove.add_argument("feed", metavar="FEED")

    edit = sub.add_parser(
        "edit",
        help="rename a feed or move it to another folder (FEED is an id or a URL)",
        description="Rename a feed or move it to another folder. "
        "FEED is an id or a URL (see `newsterm list`).",
    )
    edit.add_argument("feed", metavar="FEED")
    edit.add_argument(
        "--title",
        metavar="TITLE",
        help='your own title, kept across refreshes; "" gives back the publisher\'s',
    )
    moving = edit.add_mutually_exclusive_group()
    moving.add_argument("--folder", metavar="NAME", help="move it into folder NAME (made if new)")
    moving.add_argument("--no-folder", action="store_true", help="take it out of its folder")

    imp = sub.add_parser("import", help="subscribe to every feed of an OPML file")
    imp.add_argument("file", metavar="FILE.opml")

    exp = sub.add_parser("export", help="write subscriptions as OPML 2.0 (stdout by default)")
    exp.add_argument("file", metavar="FILE", nargs="?")

    refresh = sub.add_parser("refresh", help="fetch new entries (all feeds, or those named)")
    refresh.add_argument("feeds", metavar="FEED", nargs="*")
    refresh.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    refresh.add_argument(
        "--force", action="store_true", help="also fetch feeds backing off after errors"
    )

    lst = sub.add_parser("list", help="list feeds with unread and total counts")
    lst.add_argument("--json", action="store_true")

    entries = sub.add_parser("entries", help="list entries, newest first")
    entries.add_argument("--feed", metavar="FEED")
    entries.add_argument("--unread", action="store_true")
    entries.add_argument("--starred", action="store_true")
    entries.add_argument("--limit", type=_positive_int, default=50, metavar="N")
    entries.add_argument("--json", action="store_true")

    search = sub.add_parser("search", help="full-text search over titles, authors and text")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--limit", type=_positive_int, default=50, metavar="N")
    search.add_argument("--json", action="store_true")

    mark = sub.add_parser("mark", help="mark entries read, unread, starred or unstarred")
    mark.add_argument("action", choices=("read", "unread", "star", "unstar"))
    mark.add_argument("entries", metavar="ENTRY", nargs="*")
    mark.add_argument("--feed", metavar="FEED")
    mark.add_argument("--all", action="store_true", help="with --feed: every entry of FEED")

    render = sub.add_parser("render", help="print an article's HTML as the reader shows it")
    render.add_argument("file", metavar="FILE|-")
    render.add_argument("--width", type=_positive_int, metavar="N")
    render.add_argument("--color", action="store_true", help="colours even when piped")

    sub.add_parser(
        "repair",
        help="move a damaged database aside (it is kept) and start a new one; quit newsterm first",
    )
    return parser


def _way_out(error: NewstermError, args: argparse.Namespace) -> str:
    """What the user can do about `error`, as the end of its line ("" if nothing new)."""
    from newsterm.store.connection import DamagedDatabaseError

    if not isinstance(error, DamagedDatabaseError) or args.command == "repair":
        return ""
    data_dir = f" --data-dir {shlex.quote(args.data_dir)}" if args.data_dir else ""
    return (
        f". Run `newsterm{data_dir} repair` to move it aside (nothing is deleted)"
        " and start a new one"
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx: Context | None = None
    try:
        config_path = paths.config_file(args.config)
        settings = load_settings(config_path, required=bool(args.config))
        ctx = Context(args=args, settings=settings, data_dir=paths.data_dir(args.data_dir))
        if args.command is None:
            return cmd_tui(ctx)
        gc.enable()  # off while Python started (see `newsterm.__main__`); commands make garbage
        if args.demo:
            raise UsageError("--demo opens the reader; it does not combine with a command")
        if args.command in WRITING_COMMANDS:
            ctx.store.probe()  # a damaged file is reported before anything writes to it
        return COMMANDS[args.command](ctx)
    except UsageError as error:
        if args.debug:
            raise
        print(f"newsterm: error: {_clean(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except NewstermError as error:
        if args.debug:
            raise
        print(f"newsterm: error: {_clean(str(error))}{_way_out(error, args)}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("newsterm: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `newsterm list | head`: the reader went away; that is not an error.
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:
        if args.debug:
            raise
        print(
            f"newsterm: internal error: {type(error).__name__}: {_clean(str(error))}"
            " (run with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    finally:
        if ctx is not None:
            ctx.close()
