"""The installed `rex-tui` in tmux: the screen tells you what to do (issue 13 §5-§9).

The welcome view on a first run, key hints in the footer, the help at 80x24,
the command line's editing and history across runs, `:q` / `:q!`, the state
remembered across runs, the log panel, and a referrer opened from the details.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.seed import SeededRegistry
from tests.tui.test_e2e import REX_TUI, Terminal, pytestmark, terminal_env  # noqa: F401

SIZES = [(80, 24), (120, 40)]

Start = Callable[..., Terminal]


@pytest.fixture
def tui(tmp_path: Path) -> Iterator[Start]:
    """Start rex-tui with a config of `registries` (name, url) and `args`; the same HOME
    and XDG dirs each time, so a second start sees what the first one remembered."""
    terminals: list[Terminal] = []

    def start(
        registries: list[tuple[str, str]], args: str = "", cols: int = 120, rows: int = 40
    ) -> Terminal:
        config = tmp_path / "config.toml"
        text = f'[registries]\ncurrent = "{registries[0][0]}"\n' if registries else ""
        for name, url in registries:
            text += f'\n[[registries.list]]\nname = "{name}"\nurl = "{url}"\n'
        config.write_text(text)
        # The code under test: a worktree's tree first, as the tests' own imports.
        env = {**terminal_env(tmp_path), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
        workdir = tmp_path / f"run{len(terminals)}"
        workdir.mkdir()
        command = f"{shlex.quote(str(REX_TUI))} --config {shlex.quote(str(config))} {args}"
        terminal = Terminal(command, env, workdir, cols, rows)
        terminals.append(terminal)
        return terminal

    yield start
    for terminal in terminals:
        terminal.close()


def open_details(term: Terminal) -> None:
    """oci/single:1.0 in the details pane, focused; each filter's result waited for."""
    term.press("/")
    term.press("-l", "oci/single")
    term.wait_for("/oci/single")
    term.settled(quiet=0.3)
    term.press("Enter", "l")
    term.wait_for("1.0.1")
    term.press("/")
    term.press("-l", "1.0")
    term.wait_for("/1.0")
    term.settled(quiet=0.3)
    term.press("Enter", "l")
    term.wait_for("Details: oci/single:1.0", "Digest")


def started(tui: Start, registry: SeededRegistry, cols: int, rows: int) -> Terminal:
    term = tui([("local", registry.url)], cols=cols, rows=rows)
    term.wait_for("Repositories (19)")
    return term


def last_lines(term: Terminal, count: int = 3) -> str:
    return "\n".join(term.screen().rstrip("\n").splitlines()[-count:])


@pytest.mark.parametrize(("cols", "rows"), SIZES)
def test_a_first_run_says_how_to_add_a_registry(tui: Start, cols: int, rows: int) -> None:
    term = tui([], cols=cols, rows=rows)
    shown = term.wait_for("No registry is configured yet.", "rex-tui -r")
    assert "add a registry" in shown and "localhost:5000" in shown
    assert "a add a registry" in last_lines(term)
    term.press("a")
    term.wait_for("Add a registry", "Name", "URL")
    term.press("Escape")
    term.settled()
    assert "Add a registry" not in term.screen()
    term.press("q")
    assert term.exit_code() == 0


@pytest.mark.parametrize(("cols", "rows"), SIZES)
def test_footer_hints_and_a_help_that_fits_and_scrolls(
    tui: Start, registry: SeededRegistry, cols: int, rows: int
) -> None:
    term = started(tui, registry, cols, rows)
    assert "/ filter" in last_lines(term) and "? help" in last_lines(term)
    term.press("?")
    shown = term.wait_for("Help (vim)", "global keys")
    assert "to the previous pane" in shown  # wrapped, not cut at the edge
    assert "esc close" in last_lines(term) or "q close" in last_lines(term)
    for _ in range(15):
        if ":quit!" in term.screen():
            break
        term.press("C-f")
        term.settled(quiet=0.2)
    shown = term.wait_for(":quit!", ":q!")
    term.press("Escape")
    term.settled()
    assert "Help (vim)" not in term.screen()
    term.press("q")
    assert term.exit_code() == 0


