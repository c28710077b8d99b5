"""An image's layers read for their files: listings (cached by layer digest) and one file.

A listing is cached under its layer's digest (`CacheKind.FILES`) with a sha256 of
its rows, checked on every read: a damaged entry is dropped and the layer read again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import trio

from engine.cache.keys import CacheKey
from engine.errors import ContentError, NotFoundError, ValidationError, shown
from engine.frozen import Frozen
from engine.layers.entries import FileEntry, entry_from_row, entry_row, normalize_path
from engine.layers.merge import MergedFiles, merge_layers
from engine.layers.stream import ByteProgress, one_error, scan_layer

if TYPE_CHECKING:
    from engine.cache.store import Cache
    from engine.oci.manifests import Descriptor
    from engine.oci.models import ImageInfo
    from engine.transport.registry import RegistryClient

__all__ = ["ImageFiles", "LayerFiles", "LayerReader", "pick_layer", "resolve_path"]

MAX_CACHED_ENTRIES = 200_000
"""Listings longer than this are not cached (one JSON entry of tens of MB helps nobody)."""
_PARALLEL_LAYERS = 3
_MAX_HOPS = 40
"""Symbolic links followed while resolving one path, as Linux's MAXSYMLINKS."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class LayerFiles(Frozen):
    """One layer's entries as its tar lists them (whiteouts included)."""

    number: int
    """1 for the base layer."""
    descriptor: Descriptor
    entries: tuple[FileEntry, ...]

    @property
    def size(self) -> int:
        return sum(e.size for e in self.entries)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ImageFiles(Frozen):
    """An image (one platform) with each layer's entries and the merged filesystem."""

    image: ImageInfo
    layers: tuple[LayerFiles, ...]
    merged: MergedFiles

    def layer_digest(self, number: int) -> str:
        return self.layers[number - 1].descriptor.digest


def pick_layer(layers: Sequence[Descriptor], wanted: int | str) -> int:
    """The number (1 = base) of the layer `wanted` names: a number, a digest or its prefix."""
    count = len(layers)
    if isinstance(wanted, int) or wanted.isdigit():
        number = int(wanted)
        if 1 <= number <= count:
            return number
        raise ValidationError(
            f"no layer {number}: the image has {count} layer{'s' if count != 1 else ''}",
            hint=f"Give a number from 1 (the base layer) to {count}, or a layer digest.",
        )
    text = wanted if ":" in wanted else f"sha256:{wanted}"
    matches = [n for n, d in enumerate(layers, 1) if d.digest.startswith(text)]
    if len(set(layers[n - 1].digest for n in matches)) == 1 and len(text) >= 7 + 4:
        return matches[0]
    if not matches:
        raise NotFoundError(f"the image has no layer {shown(wanted)}")
    raise ValidationError(f"{shown(wanted)} names more than one layer: give more of the digest")


def _rows_digest(rows: list[list[Any]]) -> str:
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def listing_data(digest: str, entries: Sequence[FileEntry]) -> dict[str, Any]:
    rows = [entry_row(e) for e in entries]
    return {"layer": digest, "rows": rows, "sha256": _rows_digest(rows)}


def listing_from(data: Any, digest: str, number: int) -> tuple[FileEntry, ...]:
    """The entries a cached listing holds; ContentError when it is damaged or another's."""
    if not isinstance(data, dict) or data.get("layer") != digest:
        raise ContentError(f"the cached listing of {digest} is another layer's")
    rows = data.get("rows")
    if not isinstance(rows, list) or data.get("sha256") != _rows_digest(rows):
        raise ContentError(f"the cached listing of {digest} does not match its checksum")
    return tuple(entry_from_row(row, number) for row in rows)


def resolve_path(path: str, index: dict[str, FileEntry]) -> str:
    """`path` with every symbolic link along it (the last one too) followed in `index`."""
    parts = [p for p in normalize_path(path).split("/") if p]
    current, position, hops = "", 0, 0
    while position < len(parts):
        candidate = f"{current}/{parts[position]}"
        entry = index.get(candidate)
        if entry is not None and entry.kind == "symlink" and entry.link is not None:
            hops += 1
            if hops > _MAX_HOPS:
                raise ValidationError(f"too many levels of symbolic links in {shown(path)}")
            target = posixpath.join(current or "/", entry.link)
            parts = [p for p in normalize_path(target).split("/") if p] + parts[position + 1 :]
            current, position = "", 0
            continue
        current, position = candidate, position + 1
    return current or "/"


