"""Choose one of the article's numbered links."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from newsterm.ui.formatting import one_line
from newsterm.ui.widgets.reader import ShownLink


class LinksScreen(ModalScreen[str | None]):
    """Type a link's number (or pick it with the cursor); dismisses with its URL."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="links.cancel"),
        Binding("down", "focus_list", "To the list", show=False, id="links.to_list"),
    ]

    def __init__(self, links: list[ShownLink]) -> None:
        super().__init__()
        self.links = links
        """The article's links, numbered as in the reader."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide") as dialog:
            dialog.border_title = "Open link"
            yield Input(placeholder="link number", type="integer", id="link-number")
            options = []
            for link in self.links:
                prompt = Text(f"[{link.number}] ", style="bold")
                prompt.append(one_line(link.text) or one_line(link.url))
                prompt.append(f"  {one_line(link.url)}", style="dim")
                options.append(Option(prompt, id=str(link.number)))
            yield OptionList(*options, id="link-options", markup=False)
            yield Label("number + Enter, or choose with the cursor · Esc to cancel", classes="hint")

    @on(Input.Submitted)
    def _number(self, event: Input.Submitted) -> None:
        try:
            number = int(event.value)
        except ValueError:
            return
        self._open(number)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._open(int(event.option.id))

    def _open(self, number: int) -> None:
        for link in self.links:
            if link.number == number:
                self.dismiss(link.url)
                return
        self.notify(f"No link {number}.", severity="warning")

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
