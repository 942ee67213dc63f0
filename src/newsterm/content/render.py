"""What the reader pane shows: the article's Markdown rendered by Rich, then its numbered links."""

from __future__ import annotations

import io
import os
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.constrain import Constrain
from rich.markdown import Heading, Markdown, MarkdownElement
from rich.table import Table
from rich.text import Text

from newsterm.content._safe import safe_text
from newsterm.content.model import Article

CODE_THEME = "monokai"
# Rules under headings keep them recognisable in plain text, where bold and colour are gone.
_UNDERLINES = {"title": "━", "h1": "═", "h2": "─", "h3": "─"}


class _Heading(Heading):
    """A left-aligned heading, underlined down to level 3."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text = self.text.copy()
        text.justify = "left"
        yield text
        rule = _UNDERLINES.get(self.tag)
        if rule:
            yield _underline(text.plain, rule, options.max_width, self.style_name)


class _ReaderMarkdown(Markdown):
    """Rich's Markdown with the reader's headings."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        "heading_open": _Heading,
    }


class _WithoutLeadingBlankLines:
    """Rich's Markdown starts with an empty line when the document opens with a list: drop it."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        started = False
        for segment in console.render(self.renderable, options):
            if not started and segment.text == "\n" and not segment.control:
                continue
            started = True
            yield segment


def _underline(text: str, rule: str, max_width: int, style: str) -> Text:
    longest = max((cell_len(line) for line in text.split("\n")), default=0)
    return Text(rule * max(1, min(longest, max_width)), style=style)


def render_article(article: Article, *, width: int) -> RenderableType:
    """The reader pane's content: title, Markdown body (code highlighted), numbered links."""
    parts: list[RenderableType] = []
    title = safe_text(article.title).strip()
    if title:
        heading = Text(title, style="bold")
        parts.extend([heading, _underline(title, _UNDERLINES["title"], width, "bold"), Text("")])
    if article.markdown.strip():
        markdown = _ReaderMarkdown(article.markdown, code_theme=CODE_THEME, hyperlinks=False)
        parts.append(_WithoutLeadingBlankLines(markdown))
    if article.links:
        parts.extend(
            [Text(""), Text("Links", style="bold"), _underline("Links", "─", width, "bold")]
        )
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right", no_wrap=True, style="bold")
        table.add_column(overflow="fold")
        for link in article.links:
            table.add_row(f"[{link.number}]", Text(safe_text(link.url), style="underline"))
        parts.append(table)
    return Constrain(Group(*parts), width=max(1, width))


def render_to_text(article: Article, *, width: int, color: bool) -> str:
    """The reader's rendering as a string: plain text, or with ANSI colours when ``color``."""
    width = max(10, width)
    buffer = io.StringIO()
    if color:
        truecolor = os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit")
        color_system: str | None = "truecolor" if truecolor else "256"
    else:
        color_system = None
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system=color_system,  # type: ignore[arg-type]
        legacy_windows=False,
        force_jupyter=False,
        force_interactive=False,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
        tab_size=4,
        _environ={},
    )
    console.print(render_article(article, width=width))
    output = buffer.getvalue()
    if not color:
        output = "\n".join(line.rstrip() for line in output.split("\n"))
    return output
