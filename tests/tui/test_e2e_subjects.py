"""Issue 13's opening list, end to end: the real `rex-tui` in tmux at the sizes it names.

Each test is one item of the issue: a crash that no longer happens, a pane that
no longer shows another subject's data, a key that now does what a k9s user
expects. The program runs from this checkout (PYTHONPATH), on a real registry.
"""

from __future__ import annotations

import os
import shlex
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.seed import SeededRegistry
from tests.tui.test_e2e import REX_TUI, Terminal

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

CHECKOUT = Path(__file__).resolve().parents[2]
OpenTui = Callable[..., Terminal]


@pytest.fixture
def tui(tmp_path: Path) -> Iterator[OpenTui]:
    terminals: list[Terminal] = []

    def start(
        url: str, cols: int, rows: int, *, workdir: Path | None = None, extra: str = ""
    ) -> Terminal:
        home = tmp_path  # one cache for every run of a test: a second run starts from it
        config = home / "config.toml"
        config.write_text(
            '[registries]\ncurrent = "local"\n\n'
            f'[[registries.list]]\nname = "local"\nurl = "{url}"\n'
            "\n[network]\nretry_attempts = 0\ntimeout = 2\n" + extra
        )
        env = {
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CONFIG_HOME": str(home / "cfg"),
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(CHECKOUT),
            "TERM": "xterm-256color",
        }
        command = f"{shlex.quote(str(REX_TUI))} --config {shlex.quote(str(config))}"
        run_dir = workdir or home / f"run-{len(terminals)}"
        run_dir.mkdir(exist_ok=True)
        terminal = Terminal(command, env, run_dir, cols, rows)
        terminals.append(terminal)
        return terminal

    yield start
    for terminal in terminals:
        terminal.close()


def pane_lines(screen: str, pane: int) -> list[str]:
    """The text inside the `pane`-th box of each row of boxes (0 = leftmost)."""
    found = []
    for line in screen.splitlines():
        parts = line.split("││")
        if len(parts) > pane and line.startswith("│"):
            found.append(parts[pane].strip("│ "))
    return found


