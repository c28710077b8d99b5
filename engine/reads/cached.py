"""What the engine keeps in the cache, and the read path that needs no network stack.

Entry shapes (the `data` of a cache entry):

    catalog   {"repositories": [...]}
    tags      {"tags": [...]}
    manifest  {"digest": "sha256:...", "media_type": "...", "body": "<the JSON text>"}
              stored twice: under its tag (mutable, tags TTL) and its digest (immutable)
    config    {"body": "<the JSON text>"}

Bodies are kept as text so the bytes, and so the digest, survive the round trip;
a body that is not UTF-8 is simply not cached. `image_from_cache` answers
`rex image NAME:TAG` from these entries alone, importing neither httpx nor trio.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from itertools import repeat
from typing import Any

from engine.cache.format import verify_body
from engine.cache.store import Cache, CacheEntry, CacheKey
from engine.errors import ContentError, RexError, ValidationError
from engine.oci import manifests
from engine.oci.models import ImageInfo, Manifest
from engine.oci.reference import Reference
from engine.reads.assemble import assemble_image, choose_child, platform_entries

__all__ = [
    "Consistency",
    "cached_image",
    "config_data",
    "config_from",
    "image_from_cache",
    "list_data",
    "list_from",
    "manifest_data",
    "manifest_from",
]

logger = logging.getLogger(__name__)


class Consistency(StrEnum):
    """How much a read trusts the cache (seed 000 section 1.9)."""

    WEAK = "weak"
    """Cached until the TTL runs out, no questions asked."""
    STRONG = "strong"
    """Mutable data is always checked with the registry; only digests are trusted."""
    EVENTUAL = "eventual"
    """Cached data at once, even stale, while a background refresh fetches the new."""

    @classmethod
    def of(cls, value: str | Consistency | None, default: str | Consistency) -> Consistency:
        try:
            return cls(value if value is not None else default)
        except ValueError:
            raise ValidationError(
                f"unknown consistency {value!r}", hint="Use weak, strong or eventual."
            ) from None


def list_data(key: str, items: list[str]) -> dict[str, Any]:
    return {key: list(items)}


def list_from(data: Any, key: str) -> list[str]:
    items = data.get(key) if isinstance(data, dict) else None
    # map() keeps the check of each item in C: ~2x faster over a 100,000-name catalog.
    if not isinstance(items, list) or not all(map(isinstance, items, repeat(str))):
        raise ContentError(f"cached {key} list is malformed")
    return items


def manifest_data(manifest: Manifest) -> dict[str, Any] | None:
    try:
        body = manifest.body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return {"digest": manifest.digest, "media_type": manifest.media_type, "body": body}


def manifest_from(data: Any) -> Manifest:
    """A cached manifest, re-verified against its digest (a bad entry is a ContentError)."""
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("digest", "media_type", "body")
    ):
        raise ContentError("cached manifest entry is malformed")
    problem = verify_body(data["body"], data["digest"])
    if problem is not None:
        raise ContentError(f"cached manifest: {problem}")
    body = data["body"].encode("utf-8")
    return Manifest(data["digest"], data["media_type"], body, manifests.parse_manifest(body))


def config_data(raw: bytes) -> dict[str, Any] | None:
    try:
        return {"body": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return None


def config_from(data: Any) -> bytes:
    """A cached config's bytes (the disk tier verified them against their digest)."""
    if not isinstance(data, dict) or not isinstance(data.get("body"), str):
        raise ContentError("cached config entry is malformed")
    body: str = data["body"]
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:
        raise ContentError("cached config entry is not UTF-8 text") from None


def _usable(cache: Cache, key: CacheKey, now: float, allow_stale: bool) -> CacheEntry | None:
    """The entry if a read may use it: digests always, the rest within TTL unless stale is ok."""
    entry = cache.get(key)
    if entry is None or (not allow_stale and not key.immutable and entry.expired(now)):
        return None
    return entry


def cached_image(
    cache: Cache,
    ref: Reference,
    platform: str | None,
    display: str,
    *,
    allow_stale: bool = False,
) -> tuple[ImageInfo, float, bool] | None:
    """An ImageInfo from cache entries alone, with the top manifest's age and staleness.

    None when any piece is missing or unusable: the caller goes to the registry.
    """
    try:
        wanted = manifests.Platform.parse(platform) if platform else None
        now = cache.now()
        top_key = CacheKey.manifest(ref.registry, ref.repository, ref.identifier)
        top_entry = _usable(cache, top_key, now, allow_stale)
        if top_entry is None:
            return None
        top = manifest_from(top_entry.data)
        image, chosen = top, None
        children: dict[str, Manifest] = {}
        if isinstance(top.parsed, manifests.ImageIndex):
            chosen = choose_child(top.parsed, wanted)
            # Every platform's manifest, for platform_sizes (Rex.inspect caches them all).
            for entry in platform_entries(top.parsed):
                child_key = CacheKey.manifest(ref.registry, ref.repository, entry.digest)
                child = _usable(cache, child_key, now, allow_stale)
                if child is None:
                    return None
                children[entry.digest] = manifest_from(child.data)
            image = children[chosen.digest]
        if not isinstance(image.parsed, manifests.ImageManifest):
            return None
        config_key = CacheKey.config(ref.registry, ref.repository, image.parsed.config.digest)
        config = _usable(cache, config_key, now, allow_stale)
        if config is None:
            return None
        raw_config = config_from(config.data)
        info = assemble_image(
            ref, display, top, image, raw_config, chosen, wanted=wanted, children=children
        )
    except RexError as exc:
        # A platform the cached index lacks, a damaged entry...: let the registry answer.
        logger.debug("cache cannot answer %s: %s", ref, exc)
        return None
    return info, top_entry.age(now), top_entry.expired(now)


def image_from_cache(
    cache: Cache,
    registry: str,
    reference: str,
    platform: str | None = None,
    *,
    display: str | None = None,
) -> ImageInfo | None:
    """`inspect` answered from fresh cache entries alone, or None if any piece is missing.

    Sync and network-free on purpose: print mode calls it before it loads trio or
    httpx. Weak consistency: a tag's manifest must be within its TTL.
    """
    try:
        ref = Reference.parse(reference, default_registry=registry)
    except ValidationError:
        return None  # the full path reports the bad reference
    found = cached_image(cache, ref, platform, display or ref.familiar())
    return found[0] if found else None