class LayerReader:
    """Reads the layers of images in one repository, with the cache when there is one."""

    def __init__(
        self,
        client: RegistryClient,
        registry: str,
        repository: str,
        cache: Cache | None,
        *,
        read_cache: bool = True,
    ) -> None:
        self._client = client
        self._registry = registry
        self._repository = repository
        self._cache = cache
        self._read_cache = read_cache
        """False under --no-cache: listings are streamed afresh, and written through."""

    def _cached(self, number: int, layer: Descriptor) -> tuple[FileEntry, ...] | None:
        cache = self._cache
        if cache is None or not self._read_cache:
            return None
        key = CacheKey.files(self._registry, self._repository, layer.digest)
        entry = cache.get(key)
        if entry is None:
            return None
        try:
            return listing_from(entry.data, layer.digest, number)
        except ContentError:
            cache.delete(key, background=True)
            return None

    def _store(self, layer: Descriptor, entries: Sequence[FileEntry]) -> None:
        if self._cache is None or len(entries) > MAX_CACHED_ENTRIES:
            return
        key = CacheKey.files(self._registry, self._repository, layer.digest)
        self._cache.put(key, listing_data(layer.digest, entries), background=True)

    async def layer(
        self, number: int, layer: Descriptor, progress: ByteProgress | None = None
    ) -> LayerFiles:
        """One layer's entries: from the cache, else streamed from the registry."""
        cached = await trio.to_thread.run_sync(self._cached, number, layer)
        if cached is None:
            walk = await scan_layer(self._client, self._repository, layer, progress=progress)
            entries = tuple(e._replace(layer=number) for e in walk.entries)
            await trio.to_thread.run_sync(self._store, layer, entries)
            cached = entries
        elif progress is not None:
            progress(layer.size, layer.size)
        return LayerFiles(number, layer, cached)

    async def layers(
        self, layers: Sequence[Descriptor], progress: ByteProgress | None = None
    ) -> list[LayerFiles]:
        """Every layer's entries (a few at a time), base first; progress sums them all."""
        total = sum(max(0, d.size) for d in layers)
        done = [0] * len(layers)
        found: list[LayerFiles | None] = [None] * len(layers)
        limiter = trio.CapacityLimiter(_PARALLEL_LAYERS)

        def report(index: int, so_far: int, _total: int) -> None:
            done[index] = so_far
            if progress is not None:
                progress(sum(done), total)

        async def one(index: int) -> None:
            async with limiter:
                found[index] = await self.layer(
                    index + 1, layers[index], functools.partial(report, index)
                )

        try:
            async with trio.open_nursery() as nursery:
                for index in range(len(layers)):
                    nursery.start_soon(one, index)
        except BaseExceptionGroup as group:
            raise one_error(group) from None
        return [f for f in found if f is not None]

    async def merged(
        self, layers: Sequence[Descriptor], progress: ByteProgress | None = None
    ) -> tuple[list[LayerFiles], MergedFiles]:
        listings = await self.layers(layers, progress)
        merged = await trio.to_thread.run_sync(merge_layers, [f.entries for f in listings])
        return listings, merged

    async def read(
        self,
        layers: Sequence[Descriptor],
        merged: MergedFiles,
        path: str,
        sink: Callable[[bytes], None],
        progress: ByteProgress | None = None,
    ) -> FileEntry:
        """Send the content of `path` in the merged filesystem to `sink`; stop once read."""
        index = {e.path: e for e in merged.entries}
        resolved = resolve_path(path, index)
        entry = index.get(resolved)
        if entry is None:
            raise NotFoundError(
                f"{shown(path)} is not in the image's filesystem",
                hint="Paths are looked up in the merged filesystem, with whiteouts applied.",
            )
        if entry.kind == "hardlink" and entry.link is not None:
            # The content lives with the link's target, earlier in the same layer.
            resolved = entry.link
        elif entry.kind != "file":
            raise ValidationError(
                f"{shown(path)} is a {entry.kind}, not a file",
                hint="Give the path of a regular file (symbolic links are followed).",
            )
        layer = layers[entry.layer - 1]
        walk = await scan_layer(
            self._client, self._repository, layer, want=resolved, sink=sink, progress=progress
        )
        if walk.found is None:
            raise NotFoundError(f"{shown(path)} was not found in layer {layer.digest}")
        return walk.found
