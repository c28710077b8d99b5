"""The engine against real Distribution registries: anonymous, htpasswd and token auth."""

from __future__ import annotations

import pytest

from engine import (
    AuthenticationError,
    ContentError,
    Credentials,
    ImageIndex,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RexError,
)
from engine.oci.manifests import OCI_INDEX
from rex_tui.cli.errors import exit_code, hint
from tests.engine.helpers import SleepRecorder, make_rex
from tests.support.seed import SeededRegistry

FLAVOURS = ["registry", "basic_registry", "token_registry"]


@pytest.fixture(params=FLAVOURS)
def seeded(request: pytest.FixtureRequest) -> SeededRegistry:
    """Each test below runs once per auth flavour."""
    value: SeededRegistry = request.getfixturevalue(request.param)
    return value


def alice(seeded: SeededRegistry) -> Credentials | None:
    creds = seeded.credentials
    return Credentials(*creds) if creds else None


async def test_ping(seeded: SeededRegistry) -> None:
    async with make_rex(seeded.url, credentials=alice(seeded)) as rex:
        result = await rex.ping()
    assert result.status == "online"
    assert result.api_version == "registry/2.0"


async def test_ping_without_credentials_reports_auth_required(seeded: SeededRegistry) -> None:
    async with make_rex(seeded.url) as rex:
        result = await rex.ping()
    # A token service hands anonymous callers a token with no access, which /v2/ accepts.
    expected = "auth required" if seeded.flavour == "basic" else "online"
    assert result.status == expected


async def test_catalog_pages_through_more_than_two_pages(seeded: SeededRegistry) -> None:
    async with make_rex(seeded.url, credentials=alice(seeded)) as rex:
        client = await rex.client()
        pages = [page async for page in client.iter_catalog(page_size=5)]
        everything = await rex.list_repositories()
    assert len(pages) >= 3
    assert all(len(page) <= 5 for page in pages)
    assert [name for page in pages for name in page] == everything
    assert sorted(everything) == sorted(seeded.repositories)
    assert {f"paged/repo-{i:03d}" for i in range(12)} <= set(everything)


async def test_tags(seeded: SeededRegistry) -> None:
    async with make_rex(seeded.url, credentials=alice(seeded)) as rex:
        tags = await rex.list_tags("oci/single")
        many = await rex.list_tags("tags/many")
        gone = await rex.list_tags("deleted/gone")
    assert sorted(tags) == sorted(seeded.tags["oci/single"])
    assert sorted(many) == sorted(seeded.tags["tags/many"])
    assert gone == []  # Distribution answers "tags": null here


async def test_inspect_oci_image(seeded: SeededRegistry) -> None:
    built = seeded.image("oci/single:1.0")
    async with make_rex(seeded.url, credentials=alice(seeded)) as rex:
        info = await rex.inspect("oci/single:1.0")
        by_digest = await rex.inspect(f"oci/single@{built.digest}")
    assert info.digest == built.digest == by_digest.digest
    assert info.manifest_type == "OCI Image Manifest"
    assert not info.is_multi_platform
    assert info.config_digest == built.config.digest
    assert [layer.digest for layer in info.layers] == [layer.digest for layer in built.layers]
    # What a pull downloads; the config and manifest bytes are reported apart.
    assert info.size == built.layers_size
    assert info.config_size == built.config.size
    assert info.manifest_size == len(built.manifest)
    assert info.platform_sizes == {"linux/amd64": built.layers_size}
    document = built.config_document
    assert info.labels == document["config"]["Labels"]
    assert list(info.config.config.env) == document["config"]["Env"]
    assert info.platform == "linux/amd64"
    assert info.platforms == ("linux/amd64",)
    assert len(info.config.history) == len(document["history"])
    data = info.to_dict()
    assert data["reference"] == "oci/single:1.0"
    assert data["created"].startswith("2024-05-14T09:30:00.123456")


async def test_inspect_oci_index_each_platform(seeded: SeededRegistry) -> None:
    index = seeded.index("oci/multi:latest")
    async with make_rex(seeded.url, credentials=alice(seeded)) as rex:
        default = await rex.inspect("oci/multi:latest")
        chosen = {p: await rex.inspect("oci/multi:latest", platform=p) for p in index.platforms}
        with pytest.raises(NotFoundError, match="linux/s390x"):
            await rex.inspect("oci/multi:latest", platform="linux/s390x")
    assert default.digest == index.digest
    assert default.media_type == OCI_INDEX
    assert default.manifest_type == "OCI Image Index"
    # The attestation manifest (unknown/unknown) is not a platform.
    assert default.platforms == ("linux/amd64", "linux/arm64/v8", "linux/arm/v7")
    assert len(index.children) == 4
    for platform, info in chosen.items():
        child = index.child(platform)
        assert info.digest == index.digest
        assert info.image.digest == child.digest
        assert info.platform == platform
        assert info.config.architecture == child.config_document["architecture"]
        # Every platform's pull size, whichever platform is shown.
        assert info.platform_sizes == {p: index.child(p).layers_size for p in default.platforms}
        assert info.size == child.layers_size


async def test_inspect_docker_v2_image_and_list(seeded: SeededRegistry) -> None:
    single = seeded.image("docker/single:v2")
    listing = seeded.index("docker/multi:latest")
    async with make_rex(seeded.url, credentials=alice(seeded)) as rex:
        image = await rex.inspect("docker/single:v2")
        multi = await rex.inspect("docker/multi:latest", platform="linux/arm64")
    assert image.digest == single.digest
    assert image.manifest_type == "Docker Image Manifest V2"
    assert image.config.config.exposed_ports == ("80/tcp",)
    assert multi.digest == listing.digest
    assert multi.manifest_type == "Docker Manifest List"
    assert multi.image.digest == listing.child("linux/arm64/v8").digest


