"""Two images compared: config, layers, history, sizes per platform and files (no I/O)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.frozen import Frozen
from engine.layers.entries import FileEntry
from engine.layers.merge import MergedFiles

if TYPE_CHECKING:
    from engine.oci.models import ImageInfo

__all__ = ["ConfigChange", "FileChange", "ImageDiff", "diff_images"]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ConfigChange(Frozen):
    """One setting that differs: `field` (env, labels...) and, for maps, the `key`."""

    field: str
    key: str | None
    before: Any
    """None when B added it."""
    after: Any
    """None when B removed it."""

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "key": self.key, "before": self.before, "after": self.after}


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class FileChange(Frozen):
    """A path in both filesystems whose type, size, mode or link differs."""

    before: FileEntry
    after: FileEntry

    @property
    def what(self) -> tuple[str, ...]:
        names = []
        for name, a, b in (
            ("type", self.before.kind, self.after.kind),
            ("size", self.before.size, self.after.size),
            ("mode", self.before.mode, self.after.mode),
            ("link", self.before.link, self.after.link),
        ):
            if a != b:
                names.append(name)
        return tuple(names)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.after.path,
            "changed": list(self.what),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ImageDiff(Frozen):
    """What changes from image A to image B."""

    a: ImageInfo
    b: ImageInfo
    config: tuple[ConfigChange, ...]
    layers_added: tuple[str, ...]
    layers_removed: tuple[str, ...]
    history: tuple[tuple[str, str], ...]
    """("-", step) only in A, ("+", step) only in B, in a unified-diff order."""
    sizes: Mapping[str, tuple[int | None, int | None]]
    """Per platform: (A's pull size, B's pull size); None when that side lacks it."""
    files_added: tuple[FileEntry, ...] | None = None
    """None when files were not compared."""
    files_removed: tuple[FileEntry, ...] | None = None
    files_changed: tuple[FileChange, ...] | None = None

    @property
    def identical(self) -> bool:
        return self.a.digest == self.b.digest

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "a": {"reference": self.a.reference, "digest": self.a.digest,
                  "platform": self.a.platform},
            "b": {"reference": self.b.reference, "digest": self.b.digest,
                  "platform": self.b.platform},
            "identical": self.identical,
            "config": [c.to_dict() for c in self.config],
            "layers": {"added": list(self.layers_added), "removed": list(self.layers_removed)},
            "history": [{"change": sign, "created_by": step} for sign, step in self.history],
            "sizes": {
                platform: {"a": a, "b": b,
                           "delta": None if a is None or b is None else b - a}
                for platform, (a, b) in self.sizes.items()
            },
        }  # fmt: skip
        if self.files_added is not None:
            out["files"] = {
                "added": [e.to_dict() for e in self.files_added],
                "removed": [e.to_dict() for e in self.files_removed or ()],
                "changed": [c.to_dict() for c in self.files_changed or ()],
            }
        return out


def _env_map(env: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in env:
        name, _, value = item.partition("=")
        out[name] = value
    return out


def _map_changes(field: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> list[ConfigChange]:
    return [
        ConfigChange(field, key, a.get(key), b.get(key))
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key)
    ]


def _plain(value: tuple[str, ...] | str | None) -> list[str] | str | None:
    return list(value) if isinstance(value, tuple) else value


def config_changes(a: ImageInfo, b: ImageInfo) -> list[ConfigChange]:
    ca, cb = a.config.config, b.config.config
    changes = _map_changes("env", _env_map(ca.env), _env_map(cb.env))
    for field, before, after in (
        ("entrypoint", ca.entrypoint, cb.entrypoint),
        ("cmd", ca.cmd, cb.cmd),
        ("user", ca.user, cb.user),
        ("workdir", ca.working_dir, cb.working_dir),
    ):
        if before != after:
            changes.append(ConfigChange(field, None, _plain(before), _plain(after)))
    ports_a, ports_b = set(ca.exposed_ports), set(cb.exposed_ports)
    changes += [ConfigChange("ports", p, p, None) for p in sorted(ports_a - ports_b)]
    changes += [ConfigChange("ports", p, None, p) for p in sorted(ports_b - ports_a)]
    changes += _map_changes("labels", ca.labels, cb.labels)
    return changes


def _history_lines(info: ImageInfo) -> list[str]:
    return [h.created_by or "" for h in info.config.history]


def history_changes(a: ImageInfo, b: ImageInfo) -> list[tuple[str, str]]:
    before, after = _history_lines(a), _history_lines(b)
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        out += [("-", step) for step in before[i1:i2]]
        out += [("+", step) for step in after[j1:j2]]
    return out


def _sizes(a: ImageInfo, b: ImageInfo) -> dict[str, tuple[int | None, int | None]]:
    sizes_a = dict(a.platform_sizes) or ({a.platform or "": a.size})
    sizes_b = dict(b.platform_sizes) or ({b.platform or "": b.size})
    return {p: (sizes_a.get(p), sizes_b.get(p)) for p in dict.fromkeys([*sizes_a, *sizes_b])}


def file_changes(
    a: MergedFiles, b: MergedFiles
) -> tuple[list[FileEntry], list[FileEntry], list[FileChange]]:
    before = {e.path: e for e in a.entries}
    after = {e.path: e for e in b.entries}
    added = [e for e in b.entries if e.path not in before]
    removed = [e for e in a.entries if e.path not in after]
    changed = [
        FileChange(before[e.path], e)
        for e in b.entries
        if e.path in before and FileChange(before[e.path], e).what
    ]
    return added, removed, changed


def diff_images(
    a: ImageInfo,
    b: ImageInfo,
    files: tuple[MergedFiles, MergedFiles] | None = None,
) -> ImageDiff:
    layers_a = [d.digest for d in a.layers]
    layers_b = [d.digest for d in b.layers]
    added: Sequence[FileEntry] | None = None
    removed: Sequence[FileEntry] | None = None
    changed: Sequence[FileChange] | None = None
    if files is not None:
        added, removed, changed = file_changes(*files)
    return ImageDiff(
        a,
        b,
        tuple(config_changes(a, b)),
        tuple(d for d in layers_b if d not in set(layers_a)),
        tuple(d for d in layers_a if d not in set(layers_b)),
        tuple(history_changes(a, b)),
        _sizes(a, b),
        None if added is None else tuple(added),
        None if removed is None else tuple(removed),
        None if changed is None else tuple(changed),
    )
