"""The reader: an entry's header and its body, rendered by the content pipeline.

Bodies are converted (sanitised HTML -> Markdown) once and cached per entry, and rendered
to lines at the pane's width; for big ones both happen in an exclusive thread worker whose
result is dropped if the user has moved on (or the width changed meanwhile), so the UI
thread never lays out a long article. The reader is one Line-API view that styles only
the lines on screen; clicked links go through one safe path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.console import Console, Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style as TextualStyle
from textual.worker import Worker, get_current_worker

from newsterm import content
from newsterm.browser import is_safe_url
from newsterm.models import Enclosure, Entry

if TYPE_CHECKING:
    from newsterm.content import Article, ArticleCache, Link
from newsterm.ui.formatting import absolute_date, one_line, relative_date
from newsterm.ui.messages import forward_worker_failure
from newsterm.ui.widgets.rendered import RenderedLines
from newsterm.ui.widgets.scrollbar import CachedScrollbars, set_virtual_size
from newsterm.ui.widgets.styled_lines import LineStylesCache

_LINK_KEYS = Binding.Group("Open link 1-9")
_PREPARED = 8
"""Small articles kept rendered ahead (a few next ones; a shown one is taken out)."""
_PADDING = 1
"""Blank cells either side of the text."""
_CACHED_STRIPS = 512
"""Styled lines the reader keeps: a few screens' worth, not the whole article."""
_STYLED_LINES = 96
"""Lines kept framed for reuse as the reader scrolls back (see `LineStylesCache`)."""


@dataclass(frozen=True)
class ReaderRendering:
    """An article's body and links list, rendered to lines at `width` cells."""

    width: int
    body: list[list[Segment]]
    links: list[list[Segment]]


def render_for_reader(article: Article, width: int) -> ReaderRendering:
    """Render what the reader shows of `article` below its header (thread-safe).

    A bug in formatting one odd article must cost that article its formatting, not take
    the app down: if rendering raises, the body is shown as plain text.
    """
    width = max(1, width)
    urls = _clickable_urls(article.links)
    # The header already shows the title, and the links go in their own list below; the
    # body's link numbers open the same URLs as the list's rows.
    body_only = replace(article, title="")
    try:
        body = content.render_lines(
            content.render_article(body_only, width=width, link_list=False, link_urls=urls),
            width=width,
        )
    except Exception as error:
        from newsterm.content.model import without_link_marks

        fallback = Group(
            Text(f"(shown unformatted: {type(error).__name__})", style="italic"),
            Text(content.safe_text(without_link_marks(article.markdown))),
        )
        body = content.render_lines(fallback, width=width)
    links = _links_list(article.links, width, urls) if article.links else []
    return ReaderRendering(width, body, links)


def _clickable_urls(links: tuple[Link, ...]) -> dict[int, str]:
    """The URL each link number opens when clicked (as shown on one line): safe ones only."""
    urls: dict[int, str] = {}
    for link in links:
        if (url := _openable(link.url)) is not None:
            urls[link.number] = url
    return urls


def _openable(url: str) -> str | None:
    """`url` as shown (on one line), if it is safe to open; else None."""
    shown = one_line(url)
    return shown if is_safe_url(shown) else None


_LINKS_HEADING = Text("Links (1-9 or f to open, or click)", style="bold")
_BOLD = Style(bold=True)


def _links_list(links: tuple[Link, ...], width: int, urls: dict[int, str]) -> list[list[Segment]]:
    """The numbered links, as lines; each safe one (in `urls`, see `_clickable_urls`)
    carries its URL so a click can open it.

    Laid out like a two-column grid (numbers right-aligned, URLs folded under the URL
    column), but made line by line: an article can have thousands of links.
    """
    lines = content.render_lines(Group(Text(""), _LINKS_HEADING), width=width)
    label_width = max(len(f"[{link.number}]") for link in links)
    url_width = max(1, width - label_width - 1)
    indent = Segment(" " * (label_width + 1))
    space = Segment(" ")
    fits = label_width + 1 + url_width <= width  # else rows are cropped
    for link in links:
        url = one_line(link.url)
        style = Style(underline=True, link=urls.get(link.number))
        for index, chunk in enumerate(content.fold_cells(url, url_width)):
            if index:
                line = [indent, Segment(chunk, style)]
            else:
                label = Segment(f"[{link.number}]".rjust(label_width), _BOLD)
                line = [label, space, Segment(chunk, style)]
            lines.append(line if fits else Segment.adjust_line_length(line, width, pad=False))
    return lines


