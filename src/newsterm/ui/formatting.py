"""Small text helpers for the UI: relative dates and safe one-line text. No Textual here."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text

from newsterm.content import safe_line


def relative_date(when: datetime | None, now: datetime) -> str:
    """A short age such as "now", "5m", "3h", "2d", "Mar 4" or "Mar 2021"."""
    if when is None:
        return ""
    age = now - when
    if age < timedelta(minutes=1):
        return "now"
    if age < timedelta(hours=1):
        return f"{int(age.total_seconds() // 60)}m"
    if age < timedelta(days=1):
        return f"{int(age.total_seconds() // 3600)}h"
    if age < timedelta(days=7):
        return f"{age.days}d"
    if when.year == now.year:
        return f"{when:%b} {when.day}"
    return f"{when:%b} {when.year}"


def absolute_date(when: datetime | None) -> str:
    """A full date in UTC for the reader's header."""
    if when is None:
        return ""
    return f"{when:%Y-%m-%d %H:%M} UTC"


def one_line(text: str) -> str:
    """Untrusted text made safe for one line: no control or bidi characters, no newlines."""
    return safe_line(text)


def plain(text: str, style: str = "") -> Text:
    """A Rich `Text` of untrusted `text` on one line: never parsed as markup."""
    return Text(one_line(text), style=style, no_wrap=True, overflow="ellipsis", end="")
