"""What the response cache stores: kinds, keys and entries (re-exported by `engine.cache.store`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from engine.errors import ValidationError, shown
from engine.frozen import Frozen

__all__ = ["CacheEntry", "CacheKey", "CacheKind"]

# Tags as distribution/reference spells them; they are filesystem-safe as they stand.
_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
# The OCI digest grammar narrowed to a single-word algorithm, so that the on-disk name
# (':' turned into '-') splits back unambiguously at its first '-'; "tag" is refused
# because "tag:x" would share a file name with the tag "x".
_DIGEST = re.compile(r"(?!tag:)[a-z0-9]{1,32}:[A-Za-z0-9=_-]{1,200}", re.ASCII)


class CacheKind(StrEnum):
    """The kinds of registry response the cache keeps, and storage accounting."""

    CATALOG = "catalog"
    TAGS = "tags"
    MANIFEST = "manifest"
    CONFIG = "config"
    FILES = "files"
    """A layer's file listing, keyed by the layer's (immutable) digest."""
    STORAGE = "storage"
    """A registry's storage totals (no repository) or one repository's scan."""


@dataclass(frozen=True, slots=True)
class CacheKey:
    """Names one cached response: its kind, registry host and, below the catalog, repository."""

    kind: CacheKind
    registry: str
    """host[:port] as the engine normalised it, e.g. "127.0.0.1:5000"."""
    repository: str | None = None
    """None for the catalog, required for everything else."""
    name: str | None = None
    """MANIFEST: a digest or a tag; CONFIG, FILES: a digest; otherwise None."""

    def __post_init__(self) -> None:
        # The name becomes part of a file path, so a key that could escape its
        # directory or collide with another kind's file never gets built.
        if not isinstance(self.kind, CacheKind):
            raise ValidationError(f"unknown cache kind {shown(str(self.kind))}")
        if not self.registry or not isinstance(self.registry, str):
            raise ValidationError("a cache key needs a registry host")
        if self.kind is CacheKind.CATALOG:
            if self.repository is not None or self.name is not None:
                raise ValidationError("a catalog cache key has no repository or name")
            return
        if self.kind is CacheKind.STORAGE:
            if self.name is not None or not isinstance(self.repository, str | None):
                raise ValidationError("a storage cache key has no name")
            return
        if not self.repository or not isinstance(self.repository, str):
            raise ValidationError(f"a {self.kind} cache key needs a repository")
        if self.kind is CacheKind.TAGS:
            if self.name is not None:
                raise ValidationError("a tag-list cache key has no name")
            return
        name = self.name
        if not isinstance(name, str) or not name:
            raise ValidationError(f"a {self.kind} cache key needs a digest or tag")
        if _DIGEST.fullmatch(name):
            return
        if self.kind is CacheKind.MANIFEST and _TAG.fullmatch(name):
            return
        wanted = "a digest or a tag" if self.kind is CacheKind.MANIFEST else "a digest"
        raise ValidationError(
            f"invalid {self.kind} cache key name {shown(name)}: expected {wanted}"
        )

    @classmethod
    def catalog(cls, registry: str) -> CacheKey:
        """The key of `registry`'s repository catalog."""
        return cls(CacheKind.CATALOG, registry)

    @classmethod
    def tags(cls, registry: str, repository: str) -> CacheKey:
        """The key of `repository`'s tag list."""
        return cls(CacheKind.TAGS, registry, repository)

    @classmethod
    def manifest(cls, registry: str, repository: str, reference: str) -> CacheKey:
        """The key of a manifest fetched by digest or by tag."""
        return cls(CacheKind.MANIFEST, registry, repository, reference)

    @classmethod
    def config(cls, registry: str, repository: str, digest: str) -> CacheKey:
        """The key of an image configuration blob."""
        return cls(CacheKind.CONFIG, registry, repository, digest)

    @classmethod
    def files(cls, registry: str, repository: str, layer_digest: str) -> CacheKey:
        """The key of a layer's file listing."""
        return cls(CacheKind.FILES, registry, repository, layer_digest)

    @classmethod
    def storage(cls, registry: str, repository: str | None = None) -> CacheKey:
        """The key of `registry`'s storage totals, or of one repository's storage scan."""
        return cls(CacheKind.STORAGE, registry, repository)

    @property
    def immutable(self) -> bool:
        """Whether the content can never change: a manifest or config addressed by digest."""
        # Tags cannot contain ':', digests always do.
        return self.name is not None and ":" in self.name

    def __str__(self) -> str:
        match self.kind:
            case CacheKind.CATALOG:
                return f"{self.registry}/catalog"
            case CacheKind.TAGS:
                return f"{self.registry}/{self.repository}/tags"
            case CacheKind.MANIFEST:
                return f"{self.registry}/{self.repository}/manifests/{self.name}"
            case CacheKind.FILES:
                return f"{self.registry}/{self.repository}/files/{self.name}"
            case CacheKind.STORAGE:
                return f"{self.registry}/{self.repository or ''}/storage".replace("//", "/")
            case _:
                return f"{self.registry}/{self.repository}/configs/{self.name}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CacheEntry(Frozen):
    """A cached response with its bookkeeping; `data` is shared, so treat it as read-only."""

    key: CacheKey
    data: Any
    """The JSON-serialisable response as it was put."""
    cached_at: float
    """Epoch seconds when it was fetched from the registry."""
    ttl: float
    """Seconds it stays fresh; math.inf for never expiring."""
    size: int
    """Bytes of the serialised entry, on disk and as counted against memory limits."""

    @property
    def expires_at(self) -> float:
        """Epoch seconds from which the entry is expired."""
        return self.cached_at + self.ttl

    def age(self, now: float) -> float:
        """Seconds since it was fetched (never negative, whatever another host's clock said)."""
        return max(0.0, now - self.cached_at)

    def expired(self, now: float) -> bool:
        """Whether its TTL has run out at `now`."""
        return now >= self.cached_at + self.ttl
