"""The storage definitions on hand-built scans: every figure worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.storage.accounting import (
    MAX_BLOB_SIZE,
    ManifestNode,
    RepoScan,
    account,
    in_scope,
    namespace_of,
    sort_usages,
    tag_usages,
)

WHEN = datetime(2026, 12, 1, tzinfo=UTC)

# Blobs: a shared base layer (1000), two configs, app layers.
BASE, CFG_A, CFG_B, APP_A, APP_B, ARM = "sha256:base", "c:a", "c:b", "l:a", "l:b", "l:arm"


def image(
    digest: str, size: int, blobs: dict[str, int], platform: str | None = None
) -> ManifestNode:
    return ManifestNode(digest, size, platform, (), tuple(blobs.items()))


def team_app() -> RepoScan:
    """team/app: 1.0 (one image) and 2.0 = latest (an index of amd64 + arm64)."""
    v1 = image("m:v1", 300, {CFG_A: 10, BASE: 1000, APP_A: 200})
    amd = image("m:amd", 310, {CFG_A: 10, BASE: 1000, APP_B: 400}, "linux/amd64")
    arm = image("m:arm", 320, {CFG_B: 11, ARM: 500}, "linux/arm64")
    index = ManifestNode("m:idx", 400, None, ("m:amd", "m:arm"))
    nodes = {n.digest: n for n in (v1, amd, arm, index)}
    return RepoScan("team/app", {"1.0": "m:v1", "2.0": "m:idx", "latest": "m:idx"}, nodes)


def team_web() -> RepoScan:
    """team/web: one image sharing the base layer and team/app's config."""
    web = image("m:web", 290, {CFG_A: 10, BASE: 1000, "l:web": 50})
    return RepoScan("team/web", {"main": "m:web"}, {"m:web": web})


def alpine() -> RepoScan:
    """alpine (top level): the same base layer, and an unreferenced manifest it ignores."""
    only = image("m:alp", 250, {"c:alp": 5, BASE: 1000})
    orphan = image("m:orphan", 999, {"l:orphan": 12345})
    return RepoScan("alpine", {"3": "m:alp"}, {"m:alp": only, "m:orphan": orphan})


def test_repository_bytes_unique_and_shared() -> None:
    got = account([team_app(), team_web(), alpine()], registry="r", complete=True, scanned_at=WHEN)
    rows = {r.name: r for r in got.repositories}
    app = rows["team/app"]
    # distinct blobs of team/app: CFG_A 10, BASE 1000, APP_A 200, APP_B 400, CFG_B 11, ARM 500
    assert app.bytes == 2121
    # BASE is everyone's, CFG_A is team/web's too: the rest is app's alone
    assert app.unique_bytes == 200 + 400 + 11 + 500
    assert app.shared_bytes == 1010
    assert (app.tags, app.manifests) == (3, 4)
    web = rows["team/web"]
    assert (web.bytes, web.unique_bytes, web.shared_bytes) == (1060, 50, 1010)
    alp = rows["alpine"]
    assert (alp.bytes, alp.unique_bytes, alp.manifests) == (1005, 5, 1)


def test_registry_total_counts_each_blob_once_and_manifests_apart() -> None:
    got = account([team_app(), team_web(), alpine()], registry="r", complete=True, scanned_at=WHEN)
    # 2121 (app) + 50 (web's own layer) + 5 (alpine's config); the orphan is unreachable
    assert got.total_bytes == 2176
    assert got.blobs == 8
    assert got.manifest_bytes == 300 + 310 + 320 + 400 + 290 + 250
    assert [r.name for r in got.repositories] == ["team/app", "team/web", "alpine"]


def test_namespaces_are_everything_before_the_last_slash() -> None:
    assert namespace_of("team/app") == "team"
    assert namespace_of("a/b/c") == "a/b"
    assert namespace_of("alpine") == ""
    got = account([team_app(), team_web(), alpine()], registry="r", complete=True, scanned_at=WHEN)
    spaces = {n.name: n for n in got.namespaces}
    assert spaces["team"].bytes == 2171 and spaces["team"].repositories == 2
    # CFG_A is only team's now; BASE is alpine's too
    assert spaces["team"].unique_bytes == 2171 - 1000
    assert (spaces[""].bytes, spaces[""].unique_bytes, spaces[""].repositories) == (1005, 5, 1)


