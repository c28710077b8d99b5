"""The registries pane as a dashboard and the rate limit on the status bar, in tmux.

The registry states Docker Hub's rate-limit headers on its manifests (through the
fault proxy), as Docker Hub does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry
from tests.tui.test_e2e import REX_TUI, Terminal, open_tui  # noqa: F401  (a fixture)
from tests.tui.test_e2e_layout import pane_lines

pytestmark = pytest.mark.skipif(not REX_TUI.exists(), reason="rex-tui is not installed")

ROOT = Path(__file__).resolve().parents[2]
DOCKER_HUB = {"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "76;w=21600"}


Start = Callable[[str, int, int, str], Terminal]


@pytest.fixture
def start(request: pytest.FixtureRequest) -> Start:
    terminal: Callable[..., Terminal] = request.getfixturevalue("open_tui")

    def run(url: str, cols: int, rows: int, layout: str) -> Terminal:
        return terminal(
            url,
            cols,
            rows,
            env_extra={"PYTHONPATH": str(ROOT)},  # this tree, not wherever rex-tui came from
            config_extra=f'[tui]\nlayout = "{layout}"\n\n',
        )

    return run


def local_row_with(term: Terminal, text: str, timeout: float = 30.0) -> list[str]:
    """The registries pane's lines once the local registry's row shows `text`."""
    deadline = time.monotonic() + timeout
    while True:
        lines = pane_lines(term.screen(), "Registries")
        if any("● local" in line and text in line for line in lines):
            return lines
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never showed in the row; the screen:\n{term.screen()}")
        time.sleep(0.1)


def test_the_rate_limit_on_the_status_bar_and_the_dashboard_zoomed(
    start: Start, registry: SeededRegistry, fault_proxy: FaultProxy
) -> None:
    fault_proxy.add_headers(DOCKER_HUB, path="/manifests/")
    term = start(fault_proxy.url, 200, 30, "columns")
    shown = term.wait_for("Repositories (19)", "● local online")
    assert "rate limit" not in shown  # nothing stated it yet
    # Side by side, the registries pane is names and statuses only.
    assert "RATE LIMIT" not in shown and "LATENCY" not in shown
    for _ in range(3):  # deleted/gone -> docker/multi -> docker/single -> oci/multi
        term.press("j")
    term.press("Right")  # the tags of oci/multi: their manifests state the quota
    shown = term.wait_for("rate limit 76/100 (per 6h)")
    status_line = shown.rstrip().splitlines()[-1]
    assert "rate limit 76/100 (per 6h)" in status_line
    term.press("Left", "Left", "z")  # the registries pane, zoomed: the whole dashboard
    shown = term.wait_for("RATE LIMIT", "LAST ERROR")
    rows = local_row_with(term, "76/100 (per 6h)")  # the pane catches up within a second
    header = next(line for line in rows if "NAME" in line)
    order = ["STATUS", "LATENCY", "AUTH", "REPOS", "STORAGE", "SYNCED", "RATE LIMIT"]
    assert [header.index(h) for h in order] == sorted(header.index(h) for h in order)
    local = next(line for line in rows if "● local" in line)
    for cell in ("online", " ms", "anonymous", "19", "just now", "76/100 (per 6h)"):
        assert cell in local, (cell, shown)
    term.press("q")
    assert term.exit_code() == 0


def test_narrow_stacked_dashboard_keeps_name_and_status_first(
    start: Start, registry: SeededRegistry
) -> None:
    term = start(registry.url, 60, 20, "stacked")
    term.wait_for("Repositories (19)")
    term.press("Left")  # the registries pane, full width
    shown = term.wait_for("● local online")
    rows = pane_lines(shown, "Registries")
    header = next(line for line in rows if "NAME" in line)
    assert header.split()[:2] == ["NAME", "STATUS"]
    # At 60 columns the first to stay after the status: the rate limit, the count.
    assert "RATE LIMIT" in header and "REPOS" in header
    assert "LAST ERROR" not in header and "SYNCED" not in header
    local = next(line for line in rows if "● local" in line)
    assert local.split()[2] == "online" and "19" in local
    term.press("q")
    assert term.exit_code() == 0