async def test_resolve_and_get_manifest(seeded: SeededRegistry) -> None:
    async with make_rex(seeded.url, credentials=alice(seeded)) as rex:
        digest = await rex.resolve("oci/multi:latest")
        manifest = await rex.get_manifest("oci/multi:latest")
        child = await rex.get_manifest("oci/multi:latest", platform="linux/arm/v7")
    assert digest == seeded.digest("oci/multi:latest") == manifest.digest
    assert isinstance(manifest.parsed, ImageIndex)
    assert child.digest == seeded.index("oci/multi:latest").child("linux/arm/v7").digest


async def test_referrers_fall_back_to_the_tag_schema(seeded: SeededRegistry) -> None:
    async with make_rex(seeded.url, credentials=alice(seeded)) as rex:
        found = await rex.referrers("oci/single:1.0")
        typed = await rex.referrers("oci/single:1.0", artifact_type="application/none")
        none = await rex.referrers("oci/single:2.0")
    assert [d.digest for d in found] == [seeded.artifact.digest]
    assert found[0].artifact_type == seeded.artifact.artifact_type
    assert typed == []
    assert none == []


async def test_missing_repository_and_tag_are_not_found(seeded: SeededRegistry) -> None:
    async with make_rex(seeded.url, credentials=alice(seeded)) as rex:
        with pytest.raises(NotFoundError) as repo:
            await rex.list_tags("no/such-repo")
        with pytest.raises(NotFoundError) as tag:
            await rex.inspect("oci/single:9.9")
    assert exit_code(repo.value) == exit_code(tag.value) == 5
    assert "no/such-repo" in str(repo.value)
    assert "oci/single:9.9" in str(tag.value)
    assert tag.value.hint


@pytest.mark.parametrize("flavour", ["basic_registry", "token_registry"])
async def test_wrong_password_is_an_authentication_error(
    request: pytest.FixtureRequest, flavour: str
) -> None:
    seeded: SeededRegistry = request.getfixturevalue(flavour)
    wrong = Credentials("alice", "not-the-password")
    async with make_rex(seeded.url, credentials=wrong) as rex:
        with pytest.raises(AuthenticationError) as info:
            await rex.list_tags("oci/single")
    assert exit_code(info.value) == 4
    assert "not-the-password" not in str(info.value)
    assert "rex registry login" in hint(info.value)


@pytest.mark.parametrize("flavour", ["basic_registry", "token_registry"])
async def test_no_credentials_is_an_authentication_error(
    request: pytest.FixtureRequest, flavour: str
) -> None:
    seeded: SeededRegistry = request.getfixturevalue(flavour)
    async with make_rex(seeded.url) as rex:
        with pytest.raises(AuthenticationError) as info:
            await rex.inspect("oci/single:1.0")
    assert exit_code(info.value) == 4
    assert "requires authentication" in str(info.value)


async def test_token_scopes_limit_a_pull_only_user(token_registry: SeededRegistry) -> None:
    bob = Credentials("bob", token_registry.users["bob"])
    async with make_rex(token_registry.url, credentials=bob) as rex:
        public = await rex.inspect("public/hello:latest")
        with pytest.raises(PermissionDeniedError) as denied:
            await rex.inspect("oci/single:1.0")
    assert public.digest == token_registry.digest("public/hello:latest")
    assert exit_code(denied.value) == 4
    assert "bob" in str(denied.value)


async def test_tokens_are_cached_per_scope(token_registry: SeededRegistry) -> None:
    server = token_registry.token_server
    assert server is not None
    server.clear_requests()
    async with make_rex(token_registry.url, credentials=alice(token_registry)) as rex:
        for _ in range(3):
            await rex.inspect("oci/single:1.0")
            await rex.list_tags("oci/single")
        await rex.list_tags("oci/multi")
    scopes = [tuple(str(s) for s in r.scopes) for r in server.requests]
    assert len(scopes) == 2, scopes


async def test_registry_down_is_a_network_error_after_retries(stopped_registry_url: str) -> None:
    sleeps = SleepRecorder()
    async with make_rex(stopped_registry_url, retries=2, sleep=sleeps) as rex:
        with pytest.raises(NetworkError) as info:
            await rex.list_repositories()
    assert exit_code(info.value) == 3
    assert "connection refused" in str(info.value)
    assert "running" in info.value.hint
    assert len(sleeps.delays) == 2


async def test_a_blob_that_does_not_match_its_digest_is_rejected(
    fresh_registry_seeded: SeededRegistry,
) -> None:
    built = fresh_registry_seeded.image("oci/single:1.0")
    path = fresh_registry_seeded.blob_path(built.config.digest)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    async with make_rex(fresh_registry_seeded.url) as rex:
        with pytest.raises(ContentError, match="digest mismatch") as info:
            await rex.inspect("oci/single:1.0")
        client = await rex.client()
        layer = built.layers[0]
        layer_path = fresh_registry_seeded.blob_path(layer.digest)
        raw = bytearray(layer_path.read_bytes())
        raw[-1] ^= 0xFF
        layer_path.write_bytes(bytes(raw))
        received = bytearray()

        async def sink(chunk: bytes) -> None:
            received.extend(chunk)

        with pytest.raises(ContentError, match="digest mismatch"):
            await client.copy_blob("oci/single", layer.digest, sink)
    assert isinstance(info.value, RexError)
    assert exit_code(info.value) == 1
