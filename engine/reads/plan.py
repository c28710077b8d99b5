"""The read plan: every answer's rules written once, as generators that do no I/O.

Modelled on httpx's `Auth.auth_flow`: a plan *yields* the steps it needs (a cache
lookup or store, a registry request, a set of sub-plans to run together) and is
*sent* each answer; it ends by returning its value. A driver runs it:
`engine.reads.driver` on trio + httpx with the cache, `engine.reads.cacheonly`
on the cache alone (print mode's warm answers, `--offline`). A request the
driver cannot answer is thrown back into the plan as the engine error it is, so
a plan can catch, say, a NotFoundError.

Entry shapes (the `data` of a cache entry):

    catalog   {"repositories": [...]}
    tags      {"tags": [...]}
    manifest  {"digest": "sha256:...", "media_type": "...", "body": "<the JSON text>"}
              stored twice: under its tag (mutable, tags TTL) and its digest (immutable)
    config    {"body": "<the JSON text>"}

Bodies are kept as text so the bytes, and so the digest, survive the round trip;
a body that is not UTF-8 is simply not cached.

Freshness (seeds 000/001 section 1.9, `Consistency`):

- weak: a tag's digest is confirmed with one manifest HEAD before cached
  digest-addressed content is used; catalogs and tag lists follow their TTLs.
  Tag *rows* (a listing) are part of their tag list and follow its TTL too.
- strong: everything mutable is asked again (lists, and a HEAD per tag).
- eventual: whatever is cached, at once, with its age; the caller revalidates.
- fresh (--no-cache): nothing is read from the cache; everything is written to it.
- offline: the cache alone, stale or not; a miss is an `OfflineMiss`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from itertools import repeat
from typing import Any, Generic, TypeVar

from engine.cache.format import verify_body
from engine.cache.store import CacheEntry, CacheKey
from engine.errors import ContentError, NotFoundError, OfflineMiss, RexError, ValidationError
from engine.oci import manifests
from engine.oci.models import ImageInfo, Manifest, RepoInfo, TagInfo
from engine.oci.reference import Reference
from engine.reads import facts
from engine.reads.assemble import assemble_image, choose_child, platform_entries

__all__ = [
    "Answer",
    "Consistency",
    "Forget",
    "Gather",
    "GetBlob",
    "GetManifest",
    "HeadManifest",
    "ListRepositories",
    "ListTags",
    "Lookup",
    "OfflineMiss",
    "Plan",
    "Referrers",
    "Store",
    "Walk",
    "config_data",
    "config_from",
    "image_facts_plan",
    "image_plan",
    "list_data",
    "list_from",
    "manifest_data",
    "manifest_from",
    "manifest_plan",
    "referrers_plan",
    "repo_rows_plan",
    "repositories_plan",
    "tag_rows_plan",
    "tags_plan",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Consistency(StrEnum):
    """How much a read trusts the cache (seed 000 section 1.9, plus fresh and offline)."""

    WEAK = "weak"
    """Lists within their TTL; a tag confirmed by one HEAD before its cached content."""
    STRONG = "strong"
    """Everything mutable asked again; only digest-addressed content is trusted."""
    EVENTUAL = "eventual"
    """Cached data at once, even stale; the caller refreshes it in the background."""
    FRESH = "fresh"
    """Nothing read from the cache, everything written to it (--no-cache)."""
    OFFLINE = "offline"
    """The cache alone, never the network; a miss is an OfflineMiss."""

    @classmethod
    def of(cls, value: str | Consistency | None, default: str | Consistency) -> Consistency:
        try:
            return cls(value if value is not None else default)
        except ValueError:
            raise ValidationError(
                f"unknown consistency {value!r}", hint="Use weak, strong or eventual."
            ) from None

    @property
    def reads_cache(self) -> bool:
        return self is not Consistency.FRESH

    @property
    def trusts_cache(self) -> bool:
        """Whether a cached mutable entry is an answer, stale or not, without asking."""
        return self in (Consistency.EVENTUAL, Consistency.OFFLINE)


# -- steps -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lookup:
    """Answer: the key's `CacheEntry` (expired or not), or None."""

    key: CacheKey


