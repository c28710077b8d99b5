"""The storage view in the real `rex-tui`, in tmux: `:storage`, the `u` key, drilling down."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.support.seed import SeededRegistry
from tests.tui.test_e2e import Terminal
from tests.tui.test_e2e_subjects import OpenTui, tui

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

__all__ = ["tui"]  # the fixture, shared with the other end-to-end tests


def wait_closed(term: Terminal, timeout: float = 30.0) -> None:
    """Until the storage view is off the screen (the panes' titles show around it)."""
    deadline = time.monotonic() + timeout
    while "storage: local" in term.screen():
        assert time.monotonic() < deadline, f"the view stayed open:\n{term.screen()}"
        time.sleep(0.1)


def test_storage_command_drills_down_and_back(tui: OpenTui, registry: SeededRegistry) -> None:
    term = tui(registry.url, 140, 36)
    term.wait_for("Repositories (19)")
    term.press(":", "storage", "Enter")
    shown = term.wait_for("NAMESPACE", "sorted by size")
    term.wait_for("blobs, manifests")  # the crawl finished: its totals are in the header
    shown = term.screen()
    assert "oci" in shown and "paged" in shown and "(top level)" not in shown
    term.press("Enter")  # the biggest namespace: oci
    shown = term.wait_for("REPOSITORY", "oci/single", "oci/multi")
    term.press("Enter")  # oci/single's tags
    shown = term.wait_for("TAG", "1.0.1", "PLATFORMS")
    term.press("Escape")
    term.press("Escape")
    term.wait_for("NAMESPACE")
    term.press("s")  # by name: deleted first
    shown = term.wait_for("sorted by name")
    lines = [line for line in shown.splitlines() if "deleted" in line or "tags " in line]
    assert lines and "deleted" in lines[0]
    term.press("Escape")  # closed: the panes again, usable
    wait_closed(term)
    term.press("q")
    assert term.exit_code() == 0


def test_u_on_the_registries_pane_opens_storage(tui: OpenTui, registry: SeededRegistry) -> None:
    term = tui(registry.url, 140, 36)
    term.wait_for("Repositories (19)")
    term.press("h")  # the registries pane
    term.press("u")
    term.wait_for("NAMESPACE", "storage: local", "blobs, manifests")
    term.press("q")  # closes the view, then quits
    wait_closed(term)
    term.press("q")
    assert term.exit_code() == 0
