"""The storage definitions, as pure functions over scans (no I/O).

- A scope's `bytes` is the sum of the sizes of the distinct blobs (configs and
  layers) reachable from its tags, through indexes and every platform.
- `unique_bytes` is what no other repository uses: what deleting it would free.
- `shared_bytes` = `bytes` - `unique_bytes`.
- The registry's `total_bytes` counts every distinct blob once.
- Manifests' own bytes (as read) are reported apart, each distinct manifest once.
- A repository's namespace is everything before the last `/` of its name
  ("" for a top-level name such as `alpine`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from engine.frozen import Frozen
from engine.oci.models import isoformat

__all__ = [
    "MAX_BLOB_SIZE",
    "SORTS",
    "ImageSize",
    "ManifestNode",
    "NamespaceUsage",
    "RepoScan",
    "RepoUsage",
    "StorageReport",
    "TagUsage",
    "account",
    "in_scope",
    "namespace_of",
    "sort_usages",
    "tag_usages",
]

MAX_BLOB_SIZE = 1 << 44
"""16 TiB: a descriptor claiming more is not believed (counted as 0, see `sane_size`)."""
MAX_DEPTH = 4
"""Indexes nested deeper than this are not followed (a loop of indexes cannot recurse)."""
SORTS = ("size", "name", "unique")
UNKNOWN_PLATFORM = "unknown/unknown"


def sane_size(size: int) -> int:
    """A descriptor's size if it is believable, else 0 (the registry said something absurd)."""
    return size if 0 <= size <= MAX_BLOB_SIZE else 0


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ManifestNode(Frozen):
    """One manifest as the crawl saw it: an index (children) or an image (blobs)."""

    digest: str
    size: int
    """Bytes of the manifest body as read."""
    platform: str | None = None
    """The platform the index that listed it gave; None for a top-level manifest."""
    children: tuple[str, ...] = ()
    """Child manifest digests, for an index."""
    blobs: tuple[tuple[str, int], ...] = ()
    """(digest, size) of the config and layers, for an image manifest."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RepoScan(Frozen):
    """What one repository's tags reach."""

    name: str
    tags: Mapping[str, str] = field(default_factory=dict)
    """tag -> digest of the manifest or index it names."""
    manifests: Mapping[str, ManifestNode] = field(default_factory=dict)

    def reach(self, digests: Iterable[str]) -> tuple[dict[str, int], set[str]]:
        """(blob digest -> size, manifest digests) reachable from `digests`."""
        blobs: dict[str, int] = {}
        seen: set[str] = set()
        stack = [(d, 0) for d in digests]
        while stack:
            digest, depth = stack.pop()
            node = self.manifests.get(digest)
            if node is None or digest in seen or depth > MAX_DEPTH:
                continue
            seen.add(digest)
            for blob, size in node.blobs:
                blobs[blob] = sane_size(size)
            stack.extend((child, depth + 1) for child in node.children)
        return blobs, seen

    def to_data(self) -> dict[str, Any]:
        """The cache record's JSON shape."""
        return {
            "name": self.name,
            "tags": dict(self.tags),
            "manifests": {
                d: {
                    "size": n.size,
                    "platform": n.platform,
                    "children": list(n.children),
                    "blobs": [list(b) for b in n.blobs],
                }
                for d, n in self.manifests.items()
            },
        }

    @classmethod
    def from_data(cls, data: Any) -> RepoScan | None:
        """A record read back from the cache; None when it is not the shape `to_data` wrote."""
        try:
            name, tags, nodes = data["name"], data["tags"], data["manifests"]
            if not isinstance(name, str) or not isinstance(tags, dict):
                return None
            if not all(isinstance(t, str) and isinstance(d, str) for t, d in tags.items()):
                return None
            found: dict[str, ManifestNode] = {}
            for digest, node in nodes.items():
                platform = node["platform"]
                size = node["size"]
                children = tuple(node["children"])
                blobs = tuple((b, s) for b, s in node["blobs"])
                if not (
                    isinstance(digest, str)
                    and _is_int(size)
                    and (platform is None or isinstance(platform, str))
                    and all(isinstance(c, str) for c in children)
                    and all(isinstance(b, str) and _is_int(s) for b, s in blobs)
                ):
                    return None
                found[digest] = ManifestNode(digest, size, platform, children, blobs)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return cls(name, dict(tags), found)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TagUsage(Frozen):
    """One tag of a repository: what its image (all platforms) takes."""

    tag: str
    digest: str
    bytes: int
    platforms: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RepoUsage(Frozen):
    name: str
    bytes: int
    unique_bytes: int
    tags: int
    manifests: int

    @property
    def shared_bytes(self) -> int:
        return self.bytes - self.unique_bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "bytes": self.bytes,
            "unique_bytes": self.unique_bytes,
            "shared_bytes": self.shared_bytes,
            "tags": self.tags,
            "manifests": self.manifests,
        }


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class NamespaceUsage(Frozen):
    name: str
    bytes: int
    unique_bytes: int
    repositories: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "bytes": self.bytes,
            "unique_bytes": self.unique_bytes,
            "repositories": self.repositories,
        }


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ImageSize(Frozen):
    """One platform image: `reference` is repository:tag (the first tag naming it)."""

    reference: str
    platform: str | None
    bytes: int
    repository: str = field(default="", compare=False)
    digest: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "platform": self.platform, "bytes": self.bytes}


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class StorageReport(Frozen):
    """The answer of `rex storage` (see the module docstring for the definitions)."""

    registry: str
    total_bytes: int
    manifest_bytes: int
    blobs: int
    repositories: tuple[RepoUsage, ...]
    namespaces: tuple[NamespaceUsage, ...]
    largest: tuple[ImageSize, ...]
    complete: bool
    scanned_at: datetime
    scans: Mapping[str, RepoScan] = field(default_factory=dict, compare=False)
    """Every scanned repository (the whole registry, whatever the scope), for drilling down."""
    skipped: tuple[str, ...] = ()
    """Repositories that could not be read (no permission, say): left out of the sums."""

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        """The JSON shape; `top` keeps the first N of each list."""
        return {
            "registry": self.registry,
            "total_bytes": self.total_bytes,
            "manifest_bytes": self.manifest_bytes,
            "blobs": self.blobs,
            "repositories": [r.to_dict() for r in self.repositories[:top]],
            "namespaces": [n.to_dict() for n in self.namespaces[:top]],
            "largest": [i.to_dict() for i in self.largest[:top]],
            "complete": self.complete,
            "scanned_at": isoformat(self.scanned_at),
        }


