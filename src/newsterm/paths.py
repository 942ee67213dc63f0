"""Where newsterm keeps its files (platformdirs), with the documented overrides."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "newsterm"
DATA_DIR_ENV = "NEWSTERM_DATA_DIR"
CONFIG_ENV = "NEWSTERM_CONFIG"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: `--data-dir`, else $NEWSTERM_DATA_DIR, else the platform's."""
    if override:
        return Path(override).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_file(override: str | os.PathLike[str] | None = None) -> Path:
    """The config file: `--config`, else $NEWSTERM_CONFIG, else the platform's config dir."""
    if override:
        return Path(override).expanduser()
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"
