"""Opening a link from the app: the safe plan comes from `newsterm.browser`; a terminal
browser runs with the app suspended, a graphical one starts detached."""

from __future__ import annotations

from textual.app import App, SuspendNotSupported

from newsterm.browser import UnsafeURLError, launch_background, plan_open, run_foreground
from newsterm.config import BrowserSettings


def open_link(app: App[object], url: str, settings: BrowserSettings) -> tuple[str, bool]:
    """Open `url`; returns the status-line message and whether it is an error."""
    try:
        plan = plan_open(url, settings)
    except UnsafeURLError as error:
        return f"Not opened: {error}", True
    try:
        if plan.terminal:
            with app.suspend():
                run_foreground(plan)
        else:
            launch_background(plan)
    except SuspendNotSupported:
        return "Cannot run a terminal browser here (the app cannot suspend).", True
    except OSError as error:
        return f"Could not start the browser: {error}", True
    return f"Opened {plan.url}", False
