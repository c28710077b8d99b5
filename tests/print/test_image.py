"""`rex image` in all its forms against the seeded registry (tests/support/seed.py)."""

from __future__ import annotations

import json

import pytest

from engine.format import human_size
from tests.print import shapes
from tests.print.harness import Rex, assert_shape, parse
from tests.support.seed import SeededRegistry

FORMATS = ["json", "yaml"]


def test_image_pretty_lists_repositories(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "pretty", "image")
    assert result.returncode == 0, str(result)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "TAGS", "LAST", "UPDATED"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert set(rows) == set(registry.repositories)
    assert rows["tags/many"][0] == "30"
    # Created 2024-02-10 (the newest of its tags): more than a month ago -> a date.
    assert rows["tags/many"][1] == "2024-02-10"
    assert rows["deleted/gone"] == ["0", "-"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_image_document(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    document = parse(rex("-r", registry.url, "-f", fmt, "image"), fmt)
    assert_shape(document, shapes.IMAGES)
    by_name = {i["name"]: i for i in document["images"]}
    assert by_name["oci/single"] == {
        "name": "oci/single",
        "tags": len(registry.tags["oci/single"]) - 1,  # not its sha256-… artifact tag
        "last_updated": "2024-09-01T08:00:00Z",
    }


def test_image_filter_limit_and_quiet(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-q", "image", "--filter", "paged", "--limit", "3")
    assert result.returncode == 0
    names = result.stdout.split()
    assert len(names) == 3 and all(n.startswith("paged/") for n in names)
    filtered = rex("-r", registry.url, "-f", "json", "image", "--filter", "single")
    best = filtered.json()["images"][0]["name"]
    assert best in ("oci/single", "docker/single")


def test_image_name_pretty(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "pretty", "image", "oci/multi")
    assert result.returncode == 0, str(result)
    header, row = result.stdout.splitlines()
    assert header.split() == [
        "TAG", "DIGEST", "SIZE", "CREATED", "PLATFORMS", "TOTAL", "SIGNED", "SBOM", "ALIASES"
    ]  # fmt: skip
    digest = registry.digest("oci/multi:latest")
    assert row.startswith("latest") and f"{digest[:19]}..." in row
    # The attestation manifest (unknown/unknown) is not a platform.
    assert "linux/amd64, linux/arm64/v8, linux/arm/v7" in row
    assert row.split()[-3:] == ["-", "-", "-"]  # not signed, no SBOM, no aliases


@pytest.mark.parametrize("fmt", FORMATS)
def test_image_name_document(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    document = parse(rex("-r", registry.url, "-f", fmt, "image", "oci/single"), fmt)
    assert_shape(document, shapes.TAGS)
    assert document["name"] == "oci/single"
    tags = {t["tag"]: t for t in document["tags"]}
    # The referrers fallback tag (sha256-…) is an artifact: hidden unless --all-tags.
    assert set(tags) == {t for t in registry.tags["oci/single"] if not t.startswith("sha256-")}
    assert tags["1.0"]["aliases"] == ["1.0.1", "latest"] and tags["1.0"]["sbom"] is True
    image = registry.image("oci/single:1.0")
    assert tags["1.0"]["digest"] == image.digest
    assert tags["1.0"]["created"] == "2024-05-14T09:30:00.123456Z"
    assert tags["1.0"]["platforms"] == ["linux/amd64"]


def test_image_name_sorting(rex: Rex, registry: SeededRegistry) -> None:
    def tags(*args: str) -> list[str]:
        result = rex("-r", registry.url, "-f", "json", "image", "tags/many", *args)
        return [t["tag"] for t in result.json()["tags"]]

    by_name = tags("--sort", "name")
    assert by_name[:3] == ["v1.0.0", "v1.0.1", "v1.0.2"] and len(by_name) == 30
    newest = tags("--sort", "date", "--limit", "3")
    assert sorted(newest) == ["v2.0.7", "v2.0.8", "v2.0.9"]
    sizes = rex("-r", registry.url, "-f", "json", "image", "oci/single", "--sort", "size").json()
    assert [t["size"] for t in sizes["tags"]] == sorted(
        (t["size"] for t in sizes["tags"]), reverse=True
    )
    assert tags("--filter", "v2.0.?", "--limit", "2") == ["v2.0.0", "v2.0.1"]


def test_image_name_quiet_prints_tags(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-q", "image", "tags/many", "--limit", "4")
    assert result.stdout.split() == ["v1.0.0", "v1.0.1", "v1.0.2", "v1.0.3"]


def test_image_tag_pretty(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "pretty", "image", "oci/single:1.0")
    assert result.returncode == 0, str(result)
    out = result.stdout
    assert out.startswith("Image: oci/single:1.0\n")
    assert f"Digest: {registry.digest('oci/single:1.0')}" in out
    assert "Type: OCI Image Manifest" in out
    assert "  Entrypoint: /app/hello" in out
    assert "  User: 1000:1000" in out
    assert "Layers: 2" in out and "maintainer: tests@example.com" in out
    assert "Created: 2024-05-14T09:30:00.123456Z" in out


def test_image_index_pretty_and_platform(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "pretty", "image", "oci/multi:latest")
    assert "Type: OCI Image Index (multi-platform)" in result.stdout
    assert "unknown/unknown" not in result.stdout
    arm = rex(
        "-r", registry.url, "-f", "json", "image", "oci/multi:latest", "--platform", "linux/arm/v7"
    )
    document = arm.json()
    assert document["digest"] == registry.digest("oci/multi:latest")
    assert document["platforms"] == ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]
    child = registry.index("oci/multi:latest").children[2]
    assert [layer["digest"] for layer in document["layers"]] == [b.digest for b in child.layers]


@pytest.mark.parametrize("fmt", FORMATS)
def test_image_tag_document(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    document = parse(rex("-r", registry.url, "-f", fmt, "image", "docker/single:v2"), fmt)
    assert_shape(document, shapes.IMAGE)
    assert document["reference"] == "docker/single:v2"
    assert (
        document["manifest_type"] == "Docker Image Manifest V2, Schema 2"
        or "Docker" in (document["manifest_type"])
    )
    assert document["config"]["entrypoint"] == []


def test_image_by_digest(rex: Rex, registry: SeededRegistry) -> None:
    digest = registry.digest("oci/single:2.0")
    result = rex("-r", registry.url, "-f", "json", "image", f"oci/single@{digest}")
    assert result.returncode == 0 and result.json()["digest"] == digest


def test_image_inspect_pretty(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "pretty", "image", "inspect", "oci/single:1.0")
    assert result.returncode == 0
    out = result.stdout
    for section in ("Configuration (linux/amd64):", "Layers (2):", "History (5 entries):"):
        assert section in out
    assert f"Registry: {registry.host}" in out
    assert "RootFS:" in out and "DiffIDs:" in out
    assert "StopSignal: SIGTERM" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_image_inspect_document(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    document = parse(
        rex("-r", registry.url, "-f", fmt, "image", "inspect", "oci/multi:latest"), fmt
    )
    assert_shape(document, shapes.INSPECT)
    assert document["index"]["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert len(document["platform_manifests"]) == 3


def test_image_inspect_raw_bytes_exactly(rex: Rex, registry: SeededRegistry) -> None:
    import subprocess

    def raw(*args: str) -> bytes:
        command = rex.command(["-r", registry.url, "image", "inspect", *args])
        done = subprocess.run(command, env=rex.environment(), capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    built = registry.index("oci/multi:latest")
    assert raw("oci/multi:latest", "--raw-manifest") == built.manifest
    arm = built.children[1]
    assert raw("oci/multi:latest", "--raw-manifest", "--platform", "linux/arm64") == arm.manifest
    assert raw("oci/multi:latest", "--raw-config", "--platform", "linux/arm64") == arm.config.data
    assert json.loads(raw("oci/single:1.0", "--raw-config"))["architecture"] == "amd64"


def test_missing_tag_exits_5(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "image", "oci/single:9.9")
    assert result.returncode == 5 and result.stdout == ""
    assert result.stderr.startswith("rex: error: ") and "  hint: " in result.stderr


def test_missing_repository_exits_5(rex: Rex, registry: SeededRegistry) -> None:
    assert rex("-r", registry.url, "image", "no/such").returncode == 5


def test_stopped_registry_exits_3(rex: Rex, stopped_registry_url: str) -> None:
    result = rex("-r", stopped_registry_url, "image", "a:1", env={"REX_NO_CACHE": "1"})
    assert result.returncode == 3
    assert "rex: error: " in result.stderr


def test_unknown_platform_exits_5(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "image", "oci/multi:latest", "--platform", "linux/s390x")
    assert result.returncode == 5 and "linux/amd64" in result.stderr


def test_no_cache_and_warm_cache_agree(rex: Rex, registry: SeededRegistry) -> None:
    cold = rex("-r", registry.url, "-f", "json", "image", "oci/single:latest", "--no-cache")
    first = rex("-r", registry.url, "-f", "json", "image", "oci/single:latest")
    warm = rex("-r", registry.url, "-f", "json", "image", "oci/single:latest")
    assert cold.json() == first.json() == warm.json()
    assert any((rex.cache / "manifests").rglob("*.json"))


def test_single_platform_image_refuses_another_platform(rex: Rex, registry: SeededRegistry) -> None:
    args = ("-r", registry.url, "image", "oci/single:1.0", "--platform", "linux/arm64")
    cold = rex(*args)  # from the registry, and then from the warm cache
    warm = rex(*args)
    for result in (cold, warm):
        assert result.returncode == 5, str(result)
        assert result.stdout == "" and "linux/amd64" in result.stderr
    same = rex("-r", registry.url, "image", "oci/single:1.0", "--platform", "linux/amd64")
    assert same.returncode == 0, str(same)


def test_sizes_are_labelled_pull_sizes(rex: Rex, registry: SeededRegistry) -> None:
    index = registry.index("oci/multi:latest")
    document = rex("-r", registry.url, "-f", "json", "image", "oci/multi:latest").json()
    assert_shape(document, shapes.IMAGE)
    assert document["platform_sizes"] == {p: index.child(p).layers_size for p in index.platforms}
    pretty = rex("-r", registry.url, "-f", "pretty", "image", "oci/multi:latest").stdout
    assert "(compressed layers; config " in pretty
    inspect = rex("-r", registry.url, "-f", "pretty", "image", "inspect", "oci/multi:latest").stdout
    for number, platform in enumerate(index.platforms, 1):
        child = index.child(platform)
        entry = f"  {number}. {platform}\n     Digest: {child.digest}\n     Size: "
        assert entry + human_size(child.layers_size) + "\n" in inspect


def test_docker_transport_prefix(rex: Rex, registry: SeededRegistry) -> None:
    plain = rex("-r", registry.url, "-f", "json", "image", "oci/single:1.0").json()
    prefixed = rex("-r", registry.url, "-f", "json", "image", "docker://oci/single:1.0").json()
    assert prefixed["digest"] == plain["digest"]