@dataclass(frozen=True, slots=True)
class Store:
    """Write `data` under `key`. Answer: None."""

    key: CacheKey
    data: Any


@dataclass(frozen=True, slots=True)
class Forget:
    """Delete a damaged entry. Answer: None."""

    key: CacheKey


@dataclass(frozen=True, slots=True)
class HeadManifest:
    """Answer: the digest the registry resolves `reference` to (a HEAD request)."""

    registry: str
    repository: str
    reference: str


@dataclass(frozen=True, slots=True)
class GetManifest:
    """Answer: the `Manifest` (digest-verified)."""

    registry: str
    repository: str
    reference: str


@dataclass(frozen=True, slots=True)
class GetBlob:
    """Answer: the blob's bytes (digest-verified, at most `max_bytes`)."""

    registry: str
    repository: str
    digest: str
    max_bytes: int


@dataclass(frozen=True, slots=True)
class ListTags:
    """Answer: every tag of the repository (all pages)."""

    registry: str
    repository: str


@dataclass(frozen=True, slots=True)
class ListRepositories:
    """Answer: the catalog, or the configured list when it is closed.

    `registry` is as the caller named it (None: the current one); `host` keys the cache.
    """

    registry: str | None
    host: str


@dataclass(frozen=True, slots=True)
class Referrers:
    """Answer: the descriptors whose subject is `digest` (never cached)."""

    registry: str
    repository: str
    digest: str
    artifact_type: str | None


Request = HeadManifest | GetManifest | GetBlob | ListTags | ListRepositories | Referrers
"""The steps that need the network."""

Plan = Generator["Step", Any, T]


@dataclass(frozen=True, slots=True)
class Gather:
    """Run sub-plans together. Answer: their results in order.

    A sub-plan failing with one of `tolerate` gives that error as its result;
    any other error fails the whole step. `progress(done, total)` after each.
    """

    plans: tuple[Plan[Any], ...]
    tolerate: tuple[type[RexError], ...] = ()
    progress: Callable[[int, int], None] | None = None


Step = Lookup | Store | Forget | Gather | Request


@dataclass(frozen=True, slots=True)
class Answer(Generic[T_co]):
    """A plan's value, how old it is, and whether it is past its TTL."""

    value: T_co
    age: float | None = None
    """Seconds since its oldest mutable part came from the registry; None: just now."""
    stale: bool = False


class Walk(Generic[T]):
    """A plan being driven: `next(answer)` gives its next step, None once it returned `value`.

    The drivers' shared loop; an `error` is thrown into the plan at the step it failed.
    """

    def __init__(self, plan: Plan[T]) -> None:
        self._plan = plan
        self.value: T | None = None

    def next(self, answer: Any = None, error: BaseException | None = None) -> Step | None:
        try:
            return self._plan.throw(error) if error is not None else self._plan.send(answer)
        except StopIteration as stop:
            self.value = stop.value
            return None

    def close(self) -> None:
        self._plan.close()


def _oldest(ages: Sequence[float | None]) -> float | None:
    known = [a for a in ages if a is not None]
    return max(known) if known else None


# -- entry shapes --------------------------------------------------------------


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


# -- plans ---------------------------------------------------------------------


def _offline_miss(what: str) -> OfflineMiss:
    return OfflineMiss(f"offline, and the cache does not hold {what}")


def _entry(key: CacheKey, read: Callable[[Any], T]) -> Plan[tuple[T, CacheEntry] | None]:
    """`key`'s cached value read by `read`, with its entry; a damaged one is forgotten."""
    entry: CacheEntry | None = yield Lookup(key)
    if entry is None:
        return None
    try:
        return read(entry.data), entry
    except ContentError:
        yield Forget(key)
        return None


def _list_plan(
    key: CacheKey, field: str, request: Request, level: Consistency, now: float, what: str
) -> Plan[Answer[list[str]]]:
    if level.reads_cache:
        found = yield from _entry(key, lambda data: list_from(data, field))
        if found is not None:
            items, entry = found
            stale = entry.expired(now)
            if level.trusts_cache or (level is Consistency.WEAK and not stale):
                return Answer(items, entry.age(now), stale)
    if level is Consistency.OFFLINE:
        raise _offline_miss(what)
    fetched: list[str] = yield request
    yield Store(key, list_data(field, fetched))
    return Answer(fetched)


