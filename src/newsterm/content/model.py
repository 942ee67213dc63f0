"""Value types of the content pipeline."""

from __future__ import annotations

from dataclasses import dataclass


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
    followed by an escaped ``\\[N\\]`` marker; ``links`` lists the targets in the order of their
    numbers.
    """

    title: str
    markdown: str
    links: tuple[Link, ...]
