"""Value types of the content pipeline."""

from __future__ import annotations

from dataclasses import dataclass

LINK_NUMBER_MARK = "\ue100"
"""A private-use character the converter writes right after the ``[`` of each link's number
(``\\[`` U+E100 ``3\\]``), so the renderer can tell a link's number from the same brackets in
the text and give it the link's URL. The cleaner removes private-use characters from feed
text, so only the converter writes it; the renderer draws ``[3]`` without it."""


def without_link_marks(markdown: str) -> str:
    """``markdown`` with :data:`LINK_NUMBER_MARK` removed: plain CommonMark, for anything
    that shows an article's Markdown other than the renderer."""
    return markdown.replace(LINK_NUMBER_MARK, "")


@dataclass(frozen=True)
class Link:
    """A link of an article, numbered in reading order.

    The article text shows it as ``text[number]``; ``url`` is absolute and http(s) or mailto.
    """

    number: int
    url: str
    text: str


@dataclass(frozen=True)
class Article:
    """An entry's body made ready for the reader pane.

    ``markdown`` is CommonMark (rendered by Rich) in which every link is already written as its text
    followed by an escaped ``\\[N\\]`` marker, with :data:`LINK_NUMBER_MARK` after its ``[``
    (:func:`newsterm.content.render_article` draws it as ``[N]``; anything else showing the
    Markdown must remove the mark); ``links`` lists the targets in the order of their numbers.
    """

    title: str
    markdown: str
    links: tuple[Link, ...]
