"""Cleaned HTML -> CommonMark that Rich renders faithfully.

html2text lays out the blocks (paragraphs, headings, lists, quotes, rules, line breaks).  Everything
whose Markdown html2text gets wrong or that must be exact is prepared on the tree first and travels
through html2text as private-use placeholders:

* every Markdown-significant ASCII character of the text becomes a placeholder, so html2text adds no
  escapes and, at the end, exactly the characters that would be misread are backslash-escaped
  (``*``, ``[``, ``<``, ``|`` always; ``#``, ``-``, ``1.`` only where a line starts);
* emphasis becomes paired markers that turn into ``**``/``*``/``~~`` only where CommonMark's
  flanking rules let them work (CJK punctuation next to ``**`` would otherwise show the asterisks);
* links become their text followed by a numbered marker (``text[3]``) and a :class:`Link`; the
  marker carries :data:`~newsterm.content.model.LINK_NUMBER_MARK` after its ``[``, so the
  renderer can make exactly the link numbers clickable (brackets in the text stay text);
* images, video and audio become labelled links; code blocks become fences with their language;
  tables become GFM pipe tables; definition lists become a bold term and a quoted definition.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote

import html2text
import lxml.html
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace

from newsterm.content._safe import safe_text
from newsterm.content.clean import (
    Element,
    clean_tree_keeping_proxies,
    iter_text,
    normalize_space,
    tag_set,
)
from newsterm.content.model import LINK_NUMBER_MARK, Article, Link, without_link_marks

# --- placeholders
# -------------------------------------------------------------------------------------------
_ESCAPABLE = "\\`*_[]<>&|~#+-.)=!"
_ESCAPE_TABLE = {ord(char): chr(0xE000 + index) for index, char in enumerate(_ESCAPABLE)}
_ORIGINAL = {chr(0xE000 + index): char for index, char in enumerate(_ESCAPABLE)}
_ALWAYS_ESCAPED = frozenset(_ESCAPE_TABLE[ord(char)] for char in "\\`*_[]<&|~")
_ESCAPED_AT_LINE_START = frozenset(_ESCAPE_TABLE[ord(char)] for char in "#+-=>")
_ESCAPED_AFTER_NUMBER = frozenset(_ESCAPE_TABLE[ord(char)] for char in ".)")
_PLACEHOLDER = re.compile("[\ue000-\ue01f]")
_LEFT_BRACKET = _ESCAPE_TABLE[ord("[")]
_RIGHT_BRACKET = _ESCAPE_TABLE[ord("]")]

# Emphasis markers as html2text carries them: open/close per kind.
_EMPHASIS_MARKERS = {
    "strong": ("\ue020", "\ue021"),
    "em": ("\ue022", "\ue023"),
    "del": ("\ue024", "\ue025"),
}
_MARKER_KIND = {
    marker: (kind, index == 0)
    for kind, pair in _EMPHASIS_MARKERS.items()
    for index, marker in enumerate(pair)
}
_MARKER_SPLIT = re.compile("([\ue020-\ue025])")
# Emphasis that passed pairing, waiting for the flanking check.
_RESOLVED = {
    "strong": ("\ue040", "\ue041"),
    "em": ("\ue042", "\ue043"),
    "del": ("\ue044", "\ue045"),
}
_RESOLVED_KIND = {
    marker: (kind, index == 0)
    for kind, pair in _RESOLVED.items()
    for index, marker in enumerate(pair)
}
_RESOLVED_SPLIT = re.compile("([\ue040-\ue045])")
_DELIMITER = {"strong": "**", "em": "*", "del": "~~"}

# Tokens stand for things made outside html2text: L = link marker, C = code span, B = block (fence
# or table).
_TOKEN = re.compile("\ue030([LCB])(\\d+)\ue031")
_LINK_TOKEN = re.compile("\ue030L\\d+\ue031")
# Whitespace between a link's last word and its marker; never after Markdown structure characters.
_SPACE_BEFORE_MARKER = re.compile("(\\s+)(\ue030L\\d+\ue031)")
_NOT_BEFORE_MOVED_SPACE = frozenset("*+->#.)|")
_BLOCK_TOKEN = re.compile("\ue030B(\\d+)\ue031")
_LEFTOVER_PRIVATE = re.compile("[\ue000-\ue0ff]")


def _token(kind: str, number: int) -> str:
    return f"\ue030{kind}{number}\ue031"


# --- element groups
# -----------------------------------------------------------------------------------------
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = tag_set(
    """p div section article main header footer aside figure figcaption h1 h2 h3 h4 h5 h6 ul ol li
    dl dt dd blockquote pre table caption thead tbody tfoot tr th td hr details summary address
    center
    hgroup"""
)
_CONTAINERS_TO_DIV = (
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "address",
    "center",
    "hgroup",
)
_INLINE_TO_UNWRAP = (
    "span",
    "u",
    "ins",
    "mark",
    "small",
    "big",
    "time",
    "abbr",
    "bdi",
    "font",
    "var",
    "a",
)
_EMPHASIS_TAGS = {
    "b": "strong",
    "strong": "strong",
    "i": "em",
    "em": "em",
    "cite": "em",
    "dfn": "em",
    "del": "del",
    "s": "del",
    "strike": "del",
}
_CODE_TAGS = ("code", "kbd", "samp", "tt")
_NESTING = frozenset({"ul", "ol", "dl", "blockquote"})
_MAX_NESTING = 6
_FLATTENED_IN_ITEMS = tag_set(
    """p div section article main header footer aside figure figcaption h1 h2 h3 h4 h5 h6 blockquote
    dl dt
    dd details summary address center hgroup table caption thead tbody tfoot tr th td"""
)
_SUPERSCRIPT = str.maketrans("0123456789+-=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾")
_SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SCRIPT_TEXT = re.compile(r"^[0-9+\-=()]{1,8}$")
_IMAGE_LABEL_LIMIT = 120
_FILE_NAME_LIMIT = 40
_LINK_TEXT_LIMIT = 300
_LAYOUT_CELL_LIMIT = 600

# --- Markdown line structure (html2text's own markers are real ASCII; text is placeholders)
# ---------------------
_STRUCTURE = re.compile(r"^(?:[ ]*>[ ]?)*[ ]*(?:(?:[*+-]|\d{1,9}[.)])[ ]+)?(?:#{1,6}[ ]+)?")
_QUOTE_PREFIX = re.compile(r"^(?:[ ]{0,3}>[ ]?)*")
_LIST_ITEM = re.compile(r"^( *)([*+-]|\d{1,9}[.)])( +)")
_BLANK_RUN = re.compile(r"\n[ \t]*\n")
_MANY_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n){2,}")
_TRAILING_SPACE_LINE = re.compile(r"^[ \t]+$", re.MULTILINE)


@dataclass
class _State:
    """What the tree transformations hand to the Markdown post-processing."""

    links: list[Link] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)
    spans: list[str] = field(default_factory=list)
    blocks: list[tuple[str, list[str]]] = field(default_factory=list)

    def number_for(self, url: str, text: str) -> int:
        number = self.numbers.get(url)
        if number is None:
            number = len(self.links) + 1
            self.numbers[url] = number
            self.links.append(Link(number=number, url=url, text=text))
        return number

    def add_span(self, code: str) -> str:
        self.spans.append(code)
        return _token("C", len(self.spans) - 1)

    def add_block(self, kind: str, lines: list[str]) -> str:
        self.blocks.append((kind, lines))
        return _token("B", len(self.blocks) - 1)


# --- public API
# ---------------------------------------------------------------------------------------------
def html_to_markdown(html: str, base_url: str = "") -> tuple[str, tuple[Link, ...]]:
    """Sanitise ``html`` and convert it to Markdown with numbered links; return it and the links.

    Plain CommonMark: unlike :attr:`Article.markdown`, its link numbers carry no mark.
    """
    markdown, links = _clean_and_convert(html, base_url, title="")
    return without_link_marks(markdown), links


def article_from_html(html: str, *, title: str = "", base_url: str = "") -> Article:
    """Build the reader's :class:`Article` (a first heading equal to the title is dropped)."""
    clean_title = normalize_space(safe_text(title))
    markdown, links = _clean_and_convert(html, base_url, title=clean_title)
    return Article(title=clean_title, markdown=markdown, links=links)


