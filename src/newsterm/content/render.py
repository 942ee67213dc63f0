"""What the reader pane shows: the article's Markdown rendered by Rich, then its numbered links."""

from __future__ import annotations

import io
import os
from functools import lru_cache
from typing import ClassVar

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.constrain import Constrain
from rich.markdown import CodeBlock, Heading, Markdown, MarkdownElement, TableElement
from rich.padding import Padding
from rich.segment import Segment
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from newsterm.content._safe import safe_text
from newsterm.content.model import Article, Link

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


class _CodeBlock(CodeBlock):
    """A code block: highlighted text in a padded box.

    Rich's ``Syntax`` lays out every line itself and is slow; highlighting to a ``Text`` and
    letting it wrap gives the same picture faster, and without colours (piped output) the
    highlighting is skipped altogether.
    """

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        code = str(self.text).rstrip()
        if console.no_color or console.color_system is None:
            yield Padding(Text(code, style=self.style_name), (1, 1))
            return
        syntax = Syntax(code, self.lexer_name, theme=self.theme)
        highlighted = syntax.highlight(code)
        highlighted.rstrip()
        background = Syntax.get_theme(self.theme).get_background_style()
        yield Padding(highlighted, (1, 1), style=background, expand=True)


class _Table(TableElement):
    """Rich's Markdown table, but long words fold instead of ending in an ellipsis."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table = Table(
            box=box.SIMPLE,
            pad_edge=False,
            style="markdown.table.border",
            show_edge=True,
            collapse_padding=True,
        )
        if self.header is not None and self.header.row is not None:
            for column in self.header.row.cells:
                heading = column.content.copy()
                heading.stylize("markdown.table.header")
                table.add_column(heading, overflow="fold")
        if self.body is not None:
            for row in self.body.rows:
                table.add_row(*[element.content for element in row.cells])
        yield table


class _ReaderMarkdown(Markdown):
    """Rich's Markdown with the reader's headings and code blocks."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        "heading_open": _Heading,
        "fence": _CodeBlock,
        "code_block": _CodeBlock,
        "table_open": _Table,
    }


class _LinkList:
    """``[N] url`` lines, long URLs folded under the URL column (a Table costs ~1 ms a row)."""

    def __init__(self, links: tuple[Link, ...]) -> None:
        self.links = links

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        number_width = len(str(len(self.links) and max(link.number for link in self.links))) + 2
        url_width = max(1, options.max_width - number_width - 1)
        text = Text(no_wrap=True, overflow="fold")
        for index, link in enumerate(self.links):
            if index:
                text.append("\n")
            text.append(f"[{link.number}]".rjust(number_width) + " ", style="bold")
            for chunk_index, chunk in enumerate(_fold(safe_text(link.url), url_width)):
                if chunk_index:
                    text.append("\n" + " " * (number_width + 1))
                text.append(chunk, style="underline")
        yield text


def _fold(text: str, width: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``width`` cells."""
    if text.isascii():
        return [text[start : start + width] for start in range(0, len(text), width)] or [""]
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        size = cell_len(char)
        if used + size > width and current:
            chunks.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += size
    if current:
        chunks.append("".join(current))
    return chunks


class _WithoutLeadingBlankLines:
    """Rich's Markdown starts with empty lines when a document opens with a list or a table."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        segments = iter(console.render(self.renderable, options))
        pending: list[Segment] = []
        for segment in segments:
            if segment.text == "\n" and not segment.control:
                pending.clear()
            elif segment.control or segment.text.strip():
                yield from pending
                yield segment
                break
            else:
                pending.append(segment)
        yield from segments


def _underline(text: str, rule: str, max_width: int, style: str) -> Text:
    longest = max((cell_len(line) for line in text.split("\n")), default=0)
    return Text(rule * max(1, min(longest, max_width)), style=style)


@lru_cache(maxsize=16)
def _parsed(markdown: str) -> _ReaderMarkdown:
    """Parsing is a sixth of the rendering time: a pane re-rendered on resize reuses it."""
    return _ReaderMarkdown(markdown, code_theme=CODE_THEME, hyperlinks=False)


def render_article(article: Article, *, width: int) -> RenderableType:
    """The reader pane's content: title, Markdown body (code highlighted), numbered links."""
    parts: list[RenderableType] = []
    title = safe_text(article.title).strip()
    if title:
        heading = Text(title, style="bold")
        parts.extend([heading, _underline(title, _UNDERLINES["title"], width, "bold"), Text("")])
    if article.markdown.strip():
        parts.append(_WithoutLeadingBlankLines(_parsed(article.markdown)))
    if article.links:
        parts.extend(
            [Text(""), Text("Links", style="bold"), _underline("Links", "─", width, "bold")]
        )
        parts.append(_LinkList(article.links))
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
