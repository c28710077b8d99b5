"""The examples in docs/guide.md work: its theme, keymap and config snippets load cleanly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from rex_tui.keymap import load_keymap
from rex_tui.palette import load_theme

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "guide.md").read_text()
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", GUIDE, re.DOTALL)


def example(heading: str) -> str:
    """The first TOML block of the guide's section `heading`."""
    section = GUIDE.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    (first, *_) = re.findall(r"```toml\n(.*?)```", section, re.DOTALL)
    return str(first)


def test_every_toml_example_is_one_of_these() -> None:
    shown = {example(h) for h in ("Your own themes", "Your own keymap", "A team cache on Redis")}
    assert set(TOML_BLOCKS) == shown


def test_the_redis_example_is_a_valid_config(tmp_path: Path) -> None:
    from engine import load_config

    path = tmp_path / "config.toml"
    path.write_text(example("A team cache on Redis"))
    cache = load_config(path, env={}).config.cache
    assert cache.backend == "redis" and (cache.redis_url or "").startswith("rediss://")


def test_the_theme_example_loads(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(example("Your own themes"))
    result = load_theme("mine", user_dir=tmp_path)
    assert result.errors == []
    assert result.theme.name == "mine"


def test_the_keymap_example_added_to_a_copy_of_vim_loads(tmp_path: Path) -> None:
    copy = tmp_path / "vim.toml"
    shutil.copy(ROOT / "keymaps" / "vim.toml", copy)
    copy.write_text(copy.read_text() + "\n" + example("Your own keymap"))
    result = load_keymap("vim", user_dir=tmp_path)
    assert result.errors == []
    assert result.keymap.lookup("global", "ctrl r") == "hard_refresh"
