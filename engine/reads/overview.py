"""Summaries over many images: tag rows, repository rows, and searches across a registry.

Each fans out one task per item; the per-registry limiter in the HTTP client
bounds what is in flight, and everything goes through the cache, so a second
run is answered from it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

import trio

from engine.errors import ContentError, NotFoundError, RexError
from engine.oci.models import RepoInfo, TagInfo, TagMatch
from engine.reads import facts

if TYPE_CHECKING:
    from engine.oci.manifests import Descriptor
    from engine.oci.models import ImageInfo, Manifest
    from engine.oci.reference import Reference
    from engine.reads.cached import Consistency

__all__ = ["Progress", "Reader", "repo_infos", "search_images", "search_tags", "tag_infos"]


class Reader(Protocol):
    """The single-image reads these summaries fan out over (`engine.Rex` is one)."""

    def reference(self, text: str, registry: str | None = None) -> Reference: ...

    async def inspect(
        self, reference: Reference, *, consistency: str | Consistency | None = None
    ) -> ImageInfo: ...

    async def get_manifest(
        self, reference: Reference, *, consistency: str | Consistency | None = None
    ) -> Manifest: ...

    async def list_tags(
        self,
        repository: str,
        registry: str | None = None,
        *,
        consistency: str | Consistency | None = None,
    ) -> list[str]: ...

    async def list_repositories(self, registry: str | None = None) -> list[str]: ...

    async def referrers(
        self, reference: str | Reference, *, artifact_type: str | None = None
    ) -> list[Descriptor]: ...


Progress = Callable[[int, int], None]
"""Called with (done, total) as items complete."""

T = TypeVar("T")
R = TypeVar("R")


async def gather(
    items: Sequence[T], work: Callable[[T], Awaitable[R]], progress: Progress | None
) -> list[R]:
    """`work` on every item concurrently; results in the items' order."""
    results: dict[int, R] = {}
    done = 0

    async def one(i: int, item: T) -> None:
        nonlocal done
        results[i] = await work(item)
        done += 1
        if progress is not None:
            progress(done, len(items))

    async with trio.open_nursery() as nursery:
        for i, item in enumerate(items):
            nursery.start_soon(one, i, item)
    return [results[i] for i in range(len(items))]


async def _tag_info(
    rex: Reader,
    repository: str,
    tag: str,
    registry: str | None,
    consistency: str | Consistency | None,
) -> TagInfo | None:
    ref = rex.reference(f"{repository}:{tag}", registry)
    try:
        info = await rex.inspect(ref, consistency=consistency)
    except NotFoundError:
        try:
            manifest = await rex.get_manifest(ref, consistency=consistency)
        except NotFoundError:
            return None  # deleted between the listing and now
        # An index of artifacts only (e.g. a referrers tag): no image to size.
        platforms: tuple[str, ...] = ()
        return TagInfo(tag, manifest.digest, 0, None, platforms, manifest.media_type)
    except ContentError:
        return None
    return facts.tag_row(tag, info)


async def tag_infos(
    rex: Reader,
    repository: str,
    tags: Sequence[str] | None,
    registry: str | None,
    consistency: str | Consistency | None,
    progress: Progress | None,
    listed: Sequence[str] | None = None,
) -> list[TagInfo]:
    """Digest, size, created and platforms of each tag (all tags when `tags` is None),
    with aliases and signed/SBOM marks from `listed`, the whole tag list (else `tags`)."""
    if tags is None:
        tags = await rex.list_tags(repository, registry, consistency=consistency)
    rows = await gather(
        list(tags), lambda tag: _tag_info(rex, repository, tag, registry, consistency), progress
    )
    found = [row for row in rows if row is not None]
    listed = tags if listed is None else listed
    digests = [row.digest for row in found]
    referrers = await facts.referrer_indexes(rex, repository, listed, digests, registry)
    return facts.with_facts(found, listed, referrers)


async def repo_infos(
    rex: Reader,
    repositories: Sequence[str],
    registry: str | None,
    last_updated: bool,
    consistency: str | Consistency | None,
    progress: Progress | None,
) -> list[RepoInfo]:
    """Tag count and, with `last_updated`, the newest `created` among each repository's tags.

    The newest date costs a manifest and a config per tag (cached afterwards).
    """

    async def one(name: str) -> RepoInfo:
        try:
            tags = await rex.list_tags(name, registry, consistency=consistency)
        except NotFoundError:
            return RepoInfo(name, 0, None)
        newest: datetime | None = None
        if last_updated and tags:
            rows = await tag_infos(rex, name, tags, registry, consistency, None)
            dates = [r.created for r in rows if r.created is not None]
            newest = max(dates, default=None)
        return RepoInfo(name, len(facts.shown_tags(tags)), newest)

    return await gather(list(repositories), one, progress)


async def search_images(
    rex: Reader,
    query: str,
    registry: str | None,
    tag: str | None,
    exact: bool,
    limit: int | None,
    last_updated: bool,
    progress: Progress | None,
) -> list[RepoInfo]:
    """Repositories whose name matches, best first; with `tag`, only those having it exactly."""
    from engine.search import matcher  # rapidfuzz: only searches pay for its import

    parsed = matcher.parse_query(query, exact=exact)
    names = await rex.list_repositories(registry)
    ranked = [m.text for m in matcher.search(parsed, names)]
    if tag is not None:

        async def has_tag(name: str) -> str | None:
            try:
                return name if tag in await rex.list_tags(name, registry) else None
            except RexError:
                return None

        found = await gather(ranked, has_tag, progress)
        ranked = [name for name in found if name is not None]
    if limit is not None:
        ranked = ranked[:limit]
    return await repo_infos(rex, ranked, registry, last_updated, None, None)


async def search_tags(
    rex: Reader,
    query: str,
    registry: str | None,
    image: str | None,
    exact: bool,
    limit: int | None,
    progress: Progress | None,
) -> list[TagMatch]:
    """Tags matching `query` in one repository, or across every repository, best first."""
    from engine.search import matcher

    parsed = matcher.parse_query(query, exact=exact)
    if image is not None:
        pairs = [(image, t) for t in await rex.list_tags(image, registry)]
    else:
        repos = await rex.list_repositories(registry)

        async def tags_of(name: str) -> list[tuple[str, str]]:
            try:
                return [(name, t) for t in await rex.list_tags(name, registry)]
            except NotFoundError:
                return []

        pairs = [pair for group in await gather(repos, tags_of, progress) for pair in group]
    # Rank tags; equal scores fall back to the repository order given by the catalog.
    matches = matcher.search(parsed, [tag for _, tag in pairs], limit=limit)
    chosen = [pairs[m.index] for m in matches]

    async def details(pair: tuple[str, str]) -> TagMatch | None:
        rows = await tag_infos(rex, pair[0], [pair[1]], registry, None, None)
        if not rows:
            return None
        return TagMatch(pair[0], pair[1], rows[0].digest, rows[0].size)

    found = await gather(chosen, details, None)
    return [m for m in found if m is not None]
