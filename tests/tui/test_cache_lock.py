"""The TUI with another process holding the cache lock: keys still answer (issue 12 section 3)."""

from __future__ import annotations

from pathlib import Path

from engine.testing.lockholder import LockHolder
from tests.support.seed import SeededRegistry
from tests.tui.harness import running_app


async def test_keys_answer_while_another_process_holds_the_cache_lock(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    with LockHolder(tmp_path / "cache"):
        async with running_app(tmp_path, [("local", registry.url)]) as ui:
            await ui.wait_for("oci/single", "tags/many")
            ui.press("/")
            ui.type("oci/single")
            ui.press("enter")
            await ui.wait_for("Tags: oci/single (", "1.0.1")
            ui.press("l")  # into the tags: the details of the first load
            await ui.wait_for("Details: oci/single:", "DIGEST")
            shown = details_title(ui.screen())
            ui.press("j")  # the next tag's details, with the lock still held
            await ui.wait_until(lambda: details_title(ui.screen()) not in (shown, None))
            await ui.wait_for("DIGEST")


def details_title(screen: str) -> str | None:
    """The tag the details pane shows: "Details: oci/single:TAG" up to the frame."""
    for line in screen.splitlines():
        at = line.find("Details: ")
        if at >= 0:
            return line[at:].split()[1]
    return None
