"""The `?` overlay, generated from the command registry: the focused pane's keys, the global
keys, then the `:` commands (with the keys that run the same thing).

Entries are (keys, name, help) triples; the help text wraps in its own column,
so the overlay fits 80x24 without cutting words, and it scrolls.
"""

from __future__ import annotations

import urwid

from rex_tui.keymap import Keymap
from rex_tui.tui.commands import ALIASES, COMMANDS
from rex_tui.tui.views import ScrollView

__all__ = ["HelpView", "help_entries", "help_lines", "help_rows"]

Entry = tuple[str, str, str] | str
"""A heading, or (keys, name, help)."""

_KEYS = 14
_NAME = 20


def _command_usage(name: str, argument: str | None) -> str:
    return f":{name}" + (f" {argument.upper()}" if argument else "")


def help_entries(keymap: Keymap, context: str) -> list[Entry]:
    entries: list[Entry] = []
    sections = [context] if context != "global" else []
    for name in [*sections, "global"]:
        entries.append(f"{name} keys")
        grouped: dict[tuple[str, str], list[str]] = {}
        for b in keymap.bindings(name):  # one row per action: "j, down  move_down ..."
            grouped.setdefault((b.action, b.help), []).append(b.display)
        entries.extend((", ".join(keys), action, text) for (action, text), keys in grouped.items())
        if not grouped:
            entries.append(("", "", "(none of its own: the global keys below apply)"))
        entries.append("")
    entries.append(": commands (Tab completes, ↑/↓ recall)")
    aliases = {full: short for short, full in ALIASES.items()}
    for command in COMMANDS.values():
        keys = keymap.keys_anywhere(command.action) if command.action else []
        also = [f":{aliases[command.name]}"] if command.name in aliases else []
        entries.append(
            (_command_usage(command.name, command.argument), " ".join(keys + also), command.help)
        )
    entries.append("")
    entries.append("Esc or ? closes this help; j/k and PgUp/PgDn scroll. Keys: the active keymap.")
    return entries


def help_lines(keymap: Keymap, context: str) -> list[list[str | tuple[str, str]]]:
    """One line of markup per entry (for tests and plain text)."""
    lines: list[list[str | tuple[str, str]]] = []
    for entry in help_entries(keymap, context):
        if isinstance(entry, str):
            lines.append([("help.heading", entry)] if entry else [""])
        else:
            keys, name, text = entry
            lines.append(
                [("help.key", f"  {keys:<{_KEYS}}"), ("help.action", f"{name:<{_NAME}}"), text]
            )
    return lines


def help_rows(keymap: Keymap, context: str) -> list[urwid.Widget]:
    """The overlay's rows: the help text wraps in its column, keys and names never do."""
    rows: list[urwid.Widget] = []
    for entry in help_entries(keymap, context):
        if isinstance(entry, str):
            rows.append(urwid.Text(("help.heading", entry) if entry else ""))
            continue
        keys, name, text = entry
        rows.append(
            urwid.Columns(
                [
                    (_KEYS + 2, urwid.Padding(urwid.Text(("help.key", keys)), left=2)),
                    (_NAME + 1, urwid.Text(("help.action", name), wrap="ellipsis")),
                    urwid.Text(("help", text)),
                ]
            )
        )
    return rows


class HelpView(ScrollView):
    """The keys of the context it was opened from, the global keys and the `:` commands."""

    width = ("relative", 96)
    height = ("relative", 96)
