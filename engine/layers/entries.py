"""One file of a layer (or of the merged filesystem), and the tar names it comes from.

Tar names are hostile input: `../`, absolute paths, `.` segments, control characters.
They become clean absolute paths (`/usr/bin/env`), with `..` unable to climb above the
root, and are only ever data: rex writes nothing to disk, and front ends escape them.
"""

from __future__ import annotations

import posixpath
from typing import Any, NamedTuple

from engine.errors import ContentError

__all__ = [
    "KINDS",
    "MAX_ENTRIES",
    "OPAQUE",
    "WHITEOUT",
    "FileEntry",
    "entry_from_row",
    "entry_row",
    "mode_text",
    "normalize_path",
    "whiteout_target",
]

MAX_ENTRIES = 1_000_000
"""Entries a layer (or a merged filesystem) may hold: a tar of millions is a bomb."""

WHITEOUT = "whiteout"
"""Kind of an entry that deletes `path` from the layers below (`.wh.NAME`)."""
OPAQUE = "opaque"
"""Kind of an entry that hides everything below directory `path` (`.wh..wh..opq`)."""

KINDS = ("file", "dir", "symlink", "hardlink", "char", "block", "fifo", WHITEOUT, OPAQUE)

_WH_PREFIX = ".wh."
_WH_OPAQUE = ".wh..wh..opq"
_WH_META = ".wh..wh."
"""aufs bookkeeping (`.wh..wh.plnk`...): neither a file nor a whiteout."""

_TYPE_CHARS = {
    "file": "-",
    "dir": "d",
    "symlink": "l",
    "hardlink": "h",
    "char": "c",
    "block": "b",
    "fifo": "p",
    WHITEOUT: "w",
    OPAQUE: "o",
}


class FileEntry(NamedTuple):
    """A file as a layer's tar describes it, and the layer (1 = the base) it comes from."""

    path: str
    """Absolute and normalised: `/etc/os-release`."""
    kind: str
    """One of KINDS."""
    size: int
    mode: int
    """Permission bits with setuid/setgid/sticky (`0o4755`), without the file type."""
    uid: int
    gid: int
    uname: str
    gname: str
    link: str | None
    """A symlink's target as written, or a hard link's target path (normalised)."""
    layer: int = 0

    @property
    def owner(self) -> str:
        """`uid:gid`, with the names when the tar gives them: `0:0 (root:root)`."""
        names = f" ({self.uname or self.uid}:{self.gname or self.gid})"
        return f"{self.uid}:{self.gid}" + (names if self.uname or self.gname else "")

    def to_dict(self, layer_digest: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "type": self.kind,
            "size": self.size,
            "mode": f"{self.mode:04o}",
            "uid": self.uid,
            "gid": self.gid,
            "uname": self.uname,
            "gname": self.gname,
            "link": self.link,
            "layer": self.layer,
        }
        if layer_digest is not None:
            out["layer_digest"] = layer_digest
        return out


def mode_text(entry: FileEntry) -> str:
    """`ls -l`'s mode column: `-rwxr-xr-x`, `drwxr-xr-x`, `lrwxrwxrwx`..."""
    bits = entry.mode
    chars = []
    for shift, special, on, off in ((6, 0o4000, "s", "S"), (3, 0o2000, "s", "S"), (0, 0, "", "")):
        triplet = (bits >> shift) & 0o7
        r = "r" if triplet & 4 else "-"
        w = "w" if triplet & 2 else "-"
        x = "x" if triplet & 1 else "-"
        if special and bits & special:
            x = on if triplet & 1 else off
        if shift == 0 and bits & 0o1000:
            x = "t" if triplet & 1 else "T"
        chars.append(r + w + x)
    return _TYPE_CHARS.get(entry.kind, "?") + "".join(chars)


def normalize_path(name: str) -> str:
    """A tar member name as a clean absolute path; `..` never climbs above `/`."""
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def whiteout_target(path: str) -> tuple[str, str] | None:
    """(kind, path) when `path` is a whiteout (`.wh.NAME`) or an opaque marker, else None.

    aufs bookkeeping names (`.wh..wh.plnk`) give ("", path): skipped, not listed.
    """
    directory, base = posixpath.split(path)
    if not base.startswith(_WH_PREFIX):
        return None
    if base == _WH_OPAQUE:
        return OPAQUE, directory
    if base.startswith(_WH_META):
        return "", path
    return WHITEOUT, posixpath.join(directory, base[len(_WH_PREFIX) :])


def entry_row(entry: FileEntry) -> list[Any]:
    """The entry without its layer, as a compact JSON row (the cache's form)."""
    return [entry.path, entry.kind, entry.size, entry.mode, entry.uid, entry.gid,
            entry.uname, entry.gname, entry.link]  # fmt: skip


def entry_from_row(row: Any, layer: int) -> FileEntry:
    """The entry a cached row holds; ContentError when the row is not one."""
    if not isinstance(row, list) or len(row) != 9:
        raise ContentError("a cached file listing holds a malformed row")
    path, kind, size, mode, uid, gid, uname, gname, link = row
    if not (
        isinstance(path, str)
        and path.startswith("/")
        and kind in KINDS
        and all(type(n) is int and n >= 0 for n in (size, mode, uid, gid))
        and isinstance(uname, str)
        and isinstance(gname, str)
        and (link is None or isinstance(link, str))
    ):
        raise ContentError("a cached file listing holds a malformed row")
    return FileEntry(path, kind, size, mode, uid, gid, uname, gname, link, layer)
