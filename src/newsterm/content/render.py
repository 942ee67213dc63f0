"""What the reader pane shows: the article's Markdown rendered by Rich, then its numbered links.

:func:`render_lines` renders to lines of segments through :class:`_LineConsole`, a faster
console drawing the same cells as Rich's own; :func:`render_to_text` prints them.
"""

from __future__ import annotations

import copy
import io
import os
import re
import string
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, ClassVar

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.escape import escape
from rich import box
from rich._wrap import divide_line
from rich.cells import cell_len
from rich.console import (
    Console,
    ConsoleOptions,
    Group,
    JustifyMethod,
    OverflowMethod,
    RenderableType,
    RenderResult,
)
from rich.constrain import Constrain
from rich.containers import Lines, Renderables
from rich.control import strip_control_codes
from rich.markdown import (
    CodeBlock,
    Heading,
    Markdown,
    MarkdownContext,
    MarkdownElement,
    Paragraph,
    TableDataElement,
    TableElement,
    TextElement,
)
from rich.padding import Padding
from rich.protocol import rich_cast
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax, SyntaxTheme
from rich.table import Table
from rich.text import Span, Text, TextType

if TYPE_CHECKING:
    from markdown_it.token import Token
    from pygments.lexer import Lexer  # type: ignore[import-untyped]

from newsterm.content._safe import safe_text
from newsterm.content.linebreak import divide_line as divide_cjk_line
from newsterm.content.linebreak import has_cjk
from newsterm.content.model import LINK_NUMBER_MARK, Article, Link

CODE_THEME = "monokai"
# Rules under headings keep them recognisable in plain text, where bold and colour are gone.
_UNDERLINES = {"title": "━", "h1": "═", "h2": "─", "h3": "─"}


# What ``rich.control.strip_control_codes`` removes from every string a ``Text`` is given.
_RICH_STRIPPED_CONTROLS = re.compile("[\x07\x08\x0b\x0c\x0d]")


def _append_unstripped(text: Text, string: str, style: Style | str | None) -> None:
    """``text.append(string, style)`` for a string known to hold no control code.

    ``Text.append`` strips control codes from every string, with ``str.translate``, which
    for any text that is not pure ASCII looks up every character (a twentieth of the
    rendering); the converter's Markdown has none left to strip (``_ReaderMarkdown`` checks).
    """
    if string:
        offset = len(text)
        text._text.append(string)
        if style:
            text._spans.append(Span(offset, offset + len(string), style))
        text._length += len(string)


# A link's number as the parser hands it over: the converter's mark after the "[" tells it
# from the same brackets written in the text.
_LINK_NUMBER = re.compile(f"\\[{LINK_NUMBER_MARK}(\\d+)\\]")


_UNSEEN = Style()
"""What `_LinkTargets` finds for a number not met yet (no style it keeps is this one)."""


class _LinkTargets:
    """What the link numbers of one rendering open: a URL per number, and its styles."""

    __slots__ = ("_styles", "urls")

    def __init__(self, urls: Mapping[int, str]) -> None:
        self.urls = urls
        self._styles: dict[Style, dict[str, Style | None]] = {}
        """By style: that style with each link's URL, by the number's digits."""

    def linked_styles(self, style: Style) -> dict[str, Style | None]:
        """``style`` with the link of each number met so far, by its digits (filled by
        `linked`): looked up once per run of text, not once per number."""
        styles = self._styles.get(style)
        if styles is None:
            styles = self._styles[style] = {}
        return styles

    def linked(self, styles: dict[str, Style | None], style: Style, digits: str) -> Style | None:
        """``style`` with the link of number ``digits`` (None if it opens nothing), kept in
        ``styles`` (``linked_styles(style)``)."""
        linked = styles.get(digits, _UNSEEN)
        if linked is _UNSEEN:
            url = self.urls.get(int(digits))
            # What ``style + Style(link=url)`` gives, as one new style instead of two
            # (Rich's ``+`` copies any sum with a link); made once per number and style, so
            # the pieces of a wrapped number share a link id and a terminal sees one link.
            linked = styles[digits] = style.update_link(url) if url is not None else None
        return linked


