"""Each pane shows one subject, and no key crashes the app (issue 13, in-process).

The real `App` on the suite's seeded registry (tests/tui/harness.py): keys go
through the input filter, the screen is the rendered frame. `browser.shown`
records the subject of each pane's title and body; the body's subject comes
from the data shown (the image's own repository and tag), not from the request.
"""

from __future__ import annotations

from pathlib import Path

import trio

from engine.errors import (
    AuthenticationError,
    NetworkError,
    NotFoundError,
    Remedy,
    RequestTimeout,
    RexError,
    ValidationError,
)
from rex_tui.tui.browse import Browser, is_referrer_tag, version_key
from rex_tui.tui.statusbar import tui_hint
from tests.support.seed import SeededRegistry
from tests.tui.harness import Harness, running_app
from tests.tui.test_app import select_repository


def subjects_agree(browser: Browser) -> list[str]:
    """The panes whose body describes another subject than their title (or than now)."""
    wrong = []
    for context, shown in browser.shown.items():
        if shown.title != browser.subject(context):
            wrong.append(f"{context}: title {shown.title} but showing {browser.subject(context)}")
        if shown.body is not None and shown.body != shown.title:
            wrong.append(f"{context}: body {shown.body} under title {shown.title}")
    return wrong


def header_line(ui: Harness, word: str) -> str:
    return next(line for line in ui.canvas_rows() if word in line and "NAME" in line)


# -- crashes ---------------------------------------------------------------------------