_NO_LINES = RenderedLines([], 0)
_EMPTY_LINE = RenderedLines([[Segment("")]], 0)
"""The line an empty part shows: no text, in the text's style (as an empty `Static`
drew it, which a screenshot tells apart from the blank around it)."""


def _note_lines(note: Text, width: int, console: Console) -> RenderedLines:
    """A short note (a hint, "Formatting…") as lines at `width`.

    Wrapped by Rich alone: the placeholder is drawn at start-up, and the article renderer
    (`content.render_lines`) would import Markdown parsing first, 60 ms of every launch.
    """
    options = console.options.update_width(max(1, width))
    return RenderedLines(console.render_lines(note, options, pad=False), width)


@dataclass(frozen=True, eq=False)
class _Page:
    """What the reader shows, top to bottom, with the blank lines between the parts.

    Laid out as the header, body and links views it replaced were: a blank line under
    the header; an empty body or links list still takes a (blank) line; a blank line
    under the links list. Compared by identity: a new page is a new look.
    """

    header: RenderedLines
    body: RenderedLines
    links: RenderedLines

    @property
    def body_top(self) -> int:
        return len(self.header) + 1

    @property
    def links_top(self) -> int:
        return self.body_top + max(1, len(self.body))

    @property
    def height(self) -> int:
        return self.links_top + max(1, len(self.links)) + 1

    def line(self, number: int) -> tuple[RenderedLines, int] | None:
        """The lines and index that line `number` of the page shows, or None if blank."""
        if number < len(self.header):
            return (self.header, number) if number >= 0 else None
        for part, top in ((self.body, self.body_top), (self.links, self.links_top)):
            if top <= number < top + max(1, len(part)):
                return (part, number - top) if part.lines else (_EMPTY_LINE, 0)
        return None


@dataclass(frozen=True, slots=True)
class ShownLink:
    """A numbered link of the shown article."""

    number: int
    url: str
    text: str


