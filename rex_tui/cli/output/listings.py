"""Tables of repositories and tags, shared by `rex image` and `rex search`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine import DigestGroup, RepoInfo, TagInfo, human_size, relative_time
from rex_tui.cli.output.color import Palette
from rex_tui.cli.output.image_views import short_digest
from rex_tui.cli.output.table import Column, render_table

__all__ = ["digest_table", "repo_table", "tag_table", "when", "yes"]


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """A table cell for a time: relative when recent, the date when older, "-" if unknown."""
    return "-" if moment is None else relative_time(moment, now)


def repo_table(repos: Sequence[RepoInfo], palette: Palette, now: datetime | None = None) -> str:
    columns = [Column("NAME", palette.name), Column("TAGS"), Column("LAST UPDATED")]
    rows = [[r.name, str(r.tags), when(r.last_updated, now)] for r in repos]
    return render_table(columns, rows, palette)


def yes(flag: bool) -> str:
    return "yes" if flag else "-"


def _image_columns(palette: Palette) -> list[Column]:
    return [
        Column("DIGEST", palette.muted),
        Column("SIZE"),
        Column("CREATED"),
        Column("PLATFORMS"),
        Column("TOTAL"),
        Column("SIGNED"),
        Column("SBOM"),
    ]


def _image_cells(info: TagInfo, now: datetime | None) -> list[str]:
    return [
        short_digest(info.digest),
        human_size(info.size),
        when(info.created, now),
        ", ".join(info.platforms) or "-",
        human_size(info.total_size),
        yes(info.signed),
        yes(info.sbom),
    ]


def tag_table(tags: Sequence[TagInfo], palette: Palette, now: datetime | None = None) -> str:
    """The seeds' columns, then the image facts: SIZE is the shown platform's pull size,
    TOTAL every platform's; SIGNED and SBOM say what refers to the digest."""
    columns = [Column("TAG", palette.name), *_image_columns(palette), Column("ALIASES")]
    rows = [[t.tag, *_image_cells(t, now), ", ".join(t.aliases) or "-"] for t in tags]
    return render_table(columns, rows, palette)


def digest_table(
    groups: Sequence[DigestGroup], palette: Palette, now: datetime | None = None
) -> str:
    """`rex image NAME --group-by digest`: one row per digest, its tags joined by " = "."""
    columns = [Column("TAGS", palette.name), *_image_columns(palette)]
    rows = [[" = ".join(g.tags), *_image_cells(g.info, now)] for g in groups]
    return render_table(columns, rows, palette)
