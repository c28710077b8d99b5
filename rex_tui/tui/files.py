"""The Files browser: an image's merged filesystem as a collapsible tree, its layers, the waste.

Pushed over the panes for the selected tag (`f`, or Enter on the Files section of the
details). The layers stream in a worker (listings come from the cache when known) with
their progress on the first line; the UI stays usable. `[` / `]` switch between the
tree, the per-layer view and the wasted bytes. Enter folds a directory or opens a
file: text highlighted with pygments by its name, binary as a hex head. Every name
is the registry's text and is escaped.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import urwid

from engine import FileEntry, ImageFiles, Reference, RexError, human_size
from rex_tui.styles import json_lines
from rex_tui.tui.host import Host
from rex_tui.tui.views import ScrollView, View
from rex_tui.untrusted import visible

__all__ = ["FileTree", "FilesView", "TreeRow", "content_lines"]

VIEWS = ("Tree", "Layers", "Wasted")
SHOW_BYTES = 256 * 1024
"""The most of a file the viewer keeps (the rest is read past, not shown)."""
HEX_BYTES = 4096
_LAYER_ROWS = 500
"""Entries listed per layer in the Layers view."""


@dataclass(frozen=True, slots=True)
class TreeRow:
    """One line of the tree: a file, or a directory (folded or not)."""

    path: str
    depth: int
    is_dir: bool
    size: int
    """A directory's: everything below it."""
    entry: FileEntry | None
    """None for a directory no layer lists itself (only its contents)."""


class FileTree:
    """The merged entries as directories and their children, sizes summed upwards."""

    def __init__(self, entries: Sequence[FileEntry]) -> None:
        self.entries = {e.path: e for e in entries}
        self.children: dict[str, list[str]] = {"/": []}
        self.sizes: dict[str, int] = {"/": 0}
        for entry in entries:
            self._add(entry.path, entry.kind == "dir")
            parent = entry.path
            while parent != "/":
                parent = posixpath.dirname(parent)
                self.sizes[parent] = self.sizes.get(parent, 0) + entry.size
        for names in self.children.values():
            names.sort()

    def _add(self, path: str, is_dir: bool) -> None:
        if is_dir:
            self.children.setdefault(path, [])
        if path in self.sizes:
            return
        self.sizes.setdefault(path, 0)
        parent = posixpath.dirname(path)
        if parent not in self.children:
            self._add(parent, True)
        self.children[parent].append(path)

    def is_dir(self, path: str) -> bool:
        return path in self.children

    def rows(self, expanded: set[str]) -> list[TreeRow]:
        out: list[TreeRow] = []

        def walk(directory: str, depth: int) -> None:
            for path in self.children.get(directory, ()):
                is_dir = self.is_dir(path)
                entry = self.entries.get(path)
                size = self.sizes.get(path, 0) if is_dir else (entry.size if entry else 0)
                out.append(TreeRow(path, depth, is_dir, size, entry))
                if is_dir and path in expanded:
                    walk(path, depth + 1)

        walk("/", 0)
        return out


def tree_markup(row: TreeRow, expanded: bool) -> list[Any]:
    name = posixpath.basename(row.path)
    marker = ("▾ " if expanded else "▸ ") if row.is_dir else "  "
    entry = row.entry
    suffix = "/" if row.is_dir else ""
    if entry is not None and entry.kind == "symlink":
        suffix = f" -> {entry.link}"
    elif entry is not None and entry.kind == "hardlink":
        suffix = f" => {entry.link}"
    layer = f"L{entry.layer}" if entry is not None else ""
    return [
        ("details.size", f"{human_size(row.size):>9} "),
        ("details.label", f"{layer:<4}"),
        "  " * row.depth + marker,
        ("details.value" if row.is_dir else "", visible(name + suffix)),
    ]


