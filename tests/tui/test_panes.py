"""List panes fit their columns to the width they are given."""

from __future__ import annotations

import pytest

from engine.rex import Rex
from rex_tui.tui.browse import Browser
from rex_tui.tui.panes import ListPane
from rex_tui.tui.rows import Column, Row
from rex_tui.tui.statusbar import StatusBar

COLUMNS = (
    Column("DIGEST", 12),
    Column("SIZE", 9, "right"),
    Column("CREATED", 11),
    Column("PLATFORMS", 40),
)


def tag_pane() -> ListPane:
    pane = ListPane("tags", "Tags", COLUMNS)
    cells = ("d132c21aaa34", "70.1 KB", "2 days ago", "linux/amd64, linux/arm64")
    pane.set_rows([Row(f"v1.{i}.0-alpine", cells, key=i) for i in range(5)])
    return pane


def rendered(pane: ListPane, cols: int) -> list[str]:
    return [line.decode() for line in pane.render((cols, 8)).text]


def test_wide_shows_every_column() -> None:
    lines = rendered(tag_pane(), 120)
    assert all(h in lines[1] for h in ("NAME", "DIGEST", "SIZE", "CREATED", "PLATFORMS"))
    assert "v1.0.0-alpine d132c21aaa34" in lines[2]


def test_narrow_leaves_out_the_last_columns_instead_of_stubs() -> None:
    lines = rendered(tag_pane(), 40)
    assert "DIGEST" in lines[1] and "SIZE" in lines[1]
    assert "CREATED" not in lines[1] and "PLATFORMS" not in lines[1] and "CRE" not in lines[1]
    assert "v1.0.0-alpine" in lines[2] and "70.1 KB" in lines[2]
    # And back when there is room again.
    assert "PLATFORMS" in rendered(tag_pane(), 120)[1]


def test_names_keep_at_least_14_columns() -> None:
    lines = rendered(tag_pane(), 30)
    assert "v1.0.0-alpine" in lines[2]  # 13 characters: whole


# -- columns give way in order: the tags, repositories and registries of the app --------

MULTI = "linux/amd64, linux/arm64/v8, linux/arm/v7"


def browser() -> Browser:
    b = Browser(Rex(), ["local", "production-eu"], "local", StatusBar())
    b.registry_status.update({"local": "online", "production-eu": "auth required"})
    b.show_registries()
    b.tags.set_rows(
        [Row(f"v1.{i}.0", ("d132c21aaa34", "418 B", "2 days ago", MULTI), key=i) for i in range(3)]
    )
    return b


def header_of(pane: ListPane, cols: int) -> list[str]:
    """The column names of the header, without the sort marker (▲ ▼)."""
    return [w for w in rendered(pane, cols)[1].strip("│").split() if w not in ("▲", "▼")]


@pytest.mark.parametrize("cols", range(13, 100))
def test_tag_columns_give_way_in_the_documented_order(cols: int) -> None:
    pane = browser().tags
    lines = rendered(pane, cols)
    shown = header_of(pane, cols)
    # Kept in this order: NAME, CREATED, SIZE, PLATFORMS (then as the ARCH marker), DIGEST.
    kept = ["NAME", "CREATED", "SIZE", "PLATFORMS", "DIGEST"]
    present = [h for h in kept if h in shown]
    assert present == kept[: len(present)], (cols, shown)
    # The multi-arch marker is always there: the platforms, or ×3.
    assert "×3" in lines[2] or MULTI[:20] in lines[2], (cols, lines[2])
    assert "v1.0.0" in lines[2]


def test_at_full_width_every_tag_column_shows_in_display_order() -> None:
    # The aliases column (`= 1.4.2 = 1.4`) has no header: it reads on from the name.
    assert header_of(browser().tags, 120) == [
        "NAME",
        "DIGEST",
        "SIZE",
        "TOTAL",
        "CREATED",
        "SIG/SBOM",
        "PLATFORMS",
    ]


def test_a_tag_row_reads_as_its_aliases_and_badge() -> None:
    import datetime as dt

    from engine import TagInfo
    from rex_tui.tui.browse import tag_cells

    b = browser()
    now = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    info = TagInfo(
        "latest",
        "sha256:" + "d" * 64,
        1000,
        now,
        ("linux/amd64", "linux/arm64"),
        "m",
        platform_sizes={"linux/amd64": 1000, "linux/arm64": 2000},
        aliases=("1.4", "1.4.2"),
        signed=True,
        sbom=True,
    )
    plain = TagInfo("edge", "sha256:" + "e" * 64, 10, now, ("linux/amd64",), "m")
    b.tags.set_rows([Row(i.tag, tag_cells(i, now), key=i.tag) for i in (info, plain)])
    lines = rendered(b.tags, 120)
    assert "latest = 1.4 = 1.4.2 dddddddddddd" in lines[2]
    assert "2.9 KB" in lines[2] and "sig+sbom" in lines[2]
    assert "sig" not in lines[3] and "KB" not in lines[3].split("B", 1)[1]


@pytest.mark.parametrize("cols", range(8, 40))
def test_a_registry_status_is_always_visible_as_an_icon_when_narrow(cols: int) -> None:
    pane = browser().registries
    lines = rendered(pane, cols)
    local = lines[2].strip("│").rstrip()
    other = lines[3].strip("│").rstrip()
    assert local.endswith(("online", "✓")), (cols, local)
    assert other.endswith(("auth required", "?")), (cols, other)


def test_the_registries_pane_wants_no_more_than_its_content() -> None:
    pane = browser().registries
    widest = len("│  production-eu auth required│")
    assert pane.tiers()[-1] == widest
    assert pane.usable(200) == widest
