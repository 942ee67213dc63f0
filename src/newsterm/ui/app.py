"""The newsterm Textual app: settings, theme and keymap; the screens do the rest."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.console import RenderableType
from textual import events, on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen

from newsterm.config import Settings
from newsterm.content import safe_line
from newsterm.store import Store
from newsterm.ui.collector import CHECK_EVERY_S, IdleCollector
from newsterm.ui.messages import WorkerFailed
from newsterm.ui.screens.help import HelpScreen
from newsterm.ui.screens.main import MainScreen

if TYPE_CHECKING:
    from textual.command import Provider

FALLBACK_THEME = "textual-dark"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _newsterm_provider() -> type[Provider]:
    """The palette's provider, imported when the palette first opens (as Textual's are)."""
    from newsterm.ui.commands import NewstermProvider

    return NewstermProvider


def _warm_up() -> None:
    """Load the HTML pipeline after the first paint, so opening the first article is quick."""
    from newsterm import content

    content.ArticleCache  # noqa: B018 - the attribute access imports the pipeline
    content.render_article  # noqa: B018


class NewstermApp(App[None]):
    """A three-pane feed reader over a `Store`.

    | Key(s) | Description |
    | :- | :- |
    | q | Quit. |
    | ? | Help: every key, from the live bindings. |
    | ctrl+p | Command palette: every action, view and feed. |
    """

    TITLE = "newsterm"
    CSS_PATH = "app.tcss"
    BINDING_GROUP_TITLE = "App"
    COMMANDS = App.COMMANDS | {_newsterm_provider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+p", "command_palette", "Command palette", id="app.command_palette"),
    ]

    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        *,
        offline: bool = False,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.started = time.perf_counter()
        self.store = store
        """The database every pane reads from."""
        self.settings = settings or Settings()
        """The user's configuration."""
        self.offline = offline
        """Demo mode: nothing is fetched over the network."""
        self.now = now or _utc_now
        """The clock for relative dates (tests pass a frozen one)."""
        self.keymap: dict[str, str] = {}
        """Binding id -> keys, as applied from the config (the help screen shows these)."""
        self.startup_ms: float | None = None
        """Milliseconds from construction to the first paint of the main screen."""
        self.idle_collector: IdleCollector | None = None
        """Runs full garbage collections in pauses (a launched app only; see collector)."""
        self._reported_clashes: set[str] = set()
        self._collecting = False

    def get_default_screen(self) -> Screen[None]:
        return MainScreen()

    def on_mount(self) -> None:
        theme = self.settings.theme
        if theme in self.available_themes:
            self.theme = theme
        else:
            self.theme = FALLBACK_THEME
            self.notify(
                f"Unknown theme {theme!r}; using {FALLBACK_THEME}.",
                severity="warning",
                markup=False,
            )
        if self.settings.keymap:
            self.keymap = {
                binding_id: ",".join(key.strip() for key in keys.split(","))
                for binding_id, keys in self.settings.keymap.items()
            }
            self.set_keymap(self.keymap)

    def on_ready(self) -> None:
        self.startup_ms = (time.perf_counter() - self.started) * 1000
        self.log.info(f"first paint after {self.startup_ms:.0f} ms")
        if not gc.isenabled():
            # Launched from the command line, which turns the collector off while start-up
            # makes its long-lived objects (see `newsterm.__main__`).
            self.idle_collector = IdleCollector()
            self.idle_collector.start()
            self.set_interval(CHECK_EVERY_S, self.idle_collector.tick, name="idle collector")
        self.run_worker(_warm_up, thread=True, group="warm-up", exit_on_error=False)

    async def on_event(self, event: events.Event) -> None:
        if self.idle_collector is not None and isinstance(event, events.InputEvent):
            self.idle_collector.input_seen()
        await super().on_event(event)

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        # Textual's private paint step, the one place that knows a frame is out: the
        # young objects a key made are collected right after its paint (see `collector`);
        # Textual has no public hook after a paint, and before it the collection would
        # delay the frame.
        super()._display(screen, renderable)
        if renderable is not None and self.idle_collector is not None and not self._collecting:
            self._collecting = True
            self.call_next(self._collect_young)

    def _collect_young(self) -> None:
        self._collecting = False
        if self.idle_collector is not None:
            self.idle_collector.after_paint()

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        names = ", ".join(sorted(binding.id or binding.action for binding in clashed_bindings))
        message = f"Keymap clash: {names} now share a key; check [keymap] in the config."
        if message not in self._reported_clashes:
            # Textual asks on every key press while the clash stands: say it once.
            self._reported_clashes.add(message)
            self.notify(message, severity="warning", markup=False, timeout=8)

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, MainScreen):
            self.push_screen(HelpScreen(screen.help_groups()))
        elif not isinstance(screen, HelpScreen):
            main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
            if main is not None:
                self.push_screen(HelpScreen(main.help_groups()))

    @on(WorkerFailed)
    def _worker_failed(self, message: WorkerFailed) -> None:
        """Every worker runs with exit_on_error=False; its failure becomes a notification."""
        self.notify(
            # An exception's text can quote a feed: clean it like any untrusted line.
            f"{message.description} failed: {safe_line(str(message.error))}",
            title="Error",
            severity="error",
            markup=False,
            timeout=10,
        )
