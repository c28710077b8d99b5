"""Layers applied in order, as overlayfs would: the merged filesystem and the wasted bytes.

A layer's whiteout `.wh.NAME` deletes NAME (and all below it) from the layers under
it, and `.wh..wh..opq` empties its directory of what the layers under it put there;
neither touches entries of its own layer. A non-directory replacing a directory hides
that directory's contents too. Wasted bytes are dive's "wasted space": for each path,
the sizes of the copies that a later layer overwrote or deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ContentError
from engine.frozen import Frozen
from engine.layers.entries import MAX_ENTRIES, OPAQUE, WHITEOUT, FileEntry

__all__ = ["MergedFiles", "Waste", "merge_layers"]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Waste(Frozen):
    """One path's earlier copies that later layers overwrote or deleted."""

    path: str
    copies: int
    """How many copies were overwritten or deleted."""
    size: int
    """Their sizes added up."""
    layers: tuple[int, ...]
    """The layers those copies came from."""

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "copies": self.copies, "size": self.size,
                "layers": list(self.layers)}  # fmt: skip


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class MergedFiles(Frozen):
    """The filesystem a container of the image starts with, entries sorted by path."""

    entries: tuple[FileEntry, ...]
    wasted: tuple[Waste, ...] = field(default=())
    """Largest first, then by path."""

    @property
    def wasted_bytes(self) -> int:
        return sum(w.size for w in self.wasted)

    def get(self, path: str) -> FileEntry | None:
        for entry in self.entries:
            if entry.path == path:
                return entry
        return None


def _ancestors(path: str) -> Iterable[str]:
    """`/a/b/c` -> `/a/b/`, `/a/`, `/`: each as a prefix ending with a slash."""
    end = path.rfind("/")
    while end >= 0:
        yield path[: end + 1]
        end = path.rfind("/", 0, end)


def _tree_order(entry: FileEntry) -> list[str]:
    """Directory by directory, so `/a/b` comes before `/a.b` (a plain string sort disagrees)."""
    return entry.path.split("/")


def merge_layers(layers: Sequence[Sequence[FileEntry]]) -> MergedFiles:
    """Apply `layers` (base first; each entry carrying its layer number) in order."""
    merged: dict[str, FileEntry] = {}
    waste: dict[str, list[FileEntry]] = {}

    def discard(entry: FileEntry) -> None:
        if entry.kind == "file":
            waste.setdefault(entry.path, []).append(entry)

    for entries in layers:
        gone: set[str] = set()
        hidden: set[str] = set()  # prefixes "/dir/": lower entries below them go
        for entry in entries:
            if entry.kind == WHITEOUT:
                gone.add(entry.path)
                hidden.add(entry.path.rstrip("/") + "/")
            elif entry.kind == OPAQUE:
                hidden.add(entry.path.rstrip("/") + "/")
            elif entry.kind != "dir":
                below = merged.get(entry.path)
                if below is not None and below.kind == "dir":
                    hidden.add(entry.path + "/")
        if gone or hidden:
            for path in [p for p in merged if p in gone or any(a in hidden for a in _ancestors(p))]:
                discard(merged.pop(path))
        for entry in entries:
            if entry.kind in (WHITEOUT, OPAQUE):
                continue
            before = merged.get(entry.path)
            if before is not None:
                discard(before)
            merged[entry.path] = entry
        if len(merged) > MAX_ENTRIES:
            raise ContentError(
                f"the image's filesystem has more than {MAX_ENTRIES:,} entries; stopped reading"
            )
    wasted = [
        Waste(path, len(copies), sum(c.size for c in copies), tuple(c.layer for c in copies))
        for path, copies in waste.items()
        if sum(c.size for c in copies) > 0
    ]
    wasted.sort(key=lambda w: (-w.size, w.path))
    return MergedFiles(tuple(sorted(merged.values(), key=_tree_order)), tuple(wasted))
