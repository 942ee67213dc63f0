"""newsterm: a fast, keyboard-first terminal feed reader."""

__version__ = "0.1.0"

USER_AGENT = f"newsterm/{__version__} (+https://github.com/newsterm/newsterm; terminal feed reader)"