def _clean_and_convert(html: str, base_url: str, *, title: str) -> tuple[str, tuple[Link, ...]]:
    body, elements = clean_tree_keeping_proxies(html, base_url)
    markdown, links = _convert(body, title=title)
    del elements  # held until the conversion is done (see clean_tree_keeping_proxies)
    return markdown, links


def _convert(body: Element, *, title: str) -> tuple[str, tuple[Link, ...]]:
    state = _State()
    _repair_lists(body)
    _bound_nesting(body)
    _drop_title_heading(body, title)
    _images(body)
    _links(body, state)
    _preformatted(body, state)
    _inline_code(body, state)
    _scripts(body)
    _ruby(body)
    _escape_text(body)
    _emphasis(body)
    _definition_lists(body)
    _figures_and_details(body)
    _tables(body, state)
    _headings(body)
    _list_items(body)
    # Flattening can leave an item that opens with its nested list; repair until stable.
    for _ in range(_MAX_NESTING):
        if not _repair_lists(body):
            break
        _list_items(body)
    _simplify(body)
    markdown = _run_html2text(body)
    return _finish(markdown, state), tuple(state.links)


# --- tree helpers
# -------------------------------------------------------------------------------------------
def _replace_with_text(element: Element, text: str) -> None:
    """Put ``text`` where ``element`` is and remove the element (its tail stays)."""
    element.tail = text + (element.tail or "")
    element.drop_tree()


def _append_text(element: Element, text: str) -> None:
    """Append ``text`` after the last content of ``element`` (inside it)."""
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text


def _prepend_text(element: Element, text: str) -> None:
    element.text = text + (element.text or "")


def _has_block(element: Element) -> bool:
    return any(
        isinstance(node.tag, str) and node.tag in _BLOCKS for node in element.iterdescendants()
    )


def _has_ancestor(
    element: Element, tags: frozenset[str] | tuple[str, ...], stop: Element | None = None
) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag in tags:
            return True
    return False


