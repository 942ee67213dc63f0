"""The first-run screen: no feeds yet, so say how to get some."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Static


def _rows(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, what in rows:
        table.add_row(Text(key), Text(what))
    return table


IN_THE_APP = [
    ("a", "Add a feed: paste the address of a feed or of a site."),
    ("?", "Keys and help."),
    ("q", "Quit."),
]
FROM_A_SHELL = [
    ("newsterm import FILE.opml", "Import subscriptions from another reader."),
    ("newsterm --demo", "Try the shipped demo feeds, offline."),
    ("newsterm --help", "Every command (add, refresh, search, export…)."),
]


class WelcomeScreen(Screen[str]):
    """Shown when there are no feeds; dismisses with "add" when the user wants to add one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_feed", "Add a feed", id="welcome.add_feed"),
    ]

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="welcome"):
            yield Static(Text("Welcome to newsterm", style="bold"), id="welcome-title")
            yield Static(Text("You have no feeds yet. To get started:"), id="welcome-lead")
            yield Static(_rows(IN_THE_APP), id="welcome-keys")
            yield Static(Text("From a shell:", style="italic"), classes="welcome-section")
            yield Static(_rows(FROM_A_SHELL), id="welcome-shell")

    def action_add_feed(self) -> None:
        self.dismiss("add")
