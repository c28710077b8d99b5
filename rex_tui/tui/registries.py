"""The registries pane as a dashboard: status, latency, auth, repositories, storage,
last sync, rate limit and last error, with the columns that fit the width.

Side by side with the other panes it asks for no more than its names and
statuses (the repositories and tags need the room); given the whole width
(the stacked layout, or zoomed) it shows every column that fits, giving way in
`keep` order: STATUS (always, as an icon when narrow), RATE LIMIT, REPOS,
LATENCY, AUTH, STORAGE, SYNCED, LAST ERROR.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rex_tui.dashboard import COLUMNS, cells
from rex_tui.tui.panes import ListPane
from rex_tui.tui.rows import Column, Row, status_icon

if TYPE_CHECKING:
    from engine import RateLimit, RegistryStatus

__all__ = ["DASHBOARD_COLUMNS", "RegistriesPane", "registry_row"]

DASHBOARD_COLUMNS = (
    Column("STATUS", 14, short=1, shorten=status_icon, keep=9),
    Column("LATENCY", 8, "right", keep=6),
    Column("AUTH", 9, keep=5),
    Column("REPOS", 8, "right", keep=7),
    Column("STORAGE", 9, "right", keep=4),
    Column("SYNCED", 11, keep=3),
    Column("RATE LIMIT", 26, keep=8),
    Column("LAST ERROR", 60, keep=1, min_width=12),
)
"""In `rex_tui.dashboard.COLUMNS` order; a higher `keep` stays longer."""
assert tuple(c.header for c in DASHBOARD_COLUMNS) == COLUMNS

STATUS_STYLES = {
    "online": "registry.online",
    "auth required": "registry.auth",
    "auth failed": "registry.auth",
    "rate-limited": "registry.auth",
    "offline": "registry.offline",
    "not a registry": "registry.offline",
    "error": "registry.offline",
    "catalog closed": "registry.closed",
}
_STYLES = (None, None, None, None, "details.date", None, "registry.offline")
"""The styles of the cells after STATUS."""
_SIDE_BY_SIDE_TIERS = 2
"""Beside the other panes: the names with the status icon, then the status whole."""


class RegistriesPane(ListPane):
    """The registries list; its dashboard columns show when it has the width to itself."""

    def __init__(self) -> None:
        super().__init__("registries", "Registries", DASHBOARD_COLUMNS)

    def tiers(self) -> list[int]:
        return super().tiers()[:_SIDE_BY_SIDE_TIERS]

    def steady_tiers(self) -> list[int]:
        return super().steady_tiers()[:_SIDE_BY_SIDE_TIERS]

    def usable(self, width: int) -> int:
        return min(super().usable(width), max(self.tiers()))


def registry_row(
    name: str,
    *,
    current: bool,
    status: str,
    dashboard: RegistryStatus | None,
    rate_limit: RateLimit | None,
    now: float,
) -> Row:
    """One registry's row: `status` as the pane knows it, the rest from its last check
    (blank until the first), with the rate limit the session saw last."""
    marker = "● " if current else "  "
    if dashboard is None:
        shown: tuple[str, ...] = (status,)
    else:
        if rate_limit is not None:
            dashboard = replace(dashboard, rate_limit=rate_limit)
        shown = cells(dashboard, now, shown_status=status)
    styles = (
        STATUS_STYLES.get(status),
        None,
        None,
        None,
        None,
        "details.date",
        None,
        "registry.offline",
    )
    return Row(marker + name, shown, key=name, styles=styles)
