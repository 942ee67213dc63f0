"""The main screen: feed list, article list and reader, a status line, and the commands
that span panes (marking, refreshing, adding, editing and deleting feeds, searching,
opening links).

Data comes from the store through small queries; anything that can take long (ids of a big
list, a refresh, marking thousands read) runs in a thread worker that posts a message.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.events import DescendantFocus, Resize
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from newsterm.models import EntryQuery, Feed, View
from newsterm.ui.formatting import absolute_date, one_line
from newsterm.ui.messages import (
    FeedsLoaded,
    MarkedRead,
    RefreshFinished,
    RefreshProgressed,
    RefreshStarted,
    forward_worker_failure,
)
from newsterm.ui.opener import open_link
from newsterm.ui.palette_command import PaletteCommand
from newsterm.ui.refresher import Refresher
from newsterm.ui.screens.help import HelpGroup, keymap_problems, node_help
from newsterm.ui.selection import VIEW_LABELS, ListTarget
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.feed_list import FeedList
from newsterm.ui.widgets.reader import Reader
from newsterm.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from newsterm.ui.app import NewstermApp
    from newsterm.ui.screens.edit_feed import FeedEdit

NARROW_WIDTH = 100
"""Below this many columns: two panes (feeds + articles, or the reader alone)."""
TINY_WIDTH = 60
"""Below this many columns: one pane at a time."""
PANES = ("feeds", "articles", "reader")
RELOAD_SECONDS = 1.0
"""During a refresh, counts and the list reload at most this often."""


_Method = TypeVar("_Method", bound=Callable[..., Any])


def reports_errors(what: str) -> Callable[[_Method], _Method]:
    """Make a handler that touches the store show a failure in the status line.

    A database locked by another process for too long, or a disk error, must cost the
    one action, not the app (an exception in a handler would end it with a traceback).
    """

    def decorate(method: _Method) -> _Method:
        @functools.wraps(method)
        def wrapper(self: MainScreen, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except Exception as error:
                self.status.show_message(f"{what} failed: {error}", error=True)
                return None

        return cast(_Method, wrapper)

    return decorate


async def _let_repaints_arrive() -> None:
    """Let the panes a handler changed post their repaints before the screen goes idle.

    They post them to the screen from their own tasks; the screen paints as soon as its
    queue is empty, so without this yield it would paint a frame (up to 16 ms) with only
    part of a change on it.
    """
    await asyncio.sleep(0)


class MainScreen(Screen[None], inherit_bindings=False):
    """Three panes over the store; keys that act on "the current article" live here.

    | Key(s) | Description |
    | :- | :- |
    | tab / shift+tab | Next / previous pane. |
    | n / N | Next / previous unread article, across feeds. |
    | m / s | Toggle read / starred. |
    | A / u | Mark everything listed read / undo. |
    | r / R | Refresh this feed / all feeds. |
    | o / y | Open the article's link in the browser / copy it. |
    | a / d | Add a feed / delete the feed. |
    | E | Edit the feed: its title and folder. |
    | e | Show the feed's last error. |
    | / | Full-text search. |
    """

    BINDING_GROUP_TITLE = "Everywhere"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "cycle_pane(1)", "Next pane", id="main.next_pane"),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", id="main.previous_pane"),
        Binding("n", "next_unread(1)", "Next unread", id="main.next_unread"),
        Binding("N", "next_unread(-1)", "Previous unread", id="main.previous_unread"),
        Binding("m", "toggle_read", "Toggle read", id="main.toggle_read"),
        Binding("s", "toggle_star", "Toggle star", id="main.toggle_star"),
        Binding("A", "mark_all_read", "Mark all listed read", id="main.mark_all_read"),
        Binding("u", "undo", "Undo mark all read", id="main.undo"),
        Binding("r", "refresh_feed", "Refresh feed", id="main.refresh_feed"),
        Binding("R", "refresh_all", "Refresh all feeds", id="main.refresh_all"),
        Binding("o", "open_in_browser", "Open in browser", id="main.open_link"),
        Binding("y", "copy_link", "Copy link", id="main.copy_link"),
        Binding("a", "add_feed", "Add feed", id="main.add_feed"),
        Binding("d", "delete_feed", "Delete feed", id="main.delete_feed"),
        Binding("E", "edit_feed", "Edit feed", id="main.edit_feed"),
        Binding("e", "show_error", "Show feed error", id="main.show_error"),
        Binding("slash", "search", "Search", id="main.search"),
    ]

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """As Textual's, minus its repaint of the whole screen on every focus change (a full
    frame, 20-30 ms): the panes gaining and losing focus restyle and repaint themselves,
    and nothing else on this screen depends on focus."""

    def __init__(self) -> None:
        super().__init__()
        self.active_pane = "feeds"
        """The pane with focus (decides which panes show on a narrow terminal)."""
        self.undo_stack: list[list[int]] = []
        """Ids changed by each "mark all read", most recent last."""
        self.last_search = ""
        self._dirty = False

    @property
    def napp(self) -> NewstermApp:
        """The app, typed."""
        from newsterm.ui.app import NewstermApp

        assert isinstance(self.app, NewstermApp)
        return self.app

    # -- composition --------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        app = self.napp
        with Horizontal(id="panes"):
            yield FeedList(id="feeds")
            with Vertical(id="right"):
                yield ArticleList(app.store, app.now, id="articles")
                yield Reader(app.now, id="reader")
        yield StatusBar(id="status")
        yield Refresher(app.store, app.settings, offline=app.offline, now=app.now)

    @property
    def feed_list(self) -> FeedList:
        return self.query_one(FeedList)

    @property
    def article_list(self) -> ArticleList:
        return self.query_one(ArticleList)

    @property
    def reader(self) -> Reader:
        return self.query_one(Reader)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def refresher(self) -> Refresher:
        return self.query_one(Refresher)

    def on_mount(self) -> None:
        app = self.napp
        self.feed_list.border_title = "Feeds"
        self.article_list.border_title = "Articles"
        self.reader.border_title = "Reader"
        # Paint the cached state first: one small query for feeds and counts.
        feeds = app.store.list_feeds()
        self.feed_list.set_feeds(feeds, app.store.count_entries(EntryQuery(starred_only=True)))
        self._update_counts()
        self.feed_list.focus()
        self.feed_list.highlighted = 0
        self.set_interval(RELOAD_SECONDS, self._reload_if_dirty)
        self._check_keymap()
        if app.offline:
            self.status.show_message("Demo mode: offline, nothing is fetched.")
        if not feeds:
            self.call_after_refresh(self._welcome)
        elif app.settings.refresh_on_start:
            # After the first paint: the refresh's thread imports the fetching stack, and
            # holding the interpreter lock for that delayed the cached lists by ~70 ms.
            self.call_after_refresh(self.refresher.refresh_due)

    def _check_keymap(self) -> None:
        """Report keymap entries that name no binding or take a key already in use."""
        keymap = self.napp.keymap
        if not keymap:
            return
        nodes: list[DOMNode] = [self.app, self, self.feed_list, self.article_list, self.reader]
        for problem in keymap_problems(keymap, [type(node).BINDINGS for node in nodes]):
            self.notify(problem, title="Keymap", severity="warning", markup=False, timeout=10)

    def _welcome(self) -> None:
        def chosen(choice: str | None) -> None:
            if choice == "add":
                self.action_add_feed()

        from newsterm.ui.screens.welcome import WelcomeScreen  # a dialog loads when it opens

        self.app.push_screen(WelcomeScreen(), chosen)

    # -- layout -------------------------------------------------------------------------
    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")
        self.set_class(event.size.width < TINY_WIDTH, "-tiny")
        self._apply_pane_classes()

    def _pane_of(self, widget: Widget) -> str | None:
        for node in widget.ancestors_with_self:
            if node.id in PANES:
                return node.id
        return None

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        pane = self._pane_of(event.widget)
        if pane is not None:
            self._set_active_pane(pane)

    def _set_active_pane(self, pane: str) -> None:
        self.active_pane = pane
        self._apply_pane_classes()

    def _apply_pane_classes(self) -> None:
        """Mark the active pane on the screen, which hides the others when it is narrow.

        A class change on the screen restyles every widget and lays the screen out again
        (about 60 ms), so on a wide screen, where every pane shows, there is none.
        """
        narrow = self.has_class("-narrow")
        for name in PANES:
            self.set_class(narrow and name == self.active_pane, f"-pane-{name}")

    def focus_pane(self, pane: str) -> None:
        """Give `pane` the focus, first making it visible on a narrow terminal."""
        self._set_active_pane(pane)
        widget = self.query_one(f"#{pane}", Widget)
        self.call_after_refresh(widget.focus)

    def action_cycle_pane(self, step: int) -> None:
        index = PANES.index(self.active_pane) if self.active_pane in PANES else 0
        self.focus_pane(PANES[(index + step) % len(PANES)])

    # -- feed list ----------------------------------------------------------------------
    @on(FeedList.Highlighted)
    async def _feed_highlighted(self, event: FeedList.Highlighted) -> None:
        self._show_target(event.target)
        feed = event.feed
        if feed is not None and feed.has_error:
            self.status.show_message(
                f"! {feed.display_title}: {feed.error} (e for details)", error=True
            )
        elif feed is not None and feed.status not in ("ok", "new"):
            self.status.show_message(f"{feed.display_title}: {feed.status}")
        await _let_repaints_arrive()  # else the cursor paints a frame before its list

    @on(FeedList.Selected)
    def _feed_selected(self, event: FeedList.Selected) -> None:
        self._show_target(event.target)
        self.focus_pane("articles")

    def _show_target(self, target: ListTarget) -> None:
        current = self.article_list.target
        if current is not None and current.key == target.key:
            return
        self.article_list.show(target)

    # -- article list and reader --------------------------------------------------------
    @on(ArticleList.Loaded)
    def _articles_loaded(self, event: ArticleList.Loaded) -> None:
        if event.target.query.search:
            self.status.show_message(f"{event.count:,} matches for {event.target.query.search}")

    @on(ArticleList.Opened)
    async def _article_opened(self, event: ArticleList.Opened) -> None:
        self.open_entry(event.entry_id, focus_reader=event.focus_reader)
        # The article paints at once and the focus moves after that paint (as `focus_pane`
        # intends); else the focus change (restyling both panes, ~15 ms) held it back.
        await _let_repaints_arrive()

    @on(ArticleList.ReadOn)
    def _read_on(self) -> None:
        self.reader.action_page_or_next()

    @on(ArticleList.Back)
    def _articles_back(self) -> None:
        self.focus_pane("feeds")

    @on(Reader.Back)
    def _reader_back(self) -> None:
        self.focus_pane("articles")

    @on(Reader.NextRequested)
    def _reader_next(self) -> None:
        next_id = self.article_list.neighbour_id(1)
        if self.reader.entry is None:
            next_id = self.article_list.current_id
        if next_id is None:
            self.status.show_message("End of the list.")
            return
        self.article_list.move_to_id(next_id)
        self.open_entry(next_id, focus_reader=False)

    @on(Reader.LinkRequested)
    def _reader_link(self, event: Reader.LinkRequested) -> None:
        self.open_url(event.url)

    @on(Reader.PickLinkRequested)
    def _pick_link(self, event: Reader.PickLinkRequested) -> None:
        def picked(url: str | None) -> None:
            if url:
                self.open_url(url)

        from newsterm.ui.screens.links import LinksScreen  # a dialog loads when it opens

        self.app.push_screen(LinksScreen(event.links), picked)

    @reports_errors("Opening the article")
    def open_entry(self, entry_id: int, *, focus_reader: bool) -> None:
        """Show an entry in the reader, marking it read when the settings say so."""
        store = self.napp.store
        entry = store.get_entry(entry_id)
        if entry is None:
            self.status.show_message("That article is gone.", error=True)
            self.article_list.reload()
            return
        if self.napp.settings.mark_read_on_open and not entry.read:
            if store.set_read([entry.id], True):
                self.refresher.acknowledge_own_writes()
                self.feed_list.adjust_unread(entry.feed_id, -1)
                self._update_counts()
            self.article_list.patch(entry.id, read=True)
            entry = replace(entry, read=True)
        self.reader.show(entry)
        self.article_list.shown_entry_id = entry.id
        if focus_reader:
            self.focus_pane("reader")
        # After the paint: the worker holds the interpreter for a few ms, which the paint
        # would otherwise wait for.
        self.call_after_refresh(self._prepare_next, entry.id)

    def _prepare_next(self, shown_id: int) -> None:
        """Have the reader render, while the user reads, what n or the next row opens next."""
        articles = self.article_list
        target = articles.target
        if target is None or articles.current_id != shown_id:
            return
        reader = self.reader
        self._prepare_entries(
            reader, target.query, shown_id, articles.neighbour_id(1), reader.prepare_size
        )

    @work(
        thread=True,
        exclusive=True,
        group="prepare",
        exit_on_error=False,
        description="Prepare the next articles",
    )
    def _prepare_entries(
        self,
        reader: Reader,
        query: EntryQuery,
        shown_id: int,
        next_row_id: int | None,
        size: tuple[int, int, int],
    ) -> None:
        worker = get_current_worker()
        store = self.napp.store
        try:
            next_unread = store.next_unread(query, shown_id)
            ids = dict.fromkeys(i for i in (next_row_id, next_unread) if i is not None)
            entries = [entry for i in ids if (entry := store.get_entry(i)) is not None]
            reader.prepare(entries, size, lambda: worker.is_cancelled)
        except Exception:  # best effort: an article not prepared is rendered when opened
            return

    def current_entry_id(self) -> int | None:
        """The article keys act on: the reader's when it has focus, else the cursor's."""
        if self.active_pane == "reader" and self.reader.entry is not None:
            return self.reader.entry.id
        return self.article_list.current_id or (
            self.reader.entry.id if self.reader.entry is not None else None
        )

    def current_feed(self) -> Feed | None:
        """The feed keys act on: the highlighted feed, else the current article's feed."""
        if self.active_pane == "feeds":
            return self.feed_list.current_feed
        target = self.article_list.target
        if target is not None and target.feed_id is not None:
            return self.feed_list.feeds.get(target.feed_id)
        entry_id = self.current_entry_id()
        if entry_id is not None and (summary := self.article_list.summary(entry_id)):
            return self.feed_list.feeds.get(summary.feed_id)
        return self.feed_list.current_feed

    # -- marking ------------------------------------------------------------------------
    @reports_errors("Marking")
    def action_toggle_read(self) -> None:
        entry_id = self.current_entry_id()
        summary = self.article_list.summary(entry_id) if entry_id is not None else None
        if summary is None:
            return
        read = not summary.read
        if self.napp.store.set_read([summary.id], read):
            self.refresher.acknowledge_own_writes()
            self.feed_list.adjust_unread(summary.feed_id, -1 if read else 1)
            self._update_counts()
        self.article_list.patch(summary.id, read=read)
        self._refresh_reader_header(summary.id)
        self.status.show_message("Marked read." if read else "Marked unread.")

    @reports_errors("Starring")
    def action_toggle_star(self) -> None:
        entry_id = self.current_entry_id()
        summary = self.article_list.summary(entry_id) if entry_id is not None else None
        if summary is None:
            return
        starred = not summary.starred
        if self.napp.store.set_starred([summary.id], starred):
            self.refresher.acknowledge_own_writes()
            self.feed_list.adjust_starred(1 if starred else -1)
        self.article_list.patch(summary.id, starred=starred)
        self._refresh_reader_header(summary.id)
        self.status.show_message("Starred." if starred else "Unstarred.")

    def _refresh_reader_header(self, entry_id: int) -> None:
        shown = self.reader.entry
        if shown is not None and shown.id == entry_id:
            entry = self.napp.store.get_entry(entry_id)
            if entry is not None:
                self.reader.refresh_header(entry)

    def action_mark_all_read(self) -> None:
        target = self.article_list.target
        if target is not None:
            self._mark_all(target)

    @work(
        thread=True, exclusive=True, group="marks", exit_on_error=False, description="Mark all read"
    )
    def _mark_all(self, target: ListTarget) -> None:
        ids = self.napp.store.mark_all_read(target.query)
        self.post_message(MarkedRead(ids, True, target.label))

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.status.show_message("Nothing to undo.")
            return
        self._unmark(self.undo_stack.pop())

    @work(thread=True, exclusive=True, group="marks", exit_on_error=False, description="Undo")
    def _unmark(self, ids: list[int]) -> None:
        changed = self.napp.store.set_read(ids, False)
        self.post_message(MarkedRead(changed, False, ""))

    @on(MarkedRead)
    def _marked(self, message: MarkedRead) -> None:
        count = len(message.entry_ids)
        if message.read:
            if not count:
                self.status.show_message(f"Nothing unread in {message.label}.")
                return
            self.undo_stack.append(message.entry_ids)
            self.status.show_message(f"Marked {count:,} read in {message.label}. u to undo.")
        else:
            self.status.show_message(f"Marked {count:,} unread again.")
        self._reload_now()

    # -- next unread --------------------------------------------------------------------
    @reports_errors("Finding the next unread article")
    def action_next_unread(self, direction: int) -> None:
        found = self.article_list.find_unread(direction, opened_id=self._opened_id())
        if found is not None:
            self.article_list.move_to_id(found)
            self.open_entry(found, focus_reader=False)
            return
        self._unread_in_next_feed(direction)

    def _opened_id(self) -> int | None:
        return self.reader.entry.id if self.reader.entry is not None else None

    def _unread_in_next_feed(self, direction: int) -> None:
        feeds = self.feed_list
        target = self.article_list.target
        keys = feeds.keys_in_order()
        if target is None or target.feed_id is None or not keys:
            self.status.show_message("No more unread articles.")
            return
        position = keys.index(target.key) if target.key in keys else -1
        order = (
            keys[position + 1 :] + keys[:position]
            if direction > 0
            else (list(reversed(keys[:position])) + list(reversed(keys[position + 1 :])))
        )
        for key in order:
            feed = feeds.feeds.get(int(key.removeprefix("feed:")))
            if feed is not None and feed.unread > 0:
                next_target = ListTarget.for_feed(feed)
                self.article_list.show(
                    next_target, then=partial(self._open_first_unread, direction=direction)
                )
                feeds.select_key(key)
                return
        self.status.show_message("No more unread articles.")

    @reports_errors("Finding the next unread article")
    def _open_first_unread(self, articles: ArticleList, direction: int) -> None:
        """After switching feeds for n/N: open its first (or, going back, last) unread."""
        if not articles.entry_ids:
            return
        articles.move_to(0 if direction > 0 else len(articles.entry_ids) - 1)
        found = articles.find_unread(direction, opened_id=None)
        if found is not None:
            articles.move_to_id(found)
            self.open_entry(found, focus_reader=False)

    # -- refresh ------------------------------------------------------------------------
    def start_refresh(self, feeds: list[Feed], label: str) -> None:
        """Refresh `feeds` in the background; progress arrives as messages."""
        if not feeds:
            self.status.show_message("No feeds to refresh.")
        elif self.refresher.start(feeds, label):
            self.status.show_progress(0, len(feeds))
        else:
            self.status.show_message("Demo mode: offline, nothing is fetched.")
            self.notify("demo mode: offline", severity="warning")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        forward_worker_failure(self, event)

    @on(Refresher.Failed)
    def _refresh_failed(self, message: Refresher.Failed) -> None:
        self.status.end_progress(f"Refresh failed: {message.error}", error=True)
        self._reload_now()

    @on(Refresher.DataChanged)
    def _data_changed(self) -> None:
        self._dirty = True

    @on(RefreshStarted)
    def _refresh_started(self, message: RefreshStarted) -> None:
        self.status.show_progress(0, message.total)

    @on(RefreshProgressed)
    def _refresh_progressed(self, message: RefreshProgressed) -> None:
        progress = message.progress
        if self.refresher.running:
            self.status.show_progress(progress.done, progress.total)
        self._dirty = True

    @on(RefreshFinished)
    def _refresh_finished(self, message: RefreshFinished) -> None:
        report = message.report
        failed = report.failed
        done = len(report.outcomes)
        feeds = f"{done:,} feed{'s' if done != 1 else ''}"
        summary = f"Refreshed {feeds}: {report.new_entries:,} new"
        if message.cancelled:
            summary = f"Refresh stopped after {feeds}: {report.new_entries:,} new"
        if failed:
            latest = failed[-1]
            summary += f", {len(failed)} failed (last: {latest.title}: {latest.error})"
        self.status.end_progress(summary, error=bool(failed))
        self._reload_now()

    @reports_errors("Refresh")
    def action_refresh_feed(self) -> None:
        if self.refresher.running:
            self.status.show_message("A refresh is running; it will finish first.")
            return
        feeds = self.feed_list
        key = feeds.highlighted_key
        if self.active_pane == "feeds" and key:
            if key.startswith("folder:"):
                folder = key.removeprefix("folder:")
                members = [f for f in feeds.feeds.values() if f.folder == folder]
                self.start_refresh(members, f"folder {folder}")
                return
            if key.startswith("view:"):
                self.action_refresh_all()
                return
        feed = self.current_feed()
        if feed is None:
            self.action_refresh_all()
        else:
            self.start_refresh([feed], feed.display_title)

    @reports_errors("Refresh")
    def action_refresh_all(self) -> None:
        self.start_refresh(self.napp.store.list_feeds(), "all feeds")

    def _reload_if_dirty(self) -> None:
        if self._dirty:
            self._reload_now()

    def _reload_now(self) -> None:
        """Reload counts and the list (the cursor stays on its entry)."""
        self._dirty = False
        self._load_feeds()
        self.article_list.reload()

    @work(thread=True, exclusive=True, group="feeds", exit_on_error=False, description="Load feeds")
    def _load_feeds(self) -> None:
        self.post_message(self._listed_feeds())

    def _listed_feeds(self) -> FeedsLoaded:
        """The feeds with their counts, and the starred count, as the feed list shows them
        (read at once after the user's own change, so the next paint shows it)."""
        store = self.napp.store
        return FeedsLoaded(store.list_feeds(), store.count_entries(EntryQuery(starred_only=True)))

    @on(FeedsLoaded)
    def _feeds_loaded(self, message: FeedsLoaded) -> None:
        self.feed_list.set_feeds(message.feeds, message.starred)
        self._update_counts()

    def _update_counts(self) -> None:
        feeds = self.feed_list.feeds.values()
        failing = sum(1 for feed in feeds if feed.has_error)
        self.status.set_counts(
            self.feed_list.unread_total,
            len(self.feed_list.feeds),
            failing,
            offline=self.napp.offline,
        )

    # -- links --------------------------------------------------------------------------
    def _current_link(self) -> str | None:
        entry_id = self.current_entry_id()
        if entry_id is None:
            return None
        shown = self.reader.entry
        if shown is not None and shown.id == entry_id:
            return shown.link or None
        summary = self.article_list.summary(entry_id)
        return summary.link if summary is not None and summary.link else None

    @reports_errors("Opening the link")
    def action_open_in_browser(self) -> None:
        link = self._current_link()
        if link is None:
            self.status.show_message("No link to open.")
            return
        self.open_url(link)

    def open_url(self, url: str) -> None:
        """Open an http(s) URL: a terminal browser suspends the app, others start detached."""
        message, error = open_link(self.app, url, self.napp.settings.browser)
        self.status.show_message(message, error=error)

    @reports_errors("Copying the link")
    def action_copy_link(self) -> None:
        link = self._current_link()
        if link is None:
            self.status.show_message("No link to copy.")
            return
        self.app.copy_to_clipboard(link)
        self.status.show_message(f"Copied {one_line(link)}")

    # -- feeds: add, edit, delete, errors -----------------------------------------------
    def action_add_feed(self) -> None:
        app = self.napp
        if app.offline:
            self.status.show_message("Demo mode: offline, feeds cannot be added.")
            self.notify("demo mode: offline", severity="warning")
            return
        folders = self._folder_names()

        def added(feed: Feed | None) -> None:
            if feed is None:
                if not self.feed_list.feeds:
                    self._welcome()
                return
            self._feeds_loaded(self._listed_feeds())
            self.feed_list.select_key(f"feed:{feed.id}")
            self.focus_pane("feeds")
            self.status.show_message(f"Added {feed.display_title}.")

        from newsterm.ui.screens.add_feed import AddFeedScreen  # a dialog loads when it opens

        self.app.push_screen(AddFeedScreen(app.store, app.settings, folders), added)

    def _folder_names(self) -> list[str]:
        """The folders of the listed feeds, for a dialog's completions."""
        return sorted({f.folder for f in self.feed_list.feeds.values() if f.folder})

    def _feed_for(self, doing: str) -> Feed | None:
        """The feed a feed action acts on, as last listed; None (said on the status line,
        "Highlight a feed to `doing`.") when a view or folder is highlighted."""
        feed = self.current_feed()
        if feed is None:
            self.status.show_message(f"Highlight a feed to {doing}.")
            return None
        return self.feed_list.feeds.get(feed.id, feed)

    @reports_errors("Editing the feed")
    def action_edit_feed(self) -> None:
        latest = self._feed_for("edit it")
        if latest is None:
            return

        def edited(edit: FeedEdit | None) -> None:
            if edit is not None:
                self._save_feed_edit(latest, edit)

        from newsterm.ui.screens.edit_feed import EditFeedScreen  # a dialog loads when it opens

        self.app.push_screen(EditFeedScreen(latest, self._folder_names()), edited)

    @reports_errors("Editing the feed")
    def _save_feed_edit(self, feed: Feed, edit: FeedEdit) -> None:
        """Write the dialog's changes, then show them everywhere the feed's title or folder is."""
        if not edit.changed:
            self.status.show_message("Nothing changed.")
            return
        store = self.napp.store
        key = f"feed:{feed.id}"
        was_highlighted = self.feed_list.highlighted_key == key
        if edit.title is not None:
            store.rename_feed(feed.id, edit.title)
        if edit.folder_changed:
            store.set_feed_folder(feed.id, edit.folder)
        self.refresher.acknowledge_own_writes()
        if was_highlighted and edit.folder is not None:
            # The list keeps its cursor on the feed by its key, wherever the feed moved to,
            # as long as the row shows: a folded folder it moved into opens.
            self.feed_list.collapsed.discard(edit.folder)
        self._feeds_loaded(self._listed_feeds())
        updated = self.feed_list.feeds.get(feed.id)
        if updated is None:  # deleted meanwhile by another newsterm
            self.status.show_message("That feed is gone.", error=True)
            return
        target = self.article_list.target
        if target is not None and target.feed_id == feed.id:
            self.article_list.show(ListTarget.for_feed(updated))  # a new title above its list
        else:
            self.article_list.reload()  # rows of views and folders name their feed
        shown = self.reader.entry
        if shown is not None and shown.feed_id == feed.id:
            self._refresh_reader_header(shown.id)
        self.status.show_message(self._edit_summary(feed, edit))

    @staticmethod
    def _edit_summary(before: Feed, edit: FeedEdit) -> str:
        """One line saying what the edit changed (the status line cleans what it shows)."""
        name = before.display_title
        if edit.title:
            said = f"Renamed {name} to {edit.title}"
        elif edit.title is not None:
            said = f"{name} takes its publisher's title again at the next refresh"
        else:
            said = f"Moved {name}"
        if edit.folder_changed:
            moved = f"to {edit.folder}" if edit.folder else f"out of {before.folder}"
            said += f" {moved}" if edit.title is None else f"; moved it {moved}"
        return said + "."

    @reports_errors("Deleting the feed")
    def action_delete_feed(self) -> None:
        latest = self._feed_for("delete it")
        if latest is None:
            return
        question = Text("Unsubscribe from ")
        question.append(one_line(latest.display_title), style="bold")
        question.append(f" and delete its {latest.total:,} articles?")

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(latest)

        from newsterm.ui.screens.confirm import ConfirmScreen  # a dialog loads when it opens

        self.app.push_screen(
            ConfirmScreen(question, yes_label="Delete", title="Delete feed"), answered
        )

    @reports_errors("Deleting the feed")
    def _delete(self, feed: Feed) -> None:
        store = self.napp.store
        store.remove_feed(feed.id)
        self.refresher.acknowledge_own_writes()
        target = self.article_list.target
        if target is not None and target.feed_id == feed.id:
            self.reader.show_placeholder()
        # The feed list keeps its cursor in place, on the item that took the feed's row.
        self._feeds_loaded(self._listed_feeds())
        if self.feed_list.current_target is not None:
            self._show_target(self.feed_list.current_target)
        self.article_list.reload()
        self.status.show_message(f"Deleted {feed.display_title}.")
        if not self.feed_list.feeds:
            self._welcome()

    @reports_errors("Showing the feed's status")
    def action_show_error(self) -> None:
        feed = self._feed_for("see its status")
        if feed is None:
            return
        checked = absolute_date(feed.last_checked) or "never"
        if feed.has_error:
            message = (
                f"{one_line(feed.display_title)}\n{one_line(feed.error or '')}\n"
                f"failed {feed.error_count} time(s) in a row; last checked {checked}"
            )
            self.notify(message, title="Feed error", severity="error", markup=False, timeout=10)
        else:
            self.notify(
                f"{one_line(feed.display_title)}: no error; last checked {checked}",
                markup=False,
            )

    # -- search -------------------------------------------------------------------------
    def action_search(self) -> None:
        def searched(text: str | None) -> None:
            if not text:
                return
            self.last_search = text
            self.article_list.show(ListTarget.for_search(text))
            self.focus_pane("articles")

        from newsterm.ui.screens.search import SearchScreen  # a dialog loads when it opens

        self.app.push_screen(SearchScreen(self.last_search), searched)

    # -- help and palette ---------------------------------------------------------------
    def help_groups(self) -> list[HelpGroup]:
        """Help for each pane and for the screen and app, from their live bindings."""
        keymap = self.napp.keymap
        panes: list[Widget] = [self.feed_list, self.article_list, self.reader]
        groups = [
            node_help(self.app, pane, keymap, focused=self.active_pane == pane.id) for pane in panes
        ]
        groups.sort(key=lambda group: not group.focused)  # the focused pane first
        groups.append(node_help(self.app, self, keymap))
        groups.append(node_help(self.app, self.app, keymap))
        return groups

    def palette_commands(self) -> list[PaletteCommand]:
        """Views, folders, feeds and every described binding, for the command palette."""
        commands: list[PaletteCommand] = []
        for view in View:
            commands.append(
                PaletteCommand(
                    f"view: {VIEW_LABELS[view]}", partial(self._go_to, f"view:{view.value}")
                )
            )
        feeds = sorted(self.feed_list.feeds.values(), key=lambda f: f.display_title.casefold())
        for folder in sorted({f.folder for f in feeds if f.folder}, key=str.casefold):
            commands.append(
                PaletteCommand(
                    f"folder: {one_line(folder)}", partial(self._go_to, f"folder:{folder}")
                )
            )
        for feed in feeds:
            commands.append(
                PaletteCommand(
                    f"feed: go to {one_line(feed.display_title)}",
                    partial(self._go_to, f"feed:{feed.id}"),
                )
            )
        nodes: list[DOMNode] = [self, self.feed_list, self.article_list, self.reader, self.app]
        seen: set[str] = set()
        for node in nodes:
            group = node_help(self.app, node, self.napp.keymap)
            keys_for = {row.description: row.keys for row in group.rows}
            for binding in Binding.make_bindings(type(node).BINDINGS):
                if not binding.description or binding.system or binding.group is not None:
                    continue
                title = f"action: {binding.description}"
                if title in seen:
                    continue
                seen.add(title)
                keys = keys_for.get(binding.description, "")
                commands.append(
                    PaletteCommand(
                        title,
                        partial(self._run_in, node, binding.action),
                        f"{group.title} · {keys}" if keys else group.title,
                    )
                )
        return commands

    def _go_to(self, key: str) -> None:
        if self.feed_list.select_key(key):
            target = self.feed_list.current_target
            if target is not None:
                self._show_target(target)
            self.focus_pane("articles")

    async def _run_in(self, node: DOMNode, action: str) -> None:
        """Run a binding's action from the palette in the node that owns it."""
        if node.id in PANES:
            self.focus_pane(node.id or "")
        await self.app.run_action(action, node)
