"""The panes share the width by content; the layout setting and zoom pick what is shown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.rex import Rex
from rex_tui.tui.browse import Browser
from rex_tui.tui.layout import PaneLayout, share
from rex_tui.tui.panes import ListPane
from rex_tui.tui.rows import Row
from rex_tui.tui.statusbar import StatusBar

LONG = "deep/nested/path.with_dots/app-x"
NAMES = [LONG, "team-0/alpine-3.19-minimal", "team-0/alpine-3.20-minimal", "oci/multi"]
MULTI = "linux/amd64, linux/arm64/v8, linux/arm/v7"


def layout(setting: str = "auto") -> PaneLayout:
    b = Browser(Rex(), ["local"], "local", StatusBar())
    b.registry_status["local"] = "online"
    b.show_registries()
    b.repos.set_rows([Row(n, ("12", "3 days ago"), key=n) for n in NAMES])
    b.tags.set_rows(
        [Row(f"v1.{i}.0", ("d132c21aaa34", "418 B", "2 days ago", MULTI), key=i) for i in range(3)]
    )
    shown = PaneLayout(b.panes, setting)
    shown.focus_pane(1)
    return shown


def screen(pane_layout: PaneLayout, cols: int, rows: int = 8) -> list[str]:
    return [line.decode() for line in pane_layout.render((cols, rows), focus=True).text]


def titles(lines: list[str]) -> list[str]:
    top = lines[0]
    return [part.split()[0].rstrip(":") for part in top.split("┌ ")[1:]]


@pytest.mark.parametrize("cols", [120, 140, 160, 180, 220])
def test_side_by_side_names_up_to_40_characters_show_whole(cols: int) -> None:
    lines = screen(layout(), cols)
    assert titles(lines) == ["Registries", "Repositories", "Tags", "Details"]
    assert all(any(name in line for line in lines) for name in NAMES)
    assert all(len(line) == cols for line in lines)


def test_at_160_columns_no_list_pane_has_empty_columns_to_spare() -> None:
    shown = layout()
    widths = shown.widths(160)
    assert sum(widths) == 160
    registries, repos, tags, _details = shown.panes
    assert widths[0] == registries.tiers()[-1] == len("│NAME    STATUS│")  # its content
    assert widths[1] == repos.tiers()[-1]  # names whole, every column
    assert tags.usable(widths[2]) == widths[2]  # no blank columns left in it
    lines = screen(shown, 160)
    assert "CREATED" in lines[1] and "SIZE" in lines[1] and "×3" in lines[2]


def test_auto_is_one_pane_at_a_time_below_120_columns() -> None:
    lines = screen(layout(), 100)
    assert titles(lines) == ["Repositories"]
    assert any(LONG in line for line in lines)


def test_the_layout_setting_is_honoured() -> None:
    assert titles(screen(layout("stacked"), 220)) == ["Repositories"]
    columns = screen(layout("columns"), 80)
    assert titles(columns) == ["Registries", "Repositories", "Tags", "Details"]
    # Narrow panes cut names in the middle, keeping the last path segment.
    repos = [line.split("│")[3] for line in columns[2:6]]
    assert repos[0].startswith("deep/") and "…/app-x" in repos[0]
    assert layout("nonsense").layout == "auto"


def test_zoom_shows_the_focused_pane_alone_and_back() -> None:
    shown = layout()
    assert shown.toggle_zoom() is True
    lines = screen(shown, 220)
    assert titles(lines) == ["Repositories"] and len(lines[0]) == 220
    assert shown.toggle_zoom() is False
    assert len(titles(screen(shown, 220))) == 4


class Wants:
    def __init__(self, least: int, tiers: list[int]) -> None:
        self.least, self.wanted = least, tiers

    def min_width(self) -> int:
        return self.least

    def tiers(self) -> list[int]:
        return self.wanted

    def usable(self, width: int) -> int:
        return width


@given(
    st.integers(1, 400),
    st.lists(
        st.tuples(st.integers(1, 40), st.lists(st.integers(1, 120), max_size=5)),
        min_size=1,
        max_size=5,
    ),
)
def test_share_hands_out_the_whole_width_and_never_less_than_asked_when_it_fits(
    width: int, panes: list[tuple[int, list[int]]]
) -> None:
    wants = [Wants(least, sorted(tiers)) for least, tiers in panes]
    widths = share(width, wants)
    assert sum(widths) == width or sum(w.least for w in wants) >= width
    if sum(w.least for w in wants) < width:
        assert all(got >= w.least for got, w in zip(widths, wants, strict=True))


@pytest.mark.parametrize("cols", [120, 160, 220])
def test_what_the_tags_show_never_moves_the_lists_left_of_them(cols: int) -> None:
    shown = layout()
    before = shown.widths(cols)
    tags = shown.panes[2]
    assert isinstance(tags, ListPane)
    tags.set_title("Tags: deep/nested/path.with_dots/app-x (1)")
    tags.set_rows([Row("a-rather-long-tag-name-1.2.3", ("abc", "1 MB", "now", "-"), key=0)])
    after = shown.widths(cols)
    assert after[:2] == before[:2] and sum(after) == cols
    tags.set_rows([])
    assert shown.widths(cols)[:2] == before[:2]