class Reader(CachedScrollbars, ScrollView, can_focus=True, inherit_bindings=False):
    """The open article: title, feed, author, date, link, then the body.

    | Key(s) | Description |
    | :- | :- |
    | j, down / k, up | Scroll a line. |
    | g, home / G, end | Top / bottom. |
    | pagedown / pageup, b | Page down / up. |
    | space | Page down; at the end, the next article. |
    | h, escape | Back to the article list. |
    | 1-9 | Open link 1-9 of the article. |
    | f | Choose a link by number. |

    One Line-API view draws the header, the body and the links list from lines rendered
    ahead: opening an article repaints one widget and never lays the screen out unless the
    scrollbar comes or goes, where three views inside a scrolling container each had their
    own repaint, and a layout whenever one of them changed height.
    """

    BINDING_GROUP_TITLE = "Reader"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Scroll down", id="reader.down"),
        Binding("k,up", "scroll_up", "Scroll up", id="reader.up"),
        Binding("g,home", "scroll_home", "Top", id="reader.top"),
        Binding("G,end", "scroll_end", "Bottom", id="reader.bottom"),
        Binding("pagedown", "page_down", "Page down", id="reader.page_down"),
        Binding("pageup,b", "page_up", "Page up", id="reader.page_up"),
        Binding("space", "page_or_next", "Page down / next article", id="reader.page_or_next"),
        Binding("h,escape", "back", "Back to articles", id="reader.back"),
        Binding("f", "pick_link", "Open link by number", id="reader.pick_link"),
        *(
            Binding(
                str(n),
                f"open_link({n})",
                f"Open link {n}",
                id=f"reader.open_link_{n}",
                show=False,
                group=_LINK_KEYS,
            )
            for n in range(1, 10)
        ),
    ]

    DEFAULT_CSS = """
    Reader {
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    @dataclass
    class Back(Message):
        """The user left the reader towards the article list."""

        reader: Reader

    @dataclass
    class NextRequested(Message):
        """Space at the end of an article: move on to the next one."""

        reader: Reader

    @dataclass
    class LinkRequested(Message):
        """Open this URL (from a number key, the link picker or a click)."""

        reader: Reader
        url: str

    @dataclass
    class PickLinkRequested(Message):
        """The user wants to choose among the article's numbered links."""

        reader: Reader
        links: list[ShownLink]

    @dataclass
    class _Rendered(Message, bubble=False):
        entry_id: int
        version: str
        article: Article
        rendering: ReaderRendering

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        cache_size: int = 128,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        # Lines scrolled back into view, and the blank ones, keep their styling (see
        # styled_lines); more would cost every full garbage collection.
        self._styles_cache = LineStylesCache(_STYLED_LINES)
        self.now = now
        """The clock used for the relative date in the header."""
        self.entry: Entry | None = None
        """The entry shown, if any."""
        self.article: Article | None = None
        """Its converted body, once ready."""
        self.cache_size = cache_size
        self._cache: ArticleCache | None = None
        self._rendered_width = 0
        self._pending_width = 0
        # The last big article rendered (entry id, version, lines): reopening it is instant.
        self._last_big: tuple[int, str, ReaderRendering] | None = None
        # Small articles rendered ahead by `prepare`, by (entry id, version, width).
        self._prepared: dict[tuple[int, str, int], ReaderRendering] = {}
        self._prepared_lock = threading.Lock()
        self._page = _Page(_NO_LINES, _NO_LINES, _NO_LINES)
        self._placeholder: Text | None = None
        """The hint shown instead of an article (drawn again at a new width)."""
        self._body_note: Text | None = None
        """The note shown while a big body is formatted (drawn again at a new width)."""
        # The header last drawn: (entry, width, lines).
        self._header_lines: tuple[Entry, int, RenderedLines] | None = None
        self._content_width = 0
        # Styled lines of this page by line number, for the look they were drawn in.
        self._strips: dict[int, Strip] = {}
        self._strips_of: tuple[_Page, Style, Style, int] | None = None
        self._painting: tuple[_Page, Style, Style, int] | None = None
        self._blank: tuple[tuple[Style, int], Strip] | None = None

    def on_mount(self) -> None:
        self.show_placeholder()

    # -- public API ---------------------------------------------------------------------
    @property
    def cache(self) -> ArticleCache:
        """Converted bodies by entry id, so reopening is instant (made on first use, as
        it loads the HTML pipeline)."""
        if self._cache is None:
            self._cache = content.ArticleCache(max_entries=self.cache_size)
        return self._cache

    @property
    def links(self) -> list[ShownLink]:
        """The numbered links of the shown article."""
        if self.article is None:
            return []
        return [ShownLink(link.number, link.url, link.text) for link in self.article.links]

    @property
    def header_lines(self) -> RenderedLines:
        """The header as shown (the placeholder's hint when no article is open)."""
        return self._page.header

    @property
    def body_lines(self) -> RenderedLines:
        """The body as shown (a note while a big one is formatted)."""
        return self._page.body

    @property
    def links_lines(self) -> RenderedLines:
        """The links list as shown (no lines when the article has no links)."""
        return self._page.links

    @property
    def links_top(self) -> int:
        """The line of the page (0 is the header's first) where the links list starts."""
        return self._page.links_top

    def show_placeholder(self, message: str = "Open an article to read it here.") -> None:
        """Show a hint instead of an article."""
        self.entry = None
        self.article = None
        self._pending_width = 0
        self._header_lines = None
        self._placeholder = Text(message, style="dim")
        self._body_note = None
        width = self._widths()[0]
        self._set_page(self._placeholder_page(self._placeholder, width))
        self.border_subtitle = ""

    def show(self, entry: Entry) -> None:
        """Show `entry`: the header at once, the body now or when its worker finishes."""
        self.entry = entry
        self.article = None
        self._placeholder = None
        self._body_note = None
        self.scroll_home(animate=False, immediate=True)
        self.border_subtitle = ""
        self._pending_width = 0
        self.workers.cancel_group(self, "reader")  # its result would be dropped anyway
        self.article = self.cache.get(entry.id, _version(entry))
        if _is_big(entry):
            # A big body is longer than the pane: render it beside a scrollbar.
            width = self._widths()[1]
            last = self._last_big
            if (
                self.article is not None
                and last is not None
                and last[:2] == (entry.id, _version(entry))
                and last[2].width == width
            ):
                self._show_rendering(last[2])  # reopened: no need to wait for it again
                return
            self._show_formatting(entry, width)
            self._render_later(entry, self.article, width)
            return
        if self.article is None:
            self.article = _article_for(entry)
            self.cache.put(entry.id, _version(entry), self.article)
        self._show_rendering(self._render_small(entry, self.article))

    def refresh_header(self, entry: Entry) -> None:
        """Redraw the header after the entry's read/starred state changed."""
        if self.entry is not None and self.entry.id == entry.id:
            self.entry = entry
            shown = self._header_lines
            width = shown[1] if shown is not None else self._widths()[1]
            self._set_page(replace(self._page, header=self._header_at(entry, width)))

    @property
    def at_end(self) -> bool:
        return self.scroll_y >= self.max_scroll_y

    # -- conversion and rendering ---------------------------------------------------------
    @work(
        thread=True,
        exclusive=True,
        group="reader",
        exit_on_error=False,
        description="Format article",
    )
    def _format_in_background(self, entry: Entry, article: Article | None, width: int) -> None:
        """Convert (unless cached) and render a big body off the UI thread; the result is
        dropped if the user moved on."""
        version = _version(entry)
        if article is None:
            article = _article_for(entry)
            self.cache.put(entry.id, version, article)
        if get_current_worker().is_cancelled:  # another article or width was asked for
            return
        rendering = render_for_reader(article, width)
        self.post_message(self._Rendered(entry.id, version, article, rendering))

    def _render_later(self, entry: Entry, article: Article | None, width: int) -> None:
        """Start the worker for `entry` at `width` (replacing any other)."""
        self._pending_width = width
        self._format_in_background(entry, article, width)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        forward_worker_failure(self, event)

    def on_reader__rendered(self, message: _Rendered) -> None:
        entry = self.entry
        if entry is None or entry.id != message.entry_id:
            return
        self.article = message.article
        if message.rendering.width == self._pending_width:
            self._pending_width = 0
            self._last_big = (message.entry_id, message.version, message.rendering)
            self._show_rendering(message.rendering)

    @property
    def prepare_size(self) -> tuple[int, int, int]:
        """What `prepare` renders for, read on the UI thread before preparing in another:
        the body's width beside a scrollbar (as a small body is first tried), without one,
        and the pane's height."""
        wide, narrow = self._widths()
        return narrow, wide, self.content_region.height

    def prepare(
        self, entries: Sequence[Entry], size: tuple[int, int, int], cancelled: Callable[[], bool]
    ) -> None:
        """Convert and render small `entries` now, so opening one of them next is quick.

        `size` is `prepare_size`. Thread-safe, and meant for a worker: it touches no
        widget. The screen prepares what n or the next row would open while the user reads.
        """
        narrow, wide, height = size
        for entry in entries:
            if cancelled():
                return
            version = _version(entry)
            with self._prepared_lock:
                if _is_big(entry) or (entry.id, version, narrow) in self._prepared:
                    continue
            article = self.cache.get(entry.id, version)
            if article is None:
                article = _article_for(entry)
                self.cache.put(entry.id, version, article)
            renderings = {narrow: render_for_reader(article, narrow)}
            shown = renderings[narrow]
            if wide != narrow and len(shown.body) + len(shown.links) < height:
                # It may fit without a scrollbar (the header adds a few lines) and is then
                # shown at the full width: have that ready too, or opening it renders there.
                renderings[wide] = render_for_reader(article, wide)
            with self._prepared_lock:
                for width, rendering in renderings.items():
                    self._prepared[(entry.id, version, width)] = rendering
                while len(self._prepared) > _PREPARED:
                    del self._prepared[next(iter(self._prepared))]

    def _take_prepared(self, entry: Entry) -> dict[int, ReaderRendering]:
        """What was prepared for `entry`, by width (taken out: each is shown once)."""
        version = _version(entry)
        with self._prepared_lock:
            keys = [key for key in self._prepared if key[:2] == (entry.id, version)]
            return {key[2]: self._prepared.pop(key) for key in keys}

    def _render_small(self, entry: Entry, article: Article) -> ReaderRendering:
        """Render on the UI thread (unless prepared), beside a scrollbar unless it fits
        without one."""
        wide, narrow = self._widths()
        prepared = self._take_prepared(entry)
        rendering = prepared.get(narrow) or render_for_reader(article, narrow)
        page = _Page(
            self._header_at(entry, narrow),
            RenderedLines(rendering.body, narrow),
            RenderedLines(rendering.links, narrow),
        )
        if narrow != wide and page.height <= self.content_region.height:
            rendering = prepared.get(wide) or render_for_reader(article, wide)
        return rendering

    def _show_rendering(self, rendering: ReaderRendering) -> None:
        self._rendered_width = rendering.width
        self._body_note = None
        header = self._page.header
        if self.entry is not None:
            header = self._header_at(self.entry, rendering.width)
        body = RenderedLines(rendering.body, rendering.width)
        self._set_page(_Page(header, body, RenderedLines(rendering.links, rendering.width)))
        count = len(self.article.links) if self.article is not None else 0
        self.border_subtitle = f"{count} link{'s' if count != 1 else ''}" if count else ""

    def _placeholder_page(self, hint: Text, width: int) -> _Page:
        """A page of just `hint` at `width`, where the header goes."""
        return _Page(_note_lines(hint, width, self.app.console), _NO_LINES, _NO_LINES)

    def _show_formatting(self, entry: Entry, width: int) -> None:
        """The header of a big `entry` at `width`, and a note while its body is formatted."""
        self._body_note = Text("Formatting…", style="dim")
        note = _note_lines(self._body_note, self._widths()[0], self.app.console)
        self._set_page(_Page(self._header_at(entry, width), note, _NO_LINES))

    def _widths(self) -> tuple[int, int]:
        """The body's width without and with a vertical scrollbar beside it."""
        # A hidden reader (narrow layout) has no width yet: assume the whole terminal.
        full = max(20, (self.content_region.width or self.app.size.width) - 2)
        return full, max(20, full - self.styles.scrollbar_size_vertical)

    def _header_at(self, entry: Entry, width: int) -> RenderedLines:
        """The header of `entry` rendered at `width` (kept for the next call)."""
        shown = self._header_lines
        if shown is not None and shown[0] is entry and shown[1] == width:
            return shown[2]
        lines = RenderedLines(content.render_lines(self._header(entry), width=width), width)
        self._header_lines = (entry, width, lines)
        return lines

    def _set_page(self, page: _Page) -> None:
        """Show `page`, laying the screen out again only if the scrollbar comes or goes.

        The reader's place on screen does not depend on what it shows; a new height
        changes only the scrollbar's thumb, unless the bar appears or disappears (which
        changes the width the lines fit in).
        """
        self._page = page
        set_virtual_size(self, Size(self.size.width, page.height))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        """A new width (the terminal's, or the pane's): render what is shown again."""
        width = self.content_region.width
        if width == self._content_width or width < 1:  # the same, or hidden
            return
        self._content_width = width
        full, narrow = self._widths()
        entry, article = self.entry, self.article
        if entry is None:
            if self._placeholder is not None:
                self._set_page(self._placeholder_page(self._placeholder, full))
            return
        if self._body_note is not None or article is None:
            if not self._pending_width:
                return
            self._show_formatting(entry, narrow)
            self._render_later(entry, article, narrow)
            return
        if self._pending_width:
            return  # a render is on its way; checked when it arrives
        if _is_big(entry):
            self._render_later(entry, article, narrow)
        else:
            self._show_rendering(self._render_small(entry, article))

    # -- drawing ------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # What every line depends on is read once per paint, not once per line: Textual
        # works the styles and regions out afresh each time they are asked for.
        self._painting = (
            self._page,
            self.visual_style.rich_style,
            self._fill(),
            self.scrollable_content_region.width,
        )
        try:
            return super().render_lines(crop)
        finally:
            self._painting = None

    def render_line(self, y: int) -> Strip:
        look = self._painting
        if look is None:
            look = (
                self._page,
                self.visual_style.rich_style,
                self._fill(),
                self.scrollable_content_region.width,
            )
        if self._strips_of != look or len(self._strips) > _CACHED_STRIPS:
            self._strips = {}
            self._strips_of = look
        number = y + int(self.scroll_y)
        strip = self._strips.get(number)
        if strip is None:
            page, base, fill, width = look
            strip = self._draw_line(page.line(number), base, fill, width)
            self._strips[number] = strip
        return strip

    def _fill(self) -> Style:
        """The style of the cells beside and below the text: the pane's background, as
        Textual pads a line with it."""
        base_background, background = self.background_colors
        return TextualStyle(background=base_background + background).rich_style

    def _draw_line(
        self, line: tuple[RenderedLines, int] | None, base: Style, fill: Style, width: int
    ) -> Strip:
        """A line of the page, padded as the pane pads it, or a blank line."""
        if line is None:
            return self._blank_line(fill, width)
        lines, y = line
        text = lines.styled_line(y, base).adjust_cell_length(max(0, width - _PADDING * 2), fill)
        pad = Segment(" " * _PADDING, fill)
        return Strip([pad, *text, pad], width)

    def _blank_line(self, fill: Style, width: int) -> Strip:
        """The same blank strip for every blank line, so it is styled once."""
        blank = self._blank
        if blank is None or blank[0] != (fill, width):
            blank = self._blank = ((fill, width), Strip.blank(width, fill))
        return blank[1]

    def _header(self, entry: Entry) -> Group:
        title = Text(one_line(entry.title) or "(untitled)", style="bold")
        details = Text(style="dim")
        details.append(one_line(entry.feed_title))
        if entry.author:
            details.append(" · by ")
            details.append(one_line(entry.author))
        if entry.published is not None:
            details.append(" · ")
            details.append(absolute_date(entry.published))
            details.append(f" ({relative_date(entry.published, self.now())})")
        marks = Text()
        if entry.starred:
            marks.append("★ starred  ", style="bold yellow")
        if not entry.read:
            marks.append("● unread", style="bold")
        link = Text()
        if entry.link:
            url = one_line(entry.link)
            link.append(url, style=Style(underline=True, link=_openable(url), dim=True))
        parts: list[RenderableType] = [title, details]
        if marks:
            parts.append(marks)
        if link:
            parts.append(link)
        parts.extend(_attachment_lines(entry))
        return Group(*parts)

    # -- actions ------------------------------------------------------------------------
    def action_page_or_next(self) -> None:
        if self.entry is None or self.at_end:
            self.post_message(self.NextRequested(self))
        else:
            self.scroll_page_down(animate=False)

    def action_back(self) -> None:
        self.post_message(self.Back(self))

    def action_open_link(self, number: int) -> None:
        for link in self.links:
            if link.number == number:
                self.post_message(self.LinkRequested(self, link.url))
                return
        self.notify(f"No link {number} in this article.", severity="warning")

    def action_pick_link(self) -> None:
        if self.links:
            self.post_message(self.PickLinkRequested(self, self.links))
        else:
            self.notify("This article has no links.", severity="warning")

    def on_click(self, event: events.Click) -> None:
        url = event.style.link
        if url:
            event.stop()
            self.post_message(self.LinkRequested(self, url))