def repositories_plan(
    registry: str | None, host: str, level: Consistency, now: float
) -> Plan[Answer[list[str]]]:
    """Every repository of a registry (the catalog)."""
    request = ListRepositories(registry, host)
    return _list_plan(
        CacheKey.catalog(host), "repositories", request, level, now, f"the catalog of {host}"
    )


def tags_plan(
    registry: str, repository: str, level: Consistency, now: float
) -> Plan[Answer[list[str]]]:
    """A repository's tags."""
    return _list_plan(
        CacheKey.tags(registry, repository),
        "tags",
        ListTags(registry, repository),
        level,
        now,
        f"the tags of {repository}",
    )


def _store_manifest(
    registry: str, repository: str, reference: str, manifest: Manifest
) -> Plan[None]:
    data = manifest_data(manifest)
    if data is None:
        return
    yield Store(CacheKey.manifest(registry, repository, manifest.digest), data)
    if reference != manifest.digest:
        yield Store(CacheKey.manifest(registry, repository, reference), data)


def manifest_plan(
    registry: str,
    repository: str,
    reference: str,
    level: Consistency,
    now: float,
    *,
    listed: bool = False,
) -> Plan[Answer[Manifest]]:
    """A manifest by tag or digest.

    A digest's cached manifest is the answer whatever the level (digest-verified).
    A tag's cached manifest is confirmed with one HEAD, unless the level trusts the
    cache (eventual, offline) or, with `listed` (a tag row), the entry is within the
    TTL of the tag list it belongs to under weak consistency.
    """
    key = CacheKey.manifest(registry, repository, reference)
    found = (yield from _entry(key, manifest_from)) if level.reads_cache else None
    if found is not None:
        cached, entry = found
        if key.immutable:
            return Answer(cached)
        stale = entry.expired(now)
        if level.trusts_cache or (listed and level is Consistency.WEAK and not stale):
            return Answer(cached, entry.age(now), stale)
    if level is Consistency.OFFLINE:
        raise _offline_miss(f"the manifest of {repository}:{reference}")
    if found is not None:
        cached, entry = found
        digest: str = yield HeadManifest(registry, repository, reference)
        if digest == cached.digest:
            if entry.expired(now):
                yield from _store_manifest(registry, repository, reference, cached)
            return Answer(cached)
        moved = yield from _entry(CacheKey.manifest(registry, repository, digest), manifest_from)
        if moved is not None:
            yield from _store_manifest(registry, repository, reference, moved[0])
            return Answer(moved[0])
    manifest: Manifest = yield GetManifest(registry, repository, reference)
    yield from _store_manifest(registry, repository, reference, manifest)
    return Answer(manifest)


def config_plan(registry: str, repository: str, digest: str, level: Consistency) -> Plan[bytes]:
    """An image config: digest-addressed, so any cached copy is good."""
    key = CacheKey.config(registry, repository, digest)
    if level.reads_cache:
        found = yield from _entry(key, config_from)
        if found is not None:
            return found[0]
    if level is Consistency.OFFLINE:
        raise _offline_miss(f"the config {digest} of {repository}")
    raw: bytes = yield GetBlob(registry, repository, digest, manifests.MAX_CONFIG_BYTES)
    data = config_data(raw)
    if data is not None:
        yield Store(key, data)
    return raw