def _append_link_numbers(
    text: Text, string: str, style: Style, targets: _LinkTargets | None, *, strip: bool
) -> None:
    """Append ``string``, which holds marked link numbers, to ``text`` in ``style``, as
    ``Text.append`` would append it without the marks; each number that ``targets`` gives
    a URL gets a span of its own with the link on top of ``style``. ``strip``: remove
    control codes, as ``Text.append`` does.

    Written into the text's internals at once (see `_append_unstripped`): appending piece
    by piece cost microseconds per link, and an article can have thousands.
    """
    if strip:
        string = strip_control_codes(string)
    parts = _LINK_NUMBER.split(string)  # text, digits, text, digits, ..., text
    if targets is None or len(parts) == 1:
        _append_unstripped(text, string.replace(LINK_NUMBER_MARK, ""), style)
        return
    styles = targets.linked_styles(style)
    styled = bool(style)
    spans = text._spans
    run_start = position = text._length  # the run in ``style`` since the last linked number
    pieces = [parts[0].replace(LINK_NUMBER_MARK, "")]  # a mark out of place is dropped
    position += len(pieces[0])
    for index in range(1, len(parts), 2):
        digits = parts[index]
        linked = targets.linked(styles, style, digits)
        number = f"[{digits}]"
        if linked is not None:
            if styled and position > run_start:
                spans.append(Span(run_start, position, style))
            run_start = position + len(number)
            spans.append(Span(position, run_start, linked))
        after = parts[index + 1].replace(LINK_NUMBER_MARK, "")
        pieces.append(number)
        pieces.append(after)
        position += len(number) + len(after)
    if styled and position > run_start:
        spans.append(Span(run_start, position, style))
    joined = "".join(pieces)
    text._text.append(joined)
    text._length += len(joined)


def _link_targets_of(markdown: Markdown) -> _LinkTargets | None:
    return markdown.link_targets if isinstance(markdown, _ReaderMarkdown) else None


class _ControlFreeText(TextElement):
    """A text element that takes its text without stripping when the document has no
    controls (`_ReaderMarkdown.control_free`), and draws the converter's link numbers."""

    control_free = False
    link_targets: _LinkTargets | None = None

    def on_text(self, context: MarkdownContext, text: TextType) -> None:
        if isinstance(text, str) and LINK_NUMBER_MARK in text:
            strip = not self.control_free
            style = context.current_style
            _append_link_numbers(self.text, text, style, self.link_targets, strip=strip)
        elif self.control_free and isinstance(text, str):
            _append_unstripped(self.text, text, context.current_style)
        else:
            super().on_text(context, text)


def _is_control_free(markdown: Markdown) -> bool:
    return isinstance(markdown, _ReaderMarkdown) and markdown.control_free


class _Paragraph(_ControlFreeText, Paragraph):
    """Rich's paragraph, taking its text as `_ControlFreeText` does."""

    @classmethod
    def create(cls, markdown: Markdown, token: Token) -> _Paragraph:
        paragraph = cls(justify=markdown.justify or "left")
        paragraph.control_free = _is_control_free(markdown)
        paragraph.link_targets = _link_targets_of(markdown)
        return paragraph


class _Heading(_ControlFreeText, Heading):
    """A left-aligned heading, underlined down to level 3 (its text taken as
    `_ControlFreeText` does)."""

    @classmethod
    def create(cls, markdown: Markdown, token: Token) -> _Heading:
        heading = cls(token.tag)
        heading.control_free = _is_control_free(markdown)
        heading.link_targets = _link_targets_of(markdown)
        return heading

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
        theme = _syntax_theme(self.theme)
        syntax = Syntax(code, _lexer(self.lexer_name), theme=theme)
        highlighted = syntax.highlight(code)
        highlighted.rstrip()
        yield Padding(highlighted, (1, 1), style=theme.get_background_style(), expand=True)


@lru_cache(maxsize=128)
def _lexer(name: str) -> Lexer:
    """Pygments' lexer for ``name`` (plain text if it has none), as ``Syntax`` would make it.

    Made once per name: a lookup costs about half a millisecond, and a theme made afresh for
    every block would parse every token style again.
    """
    from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped]
    from pygments.util import ClassNotFound  # type: ignore[import-untyped]

    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=True, tabsize=4)
    except ClassNotFound:
        return get_lexer_by_name("text", stripnl=False, ensurenl=True, tabsize=4)


@lru_cache(maxsize=8)
def _syntax_theme(name: str) -> SyntaxTheme:
    return Syntax.get_theme(name)


class _TableData(TableDataElement):
    """Rich's table cell, drawing the converter's link numbers."""

    link_targets: _LinkTargets | None = None

    @classmethod
    def create(cls, markdown: Markdown, token: Token) -> _TableData:
        cell = super().create(markdown, token)
        assert isinstance(cell, _TableData)
        cell.link_targets = _link_targets_of(markdown)
        return cell

    def on_text(self, context: MarkdownContext, text: TextType) -> None:
        if isinstance(text, str) and LINK_NUMBER_MARK in text:
            style = context.current_style
            _append_link_numbers(self.content, text, style, self.link_targets, strip=True)
        else:
            super().on_text(context, text)


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
    """Rich's Markdown with the reader's headings and code blocks.

    Rich's ``__init__`` builds a new markdown-it parser (0.4 ms, a tenth of a short item's
    rendering) for every document; this one parses with one parser per thread (see
    :func:`_markdown_parser`) and sets the attributes Rich's ``__init__`` sets (a test
    compares them).
    """

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        "paragraph_open": _Paragraph,
        "heading_open": _Heading,
        "fence": _CodeBlock,
        "code_block": _CodeBlock,
        "table_open": _Table,
        "td_open": _TableData,
        "th_open": _TableData,
    }

    link_targets: _LinkTargets | None = None
    """What the link numbers open, in a copy made for one rendering (`with_link_targets`);
    without it they are plain text."""

    def __init__(self, markup: str, code_theme: str = CODE_THEME) -> None:
        # Not calling Rich's __init__ is the point: it would build the parser again.
        self.markup = markup
        self.parsed = _markdown_parser().parse(markup)
        # Text tokens are pieces of the markup (no entity or escape makes a control code).
        self.control_free = not _RICH_STRIPPED_CONTROLS.search(markup)
        self.code_theme = code_theme
        self.justify: JustifyMethod | None = None
        self.style: str | Style = "none"
        self.hyperlinks = False
        self.inline_code_lexer: str | None = None
        self.inline_code_theme = code_theme

    def with_link_targets(self, targets: _LinkTargets) -> _ReaderMarkdown:
        """This document (its parse shared, as it is cached) with clickable link numbers."""
        linked = copy.copy(self)
        linked.link_targets = targets
        return linked


