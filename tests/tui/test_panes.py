"""List panes fit their columns to the width they are given."""

from __future__ import annotations

from rex_tui.tui.panes import ListPane
from rex_tui.tui.rows import Column, Row

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
