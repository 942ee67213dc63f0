"""The feed list: the views All, Unread and Starred, then folders (collapsible) and feeds.

A Line-API view, like the article list: it keeps the item keys in display order and draws
only the rows on screen, so five thousand feeds open and scroll as fast as five. (Textual's
OptionList measures every option whenever the list or its width changes, which made the
first paint grow with the number of feeds.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from newsterm.models import Feed, View
from newsterm.ui.formatting import one_line
from newsterm.ui.selection import VIEW_LABELS, ListTarget
from newsterm.ui.widgets.row_list import RowList

_VIEW_ICONS: dict[View, str] = {View.ALL: "◆", View.UNREAD: "●", View.STARRED: "★"}
SEPARATOR = ""
"""The key of the rule between the views and the feeds (never highlighted)."""
PADDING = 1
"""Blank cells at each side of a row."""


def _format_count(count: int) -> str:
    return f"{count:,}" if count else ""


def counted_row(label: Text, count: Text, width: int) -> Text:
    """One line of exactly `width` cells: the label truncated to fit, the count flush right."""
    label = label.copy()
    room = width - count.cell_len - (1 if count.cell_len else 0)
    label.truncate(max(1, room), overflow="ellipsis")
    padding = " " * max(0, width - label.cell_len - count.cell_len)
    return Text.assemble(label, padding, count, no_wrap=True, end="")


class FeedList(RowList, can_focus=True, inherit_bindings=False):
    """Views, folders and feeds with unread counts; feeds that fail are marked "!".

    | Key(s) | Description |
    | :- | :- |
    | j, down / k, up | Next / previous item. |
    | g, home / G, end | First / last item. |
    | enter, l | Show the item's articles and move to them. |
    | space | Fold or unfold the folder. |
    | h | Fold the folder around the cursor. |
    """

    BINDING_GROUP_TITLE = "Feeds"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next feed", id="feed_list.down"),
        Binding("k,up", "cursor_up", "Previous feed", id="feed_list.up"),
        Binding("g,home", "first", "First item", id="feed_list.first"),
        Binding("G,end", "last", "Last item", id="feed_list.last"),
        Binding("pagedown", "page_down", "Page down", id="feed_list.page_down"),
        Binding("pageup", "page_up", "Page up", id="feed_list.page_up"),
        Binding("enter,l", "select", "Open feed", id="feed_list.open"),
        Binding("space", "toggle_folder", "Fold / unfold folder", id="feed_list.toggle_folder"),
        Binding("h", "fold", "Fold folder", id="feed_list.fold"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "feed-list--cursor",
        "feed-list--cursor-blurred",
        "feed-list--hover",
        "feed-list--separator",
        "feed-list--count",
        "feed-list--error",
        "feed-list--folder",
        "feed-list--muted",
    }

    DEFAULT_CSS = """
    FeedList {
        overflow-x: hidden;
        overflow-y: auto;
        & > .feed-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .feed-list--cursor-blurred {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .feed-list--hover { background: $block-hover-background; }
        & > .feed-list--separator { color: $foreground 15%; }
        & > .feed-list--count { color: $accent; }
        & > .feed-list--error { color: $error; text-style: bold; }
        & > .feed-list--folder { text-style: bold; }
        & > .feed-list--muted { color: $text-muted; }
    }
    """

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another view, folder or feed."""

        feed_list: FeedList
        target: ListTarget
        feed: Feed | None
        """The highlighted feed (None for views and folders)."""

    @dataclass
    class Selected(Message):
        """Enter (or a click) on an item: show it and move to its articles."""

        feed_list: FeedList
        target: ListTarget

    highlighted: reactive[int | None] = reactive(None, init=False, repaint=False)
    """Index of the highlighted row (never the separator), None while the list is empty."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(cached_rows=1024, id=id, classes=classes)
        self.feeds: dict[int, Feed] = {}
        """Feeds by id, as last loaded (counts adjusted locally in between)."""
        self.starred = 0
        """Entries starred, for the Starred view's count."""
        self.collapsed: set[str] = set()
        """Names of folded folders."""
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._folder_unread: dict[str, int] = {}
        self._unread_total = 0
        self._last_key: str | None = None
        self._hover: int | None = None

    # -- public API ---------------------------------------------------------------------
    @property
    def unread_total(self) -> int:
        return self._unread_total

    @property
    def row_count(self) -> int:
        """Rows listed, the separator included."""
        return len(self._keys)

    @property
    def cursor_row(self) -> int | None:
        return self.highlighted

    @property
    def highlighted_key(self) -> str | None:
        """The highlighted item's key ("view:all", "folder:<name>", "feed:<id>")."""
        index = self.highlighted
        return self._keys[index] if index is not None and 0 <= index < len(self._keys) else None

    @property
    def keys(self) -> list[str]:
        """Every row's key in display order (the separator's is "")."""
        return list(self._keys)

    def key_at(self, index: int) -> str:
        """The key of row `index` (the separator's is "")."""
        return self._keys[index]

    def index_of(self, key: str) -> int | None:
        """The row of `key`, or None when it is not listed (gone, or in a folded folder)."""
        return self._index.get(key)

    @property
    def current_target(self) -> ListTarget | None:
        """The highlighted item as a list target."""
        key = self.highlighted_key
        return None if key is None else self.target_for_key(key)

    @property
    def current_feed(self) -> Feed | None:
        """The highlighted feed, or None on a view or folder."""
        key = self.highlighted_key
        if key is None or not key.startswith("feed:"):
            return None
        return self.feeds.get(int(key.removeprefix("feed:")))

    def target_for_key(self, key: str) -> ListTarget | None:
        """Turn an item key back into what the article list should show."""
        kind, _, value = key.partition(":")
        if kind == "view":
            return ListTarget.for_view(View(value))
        if kind == "folder":
            return ListTarget.for_folder(value)
        if kind == "feed" and (feed := self.feeds.get(int(value))) is not None:
            return ListTarget.for_feed(feed)
        return None

    def row_text(self, key: str) -> str | None:
        """The plain text of `key`'s row as drawn (without the padding), or None if unlisted."""
        if key not in self._index:
            return None
        return self._row_text(key, self._row_width()).plain

    def set_feeds(self, feeds: Iterable[Feed], starred: int) -> None:
        """Show `feeds` with fresh counts, keeping the highlighted item and the scroll."""
        self.feeds = {feed.id: feed for feed in feeds}
        self.starred = starred
        self._count_unread()
        self._rebuild()

    def adjust_unread(self, feed_id: int, delta: int) -> None:
        """Apply a local change of unread count (marking one entry is instant)."""
        feed = self.feeds.get(feed_id)
        if feed is None or delta == 0:
            return
        unread = max(0, feed.unread + delta)
        change = unread - feed.unread
        self.feeds[feed_id] = replace(feed, unread=unread)
        self._unread_total += change
        if feed.folder is not None:
            self._folder_unread[feed.folder] = self._folder_unread.get(feed.folder, 0) + change
        keys = ["view:all", "view:unread", f"feed:{feed_id}"]
        if feed.folder is not None:
            keys.append(f"folder:{feed.folder}")
        self._refresh_rows(keys)

    def adjust_starred(self, delta: int) -> None:
        self.starred = max(0, self.starred + delta)
        self._refresh_rows(["view:starred"])

    def _refresh_rows(self, keys: list[str]) -> None:
        """Redraw just these rows (a whole-list redraw costs a frame's worth of work)."""
        for key in keys:
            if (index := self._index.get(key)) is not None:
                self.refresh_line(index)

    def select_key(self, key: str) -> bool:
        """Highlight the item `key`, unfolding its folder if needed."""
        if key.startswith("feed:"):
            feed = self.feeds.get(int(key.removeprefix("feed:")))
            if feed is not None and feed.folder in self.collapsed:
                self.collapsed.discard(feed.folder)
                self._rebuild()
        index = self._index.get(key)
        if index is None:  # the item is gone
            return False
        self.highlighted = index
        return True

    def keys_in_order(self) -> list[str]:
        """Feed keys in display order (folded folders included), for "next unread"."""
        return [f"feed:{feed.id}" for feed in self._ordered_feeds()]

    # -- building the rows --------------------------------------------------------------
    def _count_unread(self) -> None:
        self._unread_total = sum(feed.unread for feed in self.feeds.values())
        self._folder_unread = {}
        for feed in self.feeds.values():
            if feed.folder is not None:
                self._folder_unread[feed.folder] = (
                    self._folder_unread.get(feed.folder, 0) + feed.unread
                )

    def _ordered_feeds(self) -> Iterator[Feed]:
        for _folder, feeds in self._grouped():
            yield from feeds

    def _grouped(self) -> list[tuple[str | None, list[Feed]]]:
        """(folder, feeds) pairs: folders alphabetically, then feeds without a folder."""
        groups: dict[str | None, list[Feed]] = {}
        for feed in self.feeds.values():
            groups.setdefault(feed.folder, []).append(feed)
        names = sorted((name for name in groups if name is not None), key=str.casefold)
        ordered: list[tuple[str | None, list[Feed]]] = []
        for name in [*names, None]:
            if name in groups:
                items = sorted(groups[name], key=lambda feed: feed.display_title.casefold())
                ordered.append((name, items))
        return ordered

    def _build_keys(self) -> list[str]:
        keys = [f"view:{view.value}" for view in View]
        keys.append(SEPARATOR)
        for folder, feeds in self._grouped():
            if folder is not None:
                keys.append(f"folder:{folder}")
                if folder in self.collapsed:
                    continue
            keys.extend(f"feed:{feed.id}" for feed in feeds)
        return keys

    def _rebuild(self) -> None:
        """List the items again; the highlighted item and the scroll offset survive.

        When the highlighted item is gone (a feed deleted), the cursor stays at its place,
        on the item that took it, as in a mail reader.
        """
        key = self.highlighted_key or self._last_key
        old_index = self.highlighted
        self._keys = self._build_keys()
        self._index = {item: index for index, item in enumerate(self._keys) if item}
        self._strips.clear()
        self._set_height()
        index = self._index.get(key) if key is not None else None
        if index is None and self._keys:
            index = min(old_index or 0, len(self._keys) - 1)
            if self._keys[index] == SEPARATOR:
                index = index + 1 if index + 1 < len(self._keys) else index - 1
        if index != self.highlighted:
            self.highlighted = index
        else:
            self._scroll_cursor_into_view()
            self._announce()  # the same row may hold another item now
        self.refresh()

    # -- drawing ------------------------------------------------------------------------
    def _row_width(self) -> int:
        width = self.scrollable_content_region.width - 2 * PADDING
        return width if width > 0 else 26

    def _count(self, count: int) -> Text:
        return Text(_format_count(count), style=self._style("feed-list--count"))

    def _row_text(self, key: str, width: int) -> Text:
        kind, _, value = key.partition(":")
        if kind == "view":
            view = View(value)
            count = self.starred if view is View.STARRED else self._unread_total
            return counted_row(
                Text(f"{_VIEW_ICONS[view]} {VIEW_LABELS[view]}"), self._count(count), width
            )
        if kind == "folder":
            style = self._style("feed-list--folder")
            label = Text("▸ " if value in self.collapsed else "▾ ", style=style)
            label.append(one_line(value), style=style)
            return counted_row(label, self._count(self._folder_unread.get(value, 0)), width)
        feed = self.feeds.get(int(value)) if kind == "feed" else None
        if feed is None:
            return Text(" " * width, end="")
        label = Text("  " if feed.folder is not None else "")
        if feed.has_error:
            label.append("! ", style=self._style("feed-list--error"))
        title = one_line(feed.display_title)
        label.append(title, style=self._style("feed-list--muted") if not feed.unread else "")
        return counted_row(label, self._count(feed.unread), width)

    def _row_counts(self, key: str) -> tuple[object, ...]:
        """What a row's drawing depends on besides its key, for the strip cache."""
        kind, _, value = key.partition(":")
        if kind == "view":
            return (self._unread_total, self.starred)
        if kind == "folder":
            return (self._folder_unread.get(value, 0), value in self.collapsed)
        return (self.feeds.get(int(value)),) if kind == "feed" else ()

    def render_line(self, y: int) -> Strip:
        width, top, focused = self._paint_state()
        row = y + top
        base = self._base_style()
        if row >= len(self._keys):
            return self._blank(width, base)
        key = self._keys[row]
        is_cursor = row == self.highlighted
        hover = row == self._hover and not is_cursor
        cache_key = (
            key,
            self._row_counts(key),
            is_cursor,
            focused,
            hover,
            width,
            self._look(),
        )
        strip = self._strips.get(cache_key)
        if strip is None:
            strip = self._render_row(key, is_cursor, hover, width, base)
            self._strips[cache_key] = strip
        return strip

    def _render_row(self, key: str, is_cursor: bool, hover: bool, width: int, base: Style) -> Strip:
        row_style = base
        if key == SEPARATOR:
            rule = Segment("─" * width, base + self._style("feed-list--separator"))
            return Strip([rule], width)
        cursor_class = "feed-list--cursor" if self.has_focus else "feed-list--cursor-blurred"
        if is_cursor:
            row_style = base + self._style(cursor_class)
        elif hover:
            row_style = base + self._style("feed-list--hover")
        text = Text(" " * PADDING, style=row_style, no_wrap=True, end="")
        text.append_text(self._row_text(key, max(1, width - 2 * PADDING)))
        text.append(" " * PADDING)
        if is_cursor or hover:
            # The cursor's (or the hover's) colours win over the count's and the title's.
            text.stylize(row_style)
        # Text.render leaves out the Text's own style when it has no spans: apply it here.
        strip = Strip(list(text.render(self.app.console))).apply_style(row_style)
        return strip.adjust_cell_length(width, row_style)

    # -- cursor -------------------------------------------------------------------------
    def validate_highlighted(self, index: int | None) -> int | None:
        if not self._keys:
            return None
        if index is None:
            return None
        return max(0, min(index, len(self._keys) - 1))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        if old is not None:
            self.refresh_line(old)
        if new is not None:
            self.refresh_line(new)
        self._scroll_cursor_into_view()
        self._announce()

    def _announce(self) -> None:
        """Tell the screen when the highlighted item is another one than last told."""
        key = self.highlighted_key
        if key is None or key == self._last_key:
            return
        target = self.target_for_key(key)
        if target is not None:
            self._last_key = key
            # Straight to the screen, which shows the item's articles: bubbling through
            # the containers between, it would arrive after this list's own repaint had
            # been painted, and the articles would follow a frame later.
            self.screen.post_message(self.Highlighted(self, target, self.current_feed))

    def _move(self, index: int, step: int) -> None:
        """Highlight row `index`, stepping past the separator in direction `step`."""
        if not self._keys:
            return
        index = max(0, min(index, len(self._keys) - 1))
        if self._keys[index] == SEPARATOR:
            beyond = index + step
            index = beyond if 0 <= beyond < len(self._keys) else index - step
        self.highlighted = index

    # -- actions ------------------------------------------------------------------------
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_cursor_down(self) -> None:
        self._move((self.highlighted if self.highlighted is not None else -1) + 1, 1)

    def action_cursor_up(self) -> None:
        self._move((self.highlighted or 0) - 1, -1)

    def action_first(self) -> None:
        self._move(0, 1)

    def action_last(self) -> None:
        self._move(len(self._keys) - 1, -1)

    def action_page_down(self) -> None:
        self._move((self.highlighted or 0) + self._page(), 1)

    def action_page_up(self) -> None:
        self._move((self.highlighted or 0) - self._page(), -1)

    def action_select(self) -> None:
        key = self.highlighted_key
        if key and (target := self.target_for_key(key)) is not None:
            self._last_key = key
            self.post_message(self.Selected(self, target))

    def action_toggle_folder(self) -> None:
        key = self.highlighted_key
        if key is None or not key.startswith("folder:"):
            return
        self.collapsed.symmetric_difference_update({key.removeprefix("folder:")})
        self._rebuild()

    def action_fold(self) -> None:
        key = self.highlighted_key
        if key is None:
            return
        folder: str | None = None
        if key.startswith("folder:"):
            folder = key.removeprefix("folder:")
        elif (feed := self.current_feed) is not None:
            folder = feed.folder
        if folder is None or folder in self.collapsed:
            return
        self.collapsed.add(folder)
        self._rebuild()
        self.select_key(f"folder:{folder}")

    # -- mouse --------------------------------------------------------------------------
    def _row_at(self, event: events.MouseEvent) -> int | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        row = offset.y + int(self.scroll_y)
        return row if 0 <= row < len(self._keys) and self._keys[row] else None

    def on_click(self, event: events.Click) -> None:
        row = self._row_at(event)
        if row is not None:
            self.highlighted = row
            self.action_select()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        row = self._row_at(event)
        if row != self._hover:
            for previous in (self._hover, row):
                if previous is not None:
                    self.refresh_line(previous)
            self._hover = row

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self.refresh_line(self._hover)
            self._hover = None
