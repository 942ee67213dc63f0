"""Print the app's keys as a Markdown table, from the live bindings (for the README).

    python scripts/keys_table.py

The help screen is built from the same bindings, so the README and `?` never disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from textual.app import App  # noqa: E402 - after the path set-up
from textual.binding import Binding  # noqa: E402
from textual.dom import DOMNode  # noqa: E402

from newsterm.ui.app import NewstermApp  # noqa: E402
from newsterm.ui.screens.help import help_group  # noqa: E402
from newsterm.ui.screens.main import MainScreen  # noqa: E402
from newsterm.ui.widgets.article_list import ArticleList  # noqa: E402
from newsterm.ui.widgets.feed_list import FeedList  # noqa: E402
from newsterm.ui.widgets.reader import Reader  # noqa: E402

SECTIONS: list[tuple[str, type[DOMNode]]] = [
    ("Everywhere", MainScreen),
    ("Feed list", FeedList),
    ("Article list", ArticleList),
    ("Reader", Reader),
    ("App", NewstermApp),
]


def keys_markdown(app: App[object]) -> str:
    """One table: pane, keys, what they do (default keymap)."""
    lines = ["| Where | Keys | Action | Binding id |", "|---|---|---|---|"]
    for title, owner in SECTIONS:
        group = help_group(app, title, owner.BINDINGS, {})
        ids: dict[str, list[str]] = {}
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                label = binding.group.description if binding.group else binding.description
                ids.setdefault(label, []).append(binding.id)
        for row in group.rows:
            keys = row.keys.replace("|", "\\|")
            found = ids.get(row.description, [])
            binding_id = f"`{found[0]}`" if len(found) == 1 else ""
            if len(found) > 1:
                binding_id = f"`{found[0]}` … `{found[-1]}`"
            lines.append(f"| {title} | `{keys}` | {row.description} | {binding_id} |")
    return "\n".join(lines)


def main() -> int:
    print(keys_markdown(App()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
