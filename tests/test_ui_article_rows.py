"""An article row is drawn from segments built by hand (a feed switch draws every row, and a
Rich `Text` per row cost four times as much): the result must be what Rich draws for the
same row, cell for cell and style for style, whatever the title holds."""

from __future__ import annotations

import random
from dataclasses import replace

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from newsterm.models import EntrySummary
from newsterm.store import Store
from newsterm.ui.formatting import one_line
from newsterm.ui.widgets.article_list import DATE_WIDTH, ArticleList
from tests.ui_helpers import make_app, panes, settle

HARD_TITLES = [
    "",
    "x",
    "新闻报道" * 30,  # wide characters, cut in the middle of one
    "新" * 7 + "x",
    "😀 emoji " * 20,
    "[bold]markup[/bold] [link=https://x]y[/link]",  # text, never markup
    "e\u0301\u0301 combining " * 10,
    "a\u200bb zero width",
    "ﾊﾝｶｸ half-width",
    "w" * 500,
]
POOL = "abc XYZ 新闻报道ﾊﾝ😀é\u0301\u200b[]/\\…★●"


def rich_row(
    view: ArticleList,
    summary: EntrySummary,
    is_cursor: bool,
    width: int,
    show_feed: bool,
    date: str,
    base: Style,
) -> list[Segment]:
    """The row as a Rich `Text` draws it: spans over a base style, the title and feed cut
    by `Text.truncate`, the cursor's style stylized over the whole row."""
    style = view._style
    cursor_class = "article-list--cursor" if view.has_focus else "article-list--cursor-blurred"
    row_style = base + style(cursor_class) if is_cursor else base
    unread = not summary.read
    feed_width = min(22, max(8, width // 5)) if show_feed and width >= 50 else 0
    title_width = max(1, width - 3 - DATE_WIDTH - 1 - (feed_width + 1 if feed_width else 0))
    text = Text(style=row_style, no_wrap=True, end="")
    text.append("●" if unread else " ", style("article-list--mark"))
    text.append("★" if summary.starred else " ", style("article-list--star"))
    text.append(" ")
    title = Text(one_line(summary.title) or "(untitled)", no_wrap=True, end="")
    title.truncate(title_width, overflow="ellipsis", pad=True)
    title.stylize(style("article-list--unread" if unread else "article-list--read"))
    text.append_text(title)
    if feed_width:
        feed = Text(one_line(summary.feed_title), no_wrap=True, end="")
        feed.truncate(feed_width, overflow="ellipsis", pad=True)
        feed.stylize(style("article-list--feed"))
        text.append(" ")
        text.append_text(feed)
    text.append(" ")
    text.append(date.rjust(DATE_WIDTH), style("article-list--date"))
    if is_cursor:
        text.stylize(style(cursor_class))
    segments = list(text.render(view.app.console))
    return list(Strip(segments).adjust_cell_length(width, row_style))


async def test_rows_are_drawn_as_rich_draws_them(store: Store) -> None:
    noise = random.Random(7)
    titles = HARD_TITLES + [
        "".join(noise.choice(POOL) for _ in range(noise.randrange(1, 80))) for _ in range(40)
    ]
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, _reader = panes(app)
        first = articles.summary(articles.entry_ids[0])
        assert first is not None
        base = articles._base_style()
        compared = 0
        for focused in (False, True):
            if focused:
                articles.focus()
                await settle(pilot)
            assert articles.has_focus == focused
            for number, title in enumerate(titles):
                summary = replace(
                    first,
                    title=title,
                    feed_title=titles[-1 - number],
                    read=bool(number % 2),
                    starred=bool(number % 3),
                )
                for width in (1, 20, 49, 50, 87, 120):
                    for is_cursor in (False, True):
                        for show_feed in (False, True):
                            drawn = articles._render_row(
                                summary, is_cursor, width, show_feed, "5m", base
                            )
                            expected = rich_row(
                                articles, summary, is_cursor, width, show_feed, "5m", base
                            )
                            assert list(drawn) == expected, (title, width, is_cursor)
                            assert drawn.cell_length == width
                            compared += 1
        assert compared == 2 * len(titles) * 6 * 2 * 2
