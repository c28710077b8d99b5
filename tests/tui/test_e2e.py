"""The installed `rex-tui` in a real terminal (tmux), driven by keys, read off the screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.testing.registry import USERS, RegistryProcess
from tests.support.seed import SeededRegistry

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

REX_TUI = Path(sys.executable).with_name("rex-tui")


class Terminal:
    """One tmux session, on a tmux server of its own, running a command at a fixed size.

    A private server (`-L`) per terminal: on the shared default server, killing the last
    session ends the server while the next test's `new-session` is connecting to it
    ("server exited unexpectedly"), and a second copy of the suite would share it too.
    """

    def __init__(self, command: str, env: dict[str, str], workdir: Path, cols: int, rows: int):
        self.name = f"rex-{uuid.uuid4().hex[:8]}"
        self.socket = self.name
        self.exit_file = workdir / "exit-code"
        script = workdir / "run.sh"
        exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
        script.write_text(
            f"{exports}{command}\necho $? > {shlex.quote(str(self.exit_file))}\n"
            "echo 'back in the shell'\nsleep 120\n"  # keep the pane: is the terminal restored?
        )
        self.tmux(
            "new-session", "-d", "-s", self.name, "-x", str(cols), "-y", str(rows),
            "bash", str(script),
        )  # fmt: skip

    def tmux(self, *args: str, check: bool = True) -> str:
        """Run a tmux command on this terminal's own server; its standard output."""
        out = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=check,
        )
        return out.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name, check=False)

    def press(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def resize(self, cols: int, rows: int) -> None:
        self.tmux("resize-window", "-t", self.name, "-x", str(cols), "-y", str(rows))

    def settled(self, quiet: float = 0.6, timeout: float = 30.0) -> str:
        """The screen once it has not changed for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        shown, since = self.screen(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.screen()
            if now != shown:
                shown, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return shown
        raise AssertionError(f"the screen never settled; the screen:\n{shown}")

    def wait_for(self, *texts: str, timeout: float = 30.0, any_of: bool = False) -> str:
        """The screen once all of `texts` are on it (one of them, with `any_of`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if (any if any_of else all)(text in shown for text in texts):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{texts!r} never appeared; the screen:\n{self.screen()}")

    def exit_code(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exit_file.exists() and self.exit_file.read_text().strip():
                return int(self.exit_file.read_text())
            time.sleep(0.1)
        raise AssertionError(f"rex-tui did not exit; the screen:\n{self.screen()}")

    def close(self) -> None:
        self.tmux("kill-server", check=False)


def terminal_env(home: Path) -> dict[str, str]:
    """A run's environment: its own HOME and XDG dirs under `home`, a 256-colour TERM."""
    return {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "cfg"),
        "PATH": os.environ.get("PATH", ""),
        "TERM": "xterm-256color",
    }


@pytest.fixture
def open_tui(tmp_path: Path) -> Iterator[object]:
    terminals: list[Terminal] = []

    def start(
        url: str,
        cols: int = 160,
        rows: int = 30,
        env_extra: dict[str, str] | None = None,
        config_extra: str = "",
    ) -> Terminal:
        config = tmp_path / "config.toml"
        config.write_text(
            f'{config_extra}[registries]\ncurrent = "local"\n\n'
            f'[[registries.list]]\nname = "local"\nurl = "{url}"\n'
        )
        env = {**terminal_env(tmp_path), **(env_extra or {})}
        command = f"{shlex.quote(str(REX_TUI))} --config {shlex.quote(str(config))}"
        terminal = Terminal(command, env, tmp_path, cols, rows)
        terminals.append(terminal)
        return terminal

    yield start
    for terminal in terminals:
        terminal.close()


def test_browse_registry_repository_tag_details_then_quit(
    open_tui: object, registry: SeededRegistry
) -> None:
    term = open_tui(registry.url)  # type: ignore[operator]
    shown = term.wait_for("Repositories (19)")
    assert "oci/multi" in shown and "tags/many" in shown
    term.wait_for("online")  # the registries pane pings each registry
    for _ in range(3):  # deleted/gone -> docker/multi -> docker/single -> oci/multi
        term.press("j")
    term.wait_for("Tags: oci/multi (1)")
    term.press("l")  # to the tags pane; its first tag's details load
    shown = term.wait_for("OCI Image Index")
    assert registry.digest("oci/multi:latest")[:19] in shown
    assert "linux/arm64/v8" in shown
    term.press("q")
    assert term.exit_code() == 0
    shown = term.wait_for("back in the shell")
    assert "Repositories" not in shown  # the alternate screen is gone: terminal restored
    out = term.tmux("display-message", "-p", "-t", term.name, "#{alternate_on} #{cursor_flag}")
    assert out.split() == ["0", "1"]  # main screen, cursor visible


def test_filtering_while_typing(open_tui: object, registry: SeededRegistry) -> None:
    term = open_tui(registry.url)  # type: ignore[operator]
    term.wait_for("Repositories (19)")
    term.press("/", "p", "u", "b")
    shown = term.wait_for("of 19")
    assert "public/hello" in shown and "paged/repo-000" not in shown.split("Tags")[0]
    term.press("Escape")
    term.wait_for("paged/repo-000")
    term.press("q")
    assert term.exit_code() == 0


def test_a_stopped_registry_keeps_what_is_shown_and_says_why(
    open_tui: object, fresh_registry_seeded: SeededRegistry
) -> None:
    process: RegistryProcess = fresh_registry_seeded.process
    term = open_tui(fresh_registry_seeded.url)  # type: ignore[operator]
    term.wait_for("Repositories (19)")
    process.stop()
    term.press("R")  # hard refresh: ask the registry, which is gone
    shown = term.wait_for("connection refused")
    assert "oci/multi" in shown  # stale data stays on screen
    process.start()
    term.press("R")
    deadline = time.monotonic() + 15
    while "connection refused" in term.screen() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "connection refused" not in term.screen()
    term.press("q")
    assert term.exit_code() == 0


def test_narrow_terminal_shows_one_pane_at_a_time(
    open_tui: object, registry: SeededRegistry
) -> None:
    term = open_tui(registry.url, cols=80, rows=24)  # type: ignore[operator]
    shown = term.wait_for("Repositories (19)")
    assert "Registries" not in shown and "Details" not in shown
    term.press("l")
    term.wait_for("Tags: deleted/gone")
    term.press("q")
    assert term.exit_code() == 0


def test_drawn_changes_match_a_full_repaint_after_resizes_and_typing(
    open_tui: object, registry: SeededRegistry
) -> None:
    """rex-tui writes only what changed on screen; Ctrl-L repaints everything: in a
    real terminal the two must show the same, after resizes and a filter typed."""
    term = open_tui(registry.url, cols=160, rows=30)  # type: ignore[operator]
    term.wait_for("Repositories (19)")
    term.press("j")
    term.wait_for("Tags: docker/multi")
    term.resize(80, 24)
    narrow = term.settled()
    assert "Registries" not in narrow and "Repositories (19)" in narrow
    term.resize(160, 30)
    term.wait_for("Registries", "Tags: docker/multi")
    for key in "/mul":
        term.press(key)
    term.wait_for("/mul")
    term.press("BSpace", "Escape")
    drawn = term.settled()
    term.press("C-l")
    time.sleep(0.3)
    assert term.settled() == drawn
    term.press("q")
    assert term.exit_code() == 0


def test_help_lists_the_active_keymap(open_tui: object, registry: SeededRegistry) -> None:
    term = open_tui(registry.url)  # type: ignore[operator]
    term.wait_for("Repositories (19)")
    term.press("?")
    shown = term.wait_for("Help (vim)")
    assert "repositories keys" in shown and "focus_next" in shown
    term.press("Escape")
    deadline = time.monotonic() + 5
    while "Help (vim)" in term.screen() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Help (vim)" not in term.screen()
    term.press("q")
    assert term.exit_code() == 0


def test_command_line_completes_and_runs(open_tui: object, registry: SeededRegistry) -> None:
    term = open_tui(registry.url)  # type: ignore[operator]
    term.wait_for("Repositories (19)")
    term.press(":", "t", "h", "Tab")
    term.wait_for(":theme")
    term.press(" ", "l", "Tab", "Enter")
    term.wait_for("light")  # the status bar reports the theme it switched to
    for _ in range(19):
        term.press("j")  # to tags/many, the last repository
    term.wait_for("Tags: tags/many (30)")
    term.press(":", "s", "o", "r", "t", " ", "n", "a", "m", "e", "Enter")
    term.wait_for("sorted by name")
    term.press("l", "g", "g")  # the tags pane, its first row
    shown = term.wait_for("Details: tags/many:v1.0.0", "││v1.0.0 ", "││v1.0.2 ")
    rows = [line.split("│")[5].split()[0] for line in shown.splitlines() if "││v" in line]
    assert rows[:3] == ["v1.0.0", "v1.0.1", "v1.0.2"]
    term.press(":", "n", "o", "p", "e", "Enter")
    term.wait_for("unknown command :nope")
    term.press("q")
    assert term.exit_code() == 0


def test_login_dialog_in_a_terminal(
    open_tui: object, basic_registry: SeededRegistry, tmp_path: Path
) -> None:
    keyring_file = tmp_path / "keyring.json"
    env = {
        "PYTHON_KEYRING_BACKEND": "tests.print.filekeyring.FileKeyring",
        "REX_TEST_KEYRING": str(keyring_file),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    term = open_tui(basic_registry.url, env_extra=env)  # type: ignore[operator]
    term.wait_for("wants a login")
    term.press("h", "i")
    term.wait_for("Log in to")
    term.press("-l", "alice")
    term.press("Tab")
    term.press("-l", USERS["alice"])
    shown = term.wait_for("•" * len(USERS["alice"]))
    assert USERS["alice"] not in shown
    term.press("Enter")
    shown = term.wait_for("logged in to", "oci/single")
    assert USERS["alice"] not in shown
    assert "alice" in keyring_file.read_text()
    term.press("q")
    assert term.exit_code() == 0