def namespace_of(repository: str) -> str:
    """Everything before the last `/` ("" for a top-level repository)."""
    return repository.rpartition("/")[0]


def in_scope(repository: str, scope: str | None) -> bool:
    """Whether `repository` is `scope` itself or lies under the namespace `scope`."""
    if scope is None:
        return True
    scope = scope.strip("/")
    return repository == scope or repository.startswith(scope + "/")


def tag_usages(scan: RepoScan) -> list[TagUsage]:
    """Each tag's image size (distinct blobs over all its platforms), by tag name."""
    rows = []
    for tag in sorted(scan.tags):
        digest = scan.tags[tag]
        blobs, seen = scan.reach([digest])
        platforms = sorted(
            {
                p
                for d in seen
                if (p := scan.manifests[d].platform) is not None and p != UNKNOWN_PLATFORM
            }
        )
        rows.append(TagUsage(tag, digest, sum(blobs.values()), tuple(platforms)))
    return rows


_U = TypeVar("_U", RepoUsage, NamespaceUsage)


def sort_usages(rows: Sequence[_U], by: str) -> list[_U]:
    """`size` (bytes, largest first), `unique` (unique bytes, largest first) or `name`."""
    if by == "name":
        return sorted(rows, key=lambda r: r.name)
    if by == "unique":
        return sorted(rows, key=lambda r: (-r.unique_bytes, -r.bytes, r.name))
    return sorted(rows, key=lambda r: (-r.bytes, -r.unique_bytes, r.name))


def _images(scan: RepoScan) -> list[ImageSize]:
    """Every platform image of a repository once, named by the first tag that reaches it."""
    named: dict[str, str] = {}
    for tag in sorted(scan.tags):
        _, seen = scan.reach([scan.tags[tag]])
        for digest in seen:
            named.setdefault(digest, tag)
    images = []
    for digest, tag in named.items():
        node = scan.manifests[digest]
        if not node.blobs or node.platform == UNKNOWN_PLATFORM:
            continue
        size = sum(sane_size(s) for s in dict(node.blobs).values())
        images.append(ImageSize(f"{scan.name}:{tag}", node.platform, size, scan.name, digest))
    return images


def account(
    scans: Iterable[RepoScan],
    *,
    registry: str,
    complete: bool,
    scanned_at: datetime,
    scope: str | None = None,
    sort: str = "size",
    skipped: Sequence[str] = (),
) -> StorageReport:
    """The report over `scans` (every repository: uniqueness is registry-wide), for `scope`."""
    every = {scan.name: scan for scan in scans}
    reached: dict[str, tuple[dict[str, int], set[str]]] = {
        name: scan.reach(scan.tags.values()) for name, scan in every.items()
    }
    users: dict[str, int] = {}
    namespace_users: dict[str, set[str]] = {}
    for name, (blobs, _) in reached.items():
        for blob in blobs:
            users[blob] = users.get(blob, 0) + 1
            namespace_users.setdefault(blob, set()).add(namespace_of(name))
    wanted = sorted(name for name in every if in_scope(name, scope))
    total: dict[str, int] = {}
    manifest_sizes: dict[str, int] = {}
    repositories = []
    by_namespace: dict[str, list[str]] = {}
    for name in wanted:
        blobs, seen = reached[name]
        total.update(blobs)
        for digest in seen:
            manifest_sizes[digest] = every[name].manifests[digest].size
        unique = sum(size for blob, size in blobs.items() if users[blob] == 1)
        scan = every[name]
        repositories.append(RepoUsage(name, sum(blobs.values()), unique, len(scan.tags), len(seen)))
        by_namespace.setdefault(namespace_of(name), []).append(name)
    namespaces = []
    for namespace, names in by_namespace.items():
        blobs = {}
        for name in names:
            blobs.update(reached[name][0])
        # Unique to the namespace: no repository outside it uses the blob.
        unique = sum(size for blob, size in blobs.items() if namespace_users[blob] == {namespace})
        namespaces.append(NamespaceUsage(namespace, sum(blobs.values()), unique, len(names)))
    largest = sorted(
        (image for name in wanted for image in _images(every[name])),
        key=lambda i: (-i.bytes, i.reference, i.platform or ""),
    )
    return StorageReport(
        registry=registry,
        total_bytes=sum(total.values()),
        manifest_bytes=sum(manifest_sizes.values()),
        blobs=len(total),
        repositories=tuple(sort_usages(repositories, sort)),
        namespaces=tuple(sort_usages(namespaces, sort)),
        largest=tuple(largest),
        complete=complete,
        scanned_at=scanned_at,
        scans=every,
        skipped=tuple(skipped),
    )
