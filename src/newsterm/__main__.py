"""Entry point: `newsterm` and `python -m newsterm`."""

from __future__ import annotations

import gc
import sys


def main() -> None:
    # A launch creates some 40,000 objects that live as long as the process (modules,
    # classes, styles, widgets) and next to no garbage, yet the cycle collector walks
    # them over and over while they are made: about 50 ms of a start-up. It stays off
    # until the work is set up: at once for a command (`cli.main`), after the first
    # paint for the reader, which then freezes what start-up made (`NewstermApp.on_ready`).
    gc.disable()
    from newsterm.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
