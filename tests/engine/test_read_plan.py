"""The read plan driven by hand: each step it yields, each answer sent back; no I/O at all."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.cache.keys import CacheEntry, CacheKey
from engine.errors import NotFoundError
from engine.oci import manifests
from engine.oci.models import Manifest
from engine.oci.reference import Reference
from engine.reads.plan import (
    Answer,
    Consistency,
    GetBlob,
    GetManifest,
    HeadManifest,
    ListTags,
    Lookup,
    OfflineMiss,
    Plan,
    Store,
    Walk,
    image_plan,
    manifest_data,
    manifest_plan,
    tag_rows_plan,
    tags_plan,
)
from engine.testing.images import BuiltImage, Layer, build_image, make_config

NOW = 1_700_000_000.0
HOST = "registry.test"
REPO = "team/app"


def image(n: int) -> BuiltImage:
    layer = Layer.from_files({"n.txt": f"{n}\n".encode()})
    created = dt.datetime(2025, 6, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)
    return build_image([layer], make_config(diff_ids=[layer.diff_id], created=created))


def manifest_of(built: BuiltImage) -> Manifest:
    parsed = manifests.parse_manifest(built.manifest)
    return Manifest(built.digest, built.media_type, built.manifest, parsed)


def entry(key: CacheKey, data: Any, age: float, ttl: float = 300) -> CacheEntry:
    return CacheEntry(key, data, NOW - age, ttl, 1)


def manifest_key(reference: str) -> CacheKey:
    return CacheKey.manifest(HOST, REPO, reference)


class Script:
    """Walks a plan, checking each step against what the test expects and answering it."""

    def __init__(self, plan: Plan[Any]) -> None:
        self.walk = Walk(plan)
        self.step = self.walk.next()
        self.stored: list[CacheKey] = []

    def expect(self, step: object, answer: Any = None, error: Exception | None = None) -> None:
        assert self.step == step
        self.step = self.walk.next(answer, error)
        while isinstance(self.step, Store):  # stores need no answer; remember them
            self.stored.append(self.step.key)
            self.step = self.walk.next()

    def result(self) -> Any:
        assert self.step is None, f"the plan still wants {self.step!r}"
        return self.walk.value


def test_a_cold_tag_costs_one_get_and_is_stored_by_tag_and_digest() -> None:
    built = manifest_of(image(1))
    script = Script(manifest_plan(HOST, REPO, "v1", Consistency.WEAK, NOW))
    script.expect(Lookup(manifest_key("v1")), None)
    script.expect(GetManifest(HOST, REPO, "v1"), built)
    assert script.result() == Answer(built)
    assert script.stored == [manifest_key(built.digest), manifest_key("v1")]


def test_weak_confirms_a_cached_tag_with_one_head() -> None:
    built = manifest_of(image(1))
    cached = entry(manifest_key("v1"), manifest_data(built), age=10)
    script = Script(manifest_plan(HOST, REPO, "v1", Consistency.WEAK, NOW))
    script.expect(Lookup(manifest_key("v1")), cached)
    script.expect(HeadManifest(HOST, REPO, "v1"), built.digest)
    assert script.result() == Answer(built)  # confirmed: as fresh as the HEAD
    assert script.stored == []  # within its TTL: nothing to rewrite


def test_weak_follows_a_moved_tag_to_content_cached_by_digest() -> None:
    old, new = manifest_of(image(1)), manifest_of(image(2))
    script = Script(manifest_plan(HOST, REPO, "v1", Consistency.WEAK, NOW))
    script.expect(Lookup(manifest_key("v1")), entry(manifest_key("v1"), manifest_data(old), 10))
    script.expect(HeadManifest(HOST, REPO, "v1"), new.digest)
    by_digest = entry(manifest_key(new.digest), manifest_data(new), 99_999, ttl=86_400)
    script.expect(Lookup(manifest_key(new.digest)), by_digest)
    assert script.result().value.digest == new.digest
    assert manifest_key("v1") in script.stored


def test_weak_fetches_a_moved_tag_it_has_not_seen() -> None:
    old, new = manifest_of(image(1)), manifest_of(image(2))
    script = Script(manifest_plan(HOST, REPO, "v1", Consistency.WEAK, NOW))
    script.expect(Lookup(manifest_key("v1")), entry(manifest_key("v1"), manifest_data(old), 10))
    script.expect(HeadManifest(HOST, REPO, "v1"), new.digest)
    script.expect(Lookup(manifest_key(new.digest)), None)
    script.expect(GetManifest(HOST, REPO, "v1"), new)
    assert script.result() == Answer(new)


def test_a_digest_is_answered_from_the_cache_at_every_level_but_fresh() -> None:
    built = manifest_of(image(1))
    cached = entry(manifest_key(built.digest), manifest_data(built), 10**6)
    for level in (Consistency.WEAK, Consistency.STRONG, Consistency.EVENTUAL):
        script = Script(manifest_plan(HOST, REPO, built.digest, level, NOW))
        script.expect(Lookup(manifest_key(built.digest)), cached)
        assert script.result().value == built
    fresh = Script(manifest_plan(HOST, REPO, built.digest, Consistency.FRESH, NOW))
    fresh.expect(GetManifest(HOST, REPO, built.digest), built)
    assert fresh.result() == Answer(built) and fresh.stored == [manifest_key(built.digest)]


def test_eventual_and_offline_trust_a_stale_tag_and_give_its_age() -> None:
    built = manifest_of(image(1))
    stale = entry(manifest_key("v1"), manifest_data(built), age=3600)
    for level in (Consistency.EVENTUAL, Consistency.OFFLINE):
        script = Script(manifest_plan(HOST, REPO, "v1", level, NOW))
        script.expect(Lookup(manifest_key("v1")), stale)
        assert script.result() == Answer(built, 3600, True)


def test_offline_miss_names_what_is_missing() -> None:
    script = Script(manifest_plan(HOST, REPO, "v1", Consistency.OFFLINE, NOW))
    with pytest.raises(OfflineMiss, match="the manifest of team/app:v1"):
        script.expect(Lookup(manifest_key("v1")), None)


def test_tag_lists_follow_their_ttl_under_weak_and_are_asked_again_under_strong() -> None:
    key = CacheKey.tags(HOST, REPO)
    fresh = entry(key, {"tags": ["v1"]}, age=10)
    weak = Script(tags_plan(HOST, REPO, Consistency.WEAK, NOW))
    weak.expect(Lookup(key), fresh)
    assert weak.result() == Answer(["v1"], 10, False)
    strong = Script(tags_plan(HOST, REPO, Consistency.STRONG, NOW))
    strong.expect(Lookup(key), fresh)
    strong.expect(ListTags(HOST, REPO), ["v1", "v2"])
    assert strong.result() == Answer(["v1", "v2"]) and strong.stored == [key]
    expired = Script(tags_plan(HOST, REPO, Consistency.WEAK, NOW))
    expired.expect(Lookup(key), entry(key, {"tags": ["v1"]}, age=301))
    expired.expect(ListTags(HOST, REPO), ["v1"])
    assert expired.result() == Answer(["v1"])


def test_an_image_reads_its_manifest_then_its_config() -> None:
    built = image(1)
    manifest = manifest_of(built)
    ref = Reference(HOST, REPO, "v1")
    script = Script(image_plan(ref, "team/app:v1", None, Consistency.WEAK, NOW))
    script.expect(Lookup(manifest_key("v1")), None)
    script.expect(GetManifest(HOST, REPO, "v1"), manifest)
    config = CacheKey.config(HOST, REPO, built.config.digest)
    script.expect(Lookup(config), None)
    blob = GetBlob(HOST, REPO, built.config.digest, manifests.MAX_CONFIG_BYTES)
    script.expect(blob, built.config.data)
    info = script.result().value
    assert info.digest == built.digest and info.tag == "v1"
    assert config in script.stored


def test_a_tag_deleted_after_the_listing_leaves_no_row() -> None:
    ref_key = manifest_key("gone")
    script = Script(tag_rows_plan(HOST, REPO, ["gone"], Consistency.WEAK, NOW))
    # Gather: the row plans are driven by the driver; here by a nested script.
    gather = script.step
    assert gather is not None and not isinstance(gather, Store)
    (row_plan,) = gather.plans  # type: ignore[union-attr]
    row = Script(row_plan)
    row.expect(Lookup(ref_key), None)
    row.expect(GetManifest(HOST, REPO, "gone"), error=NotFoundError("gone"))
    row.expect(Lookup(ref_key), None)
    row.expect(GetManifest(HOST, REPO, "gone"), error=NotFoundError("gone"))
    assert row.result() is None
    script.expect(gather, [None])
    assert script.result() == Answer([], None, False)
