"""Tables of repositories and tags, shared by `rex image` and `rex search`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine import RepoInfo, TagInfo, human_size, relative_time
from rex_tui.cli.output.color import Palette
from rex_tui.cli.output.image_views import short_digest
from rex_tui.cli.output.table import Column, render_table

__all__ = ["repo_table", "tag_table", "when"]


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """A table cell for a time: relative when recent, the date when older, "-" if unknown."""
    return "-" if moment is None else relative_time(moment, now)


def repo_table(repos: Sequence[RepoInfo], palette: Palette, now: datetime | None = None) -> str:
    columns = [Column("NAME", palette.name), Column("TAGS"), Column("LAST UPDATED")]
    rows = [[r.name, str(r.tags), when(r.last_updated, now)] for r in repos]
    return render_table(columns, rows, palette)


def tag_table(tags: Sequence[TagInfo], palette: Palette, now: datetime | None = None) -> str:
    columns = [
        Column("TAG", palette.name),
        Column("DIGEST", palette.muted),
        Column("SIZE"),
        Column("CREATED"),
        Column("PLATFORMS"),
    ]
    rows = [
        [
            t.tag,
            short_digest(t.digest),
            human_size(t.size),
            when(t.created, now),
            ", ".join(t.platforms) or "-",
        ]
        for t in tags
    ]
    return render_table(columns, rows, palette)