_PARSERS = threading.local()


# Rules that never match the converter's Markdown: every "[", "<", "&" of the text is
# backslash-escaped, and so is a "-" or "=" that starts a line (html2text's own markers are
# "*", "#" and ">"), so there are no links, images, references, HTML, entities or setext
# headings to find; skipping them saves a twelfth of the parsing. Same tokens as Rich's parser
# (tests/test_content_fast_paths.py checks corpus and hostile documents).
_NEVER_MATCHING_RULES = [
    "link",
    "image",
    "autolink",
    "html_inline",
    "entity",
    "reference",
    "html_block",
    "lheading",
]


# What CommonMark lets a backslash escape: ASCII punctuation.
_ESCAPABLE = frozenset(string.punctuation)


def _escape_as_text(state: StateInline, silent: bool) -> bool:
    """markdown-it's ``escape`` rule, but an escaped punctuation character joins the pending
    text instead of becoming a ``text_special`` token that the ``text_join`` rule merges
    into the text around it afterwards: the same text tokens (only a text token that starts
    with an escape no longer records it in ``markup``/``info``, which Rich does not read),
    and the converter escapes so much that this saves an eighth of the parsing."""
    position = state.pos
    source = state.src
    if source[position] != "\\" or position + 1 >= state.posMax:
        return False
    char = source[position + 1]
    if char not in _ESCAPABLE:  # a line break, a surrogate pair, a literal backslash
        return escape(state, silent)
    if not silent:
        state.pending += char
    state.pos = position + 2
    return True


# The characters at which one of the inline rules left enabled may start: newline, escape,
# backticks, strikethrough, emphasis.
_PLAIN_TEXT = re.compile(r"[^\n\\`~*_]+")


def _plain_text(state: StateInline, silent: bool) -> bool:
    """markdown-it's ``text`` rule, but stopping only where an enabled rule may start.

    The original stops at every character some rule or plugin might want (``-``, ``:``,
    ``!``, ``[``, ``&``...); with those rules disabled, each stop only tried the enabled rules
    in vain and added the character to the pending text, one Python call after another.
    """
    match = _PLAIN_TEXT.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        state.pending += match.group()
    state.pos = match.end()
    return True


def _markdown_parser() -> MarkdownIt:
    """This thread's markdown-it parser: Rich's configuration, without the rules that can
    never match the converter's Markdown, and with quicker ``text`` and ``escape`` rules."""
    parser: MarkdownIt | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = MarkdownIt().enable("strikethrough").enable("table")
        parser.disable(_NEVER_MATCHING_RULES)
        parser.inline.ruler.at("escape", _escape_as_text)
        parser.inline.ruler.at("text", _plain_text)
        _PARSERS.parser = parser
    return parser


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
            for chunk_index, chunk in enumerate(fold_cells(safe_text(link.url), url_width)):
                if chunk_index:
                    text.append("\n" + " " * (number_width + 1))
                text.append(chunk, style="underline")
        yield text


