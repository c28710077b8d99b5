"""The storage view: registry -> namespace -> repository -> tag, shared blobs counted once.

Opened with `:storage` or a key on the registries pane. The crawl runs in a worker
(the `storage` slot) with its progress in the view's header; the app stays usable,
and closing the view lets the crawl finish in the background (its scans are
cached, so opening the view again is quick). Enter goes one level down, Esc one
up (and closes at the top), the sort key cycles size, name and unique bytes, and
refresh checks every tag again. Every name shown is the registry's: escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import urwid

from engine import (
    STORAGE_SORTS,
    RexError,
    StorageReport,
    human_size,
    namespace_of,
    sort_usages,
    tag_usages,
)
from rex_tui.keynames import SCROLL_KEYS
from rex_tui.tui.views import View
from rex_tui.untrusted import visible

if TYPE_CHECKING:
    from rex_tui.tui.host import Host

__all__ = ["StorageView", "Table", "storage_table"]

TOP_LEVEL = "(top level)"
_NAME = 40
_SIZE = 10


@dataclass(frozen=True, slots=True)
class Table:
    """One level of the drill-down: column titles and rows (the key Enter descends into)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, tuple[str, ...]], ...]


def _tag_platforms(report: StorageReport, repository: str, tag: str) -> Table:
    scan = report.scans[repository]
    _, seen = scan.reach([scan.tags[tag]])
    rows = []
    for digest in sorted(seen):
        node = scan.manifests[digest]
        if node.blobs:
            size = sum(dict(node.blobs).values())
            rows.append((size, node.platform or "-", digest))
    rows.sort(key=lambda r: (-r[0], r[1]))
    return Table(
        ("PLATFORM", "SIZE", "MANIFEST"),
        tuple((None, (p, human_size(s), d[:19])) for s, p, d in rows),
    )


def storage_table(report: StorageReport, path: Sequence[str], sort: str) -> Table:
    """The rows shown at `path` ([], [namespace], [namespace, repository] or one tag deeper)."""
    if not path:
        spaces = sort_usages(report.namespaces, sort)
        return Table(
            ("NAMESPACE", "SIZE", "UNIQUE", "REPOS"),
            tuple(
                (
                    n.name,
                    (
                        n.name or TOP_LEVEL,
                        human_size(n.bytes),
                        human_size(n.unique_bytes),
                        str(n.repositories),
                    ),
                )
                for n in spaces
            ),
        )
    if len(path) == 1:
        repos = [r for r in report.repositories if namespace_of(r.name) == path[0]]
        return Table(
            ("REPOSITORY", "SIZE", "UNIQUE", "SHARED", "TAGS"),
            tuple(
                (
                    r.name,
                    (
                        r.name,
                        human_size(r.bytes),
                        human_size(r.unique_bytes),
                        human_size(r.shared_bytes),
                        str(r.tags),
                    ),
                )
                for r in sort_usages(repos, sort)
            ),
        )
    if len(path) == 2:
        tags = tag_usages(report.scans[path[1]])
        if sort != "name":
            tags.sort(key=lambda t: (-t.bytes, t.tag))
        return Table(
            ("TAG", "SIZE", "PLATFORMS", "DIGEST"),
            tuple(
                (t.tag, (t.tag, human_size(t.bytes), ", ".join(t.platforms) or "-", t.digest[:19]))
                for t in tags
            ),
        )
    return _tag_platforms(report, path[1], path[2])


def _line(cells: Sequence[str]) -> str:
    """Cells in fixed columns: the name left, sizes and counts right-aligned."""
    name, *rest = [visible(c) for c in cells]
    parts = [name[:_NAME].ljust(_NAME)]
    for cell in rest:
        parts.append(cell.rjust(_SIZE) if len(cell) <= _SIZE else cell)
    return " ".join(parts).rstrip()


class _Row(urwid.Text):
    """A selectable text row; the view handles its keys."""

    _selectable = True

    def __init__(self, text: str, key: str | None) -> None:
        super().__init__(text, wrap="clip")
        self.key = key

    def keypress(self, size: tuple[()] | tuple[int] | tuple[int, int], key: str) -> str:
        return key


