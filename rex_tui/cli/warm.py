"""Listings answered from fresh disk-cache entries alone, without the network stack.

`engine.reads.cached.image_from_cache` answers one image that way; these compose it
into `rex image NAME` (a tag table) and `rex image` (a repository table), so a
repeated listing costs file reads instead of importing trio and httpx. Every
function returns None as soon as one piece is missing or expired, and the
caller then asks the registry (through the same cache) for everything.

The rows are built exactly as `engine.reads.overview` builds them from `Rex.inspect`.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine import (
    Cache,
    CacheKey,
    ContentError,
    ImageIndex,
    NotFoundError,
    RepoInfo,
    RexError,
    TagInfo,
    choose_child,
    image_from_cache,
    list_from,
    manifest_from,
)

__all__ = ["repo_infos", "repositories", "tag_infos", "tags"]


def _fresh_list(cache: Cache, key: CacheKey, field: str) -> list[str] | None:
    entry = cache.get(key)
    if entry is None or entry.expired(cache.now()):
        return None
    try:
        return list_from(entry.data, field)
    except ContentError:
        return None


def repositories(cache: Cache, host: str) -> list[str] | None:
    """The registry's catalog, if cached and fresh."""
    return _fresh_list(cache, CacheKey.catalog(host), "repositories")


def tags(cache: Cache, host: str, repository: str) -> list[str] | None:
    """A repository's tag list, if cached and fresh."""
    return _fresh_list(cache, CacheKey.tags(host, repository), "tags")


def tag_infos(
    cache: Cache, host: str, repository: str, names: Sequence[str]
) -> list[TagInfo] | None:
    """One row per tag, or None unless every tag's image is cached and fresh."""
    rows: list[TagInfo] = []
    for tag in names:
        info = image_from_cache(cache, host, f"{host}/{repository}:{tag}")
        if info is not None:
            rows.append(
                TagInfo(tag, info.digest, info.size, info.created, info.platforms, info.media_type)
            )
            continue
        row = _artifact_row(cache, host, repository, tag)
        if row is None:
            return None
        rows.append(row)
    return rows


def _artifact_row(cache: Cache, host: str, repository: str, tag: str) -> TagInfo | None:
    """The row of a tag naming an index with no platform image (e.g. a referrers tag).

    `inspect` fails on those and `engine.reads.overview` shows the index's digest with
    no size, date or platforms; the same here when the tag's manifest is cached.
    """
    entry = cache.get(CacheKey.manifest(host, repository, tag))
    if entry is None or entry.expired(cache.now()):
        return None
    try:
        manifest = manifest_from(entry.data)
        if not isinstance(manifest.parsed, ImageIndex):
            return None
        choose_child(manifest.parsed, None)
    except NotFoundError:
        return TagInfo(tag, manifest.digest, 0, None, (), manifest.media_type)
    except RexError:
        return None
    return None  # an image index whose child is not cached: ask the registry


def repo_infos(cache: Cache, host: str, names: Sequence[str]) -> list[RepoInfo] | None:
    """Tag count and newest image date per repository, or None if anything is not cached."""
    rows: list[RepoInfo] = []
    for name in names:
        listed = tags(cache, host, name)
        if listed is None:
            return None
        infos = tag_infos(cache, host, name, listed) if listed else []
        if infos is None:
            return None
        dates = [i.created for i in infos if i.created is not None]
        rows.append(RepoInfo(name, len(listed), max(dates, default=None)))
    return rows
