"""The status line: what is happening (refresh progress, the last error) and the counts."""

from __future__ import annotations

from rich.console import RenderableType
from rich.progress_bar import ProgressBar
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events
from textual.strip import Strip
from textual.widgets import Static

from newsterm.ui.formatting import one_line
from newsterm.ui.widgets.component_styles import KeptComponentStyles

BAR_WIDTH = 16


class StatusBar(KeptComponentStyles, Static):
    """One line: activity on the left, counts and the help hint on the right.

    It is one fixed-size widget, so an update repaints a line and never costs a layout
    of the screen (which marking an entry read would otherwise pay for every key). The
    line is drawn here, at the widget's width, rather than by a Rich table that Textual
    would measure and render on every update (about a millisecond, paid by every key
    that marks an entry or shows a message).
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
        self._line: Strip | None = None

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

    def _draw(self) -> None:
        # Fixed size: repaint this line without a layout of the whole screen.
        self._line = None
        if self.is_mounted:
            self.refresh()

    def notify_style_update(self) -> None:
        self._line = None
        super().notify_style_update()

    def on_resize(self, event: events.Resize) -> None:
        self._line = None

    # -- drawing ------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.visual_style.rich_style
        if y != 0 or width <= 0:
            return Strip.blank(width, base)
        if self._line is None:
            self._line = self._render_status(width, base)
        return self._line

    def _counts(self) -> Text:
        counts = self.counts.copy()
        counts.stylize(self._style("status-bar--counts"))
        return counts

    def _render_status(self, width: int, base: Style) -> Strip:
        counts = self._counts()
        if self.progress is not None:
            return self._render_table(self._progress_table(counts), width, base)
        # As the two-column grid drew it: the message cut with an ellipsis (or padded) to
        # the room the counts leave, then the counts right-justified in theirs (Rich
        # strips their trailing space and pads on the left).
        room = width - counts.cell_len
        if room < 0:
            return self._render_table(self._grid(self._activity(), counts), width, base)
        console = self.app.console
        activity = self._activity()
        activity.truncate(room, overflow="ellipsis", pad=True)
        # Text.render leaves out the Text's own style (printing applies it): apply it.
        own = console.get_style(activity.style)
        segments = list(Segment.apply_style(activity.render(console), own))
        right = counts.copy()
        right.rstrip()
        if padding := counts.cell_len - right.cell_len:
            segments.append(Segment(" " * padding))
        segments.extend(right.render(console))
        return Strip(Segment.apply_style(segments, base), width)

    def _activity(self) -> Text:
        style = self._style("status-bar--error") if self.error else Style()
        return Text(f" {self.message}", style=style, no_wrap=True, overflow="ellipsis", end="")

    @staticmethod
    def _grid(activity: RenderableType, counts: Text) -> Table:
        line = Table.grid(expand=True)
        line.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        line.add_column(justify="right", no_wrap=True)
        line.add_row(activity, counts)
        return line

    def _progress_table(self, counts: Text) -> Table:
        assert self.progress is not None
        done, total = self.progress
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(width=BAR_WIDTH)
        grid.add_row(
            Text(f" {self.message} {done}/{total} feeds", no_wrap=True),
            ProgressBar(total=max(total, 1), completed=done, width=BAR_WIDTH),
        )
        return self._grid(grid, counts)

    def _render_table(self, table: Table, width: int, base: Style) -> Strip:
        console = self.app.console
        lines = console.render_lines(table, console.options.update_width(width), style=base)
        return Strip(lines[0] if lines else [], width).adjust_cell_length(width, base)
