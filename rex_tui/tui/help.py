"""The `?` overlay: the active keymap's bindings for the focused pane, then the global ones."""

from __future__ import annotations

import urwid

from rex_tui.keymap import Keymap

__all__ = ["help_lines", "help_widget"]


def help_lines(keymap: Keymap, context: str) -> list[list[str | tuple[str, str]]]:
    """One line per binding: keys, action, help; the pane's own first."""
    lines: list[list[str | tuple[str, str]]] = []
    sections = [(context, keymap.bindings(context))] if context != "global" else []
    sections.append(("global", keymap.bindings("global")))
    for name, bindings in sections:
        lines.append([("help.heading", f"{name} keys")])
        for binding in bindings:
            lines.append(
                [
                    ("help.key", f"  {binding.display:<14}"),
                    ("help.action", f"{binding.action:<20}"),
                    ("help", binding.help),
                ]
            )
        lines.append([""])
    lines.append([("muted", "Esc or ? closes this help. Keys come from the active keymap.")])
    return lines


def help_widget(keymap: Keymap, context: str) -> urwid.Widget:
    rows = [urwid.Text(line, wrap="clip") for line in help_lines(keymap, context)]
    body = urwid.ListBox(urwid.SimpleFocusListWalker(rows))
    return urwid.AttrMap(urwid.LineBox(body, title=f"Help ({keymap.name})"), "help")
