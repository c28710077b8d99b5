"""The examples in docs/guide.md work: its theme and keymap snippets load without errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from rex_tui.keymap import load_keymap
from rex_tui.palette import load_theme

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "guide.md").read_text()
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", GUIDE, re.DOTALL)


def test_the_guide_has_a_theme_and_a_keymap_example() -> None:
    assert len(TOML_BLOCKS) == 2


def test_the_theme_example_loads(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(TOML_BLOCKS[0])
    result = load_theme("mine", user_dir=tmp_path)
    assert result.errors == []
    assert result.theme.name == "mine"


def test_the_keymap_example_added_to_a_copy_of_vim_loads(tmp_path: Path) -> None:
    copy = tmp_path / "vim.toml"
    shutil.copy(ROOT / "keymaps" / "vim.toml", copy)
    copy.write_text(copy.read_text() + "\n" + TOML_BLOCKS[1])
    result = load_keymap("vim", user_dir=tmp_path)
    assert result.errors == []
    assert result.keymap.lookup("global", "ctrl r") == "hard_refresh"
