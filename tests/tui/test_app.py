"""The whole app in-process against real registries: panes, keys, dialogs, errors.

Each test drives the real `App` through its input filter and reads the rendered
screen (tests/tui/harness.py); the registries are the suite's real Distribution
processes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from engine.testing.registry import USERS
from rex_tui.tui.app import terminal_colors
from tests.print.filekeyring import FileKeyring
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry
from tests.tui.harness import Harness, running_app


def select_repository(ui: Harness, name: str) -> None:
    """Filter the repositories down to `name` and keep the filter."""
    ui.press("/")
    ui.type(name)
    ui.press("enter")


def row_index(ui: Harness, text: str) -> int:
    return next(i for i, line in enumerate(ui.canvas_rows()) if text in line)


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The keyring the credential store writes to: a JSON file (no Secret Service here)."""
    path = tmp_path / "keyring.json"
    monkeypatch.setenv("REX_TEST_KEYRING", str(path))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())  # type: ignore[no-untyped-call]
    yield path
    keyring.set_keyring(previous)


# -- the panes -------------------------------------------------------------------------


async def test_panes_show_repositories_tags_and_details(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        screen = await ui.wait_for("oci/single", "tags/many", "online")
        assert "● local" in screen
        select_repository(ui, "oci/single")
        await ui.wait_for("Tags: oci/single (", "1.0.1", "latest")
        ui.press("l")  # into the tags
        # At 160 columns the tags keep CREATED (DIGEST gives way first: docs/guide.md).
        await ui.wait_for("Details: oci/single:", "CREATED", "68.7 KB")  # the pull size
        await ui.wait_for("Created", "linux/amd64")
        # The repository's row learnt its tag count (not its sha256-… artifact tag) and
        # when it was last updated.
        await ui.wait_until(
            lambda: any(
                "│oci/single " in line and " 4 " in line and "2024-09-01" in line  # 2.0's date
                for line in ui.canvas_rows()
            )
        )


async def test_details_sections_raw_json_and_referrers(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)], cols=200, rows=45) as ui:
        await ui.wait_for("oci/single")
        select_repository(ui, "oci/single")
        await ui.wait_for("1.0.1")
        ui.press("l")
        ui.press("/")
        ui.type("1.0")
        ui.press("enter")  # the filter keeps 1.0 first: an exact match scores highest
        await ui.wait_for("Details: oci/single:1.0", "Created")
        ui.press("l")  # into the details
        for _ in range(5):
            ui.press("]")
        screen = await ui.wait_for("application/vnd.example.sbom.v1+json")
        assert "Referrers" in screen
        ui.press("v")  # raw manifest, highlighted
        screen = await ui.wait_for('"schemaVersion"')
        assert ui.style_of('"schemaVersion"') not in (None, "details.value")
        ui.press("v")  # back to the section it came from: the referrers
        await ui.wait_for("application/vnd.example.sbom.v1+json")
        assert '"schemaVersion"' not in ui.screen()


async def test_tag_counts_appear_for_repositories_on_screen(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        await ui.wait_for("tags/many")
        await ui.wait_until(
            lambda: any("tags/many" in line and " 30 " in line for line in ui.canvas_rows())
        )


async def test_sort_cycle_and_filter_next(registry: SeededRegistry, tmp_path: Path) -> None:
    async with running_app(tmp_path, [("local", registry.url)], rows=50) as ui:
        await ui.wait_for("tags/many")
        select_repository(ui, "tags/many")
        await ui.wait_for("Tags: tags/many (30)")
        await ui.wait_until(lambda: "…" not in ui.screen())
        # A new list starts on its first row: the newest tag, not where the cursor was.
        tags = ui.app.tags
        assert tags.focused_row is tags.table.match(0)[0]
        assert ui.app.browser.tag == tags.table.match(0)[0].name
        ui.press("l")
        ui.press("s")  # date -> size
        assert ui.app.browser.tag_sort == "size"
        ui.press("s")  # size -> name
        screen = await ui.wait_for("tags sorted by name")
        names = [ln.split("│")[5].split()[0] for ln in ui.canvas_rows() if "│v" in ln]
        assert names[:3] == ["v1.0.0", "v1.0.1", "v1.0.2"]
        ui.press("/")
        ui.type("v2.0")
        ui.press("enter")
        await ui.wait_until(lambda: ui.app.tags.table.total == 10)
        first = ui.app.browser.tag
        ui.press("n")
        assert ui.app.browser.tag != first
        ui.press("N")
        assert ui.app.browser.tag == first
        assert "/v2.0" in screen or "/v2.0" in ui.screen()


# -- layouts and themes --------------------------------------------------------------


async def test_narrow_terminal_drills_down_one_pane_at_a_time(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)], cols=80, rows=24) as ui:
        screen = await ui.wait_for("Repositories (")
        assert "Registries" not in screen and "Tags" not in screen
        select_repository(ui, "oci/multi")
        ui.press("enter")
        screen = await ui.wait_for("Tags: oci/multi")
        assert "Repositories" not in screen
        ui.press("enter")
        await ui.wait_for("Details: oci/multi:latest", "linux/arm64")
        ui.press("esc")
        await ui.wait_for("Tags: oci/multi")
        assert all(len(line) <= 80 for line in ui.canvas_rows())


