"""The storage view's widget, rendered to canvases: levels, keys, sorting and escaping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from engine import StorageReport
from engine.storage.accounting import ManifestNode, RepoScan, account
from rex_tui.keymap import load_keymap
from rex_tui.tui.storage import StorageView, storage_table
from rex_tui.tui.views import ViewStack

SIZE = (100, 20)


def report() -> StorageReport:
    base = ("sha256:base", 4096)
    app = RepoScan(
        "team/app",
        {"1.0": "m:one", "2.0": "m:idx"},
        {
            "m:one": ManifestNode("m:one", 100, None, (), (("c:1", 10), base)),
            "m:amd": ManifestNode("m:amd", 100, "linux/amd64", (), (("c:2", 10), ("l:2", 2048))),
            "m:arm": ManifestNode("m:arm", 100, "linux/arm64", (), (("c:3", 10), base)),
            "m:idx": ManifestNode("m:idx", 200, None, ("m:amd", "m:arm")),
        },
    )
    web = RepoScan("team/web", {"main": "m:w"}, {"m:w": ManifestNode("m:w", 90, None, (), (base,))})
    evil = RepoScan(
        "evil\x1b[2J",
        {"x": "m:e"},
        {"m:e": ManifestNode("m:e", 10, None, (), (("l:e", 1 << 20),))},
    )
    when = datetime(2026, 12, 1, tzinfo=UTC)
    return account([app, web, evil], registry="r", complete=True, scanned_at=when)


class StubApp:
    """The parts of the app the view uses."""

    def __init__(self, keymap: str) -> None:
        self.keymap = load_keymap(keymap).keymap
        self.views = ViewStack(lambda: None)
        self.workers = None
        self._size = SIZE


def view(keymap: str = "vim") -> tuple[StorageView, StubApp]:
    app = StubApp(keymap)
    shown = StorageView(app, "reg.example:5000")  # type: ignore[arg-type]
    app.views.push(shown)
    shown.loaded(report())
    return shown, app


def screen(v: StorageView) -> list[str]:
    canvas: Any = v.widget.render(SIZE)
    return [line.decode().rstrip() for line in canvas.text]


def test_the_table_of_each_level() -> None:
    got = report()
    top = storage_table(got, [], "size")
    assert top.columns == ("NAMESPACE", "SIZE", "UNIQUE", "REPOS")
    assert [key for key, _ in top.rows] == ["", "team"]
    assert top.rows[1][1] == ("team", "6.0 KB", "6.0 KB", "2")  # the base is only team's
    repos = storage_table(got, ["team"], "name")
    assert [key for key, _ in repos.rows] == ["team/app", "team/web"]
    assert repos.rows[0][1][1:] == ("6.0 KB", "2.0 KB", "4.0 KB", "2")
    tags = storage_table(got, ["team", "team/app"], "size")
    assert [key for key, _ in tags.rows] == ["2.0", "1.0"]  # the biggest first
    assert tags.rows[1][1][2] == "-" and tags.rows[0][1][2] == "linux/amd64, linux/arm64"
    platforms = storage_table(got, ["team", "team/app", "2.0"], "size")
    assert [cells[0] for _, cells in platforms.rows] == ["linux/arm64", "linux/amd64"]


def test_enter_drills_down_and_esc_comes_back() -> None:
    v, app = view()
    lines = screen(v)
    assert "reg.example:5000" in lines[0] and "NAMESPACE" in lines[2]
    assert lines[3].strip().startswith("(top level)") or "(top level)" in lines[3]
    v.handle("j")  # the second namespace: team
    v.handle("enter")
    lines = screen(v)
    assert "› team" in lines[1] and "REPOSITORY" in lines[2]
    assert "team/app" in lines[3] and "team/web" in lines[4]
    v.handle("enter")
    v.handle("enter")  # team/app, then its biggest tag
    lines = screen(v)
    assert "PLATFORM" in lines[2] and "linux/arm64" in lines[3]
    v.handle("enter")  # a leaf: nothing deeper
    assert v.path == ["team", "team/app", "2.0"]
    for _ in range(3):
        v.handle("esc")
    assert v.path == [] and app.views.top is v
    v.handle("esc")
    assert app.views.top is None


def test_sort_cycles_and_names_are_escaped() -> None:
    v, _ = view("default")
    assert v.sort == "size"
    v.handle("enter")  # the top level holds the hostile name
    text = "\n".join(screen(v))
    assert "\x1b" not in text and "evil\\x1b[2J" in text
    v.handle("esc")
    assert "sorted by size" in screen(v)[1]
    keys = [b.display for b in v.app.keymap.bindings("repositories") if b.action == "sort_cycle"]
    keys += [b.display for b in v.app.keymap.bindings("global") if b.action == "sort_cycle"]
    v.handle(keys[0])
    assert v.sort == "name" and "sorted by name" in screen(v)[1]


@pytest.mark.parametrize("keymap", ["vim", "default"])
def test_the_registries_pane_binds_u_to_storage(keymap: str) -> None:
    bound = load_keymap(keymap).keymap.lookup("registries", "u")
    assert bound == "storage"
