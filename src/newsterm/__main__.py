"""Entry point: `newsterm` and `python -m newsterm`."""

from __future__ import annotations

import sys


def main() -> None:
    from newsterm.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
