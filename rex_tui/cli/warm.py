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
    Descriptor,
    ImageIndex,
    ImageInfo,
    NotFoundError,
    RepoInfo,
    RexError,
    TagInfo,
    choose_child,
    image_from_cache,
    image_with_facts,
    list_from,
    manifest_from,
    shown_tags,
    tag_row,
    with_facts,
)

__all__ = ["image_facts", "repo_infos", "repositories", "tag_infos", "tags"]

ALIAS_TAGS_MAX = 256
"""Tags whose cached manifests `image_facts` reads at most: past that, --aliases asks."""


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
    cache: Cache,
    host: str,
    repository: str,
    names: Sequence[str],
    listed: Sequence[str] | None = None,
) -> list[TagInfo] | None:
    """One row per tag, or None unless every tag's image is cached and fresh.

    Aliases and signed/SBOM marks come from `listed` (the whole tag list, else
    `names`), as `engine.reads.overview.tag_infos` sets them.
    """
    rows: list[TagInfo] = []
    for tag in names:
        info = image_from_cache(cache, host, f"{host}/{repository}:{tag}")
        if info is not None:
            rows.append(tag_row(tag, info))
            continue
        row = _artifact_row(cache, host, repository, tag)
        if row is None:
            return None
        rows.append(row)
    listed = names if listed is None else listed
    referrers = _referrers(cache, host, repository, listed, {row.digest for row in rows})
    return None if referrers is None else with_facts(rows, listed, referrers)


def _referrers(
    cache: Cache, host: str, repository: str, listed: Sequence[str], digests: set[str]
) -> dict[str, list[Descriptor]] | None:
    """The cached referrers index of each digest with a fallback tag in `listed`."""
    found: dict[str, list[Descriptor]] = {}
    tags = set(listed)
    for digest in digests:
        tag = digest.replace(":", "-", 1)
        if tag not in tags:
            continue
        entry = cache.get(CacheKey.manifest(host, repository, tag))
        if entry is None or entry.expired(cache.now()):
            return None
        try:
            manifest = manifest_from(entry.data)
        except RexError:
            return None
        if isinstance(manifest.parsed, ImageIndex):
            found[digest] = list(manifest.parsed.manifests)
    return found


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
        rows.append(RepoInfo(name, len(shown_tags(listed)), max(dates, default=None)))
    return rows


def image_facts(cache: Cache, info: ImageInfo) -> ImageInfo:
    """`info` with aliases and signed/SBOM marks when the cache knows them, else as it is.

    It needs the fresh tag list and each listed tag's fresh manifest (for its digest).
    """
    host, repository = info.registry, info.repository
    listed = tags(cache, host, repository)
    if listed is None:
        return info
    names = shown_tags(listed)
    if len(names) > ALIAS_TAGS_MAX:
        return info
    digests: dict[str, str] = {}
    for tag in names:
        entry = cache.get(CacheKey.manifest(host, repository, tag))
        if entry is None or entry.expired(cache.now()):
            return info
        try:
            digests[tag] = manifest_from(entry.data).digest
        except RexError:
            return info
    referrers = _referrers(cache, host, repository, listed, {info.digest})
    if referrers is None:
        return info
    return image_with_facts(info, digests, listed, referrers.get(info.digest, ()))
