"""The status line: what is happening (refresh progress, the last error) and the counts."""

from __future__ import annotations

from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from newsterm.ui.formatting import one_line

BAR_WIDTH = 16


class StatusBar(Horizontal):
    """One line: activity on the left, counts and the help hint on the right."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        dock: bottom;
        & > #status-activity { width: 1fr; height: 1; }
        & > #status-counts { width: auto; height: 1; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.message = ""
        """The activity or error shown (plain text)."""
        self.progress: tuple[int, int] | None = None
        """(done, total) while a refresh runs."""

    def compose(self) -> ComposeResult:
        yield Static(id="status-activity", markup=False)
        yield Static(id="status-counts", markup=False)

    def show_message(self, message: str, *, error: bool = False) -> None:
        """Show a message (untrusted parts are cleaned here); errors stand out."""
        self.message = one_line(message)
        self.remove_class("-error")
        if error:
            self.add_class("-error")
        self._draw()

    def show_progress(self, done: int, total: int, label: str = "Refreshing") -> None:
        """Show "label n/N feeds" with a bar."""
        self.progress = (done, total)
        self.message = label
        self.remove_class("-error")
        self._draw()

    def end_progress(self, message: str, *, error: bool = False) -> None:
        self.progress = None
        self.show_message(message, error=error)

    def set_counts(self, unread: int, feeds: int, failing: int, *, offline: bool = False) -> None:
        text = Text()
        if offline:
            text.append("offline · ", style="italic")
        text.append(f"{unread:,} unread · {feeds:,} feed{'s' if feeds != 1 else ''}")
        if failing:
            text.append(f" · {failing} failing", style="bold")
        text.append("  ? help ")
        self.query_one("#status-counts", Static).update(text)

    def _draw(self) -> None:
        activity = self.query_one("#status-activity", Static)
        if self.progress is None:
            activity.update(Text(f" {self.message}", no_wrap=True, overflow="ellipsis"))
            return
        done, total = self.progress
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(width=BAR_WIDTH)
        grid.add_row(
            Text(f" {self.message} {done}/{total} feeds", no_wrap=True),
            ProgressBar(total=max(total, 1), completed=done, width=BAR_WIDTH),
        )
        activity.update(grid)