def _is_big(entry: Entry) -> bool:
    """Whether `entry`'s body is formatted in a worker (it takes tens of milliseconds or more)."""
    return len(entry.body) > content.LARGE_BODY_CHARS


def _version(entry: Entry) -> str:
    """The cache version of an entry's body and attachments: an edited entry converts afresh."""
    updated = entry.updated.isoformat() if entry.updated else ""
    if entry.enclosures:
        updated += "".join(f"\n{enclosure.url}" for enclosure in entry.enclosures)
    return content.content_version(entry.body, updated)


def _article_for(entry: Entry) -> Article:
    """`entry`'s body as the reader's article, its attachments numbered after the body's links.

    A podcast episode's audio is only an enclosure, so it would have no number to open it
    by (1-9, f) nor a row to click: each http(s) one the body does not link to already
    becomes the next link. The header names them (see `attachment_label`).
    """
    article = content.article_from_html(entry.body, title=entry.title, base_url=entry.link)
    known = {link.url for link in article.links}
    extra: list[Link] = []
    for enclosure in entry.enclosures:
        url = _openable(enclosure.url)
        if url is None or url in known:
            continue
        known.add(url)
        number = len(article.links) + len(extra) + 1
        extra.append(content.Link(number=number, url=url, text=attachment_label(enclosure)))
    return replace(article, links=article.links + tuple(extra)) if extra else article