def content_lines(name: str, data: bytes, size: int) -> list[list[Any]]:
    """A file for the viewer: highlighted text by its name, or a hex head when binary."""
    cut = size > len(data)
    if b"\0" in data[:8000]:
        lines: list[list[Any]] = []
        for offset in range(0, min(len(data), HEX_BYTES), 16):
            chunk = data[offset : offset + 16]
            hexed = " ".join(f"{b:02x}" for b in chunk)
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
            lines.append([("details.label", f"{offset:08x}  "), f"{hexed:<48}  ", text])
        lines.append([("muted", f"binary, {size:,} bytes; the first {HEX_BYTES:,} shown")])
        return lines
    text = data.decode("utf-8", "replace")
    from pygments.lexers import get_lexer_for_filename
    from pygments.lexers.special import TextLexer
    from pygments.util import ClassNotFound

    try:
        lexer: Any = get_lexer_for_filename(name, stripnl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False)
    tokens = ((tuple(token), value) for token, value in lexer.get_tokens(text))
    lines = [[(style, visible(chunk)) for style, chunk in line] for line in json_lines(tokens)]
    if cut:
        lines.append([("muted", f"… {size:,} bytes; the first {len(data):,} shown")])
    return lines


class FileView(ScrollView):
    """One file of the image, read in a worker (the layer stops streaming once it is read)."""

    width = ("relative", 96)
    height = ("relative", 96)

    def __init__(
        self, app: Host, files: ImageFiles, reference: Reference, entry: FileEntry
    ) -> None:
        title = visible(f" {entry.path} ({human_size(entry.size)}) ")
        super().__init__(app.keymap, title, [urwid.Text("loading…")], self._close)
        self.app, self.size = app, app._size
        self.files, self.reference, self.entry = files, reference, entry

    def _close(self) -> None:
        if self.app.workers is not None:
            self.app.workers.cancel("file")
        self.app.views.remove(self)

    def load(self) -> None:
        app = self.app
        if app.workers is None:
            return
        kept: list[bytes] = []
        room = [SHOW_BYTES]

        def sink(chunk: bytes) -> None:  # a worker thread: only collect
            if room[0] > 0:
                kept.append(chunk[: room[0]])
                room[0] -= len(kept[-1])

        async def fetch() -> list[list[Any]]:
            found = await app.rex.read_file(self.reference, self.entry.path, sink, files=self.files)
            return content_lines(self.entry.path, b"".join(kept), found.size)

        def show(lines: list[list[Any]]) -> None:
            self.set_rows([urwid.Text(line or "", wrap="any") for line in lines])

        app.workers.run("file", fetch, show)


