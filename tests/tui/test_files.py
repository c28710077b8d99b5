"""The Files browser and the diff view: pure rendering, then the app against a registry."""

from __future__ import annotations

from pathlib import Path

import urwid

from engine import FileEntry
from engine.layers.merge import merge_layers
from engine.testing.registry import RegistryProcess
from rex_tui.tui.files import FileTree, content_lines, tree_markup
from tests.files.images import push_files_images
from tests.tui.harness import Harness, running_app


def _entry(path: str, kind: str = "file", size: int = 0, layer: int = 1) -> FileEntry:
    return FileEntry(path, kind, size, 0o644, 0, 0, "", "", None, layer)


def _text(markup: list[object]) -> str:
    return "".join(p if isinstance(p, str) else p[1] for p in markup)  # type: ignore[index]


def test_tree_sums_sizes_and_folds() -> None:
    merged = merge_layers(
        [[_entry("/a", "dir"), _entry("/a/x", size=10), _entry("/b/deep/y", size=5)]]
    )
    tree = FileTree(merged.entries)
    folded = tree.rows(set())
    assert [(r.path, r.is_dir, r.size) for r in folded] == [("/a", True, 10), ("/b", True, 5)]
    opened = tree.rows({"/a", "/b"})
    assert [(r.path, r.depth) for r in opened] == [
        ("/a", 0),
        ("/a/x", 1),
        ("/b", 0),
        ("/b/deep", 1),  # listed by no layer: a directory all the same
    ]
    line = _text(tree_markup(opened[1], False))
    assert line == "     10 B L1      x"
    assert _text(tree_markup(opened[0], True)).endswith("▾ a/")


def test_tree_escapes_hostile_names() -> None:
    tree = FileTree([_entry("/evil\x1b[2J")])
    assert "evil\\x1b[2J" in _text(tree_markup(tree.rows(set())[0], False))


def test_text_is_highlighted_and_binary_is_a_hex_head() -> None:
    source = b"import os\nprint('\x1b[31m')\n"
    lines = content_lines("/app/main.py", source, len(source))
    assert len(lines) == 2
    styles = {part[0] for part in lines[0] if isinstance(part, tuple)}
    assert len(styles) > 1  # `import` and the rest differ
    canvas = urwid.Text(lines[1]).render((60,))
    assert "\\x1b[31m" in canvas.text[0].decode()
    hexed = content_lines("/bin/tool", b"\x7fELF\x00\x01" + b"x" * 20, 26)
    assert _text(hexed[0]).startswith("00000000  7f 45 4c 46 00 01 78")
    assert _text(hexed[0]).endswith(".ELF..xxxxxxxxxx")
    assert _text(hexed[-1]) == "binary, 26 bytes; the first 4,096 shown"


async def _open_tag(ui: Harness, tag: str) -> None:
    ui.press("/")
    ui.type("files/app")
    ui.press("enter")
    await ui.wait_for("Tags: files/app")
    ui.press("l", "/")
    ui.type(tag)
    ui.press("enter")
    await ui.wait_for(f"Details: files/app:{tag}")


async def test_files_browser_tree_layers_and_waste(
    fresh_registry: RegistryProcess, tmp_path: Path
) -> None:
    push_files_images(fresh_registry.url)
    async with running_app(tmp_path, [("local", fresh_registry.url)], cols=140) as ui:
        await ui.wait_for("files/app")
        await _open_tag(ui, "1")
        ui.press("f")
        await ui.wait_for("Files: files/app:1", "15 entries", "▸ app/", "▸ usr/")
        ui.press("enter")  # /app unfolds
        screen = await ui.wait_for("▾ app/", "main.py", "notes.txt")
        assert "     25 B L1  ▾ app/" in screen
        ui.press("j", "enter")  # main.py opens in its own view
        await ui.wait_for("/app/main.py (19 B)", "print", "version 2")
        ui.press("esc")
        ui.press("]")
        await ui.wait_for("Layer 1", "Layer 3", "whiteout")
        ui.press("]")
        await ui.wait_for("Wasted: 5.2 KB (5,322 bytes)", "/tmp/big")
        ui.press("esc")
        await ui.wait_until(lambda: "Files: files/app:1" not in ui.screen())


async def test_mark_a_tag_and_diff_it(fresh_registry: RegistryProcess, tmp_path: Path) -> None:
    push_files_images(fresh_registry.url)
    async with running_app(tmp_path, [("local", fresh_registry.url)], cols=140) as ui:
        await ui.wait_for("files/app")
        await _open_tag(ui, "1")
        ui.press("m")
        await ui.wait_for("marked files/app:1")
        ui.press("D")  # the same tag: an identical diff is still a diff
        await ui.wait_for("identical: both name the same manifest")
        ui.press("esc", "esc", "/")  # the view closes, then the tag filter clears
        ui.type("2")
        ui.press("enter")
        await ui.wait_for("Details: files/app:2")
        ui.press("D")
        await ui.wait_for("Diff files/app:1 -> files/app:2", "~ env MODE: one -> two")
        await ui.wait_for("Files: 1 added, 0 removed, 2 changed", "+ /app/new")