def image_plan(
    ref: Reference,
    display: str,
    wanted: manifests.Platform | None,
    level: Consistency,
    now: float,
    *,
    listed: bool = False,
) -> Plan[Answer[ImageInfo]]:
    """Manifest, config and derived facts of an image; an index shows one platform.

    Every platform manifest of an index is read (together), for the sizes; one that
    cannot be read is left out, so a broken sibling costs only its own size.
    """
    registry, repository = ref.registry, ref.repository
    top = yield from manifest_plan(registry, repository, ref.identifier, level, now, listed=listed)
    image, chosen = top.value, None
    children: dict[str, Manifest] = {}
    if isinstance(top.value.parsed, manifests.ImageIndex):
        chosen = choose_child(top.value.parsed, wanted)
        digests = list(dict.fromkeys(e.digest for e in platform_entries(top.value.parsed)))
        results = yield Gather(
            tuple(manifest_plan(registry, repository, d, level, now) for d in digests),
            tolerate=(NotFoundError, ContentError, OfflineMiss),
        )
        children = {
            d: r.value for d, r in zip(digests, results, strict=True) if isinstance(r, Answer)
        }
        if chosen.digest in children:
            image = children[chosen.digest]
        else:
            image = (
                yield from manifest_plan(registry, repository, chosen.digest, level, now)
            ).value
    if not isinstance(image.parsed, manifests.ImageManifest):
        raise RexError(
            f"{display} resolves to a nested index, which rex cannot show",
            hint="Inspect one of its child manifests by digest.",
        )
    raw_config = yield from config_plan(registry, repository, image.parsed.config.digest, level)
    info = assemble_image(
        ref, display, top.value, image, raw_config, chosen, wanted=wanted, children=children
    )
    return Answer(info, top.age, top.stale)


def _tag_row(ref: Reference, level: Consistency, now: float) -> Plan[Answer[TagInfo] | None]:
    """One tag's row; None when it went away (or serves damaged content)."""
    assert ref.tag is not None
    try:
        image = yield from image_plan(ref, ref.familiar(), None, level, now, listed=True)
    except NotFoundError:
        try:
            top = yield from manifest_plan(
                ref.registry, ref.repository, ref.tag, level, now, listed=True
            )
        except NotFoundError:
            return None  # deleted between the listing and now
        # An index of artifacts only (e.g. a referrers tag): no image to size.
        manifest = top.value
        row = TagInfo(ref.tag, manifest.digest, 0, None, (), manifest.media_type)
        return Answer(row, top.age, top.stale)
    except ContentError:
        return None
    return Answer(facts.tag_row(ref.tag, image.value), image.age, image.stale)


def _fallback_index(
    registry: str, repository: str, digest: str, level: Consistency, now: float
) -> Plan[list[manifests.Descriptor]]:
    """The referrers the fallback tag `sha256-<hex>` lists for `digest`; [] if unreadable."""
    tag = digest.replace(":", "-", 1)
    try:
        found = yield from manifest_plan(registry, repository, tag, level, now, listed=True)
    except RexError:
        return []
    parsed = found.value.parsed
    return list(parsed.manifests) if isinstance(parsed, manifests.ImageIndex) else []


def _referrer_indexes(
    registry: str,
    repository: str,
    listed: Sequence[str],
    digests: Sequence[str],
    level: Consistency,
    now: float,
) -> Plan[dict[str, list[manifests.Descriptor]]]:
    """The referrers of each of `digests` with a fallback tag in `listed` (only those:
    a digest without one costs nothing)."""
    tags = set(listed)
    wanted = sorted({d for d in digests if d.replace(":", "-", 1) in tags})
    if not wanted:
        return {}
    found: list[list[manifests.Descriptor]] = yield Gather(
        tuple(_fallback_index(registry, repository, d, level, now) for d in wanted)
    )
    return {digest: refs for digest, refs in zip(wanted, found, strict=True) if refs}


def tag_rows_plan(
    registry: str,
    repository: str,
    tags: Sequence[str],
    level: Consistency,
    now: float,
    progress: Callable[[int, int], None] | None = None,
    *,
    listed: Sequence[str] | None = None,
) -> Plan[Answer[list[TagInfo]]]:
    """Digest, size, created and platforms of each tag, in the order given, with aliases
    and signed/SBOM marks from `listed`, the whole tag list (default: `tags`)."""
    base = Reference(registry, repository)
    rows = yield Gather(
        tuple(_tag_row(replace(base, tag=tag), level, now) for tag in tags), progress=progress
    )
    found = [r for r in rows if r is not None]
    values = [r.value for r in found]
    listed = tags if listed is None else listed
    referrers = yield from _referrer_indexes(
        registry, repository, listed, [row.digest for row in values], level, now
    )
    return Answer(
        facts.with_facts(values, listed, referrers),
        _oldest([r.age for r in found]),
        any(r.stale for r in found),
    )


