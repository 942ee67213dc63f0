"""Help generated from the live bindings of each pane, with the user's keymap applied."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ItemGrid, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Label, Static

TIPS = (
    "Links in an article are numbered: press 1-9 in the reader, or f and any number.",
    "A marks everything listed as read; u undoes it.",
    "ctrl+p finds any command or feed by name.",
)


@dataclass(frozen=True, slots=True)
class HelpRow:
    """One line of help: the keys and what they do."""

    keys: str
    description: str


@dataclass(frozen=True, slots=True)
class HelpGroup:
    """The bindings of one pane or screen."""

    title: str
    rows: tuple[HelpRow, ...]
    focused: bool = False
    """The pane that has focus (its bindings are the ones active now)."""


def effective_bindings(bindings: Iterable[BindingType], keymap: Mapping[str, str]) -> list[Binding]:
    """The bindings as declared, with keys replaced where the keymap names their id."""
    result: list[Binding] = []
    remapped: set[str] = set()
    for binding in Binding.make_bindings(bindings):
        if binding.id is not None and binding.id in keymap:
            if binding.id in remapped:
                continue
            remapped.add(binding.id)
            for key in keymap[binding.id].split(","):
                result.append(replace(binding, key=key.strip()))
        else:
            result.append(binding)
    return result


def keymap_problems(
    keymap: Mapping[str, str], binding_tables: Iterable[Iterable[BindingType]]
) -> list[str]:
    """Keymap entries naming no binding, and keys bound twice within one table.

    Textual reports a clash only when the key was bound by another keymap entry, so a
    remap onto a key that a default binding of the same pane already uses is checked here.
    """
    problems: list[str] = []
    tables = [list(Binding.make_bindings(table)) for table in binding_tables]
    known = {binding.id for table in tables for binding in table if binding.id}
    for binding_id in keymap:
        if binding_id not in known:
            hint = difflib.get_close_matches(binding_id, sorted(known), n=1)
            suggestion = f" (did you mean {hint[0]}?)" if hint else ""
            problems.append(f"keymap: no binding {binding_id!r}{suggestion}")
    for table in tables:
        owners: dict[str, set[str]] = {}
        for binding in effective_bindings(table, keymap):
            owners.setdefault(binding.key, set()).add(binding.id or binding.action)
        for key, ids in owners.items():
            if len(ids) > 1 and any(binding_id in keymap for binding_id in ids):
                problems.append(f"keymap: {key!r} is bound to {', '.join(sorted(ids))}")
    return problems


def _compact_keys(keys: list[str]) -> str:
    if len(keys) > 3:
        return f"{keys[0]}-{keys[-1]}"
    return ", ".join(keys)


def help_group(
    app: App[object],
    title: str,
    bindings: Iterable[BindingType],
    keymap: Mapping[str, str],
    *,
    focused: bool = False,
) -> HelpGroup:
    """Turn a node's bindings into help rows: one row per action (or binding group)."""
    keys_by_row: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    for binding in effective_bindings(bindings, keymap):
        if binding.system or not binding.description:
            continue
        if binding.group is not None:
            row_id, description = f"group:{binding.group.description}", binding.group.description
        else:
            row_id, description = binding.id or binding.action, binding.description
        keys_by_row.setdefault(row_id, []).append(app.get_key_display(binding))
        descriptions.setdefault(row_id, description)
    rows = tuple(
        HelpRow(_compact_keys(keys), descriptions[row_id]) for row_id, keys in keys_by_row.items()
    )
    return HelpGroup(title, rows, focused)


def node_help(
    app: App[object], node: DOMNode, keymap: Mapping[str, str], *, focused: bool = False
) -> HelpGroup:
    """Help for one live widget or screen, titled by its BINDING_GROUP_TITLE."""
    title = getattr(node, "BINDING_GROUP_TITLE", None) or type(node).__name__
    return help_group(app, title, type(node).BINDINGS, keymap, focused=focused)


def _group_table(group: HelpGroup) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True, min_width=9)
    table.add_column()
    for row in group.rows:
        table.add_row(Text(row.keys), Text(row.description))
    return table


class HelpScreen(ModalScreen[None]):
    """Every key, grouped per pane; the focused pane's group is marked."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close help", id="help.close"),
    ]

    def __init__(self, groups: list[HelpGroup]) -> None:
        super().__init__()
        self.groups = groups
        """What to show, built from the live bindings by the caller."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-help") as dialog:
            dialog.border_title = "newsterm keys"
            dialog.border_subtitle = "Esc to close"
            with VerticalScroll(id="help-scroll"):
                for tip in TIPS:
                    yield Label(tip, classes="hint", markup=False)
                with ItemGrid(min_column_width=38, id="help-grid"):
                    for group in self.groups:
                        title = f"{group.title} (here)" if group.focused else group.title
                        with Vertical(
                            classes="help-group -focused" if group.focused else "help-group"
                        ):
                            yield Label(title, classes="help-title", markup=False)
                            yield Static(_group_table(group), markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
