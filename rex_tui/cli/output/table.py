"""Aligned text tables whose widths ignore colour codes and count wide characters twice."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rex_tui.cli.output.color import Palette
from rex_tui.untrusted import visible

__all__ = ["Column", "display_width", "render_table"]

GAP = "  "


def display_width(text: str) -> int:
    """Terminal cells `text` takes: East Asian wide characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its heading and how its cells are styled once padded."""

    title: str
    style: Callable[[str], str] | None = None
    align_right: bool = False


def render_table(columns: Sequence[Column], rows: Sequence[Sequence[str]], palette: Palette) -> str:
    """The table as lines joined by newlines, no trailing spaces; empty string without rows.

    Cells are escaped (`rex_tui.untrusted.visible`) before they are measured: a
    cell is one line, so a tab or newline in a registry's text shows as `\\t`, `\\n`.
    """
    rows = [[visible(cell) for cell in row] for row in rows]
    widths = [display_width(c.title) for c in columns]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    last = len(columns) - 1

    def line(cells: Sequence[str], styles: Sequence[Callable[[str], str] | None]) -> str:
        parts: list[str] = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - display_width(cell))
            # Colour goes on the text only, after measuring, so codes never skew alignment.
            style = styles[i]
            shown = style(cell) if style is not None and cell else cell
            if columns[i].align_right:
                parts.append(pad + shown)
            else:
                parts.append(shown if i == last else shown + pad)
        return GAP.join(parts).rstrip()

    header = line([c.title for c in columns], [palette.header] * len(columns))
    body = [line(row, [c.style for c in columns]) for row in rows]
    return "\n".join([header, *body])