# --- tree transformations
# -----------------------------------------------------------------------------------
def _bound_nesting(body: Element) -> None:
    """Unwrap lists/quotes nested deeper than a terminal can indent (and Rich can recurse)."""
    too_deep: list[Element] = []
    stack: list[tuple[Element, int]] = [(body, 0)]
    while stack:
        element, depth = stack.pop()
        for child in element:
            if not isinstance(child.tag, str):
                continue
            child_depth = depth
            if child.tag in _NESTING:
                if depth >= _MAX_NESTING:
                    too_deep.append(child)
                else:
                    child_depth = depth + 1
            stack.append((child, child_depth))
    for element in too_deep:
        for child in element:
            if child.tag in ("li", "dt", "dd"):
                child.tag = "div"
        element.tag = "div"


def _repair_lists(body: Element) -> bool:
    """Lists directly inside lists join the previous item; items outside lists are blocks.

    html2text would indent such a list by four spaces at the top level, which Markdown reads as a
    code block.  Returns whether anything changed.
    """
    changed = False
    for element in list(body.iter("ul", "ol", "li")):
        parent = element.getparent()
        if parent is None:
            continue
        if element.tag == "li":
            if not _has_ancestor(element, ("ul", "ol")):
                element.tag = "div"
            elif (
                not (element.text or "").strip() and len(element) and element[0].tag in ("ul", "ol")
            ):
                # An item that opens with a list has no line of its own for the nested markers:
                # html2text would indent them into a code block. Its items become its lines.
                nested = element[0]
                for item in nested:
                    if item.tag == "li":
                        item.tag = "div"
                nested.drop_tag()
                changed = True
            continue
        if parent.tag in ("ul", "ol"):
            previous = element.getprevious()
            if previous is not None and previous.tag == "li":
                previous.append(element)
            else:
                element.drop_tag()
            changed = True
    return changed


def _drop_title_heading(body: Element, title: str) -> None:
    if not title:
        return
    for heading in body.iter(*_HEADINGS):
        if normalize_space(heading.text_content()).casefold() == title.casefold():
            heading.drop_tree()
        return


def _image_label(image: Element) -> str:
    """Alt text, else title, else the file name (not in table cells, where columns are narrow)."""
    label = image.get("alt") or image.get("title") or ""
    if not label and not _has_ancestor(image, ("td", "th")):
        src = image.get("src") or ""
        name = src.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        label = normalize_space(safe_text(unquote(name)))
        if len(label) > _FILE_NAME_LIMIT:
            label = label[: _FILE_NAME_LIMIT - 1] + "…"
    label = normalize_space(label)
    if len(label) > _IMAGE_LABEL_LIMIT:
        label = label[: _IMAGE_LABEL_LIMIT - 1].rstrip() + "…"
    return f"[image: {label}]" if label else "[image]"


def _images(body: Element) -> None:
    for image in list(body.iter("img")):
        if image.get("class") == "math" and image.get("alt"):
            code = lxml.html.Element("code")
            code.text = image.get("alt")
            code.tail = image.tail
            parent = image.getparent()
            if parent is not None:
                parent.replace(image, code)
            continue
        label = _image_label(image)
        src = image.get("src")
        if src and not _has_ancestor(image, ("a",)):
            link = lxml.html.Element("a")
            link.set("href", src)
            link.text = label
            link.tail = image.tail
            parent = image.getparent()
            if parent is not None:
                parent.replace(image, link)
        else:
            _replace_with_text(image, label)


def _links(body: Element, state: _State) -> None:
    for link in list(body.iter("a")):
        url = link.get("href")
        # iter_text of a link without children is its text (links are not blocks).
        text = normalize_space("".join(iter_text(link)) if len(link) else link.text or "")
        if not url or not text:
            link.drop_tag()
            continue
        if len(text) > _LINK_TEXT_LIMIT:
            text = text[: _LINK_TEXT_LIMIT - 1].rstrip() + "…"
        number = state.number_for(url, text)
        _append_text(link, _token("L", number))
        link.drop_tag()


