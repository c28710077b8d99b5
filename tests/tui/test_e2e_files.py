"""The installed `rex-tui` in tmux: the Files browser of an image and a diff of two tags."""

from __future__ import annotations

from engine.testing.registry import RegistryProcess
from tests.files.images import push_files_images
from tests.tui.test_e2e import Terminal, pytestmark  # noqa: F401
from tests.tui.test_e2e_guide import Start, tui  # noqa: F401


def _select(term: Terminal, text: str) -> None:
    term.press("/")
    term.press("-l", text)
    term.wait_for(f"/{text}")
    term.settled(quiet=0.3)
    term.press("Enter")


def test_files_browser_and_diff_in_a_terminal(
    tui: Start,  # noqa: F811
    fresh_registry: RegistryProcess,
) -> None:
    push_files_images(fresh_registry.url)
    term = tui([("local", fresh_registry.url)], cols=120, rows=40)
    term.wait_for("files/app")
    _select(term, "files/app")
    term.press("l")
    term.wait_for("Tags: files/app (2)")
    _select(term, "1")
    term.wait_for("Details: files/app:1")
    term.press("f")
    term.wait_for("Files: files/app:1", "15 entries", "▸ app/")
    term.press("Enter")
    term.wait_for("▾ app/", "main.py")
    term.press("j", "Enter")
    term.wait_for("/app/main.py (19 B)", "version 2")
    term.press("Escape")
    term.settled()  # an Escape followed at once by "]" would read as Alt+]
    term.press("]", "]")
    term.wait_for("Wasted: 5.2 KB (5,322 bytes)")
    term.press("Escape")
    term.settled()
    term.press("m")
    term.wait_for("marked files/app:1")
    term.press("Escape")  # the tag filter goes
    term.settled()
    _select(term, "2")
    term.wait_for("Details: files/app:2")
    term.press("D")
    term.wait_for("Diff files/app:1 -> files/app:2", "Files: 1 added, 0 removed, 2 changed")
    term.press("Escape")
    term.settled()
    term.press("q")
    assert term.exit_code() == 0
