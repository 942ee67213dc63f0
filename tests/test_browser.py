"""Opening links: only http(s), the right browser, never a shell."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from newsterm.browser import (
    BrowserPlan,
    UnsafeURLError,
    check_url,
    is_safe_url,
    is_terminal_browser,
    launch_background,
    plan_open,
    run_foreground,
)
from newsterm.config import BrowserSettings


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "mailto:someone@example.org",
        "data:text/html,hi",
        "https://",
        "/relative/path",
        "https://example.org/\x1b]8;;evil\x1b\\",
        "https://example.org/a b",
        "",
    ],
)
def test_unsafe_urls_are_refused(url: str) -> None:
    assert not is_safe_url(url)
    with pytest.raises(UnsafeURLError):
        plan_open(url, BrowserSettings(), env={})


def test_http_and_https_pass() -> None:
    assert check_url("  https://example.org/a?b=c#d ") == "https://example.org/a?b=c#d"
    assert is_safe_url("HTTP://EXAMPLE.ORG/")


def test_configured_command_wins_and_gets_the_url() -> None:
    settings = BrowserSettings(command=["firefox", "--new-tab", "%u"])
    plan = plan_open("https://example.org/", settings, env={"BROWSER": "lynx"})
    assert plan == BrowserPlan(
        ("firefox", "--new-tab", "https://example.org/"), False, "https://example.org/"
    )


def test_url_is_appended_when_there_is_no_placeholder() -> None:
    plan = plan_open("https://example.org/", BrowserSettings(command=["w3m"]), env={})
    assert plan.argv == ("w3m", "https://example.org/")
    assert plan.terminal  # w3m is a terminal browser


def test_terminal_flag_from_config() -> None:
    settings = BrowserSettings(command=["my-tui-browser"], terminal=True)
    assert plan_open("https://example.org/", settings, env={}).terminal


def test_browser_env_is_used_when_its_program_exists() -> None:
    env = {"BROWSER": f"no-such-browser-xyz:{sys.executable} -c pass"}
    plan = plan_open("https://example.org/", BrowserSettings(), env=env)
    assert plan.argv == (sys.executable, "-c", "pass", "https://example.org/")
    assert not plan.terminal


@pytest.mark.parametrize("name", ["lynx", "/usr/bin/w3m", "links", "elinks"])
def test_terminal_browsers_are_recognised(name: str) -> None:
    assert is_terminal_browser([name, "https://x.example/"])
    assert not is_terminal_browser(["firefox"])


def test_shell_metacharacters_stay_one_argument(tmp_path: Path) -> None:
    record = tmp_path / "argv.txt"
    script = f"import sys; open({str(record)!r}, 'w').write(repr(sys.argv[1:]))"
    url = "https://example.org/?q=$(touch%20pwned);rm"
    plan = plan_open(url, BrowserSettings(command=[sys.executable, "-c", script]), env={})
    launch_background(plan)
    deadline = time.monotonic() + 20
    while not (record.exists() and record.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert record.read_text() == repr([url])
    assert not (tmp_path / "pwned").exists()


def test_foreground_run_returns_the_status() -> None:
    plan = BrowserPlan((sys.executable, "-c", "raise SystemExit(3)"), True, "https://x.example/")
    assert run_foreground(plan) == 3
