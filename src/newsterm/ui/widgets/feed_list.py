"""The feed list: the views All, Unread and Starred, then folders (collapsible) and feeds."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from newsterm.models import Feed, View
from newsterm.ui.formatting import one_line
from newsterm.ui.selection import VIEW_LABELS, ListTarget

_VIEW_ICONS: dict[View, str] = {View.ALL: "◆", View.UNREAD: "●", View.STARRED: "★"}


def counted_row(label: Text, count: Text, width: int) -> Content:
    """One line of exactly `width` cells: the label truncated to fit, the count flush right.

    Built as Textual `Content` (cheap to measure and draw) for a known width; the list
    rebuilds its prompts when its width changes.
    """
    label = label.copy()
    room = width - count.cell_len - (1 if count.cell_len else 0)
    label.truncate(max(1, room), overflow="ellipsis")
    padding = " " * max(0, width - label.cell_len - count.cell_len)
    return Content.from_rich_text(Text.assemble(label, padding, count, no_wrap=True, end=""))


def _format_count(count: int) -> str:
    return f"{count:,}" if count else ""


class FeedList(OptionList, inherit_bindings=False):
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

    COMPONENT_CLASSES: ClassVar[set[str]] = OptionList.COMPONENT_CLASSES | {
        "feed-list--count",
        "feed-list--error",
        "feed-list--folder",
        "feed-list--muted",
    }

    DEFAULT_CSS = """
    FeedList {
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

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes, markup=False)
        self.feeds: dict[int, Feed] = {}
        """Feeds by id, as last loaded (counts adjusted locally in between)."""
        self.starred = 0
        """Entries starred, for the Starred view's count."""
        self.collapsed: set[str] = set()
        """Names of folded folders."""
        self._last_key: str | None = None
        self._built_width = 0
        self._stale_keys: set[str] = set()
        self._row_styles: dict[str, Style] = {}

    # -- public API ---------------------------------------------------------------------
    @property
    def unread_total(self) -> int:
        return sum(feed.unread for feed in self.feeds.values())

    @property
    def current_target(self) -> ListTarget | None:
        """The highlighted item as a list target."""
        option = self.highlighted_option
        return None if option is None or option.id is None else self.target_for_key(option.id)

    @property
    def current_feed(self) -> Feed | None:
        """The highlighted feed, or None on a view or folder."""
        option = self.highlighted_option
        if option is None or option.id is None or not option.id.startswith("feed:"):
            return None
        return self.feeds.get(int(option.id.removeprefix("feed:")))

    def target_for_key(self, key: str) -> ListTarget | None:
        """Turn an option id back into what the article list should show."""
        kind, _, value = key.partition(":")
        if kind == "view":
            return ListTarget.for_view(View(value))
        if kind == "folder":
            return ListTarget.for_folder(value)
        if kind == "feed" and (feed := self.feeds.get(int(value))) is not None:
            return ListTarget.for_feed(feed)
        return None

    def set_feeds(self, feeds: Iterable[Feed], starred: int) -> None:
        """Show `feeds` with fresh counts, keeping the highlighted item and the scroll."""
        self.feeds = {feed.id: feed for feed in feeds}
        self.starred = starred
        self._rebuild()

    def adjust_unread(self, feed_id: int, delta: int) -> None:
        """Apply a local change of unread count (marking one entry is instant)."""
        feed = self.feeds.get(feed_id)
        if feed is None or delta == 0:
            return
        self.feeds[feed_id] = _with_unread(feed, max(0, feed.unread + delta))
        keys = ["view:all", "view:unread", f"feed:{feed_id}"]
        if feed.folder is not None:
            keys.append(f"folder:{feed.folder}")
        self._update_later(keys)

    def adjust_starred(self, delta: int) -> None:
        self.starred = max(0, self.starred + delta)
        self._update_later(["view:starred"])

    def _update_later(self, keys: list[str]) -> None:
        """Redraw these items' counts after the next paint.

        Replacing a prompt makes the whole list redraw, so it is done once after the
        screen has shown what the key changed, and a burst of keys pays for it once.
        """
        pending = not self._stale_keys
        self._stale_keys.update(keys)
        if pending:
            self.call_after_refresh(self._update_stale)

    def _update_stale(self) -> None:
        keys, self._stale_keys = self._stale_keys, set()
        for key in keys:
            kind, _, value = key.partition(":")
            try:
                index = self.get_option_index(key)
            except OptionDoesNotExist:  # folded away, or gone
                continue
            if kind == "view":
                prompt = self._view_row(View(value))
            elif kind == "folder":
                prompt = self._folder_row(value)
            elif (feed := self.feeds.get(int(value))) is not None:
                prompt = self._feed_row(feed)
            else:
                continue
            self.replace_option_prompt_at_index(index, prompt)

    def select_key(self, key: str) -> bool:
        """Highlight the item with option id `key`, unfolding its folder if needed."""
        if key.startswith("feed:"):
            feed = self.feeds.get(int(key.removeprefix("feed:")))
            if feed is not None and feed.folder in self.collapsed:
                self.collapsed.discard(feed.folder)
                self._rebuild()
        try:
            self.highlighted = self.get_option_index(key)
        except OptionDoesNotExist:  # the item is gone
            return False
        return True

    def keys_in_order(self) -> list[str]:
        """Feed keys in display order (folded folders included), for "next unread"."""
        return [f"feed:{feed.id}" for feed in self._ordered_feeds()]

    # -- building options ---------------------------------------------------------------
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

    def _style(self, name: str) -> Style:
        """A component class's style, cached until the styles change (Textual's lookup
        walks the DOM, and a list of hundreds of feeds asks for it per row)."""
        style = self._row_styles.get(name)
        if style is None:
            style = self._row_styles[name] = self.get_component_rich_style(name, partial=True)
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if not self._row_styles:
            return
        fresh = {
            name: self.get_component_rich_style(name, partial=True) for name in self._row_styles
        }
        if fresh != self._row_styles:  # a theme change, not just focus moving
            self._row_styles = fresh
            self.call_after_refresh(self._rebuild)

    def _count(self, count: int) -> Text:
        return Text(_format_count(count), style=self._style("feed-list--count"))

    def _build_options(self) -> list[Option | None]:
        options: list[Option | None] = [
            Option(self._view_row(view), id=f"view:{view.value}") for view in View
        ]
        options.append(None)
        for folder, feeds in self._grouped():
            if folder is not None:
                options.append(Option(self._folder_row(folder), id=f"folder:{folder}"))
                if folder in self.collapsed:
                    continue
            for feed in feeds:
                options.append(Option(self._feed_row(feed), id=f"feed:{feed.id}"))
        return options

    def _view_row(self, view: View) -> Content:
        count = self.starred if view is View.STARRED else self.unread_total
        return self._row(Text(f"{_VIEW_ICONS[view]} {VIEW_LABELS[view]}"), count)

    def _folder_row(self, folder: str) -> Content:
        folded = folder in self.collapsed
        style = self._style("feed-list--folder")
        label = Text(f"{'▸' if folded else '▾'} ", style=style)
        label.append(one_line(folder), style=style)
        unread = sum(feed.unread for feed in self.feeds.values() if feed.folder == folder)
        return self._row(label, unread)

    def _feed_row(self, feed: Feed) -> Content:
        label = Text("  " if feed.folder is not None else "")
        if feed.has_error:
            label.append("! ", style=self._style("feed-list--error"))
        title_style = "" if feed.unread else "feed-list--muted"
        label.append(
            one_line(feed.display_title), style=self._style(title_style) if title_style else ""
        )
        return self._row(label, feed.unread)

    def _row_width(self) -> int:
        # The options' padding (0 1) takes a cell on each side.
        width = self.scrollable_content_region.width - 2
        return width if width > 0 else 26

    def _row(self, label: Text, count: int) -> Content:
        return counted_row(label, self._count(count), self._row_width())

    def on_resize(self, event: Resize) -> None:
        if self._row_width() != self._built_width:
            self._rebuild()

    def _rebuild(self) -> None:
        """Replace the options; the highlighted item and the scroll offset survive."""
        option = self.highlighted_option
        key = option.id if option is not None else self._last_key
        scroll_y = self.scroll_y
        self._built_width = self._row_width()
        new_options = self._build_options()
        old_ids = [option.id for option in self.options]
        new_ids = [option.id for option in new_options if option is not None]
        if old_ids == new_ids:
            # Same items, new counts: swap the prompts in place (no scroll or cursor jump).
            for index, new_option in enumerate(o for o in new_options if o is not None):
                self.replace_option_prompt_at_index(index, new_option.prompt)
            return
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(new_options)
        self.scroll_to(y=scroll_y, animate=False, immediate=True)
        if key is not None and key in new_ids:
            self.highlighted = new_ids.index(key)
        elif self.options:
            self.highlighted = 0

    # -- events -------------------------------------------------------------------------
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        key = event.option.id
        if key is None or key == self._last_key:
            return
        target = self.target_for_key(key)
        if target is not None:
            self._last_key = key
            self.post_message(self.Highlighted(self, target, self.current_feed))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None and (target := self.target_for_key(event.option.id)):
            self._last_key = event.option.id
            self.post_message(self.Selected(self, target))

    # -- actions ------------------------------------------------------------------------
    def action_toggle_folder(self) -> None:
        option = self.highlighted_option
        if option is None or option.id is None or not option.id.startswith("folder:"):
            return
        name = option.id.removeprefix("folder:")
        self.collapsed.symmetric_difference_update({name})
        self._rebuild()

    def action_fold(self) -> None:
        option = self.highlighted_option
        if option is None or option.id is None:
            return
        folder: str | None = None
        if option.id.startswith("folder:"):
            folder = option.id.removeprefix("folder:")
        elif (feed := self.current_feed) is not None:
            folder = feed.folder
        if folder is None or folder in self.collapsed:
            return
        self.collapsed.add(folder)
        self._rebuild()
        self.select_key(f"folder:{folder}")


def _with_unread(feed: Feed, unread: int) -> Feed:
    return replace(feed, unread=unread)
