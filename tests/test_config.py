"""Settings: defaults, validation messages that name the key and line, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsterm import paths
from newsterm.config import FetchSettings, Settings, load_settings, parse_settings
from newsterm.models import ConfigError


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "nope.toml") == Settings()


def test_missing_file_is_an_error_when_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "nope.toml", required=True)


def test_values_override_defaults(tmp_path: Path) -> None:
    text = """
refresh_interval = 15
mark_read_on_open = false
retention_days = 90

[fetch]
concurrency = 8
read_timeout = 5          # an integer where a float is expected is fine

[browser]
command = "w3m -o confirm_qq=false %u"
terminal = true

[keymap]
"article_list.next" = "j,down"
"""
    settings = parse_settings(text, tmp_path / "config.toml")
    assert settings.refresh_interval == 15
    assert settings.mark_read_on_open is False
    assert settings.retention_days == 90
    assert settings.fetch == FetchSettings(concurrency=8, read_timeout=5.0)
    assert settings.browser.command == ["w3m", "-o", "confirm_qq=false", "%u"]
    assert settings.browser.terminal is True
    assert settings.keymap == {"article_list.next": "j,down"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "refresh_intervall = 5\n",
            r"config.toml:1: refresh_intervall: unknown setting "
            r"\(did you mean 'refresh_interval'\?\)",
        ),
        (
            "\n\nrefresh_interval = 'often'\n",
            r"config.toml:3: refresh_interval: must be an integer, not a string",
        ),
        ("mark_read_on_open = 1\n", r"mark_read_on_open: must be a boolean, not an integer"),
        (
            "[fetch]\nconcurency = 3\n",
            r"config.toml:2: fetch.concurency: unknown setting \(did you mean 'concurrency'\?\)",
        ),
        ("[fetch]\nconcurrency = 0\n", r"fetch.concurrency: must be greater than 0"),
        ("retention_days = -1\n", r"retention_days: must not be negative"),
        ("fetch = 3\n", r"fetch: must be a table"),
        ("[browser]\ncommand = 'x \"unclosed'\n", r"browser.command: cannot split command"),
        ("refresh_interval = \n", r"config.toml:1: not valid TOML: Invalid value \(column 20\)"),
        ("a = 1\n[fetch\n", r"config.toml:2: not valid TOML: .* \(column \d+\)"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_binary_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(path)


def test_paths_follow_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSTERM_DATA_DIR", str(tmp_path / "env-data"))
    assert paths.data_dir() == tmp_path / "env-data"
    assert paths.data_dir(tmp_path / "flag") == tmp_path / "flag"
    monkeypatch.delenv("NEWSTERM_DATA_DIR")
    assert paths.data_dir().name == "newsterm"
    assert paths.config_file(tmp_path / "c.toml") == tmp_path / "c.toml"
    assert paths.config_file().name == "config.toml"
