"""Opening links safely: only http(s), never through a shell. No Textual here.

The browser is chosen in this order: `[browser] command` from the config, else the first
usable entry of $BROWSER, else the platform's default opener. A terminal browser (lynx,
w3m, links, elinks, or one marked `terminal = true`) must run in the foreground with the
app suspended; the app asks `plan_open` which kind it is and acts accordingly.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import webbrowser
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from newsterm.config import BrowserSettings

TERMINAL_BROWSERS = frozenset({"lynx", "w3m", "links", "links2", "elinks", "browsh", "carbonyl"})
"""Executable names known to take over the terminal."""

_URL_PLACEHOLDERS = ("%u", "%s")
# C0 controls, DEL and whatever str.isspace() calls whitespace (re's \s is the same set): one
# regex search instead of a Python test per character (the reader checks every link it lists).
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x1f\x7f\s]")


class UnsafeURLError(ValueError):
    """The URL is not one newsterm will hand to a browser."""


def check_url(url: str) -> str:
    """Return `url` stripped if it is an absolute http(s) URL without control characters.

    Raises UnsafeURLError otherwise, with a short reason for the status line.
    """
    candidate = url.strip()
    if not candidate:
        raise UnsafeURLError("no link")
    if _CONTROL_OR_SPACE.search(candidate):
        raise UnsafeURLError("link contains control characters or spaces")
    try:
        parts = urlsplit(candidate)
    except ValueError as error:
        raise UnsafeURLError(f"not a valid link ({error})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UnsafeURLError(f"only http and https links are opened, not {parts.scheme or 'this'}:")
    if not parts.netloc:
        raise UnsafeURLError("link has no host")
    return candidate


def is_safe_url(url: str) -> bool:
    """True when `check_url` accepts `url`."""
    try:
        check_url(url)
    except UnsafeURLError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class BrowserPlan:
    """How one URL will be opened."""

    argv: tuple[str, ...]
    """The command to run, URL included; empty means Python's `webbrowser` module."""
    terminal: bool
    """True when the command takes over the terminal (the app must suspend)."""
    url: str


def _with_url(argv: Sequence[str], url: str) -> tuple[str, ...]:
    """Substitute the URL for %u/%s, or append it when no placeholder is present."""
    replaced = False
    result: list[str] = []
    for arg in argv:
        for placeholder in _URL_PLACEHOLDERS:
            if placeholder in arg:
                arg = arg.replace(placeholder, url)
                replaced = True
        result.append(arg)
    if not replaced:
        result.append(url)
    return tuple(result)


def is_terminal_browser(argv: Sequence[str]) -> bool:
    """True when the executable is a known terminal browser."""
    return bool(argv) and PurePath(argv[0]).name.lower() in TERMINAL_BROWSERS


def _from_env(env: Mapping[str, str]) -> list[str] | None:
    """The first entry of $BROWSER (a colon-separated list) whose program exists."""
    for candidate in env.get("BROWSER", "").split(os.pathsep):
        try:
            argv = shlex.split(candidate)
        except ValueError:
            continue
        if argv and shutil.which(argv[0]):
            return argv
    return None


def _platform_default() -> list[str]:
    """The platform's opener, or [] to let the `webbrowser` module decide."""
    if sys.platform == "darwin":
        return ["open"]
    if sys.platform.startswith("win"):
        return []
    opener = shutil.which("xdg-open")
    return [opener] if opener else []


def plan_open(
    url: str, settings: BrowserSettings, env: Mapping[str, str] | None = None
) -> BrowserPlan:
    """Decide how to open `url`; raises UnsafeURLError for anything but http(s)."""
    safe_url = check_url(url)
    environment = os.environ if env is None else env
    if settings.command:
        argv = _with_url(settings.command, safe_url)
        return BrowserPlan(argv, settings.terminal or is_terminal_browser(argv), safe_url)
    from_env = _from_env(environment)
    if from_env:
        argv = _with_url(from_env, safe_url)
        return BrowserPlan(argv, is_terminal_browser(argv), safe_url)
    default = _platform_default()
    argv = _with_url(default, safe_url) if default else ()
    return BrowserPlan(argv, False, safe_url)


def launch_background(plan: BrowserPlan) -> None:
    """Start a graphical browser detached from the terminal, without a shell.

    Raises OSError when the program cannot be started.
    """
    if not plan.argv:
        if not webbrowser.open(plan.url, new=2):
            raise OSError("no browser found: set [browser] command in the config")
        return
    subprocess.Popen(  # noqa: S603 - argv list, never a shell
        list(plan.argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def run_foreground(plan: BrowserPlan) -> int:
    """Run a terminal browser in the foreground and wait for it; returns its exit status."""
    completed = subprocess.run(list(plan.argv), check=False)  # noqa: S603 - argv list
    return completed.returncode