class FilesView(View):
    """The Files browser of one image (one platform)."""

    context = "files"
    width = ("relative", 96)
    height = ("relative", 96)

    def __init__(self, app: Host, reference: Reference, platform: str | None) -> None:
        self.app = app
        self.reference = reference
        self.platform = platform
        self.files: ImageFiles | None = None
        self.tree: FileTree | None = None
        self.expanded: set[str] = set()
        self.view = 0
        self._rows: list[TreeRow] = []
        self.walker: urwid.SimpleFocusListWalker[Any] = urwid.SimpleFocusListWalker(
            [urwid.Text("reading the layers…")]
        )
        self.listbox = urwid.ListBox(self.walker)
        self.header = urwid.Text("", wrap="clip")
        self.box: urwid.Widget = urwid.LineBox(
            urwid.Frame(self.listbox, header=self.header),
            title=visible(f" Files: {app.rex.display(reference)} "),
        )
        self.widget = urwid.AttrMap(self.box, "help")
        self._show_header()

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        app = self.app
        if app.workers is None:
            return

        def progress(done: int, total: int) -> None:
            self.walker[:] = [
                urwid.Text(f"reading the layers… {human_size(done)} of {human_size(total)}")
            ]

        async def fetch() -> ImageFiles:
            return await app.rex.image_files(
                self.reference, platform=self.platform, progress=progress
            )

        def failed(error: RexError) -> None:
            self.walker[:] = [urwid.Text(("log.error", visible(f"cannot read the files: {error}")))]

        app.workers.run("files", fetch, self.show, on_error=failed)

    def show(self, files: ImageFiles) -> None:
        self.files = files
        self.tree = FileTree(files.merged.entries)
        self._show_header()
        self.refill()

    def closed(self) -> None:
        if self.app.workers is not None:
            self.app.workers.cancel("files")

    # -- drawing -------------------------------------------------------------------------

    def _show_header(self) -> None:
        tabs: list[Any] = []
        for i, name in enumerate(VIEWS):
            tabs += [("details.tab.active" if i == self.view else "details.tab", f" {name} "), " "]
        if self.files is not None:
            merged = self.files.merged
            tabs.append(
                ("details.label", f" {len(merged.entries):,} entries, "
                 f"{human_size(sum(e.size for e in merged.entries))}; "
                 f"wasted {human_size(merged.wasted_bytes)}")
            )  # fmt: skip
        self.header.set_text(tabs)

    def refill(self) -> None:
        if self.files is None or self.tree is None:
            return
        rows: list[urwid.Widget]
        if VIEWS[self.view] == "Tree":
            self._rows = self.tree.rows(self.expanded)
            rows = [
                urwid.Text(tree_markup(r, r.path in self.expanded), wrap="clip") for r in self._rows
            ]
        elif VIEWS[self.view] == "Layers":
            self._rows = []
            rows = [urwid.Text(line, wrap="clip") for line in self._layer_lines()]
        else:
            self._rows = []
            rows = [urwid.Text(line, wrap="clip") for line in self._wasted_lines()]
        focusable: list[urwid.Widget] = [
            urwid.AttrMap(r, None, focus_map="list.selected") for r in rows
        ]
        self.walker[:] = focusable or [urwid.Text("(empty)")]
        self.walker.set_focus(0)

    def _layer_lines(self) -> list[list[Any]]:
        assert self.files is not None
        lines: list[list[Any]] = []
        for layer in self.files.layers:
            d = layer.descriptor
            lines.append([
                ("details.heading", f"Layer {layer.number}  "),
                ("details.digest", d.digest[:19]), "  ",
                ("details.size", f"{human_size(d.size)} compressed, "
                 f"{human_size(layer.size)} in {len(layer.entries):,} entries"),
            ])  # fmt: skip
            for e in layer.entries[:_LAYER_ROWS]:
                size = human_size(e.size) if e.kind == "file" else e.kind
                lines.append([("details.size", f"   {size:>9}  "), visible(e.path)])
            if len(layer.entries) > _LAYER_ROWS:
                lines.append([("muted", f"   … {len(layer.entries) - _LAYER_ROWS:,} more")])
        return lines

    def _wasted_lines(self) -> list[list[Any]]:
        assert self.files is not None
        wasted = self.files.merged.wasted
        total = self.files.merged.wasted_bytes
        lines: list[list[Any]] = [
            [("details.heading", f"Wasted: {human_size(total)} ({total:,} bytes)"),
             ("details.label", "  copies overwritten or deleted by later layers")],
        ]  # fmt: skip
        for w in wasted:
            layers = ",".join(map(str, w.layers))
            lines.append([("details.size", f"{human_size(w.size):>9}  "),
                          ("details.label", f"L{layers:<6} "), visible(w.path)])  # fmt: skip
        return lines

    # -- keys ----------------------------------------------------------------------------

    def handle(self, key: str) -> list[str]:
        action = self.app.keymap.lookup(self.context, key)
        if action in ("back", "quit"):
            self.app.views.remove(self)
        elif action in ("next_section", "prev_section"):
            step = 1 if action == "next_section" else -1
            self.view = (self.view + step) % len(VIEWS)
            self._show_header()
            self.refill()
        elif action == "open":
            self.open()
        elif action in ("top", "bottom") and len(self.walker):
            self.listbox.set_focus(0 if action == "top" else len(self.walker) - 1)
        elif action in ("move_down", "move_up") and len(self.walker):
            # Text rows are not selectable: the list box would scroll, not move the line.
            step = 1 if action == "move_down" else -1
            here = self.listbox.focus_position
            self.listbox.set_focus(max(0, min(len(self.walker) - 1, here + step)))
        elif action is not None:
            from rex_tui.keynames import SCROLL_KEYS

            if action in SCROLL_KEYS:
                size = self.app._size
                self.listbox.keypress((size[0], max(1, size[1] - 4)), SCROLL_KEYS[action])
        return []

    def open(self) -> None:
        if not self._rows or self.files is None:
            return
        row = self._rows[self.listbox.focus_position]
        if row.is_dir:
            self.expanded.symmetric_difference_update({row.path})
            focus = self.listbox.focus_position
            self.refill()
            self.listbox.set_focus(focus)
        elif row.entry is not None:
            view = FileView(self.app, self.files, self.reference, row.entry)
            self.app.views.push(view)
            view.load()
