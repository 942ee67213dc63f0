"""The article list: a Line-API view over entry ids, drawn a window at a time.

It holds only the ids of its target (loaded in a thread worker) and an LRU cache of row
summaries fetched per visible window, so 100,000 entries cost what 100 do. The cursor is
kept by entry id across reloads, so entries arriving from a refresh appear in place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.worker import Worker

from newsterm.models import EntrySummary
from newsterm.store import Store
from newsterm.ui.formatting import one_line, relative_date
from newsterm.ui.messages import forward_worker_failure
from newsterm.ui.selection import ListTarget
from newsterm.ui.widgets.row_list import RowList

FIRST_PAGE = 60
"""Rows shown at once when a big list opens, before all its ids have loaded."""
PREFETCH_MARGIN = 40
"""Rows fetched above and below the visible window in one query."""
UNREAD_SCAN_WINDOW = 200
"""Rows read per query when looking upwards for an unread entry."""
DATE_WIDTH = 8
"""Cells for the relative date column ("23h", "Mar 14", "Jan 2014")."""

_MISSING = EntrySummary(0, 0, "", "", "", "", None, True, False)
"""Stands in for an id that vanished from the store between listing and drawing."""


def _fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells: cut with an ellipsis, or padded (as Rich's
    `Text.truncate(width, overflow="ellipsis", pad=True)` does)."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…"
    return text + " " * (width - length)


class ArticleList(RowList, can_focus=True, inherit_bindings=False):
    """Entries of the current target, newest first, one line each.

    | Key(s) | Description |
    | :- | :- |
    | j, down | Next article. |
    | k, up | Previous article. |
    | g, home | First article. |
    | G, end | Last article. |
    | pagedown / pageup | Page down / up. |
    | enter, l | Open the article in the reader. |
    | space | Show the article, or page the reader when it already shows it. |
    | h, escape | Back to the feed list. |
    """

    BINDING_GROUP_TITLE = "Articles"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next article", id="article_list.down"),
        Binding("k,up", "cursor_up", "Previous article", id="article_list.up"),
        Binding("g,home", "first", "First article", id="article_list.first"),
        Binding("G,end", "last", "Last article", id="article_list.last"),
        Binding("pagedown", "page_down", "Page down", id="article_list.page_down"),
        Binding("pageup", "page_up", "Page up", id="article_list.page_up"),
        Binding("enter,l", "open", "Open article", id="article_list.open"),
        Binding("space", "read_on", "Show / page the reader", id="article_list.read_on"),
        Binding("h,escape", "back", "Back to feeds", id="article_list.back"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article-list--cursor",
        "article-list--cursor-blurred",
        "article-list--unread",
        "article-list--read",
        "article-list--mark",
        "article-list--star",
        "article-list--feed",
        "article-list--date",
        "article-list--empty",
    }

    DEFAULT_CSS = """
    ArticleList {
        overflow-x: hidden;
        overflow-y: auto;
        & > .article-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .article-list--cursor-blurred {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        & > .article-list--unread { text-style: bold; }
        & > .article-list--read { color: $text-muted; }
        & > .article-list--mark { color: $accent; }
        & > .article-list--star { color: $warning; }
        & > .article-list--feed { color: $text-secondary; }
        & > .article-list--date { color: $text-muted; }
        & > .article-list--empty { color: $text-muted; }
    }
    """

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another entry (None when the list is empty)."""

        article_list: ArticleList
        entry_id: int | None

    @dataclass
    class Opened(Message):
        """The user asked to read an entry."""

        article_list: ArticleList
        entry_id: int
        focus_reader: bool
        """Move focus to the reader (Enter) or keep it here (space, click)."""

    @dataclass
    class ReadOn(Message):
        """Space on the entry the reader already shows: page the reader."""

        article_list: ArticleList
        entry_id: int

    @dataclass
    class Back(Message):
        """The user left the list towards the feeds."""

        article_list: ArticleList

    @dataclass
    class Loaded(Message):
        """A target's ids arrived; `count` rows are listed."""

        article_list: ArticleList
        target: ListTarget
        count: int

    @dataclass
    class _IdsReady(Message, bubble=False):
        generation: int
        ids: list[int]
        keep_id: int | None

    cursor: reactive[int] = reactive(0, always_update=False, init=False, repaint=False)
    """Index of the highlighted row."""

    def __init__(
        self,
        store: Store,
        now: Callable[[], datetime],
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(cached_rows=512, name=name, id=id, classes=classes)
        self.store = store
        """Where rows come from (read-only queries, plus marks made by the screen)."""
        self.now = now
        """The clock used for relative dates (frozen in tests)."""
        self.target: ListTarget | None = None
        """What the list shows; None before the first `show`."""
        self.shown_entry_id: int | None = None
        """The entry the reader shows, so space can page it instead of reopening."""
        self._ids: list[int] = []
        self._loaded = False
        self._partial = False
        self._generation = 0
        self._after_load: Callable[[ArticleList], None] | None = None
        self._summaries: LRUCache[int, EntrySummary] = LRUCache(4096)

    # -- public API ---------------------------------------------------------------------
    @property
    def entry_ids(self) -> Sequence[int]:
        """The ids listed, in order (read-only view)."""
        return self._ids

    @property
    def current_id(self) -> int | None:
        """The highlighted entry's id."""
        if 0 <= self.cursor < len(self._ids):
            return self._ids[self.cursor]
        return None

    @property
    def row_count(self) -> int:
        return len(self._ids)

    @property
    def cursor_row(self) -> int | None:
        return self.cursor if self._ids else None

    @property
    def loaded(self) -> bool:
        """True once the current target's ids have arrived."""
        return self._loaded

    def show(
        self, target: ListTarget, *, then: Callable[[ArticleList], None] | None = None
    ) -> None:
        """List `target` (ids load in a worker); `then` runs once they are in place."""
        same = self.target is not None and self.target.key == target.key
        self.target = target
        self._set_title(None)
        if not same:
            self._loaded = False
            self._partial = False
            self._ids = []
            self._summaries.clear()  # rows are re-read for the new list, never stale
            self.set_reactive(ArticleList.cursor, 0)
            self.scroll_to(y=0, animate=False, immediate=True)
            # The height changes when the ids arrive (a new height costs a layout of the
            # screen, so it is set once, and not at all when both lists are as long).
            self.refresh()
        self._after_load = then
        if not same and self._show_first_page():
            # The first screenful is on its way: list the rest once it is painted, so a
            # big list's ids don't compete with that paint for the interpreter.
            self.call_after_refresh(self._request_ids_for, target)
            return
        self._request_ids(keep_id=self.current_id if same else None)

    def _set_title(self, count: int | None) -> None:
        """Name what is listed in the border, with how many once the ids are in.

        The list titles itself: a title set by the screen on `Loaded` would paint a frame
        after the rows it counts.
        """
        assert self.target is not None
        title = Text(one_line(self.target.label), no_wrap=True)
        if count is not None:
            title.append(f" · {count:,}")
        self.border_title = title

    def _request_ids_for(self, target: ListTarget) -> None:
        if self.target is target and not self._loaded:
            self._request_ids(keep_id=None)

    def _show_first_page(self) -> bool:
        """Draw the newest rows at once, before the whole id list loads in the worker.

        Listing 100,000 ids takes tens of milliseconds; the first screenful is one small
        indexed query, so a big view paints in the same frame as the key that opened it.
        One feed's ids are listed at once instead (about a millisecond): False then.
        """
        assert self.target is not None
        if self._lists_at_once():
            return False
        try:
            first = self.store.list_entries(self.target.query, limit=FIRST_PAGE)
        except Exception:  # the id worker reports it
            return False
        for summary in first:
            self._summaries.discard(summary.id)
            self._summaries[summary.id] = summary
        self._ids = [summary.id for summary in first]
        self._partial = True
        self._set_height()
        self.refresh()
        self.post_message(self.Highlighted(self, self.current_id))
        return True

    def reload(self) -> None:
        """Reload the ids (after a refresh or a bulk change), keeping the cursor's entry."""
        if self.target is not None:
            self._summaries.clear()
            self._strips.clear()
            self._request_ids(keep_id=self.current_id)

    def summary(self, entry_id: int) -> EntrySummary | None:
        """The cached row of `entry_id`, fetching it if needed."""
        cached = self._summaries.get(entry_id)
        if cached is None:
            found = self.store.entry_summaries([entry_id])
            if not found:
                return None
            cached = found[0]
            self._summaries[entry_id] = cached
        return None if cached is _MISSING else cached

    def patch(
        self, entry_id: int, *, read: bool | None = None, starred: bool | None = None
    ) -> None:
        """Update a row after the screen changed its state in the store."""
        cached = self._summaries.get(entry_id)
        if cached is None or cached is _MISSING:
            return
        if read is not None:
            cached = replace(cached, read=read)
        if starred is not None:
            cached = replace(cached, starred=starred)
        # Textual's LRUCache keeps the first value set for a key: drop it, then set.
        self._summaries.discard(entry_id)
        self._summaries[entry_id] = cached
        if entry_id == self.current_id:
            self.refresh_line(self.cursor)  # the usual case: redraw one row, not the list
        else:
            self.refresh()

    def move_to_id(self, entry_id: int) -> bool:
        """Put the cursor on `entry_id` if it is listed."""
        try:
            index = self._ids.index(entry_id)
        except ValueError:
            return False
        self.move_to(index)
        return True

    def move_to(self, index: int) -> None:
        """Put the cursor on row `index` (clamped) and scroll it into view."""
        if not self._ids:
            return
        self.cursor = max(0, min(index, len(self._ids) - 1))

    def neighbour_id(self, delta: int) -> int | None:
        """The id `delta` rows from the cursor, or None past either end."""
        index = self.cursor + delta
        if 0 <= index < len(self._ids):
            return self._ids[index]
        return None

    def find_unread(self, direction: int, *, opened_id: int | None) -> int | None:
        """The nearest unread entry from the cursor (down for +1, up for -1), or None.

        The cursor's own entry counts unless it is `opened_id` (already shown). Going down
        is one indexed query; going up reads the rows above a window at a time.
        """
        if self.target is None or not self._loaded:
            return None
        current = self.current_id
        if current is not None and current != opened_id:
            summary = self.summary(current)
            if summary is not None and not summary.read:
                return current
        if direction > 0:
            return self.store.next_unread(self.target.query, current)
        end = self.cursor
        while end > 0:
            start = max(0, end - UNREAD_SCAN_WINDOW)
            window = self._ids[start:end]
            unread = {row.id for row in self.store.entry_summaries(window) if not row.read}
            for entry_id in reversed(window):
                if entry_id in unread:
                    return entry_id
            end = start
        return None

    # -- loading ------------------------------------------------------------------------
    def _lists_at_once(self) -> bool:
        """Whether the target's ids are listed on the UI thread, with no first page.

        One feed's ids come from one indexed query in about a millisecond: listing them at
        once makes switching feeds paint in the same frame.
        """
        target = self.target
        return target is not None and target.feed_id is not None and not target.query.search

    def _request_ids(self, keep_id: int | None) -> None:
        assert self.target is not None
        self._generation += 1
        if self._lists_at_once():
            try:
                ids = self.store.entry_ids(self.target.query)
            except Exception:  # the worker below retries and reports the failure
                pass
            else:
                self.on_article_list__ids_ready(self._IdsReady(self._generation, ids, keep_id))
                return
        self._load_ids(self.target, self._generation, keep_id)

    @work(
        thread=True,
        exclusive=True,
        group="article-ids",
        exit_on_error=False,
        description="Load articles",
    )
    def _load_ids(self, target: ListTarget, generation: int, keep_id: int | None) -> None:
        """Fetch the target's ids off the UI thread (100,000 ints take tens of ms)."""
        ids = self.store.entry_ids(target.query)
        self.post_message(self._IdsReady(generation, ids, keep_id))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        forward_worker_failure(self, event)

    def on_article_list__ids_ready(self, message: _IdsReady) -> None:
        if message.generation != self._generation or self.target is None:
            return
        previous_id = self.current_id
        screen_row = self.cursor - int(self.scroll_y)
        keep_id = message.keep_id
        if keep_id is None and self._partial:
            keep_id = previous_id  # the user may have moved within the first page
        self._ids = message.ids
        self._loaded = True
        self._partial = False
        index = 0
        if keep_id is not None:
            try:
                index = message.ids.index(keep_id)
            except ValueError:
                index = min(self.cursor, max(0, len(message.ids) - 1))
        self._set_height()
        self.set_reactive(ArticleList.cursor, index)
        # Keep the highlighted row where it was on screen when rows arrive above it.
        self.scroll_to(y=max(0, index - max(0, screen_row)), animate=False, immediate=True)
        self._scroll_cursor_into_view()
        self.refresh()
        self._set_title(len(self._ids))
        self.post_message(self.Loaded(self, self.target, len(self._ids)))
        if self.current_id != previous_id:
            self.post_message(self.Highlighted(self, self.current_id))
        callback, self._after_load = self._after_load, None
        if callback is not None:
            callback(self)

    def _fetch_window(self, row: int) -> None:
        """Load the summaries around `row` in one indexed query."""
        height = max(1, self.scrollable_content_region.height)
        start = max(0, row - PREFETCH_MARGIN)
        window = self._ids[start : row + height + PREFETCH_MARGIN]
        wanted = [entry_id for entry_id in window if entry_id not in self._summaries]
        if not wanted:
            return
        for summary in self.store.entry_summaries(wanted):
            self._summaries[summary.id] = summary
        for entry_id in wanted:
            if entry_id not in self._summaries:
                self._summaries[entry_id] = _MISSING

    # -- drawing ------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width, top, focused = self._paint_state()
        row = y + top
        base = self._base_style()
        if row >= len(self._ids):
            if row == 1 and not self._ids:
                return self._empty_line(width, base)
            return self._blank(width, base)
        entry_id = self._ids[row]
        summary = self._summaries.get(entry_id)
        if summary is None:
            try:
                self._fetch_window(row)
            except Exception:  # the database is busy or failing: draw it again soon
                self.set_timer(1.0, self.refresh)
                return self._blank(width, base)
            summary = self._summaries.get(entry_id, _MISSING)
        is_cursor = row == self.cursor
        show_feed = self.target is not None and self.target.show_feed
        date = relative_date(summary.published, self.now())
        key = (
            summary,
            is_cursor,
            is_cursor and focused,
            width,
            show_feed,
            date,
            self._look(),
        )
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(summary, is_cursor, width, show_feed, date, base)
            self._strips[key] = strip
        return strip

    def _empty_line(self, width: int, base: Style) -> Strip:
        message = "Loading…" if not self._loaded else "No articles here."
        if self._loaded and self.target is not None and self.target.query.search:
            message = "No matches."
        style = base + self._style("article-list--empty")
        text = Text(f"  {message}", style=style, end="")
        return Strip(list(text.render(self.app.console)), text.cell_len).adjust_cell_length(
            width, base
        )

    def _render_row(
        self,
        summary: EntrySummary,
        is_cursor: bool,
        width: int,
        show_feed: bool,
        date: str,
        base: Style,
    ) -> Strip:
        """One row: unread mark, star, title, feed (in mixed lists), date."""
        style = self._style
        row_style = base
        cursor_class = "article-list--cursor" if self.has_focus else "article-list--cursor-blurred"
        if is_cursor:
            row_style = base + style(cursor_class)
        unread = not summary.read
        feed_width = min(22, max(8, width // 5)) if show_feed and width >= 50 else 0
        title_width = max(1, width - 3 - DATE_WIDTH - 1 - (feed_width + 1 if feed_width else 0))

        # Segments are built here rather than through a Rich `Text`: the same cells and
        # styles (a column's style over the row's, the cursor's over both, as Text's spans
        # combine them) in a fraction of the time, and a feed switch draws every row.
        cursor = style(cursor_class) if is_cursor else None

        def cell(text: str, column: Style | None = None) -> Segment:
            combined = row_style if column is None else row_style + column
            return Segment(text, combined if cursor is None else combined + cursor)

        segments = [
            cell("●" if unread else " ", style("article-list--mark")),
            cell("★" if summary.starred else " ", style("article-list--star")),
            cell(" "),
            cell(
                _fit(one_line(summary.title) or "(untitled)", title_width),
                style("article-list--unread" if unread else "article-list--read"),
            ),
        ]
        if feed_width:
            segments.append(cell(" "))
            segments.append(
                cell(_fit(one_line(summary.feed_title), feed_width), style("article-list--feed"))
            )
        segments.append(cell(" "))
        segments.append(cell(date.rjust(DATE_WIDTH), style("article-list--date")))
        return Strip(segments).adjust_cell_length(width, row_style)

    # -- cursor -------------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh_line(old)
        self.refresh_line(new)
        self.post_message(self.Highlighted(self, self.current_id))

    # -- actions ------------------------------------------------------------------------
    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self._ids) - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def action_open(self) -> None:
        if (entry_id := self.current_id) is not None:
            self.post_message(self.Opened(self, entry_id, focus_reader=True))

    def action_read_on(self) -> None:
        entry_id = self.current_id
        if entry_id is None:
            return
        if entry_id == self.shown_entry_id:
            self.post_message(self.ReadOn(self, entry_id))
        else:
            self.post_message(self.Opened(self, entry_id, focus_reader=False))

    def action_back(self) -> None:
        self.post_message(self.Back(self))

    # -- mouse --------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = offset.y + int(self.scroll_y)
        if 0 <= row < len(self._ids):
            self.move_to(row)
            self.post_message(self.Opened(self, self._ids[row], focus_reader=event.chain >= 2))