_HEADER_ATTACHMENTS = 3
"""Attachments named in the header; the links list has them all."""


def _attachment_lines(entry: Entry) -> list[Text]:
    """A header line per attachment (a podcast's audio), its URL clickable when safe."""
    lines: list[Text] = []
    for enclosure in entry.enclosures[:_HEADER_ATTACHMENTS]:
        url = one_line(enclosure.url)
        style = Style(underline=True, link=_openable(url))
        line = Text("Attachment: ", style="dim")
        line.append(content.file_name(url) or url, style=style)
        line.append(f" ({attachment_label(enclosure)})", style="dim")
        lines.append(line)
    more = len(entry.enclosures) - _HEADER_ATTACHMENTS
    if more > 0:
        lines.append(Text(f"and {more} more attachments under Links", style="dim"))
    return lines


def attachment_label(enclosure: Enclosure) -> str:
    """What an attachment is, in a few words: "audio/mpeg, 40.6 MB"."""
    kind = one_line(enclosure.type) or "file"
    if enclosure.length is None or enclosure.length <= 0:
        return kind
    return f"{kind}, {_size(enclosure.length)}"


def _size(length: int) -> str:
    """Bytes in the units a download shows (powers of 1,000)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if length >= scale:
            return f"{length / scale:.1f} {unit}"
    return f"{length} B"