def fold_cells(text: str, width: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``width`` cells (one empty piece for no text)."""
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
    return chunks or [""]


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


class _LineSink:
    """Collects rendered output as lines, split exactly as ``Segment.split_and_crop_lines`` does.

    ``exact_breaks[i]`` says whether line ``i`` ended with a segment that is just ``"\\n"``
    (as Rich yields between blocks) rather than a line break inside a longer segment (as in
    a padded code block's first line): :class:`_WithoutLeadingBlankLines` tells them apart.
    """

    __slots__ = ("current", "exact_breaks", "lines")

    def __init__(self) -> None:
        self.lines: list[list[Segment]] = []
        self.exact_breaks: list[bool] = []
        self.current: list[Segment] = []

    def segment(self, segment: Segment) -> None:
        text = segment.text
        if "\n" not in text or segment.control:
            self.current.append(segment)
            return
        exact = text == "\n"
        style = segment.style
        while text:
            part, newline, text = text.partition("\n")
            if part:
                self.current.append(Segment(part, style))
            if newline:
                self.lines.append(self.current)
                self.exact_breaks.append(exact)
                self.current = []

    def line(self, segments: list[Segment], *, exact: bool) -> None:
        """``segments`` and then a line break."""
        if self.current:
            self.current.extend(segments)
            segments = self.current
            self.current = []
        self.lines.append(segments)
        self.exact_breaks.append(exact)

    def extend(self, other: _LineSink, start: int = 0) -> None:
        """Another sink's lines from ``start`` on, then its unfinished last line."""
        for index in range(start, len(other.lines)):
            self.line(other.lines[index], exact=other.exact_breaks[index])
        self.current.extend(other.current)

    def replay(self, other: _LineSink) -> None:
        """Take ``other``'s lines as if :meth:`_LineConsole.render` had yielded them segment by
        segment into :meth:`segment` (their segments hold no line breaks, so none is split):
        a line that ended inside its last segment keeps that break unless the segment is
        empty, every other break is a bare ``"\\n"``."""
        current = self.current
        lines = self.lines
        exact_breaks = self.exact_breaks
        for line, exact in zip(other.lines, other.exact_breaks, strict=True):
            current.extend(line)
            if exact or not line or line[-1].control:
                exact = True
            elif not line[-1].text:
                current.pop()
                exact = True
            lines.append(current)
            exact_breaks.append(exact)
            current = self.current = []
        current.extend(other.current)


class _RenderedElement:
    """What :meth:`_LineConsole.render` yields to the Markdown loop run by
    :meth:`_LineConsole._render_into`: an element's lines, handed over in one piece."""

    __slots__ = ("sink",)

    def __init__(self, sink: _LineSink) -> None:
        self.sink = sink


class _LineConsole(Console):
    """A ``Console`` that renders straight to lines, with the same segments as Rich.

    Rich passes every segment up through one generator per level of nesting, joins each
    paragraph's wrapped lines into one ``Text`` to render it, and at the end splits the stream
    into lines again: that bookkeeping was most of the reader's render time.  Here a ``Text``'s
    wrapped lines are rendered one by one (text of one-cell characters is wrapped on offsets,
    see :func:`_one_cell_text_lines`) and containers are walked without splitting twice.
    Everything else still runs Rich's own code (styles, tables, padding, Markdown elements),
    so the picture is the same: ``tests/test_content_render_lines.py`` compares the two on
    corpus articles, which also catches a Rich release changing the internals used here
    (``Text._spans``, ``rich._wrap.divide_line``).
    """

    # True while Rich's Markdown loop, run by ``_render_into``, asks for the next segment: the
    # ``console.render(element)`` it makes then hands the element's lines over in one piece
    # instead of passing each segment up through two generators to be split into lines again.
    _in_markdown_loop = False

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        hand_over = self._in_markdown_loop
        self._in_markdown_loop = False  # renders nested in this one yield segments
        sink = _LineSink()
        try:
            self._render_into(sink, renderable, options or self.options)
        finally:
            self._in_markdown_loop = hand_over
        if hand_over:
            yield _RenderedElement(sink)  # type: ignore[misc]
            return
        new_line = Segment.line()
        for line, exact in zip(sink.lines, sink.exact_breaks, strict=True):
            if exact or not line or line[-1].control:
                yield from line
                yield new_line
            else:
                # The break stays inside the last segment, as Rich had it.
                yield from islice(line, len(line) - 1)
                text, style, _ = line[-1]
                yield Segment(text + "\n", style)
        yield from sink.current

    def render_lines(
        self,
        renderable: RenderableType,
        options: ConsoleOptions | None = None,
        *,
        style: Style | None = None,
        pad: bool = True,
        new_lines: bool = False,
    ) -> list[list[Segment]]:
        render_options = options or self.options
        sink = _LineSink()
        self._render_into(sink, renderable, render_options)
        lines = sink.lines
        if sink.current:
            lines.append(sink.current)
        height = render_options.height
        if height is not None:
            lines = lines[: max(0, height)]
        width = render_options.max_width
        adjust = Segment.adjust_line_length
        if style:
            add = style.__add__
            lines = [
                [
                    Segment(text, None if control else add(segment_style), control)
                    for text, segment_style, control in line
                ]
                for line in lines
            ]
        one_cell = _one_cell_characters()
        for index, line in enumerate(lines):
            # Most lines are one-cell text that already fits: no need to measure them.
            length = 0
            for text, _, control in line:
                if control or not one_cell.issuperset(text):
                    length = -1
                    break
                length += len(text)
            if length != width and (length < 0 or length > width or pad):
                lines[index] = adjust(line, width, style=style, pad=pad)
        if new_lines:
            for line in lines:
                line.append(Segment.line())
        if height is not None and height > len(lines):
            blank = [Segment(" " * width, style)]
            if new_lines:
                blank.append(Segment.line())
            lines.extend([blank[:] for _ in range(height - len(lines))])
        return lines

    def _render_into(
        self, sink: _LineSink, renderable: RenderableType, options: ConsoleOptions
    ) -> None:
        """What ``Console.render`` does, into ``sink``."""
        if options.max_width < 1:
            return
        if type(renderable) is Text:  # most of them; a Text has no __rich__ to cast through
            self._text_into(sink, renderable, options)
            return
        if hasattr(renderable, "__rich__"):  # rich_cast returns anything else as it is
            renderable = rich_cast(renderable)
        if isinstance(renderable, str):
            renderable = self.render_str(
                renderable, highlight=options.highlight, markup=options.markup
            )
        if isinstance(renderable, Text):
            self._text_into(sink, renderable, options)
            return
        if isinstance(renderable, Constrain):
            if renderable.width is not None:
                options = options.update_width(min(renderable.width, options.max_width))
            self._render_into(sink, renderable.renderable, options)
            return
        if isinstance(renderable, _WithoutLeadingBlankLines):
            inner = _LineSink()
            self._render_into(inner, renderable.renderable, options)
            _drop_leading_blank_lines(inner, sink)
            return
        if isinstance(renderable, Markdown):
            self._markdown_into(sink, renderable, options)
            return
        if isinstance(renderable, (Group, Renderables)):
            parts: Iterable[RenderableType | Segment] = (
                renderable.renderables if isinstance(renderable, Group) else renderable._renderables
            )
        else:
            parts = renderable.__rich_console__(self, options)  # type: ignore[union-attr]
        # Options are never changed in place (Rich's own code makes copies), so options that
        # have no height already serve as they are.
        child_options = options if options.height is None else options.reset_height()
        for part in parts:
            if isinstance(part, Segment):
                sink.segment(part)
            else:
                self._render_into(sink, part, child_options)

    def _markdown_into(self, sink: _LineSink, markdown: Markdown, options: ConsoleOptions) -> None:
        """Run Rich's Markdown loop with its elements' lines handed over whole (see ``render``).

        Only this loop asks for the loop's next output, so only the ``console.render`` calls the
        loop makes itself see ``_in_markdown_loop`` set; everything in between (Rich yields only
        segments from it) runs with it unset.
        """
        parts = iter(markdown.__rich_console__(self, options))
        segment = sink.segment
        outer = self._in_markdown_loop
        try:
            while True:
                self._in_markdown_loop = True
                try:
                    part = next(parts)
                except StopIteration:
                    break
                finally:
                    self._in_markdown_loop = outer
                if isinstance(part, Segment):
                    segment(part)
                elif isinstance(part, _RenderedElement):
                    sink.replay(part.sink)
                else:  # not what Rich's Markdown yields today, but still drawn as Rich would
                    self._render_into(sink, part, options.reset_height())
        finally:
            self._in_markdown_loop = outer

    def _text_into(self, sink: _LineSink, text: Text, options: ConsoleOptions) -> None:
        """What ``Text.__rich_console__`` does, into ``sink``: wrap, then render line by line."""
        tab_size = self.tab_size if text.tab_size is None else text.tab_size
        no_wrap = bool(text.no_wrap if text.no_wrap is not None else options.no_wrap)
        justify = text.justify or options.justify or "default"
        overflow = text.overflow or options.overflow or "fold"
        width = options.max_width
        rendered = _one_cell_text_lines(self, text, width, justify, overflow, no_wrap)
        if rendered is None:
            rendered = self._wrapped_text_lines(
                text, width, justify, overflow, tab_size or 8, no_wrap
            )
        count = len(rendered)
        for index, segments in enumerate(rendered):
            if index < count - 1:
                sink.line(segments, exact=False)
            elif text.end == "\n":
                sink.line(segments, exact=True)
            else:
                sink.current.extend(segments)
                if text.end:
                    sink.segment(Segment(text.end))

    def _wrapped_text_lines(
        self,
        text: Text,
        width: int,
        justify: JustifyMethod,
        overflow: OverflowMethod,
        tab_size: int,
        no_wrap: bool,
    ) -> list[list[Segment]]:
        lines = self._wrap(
            text, width, justify=justify, overflow=overflow, tab_size=tab_size, no_wrap=no_wrap
        )
        # Rich renders the joined lines: a line without spans of its own is still styled when
        # the joined text has any span (its style is one), unstyled otherwise.
        styled = any(line._spans or line.style for line in lines)
        null = Style.null()
        rendered: list[list[Segment]] = []
        for line in lines:
            plain = line.plain
            if not plain:
                rendered.append([])
            elif line._spans:
                rendered.append(list(line.render(self)))
            elif styled:
                style = self.get_style(line.style, default=null) if line.style else null
                rendered.append([Segment(plain, style)])
            else:
                rendered.append([Segment(plain)])
        return rendered

    def _wrap(
        self,
        text: Text,
        width: int,
        *,
        justify: JustifyMethod,
        overflow: OverflowMethod,
        tab_size: int,
        no_wrap: bool,
    ) -> Lines:
        """``Text.wrap``, with a quicker way to find the breaks in a line of one-cell characters
        (``divide_line`` measures every word through a cache: a quarter of the render time)."""
        no_wrap = no_wrap or overflow == "ignore"
        fold = overflow == "fold"
        lines = Lines()
        for line in text.split(allow_blank=True):
            if "\t" in line:
                line.expand_tabs(tab_size)
            if no_wrap:
                if overflow == "ignore":
                    lines.append(line)
                    continue
                new_lines = Lines([line])
            else:
                plain = line.plain
                if _one_cell_characters().issuperset(plain):
                    offsets = _divide_one_cell_line(plain, width, fold=fold)
                elif has_cjk(plain):
                    offsets = divide_cjk_line(plain, width, fold=fold)
                else:
                    offsets = divide_line(plain, width, fold=fold)
                new_lines = line.divide(offsets)
                for new_line in new_lines:
                    new_line.rstrip_end(width)
            if justify:
                new_lines.justify(self, width, justify=justify, overflow=overflow)
            for new_line in new_lines:
                new_line.truncate(width, overflow=overflow)
            lines.extend(new_lines)
        return lines


@lru_cache(maxsize=1)
def _one_cell_characters() -> frozenset[str]:
    """The characters below U+3000 that Rich measures as one cell (Latin, Greek, Cyrillic,
    Hebrew, punctuation...): a text made only of them is as many cells wide as it is long."""
    candidates = [*range(0x20, 0x7F), *range(0xA0, 0x3000)]
    try:  # Rich 14.1+: its table of the characters that are not one cell wide
        from rich._unicode_data import load
    except ImportError:
        return frozenset(chr(code) for code in candidates if cell_len(chr(code)) == 1)
    narrow = set(candidates)
    for start, end, width in load("auto").widths:
        if width != 1:
            narrow.difference_update(range(start, min(end, 0x2FFF) + 1))
    narrow.difference_update((0x200D, 0xFE0F))
    return frozenset(map(chr, narrow))


_RUN = re.compile(r"\S+")
_SPACES = re.compile(r"\s*")


def _divide_one_cell_line(text: str, width: int, *, fold: bool) -> list[int]:
    """``rich._wrap.divide_line`` for a text whose characters are all one cell wide.

    Rich's words are a run of non-spaces with the spaces after it (the first also with the
    spaces before it), laid one after another: a word fits on the current line when its
    last non-space is within ``width`` of the line's start, which needs no measuring.
    The words that fit are not visited: the first that does not is the run of non-spaces
    reaching past ``line start + width``, found with one search from there.
    """
    length = len(text)
    if length <= width:  # every word fits where it is
        return []
    first_run = _RUN.search(text)
    if first_run is None:
        return []
    first_start = first_run.start()
    breaks: list[int] = []
    line_start = 0
    done = 0  # the end of the last run handled
    while True:
        position = max(line_start + width, done)
        if position >= length:
            return breaks
        if text[position].isspace():
            run = _RUN.search(text, position)
            if run is None:
                return breaks
            run_start, run_end = run.span()
        else:  # inside the run that does not fit: back to its start
            run_start = position
            while run_start > done and not text[run_start - 1].isspace():
                run_start -= 1
            run_end = _RUN.match(text, position).end()  # type: ignore[union-attr]
        word_start = 0 if run_start == first_start else run_start
        done = run_end
        if run_end - word_start > width:  # longer than a line
            if fold:
                word_end = _SPACES.match(text, run_end).end()  # type: ignore[union-attr]
                piece_starts = range(word_start, word_end, width)
                breaks.extend(piece_start for piece_start in piece_starts if piece_start)
                line_start = piece_starts[-1]
                continue
            if word_start:
                breaks.append(word_start)
        else:  # starts the next line
            breaks.append(word_start)
        line_start = word_start


def _one_cell_text_lines(
    console: Console,
    text: Text,
    width: int,
    justify: JustifyMethod,
    overflow: OverflowMethod,
    no_wrap: bool,
) -> list[list[Segment]] | None:
    """The rendered lines of ``text`` when all its characters are one cell wide (else None).

    The same lines as wrapping with ``Text.wrap`` and rendering each line (see
    ``_LineConsole._wrapped_text_lines``), without making a ``Text`` per line: the breaks, the
    trimming and the padding are computed on offsets into ``text``, and the styles of each
    line are found by one sweep over the spans.
    """
    plain = text.plain
    if (
        overflow != "fold"
        or justify not in ("left", "default")
        or width < 1
        or not _one_cell_or_newline().issuperset(plain)
    ):
        return None
    pad_to_width = justify == "left"
    # (start, end, padding) of each line, in offsets into ``plain``.
    windows: list[tuple[int, int, int]] = []
    position = 0
    for piece in plain.split("\n"):
        if no_wrap:
            bounds = [0, len(piece)]
        else:
            bounds = [0, *_divide_one_cell_line(piece, width, fold=True), len(piece)]
        for start, end in zip(bounds, bounds[1:], strict=False):
            length = end - start
            if length > width and not no_wrap:  # Text.rstrip_end
                chunk = piece[start:end]
                trailing = length - len(chunk.rstrip())
                end -= min(trailing, length - width)
                length = end - start
            if length > width:  # Text.truncate crops
                end = start + width
                length = width
            padding = width - length if pad_to_width else 0
            windows.append((position + start, position + end, padding))
        position += len(piece) + 1
    return _styled_windows(console, text, plain, windows)


def _styled_windows(
    console: Console, text: Text, plain: str, windows: list[tuple[int, int, int]]
) -> list[list[Segment]]:
    """Segments of each window of ``text`` (plus its padding), styled as ``Text.render`` would
    style the windows joined into one text."""
    spans = text._spans
    if not spans and not text.style:
        return [
            [Segment(plain[start:end] + " " * padding)] if end > start or padding else []
            for start, end, padding in windows
        ]
    if not text.style:
        disjoint = _disjoint_windows(console, spans, plain, windows)
        if disjoint is not None:
            return disjoint
    null = Style.null()
    base = console.get_style(text.style, default=null) if text.style else null
    span_styles = [console.get_style(span.style, default=null) for span in spans]
    # Starts before ends at the same offset, each kind in span order: plain tuple order.
    events = [(span.start, False, index) for index, span in enumerate(spans)]
    events.extend((span.end, True, index) for index, span in enumerate(spans))
    events.sort()
    combined: dict[tuple[int, ...], Style] = {(): base}
    active: list[int] = []
    style = base  # of the spans in ``active``; recomputed only when they change
    changed = False
    next_event = 0
    event_count = len(events)
    rendered: list[list[Segment]] = []
    for start, end, padding in windows:
        while next_event < event_count and events[next_event][0] <= start:
            _, leaving, index = events[next_event]
            if leaving:
                active.remove(index)
            else:
                active.append(index)
            changed = True
            next_event += 1
        segments: list[Segment] = []
        offset = start
        while offset < end:
            cut = end
            if next_event < event_count and events[next_event][0] < end:
                cut = events[next_event][0]
            if cut > offset:
                if changed:
                    key = tuple(sorted(active))
                    found = combined.get(key)
                    if found is None:
                        if len(key) == 1 and not base:
                            # What the sum gives, but Rich copies a sum with a link (a
                            # new link id): a paragraph's link numbers took a copy each.
                            found = combined[key] = span_styles[key[0]]
                        else:
                            found = combined[key] = Style.combine(
                                [base, *(span_styles[i] for i in key)]
                            )
                    style = found
                    changed = False
                segments.append(Segment(plain[offset:cut], style))
                offset = cut
            while next_event < event_count and events[next_event][0] <= offset:
                _, leaving, index = events[next_event]
                if leaving:
                    active.remove(index)
                else:
                    active.append(index)
                changed = True
                next_event += 1
        if padding:
            segments.append(Segment(" " * padding, base))
        rendered.append(segments)
    return rendered


def _disjoint_windows(
    console: Console, spans: list[Span], plain: str, windows: list[tuple[int, int, int]]
) -> list[list[Segment]] | None:
    """:func:`_styled_windows` for a text without a style of its own whose spans lie one
    after another (a paragraph's, each piece appended in its style; a link number's is
    one of them), else None.

    Each offset is under one span at most, and the null base style plus the span's style
    is the span's style (Rich copies a style with a link: the same style, a new link id),
    so the segments are cut at the spans' ends, with no styles to combine.
    """
    null = Style.null()
    runs: list[tuple[int, int, Style]] = []
    previous_end = 0
    for span_start, span_end, span_style in spans:
        if span_start < previous_end:
            return None
        if span_end > span_start:
            style = (
                span_style
                if isinstance(span_style, Style)
                else console.get_style(span_style, default=null)
            )
            runs.append((span_start, span_end, style))
            previous_end = span_end
    rendered: list[list[Segment]] = []
    count = len(runs)
    index = 0  # the first run not yet left behind
    for start, end, padding in windows:
        while index < count and runs[index][1] <= start:
            index += 1
        segments: list[Segment] = []
        offset = start
        while index < count and offset < end:
            run_start, run_end, style = runs[index]
            if run_start >= end:
                break
            if run_start > offset:
                segments.append(Segment(plain[offset:run_start], null))
                offset = run_start
            cut = run_end if run_end < end else end
            segments.append(Segment(plain[offset:cut], style))
            offset = cut
            if run_end > end:
                break
            index += 1
        if offset < end:
            segments.append(Segment(plain[offset:end], null))
        if padding:
            segments.append(Segment(" " * padding, null))
        rendered.append(segments)
    return rendered


@lru_cache(maxsize=1)
def _one_cell_or_newline() -> frozenset[str]:
    return _one_cell_characters() | {"\n"}


def _drop_leading_blank_lines(source: _LineSink, sink: _LineSink) -> None:
    """What :class:`_WithoutLeadingBlankLines` does to a segment stream, on lines: until the
    first visible segment, whitespace is held back and a bare ``"\\n"`` segment drops it."""
    held: list[list[Segment]] = []
    held_breaks: list[bool] = []
    current: list[Segment] = []
    for index, line in enumerate([*source.lines, source.current]):
        for position, segment in enumerate(line):
            if segment.control or segment.text.strip():
                for held_line, held_break in zip(held, held_breaks, strict=True):
                    sink.line(held_line, exact=held_break)
                sink.current.extend(current)
                sink.current.extend(line[position:])
                if index < len(source.lines):
                    sink.line([], exact=source.exact_breaks[index])
                    sink.extend(source, index + 1)
                return
            current.append(segment)
        if index == len(source.lines):
            return
        if source.exact_breaks[index]:
            held.clear()
            held_breaks.clear()
        else:
            held.append(current)
            held_breaks.append(False)
        current = []


_CONSOLES = threading.local()


def _new_console(width: int, color: bool, file: io.StringIO) -> _LineConsole:
    if color:
        truecolor = os.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit")
        color_system: str | None = "truecolor" if truecolor else "256"
    else:
        color_system = None
    return _LineConsole(
        file=file,
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


def _line_console(width: int, color: bool) -> _LineConsole:
    """This thread's console for rendering at ``width`` (a console is not shared by threads)."""
    consoles: dict[tuple[int, bool], _LineConsole] | None = getattr(_CONSOLES, "consoles", None)
    if consoles is None:
        consoles = _CONSOLES.consoles = {}
    console = consoles.get((width, color))
    if console is None:
        if len(consoles) >= 8:
            consoles.clear()
        console = consoles[(width, color)] = _new_console(width, color, io.StringIO())
    return console


def _underline(text: str, rule: str, max_width: int, style: str) -> Text:
    longest = max((cell_len(line) for line in text.split("\n")), default=0)
    return Text(rule * max(1, min(longest, max_width)), style=style)


@lru_cache(maxsize=16)
def _parsed(markdown: str) -> _ReaderMarkdown:
    """Parsing is a sixth of the rendering time: a pane re-rendered on resize reuses it."""
    return _ReaderMarkdown(markdown, code_theme=CODE_THEME)


def clear_parse_cache() -> None:
    """Forget parsed Markdown (benchmarks time a first rendering with it)."""
    _parsed.cache_clear()


def render_article(
    article: Article,
    *,
    width: int,
    link_list: bool = True,
    link_urls: Mapping[int, str] | None = None,
) -> RenderableType:
    """The reader pane's content: title, Markdown body (code highlighted), numbered links.

    ``link_list=False`` leaves the list of links out (the reader draws its own).
    ``link_urls`` maps link numbers to the URL their ``[N]`` in the body opens when
    clicked (``Style(link=url)`` on exactly those cells; the caller decides which URLs
    are safe to open); without it, as for printing, the numbers are plain text.
    """
    parts: list[RenderableType] = []
    title = safe_text(article.title).strip()
    if title:
        heading = Text(title, style="bold")
        parts.extend([heading, _underline(title, _UNDERLINES["title"], width, "bold"), Text("")])
    if article.markdown.strip():
        body = _parsed(article.markdown)
        if link_urls:
            body = body.with_link_targets(_LinkTargets(link_urls))
        parts.append(_WithoutLeadingBlankLines(body))
    if article.links and link_list:
        parts.extend(
            [Text(""), Text("Links", style="bold"), _underline("Links", "─", width, "bold")]
        )
        parts.append(_LinkList(article.links))
    return Constrain(Group(*parts), width=max(1, width))


def render_lines(
    renderable: RenderableType, *, width: int, color: bool = True
) -> list[list[Segment]]:
    """``renderable`` (e.g. :func:`render_article`) as lines of Rich segments, none wider than
    ``width`` cells and none padded.

    Thread-safe: the reader calls it in a worker thread for big articles.  With ``color`` code is
    highlighted; without it, it is plain (as ``newsterm render`` prints to a pipe).
    """
    width = max(1, width)
    console = _line_console(width, color)
    return console.render_lines(renderable, console.options.update_width(width), pad=False)


def render_to_text(article: Article, *, width: int, color: bool) -> str:
    """The reader's rendering as a string: plain text, or with ANSI colours when ``color``."""
    width = max(10, width)
    if not color:
        lines = render_lines(render_article(article, width=width), width=width, color=False)
        return "".join("".join(segment.text for segment in line).rstrip() + "\n" for line in lines)
    buffer = io.StringIO()
    _new_console(width, color, buffer).print(render_article(article, width=width))
    return buffer.getvalue()
