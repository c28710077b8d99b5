"""A diff of two tags: mark one (`m`), select another, `D` pushes this view over the panes.

It compares config, layers, history, pull size per platform and the files of the two
merged filesystems; the layers stream in a worker (cached listings are reused) with
the progress on the first line. A is the marked tag, B the selected one.
"""

from __future__ import annotations

import json
from typing import Any

import urwid

from engine import FileEntry, ImageDiff, Reference, RexError, human_size
from rex_tui.tui.host import Host
from rex_tui.tui.views import ScrollView
from rex_tui.untrusted import visible

__all__ = ["DiffView", "diff_lines"]

_MAX_FILE_ROWS = 2000


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _size(a: int | None, b: int | None) -> str:
    if a is None or b is None:
        return f"{'-' if a is None else human_size(a)} -> {'-' if b is None else human_size(b)}"
    sign = "+" if b >= a else "-"
    return f"{human_size(a)} -> {human_size(b)} ({sign}{human_size(abs(b - a))})"


def _entry(sign: str, style: str, e: FileEntry) -> tuple[str, list[Any]]:
    return e.path, [(style, f"  {sign} "), e.path, ("details.size", f"  {human_size(e.size)}")]


def diff_lines(diff: ImageDiff) -> list[list[Any]]:
    """The diff as lines of markup (unescaped: the view escapes every piece)."""
    head, add, rem, chg = "details.heading", "registry.online", "log.error", "details.label"
    lines: list[list[Any]] = [
        [(head, "A "), diff.a.reference, "  ", ("details.digest", diff.a.digest[:19])],
        [(head, "B "), diff.b.reference, "  ", ("details.digest", diff.b.digest[:19])],
    ]
    if diff.identical:
        return [*lines, ["identical: both name the same manifest"]]
    lines += [[], [(head, "Config")]]
    for c in diff.config:
        name = c.field + (f" {c.key}" if c.key is not None else "")
        if c.before is None:
            lines.append([(add, "  + "), f"{name}: {_value(c.after)}"])
        elif c.after is None:
            lines.append([(rem, "  - "), f"{name}: {_value(c.before)}"])
        else:
            lines.append([(chg, "  ~ "), f"{name}: {_value(c.before)} -> {_value(c.after)}"])
    lines += [[], [(head, "Layers")]]
    lines += [[(add, "  + "), d] for d in diff.layers_added]
    lines += [[(rem, "  - "), d] for d in diff.layers_removed]
    lines += [[], [(head, "History")]]
    lines += [[(add if s == "+" else rem, f"  {s} "), step] for s, step in diff.history]
    lines += [[], [(head, "Size")]]
    lines += [[f"  {p or '-'}  ", _size(a, b)] for p, (a, b) in diff.sizes.items()]
    if diff.files_added is not None:
        removed, changed = diff.files_removed or (), diff.files_changed or ()
        title = f"Files: {len(diff.files_added)} added, {len(removed)} removed, "
        lines += [[], [(head, title + f"{len(changed)} changed")]]
        rows = [_entry("+", add, e) for e in diff.files_added]
        rows += [_entry("-", rem, e) for e in removed]
        for f in changed:
            what = ("details.label", "  " + ", ".join(f.what))
            rows.append((f.after.path, [(chg, "  ~ "), f.after.path, what]))
        rows.sort(key=lambda row: row[0].split("/"))
        lines += [line for _, line in rows[:_MAX_FILE_ROWS]]
        if len(rows) > _MAX_FILE_ROWS:
            lines.append([("muted", f"  … {len(rows) - _MAX_FILE_ROWS:,} more")])
    return lines


def _rows(lines: list[list[Any]]) -> list[urwid.Widget]:
    return [
        urwid.Text(
            [visible(p) if isinstance(p, str) else (p[0], visible(p[1])) for p in line] or "",
            wrap="any",
        )
        for line in lines
    ]


class DiffView(ScrollView):
    """The diff of two references, computed in a worker; Esc closes it (and stops it)."""

    width = ("relative", 96)
    height = ("relative", 96)

    def __init__(self, app: Host, a: Reference, b: Reference, platform: str | None) -> None:
        title = visible(f" Diff {app.rex.display(a)} -> {app.rex.display(b)} ")
        super().__init__(app.keymap, title, [urwid.Text("reading both images…")], self._close)
        self.app, self.size = app, app._size
        self.a, self.b, self.platform = a, b, platform

    def _close(self) -> None:
        if self.app.workers is not None:
            self.app.workers.cancel("diff")
        self.app.views.remove(self)

    def load(self) -> None:
        app = self.app
        if app.workers is None:
            return

        def progress(done: int, total: int) -> None:
            self.set_rows([urwid.Text(f"reading the layers… {human_size(done)} of "
                                      f"{human_size(total)}")])  # fmt: skip

        async def fetch() -> ImageDiff:
            return await app.rex.diff_images(
                self.a, self.b, platform=self.platform, progress=progress
            )

        def failed(error: RexError) -> None:
            self.set_rows([urwid.Text(("log.error", visible(f"cannot diff: {error}")))])

        app.workers.run("diff", fetch, lambda d: self.set_rows(_rows(diff_lines(d))),
                        on_error=failed)  # fmt: skip
