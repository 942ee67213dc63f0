"""Background refreshing: a thread worker per run, the periodic check for due feeds, and
the poll that notices entries written by another process. It posts messages; the screen
decides what they mean for the panes and the status line."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from newsterm.config import Settings
from newsterm.models import Feed
from newsterm.store import Store
from newsterm.ui.messages import (
    RefreshFinished,
    RefreshProgressed,
    RefreshStarted,
    forward_worker_failure,
)

if TYPE_CHECKING:
    from newsterm.refresh import RefreshProgress

DATA_POLL_SECONDS = 3.0
"""How often to look for entries written by another process (a CLI refresh)."""
DUE_CHECK_SECONDS = 60.0
"""How often to look for feeds whose next check has come."""


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker, which a big refresh's process pool needs.

    The pool starts it with its first semaphore, from the refresh's thread, passing
    `sys.stderr.fileno()` to the tracker; inside a running Textual app stderr is a
    capture object whose fileno is -1, and starting it then fails ("bad value(s) in
    fds_to_keep"). So it starts here, on the UI thread with the real stderr for the
    moment: when the first refresh begins, not at launch, where it cost ~25 ms of the
    first paint.
    """
    if os.name != "posix":
        return
    try:
        from multiprocessing import resource_tracker

        with contextlib.redirect_stderr(sys.__stderr__):
            resource_tracker.ensure_running()
    except (OSError, ValueError):  # pragma: no cover - a refresh then parses in threads
        pass


class Refresher(Widget):
    """Runs refreshes off the UI thread; never shown.

    Posts `RefreshStarted`, `RefreshProgressed` (collapsing), `RefreshFinished`,
    `Refresher.Failed` and `Refresher.DataChanged`.
    """

    DEFAULT_CSS = "Refresher { display: none; }"

    @dataclass
    class DataChanged(Message):
        """The database changed under us (another process wrote to it)."""

    @dataclass
    class Failed(Message):
        """A refresh run failed as a whole (not one feed: those are outcomes)."""

        error: str

    def __init__(
        self, store: Store, settings: Settings, *, offline: bool, now: Callable[[], datetime]
    ) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.offline = offline
        """Demo mode: never fetch."""
        self.now = now
        self.total = 0
        """Feeds in the running refresh; 0 when none runs."""
        self._runs = 0
        self._data_version = 0

    def on_mount(self) -> None:
        self._data_version = self.store.data_version()
        self.set_interval(DATA_POLL_SECONDS, self._poll_data_version)
        if not self.offline and self.settings.refresh_interval > 0:
            self.set_interval(DUE_CHECK_SECONDS, self.refresh_due)

    @property
    def running(self) -> bool:
        return self.total > 0

    def refresh_due(self) -> None:
        """Refresh the feeds whose next check has come (skipped while a run is going)."""
        if self.offline or self.running:
            return
        try:
            due = self.store.feeds_due(self.now())
        except Exception:  # the database is busy or failing: try at the next check
            return
        if due:
            self.start(due, f"{len(due)} due feed{'s' if len(due) != 1 else ''}")

    def start(self, feeds: list[Feed], label: str) -> bool:
        """Refresh `feeds` in a worker (replacing a running refresh); False when offline."""
        if self.offline:
            return False
        if feeds:
            _start_resource_tracker()
            self.total = len(feeds)
            self._runs += 1
            self._run_refresh(feeds, label, self._runs)
        return True

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False, description="Refresh")
    def _run_refresh(self, feeds: list[Feed], label: str, run_number: int) -> None:
        # The refresh service (and httpx) loads with the first refresh.
        from newsterm.refresh import RefreshReport, refresh_feeds

        worker = get_current_worker()
        self.post_message(RefreshStarted(len(feeds), label))
        report = RefreshReport()  # filled as feeds finish, so a stopped run reports too

        def progressed(progress: RefreshProgress) -> None:
            if progress.latest is not None:
                report.outcomes.append(progress.latest)
            self.post_message(RefreshProgressed(progress))  # thread-safe

        async def run() -> bool:
            """Refresh until done or until the worker is cancelled (a newer refresh, or
            quitting): then the whole run is cancelled at once, in-flight fetches too, so
            quitting never waits for hundreds of feeds."""
            task = asyncio.ensure_future(
                refresh_feeds(
                    self.store,
                    self.settings,
                    feeds,
                    on_progress=progressed,
                    is_cancelled=lambda: worker.is_cancelled,
                )
            )
            while not task.done():
                if worker.is_cancelled:
                    task.cancel()
                await asyncio.wait({task}, timeout=0.1)
            if task.cancelled():
                return True
            task.result()  # a failure of the run itself reaches the worker's handler
            return worker.is_cancelled

        cancelled = asyncio.run(run())
        self.post_message(RefreshFinished(report, cancelled=cancelled, run=run_number))

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        if message.run == self._runs:  # not a replaced run ending after its successor began
            self.total = 0
        else:
            message.stop()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if forward_worker_failure(self, event) and event.worker.group == "refresh":
            self.total = 0
            self.post_message(self.Failed(str(event.worker.error)))

    def acknowledge_own_writes(self) -> None:
        """Take the app's own writes (a mark, a star) as seen, so they cause no reload."""
        with contextlib.suppress(Exception):  # if it fails, the next poll notices instead
            self._data_version = self.store.data_version()

    def _poll_data_version(self) -> None:
        try:
            version = self.store.data_version()
        except Exception:  # busy or failing: look again at the next poll
            return
        if version != self._data_version:
            self._data_version = version
            self.post_message(self.DataChanged())
