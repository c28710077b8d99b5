"""Pull and copy from the TUI, in a real terminal (tmux): the dialogs and the jobs panel."""

from __future__ import annotations

import shlex
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry
from tests.transfer.conftest import skopeo_inspect
from tests.tui.test_e2e import REX_TUI, Terminal, terminal_env

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture
def tui_in(tmp_path: Path) -> Iterator[Callable[[str], Terminal]]:
    """`start(url)`: rex-tui on `url`, run from tmp_path/work (where ./REPO-TAG goes)."""
    terminals: list[Terminal] = []
    work = tmp_path / "work"
    work.mkdir()

    def start(url: str) -> Terminal:
        config = tmp_path / "config.toml"
        config.write_text(
            '[registries]\ncurrent = "local"\n\n'
            f'[[registries.list]]\nname = "local"\nurl = "{url}"\n'
        )
        command = (
            f"cd {shlex.quote(str(work))} && "
            f"{shlex.quote(str(REX_TUI))} --config {shlex.quote(str(config))}"
        )
        terminal = Terminal(command, terminal_env(tmp_path), tmp_path, 160, 30)
        terminals.append(terminal)
        return terminal

    yield start
    for terminal in terminals:
        terminal.close()


def _wait_gone(term: Terminal, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while text in term.screen():
        assert time.monotonic() < deadline, f"{text!r} stayed:\n{term.screen()}"
        time.sleep(0.1)


def _select_oci_single(term: Terminal) -> None:
    term.wait_for("Repositories (19)")
    for _ in range(4):  # deleted/gone, docker/multi, docker/single, oci/multi, oci/single
        term.press("j")
    term.wait_for("Tags: oci/single")
    term.press("l")  # the newest tag first: 2.0
    term.wait_for("Details: oci/single:2.0")


def test_pull_then_copy_the_selected_tag(
    tui_in: Callable[[str], Terminal], fresh_registry_seeded: SeededRegistry, tmp_path: Path
) -> None:
    seeded = fresh_registry_seeded
    term = tui_in(seeded.url)
    _select_oci_single(term)
    term.press("P")
    term.wait_for("Pull image", "./oci-single-2.0")
    term.press("Enter")
    term.press("J")
    shown = term.wait_for("Transfers", "done")
    assert "#1 pull oci/single:2.0 -> ./oci-single-2.0" in shown
    layout = tmp_path / "work" / "oci-single-2.0"
    assert skopeo_inspect(f"oci:{layout}:2.0")["Digest"] == seeded.digest("oci/single:2.0")
    term.press("Escape")
    _wait_gone(term, "Transfers")
    term.press("T")
    term.wait_for("Copy image")
    term.press(*["BSpace"] * len("oci/single:2.0"))
    term.press(*"copies/single:1")
    term.press("Enter")
    term.press("J")
    shown = term.wait_for("#2 copy", "done: 3 mounted")
    target = f"docker://{seeded.host}/copies/single:1"
    assert skopeo_inspect(target)["Digest"] == seeded.digest("oci/single:2.0")
    term.press("Escape")
    _wait_gone(term, "Transfers")
    term.press("q")
    assert term.exit_code() == 0


def test_cancel_a_running_pull_in_the_jobs_panel(
    tui_in: Callable[[str], Terminal],
    registry: SeededRegistry,
    fault_proxy: FaultProxy,
    tmp_path: Path,
) -> None:
    built = registry.image("oci/single:2.0")
    slow = max(built.layers, key=lambda layer: layer.size)
    fault_proxy.drip(0.05, method="GET", path=f"/blobs/{slow.digest}$", times=None)
    term = tui_in(fault_proxy.url)
    _select_oci_single(term)
    term.press("P")
    term.wait_for("Pull image")
    term.press("Enter")
    _wait_gone(term, "Pull image")
    term.press("J")
    term.wait_for("Transfers", "running")
    term.press("x")
    term.wait_for("cancelled")
    blobs = tmp_path / "work" / "oci-single-2.0" / "blobs" / "sha256"
    deadline = time.monotonic() + 10  # the cancelled task removes its temp file as it ends
    while any(path.name.endswith(".partial") for path in blobs.iterdir()):
        assert time.monotonic() < deadline, list(blobs.iterdir())
        time.sleep(0.05)
    assert slow.digest.partition(":")[2] not in {path.name for path in blobs.iterdir()}
    term.press("Escape")
    _wait_gone(term, "Transfers")
    term.press("q")
    assert term.exit_code() == 0
