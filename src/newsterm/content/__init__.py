"""Article content: untrusted entry HTML -> sanitised, junk-free HTML -> Markdown -> what the reader
shows.

Pure functions, no Textual: :func:`article_from_html` builds an :class:`Article` (Markdown with
numbered links plus the link list), :func:`render_article` is the Rich renderable of the reader
pane, :func:`render_lines` renders it to lines (thread-safe, for the reader's worker) and
:func:`render_to_text` is the same rendering as a string (``newsterm render``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsterm.content._safe import safe_line, safe_text
    from newsterm.content.cache import (
        LARGE_BODY_CHARS,
        ArticleCache,
        article_from_html_async,
        content_version,
    )
    from newsterm.content.clean import clean_html, file_name
    from newsterm.content.convert import article_from_html, html_to_markdown
    from newsterm.content.model import Article, Link
    from newsterm.content.render import fold_cells, render_article, render_lines, render_to_text
    from newsterm.content.seed import parse_seed_document

# Exports load on first use (PEP 562): `safe_text` is needed on every CLI path, the HTML
# pipeline (lxml, html2text, Rich Markdown) only when an article is shown.
_EXPORTS = {
    "safe_text": "newsterm.content._safe",
    "safe_line": "newsterm.content._safe",
    "LARGE_BODY_CHARS": "newsterm.content.cache",
    "ArticleCache": "newsterm.content.cache",
    "article_from_html_async": "newsterm.content.cache",
    "content_version": "newsterm.content.cache",
    "clean_html": "newsterm.content.clean",
    "file_name": "newsterm.content.clean",
    "article_from_html": "newsterm.content.convert",
    "html_to_markdown": "newsterm.content.convert",
    "Article": "newsterm.content.model",
    "Link": "newsterm.content.model",
    "fold_cells": "newsterm.content.render",
    "render_article": "newsterm.content.render",
    "render_lines": "newsterm.content.render",
    "render_to_text": "newsterm.content.render",
    "parse_seed_document": "newsterm.content.seed",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "LARGE_BODY_CHARS",
    "Article",
    "ArticleCache",
    "Link",
    "article_from_html",
    "article_from_html_async",
    "clean_html",
    "content_version",
    "file_name",
    "fold_cells",
    "html_to_markdown",
    "parse_seed_document",
    "render_article",
    "render_lines",
    "render_to_text",
    "safe_line",
    "safe_text",
]
