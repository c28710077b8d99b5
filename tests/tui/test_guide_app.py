"""The screen tells you what to do (issue 13 §5-§9), in-process on a real registry.

Footer hints, the welcome view, the help at 80x24, readline editing and history
on the `:` and `/` lines, `:q`, remembered state, the log panel, and details you
can act on (Enter on a platform or a referrer, `/` search, `v`, clicking a tab).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
import urwid

from rex_tui.tui.inputs import LineView
from rex_tui.tui.logs import LogLine
from rex_tui.tui.state import STATE_FILE
from tests.support.seed import SeededRegistry
from tests.tui.harness import Harness, running_app

SIZES = [(80, 24), (120, 40)]


def select_repository(ui: Harness, name: str) -> None:
    ui.press("/")
    ui.type(name)
    ui.press("enter")


def line_text(ui: Harness) -> str:
    top = ui.app.views.top
    assert isinstance(top, LineView)
    return str(top.edit.edit_text)


def footer(ui: Harness) -> str:
    return ui.canvas_rows()[-2]


async def open_details(ui: Harness, repository: str, tag: str) -> None:
    browser = ui.app.browser
    await ui.wait_for(repository)
    select_repository(ui, repository)
    await ui.wait_until(lambda: browser.repository == repository and len(ui.app.tags.table))
    ui.press("l", "/")
    ui.type(tag)
    ui.press("enter")
    await ui.wait_until(lambda: browser.image is not None and browser.tag == tag)
    ui.press("l")
    await ui.wait_for(f"Details: {repository}:{tag}", "Digest")


@pytest.mark.parametrize(("cols", "rows"), SIZES)
async def test_the_footer_hints_the_focused_context(
    registry: SeededRegistry, tmp_path: Path, cols: int, rows: int
) -> None:
    async with running_app(tmp_path, [("local", registry.url)], cols=cols, rows=rows) as ui:
        await ui.wait_for("oci/single")
        assert "/ filter" in footer(ui) and "enter open" in footer(ui)
        ui.press("h")
        assert "a add" in footer(ui)
        ui.press(":")
        assert "enter run" in footer(ui) and "tab complete" in footer(ui)
        ui.press("esc", "?")
        assert "close" in footer(ui)
        assert all(len(line) <= cols for line in ui.canvas_rows())


@pytest.mark.parametrize(("cols", "rows"), SIZES)
async def test_help_fits_scrolls_and_lists_the_commands(
    registry: SeededRegistry, tmp_path: Path, cols: int, rows: int
) -> None:
    async with running_app(tmp_path, [("local", registry.url)], cols=cols, rows=rows) as ui:
        await ui.wait_for("oci/single")
        ui.press("?")
        screen = await ui.wait_for("Help (vim)", "repositories keys")
        assert "to the previous pane" in screen  # wrapped, not cut
        assert "j, down" in screen  # one row per action
        for _ in range(20):
            if ":quit!" in ui.screen():
                break
            ui.press("ctrl f")
        await ui.wait_for(":quit!", ":q!")  # paged down to the commands
        ui.press("G")
        screen = await ui.wait_for(":quit!", "Esc or ? closes")
        assert "repositories keys" not in screen  # it scrolled
        ui.press("esc")
        assert "Help (vim)" not in ui.screen()
        assert not ui.app.help_shown


async def test_command_line_edits_like_readline_and_remembers(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    async with running_app(tmp_path, [("local", registry.url)], state_dir=state) as ui:
        await ui.wait_for("oci/single")
        ui.press(":")
        ui.type("theme light")
        ui.press("ctrl a", "meta f", "ctrl k")
        assert line_text(ui) == "theme"
        ui.press("meta b", "ctrl e", "ctrl u")
        assert line_text(ui) == ""
        ui.type("sort nmae x")
        ui.press("ctrl w", "ctrl w")
        ui.type("name")
        ui.press("enter")
        await ui.wait_for("tags sorted by name")
        ui.press(":", "up")
        assert ":sort name" in ui.screen()
        ui.press("esc")
    assert (state / "history" / "command").read_text() == "sort name\n"
    async with running_app(tmp_path, [("local", registry.url)], state_dir=state) as ui:
        await ui.wait_for("oci/single")
        ui.press(":", "up")
        assert ":sort name" in ui.screen()


async def test_filter_history_is_recalled_with_up(registry: SeededRegistry, tmp_path: Path) -> None:
    async with running_app(tmp_path, [("local", registry.url)], state_dir=tmp_path / "s") as ui:
        await ui.wait_for("oci/single")
        select_repository(ui, "single")
        ui.press("/", "ctrl u", "up")
        assert "/single" in ui.canvas_rows()[-3]
        ui.press("esc")


@pytest.mark.parametrize("command", ["q", "q!", "quit"])
async def test_colon_q_quits(registry: SeededRegistry, tmp_path: Path, command: str) -> None:
    state = tmp_path / "state"
    async with running_app(tmp_path, [("local", registry.url)], state_dir=state) as ui:
        await ui.wait_for("oci/single")
        ui.press(":")
        ui.type(command)
        with pytest.raises(urwid.ExitMainLoop):
            ui.press("enter")


@pytest.mark.parametrize(("cols", "rows"), SIZES)
async def test_a_first_run_opens_the_welcome_view(
    registry: SeededRegistry, tmp_path: Path, cols: int, rows: int
) -> None:
    async with running_app(
        tmp_path, [("local", registry.url)], cols=cols, rows=rows, welcome=True
    ) as ui:
        screen = ui.screen()
        assert "No registry is configured yet." in screen
        assert "rex-tui -r" in screen and "add a registry" in screen
        assert "a" in footer(ui)
        ui.press("a")
        await ui.wait_for("Add a registry")
        assert ui.app.dialog is not None
        ui.press("esc")
        assert "No registry is configured yet." not in ui.screen()


async def test_where_you_were_is_restored(registry: SeededRegistry, tmp_path: Path) -> None:
    state = tmp_path / "state"
    async with running_app(tmp_path, [("local", registry.url)], state_dir=state) as ui:
        await open_details(ui, "oci/single", "1.0")
        ui.press("]", "]")  # Layers
        ui.press("t")  # the light theme
        ui.app.save_state()
    saved = json.loads((state / STATE_FILE).read_text())
    assert saved == {
        "registry": "local",
        "repository": "oci/single",
        "tag": "1.0",
        "section": "Layers",
        "theme": "light",
        "layout": "auto",
    }
    async with running_app(tmp_path, [("local", registry.url)], state_dir=state) as ui:
        await ui.wait_for("Details: oci/single:1.0")
        assert ui.app.theme.name == "light"
        assert ui.app.browser.details.section == 2
        await ui.wait_until(lambda: ui.app.layout.focused is ui.app.tags)


async def test_a_corrupt_state_file_is_ignored_with_a_log_line(
    registry: SeededRegistry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / STATE_FILE).write_text("{not json")
    async with running_app(tmp_path, [("local", registry.url)], state_dir=state) as ui:
        await ui.wait_for("oci/single")
    assert any("ignoring the saved state" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("cols", "rows"), SIZES)
async def test_the_log_panel_takes_the_focus_scrolls_and_wraps(
    registry: SeededRegistry, tmp_path: Path, cols: int, rows: int
) -> None:
    async with running_app(tmp_path, [("local", registry.url)], cols=cols, rows=rows) as ui:
        await ui.wait_for("oci/single")
        long_path = "/v2/" + "deep/nested/" * 8 + "app/tags/list"
        message = f'HTTP Request: GET http://127.0.0.1:5000{long_path} "HTTP/1.1 404 Not Found"'
        for i in range(30):
            ui.app._log(LogLine(time.time(), logging.INFO, "httpx", f"line {i}"))
        ui.app._log(LogLine(time.time(), logging.INFO, "httpx", message))
        ui.press("L")
        screen = ui.screen()
        assert "404 Not Found GET" in screen
        assert "app/tags/list" in screen  # wrapped, not cut
        while ui.app.context != "log":
            ui.press("tab")
        assert "scroll" in footer(ui)
        for _ in range(rows):
            if "404 Not Found" not in ui.screen():
                break
            ui.press("k")
        assert "404 Not Found" not in ui.screen()
        assert "line 2" in ui.screen()
        ui.app._log(LogLine(time.time(), logging.INFO, "httpx", "newer"))
        assert "newer" not in ui.screen()  # scrolled up: it stays where the reader is
        ui.press("G")
        assert "newer" in ui.screen()
        ui.press("tab")
        assert ui.app.context == "registries"


async def test_enter_on_a_platform_selects_it(registry: SeededRegistry, tmp_path: Path) -> None:
    async with running_app(tmp_path, [("local", registry.url)], cols=120, rows=40) as ui:
        await open_details(ui, "oci/multi", "latest")
        ui.press("]")  # Platforms
        await ui.wait_for("linux/arm/v7")
        ui.press("j", "j", "enter")
        await ui.wait_for("platform: linux/arm/v7")
        await ui.wait_until(lambda: ui.app.browser.image is not None
                            and ui.app.browser.image.platform == "linux/arm/v7")  # fmt: skip
        assert ui.app.browser.platform == "linux/arm/v7"


@pytest.mark.parametrize(("cols", "rows"), SIZES)
async def test_enter_on_a_referrer_opens_its_content(
    registry: SeededRegistry, tmp_path: Path, cols: int, rows: int
) -> None:
    async with running_app(tmp_path, [("local", registry.url)], cols=cols, rows=rows) as ui:
        await open_details(ui, "oci/single", "1.0")
        for _ in range(5):
            ui.press("]")
        await ui.wait_until(lambda: bool(ui.app.browser.referrers))
        ui.press("enter")
        await ui.wait_for("Manifest", '"schemaVersion"')
        ui.press("G")  # the content comes after the manifest
        screen = await ui.wait_for('"spdxVersion"', "Content (")
        assert ui.style_of('"spdxVersion"') not in (None, "details.value")  # highlighted
        assert "sbom" in screen
        ui.press("esc")
        assert '"spdxVersion"' not in ui.screen()


async def test_slash_searches_the_details_with_n_and_shift_n(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)], cols=120, rows=40) as ui:
        await open_details(ui, "oci/single", "1.0")
        ui.press("/")
        ui.type("size")
        ui.press("enter")
        await ui.wait_for("/size: match 1 of 3")
        ui.press("n")
        await ui.wait_for("/size: match 2 of 3")
        ui.press("N", "N")
        await ui.wait_for("/size: match 3 of 3")
        ui.press("/")
        ui.type("no such text")
        ui.press("enter")
        await ui.wait_for("not in Summary")


async def test_v_returns_to_the_section_you_came_from_and_tabs_click(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)], cols=120, rows=40) as ui:
        await open_details(ui, "oci/single", "1.0")
        ui.press("]", "]", "]")  # Config
        await ui.wait_for("Entrypoint")
        ui.press("v")
        await ui.wait_for('"schemaVersion"')
        ui.press("v")
        await ui.wait_for("Entrypoint")
        # The tab row may wrap: "History" can start a line, without its leading space.
        row = next(i for i, line in enumerate(ui.canvas_rows()) if "History " in line)
        col = ui.canvas_rows()[row].index("History ") + 1
        ui.app.frame.mouse_event(ui.size, "mouse press", 1, col, row, True)
        await ui.wait_until(lambda: ui.app.browser.details.section == 4)


async def test_logout_with_no_stored_login_says_so(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        await ui.wait_for("oci/single")
        ui.press("h", "o")
        await ui.wait_for("no stored login for")
        assert ui.app.dialog is None


async def test_removing_the_command_line_registry_says_where_it_came_from(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    host = registry.url.removeprefix("http://")
    async with running_app(tmp_path, [("local", registry.url)], cli_registry=host) as ui:
        ui.app.browser.registry_names.insert(0, host)
        ui.app.run_command(f"remove-registry {host}")
        await ui.wait_for("came from the command line (-r)")
        assert ui.app.dialog is None
