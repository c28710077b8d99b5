"""The registries pane as a dashboard, and the rate limit on the status bar, as canvases."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import RateLimit, RegistryStatus, Rex
from rex_tui.dashboard import duration, rate_limit_text
from rex_tui.tui.browse import Browser
from rex_tui.tui.layout import PaneLayout
from rex_tui.tui.registries import RegistriesPane, registry_row
from rex_tui.tui.rows import Row
from rex_tui.tui.statusbar import StatusBar
from tests.support.faultproxy import FaultProxy
from tests.tui.harness import running_app
from tests.tui.test_app import select_repository

NOW = 1_800_000_000.0
HUB = RateLimit(100, 76, 21600.0, NOW + 5 * 3600 + 12 * 60, NOW - 5)


def checked(name: str, status: str, **facts: object) -> RegistryStatus:
    values: dict[str, object] = {
        "name": name,
        "url": f"https://{name}.example",
        "host": f"{name}.example",
        "status": status,
        "latency_ms": 12.4,
        "auth": "bearer",
        "api_version": "registry/2.0",
        "repositories": 1204,
        "storage_bytes": 7_651_328,
        "synced_at": NOW - 180,
        "last_error": None,
        "last_error_at": None,
        "rate_limit": None,
        "checked_at": NOW,
    }
    values.update(facts)
    return RegistryStatus(**values)  # type: ignore[arg-type]


def dashboard() -> RegistriesPane:
    pane = RegistriesPane()
    rows = [
        registry_row("hub", current=True, status="online", dashboard=checked("hub", "online"),
                     rate_limit=HUB, now=NOW),
        registry_row("gone", current=False, status="offline",
                     dashboard=checked("gone", "offline", latency_ms=None, auth=None,
                                       repositories=None, storage_bytes=None, synced_at=None,
                                       last_error="failed to connect: connection refused\nmore"),
                     rate_limit=None, now=NOW),
        registry_row("new", current=False, status="…", dashboard=None, rate_limit=None, now=NOW),
    ]  # fmt: skip
    pane.set_rows(rows)
    return pane


def rendered(pane: RegistriesPane, cols: int) -> list[str]:
    return [line.decode().rstrip() for line in pane.render((cols, 7)).text]


def headers(lines: list[str]) -> list[str]:
    return (
        lines[1]
        .strip("│")
        .replace("RATE LIMIT", "RATE_LIMIT")
        .replace("LAST ERROR", "LAST_ERROR")
        .split()
    )


def test_wide_shows_every_column_in_order() -> None:
    lines = rendered(dashboard(), 200)
    assert headers(lines) == ["NAME", "STATUS", "LATENCY", "AUTH", "REPOS", "STORAGE",
                              "SYNCED", "RATE_LIMIT", "LAST_ERROR"]  # fmt: skip
    hub = lines[2]
    for cell in ("● hub", "online", "12 ms", "bearer", "1,204", "7.3 MB", "3m ago",
                 "76/100 (resets in 5h 12m)"):  # fmt: skip
        assert cell in hub, (cell, hub)
    gone = lines[3]
    assert "offline" in gone and "never" in gone
    assert "failed to connect: connection refused" in gone and "more" not in gone  # one line
    assert lines[4].split("│")[1].split() == ["new", "…"]  # not checked yet: blank cells


@pytest.mark.parametrize("cols", range(12, 200, 7))
def test_columns_give_way_by_importance(cols: int) -> None:
    lines = rendered(dashboard(), cols)
    shown = headers(lines)
    kept = ["NAME", "STATUS", "RATE_LIMIT", "REPOS", "LATENCY", "AUTH", "STORAGE", "SYNCED"]
    present = [h for h in kept if h in shown]
    assert present == kept[: len(present)], (cols, shown)
    # The status is always there: in words, or as an icon.
    assert any(s in lines[2] for s in ("online", "✓")), (cols, lines[2])
    assert any(s in lines[3] for s in ("offline", "✗")), (cols, lines[3])


def test_beside_the_other_panes_it_asks_only_for_names_and_status() -> None:
    pane = dashboard()
    # Its widest name and its widest status, whole; the other columns need the width.
    assert pane.tiers()[-1] == len("│  gone offline│")
    assert pane.usable(300) == pane.tiers()[-1]
    assert len(pane.steady_tiers()) == 2
    b = Browser(Rex(), ["hub", "gone"], "hub", StatusBar())
    b.registries.set_rows(pane.table.rows)
    b.repos.set_rows([Row("team/app", ("3", "2 days ago"), key="team/app")])
    side = PaneLayout(b.panes, "columns")
    lines = [line.decode() for line in side.render((220, 8), focus=True).text]
    assert "RATE LIMIT" not in lines[1] and "STATUS" in lines[1]
    zoomed = PaneLayout(b.panes, "stacked")
    zoomed.focus_pane(0)
    lines = [line.decode() for line in zoomed.render((220, 8), focus=True).text]
    assert "RATE LIMIT" in lines[1] and "76/100 (resets in 5h 12m)" in lines[2]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (45, "45s"), (200, "3m 20s"), (180, "3m"), (18720, "5h 12m"), (7200, "2h"),
     (187200, "2d 4h"), (-1, "?"), (float("inf"), "?")],
)  # fmt: skip
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_rate_limit_wording() -> None:
    assert rate_limit_text(HUB, NOW) == "76/100 (resets in 5h 12m)"
    assert rate_limit_text(RateLimit(100, 76, 21600.0, None, NOW), NOW) == "76/100 (per 6h)"
    throttled = RateLimit(None, 0, None, NOW + 59 * 60, NOW, throttled=True)
    assert rate_limit_text(throttled, NOW) == "exhausted (resets in 59m)"
    assert rate_limit_text(RateLimit(100, None, None, None, NOW), NOW) == "?/100"
    assert rate_limit_text(None, NOW) == ""


def status_line(bar: StatusBar, cols: int = 120) -> str:
    return bar.render((cols,)).text[0].decode().rstrip()


def test_the_status_bar_shows_the_shown_registry_rate_limit() -> None:
    bar = StatusBar()
    bar.state.registry = "hub (https://registry-1.docker.io)"
    bar.update()
    assert "rate limit" not in status_line(bar)
    future = RateLimit(100, 76, 21600.0, None, NOW)
    bar.rate_limit = lambda: future
    bar.update()
    assert status_line(bar) == "hub (https://registry-1.docker.io) │ rate limit 76/100 (per 6h)"


def style_of(bar: StatusBar, text: str) -> str:
    row = next(iter(bar.render((120,)).content()))
    return next(str(attr) for attr, _cs, chunk in row if text in chunk.decode())


def test_a_low_or_exhausted_rate_limit_is_a_warning() -> None:
    bar = StatusBar()
    bar.rate_limit = lambda: RateLimit(100, 76, 21600.0, None, NOW)
    bar.update()
    assert "status.warning" not in style_of(bar, "rate limit 76/100 (per 6h)")
    bar.rate_limit = lambda: RateLimit(100, 5, 21600.0, None, NOW)
    bar.update()
    assert "status.warning" in style_of(bar, "rate limit 5/100 (per 6h)")
    bar.rate_limit = lambda: RateLimit(None, 0, None, NOW + 3600, NOW, throttled=True)
    bar.update()
    assert "status.warning" in style_of(bar, "rate limit exhausted (resets in")


# -- a live app: a registry that starts refusing with 429 ---------------------------------


async def test_a_429_turns_the_registry_rate_limited_with_when_it_lifts(
    fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    extra = "\n[network]\nretry_attempts = 0\n"
    async with running_app(tmp_path, [("local", fault_proxy.url)], extra_config=extra) as ui:
        await ui.wait_for("oci/single", "online")
        fault_proxy.status(429, headers={"Retry-After": "3600"}, path="/tags/list", times=None)
        select_repository(ui, "oci/single")
        await ui.wait_until(lambda: ui.app.browser.registry_status.get("local") == "rate-limited")
        screen = await ui.wait_for("rate-limited", "rate limit exhausted (resets in")
        assert "oci/single" in screen  # what was shown stays
        assert "status.warning" in str(ui.style_of("rate limit exhausted"))
        fault_proxy.clear_faults()
        ui.press("r")  # it answers again: the status follows
        await ui.wait_until(lambda: ui.app.browser.registry_status.get("local") == "online")