def _digest_of(
    registry: str, repository: str, tag: str, level: Consistency, now: float
) -> Plan[str | None]:
    try:
        found = yield from manifest_plan(registry, repository, tag, level, now, listed=True)
    except RexError:
        return None  # deleted since the listing, or unreadable: no alias
    return found.value.digest


ALIAS_TAGS_MAX = 256
"""Tags whose digests an image's aliases read at most, unless asked (`look_up`)."""


def image_facts_plan(
    info: ImageInfo, level: Consistency, now: float, *, look_up: bool = True
) -> Plan[Answer[ImageInfo]]:
    """`info` with its aliases and signed/SBOM marks.

    The tag list, each listed tag's manifest (for its digest; a tag row's read,
    cached under the tag list's TTL) and the referrers of the image's digest:
    its fallback tag when listed, else (with `look_up`) the referrers API.
    Without `look_up` the facts come only when the cache holds the tag list (at
    most ALIAS_TAGS_MAX tags), so they cost cache reads; else `info` stays as it is.
    """
    registry, repository = info.registry, info.repository
    if not look_up:
        found = None
        if level.reads_cache:
            key = CacheKey.tags(registry, repository)
            found = yield from _entry(key, lambda data: list_from(data, "tags"))
        if (
            found is None
            or (found[1].expired(now) and not level.trusts_cache)
            or len(facts.shown_tags(found[0])) > ALIAS_TAGS_MAX
        ):
            return Answer(info)
    listed = yield from tags_plan(registry, repository, level, now)
    tags = facts.shown_tags(listed.value)
    digests_found: list[str | None] = yield Gather(
        tuple(_digest_of(registry, repository, tag, level, now) for tag in tags)
    )
    digests = {tag: digest for tag, digest in zip(tags, digests_found, strict=True) if digest}
    referrers: list[manifests.Descriptor] = []
    if info.digest.replace(":", "-", 1) in listed.value:
        referrers = yield from _fallback_index(registry, repository, info.digest, level, now)
    elif look_up and level is not Consistency.OFFLINE:
        try:
            referrers = yield Referrers(registry, repository, info.digest, None)
        except RexError:
            referrers = []
    with_facts = facts.image_with_facts(info, digests, listed.value, referrers)
    return Answer(with_facts, listed.age, listed.stale)


def _repo_row(
    registry: str, name: str, last_updated: bool, level: Consistency, now: float
) -> Plan[Answer[RepoInfo]]:
    try:
        tags = yield from tags_plan(registry, name, level, now)
    except NotFoundError:
        return Answer(RepoInfo(name, 0, None))
    newest: datetime | None = None
    age, stale = tags.age, tags.stale
    if last_updated and tags.value:
        rows = yield from tag_rows_plan(registry, name, tags.value, level, now)
        newest = max((r.created for r in rows.value if r.created is not None), default=None)
        age, stale = _oldest([age, rows.age]), stale or rows.stale
    return Answer(RepoInfo(name, len(facts.shown_tags(tags.value)), newest), age, stale)


def repo_rows_plan(
    registry: str,
    names: Sequence[str],
    last_updated: bool,
    level: Consistency,
    now: float,
    progress: Callable[[int, int], None] | None = None,
) -> Plan[Answer[list[RepoInfo]]]:
    """Tag count and, with `last_updated`, the newest `created` among each repository's tags.

    The newest date costs a manifest and a config per tag (cached afterwards).
    """
    rows: list[Answer[RepoInfo]] = yield Gather(
        tuple(_repo_row(registry, name, last_updated, level, now) for name in names),
        progress=progress,
    )
    return Answer(
        [r.value for r in rows], _oldest([r.age for r in rows]), any(r.stale for r in rows)
    )


def referrers_plan(
    ref: Reference, artifact_type: str | None, level: Consistency
) -> Plan[tuple[str, list[manifests.Descriptor]]]:
    """The image's digest and what points at it; asked of the registry every time."""
    if level is Consistency.OFFLINE:
        raise _offline_miss(f"the referrers of {ref.familiar()} (they are never cached)")
    digest: str = ref.digest or (yield HeadManifest(ref.registry, ref.repository, ref.identifier))
    found: list[manifests.Descriptor] = yield Referrers(
        ref.registry, ref.repository, digest, artifact_type
    )
    return digest, found
