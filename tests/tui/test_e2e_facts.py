"""Image facts in the real TUI (tmux): aliases and badges in the tags pane, the details'
description, and y / Y / the copy menu putting text on the clipboard by OSC 52."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest

from engine.testing.registry import RegistryProcess
from tests.support.facts import REPO, push_facts
from tests.tui.test_e2e import Terminal, open_tui  # noqa: F401  (a fixture)

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

OpenTui = Callable[..., Terminal]


def clipboard(term: Terminal, text: str) -> None:
    """Wait until tmux's newest paste buffer (filled by OSC 52) is `text`."""
    import time

    deadline = time.monotonic() + 15
    got = ""
    while time.monotonic() < deadline:
        got = term.tmux("show-buffer", check=False)
        if got == text:
            return
        time.sleep(0.1)
    raise AssertionError(f"clipboard is {got!r}, not {text!r}; the screen:\n{term.screen()}")


def test_tags_show_aliases_and_badges_and_y_copies(
    open_tui: OpenTui,  # noqa: F811
    fresh_registry: RegistryProcess,
) -> None:
    pushed = push_facts(fresh_registry.url)
    host = fresh_registry.url.removeprefix("http://")
    term = open_tui(fresh_registry.url, cols=230, rows=40)
    # OSC 52 from the program goes into tmux's paste buffers.
    term.tmux("set-option", "-g", "set-clipboard", "on")
    term.wait_for(f"Tags: {REPO} (5, 3 hidden)")
    shown = term.wait_for("latest = 1.4 = 1.4.2", "sig+sbom", "SIG/SBOM")
    edge = next(line for line in shown.splitlines() if "│edge " in line)
    assert "sig" not in edge
    term.press("l")  # the tags pane: its first tag (the newest, edge), then latest
    term.wait_for("Details: facts/app:edge")
    term.press("j")
    shown = term.wait_for("Details: facts/app:latest", "The app, evil")
    assert "\\x1b]0;pwned\\x07" in shown  # the registry's escape, shown escaped
    assert "Apache-2.0" in shown and "1.4 = 1.4.2" in shown
    term.press("y")
    clipboard(term, f"docker pull {host}/{REPO}:latest")
    term.press("Y")
    clipboard(term, f"{host}/{REPO}@{pushed.latest.digest}")
    term.press("p")
    term.wait_for("podman pull --tls-verify=false", "crane pull --insecure")
    term.press("2")
    clipboard(term, f"podman pull --tls-verify=false {host}/{REPO}:latest")
    term.press("q")
    assert term.exit_code() == 0