class StorageView(View):
    """The drill-down overlay; `start()` launches (or re-launches) the crawl."""

    context = "repositories"
    width = ("relative", 94)
    height = ("relative", 90)

    def __init__(self, app: Host, registry: str) -> None:
        self.app = app
        self.registry = registry
        self.report: StorageReport | None = None
        self.path: list[str] = []
        self.sort = "size"
        self.progress: tuple[int, int] | None = None
        self.error = ""
        self.header = urwid.Text("", wrap="clip")
        self.columns = urwid.AttrMap(urwid.Text("", wrap="clip"), "list.header")
        self.walker: urwid.SimpleFocusListWalker[Any] = urwid.SimpleFocusListWalker([])
        self.listbox = urwid.ListBox(self.walker)
        frame: urwid.Frame[Any, Any, Any] = urwid.Frame(
            self.listbox, header=urwid.Pile([self.header, self.columns])
        )
        self.box = urwid.LineBox(frame, title=f" storage: {visible(registry)} ")
        self.widget = urwid.AttrMap(self.box, "list")

    # -- the crawl -------------------------------------------------------------

    def start(self, *, refresh: bool = False) -> None:
        workers = self.app.workers
        if workers is None:
            return
        self.progress, self.error = (0, 0), ""
        self.show_header()

        def progress(done: int, total: int) -> None:
            self.progress = (done, total)
            self.show_header()

        async def crawl() -> StorageReport:
            return await self.app.rex.storage(self.registry, refresh=refresh, progress=progress)

        workers.run("storage", crawl, self.loaded, on_error=self.failed)

    def loaded(self, report: StorageReport) -> None:
        self.report, self.progress = report, None
        self.show()

    def failed(self, error: RexError) -> None:
        self.progress, self.error = None, error.message
        self.show_header()

    # -- drawing ---------------------------------------------------------------

    def show_header(self) -> None:
        crumbs = " › ".join([self.registry, *(p or TOP_LEVEL for p in self.path)])
        facts = []
        report = self.report
        if report is not None:
            facts.append(
                f"{human_size(report.total_bytes)} in {report.blobs} blobs, "
                f"manifests {human_size(report.manifest_bytes)}"
            )
            if not report.complete:
                facts.append("incomplete")
        if self.progress is not None:
            done, total = self.progress
            facts.append(f"scanning {done}/{total}…" if total else "scanning…")
        if self.error:
            facts.append(f"error: {self.error}")
        facts.append(f"sorted by {self.sort}")
        self.header.set_text(visible(f"{crumbs}  ·  " + " · ".join(facts)))

    def show(self) -> None:
        self.show_header()
        if self.report is None:
            return
        table = storage_table(self.report, self.path, self.sort)
        self.columns.original_widget.set_text(_line(table.columns))
        self.walker[:] = [
            urwid.AttrMap(_Row(_line(cells), key), None, "list.selected")
            for key, cells in table.rows
        ]
        if table.rows:
            self.walker.set_focus(0)

    # -- keys ------------------------------------------------------------------

    def handle(self, key: str) -> list[str]:
        action = self.app.keymap.lookup(self.context, key)
        if key == "esc" or action == "back":
            if self.path:
                self.path.pop()
                self.show()
            else:
                self.app.views.remove(self)
        elif action in ("quit", "help"):
            self.app.views.remove(self)
        elif action == "open":
            self.open()
        elif action == "sort_cycle":
            self.sort = STORAGE_SORTS[(STORAGE_SORTS.index(self.sort) + 1) % len(STORAGE_SORTS)]
            self.show()
        elif action in ("refresh", "hard_refresh"):
            self.start(refresh=True)
        elif action in ("top", "bottom") and len(self.walker):
            self.listbox.set_focus(0 if action == "top" else len(self.walker) - 1)
        elif action is not None and action in SCROLL_KEYS:
            cols, rows = self.app._size
            self.listbox.keypress((cols, max(1, rows - 4)), SCROLL_KEYS[action])
        return []

    def open(self) -> None:
        if self.report is None or not len(self.walker) or len(self.path) >= 3:
            return
        focused = self.walker.get_focus()[0]
        row = focused.original_widget if focused is not None else None
        if isinstance(row, _Row) and row.key is not None:
            self.path.append(row.key)
            self.show()


def open_storage(app: Host, registry: str) -> None:
    """`:storage` and the registries pane's key: the view over `registry`, crawling."""
    view = StorageView(app, registry)
    cached = app.rex.storage_total(registry)
    if cached is not None:
        app.status.say(f"storage of {registry}: {human_size(cached.total_bytes)} when last seen")
    app.views.push(view)
    view.start()