async def test_theme_switches_at_run_time(registry: SeededRegistry, tmp_path: Path) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        await ui.wait_for("oci/single")
        ui.press("t")
        assert ui.app.theme.name == "light"
        await ui.wait_for("theme: light")
        ui.press(":")
        ui.type("theme dark")
        ui.press("enter")
        assert ui.app.theme.name == "dark"
        ui.press(":")
        ui.type("theme nope")
        ui.press("enter")
        assert ui.app.theme.name == "dark"
        await ui.wait_for("nope")


async def test_mouse_click_selects_and_wheel_scrolls(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        await ui.wait_for("docker/single")
        row = row_index(ui, "docker/single")
        col = ui.canvas_rows()[row].index("docker/single")
        ui.app.frame.mouse_event(ui.size, "mouse press", 1, col, row, True)
        assert ui.app.browser.repository == "docker/single"
        await ui.wait_for("Tags: docker/single")
        before = ui.app.repos.walker.focus
        ui.app.frame.mouse_event(ui.size, "mouse press", 5, col, row, True)
        assert ui.app.repos.walker.focus == before + 3


# -- errors ------------------------------------------------------------------------------


async def test_an_offline_registry_shows_its_error_and_hint(
    stopped_registry_url: str, tmp_path: Path
) -> None:
    extra = "\n[network]\nretry_attempts = 0\ntimeout = 2\n"
    async with running_app(tmp_path, [("gone", stopped_registry_url)], extra_config=extra) as ui:
        screen = await ui.wait_for("offline", "✗")
        assert "registry running" in screen.lower() or "hint" not in screen
        assert ui.app.status.state.error is not None
        assert "Traceback" not in screen


async def test_a_closed_catalog_shows_the_configured_repositories(
    fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    fault_proxy.status(404, path="/v2/_catalog", times=None)
    extra = 'repositories = ["oci/single"]\n'
    async with running_app(tmp_path, [("closed", fault_proxy.url)], extra_config=extra) as ui:
        await ui.wait_for("catalog closed", "oci/single", ":add-repo NAME adds one")
        ui.press(":")
        ui.type("add-repo public/hello")
        ui.press("enter")
        await ui.wait_for("public/hello")
        assert "public/hello" in (tmp_path / "config.toml").read_text()


async def test_a_closed_catalog_without_repositories_says_how_to_add_one(
    fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    fault_proxy.status(404, path="/v2/_catalog", times=None)
    async with running_app(tmp_path, [("closed", fault_proxy.url)]) as ui:
        await ui.wait_for("catalog closed", "Type :add-repo NAME")


# -- dialogs -----------------------------------------------------------------------------


async def test_login_dialog_checks_then_stores_the_credentials(
    basic_registry: SeededRegistry, tmp_path: Path, file_keyring: Path
) -> None:
    async with running_app(tmp_path, [("secure", basic_registry.url)]) as ui:
        await ui.wait_for("auth required")
        ui.press("h")  # the registries pane
        ui.press("i")
        await ui.wait_for("Log in to")
        ui.type("alice")
        ui.press("tab")
        ui.type("wrong-password")
        screen = ui.screen()
        assert "wrong-password" not in screen and "••••" in screen
        ui.press("enter")
        await ui.wait_for("✗ authentication failed")
        assert not file_keyring.exists()
        ui.press(*["backspace"] * len("wrong-password"))
        ui.type(USERS["alice"])
        ui.press("enter")
        screen = await ui.wait_for("logged in to", "oci/single")
        assert ui.app.dialog is None
        assert USERS["alice"] not in screen
        stored = json.loads(file_keyring.read_text())
        assert any(USERS["alice"] in value for value in stored.values())
        await ui.wait_for("online")
        # And out again, after a confirmation.
        ui.press("o")
        await ui.wait_for("Remove the stored login")
        ui.press("y")
        await ui.wait_for("logged out of")
        assert USERS["alice"] not in file_keyring.read_text()


async def test_add_registry_dialog_checks_and_saves(
    registry: SeededRegistry, stopped_registry_url: str, tmp_path: Path
) -> None:
    extra = "\n[network]\nretry_attempts = 0\ntimeout = 2\n"
    async with running_app(tmp_path, [("local", registry.url)], extra_config=extra) as ui:
        await ui.wait_for("oci/single")
        ui.press("h", "a")
        await ui.wait_for("Add a registry")
        ui.type("second")
        ui.press("tab")
        ui.press(*["backspace"] * len("https://"))
        ui.type(stopped_registry_url)
        ui.press("enter")
        await ui.wait_for("✗ ")  # it does not answer: nothing saved
        assert "second" not in (tmp_path / "config.toml").read_text()
        ui.press(*["backspace"] * len(stopped_registry_url))
        ui.type(registry.url)
        ui.press("enter")
        screen = await ui.wait_for("added registry second")
        assert "  second" in screen
        assert 'name = "second"' in (tmp_path / "config.toml").read_text()
        # Esc closes a dialog without doing anything.
        ui.press("a")
        await ui.wait_for("Add a registry")
        ui.press("esc")
        assert ui.app.dialog is None


async def test_remove_registry_asks_first(registry: SeededRegistry, tmp_path: Path) -> None:
    registries = [
        ("local", registry.url),
        ("other", registry.url.replace("127.0.0.1", "localhost")),
    ]
    async with running_app(tmp_path, registries) as ui:
        await ui.wait_for("  other")
        ui.press("h", "j")  # registries pane, second row
        ui.press("d")
        await ui.wait_for("Remove other")
        ui.press("n")
        assert ui.app.dialog is None
        assert 'name = "other"' in (tmp_path / "config.toml").read_text()
        ui.press("d")
        await ui.wait_for("Remove other")
        ui.press("y")
        await ui.wait_for("removed registry other")
        assert 'name = "other"' not in (tmp_path / "config.toml").read_text()
        assert "  other" not in ui.screen()


async def test_default_keymap_function_keys(registry: SeededRegistry, tmp_path: Path) -> None:
    async with running_app(tmp_path, [("local", registry.url)], keymap="default") as ui:
        await ui.wait_for("oci/single")
        ui.press("f7")
        await ui.wait_for("Add a registry")
        ui.press("esc")
        ui.press("f1")
        await ui.wait_for("Help (default)")
        ui.press("esc")
        assert not ui.app.help_shown


def test_colour_depth_follows_the_terminal() -> None:
    assert terminal_colors({"TERM": "xterm-256color"}) == 256
    assert terminal_colors({"TERM": "xterm", "COLORTERM": "truecolor"}) == 2**24
    assert terminal_colors({"TERM": "linux"}) == 16
    assert terminal_colors({}) == 16


async def test_switching_registries_shows_the_new_one_only(
    registry: SeededRegistry, fresh_registry: object, tmp_path: Path
) -> None:
    other = fresh_registry.url  # type: ignore[attr-defined]
    async with running_app(tmp_path, [("local", registry.url), ("empty", other)]) as ui:
        await ui.wait_for("oci/single")
        ui.press(":")
        ui.type("registry empty")
        ui.press("enter")
        await ui.wait_for("● empty", "Repositories (0)")
        assert "oci/single" not in ui.screen()
        ui.press(":")
        ui.type("registry local")
        ui.press("enter")
        await ui.wait_for("● local", "oci/single")