async def test_an_invalid_regex_while_typing_says_so_and_keeps_the_list(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        await ui.wait_for("oci/single", "tags/many")
        ui.press("/")
        for key in "^oci/":
            ui.press(key)
        await ui.wait_until(lambda: ui.app.repos.table.total == 2)
        ui.press("[")  # ^oci/[ does not parse (yet)
        screen = await ui.wait_for("invalid regex")
        assert ui.app.repos.table.total == 2 and "oci/multi" in screen
        ui.press("s", "]")
        await ui.wait_until(lambda: ui.app.repos.table.total == 1)
        screen = await ui.wait_for("oci/single")
        assert "invalid regex" not in screen
        assert ui.app.browser.repository == "oci/single"


# -- subjects --------------------------------------------------------------------------


async def test_referrer_tags_are_hidden_and_details_follow_the_tag(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        await ui.wait_for("oci/single")
        select_repository(ui, "oci/single")
        screen = await ui.wait_for("Tags: oci/single (4, 1 hidden)", "latest")
        assert "sha256-" not in screen
        ui.press("l")
        ui.press(".")  # show them
        screen = await ui.wait_for("Tags: oci/single (5)", "sha256-")
        await ui.wait_until(lambda: ui.app.browser.image is not None)
        row = next(i for i, r in enumerate(ui.app.tags.table.rows) if is_referrer_tag(r.name))
        position = ui.app.tags.table.index_of(ui.app.tags.table.rows[row].key)
        assert position is not None
        ui.app.tags.listbox.set_focus(position)
        # At once: the new title, and not the last tag's body under it.
        assert "Details: oci/single:sha256-" in ui.screen()
        assert subjects_agree(ui.app.browser) == []
        assert ui.app.browser.image is None
        await ui.wait_until(lambda: ui.app.browser.shown["details"].body is not None)
        assert subjects_agree(ui.app.browser) == []
        ui.press(".")
        await ui.wait_for("Tags: oci/single (4, 1 hidden)")


async def test_a_result_or_failure_for_a_subject_no_longer_shown_is_dropped(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        await ui.wait_for("oci/single", "Tags: deleted/gone")
        browser = ui.app.browser
        release = trio.Event()
        finished: list[str] = []
        results: list[str] = []
        failures: list[RexError] = []

        async def late_result() -> str:
            await release.wait()
            finished.append("result")
            return "for deleted/gone"

        async def late_failure() -> str:
            await release.wait()
            finished.append("failure")
            raise NetworkError("late news for deleted/gone")

        # Their own slots: nothing cancels them, only the subject check can drop them.
        browser._run("probe-result", late_result, results.append, context="tags")
        browser._run(
            "probe-failure", late_failure, results.append, context="tags", failed=failures.append
        )
        ui.press("j")  # another repository: the tags pane's subject moves on
        await ui.wait_for("Tags: docker/multi")
        release.set()
        await ui.wait_until(lambda: len(finished) == 2)
        assert results == [] and failures == []  # callbacks run as the work returns
        error = ui.app.status.state.error
        assert error is None or "late news" not in str(error)
        assert browser.registry_status.get("local") != "offline"


async def test_a_tag_filter_stays_with_its_repository(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        await ui.wait_for("tags/many", "oci/single")
        select_repository(ui, "tags/many")
        await ui.wait_for("Tags: tags/many (30)")
        ui.press("l", "/")
        ui.type("2.0")
        ui.press("enter")
        await ui.wait_until(lambda: ui.app.tags.table.total == 10)
        await ui.wait_for("10 of 30 tags", "/2.0")
        ui.press("h", "\\")  # the repositories' filter cleared: every repository again
        ui.app.repos.listbox.set_focus(ui.app.repos.table.index_of("oci/single") or 0)
        screen = await ui.wait_for("Tags: oci/single (4, 1 hidden)", "latest")
        assert ui.app.tags.table.query == ""
        assert "Details: tags/many" not in screen and "of 30" not in screen
        assert subjects_agree(ui.app.browser) == []
        ui.app.repos.listbox.set_focus(ui.app.repos.table.index_of("tags/many") or 0)
        await ui.wait_for("Tags: tags/many (30)")
        assert ui.app.tags.table.query == "2.0"  # its own filter, back with it


async def test_enter_after_a_filter_opens_the_top_match(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        await ui.wait_for("paged/repo-011")
        ui.app.repos.listbox.set_focus(5)  # the cursor somewhere down the list
        ui.press("/")
        ui.type("repo-01")
        await ui.wait_until(lambda: ui.app.repos.table.query == "repo-01")
        top = ui.app.repos.table.match(0)[0].name
        ui.press("enter", "enter")
        await ui.wait_for(f"Tags: {top}")
        assert ui.app.layout.focused is ui.app.tags


async def test_name_sort_is_version_aware_marked_and_reversible(
    registry: SeededRegistry, tmp_path: Path
) -> None:
    assert sorted(["2.10.0", "2.2.0", "2.1.9"], key=version_key) == ["2.1.9", "2.2.0", "2.10.0"]
    async with running_app(tmp_path, [("local", registry.url)], rows=50) as ui:
        await ui.wait_for("tags/many")
        assert "NAME ▲" in header_line(ui, "TAGS")
        select_repository(ui, "tags/many")
        await ui.wait_until(lambda: ui.app.browser.tag_info() is not None)
        assert "CREATED ▼" in header_line(ui, "DIGEST")
        ui.press("l", "s", "s")  # date -> size -> name
        await ui.wait_until(lambda: "NAME ▲" in header_line(ui, "DIGEST"))
        names = [r.name for r in ui.app.tags.table.rows]
        assert names == sorted(names, key=version_key)
        ui.press("S")
        await ui.wait_until(lambda: "NAME ▼" in header_line(ui, "DIGEST"))
        assert [r.name for r in ui.app.tags.table.rows] == names[::-1]
        await ui.wait_for("tags sorted by name, reversed")


async def test_esc_does_one_thing_at_a_time(registry: SeededRegistry, tmp_path: Path) -> None:
    async with running_app(tmp_path, [("local", registry.url)]) as ui:
        await ui.wait_for("oci/single")
        select_repository(ui, "oci/single")
        ui.press("l")
        assert ui.app.layout.focused is ui.app.tags
        ui.app.status.state.error = RexError("something failed")
        ui.press("esc")
        assert ui.app.status.state.error is None
        assert ui.app.layout.focused is ui.app.tags  # the error went, the focus stayed
        ui.press("esc")
        assert ui.app.layout.focused is ui.app.repos


async def test_a_registry_that_goes_away_turns_offline_and_keeps_its_data(
    fresh_registry_seeded: SeededRegistry, tmp_path: Path
) -> None:
    extra = "\n[network]\nretry_attempts = 0\ntimeout = 2\n"
    seeded = fresh_registry_seeded
    async with running_app(tmp_path, [("local", seeded.url)], extra_config=extra) as ui:
        await ui.wait_for("oci/single", "online")
        select_repository(ui, "oci/single")
        await ui.wait_for("Tags: oci/single (4, 1 hidden)", "latest")
        seeded.process.stop()
        ui.press("l", "R")  # the tags again, from the registry
        screen = await ui.wait_for("offline", "✗")
        assert "latest" in screen and "oci/single" in screen  # what was shown stays
        assert "Trio nursery" not in screen and "internal error" not in screen
        assert "-vv" not in screen and "--" not in screen.split("✗")[-1]
        seeded.process.start()
        ui.press("R")
        await ui.wait_until(lambda: ui.app.browser.registry_status.get("local") == "online")
        assert ui.app.status.state.error is None


# -- hints -------------------------------------------------------------------------------


def test_engine_hints_become_key_hints() -> None:
    keys = {"refresh": "r", "hard_refresh": "R", "login": "i", "toggle_log": "L"}.__getitem__
    offline = tui_hint(NetworkError("connection refused"), keys)
    assert "r retries" in offline and "L shows the log" in offline
    assert "-vv" not in tui_hint(RexError("odd"), keys)
    assert "R reloads" in tui_hint(NotFoundError("gone"), keys)
    platform = ValidationError("no linux/s390x", remedy=Remedy.PICK_PLATFORM)
    assert tui_hint(platform, keys).startswith(":platform")
    kept = ValidationError("bad", hint="Escape special characters with a backslash.")
    # The engine's own hint (it names no flag) stays, and the log key follows.
    assert tui_hint(kept, keys) == f"{kept.hint} L shows the log."
    assert tui_hint(RexError("odd"), keys) == "L shows the log."  # said once, not twice
    login = tui_hint(AuthenticationError("who?"), keys)
    assert login.endswith("i in the Registries pane (or :login) logs in.")
    timeout = tui_hint(RequestTimeout("slow"), keys)
    assert timeout.endswith(" r retries; L shows the log.") and "--" not in timeout
