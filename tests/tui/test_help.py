"""The help overlay is generated from the keymap in use."""

from __future__ import annotations

from rex_tui.keymap import load_keymap
from rex_tui.tui.help import help_lines, help_widget


def text(line: list[str | tuple[str, str]]) -> str:
    return "".join(part if isinstance(part, str) else part[1] for part in line)


def test_help_shows_the_pane_keys_then_global() -> None:
    keymap = load_keymap("vim").keymap
    lines = [text(line) for line in help_lines(keymap, "tags")]
    assert lines[0] == "tags keys"
    assert "global keys" in lines
    assert any(line.strip().startswith("q") and "quit" in line for line in lines)
    canvas = help_widget(keymap, "tags").render((100, 20))
    assert b"Help (vim)" in canvas.text[0]