def test_the_command_line_edits_recalls_across_runs_and_quits(
    tui: Start, registry: SeededRegistry
) -> None:
    term = tui([("local", registry.url)], cols=80, rows=24)
    term.wait_for("Repositories (19)")
    term.press(":")
    term.press("-l", "theme dark")
    term.press("C-w", "C-w")  # readline: two words back, the line is empty
    term.press("-l", "sort name")
    term.press("Enter")
    term.wait_for("tags sorted by name")
    term.press(":")
    term.press("-l", "q")
    term.press("Enter")
    assert term.exit_code() == 0

    term = tui([("local", registry.url)], cols=80, rows=24)
    term.wait_for("Repositories (19)")
    term.press(":", "Up")
    term.wait_for(":q\n")  # the newest first
    term.press("Up")
    term.wait_for(":sort name")
    term.press("C-u")
    term.press("-l", "q!")
    term.press("Enter")
    assert term.exit_code() == 0


@pytest.mark.parametrize(("cols", "rows"), SIZES)
def test_where_you_were_is_remembered(
    tui: Start, registry: SeededRegistry, tmp_path: Path, cols: int, rows: int
) -> None:
    term = tui([("local", registry.url)], cols=cols, rows=rows)
    term.wait_for("Repositories (19)")
    open_details(term)
    term.press("]", "]")  # Layers
    term.press("t")  # light theme
    term.settled()
    term.press("q")
    assert term.exit_code() == 0
    saved = json.loads((tmp_path / "state" / "rex" / "tui-state.json").read_text())
    assert saved["repository"] == "oci/single" and saved["tag"] == "1.0"
    assert saved["section"] == "Layers" and saved["theme"] == "light"

    term = tui([("local", registry.url)], cols=cols, rows=rows)
    shown = term.wait_for("Details: oci/single:1.0" if cols >= 120 else "Tags: oci/single")
    if cols < 120:
        term.press("l")
        shown = term.wait_for("Details: oci/single:1.0")
    assert "1. sha256:" in term.wait_for("1. sha256:")  # the Layers section
    term.press(":")
    term.press("-l", "q!")
    term.press("Enter")
    assert term.exit_code() == 0
    assert json.loads((tmp_path / "state" / "rex" / "tui-state.json").read_text()) == saved
    assert shown


@pytest.mark.parametrize(("cols", "rows"), SIZES)
def test_the_log_panel_takes_the_focus_and_shows_status_codes(
    tui: Start, registry: SeededRegistry, cols: int, rows: int
) -> None:
    term = started(tui, registry, cols, rows)
    term.press("L")
    shown = term.wait_for("┌ Log", "200 OK GET")
    assert '"HTTP/1' not in shown
    for _ in range(6):  # Tab: the panes, then the log panel
        term.press("Tab")
        term.settled(quiet=0.3)
        if "hide log" in last_lines(term):
            break
    assert "j scroll" in last_lines(term)
    term.press("k", "k", "g", "g")
    term.press("q")  # in the log panel: hides it
    term.settled()
    assert "┌ Log" not in term.screen()
    term.press("q")
    assert term.exit_code() == 0


def test_enter_on_a_referrer_shows_the_sbom(tui: Start, registry: SeededRegistry) -> None:
    term = tui([("local", registry.url)], cols=120, rows=40)
    term.wait_for("Repositories (19)")
    open_details(term)
    for _ in range(5):
        term.press("]")
    term.wait_for("application/vnd.exa")  # the SBOM's line: the referrers are known
    term.press("Enter")
    term.wait_for("Manifest", "schemaVersion")
    term.press("G")
    term.wait_for("spdxVersion", "SPDX-2.3")
    term.press("Escape")
    term.settled()
    assert "spdxVersion" not in term.screen()
    term.press("q")
    assert term.exit_code() == 0


def test_removing_the_dash_r_registry_explains(tui: Start, registry: SeededRegistry) -> None:
    host = registry.url.removeprefix("http://")
    term = tui([], args=f"-r {shlex.quote(host)}", cols=120, rows=40)
    term.wait_for("Repositories (19)")
    assert "No registry is configured" not in term.screen()  # -r: no welcome
    term.press(":")
    term.press("-l", f"remove-registry {host}")
    term.press("Enter")
    term.wait_for("came from the command line (-r)")
    term.press("q")
    assert term.exit_code() == 0