def wait_gone(term: Terminal, text: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = term.screen()
        if text not in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never went away; the screen:\n{term.screen()}")


def quit_cleanly(term: Terminal) -> None:
    term.press("q")
    assert term.exit_code() == 0
    assert "Traceback" not in term.wait_for("back in the shell")


# -- crashes -----------------------------------------------------------------------------


@pytest.mark.parametrize(("cols", "rows"), [(80, 24), (160, 45)])
def test_a_regex_typed_key_by_key_never_crashes(
    tui: OpenTui, registry: SeededRegistry, cols: int, rows: int
) -> None:
    term = tui(registry.url, cols, rows)
    term.wait_for("Repositories (19)")
    term.press("/")
    for key in "^oci/[":
        term.press(key)  # one key at a time, as a person types
    shown = term.wait_for("invalid regex")
    assert "oci/multi" in shown and "oci/single" in shown  # the list as it was
    term.press("s", "]")
    shown = wait_gone(term, "invalid regex")
    term.wait_for("1 of 19 repos")
    term.press("Enter")
    quit_cleanly(term)


def test_ctrl_c_quits_cleanly_and_restores_the_terminal(
    tui: OpenTui, registry: SeededRegistry
) -> None:
    term = tui(registry.url, 120, 40)
    term.wait_for("Repositories (19)", "● local ✓")  # online, as an icon at 120 columns
    term.press("C-c")
    assert term.exit_code() == 0
    shown = term.wait_for("back in the shell")
    assert "Traceback" not in shown and "ExceptionGroup" not in shown
    out = term.tmux("display-message", "-p", "-t", term.name, "#{alternate_on} #{cursor_flag}")
    assert out.split() == ["0", "1"]  # main screen, cursor visible


# -- wrong data --------------------------------------------------------------------------


def test_the_referrers_tag_is_hidden_and_its_details_are_its_own(
    tui: OpenTui, registry: SeededRegistry
) -> None:
    term = tui(registry.url, 160, 45)
    term.wait_for("Repositories (19)")
    term.press("/", "s", "i", "n", "g", "l", "e", "Enter")
    shown = term.wait_for("Tags: oci/single (4, 1 hidden)", "Details: oci/single:")
    assert "sha256-" not in shown
    term.press("l", ".")  # show the referrer tags
    term.wait_for("Tags: oci/single (5)", "sha256-")
    term.press("/", "s", "h", "a", "Enter")  # onto the referrers tag
    term.wait_for("Details: oci/single:sha256-")
    # Never the last tag's body under this title: its own, or why there is none.
    deadline = time.monotonic() + 15
    details = ""
    while "✗" not in details and "Digest" not in details and time.monotonic() < deadline:
        time.sleep(0.1)
        details = "\n".join(pane_lines(term.screen(), 3))
    assert "the index lists no platform images" in details  # an index of artifacts
    assert "Pull size" not in details  # nothing of the tag shown before it
    quit_cleanly(term)


@pytest.mark.parametrize(("cols", "rows"), [(120, 40), (160, 45)])
def test_a_tag_filter_does_not_carry_over_to_the_next_repository(
    tui: OpenTui, registry: SeededRegistry, cols: int, rows: int
) -> None:
    term = tui(registry.url, cols, rows)
    term.wait_for("Repositories (19)")
    term.press("G")  # tags/many, the last repository
    term.wait_for("Tags: tags/many (30)")
    term.press("l", "/", "2", ".", "0", "Enter")
    term.wait_for("10 of 30 tags")
    term.press("h", "k")  # the repository above: tags/many's filter stays with tags/many
    shown = term.wait_for("Tags: public/hello (1)", "latest")
    assert "of 30" not in shown and "Details: tags/many" not in shown
    assert "Details: public/hello:latest" in term.wait_for("Details: public/hello:latest")
    term.press("j")
    term.wait_for("Tags: tags/many (30)")
    term.press("l")
    term.wait_for("10 of 30 tags", "/2.0")  # its own filter came back with it
    quit_cleanly(term)


def test_a_registry_that_goes_away_turns_offline_and_keeps_its_data(
    tui: OpenTui, fresh_registry_seeded: SeededRegistry
) -> None:
    term = tui(fresh_registry_seeded.url, 160, 45)  # wide enough for the status as a word
    term.wait_for("Repositories (19)", "online")
    term.press("j", "j", "j")
    term.wait_for("Tags: oci/multi (1)")
    fresh_registry_seeded.process.stop()
    term.press("l", "R")  # the tags again, from the registry that went away
    shown = term.wait_for("offline", "connection refused")
    assert "online" not in shown
    assert "Tags: oci/multi (1)" in shown and "latest" in shown  # the cached data stays
    assert "Trio nursery" not in shown and "internal error" not in shown
    assert "-vv" not in shown and "--" not in shown.split("connection refused")[-1]
    quit_cleanly(term)


def test_the_age_ticks_and_refreshing_ends(tui: OpenTui, registry: SeededRegistry) -> None:
    ttl = "\n[cache.ttl]\ncatalog = 1\ntags = 1\n"  # stale a second later: refreshed
    term = tui(registry.url, 120, 40, extra=ttl)
    term.wait_for("Repositories (19)", "fresh")
    term.wait_for("s old", timeout=20)  # ticks while idle: 5 s old, 6 s old, ...
    quit_cleanly(term)
    # Again, from the cache, now stale: shown at once, refreshed in the background,
    # and "refreshing" goes when the refresh has landed.
    term = tui(registry.url, 120, 40, extra=ttl)
    term.wait_for("Repositories (19)")
    shown = wait_gone(term, "refreshing")
    assert "Traceback" not in shown
    term.press("l")  # the tags pane: its list was stale too, and its refresh ends as well
    term.wait_for("Tags: deleted/gone (0)")
    wait_gone(term, "refreshing")
    term.wait_for("s old", timeout=20)
    assert "refreshing" not in term.screen()
    quit_cleanly(term)


# -- surprising --------------------------------------------------------------------------


@pytest.mark.parametrize(("cols", "rows"), [(80, 24), (160, 45)])
def test_enter_after_a_filter_opens_the_top_match(
    tui: OpenTui, registry: SeededRegistry, cols: int, rows: int
) -> None:
    term = tui(registry.url, cols, rows)
    term.wait_for("Repositories (19)")
    term.press("j", "j", "j", "j")  # the cursor away from the top
    term.press("/", "r", "e", "p", "o", "-", "0", "0")
    shown = term.wait_for("of 19 repos │ /repo-00")
    first = next(line for line in pane_lines(shown, 0 if cols == 80 else 1) if "/" in line)
    top = first.split()[0]
    term.press("Enter", "Enter")
    term.wait_for(f"Tags: {top} (1)")
    quit_cleanly(term)


def test_name_sort_is_version_aware_marked_and_reversible(
    tui: OpenTui, registry: SeededRegistry
) -> None:
    term = tui(registry.url, 160, 45)  # CREATED gives way at 120 columns (issue 13 §3)
    term.wait_for("Repositories (19)", "NAME ▲")
    term.press("G")
    term.wait_for("Tags: tags/many (30)", "CREATED ▼")
    term.press("l", "s", "s")  # date -> size -> name
    shown = term.wait_for("tags sorted by name", "NAME ▲")
    tags = [line.split()[0] for line in pane_lines(shown, 2) if line.startswith("v")]
    assert tags[:3] == ["v1.0.0", "v1.0.1", "v1.0.2"]
    term.press("S")
    shown = term.wait_for("NAME ▼", "reversed")
    tags = [line.split()[0] for line in pane_lines(shown, 2) if line.startswith("v")]
    assert tags[:3] == ["v2.0.9", "v2.0.8", "v2.0.7"]
    quit_cleanly(term)


def test_one_esc_does_one_thing(tui: OpenTui, fresh_registry_seeded: SeededRegistry) -> None:
    term = tui(fresh_registry_seeded.url, 80, 24)  # one pane at a time: focus moves show
    term.wait_for("Repositories (19)")
    term.press("j", "l")
    term.wait_for("Tags: docker/multi (1)")
    fresh_registry_seeded.process.stop()
    term.press("R")
    term.wait_for("connection refused")
    term.press("Escape")
    shown = wait_gone(term, "connection refused")
    assert "Tags: docker/multi" in shown  # the error went; the focus stayed
    term.press("Escape")
    term.wait_for("Repositories (19)")
    quit_cleanly(term)


def test_a_notice_fades(tui: OpenTui, registry: SeededRegistry) -> None:
    term = tui(registry.url, 160, 45)
    term.wait_for("Repositories (19)")
    term.press("t")
    term.wait_for("theme: light")
    wait_gone(term, "theme: light")  # a few seconds later, with no key pressed
    quit_cleanly(term)
