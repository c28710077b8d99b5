"""`rex image files`, `rex image cat` and `rex image diff`: documents and pretty text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from engine import (
    FileEntry,
    ImageDiff,
    ImageFiles,
    ImageInfo,
    LayerFiles,
    Waste,
    file_mode,
    group_digits,
    human_size,
)
from rex_tui.cli.output.color import Palette
from rex_tui.cli.output.table import Column, render_table

__all__ = [
    "diff_document",
    "diff_text",
    "files_document",
    "files_table",
    "in_prefix",
    "layer_document",
    "under",
    "wasted_document",
    "wasted_text",
]


def in_prefix(path: str, prefix: str | None) -> bool:
    """Whether `path` is at or below `prefix` (a directory or a file); always when None."""
    top = "/" + (prefix or "").strip("/")
    return top == "/" or path == top or path.startswith(top + "/")


def under(entries: Sequence[FileEntry], prefix: str | None) -> list[FileEntry]:
    """The entries at or below `prefix`, all when None."""
    return [e for e in entries if in_prefix(e.path, prefix)]


def _image(info: ImageInfo) -> dict[str, Any]:
    return {"reference": info.reference, "digest": info.digest, "platform": info.platform}


def _layer(layer: LayerFiles) -> dict[str, Any]:
    d = layer.descriptor
    return {"number": layer.number, "digest": d.digest, "size": d.size, "media_type": d.media_type}


def files_document(files: ImageFiles, entries: Sequence[FileEntry]) -> dict[str, Any]:
    return {
        **_image(files.image),
        "layers": [_layer(layer) for layer in files.layers],
        "files": [e.to_dict(files.layer_digest(e.layer)) for e in entries],
        "total_size": sum(e.size for e in entries),
        "wasted_bytes": files.merged.wasted_bytes,
    }


def layer_document(
    info: ImageInfo, layer: LayerFiles, entries: Sequence[FileEntry]
) -> dict[str, Any]:
    return {
        **_image(info),
        "layer": _layer(layer),
        "files": [e.to_dict(layer.descriptor.digest) for e in entries],
        "total_size": sum(e.size for e in entries),
    }


def wasted_document(files: ImageFiles, wasted: Sequence[Waste]) -> dict[str, Any]:
    return {
        **_image(files.image),
        "wasted_bytes": sum(w.size for w in wasted),
        "wasted": [w.to_dict() for w in wasted],
    }


def _owner(entry: FileEntry) -> str:
    return f"{entry.uname or entry.uid}:{entry.gname or entry.gid}"


def _path(entry: FileEntry) -> str:
    if entry.kind == "symlink":
        return f"{entry.path} -> {entry.link}"
    if entry.kind == "hardlink":
        return f"{entry.path} link to {entry.link}"
    if entry.kind == "whiteout":
        return f"{entry.path} (deleted)"
    if entry.kind == "opaque":
        return f"{entry.path}/ (opaque: lower layers' contents hidden)"
    return entry.path


def files_table(entries: Sequence[FileEntry], palette: Palette, *, footer: str = "") -> str:
    columns = [
        Column("MODE", palette.muted),
        Column("OWNER"),
        Column("SIZE", align_right=True),
        Column("LAYER", align_right=True),
        Column("PATH", palette.name),
    ]
    rows = [
        [
            file_mode(e),
            _owner(e),
            human_size(e.size) if e.kind == "file" else "-",
            str(e.layer),
            _path(e),
        ]
        for e in entries
    ]
    table = render_table(columns, rows, palette)
    total = sum(e.size for e in entries)
    summary = f"{group_digits(len(entries))} entries, {human_size(total)} in files"
    return f"{table}\n{palette.muted(summary + footer)}"


def wasted_text(wasted: Sequence[Waste], palette: Palette) -> str:
    total = sum(w.size for w in wasted)
    summary = f"wasted: {human_size(total)} ({group_digits(total)} bytes) in {len(wasted)} paths"
    if not wasted:
        return palette.muted("no wasted bytes: no later layer overwrote or deleted a file")
    columns = [
        Column("COPIES", align_right=True),
        Column("WASTED", align_right=True),
        Column("LAYERS"),
        Column("PATH", palette.name),
    ]
    rows = [
        [str(w.copies), human_size(w.size), ",".join(map(str, w.layers)), w.path] for w in wasted
    ]
    return f"{render_table(columns, rows, palette)}\n{palette.muted(summary)}"


# -- diff ------------------------------------------------------------------------------


def diff_document(diff: ImageDiff) -> dict[str, Any]:
    return diff.to_dict()


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _size_change(before: int | None, after: int | None) -> str:
    if before is None:
        return f"(none) -> {human_size(after or 0)}"
    if after is None:
        return f"{human_size(before)} -> (none)"
    delta = after - before
    sign = "+" if delta >= 0 else "-"
    return f"{human_size(before)} -> {human_size(after)} ({sign}{human_size(abs(delta))})"


def _file_change(before: FileEntry, after: FileEntry, what: Sequence[str]) -> str:
    parts = []
    for name in what:
        if name == "size":
            parts.append(f"size {_size_change(before.size, after.size)}")
        elif name == "mode":
            parts.append(f"mode {before.mode:04o} -> {after.mode:04o}")
        elif name == "type":
            parts.append(f"type {before.kind} -> {after.kind}")
        else:
            parts.append(f"link {before.link} -> {after.link}")
    return ", ".join(parts)


def diff_text(diff: ImageDiff, palette: Palette, *, limit: int | None = None) -> str:
    h, plus, minus = palette.header, palette.ok, palette.bad
    lines = [
        f"{h('A')} {diff.a.reference}  {palette.muted(diff.a.digest)}",
        f"{h('B')} {diff.b.reference}  {palette.muted(diff.b.digest)}",
    ]
    if diff.identical:
        lines.append("identical: both name the same manifest")
        return "\n".join(lines)
    lines += ["", h("Config")]
    for c in diff.config:
        name = c.field + (f" {c.key}" if c.key is not None else "")
        if c.field == "ports":
            lines.append(f"  {plus('+') if c.before is None else minus('-')} {name}")
        elif c.before is None:
            lines.append(f"  {plus('+')} {name}: {_value(c.after)}")
        elif c.after is None:
            lines.append(f"  {minus('-')} {name}: {_value(c.before)}")
        else:
            lines.append(f"  {palette.warn('~')} {name}: {_value(c.before)} -> {_value(c.after)}")
    if not diff.config:
        lines.append("  (same)")
    lines += ["", h("Layers")]
    lines += [f"  {plus('+')} {d}" for d in diff.layers_added]
    lines += [f"  {minus('-')} {d}" for d in diff.layers_removed]
    if not diff.layers_added and not diff.layers_removed:
        lines.append("  (same)")
    lines += ["", h("History")]
    for sign, step in diff.history:
        lines.append(f"  {plus('+') if sign == '+' else minus('-')} {step}")
    if not diff.history:
        lines.append("  (same)")
    lines += ["", h("Size")]
    for platform, (a, b) in diff.sizes.items():
        lines.append(f"  {platform or '-'}  {_size_change(a, b)}")
    if diff.files_added is not None:
        added, removed = diff.files_added, diff.files_removed or ()
        changed = diff.files_changed or ()
        lines += [
            "",
            h(f"Files: {len(added)} added, {len(removed)} removed, {len(changed)} changed"),
        ]
        rows = [(e.path, f"  {plus('+')} {e.path}  {human_size(e.size)}") for e in added]
        rows += [(e.path, f"  {minus('-')} {e.path}  {human_size(e.size)}") for e in removed]
        rows += [
            (c.after.path, f"  {palette.warn('~')} {c.after.path}  "
             f"{_file_change(c.before, c.after, c.what)}")
            for c in changed
        ]  # fmt: skip
        rows.sort(key=lambda row: row[0].split("/"))
        shown = rows if limit is None else rows[:limit]
        lines += [text for _, text in shown]
        if len(shown) < len(rows):
            lines.append(palette.muted(f"  ... and {len(rows) - len(shown)} more"))
    return "\n".join(lines)
