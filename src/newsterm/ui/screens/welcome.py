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


def _welcome_text() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row(Text("a"), Text("Add a feed: paste the address of a feed or of a site."))
    table.add_row(Text(""), Text(""))
    table.add_row(Text("From a shell:", style="italic"), Text(""))
    table.add_row(
        Text("newsterm import FILE.opml"), Text("Import subscriptions from another reader.")
    )
    table.add_row(Text("newsterm --demo"), Text("Try the shipped demo feeds, offline."))
    table.add_row(Text("newsterm --help"), Text("Every command (add, refresh, search, export…)."))
    table.add_row(Text(""), Text(""))
    table.add_row(Text("?"), Text("Keys and help."))
    table.add_row(Text("q"), Text("Quit."))
    return table


class WelcomeScreen(Screen[str]):
    """Shown when there are no feeds; dismisses with "add" when the user wants to add one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add_feed", "Add a feed", id="welcome.add_feed"),
    ]

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="welcome"):
            yield Static(Text("Welcome to newsterm", style="bold"), id="welcome-title")
            yield Static(Text("You have no feeds yet. To get started:"), id="welcome-lead")
            yield Static(_welcome_text(), id="welcome-body")

    def action_add_feed(self) -> None:
        self.dismiss("add")
