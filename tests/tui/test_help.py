"""The help overlay is generated from the command registry: the keymap and the `:` commands."""

from __future__ import annotations

import pytest

from rex_tui.keymap import load_keymap
from rex_tui.tui.commands import COMMANDS
from rex_tui.tui.help import help_lines, help_rows
from rex_tui.tui.views import ScrollView


def text(line: list[str | tuple[str, str]]) -> str:
    return "".join(part if isinstance(part, str) else part[1] for part in line)


def test_help_shows_the_pane_keys_then_global() -> None:
    keymap = load_keymap("vim").keymap
    lines = [text(line) for line in help_lines(keymap, "tags")]
    assert lines[0] == "tags keys"
    assert "global keys" in lines
    assert any(line.strip().startswith("q") and "quit" in line for line in lines)
    view = ScrollView(keymap, "Help (vim)", help_rows(keymap, "tags"), lambda: None)
    canvas = view.widget.render((100, 20))
    assert b"Help (vim)" in canvas.text[0]


def test_help_lists_every_colon_command_with_its_keys() -> None:
    keymap = load_keymap("vim").keymap
    lines = [text(line) for line in help_lines(keymap, "repositories")]
    heading = lines.index(": commands (Tab completes, ↑/↓ recall)")
    listed = lines[heading + 1 :]
    for name in COMMANDS:
        assert any(line.strip().startswith(f":{name}") for line in listed), name
    quit_line = next(line for line in listed if line.strip().startswith(":quit "))
    assert " q " in f" {quit_line} " and ":q" in quit_line


@pytest.mark.parametrize("keymap_name", ["vim", "default"])
def test_help_fits_80x24_without_cutting_the_help_text(keymap_name: str) -> None:
    keymap = load_keymap(keymap_name).keymap
    rows = help_rows(keymap, "tags")
    # The overlay's inside at 80x24 (96% of it, minus the border): 74 columns.
    rendered = [row.decode().rstrip() for widget in rows for row in widget.render((74,)).text]
    assert all(len(line) <= 74 for line in rendered)
    words = " ".join(rendered)
    for binding in keymap.bindings("tags"):
        for word in binding.help.split():
            assert word in words, (binding.help, word)


def test_the_help_view_scrolls_a_page_and_closes_on_esc() -> None:
    keymap = load_keymap("vim").keymap
    closed: list[bool] = []
    view = ScrollView(keymap, "Help", help_rows(keymap, "tags"), lambda: closed.append(True))
    view.size = (76, 22)
    first = view.widget.render((76, 22)).text
    view.handle("ctrl f")
    assert view.widget.render((76, 22)).text != first
    view.handle("G")
    assert b"Esc or ? closes" in b"".join(view.widget.render((76, 22)).text)
    view.handle("esc")
    assert closed == [True]
