"""Searches across a registry: repositories by name, tags by name.

They compose `Rex`'s reads (whose rules live in engine.reads.plan); each fans out
one task per item, and the per-registry limiter in the HTTP client bounds what
is in flight.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

import trio

from engine.errors import NotFoundError, RexError
from engine.oci.models import RepoInfo, TagInfo, TagMatch

if TYPE_CHECKING:
    from engine.reads.plan import Consistency

__all__ = ["Progress", "Reader", "gather", "search_images", "search_tags"]


class Reader(Protocol):
    """The reads these searches fan out over (`engine.Rex` is one)."""

    async def list_tags(
        self,
        repository: str,
        registry: str | None = None,
        *,
        consistency: str | Consistency | None = None,
    ) -> list[str]: ...

    async def list_repositories(self, registry: str | None = None) -> list[str]: ...

    async def tag_infos(
        self, repository: str, tags: Sequence[str] | None = None, *, registry: str | None = None
    ) -> list[TagInfo]: ...

    async def repo_infos(
        self, repositories: Sequence[str], *, registry: str | None = None, last_updated: bool = True
    ) -> list[RepoInfo]: ...


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
    return await rex.repo_infos(ranked, registry=registry, last_updated=last_updated)


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
        rows = await rex.tag_infos(pair[0], [pair[1]], registry=registry)
        if not rows:
            return None
        return TagMatch(pair[0], pair[1], rows[0].digest, rows[0].size)

    found = await gather(chosen, details, None)
    return [m for m in found if m is not None]