def _code_text(element: Element) -> str:
    """The text of a code element with ``<br>`` and block boundaries as newlines."""
    parts: list[str] = []
    stack: list[tuple[Element, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if (
                node.tag in _BLOCKS
                and node is not element
                and parts
                and not parts[-1].endswith("\n")
            ):
                parts.append("\n")
            if node is not element and node.tail:
                parts.append(node.tail)
            continue
        at_block = node.tag in _BLOCKS and node is not element
        if node.tag == "br" or (at_block and parts and not parts[-1].endswith("\n")):
            parts.append("\n")
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return _LINK_TOKEN.sub("", "".join(parts))


def _language(element: Element) -> str:
    for node in (element, *element.iter("code")):
        class_name = node.get("class") or ""
        if class_name.startswith("language-"):
            return class_name.removeprefix("language-")
    return ""


def _preformatted(body: Element, state: _State) -> None:
    for pre in list(body.iter("pre")):
        if _has_ancestor(pre, ("pre",)):
            continue
        code = _code_text(pre).expandtabs(4)
        code = code.removeprefix("\n").rstrip()
        if not code.strip():
            pre.drop_tree()
            continue
        longest = max((len(run) for run in re.findall("`+", code)), default=0)
        fence = "`" * max(3, longest + 1)
        lines = [fence + _language(pre), *code.split("\n"), fence]
        replacement = lxml.html.Element("p")
        replacement.text = state.add_block("code", lines)
        replacement.tail = pre.tail
        parent = pre.getparent()
        if parent is not None:
            parent.replace(pre, replacement)


def _inline_code(body: Element, state: _State) -> None:
    for code in list(body.iter(*_CODE_TAGS)):
        if _has_ancestor(code, _CODE_TAGS):
            continue
        raw = "".join(iter_text(code))
        markers = "".join(_LINK_TOKEN.findall(raw))
        text = _LINK_TOKEN.sub("", raw).replace("\n", " ")
        if text.strip():
            _replace_with_text(code, state.add_span(text) + markers)
        else:
            _replace_with_text(code, " " + markers if text else markers)


def _scripts(body: Element) -> None:
    """Footnote and exponent numbers become super/subscript digits; other ``sup``/``sub`` unwrap."""
    for element in list(body.iter("sup", "sub")):
        if len(element) == 0:
            text = (element.text or "").strip().strip("[]")
            if _SCRIPT_TEXT.match(text):
                table = _SUPERSCRIPT if element.tag == "sup" else _SUBSCRIPT
                _replace_with_text(element, text.translate(table))
                continue
        element.drop_tag()


def _ruby(body: Element) -> None:
    for element in list(body.iter("rp")):
        element.drop_tree()
    for element in list(body.iter("rt")):
        if normalize_space(element.text_content()):
            _prepend_text(element, "(")
            _append_text(element, ")")
        element.drop_tag()
    for element in list(body.iter("ruby")):
        element.drop_tag()


def _escape_text(body: Element) -> None:
    elements: list[Element] = []
    is_tail: list[bool] = []
    texts: list[str] = []
    for element in body.iter():
        if element.text:
            elements.append(element)
            is_tail.append(False)
            texts.append(element.text)
        if element.tail and element is not body:
            elements.append(element)
            is_tail.append(True)
            texts.append(element.tail)
    for element, tail, text in zip(elements, is_tail, _escaped(texts), strict=True):
        if tail:
            element.tail = text
        else:
            element.text = text


# Joins the texts for _escaped: private use, so no text holds it (the cleaner removed those).
_TEXT_SEPARATOR = "\ue0ff"
_ESCAPE_PAIRS = tuple((char, _ESCAPE_TABLE[ord(char)]) for char in _ESCAPABLE)


def _escaped(texts: list[str]) -> list[str]:
    """``text.translate(_ESCAPE_TABLE)`` of each text.

    ``str.translate`` looks up every character in the table (about 0.1 us each); one
    ``str.replace`` per escapable character over all the texts joined is ten times faster.
    """
    joined = _TEXT_SEPARATOR.join(texts)
    if joined.count(_TEXT_SEPARATOR) != len(texts) - 1:  # cannot happen; stay correct anyway
        return [text.translate(_ESCAPE_TABLE) for text in texts]
    for char, placeholder in _ESCAPE_PAIRS:
        if char in joined:
            joined = joined.replace(char, placeholder)
    return joined.split(_TEXT_SEPARATOR)


def _emphasis(body: Element) -> None:
    elements = list(body.iter(*_EMPHASIS_TAGS))
    # Decide on the intact tree: the same emphasis nested in itself or wrapping blocks is just
    # unwrapped.
    decisions: list[tuple[Element, str | None]] = []
    for element in elements:
        kind = _EMPHASIS_TAGS[element.tag]
        same_kind = tuple(tag for tag, other in _EMPHASIS_TAGS.items() if other == kind)
        usable = not (
            _has_ancestor(element, same_kind)
            or _has_ancestor(element, _HEADINGS)
            or _has_block(element)
        )
        decisions.append((element, kind if usable else None))
    for element, maybe_kind in decisions:
        if maybe_kind is not None:
            opening, closing = _EMPHASIS_MARKERS[maybe_kind]
            _prepend_text(element, opening)
            _append_text(element, closing)
        element.drop_tag()


def _emphasised_paragraph(element: Element, kind: str) -> None:
    """Turn ``element`` into a paragraph whose whole text is emphasised (when it has no blocks)."""
    if not _has_block(element):
        opening, closing = _EMPHASIS_MARKERS[kind]
        _prepend_text(element, opening)
        _append_text(element, closing)
        element.tag = "p"
    else:
        element.tag = "div"


def _definition_lists(body: Element) -> None:
    for element in list(body.iter("dt", "dd", "dl")):
        if element.tag == "dt":
            _emphasised_paragraph(element, "strong")
        elif element.tag == "dd":
            element.tag = "blockquote"
        else:
            element.tag = "div"


def _figures_and_details(body: Element) -> None:
    for element in list(body.iter("figure", "figcaption", "details", "summary", "caption")):
        if element.tag in ("figcaption", "caption"):
            if element.tag == "caption" or not normalize_space(element.text_content()):
                # Table captions are read by the table conversion.
                continue
            _emphasised_paragraph(element, "em")
        elif element.tag == "summary":
            _emphasised_paragraph(element, "strong")
        else:
            element.tag = "div"


def _cell_text(cell: Element, state: _State) -> str:
    text = normalize_space(_marker_to_last_word("".join(iter_text(cell))))
    # Inside a table a pipe ends the cell even within a code span, so it is escaped there too.
    return _TOKEN.sub(
        lambda match: (
            _code_span(state.spans[int(match.group(2))]).replace("|", "\\|")
            if match.group(1) == "C"
            else match.group(0)
        ),
        text,
    )


def _own_rows(table: Element) -> list[Element]:
    return [row for row in table.iter("tr") if next(row.iterancestors("table"), None) is table]


def _is_layout_table(table: Element, rows: list[Element]) -> bool:
    """Tables used to position things rather than to hold data (Readability's rules, simplified)."""
    if (table.get("role") or "").lower() in ("presentation", "none") or not rows:
        return True
    widths = [sum(1 for cell in row if cell.tag in ("td", "th")) for row in rows]
    columns = max(widths, default=0)
    for row in rows:
        for cell in row:
            if cell.tag not in ("td", "th"):
                continue
            for node in cell.iterdescendants():
                if node.tag in ("ul", "ol", "blockquote", "table", *_HEADINGS):
                    return True
                if node.tag == "p" and "\ue030B" in (node.text or ""):
                    return True
            if len(cell.text_content()) > _LAYOUT_CELL_LIMIT:
                return True
    if len(rows) == 1 or columns <= 1:
        return True
    has_headers = any(cell.tag == "th" for row in rows for cell in row) or any(
        child.tag in ("caption", "thead", "tfoot") for child in table
    )
    if has_headers or len(rows) >= 10 or columns > 4:
        return False
    return len(rows) * columns <= 10


def _span(cell: Element, name: str) -> int:
    value = cell.get(name) or "1"
    return max(1, min(int(value) if value.isdigit() else 1, 50))


def _table_grid(rows: list[Element], state: _State) -> list[list[str]]:
    """The cells on a rectangular grid: colspan widens a cell, rowspan carries it down."""
    grid: list[list[str]] = []
    carried: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
    for row in rows:
        cells: list[str] = []
        for cell in [*(child for child in row if child.tag in ("td", "th")), None]:
            # Columns covered from above come first; after the last cell, those still covered.
            while carried.get(len(cells), 0) > 0 or (
                cell is None and any(count > 0 for at, count in carried.items() if at >= len(cells))
            ):
                if carried.get(len(cells), 0) > 0:
                    carried[len(cells)] -= 1
                cells.append("")
            if cell is None:
                break
            column = len(cells)
            width = _span(cell, "colspan")
            height = _span(cell, "rowspan")
            cells.append(_cell_text(cell, state))
            cells.extend([""] * (width - 1))
            if height > 1:
                for offset in range(width):
                    carried[column + offset] = height - 1
        if any(cells):
            grid.append(cells)
    return grid


def _tables(body: Element, state: _State) -> None:
    # Innermost first: a table holding a (converted) table is a layout table and is unwrapped.
    for table in reversed(list(body.iter("table"))):
        rows = _own_rows(table)
        caption_element = next((child for child in table if child.tag == "caption"), None)
        if _is_layout_table(table, rows):
            _unwrap_table(table)
            continue
        grid = _table_grid(rows, state)
        if not grid:
            table.drop_tree()
            continue
        columns = max(len(row) for row in grid)
        titles: list[str] = []
        if caption_element is not None:
            titles.append(_cell_text(caption_element, state))
        # A first row that is one cell across the table is a title, not the column headers.
        while (
            len(grid) > 1 and columns > 1 and sum(1 for cell in grid[0] if cell) == 1 and grid[0][0]
        ):
            titles.append(grid.pop(0)[0])
        lines = []
        for index, row in enumerate(grid):
            row = row + [""] * (columns - len(row))
            lines.append("| " + " | ".join(row) + " |")
            if index == 0:
                lines.append("|" + "|".join([" --- "] * columns) + "|")
        replacement = lxml.html.Element("p")
        replacement.text = state.add_block("table", lines)
        replacement.tail = table.tail
        parent = table.getparent()
        if parent is None:
            continue
        parent.replace(table, replacement)
        for title in filter(None, titles):
            paragraph = lxml.html.Element("p")
            opening, closing = _EMPHASIS_MARKERS["em"]
            paragraph.text = opening + title + closing
            replacement.addprevious(paragraph)


def _unwrap_table(table: Element) -> None:
    for element in list(table.iter()):
        if element is table:
            continue
        if element.tag in ("tr", "caption"):
            element.tag = "div"
        elif element.tag in ("td", "th"):
            # Cells of one row read left to right, separated by a space.
            element.tag = "span"
            element.tail = " " + (element.tail or "")
        elif element.tag in ("thead", "tbody", "tfoot", "colgroup", "col"):
            element.drop_tag()
    table.tag = "div"


def _headings(body: Element) -> None:
    for heading in list(body.iter(*_HEADINGS)):
        for node in list(heading.iterdescendants()):
            if node.tag == "br":
                _replace_with_text(node, " ")
            elif node.tag in _BLOCKS:
                node.tail = " " + (node.tail or "")
                node.drop_tag()


def _list_items(body: Element) -> None:
    """html2text cannot indent blocks in list items: flatten them into ``<br>``-separated lines."""
    for item in list(body.iter("li")):
        # A rule ("* * *" in Markdown) cannot stand inside an item: it would end the list, and
        # the item's later lines would fall out of it (nested markers then indented into a
        # code block). It becomes a line break.
        rules = list(item.iter("hr"))
        for rule in rules:
            rule.tag = "br"
        blocks = [
            node
            for node in item.iterdescendants()
            if node.tag in _FLATTENED_IN_ITEMS and not _has_ancestor(node, ("ul", "ol"), stop=item)
        ]
        for node in reversed(blocks):
            node.addprevious(lxml.html.Element("br"))
            node.append(lxml.html.Element("br"))
            node.drop_tag()
        if blocks or rules:
            _collapse_breaks(item)


def _collapse_breaks(item: Element) -> None:
    """Remove ``<br>`` at the start and end of a list item and all but one of each run."""
    redundant: list[Element] = []
    last_break: Element | None = None
    at_boundary = True
    for kind, node in _item_events(item):
        if kind == "text":
            at_boundary = False
            last_break = None
        elif kind == "list":
            if last_break is not None:
                redundant.append(last_break)
            at_boundary = True
            last_break = None
        elif at_boundary:
            redundant.append(node)
        else:
            at_boundary = True
            last_break = node
    if last_break is not None:
        redundant.append(last_break)
    for node in redundant:
        if node.getparent() is not None:
            node.drop_tree()


def _item_events(item: Element) -> Iterator[tuple[str, Element]]:
    """``("text"|"br"|"list", node)`` events of a list item in order, nested lists not entered."""
    if (item.text or "").strip():
        yield "text", item
    stack: list[tuple[Element, bool]] = [(child, False) for child in reversed(item)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if (node.tail or "").strip():
                yield "text", node
            continue
        if node.tag in ("ul", "ol"):
            yield "list", node
        elif node.tag == "br":
            yield "br", node
        elif (node.text or "").strip():
            yield "text", node
        stack.append((node, True))
        if node.tag not in ("ul", "ol"):
            stack.extend((child, False) for child in reversed(node))


def _simplify(body: Element) -> None:
    """Leave html2text a small vocabulary: containers become ``div``, other inline tags unwrap."""
    for element in list(
        body.iter(*_CONTAINERS_TO_DIV, *_INLINE_TO_UNWRAP, "thead", "tbody", "tfoot")
    ):
        if element.tag in _CONTAINERS_TO_DIV:
            element.tag = "div"
        else:
            element.drop_tag()


class _HTML2Text(html2text.HTML2Text):
    """html2text without its own escaping of text.

    Every Markdown-significant ASCII character of the text is a placeholder by now (see
    ``_escape_text``; what is added to the tree later is placeholders, tokens and spaces), so
    the four regular expressions html2text runs over each text node would find nothing:
    a sixth of its time.
    """

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        # ``entity_char`` only turns that escaping off.
        super().handle_data(data, entity_char=True)


def _run_html2text(body: Element) -> str:
    converter = _HTML2Text(bodywidth=0)
    converter.unicode_snob = True
    converter.escape_snob = False
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.skip_internal_links = True
    converter.use_automatic_links = False
    converter.wrap_links = False
    converter.wrap_list_items = False
    converter.mark_code = False
    converter.single_line_break = False
    converter.start = True
    _feed_tree(converter, body)
    return str(converter.optwrap(converter.finish()))


# Elements libxml2 writes without an end tag (so HTMLParser reports no end for them).
_VOID_WHEN_WRITTEN = tag_set(
    "area base basefont br col embed frame hr img input isindex link meta param source track wbr"
)


def _feed_tree(converter: html2text.HTML2Text, body: Element) -> None:
    """Give ``converter`` the parser events of ``body`` serialised as HTML, without serialising
    and parsing it again (that was a fifth of the conversion).

    The text reaching here holds no ``&``, ``<`` or ``>`` (they are placeholders) and the
    elements left carry no URLs, so each text node is exactly one ``handle_data`` call and
    attribute values are what the parser would have decoded.
    """
    stack: list[tuple[Element, bool]] = [(body, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag
        if not isinstance(tag, str):  # comments and processing instructions are gone
            continue
        if closing:
            converter.handle_endtag(tag)
            if node.tail:
                converter.handle_data(node.tail)
            continue
        converter.handle_starttag(tag, list(node.attrib.items()))
        if tag in _VOID_WHEN_WRITTEN:
            if node.tail:
                converter.handle_data(node.tail)
            continue
        if node.text:
            converter.handle_data(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))


# --- Markdown post-processing
# -------------------------------------------------------------------------------
def _finish(markdown: str, state: _State) -> str:
    markdown = _marker_to_last_word(markdown)
    markdown = _substitute_blocks(markdown, state)
    markdown = _TOKEN.sub(lambda match: _inline_token(match, state), markdown)
    markdown = _resolve_emphasis(markdown)
    markdown = _resolve_placeholders(markdown)
    markdown = _LEFTOVER_PRIVATE.sub("", markdown)
    markdown = _TRAILING_SPACE_LINE.sub("", markdown)
    markdown = _MANY_BLANK_LINES.sub("\n\n", markdown)
    return safe_text(markdown.strip("\n")) + "\n" if markdown.strip() else ""


def _marker_to_last_word(text: str) -> str:
    """A link whose text ends in a space or a line break keeps its number on its last word."""
    if "\ue030L" not in text:
        return text

    def move(match: re.Match[str]) -> str:
        # Only after a character that is neither a space nor Markdown structure. (Tested here
        # rather than by a lookbehind, which made the regex try every position of the text.)
        start = match.start()
        before = text[start - 1] if start else " "
        if before.isspace() or before in _NOT_BEFORE_MOVED_SPACE:
            return match.group(0)
        return match.group(2) + match.group(1)

    return _SPACE_BEFORE_MARKER.sub(move, text)


def _inline_token(match: re.Match[str], state: _State) -> str:
    kind, number = match.group(1), int(match.group(2))
    if kind == "L":
        # The mark sits inside the brackets, where no Markdown rule looks at it: emphasis
        # flanking and line starts see the same "[" and "]" as without it.
        return f"{_LEFT_BRACKET}{LINK_NUMBER_MARK}{number}{_RIGHT_BRACKET}"
    if kind == "C":
        return _code_span(state.spans[number])
    return ""


def _code_span(code: str) -> str:
    longest = max((len(run) for run in re.findall("`+", code)), default=0)
    fence = "`" * (longest + 1)
    if code.startswith("`") or code.endswith("`") or (code.startswith(" ") and code.endswith(" ")):
        code = f" {code} "
    return f"{fence}{code}{fence}"


def _substitute_blocks(markdown: str, state: _State) -> str:
    if "\ue030B" not in markdown:
        return markdown
    output: list[str] = []
    for line in markdown.split("\n"):
        match = _BLOCK_TOKEN.search(line)
        while match is not None:
            before, after = line[: match.start()], line[match.end() :]
            quote = _QUOTE_PREFIX.match(before)
            quote_prefix = quote.group(0) if quote else ""
            inner = before[len(quote_prefix) :]
            item = _LIST_ITEM.match(inner)
            if item and not inner[item.end() :].strip():
                first = before
                continuation = quote_prefix + " " * item.end()
            else:
                if inner.strip():
                    output.append(before.rstrip())
                    indent = _list_indent(output, quote_prefix)
                else:
                    indent = len(inner) or _list_indent(output, quote_prefix)
                first = continuation = quote_prefix + " " * indent
            kind, lines = state.blocks[int(match.group(1))]
            blank = continuation.rstrip()
            if kind == "table" and output and output[-1].strip():
                output.append(blank)
            output.append(first + lines[0])
            output.extend((continuation + text) if text else blank for text in lines[1:])
            output.append(blank)
            line = continuation + after.lstrip() if after.strip() else ""
            match = _BLOCK_TOKEN.search(line)
        if line or not output or output[-1] != "":
            output.append(line)
    return "\n".join(output)


def _list_indent(output: list[str], quote_prefix: str) -> int:
    """Content column of the list item a lazy continuation line belongs to (0 outside lists)."""
    for previous in reversed(output[-200:]):
        if not previous.startswith(quote_prefix.rstrip()):
            return 0
        inner = previous[len(quote_prefix) :] if previous.startswith(quote_prefix) else ""
        if not inner.strip():
            return 0
        item = _LIST_ITEM.match(inner)
        if item:
            return item.end()
    return 0


def _resolve_emphasis(markdown: str) -> str:
    """Pair emphasis markers, move spaces outside, keep only pairs CommonMark will honour."""
    if not _MARKER_SPLIT.search(markdown):
        return markdown
    output: list[str] = []
    stack: list[tuple[str, int]] = []
    for piece in _MARKER_SPLIT.split(markdown):
        marker = _MARKER_KIND.get(piece)
        if marker is None:
            output.append(piece)
            continue
        kind, opening = marker
        if opening:
            stack.append((kind, len(output)))
            output.append("")
            continue
        if not stack or stack[-1][0] != kind:
            continue
        _, start = stack.pop()
        inner = "".join(output[start + 1 :])
        stripped = inner.strip()
        del output[start + 1 :]
        if not stripped or _BLANK_RUN.search(inner):
            output.append(inner)
            continue
        leading = inner[: len(inner) - len(inner.lstrip())]
        trailing = inner[len(inner.rstrip()) :]
        opening_marker, closing_marker = _RESOLVED[kind]
        output.append(leading + opening_marker + stripped + closing_marker + trailing)
    return _check_flanking("".join(output))


def _plain(char: str) -> str:
    return _ORIGINAL.get(char, char)


def _delimiter_char(marker: str) -> str:
    return _DELIMITER[_RESOLVED_KIND[marker][0]][0]


def _neighbour(pieces: list[str], index: int, step: int, delimiter: str) -> str:
    """First character next to ``pieces[index]`` that is not part of the same delimiter run."""
    position = index + step
    while 0 <= position < len(pieces):
        piece = pieces[position]
        if piece in _RESOLVED_KIND:
            if _delimiter_char(piece) != delimiter:
                return _delimiter_char(piece)
        elif piece:
            return _plain(piece[0] if step > 0 else piece[-1])
        position += step
    return " "


def _is_punctuation(char: str) -> bool:
    return isMdAsciiPunct(ord(char)) or isPunctChar(char)


def _check_flanking(markdown: str) -> str:
    pieces = _RESOLVED_SPLIT.split(markdown)
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    for index, piece in enumerate(pieces):
        marker = _RESOLVED_KIND.get(piece)
        if marker is None:
            continue
        if marker[1]:
            stack.append(index)
        elif stack:
            pairs.append((stack.pop(), index))
    keep: set[int] = set()
    for start, end in pairs:
        delimiter = _delimiter_char(pieces[start])
        before = _neighbour(pieces, start, -1, delimiter)
        after_open = _neighbour(pieces, start, 1, delimiter)
        before_close = _neighbour(pieces, end, -1, delimiter)
        after = _neighbour(pieces, end, 1, delimiter)
        can_open = not (
            isWhiteSpace(ord(after_open))
            or (
                _is_punctuation(after_open)
                and not (isWhiteSpace(ord(before)) or _is_punctuation(before))
            )
        )
        can_close = not (
            isWhiteSpace(ord(before_close))
            or (
                _is_punctuation(before_close)
                and not (isWhiteSpace(ord(after)) or _is_punctuation(after))
            )
        )
        # A closing run glued to an opening run of the same character would merge into one run.
        glued = start > 1 and pieces[start - 1] == "" and pieces[start - 2] in _RESOLVED_KIND
        glued = (
            glued
            and not _RESOLVED_KIND[pieces[start - 2]][1]
            and _delimiter_char(pieces[start - 2]) == delimiter
        )
        if can_open and can_close and not glued:
            keep.update((start, end))
    return "".join(
        _DELIMITER[_RESOLVED_KIND[piece][0]]
        if index in keep
        else ("" if piece in _RESOLVED_KIND else piece)
        for index, piece in enumerate(pieces)
    )


# Each placeholder as it ends up outside the two places a line's position decides.
_RESOLVED_PLACEHOLDERS = tuple(
    (placeholder, "\\" + char if placeholder in _ALWAYS_ESCAPED else char)
    for placeholder, char in _ORIGINAL.items()
)


def _resolve_placeholders(markdown: str) -> str:
    """:func:`_escape_line` of every line, with one ``str.replace`` per placeholder.

    Only two escapes depend on where a placeholder stands: at the first character of a
    line's content (``#``, ``+``, ``-``, ``=``, ``>``) and right after a number that starts it
    (``.``, ``)``); those are written per line, every other placeholder is replaced
    everywhere at once (a Python call per placeholder was most of the post-processing).
    """
    if not _PLACEHOLDER.search(markdown):
        return markdown
    lines = markdown.split("\n")
    for index, line in enumerate(lines):
        structure = _STRUCTURE.match(line)
        content_start = structure.end() if structure else 0
        if content_start and _PLACEHOLDER.search(line, 0, content_start):
            lines[index] = _escape_line(line)  # not html2text's own markers: never seen
            continue
        length = len(line)
        first = content_start
        while first < length and line[first] == " ":
            first += 1
        if first == length:
            continue
        char = line[first]
        if char in _ESCAPED_AT_LINE_START:
            lines[index] = f"{line[:first]}\\{_ORIGINAL[char]}{line[first + 1 :]}"
        elif char.isdigit():
            position = first + 1
            while position < length and line[position].isdigit():
                position += 1
            if position < length and line[position] in _ESCAPED_AFTER_NUMBER:
                escaped = _ORIGINAL[line[position]]
                lines[index] = f"{line[:position]}\\{escaped}{line[position + 1 :]}"
    markdown = "\n".join(lines)
    for placeholder, resolved in _RESOLVED_PLACEHOLDERS:
        if placeholder in markdown:
            markdown = markdown.replace(placeholder, resolved)
    return markdown


def _escape_line(line: str) -> str:
    """Resolve one line's placeholders: escape what Markdown would misread, restore the rest."""
    if not _PLACEHOLDER.search(line):
        return line
    structure = _STRUCTURE.match(line)
    content_start = structure.end() if structure else 0
    first = content_start
    while first < len(line) and line[first] == " ":
        first += 1

    def resolve(match: re.Match[str]) -> str:
        char = match.group(0)
        position = match.start()
        if position < content_start:
            return _ORIGINAL[char]
        if (
            char in _ALWAYS_ESCAPED
            or (char in _ESCAPED_AT_LINE_START and position == first)
            or (
                char in _ESCAPED_AFTER_NUMBER
                and position > first
                and line[first:position].isdigit()
            )
        ):
            return "\\" + _ORIGINAL[char]
        return _ORIGINAL[char]

    return _PLACEHOLDER.sub(resolve, line)
