"""Edit a feed: give it a title of one's own and move it into a folder or out of any."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label

from newsterm.models import Feed
from newsterm.ui.formatting import one_line


@dataclass(frozen=True, slots=True)
class FeedEdit:
    """What the user changed in the dialog; the screen that opened it writes it to the store."""

    title: str | None = None
    """The new title, "" to take the publisher's back; None when the title is unchanged."""
    folder: str | None = None
    """The folder the feed belongs in after the edit (None: no folder)."""
    folder_changed: bool = False
    """Whether `folder` differs from the feed's folder (None is a real value for it)."""

    @property
    def changed(self) -> bool:
        """Whether there is anything to write."""
        return self.title is not None or self.folder_changed


def feed_edit(feed: Feed, title: str, folder: str) -> FeedEdit:
    """The changes that the dialog's `title` and `folder` fields make to `feed`.

    Both fields are cleaned as one line (no control characters, single spaces), and the
    feed's own values are compared cleaned too: the fields were filled with the cleaned
    ones, so saving an untouched dialog changes nothing, not even for a title that held
    control characters. An untouched title is never pinned as the user's, so the
    publisher's title keeps following the feed.
    """
    new_title = one_line(title)
    new_folder = one_line(folder) or None
    old_folder = one_line(feed.folder or "") or None
    return FeedEdit(
        title=None if new_title == one_line(feed.title) else new_title,
        folder=new_folder,
        folder_changed=new_folder != old_folder,
    )


class EditFeedScreen(ModalScreen[FeedEdit | None]):
    """Dismisses with the changes to save (see `FeedEdit`), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="edit_feed.cancel"),
    ]

    def __init__(self, feed: Feed, folders: list[str]) -> None:
        super().__init__()
        self.feed = feed
        """The feed as listed when the dialog opened."""
        self.folders = [one_line(name) for name in folders]
        """Existing folder names, offered as completions."""

    def compose(self) -> ComposeResult:
        feed = self.feed
        with Vertical(classes="dialog dialog-wide") as dialog:
            dialog.border_title = "Edit feed"
            # Names the feed by its address: the title is what is being edited.
            yield Label(
                Text(one_line(feed.url), no_wrap=True, overflow="ellipsis"),
                classes="hint dialog-text",
                id="edit-feed-url",
            )
            yield Label("Title")
            yield Input(
                one_line(feed.title), placeholder="the publisher's title", id="edit-feed-title"
            )
            yield Label("Folder (empty for none)")
            yield Input(
                one_line(feed.folder or ""),
                placeholder="none",
                id="edit-feed-folder",
                suggester=SuggestFromList(self.folders, case_sensitive=False),
            )
            yield Label(
                "An empty title gives the feed its publisher's title again at the next refresh.",
                classes="hint",
                id="edit-feed-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted, "#edit-feed-title")
    def _title_entered(self) -> None:
        self.query_one("#edit-feed-folder", Input).focus()

    @on(Input.Submitted, "#edit-feed-folder")
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        title = self.query_one("#edit-feed-title", Input).value
        folder = self.query_one("#edit-feed-folder", Input).value
        self.dismiss(feed_edit(self.feed, title, folder))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
