"""Subscribe to a feed: a URL (a site or a feed; autodiscovery finds the feed) and a folder."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label

from newsterm.config import Settings
from newsterm.models import Feed, NewstermError
from newsterm.store import Store
from newsterm.ui.formatting import one_line


class AddFeedScreen(ModalScreen[Feed | None]):
    """Dismisses with the new feed once it is found, added and fetched; None if cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="add_feed.cancel"),
    ]

    @dataclass
    class _Done(Message, bubble=False):
        feed: Feed | None
        error: str | None

    def __init__(self, store: Store, settings: Settings, folders: list[str]) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.folders = folders
        """Existing folder names, offered as completions."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-wide") as dialog:
            dialog.border_title = "Add a feed"
            yield Label("Address of a feed or of a site (its feed is found for you)")
            yield Input(placeholder="https://example.org/", id="feed-url")
            yield Label("Folder (optional)")
            yield Input(
                placeholder="none",
                id="feed-folder",
                suggester=SuggestFromList(self.folders, case_sensitive=False),
            )
            yield Label("", id="add-feed-status", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="add")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted, "#feed-url")
    def _url_entered(self) -> None:
        self.query_one("#feed-folder", Input).focus()

    @on(Input.Submitted, "#feed-folder")
    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        url = self.query_one("#feed-url", Input).value.strip()
        folder = self.query_one("#feed-folder", Input).value.strip() or None
        if not url:
            self._say("Type the address of a feed or site first.", error=True)
            self.query_one("#feed-url", Input).focus()
            return
        self._busy(True)
        self._say(f"Looking for a feed at {url} …")
        self._subscribe(url, folder)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "subscribe")
        self.dismiss(None)

    @work(
        thread=True, exclusive=True, group="subscribe", exit_on_error=False, description="Add feed"
    )
    def _subscribe(self, url: str, folder: str | None) -> None:
        from newsterm.refresh import subscribe  # loads httpx only when needed

        try:
            feed = asyncio.run(subscribe(self.store, self.settings, url, folder))
        except NewstermError as error:
            self.post_message(self._Done(None, str(error)))
        except Exception as error:  # a bug must not take the app down with it
            self.post_message(self._Done(None, f"internal error: {type(error).__name__}: {error}"))
        else:
            self.post_message(self._Done(feed, None))

    def on_add_feed_screen__done(self, message: _Done) -> None:
        if message.feed is not None:
            self.dismiss(message.feed)
            return
        self._busy(False)
        self._say(message.error or "failed", error=True)

    def _busy(self, busy: bool) -> None:
        for widget in self.query("Input, #add"):
            widget.disabled = busy

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#add-feed-status", Label)
        status.set_class(error, "-error")
        status.update(Text(one_line(text)))