def test_tags_and_largest_images() -> None:
    rows = {t.tag: t for t in tag_usages(team_app())}
    assert rows["2.0"].bytes == 10 + 1000 + 400 + 11 + 500
    assert rows["2.0"].platforms == ("linux/amd64", "linux/arm64")
    assert rows["latest"].digest == "m:idx" and rows["1.0"].bytes == 1210
    got = account([team_app()], registry="r", complete=True, scanned_at=WHEN)
    largest = [(i.reference, i.platform, i.bytes) for i in got.largest]
    assert largest == [
        ("team/app:2.0", "linux/amd64", 1410),
        ("team/app:1.0", None, 1210),
        ("team/app:2.0", "linux/arm64", 511),
    ]


def test_scope_keeps_uniqueness_registry_wide() -> None:
    got = account(
        [team_app(), team_web(), alpine()],
        registry="r",
        complete=True,
        scanned_at=WHEN,
        scope="team",
    )
    assert [r.name for r in got.repositories] == ["team/app", "team/web"]
    assert got.total_bytes == 2171 and got.repositories[1].unique_bytes == 50
    assert in_scope("team/app", "team/app") and in_scope("team/app", "team/")
    assert not in_scope("teamx/app", "team")


def test_sorting() -> None:
    got = account([team_app(), team_web(), alpine()], registry="r", complete=True, scanned_at=WHEN)
    by_name = sort_usages(got.repositories, "name")
    assert [r.name for r in by_name] == ["alpine", "team/app", "team/web"]
    by_unique = sort_usages(got.repositories, "unique")
    assert [r.name for r in by_unique] == ["team/app", "team/web", "alpine"]


def test_absurd_sizes_count_as_nothing() -> None:
    huge = image("m:huge", 100, {"l:huge": MAX_BLOB_SIZE + 1, "c:x": 7})
    got = account(
        [RepoScan("x", {"t": "m:huge"}, {"m:huge": huge})],
        registry="r",
        complete=True,
        scanned_at=WHEN,
    )
    assert got.total_bytes == 7


def test_index_loops_and_missing_children_end() -> None:
    loop = ManifestNode("m:a", 10, None, ("m:b", "m:gone"))
    back = ManifestNode("m:b", 10, None, ("m:a",))
    scan = RepoScan("x", {"t": "m:a"}, {"m:a": loop, "m:b": back})
    got = account([scan], registry="r", complete=True, scanned_at=WHEN)
    assert (got.total_bytes, got.manifest_bytes, got.repositories[0].manifests) == (0, 20, 2)


def test_json_shape_and_record_round_trip() -> None:
    got = account([team_app(), alpine()], registry="r", complete=False, scanned_at=WHEN)
    document = got.to_dict(top=1)
    assert list(document) == [
        "registry",
        "total_bytes",
        "manifest_bytes",
        "blobs",
        "repositories",
        "namespaces",
        "largest",
        "complete",
        "scanned_at",
    ]
    assert list(document["repositories"][0]) == [
        "name",
        "bytes",
        "unique_bytes",
        "shared_bytes",
        "tags",
        "manifests",
    ]
    assert list(document["namespaces"][0]) == ["name", "bytes", "unique_bytes", "repositories"]
    assert list(document["largest"][0]) == ["reference", "platform", "bytes"]
    assert document["scanned_at"] == "2026-12-01T00:00:00Z" and document["complete"] is False
    assert len(document["repositories"]) == 1
    scan = team_app()
    assert RepoScan.from_data(scan.to_data()) == scan


def test_bad_records_are_refused() -> None:
    good = team_app().to_data()
    assert RepoScan.from_data(None) is None
    assert RepoScan.from_data({**good, "tags": {"a": 1}}) is None
    broken = team_app().to_data()
    broken["manifests"]["m:v1"]["size"] = True
    assert RepoScan.from_data(broken) is None
    broken = team_app().to_data()
    broken["manifests"]["m:v1"]["blobs"] = [["x"]]
    assert RepoScan.from_data(broken) is None


def test_storage_cache_keys() -> None:
    import pytest

    from engine.cache.disk import _relative_path
    from engine.cache.keys import CacheKey, CacheKind
    from engine.errors import ValidationError

    total, repo = CacheKey.storage("h:1"), CacheKey.storage("h:1", "team/app")
    assert _relative_path(total).endswith("registry.json") and not total.immutable
    assert _relative_path(repo).endswith("repository.json")
    assert _relative_path(repo).split("/")[0] == "storage"
    with pytest.raises(ValidationError):
        CacheKey(CacheKind.STORAGE, "h:1", "team/app", "latest")
