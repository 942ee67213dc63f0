"""The reader: an entry's header and its body, rendered by the content pipeline.

Bodies are converted (sanitised HTML -> Markdown -> Rich) once and cached per entry; big
ones are converted in an exclusive thread worker whose result is dropped if the user has
moved on. The body is a Rich renderable in a `Static`, not Textual's `Markdown` widget,
so a long article costs one widget and clicked links go through one safe path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from newsterm import content
from newsterm.browser import is_safe_url
from newsterm.models import Entry

if TYPE_CHECKING:
    from newsterm.content import Article, ArticleCache
from newsterm.ui.formatting import absolute_date, one_line, relative_date
from newsterm.ui.messages import forward_worker_failure

_LINK_KEYS = Binding.Group("Open link 1-9")


class GuardedRenderable:
    """Renders `renderable` eagerly; if that raises, shows the plain text instead.

    A bug in formatting one odd article must cost that article its formatting, not
    take the app down with a traceback from inside the compositor.
    """

    def __init__(self, renderable: RenderableType, fallback: str) -> None:
        self.renderable = renderable
        self.fallback = fallback

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        try:
            lines = console.render_lines(self.renderable, options, pad=False)
        except Exception as error:
            yield Text(f"(shown unformatted: {type(error).__name__})", style="italic")
            yield Text(content.safe_text(self.fallback))
            return
        for line in lines:
            yield from line
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(options.min_width, options.max_width)


@dataclass(frozen=True, slots=True)
class ShownLink:
    """A numbered link of the shown article."""

    number: int
    url: str
    text: str


class Reader(VerticalScroll, can_focus=True, inherit_bindings=False):
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
        & > #reader-header { padding: 0 1 1 1; }
        & > #reader-body { padding: 0 1; }
        & > #reader-links { padding: 0 1 1 1; }
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
    class _Converted(Message, bubble=False):
        entry_id: int
        article: Article

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        cache_size: int = 128,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.now = now
        """The clock used for the relative date in the header."""
        self.entry: Entry | None = None
        """The entry shown, if any."""
        self.article: Article | None = None
        """Its converted body, once ready."""
        self.cache_size = cache_size
        self._cache: ArticleCache | None = None
        self._rendered_width = 0

    def compose(self) -> ComposeResult:
        yield Static(id="reader-header", markup=False)
        yield Static(id="reader-body", markup=False)
        yield Static(id="reader-links", markup=False)

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

    def show_placeholder(self, message: str = "Open an article to read it here.") -> None:
        """Show a hint instead of an article."""
        self.entry = None
        self.article = None
        self.query_one("#reader-header", Static).update(Text(message, style="dim"))
        self.query_one("#reader-body", Static).update("")
        self.query_one("#reader-links", Static).update("")
        self.border_subtitle = ""

    def show(self, entry: Entry) -> None:
        """Show `entry`: the header at once, the body now or when its worker finishes."""
        self.entry = entry
        self.article = None
        self.query_one("#reader-header", Static).update(self._header(entry))
        self.scroll_home(animate=False, immediate=True)
        self.query_one("#reader-links", Static).update("")
        cached = self.cache.get(entry.id, _version(entry))
        if cached is not None:
            self._show_article(cached)
        elif len(entry.body) <= content.LARGE_BODY_CHARS:
            self._show_article(self._convert_now(entry))
        else:
            self.query_one("#reader-body", Static).update(Text("Formatting…", style="dim"))
            self._convert_in_background(entry)

    def refresh_header(self, entry: Entry) -> None:
        """Redraw the header after the entry's read/starred state changed."""
        if self.entry is not None and self.entry.id == entry.id:
            self.entry = entry
            self.query_one("#reader-header", Static).update(self._header(entry))

    @property
    def at_end(self) -> bool:
        return self.scroll_y >= self.max_scroll_y

    # -- conversion ---------------------------------------------------------------------
    def _convert_now(self, entry: Entry) -> Article:
        article = content.article_from_html(entry.body, title=entry.title, base_url=entry.link)
        self.cache.put(entry.id, _version(entry), article)
        return article

    @work(
        thread=True,
        exclusive=True,
        group="reader",
        exit_on_error=False,
        description="Format article",
    )
    def _convert_in_background(self, entry: Entry) -> None:
        """Convert a big body off the UI thread; the result is dropped if the user moved on."""
        article = content.article_from_html(entry.body, title=entry.title, base_url=entry.link)
        self.cache.put(entry.id, _version(entry), article)
        self.post_message(self._Converted(entry.id, article))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        forward_worker_failure(self, event)

    def on_reader__converted(self, message: _Converted) -> None:
        if self.entry is not None and self.entry.id == message.entry_id:
            self._show_article(message.article)

    def _show_article(self, article: Article) -> None:
        self.article = article
        width = self._body_width()
        self._rendered_width = width
        # The header above already shows the title, and the links go in their own
        # clickable list below, so the pipeline renders the body alone.
        body = GuardedRenderable(
            content.render_article(replace(article, title="", links=()), width=width),
            article.markdown,
        )
        self.query_one("#reader-body", Static).update(body)
        self.query_one("#reader-links", Static).update(self._links_list(article))
        count = len(article.links)
        self.border_subtitle = f"{count} link{'s' if count != 1 else ''}" if count else ""

    def _body_width(self) -> int:
        # A hidden reader (narrow layout) has no width yet: assume the whole terminal.
        width = self.scrollable_content_region.width or self.app.size.width
        return max(20, width - 2)

    def on_resize(self) -> None:
        if self.article is not None and self._body_width() != self._rendered_width:
            self._show_article(self.article)

    def _links_list(self, article: Article) -> RenderableType:
        """Numbered links; each safe one carries its URL so a click can open it."""
        if not article.links:
            return ""
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True)
        table.add_column(overflow="fold")
        for link in article.links:
            url = one_line(link.url)
            style = Style(underline=True, link=url if is_safe_url(url) else None)
            label = Text(f"[{link.number}]", style="bold")
            table.add_row(label, Text(url, style=style))
        return Group(Text(""), Text("Links (1-9 or f to open, or click)", style="bold"), table)

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
            safe = is_safe_url(url)
            link.append(url, style=Style(underline=True, link=url if safe else None, dim=True))
        parts: list[RenderableType] = [title, details]
        if marks:
            parts.append(marks)
        if link:
            parts.append(link)
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


def _version(entry: Entry) -> str:
    """The cache version of an entry's body: an edited entry converts afresh."""
    return content.content_version(entry.body, entry.updated.isoformat() if entry.updated else "")
