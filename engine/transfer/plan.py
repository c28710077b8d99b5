"""Which manifests and blobs a pull or copy moves: one platform, or all of an index."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from engine.errors import RexError, ValidationError
from engine.frozen import Frozen
from engine.oci.manifests import Descriptor, ImageIndex, ImageManifest, Platform
from engine.oci.models import Manifest
from engine.reads.assemble import choose_child

__all__ = ["TransferPlan", "plan_transfer"]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TransferPlan(Frozen):
    """What to move, in the order a destination must receive the manifests."""

    root: Manifest
    """The manifest the destination's tag names: the index, or the one platform image."""
    manifests: tuple[Manifest, ...]
    """Platform manifests first, `root` last."""
    blobs: tuple[Descriptor, ...]
    """Configs and layers, each once."""
    platforms: tuple[str, ...]
    """The platforms moved ("" for an image that names none)."""

    @property
    def size(self) -> int:
        return sum(blob.size for blob in self.blobs)


async def plan_transfer(
    top: Manifest,
    fetch: Callable[[str], Awaitable[Manifest]],
    *,
    platform: str | None = None,
    all_platforms: bool = False,
) -> TransferPlan:
    """The plan for `top`; `fetch(digest)` reads a child manifest of an index."""
    if platform is not None and all_platforms:
        raise ValidationError("give a platform or all platforms, not both")
    if isinstance(top.parsed, ImageManifest):
        return _plan((top,), top, ("",))
    if not isinstance(top.parsed, ImageIndex):  # pragma: no cover - parse_manifest
        raise RexError("the reference names neither an image nor an index")
    index = top.parsed
    if not all_platforms:
        wanted = Platform.parse(platform) if platform is not None else None
        chosen = choose_child(index, wanted)
        child = await fetch(chosen.digest)
        if not isinstance(child.parsed, ImageManifest):
            raise RexError("the chosen platform names a nested index, which rex cannot move")
        return _plan((child,), child, (str(chosen.platform or ""),))
    children: list[Manifest] = []
    names: list[str] = []
    entries: dict[str, Descriptor] = {}
    for entry in index.manifests:
        entries.setdefault(entry.digest, entry)
    for entry in entries.values():
        child = await fetch(entry.digest)
        if not isinstance(child.parsed, ImageManifest):
            raise RexError(f"index entry {entry.digest} is a nested index, which rex cannot move")
        children.append(child)
        if entry.platform is not None and not entry.is_attestation:
            names.append(str(entry.platform))
    return _plan((*children, top), top, tuple(names))


def _plan(chain: tuple[Manifest, ...], root: Manifest, platforms: tuple[str, ...]) -> TransferPlan:
    blobs: dict[str, Descriptor] = {}
    for manifest in chain:
        parsed = manifest.parsed
        if isinstance(parsed, ImageManifest):
            for blob in (parsed.config, *parsed.layers):
                blobs.setdefault(blob.digest, blob)
    return TransferPlan(root, chain, tuple(blobs.values()), platforms)
