"""Article content: untrusted entry HTML -> sanitised, junk-free HTML -> Markdown -> what the reader
shows.

Pure functions, no Textual: :func:`article_from_html` builds an :class:`Article` (Markdown with
numbered links plus the link list), :func:`render_article` is the Rich renderable of the reader
pane, and :func:`render_to_text` is the same rendering as a string (``newsterm render``).
"""

from __future__ import annotations

from newsterm.content._safe import safe_text
from newsterm.content.cache import (
    LARGE_BODY_CHARS,
    ArticleCache,
    article_from_html_async,
    content_version,
)
from newsterm.content.clean import clean_html
from newsterm.content.convert import article_from_html, html_to_markdown
from newsterm.content.model import Article, Link
from newsterm.content.render import render_article, render_to_text
from newsterm.content.seed import parse_seed_document

__all__ = [
    "LARGE_BODY_CHARS",
    "Article",
    "ArticleCache",
    "Link",
    "article_from_html",
    "article_from_html_async",
    "clean_html",
    "content_version",
    "html_to_markdown",
    "parse_seed_document",
    "render_article",
    "render_to_text",
    "safe_text",
]
