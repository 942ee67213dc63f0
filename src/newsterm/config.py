"""Settings: defaults in code, overridden by a TOML file, validated on load.

Every error names the file, the key (and line where it can be found) and, for an unknown
key, the nearest known spelling.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from newsterm.models import ConfigError


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the fetcher talks to servers."""

    concurrency: int = 32
    """Requests in flight at once, over all hosts."""
    per_host: int = 4
    """Requests in flight at once to one host."""
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 45.0
    """Upper bound for one whole fetch, body included."""
    max_bytes: int = 16 * 1024 * 1024
    """A body larger than this is cut off with an error."""
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class BrowserSettings:
    """How links are opened."""

    command: list[str] = field(default_factory=list)
    """argv of the browser; "%u" is replaced by the URL (appended when absent). Empty:
    $BROWSER, else the platform default."""
    terminal: bool = False
    """The browser runs in the terminal (the app suspends while it runs)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a user can configure."""

    refresh_interval: int = 60
    """Minutes between automatic refreshes of a feed (0 turns automatic refresh off)."""
    refresh_on_start: bool = True
    mark_read_on_open: bool = True
    retention_days: int = 0
    """Read, unstarred entries older than this many days are deleted; 0 keeps all."""
    retention_per_feed: int = 0
    """Keep at most this many read, unstarred entries per feed; 0 keeps all."""
    theme: str = "textual-dark"
    fetch: FetchSettings = field(default_factory=FetchSettings)
    browser: BrowserSettings = field(default_factory=BrowserSettings)
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys, e.g. {"article_list.next" = "j,down"}."""


_SECTIONS: dict[str, type] = {"fetch": FetchSettings, "browser": BrowserSettings}


def _toml_type(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


_TOML_PLACE = re.compile(r"\(at line (?P<line>\d+), column (?P<column>\d+)\)$")
"""Where tomllib's message says the error is."""


def _line_of(text: str, key: str, section: str | None) -> int | None:
    """Best-effort line number of `key` (inside `[section]` when given)."""
    in_section = section is None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\s*([A-Za-z0-9_.-]+)\s*\]", stripped)
        if header:
            in_section = header.group(1) == section if section else False
            continue
        if in_section and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None


class _Validator:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def fail(self, key: str, section: str | None, message: str) -> ConfigError:
        dotted = f"{section}.{key}" if section else key
        line = _line_of(self.text, key, section)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigError(f"{where}: {dotted}: {message}")

    def check_keys(self, table: dict[str, Any], known: list[str], section: str | None) -> None:
        for key in table:
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise self.fail(key, section, f"unknown setting{suggestion}")

    def coerce(self, key: str, section: str | None, value: Any, default: Any) -> Any:
        expected = type(default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if expected is list:
            if isinstance(value, str):
                import shlex

                try:
                    return shlex.split(value)
                except ValueError as error:
                    raise self.fail(key, section, f"cannot split command: {error}") from None
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.fail(key, section, "must be a string or an array of strings")
            return value
        if expected is dict:
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise self.fail(key, section, "must be a table of strings")
            return dict(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise self.fail(
                key,
                section,
                f"must be {_toml_type(default)}, not {_toml_type(value)} ({value!r})",
            )
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise self.fail(key, section, f"must not be negative ({value!r})")
        return value


_POSITIVE = {
    ("fetch", "concurrency"),
    ("fetch", "per_host"),
    ("fetch", "connect_timeout"),
    ("fetch", "read_timeout"),
    ("fetch", "total_timeout"),
    ("fetch", "max_bytes"),
}


def parse_settings(text: str, path: Path) -> Settings:
    """Validate TOML text into Settings; raises ConfigError naming key and line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib (before Python 3.14) gives the place only inside its message: lift it to
        # the front, as for every other config error ("FILE:LINE: what is wrong").
        message = str(error)
        place = _TOML_PLACE.search(message)
        if place is None:
            raise ConfigError(f"{path}: not valid TOML: {message}") from None
        what = message[: place.start()].rstrip()
        raise ConfigError(
            f"{path}:{place['line']}: not valid TOML: {what} (column {place['column']})"
        ) from None
    check = _Validator(path, text)
    defaults = Settings()
    top_known = [f.name for f in fields(Settings)]
    check.check_keys(data, top_known, None)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                raise check.fail(key, None, "must be a table ([" + key + "])")
            section_type = _SECTIONS[key]
            section_default = getattr(defaults, key)
            known = [f.name for f in fields(section_type)]
            check.check_keys(value, known, key)
            section_values = {
                sub: check.coerce(sub, key, sub_value, getattr(section_default, sub))
                for sub, sub_value in value.items()
            }
            for sub, sub_value in section_values.items():
                if (key, sub) in _POSITIVE and sub_value <= 0:
                    raise check.fail(sub, key, f"must be greater than 0 ({sub_value!r})")
            values[key] = replace(section_default, **section_values)
        else:
            values[key] = check.coerce(key, None, value, getattr(defaults, key))
    return replace(defaults, **values)


def load_settings(path: Path, *, required: bool = False) -> Settings:
    """Read settings from `path`; a missing file gives the defaults unless `required`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{path}: no such file") from None
        return Settings()
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    return parse_settings(text, path)
