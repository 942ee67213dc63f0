"""The status line: what is happening (refresh progress, the last error) and the counts."""

from __future__ import annotations

from rich.console import RenderableType
from rich.progress_bar import ProgressBar
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from newsterm.ui.formatting import one_line

BAR_WIDTH = 16


class StatusBar(Static):
    """One line: activity on the left, counts and the help hint on the right.

    It is one fixed-size widget, so an update repaints a line and never costs a layout
    of the screen (which marking an entry read would otherwise pay for every key).
    """

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        width: 1fr;
        dock: bottom;
    }
    """

    COMPONENT_CLASSES = {"status-bar--error", "status-bar--counts"}

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, markup=False)
        self.message = ""
        """The activity or error shown (plain text)."""
        self.error = False
        """The message is an error."""
        self.progress: tuple[int, int] | None = None
        """(done, total) while a refresh runs."""
        self.counts = Text()
        """The counts on the right."""

    def on_mount(self) -> None:
        self._draw()

    def show_message(self, message: str, *, error: bool = False) -> None:
        """Show a message (untrusted parts are cleaned here); errors stand out."""
        self.message = one_line(message)
        self.error = error
        self.set_class(error, "-error")
        self._draw()

    def show_progress(self, done: int, total: int, label: str = "Refreshing") -> None:
        """Show "label n/N feeds" with a bar."""
        self.progress = (done, total)
        self.message = label
        self.error = False
        self.set_class(False, "-error")
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
        self.counts = text
        self._draw()

    def _activity(self) -> RenderableType:
        style = self.get_component_rich_style("status-bar--error") if self.error else Style()
        if self.progress is None:
            return Text(f" {self.message}", style=style, no_wrap=True, overflow="ellipsis")
        done, total = self.progress
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(width=BAR_WIDTH)
        grid.add_row(
            Text(f" {self.message} {done}/{total} feeds", no_wrap=True),
            ProgressBar(total=max(total, 1), completed=done, width=BAR_WIDTH),
        )
        return grid

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        line = Table.grid(expand=True)
        line.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        line.add_column(justify="right", no_wrap=True)
        counts = self.counts.copy()
        counts.stylize(self.get_component_rich_style("status-bar--counts"))
        line.add_row(self._activity(), counts)
        # Fixed size: repaint this line without a layout of the whole screen.
        self.update(line, layout=False)
