"""Media types, manifest / index / config parsing and platform selection."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import ContentError, NotFoundError, ValidationError
from engine.oci import manifests as oci
from engine.oci.digest import compute
from engine.oci.manifests import Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform

D1, D2, D3, D4, D5 = (str(compute(bytes([n]))) for n in range(5))


def body(document: object) -> bytes:
    return json.dumps(document).encode()


def descriptor(
    digest: str = D1, size: int = 10, media_type: str = oci.OCI_MANIFEST, **extra: Any
) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": digest, "size": size, **extra}


def platform(os: str, arch: str, variant: str | None = None) -> dict[str, str]:
    found = {"os": os, "architecture": arch}
    return found | {"variant": variant} if variant else found


ATTESTATION = {"vnd.docker.reference.type": "attestation-manifest"}

# The shape docker hub serves for an official image built by buildkit.
HUB_INDEX = {
    "schemaVersion": 2,
    "mediaType": oci.OCI_INDEX,
    "manifests": [
        descriptor(D1, 1025, platform=platform("linux", "amd64")),
        descriptor(D2, 839, platform=platform("unknown", "unknown"), annotations=ATTESTATION),
        descriptor(D3, 1025, platform=platform("linux", "arm", "v7")),
        descriptor(D4, 1025, platform=platform("linux", "arm64", "v8")),
        descriptor(D5, 566, platform=platform("linux", "amd64"), annotations=ATTESTATION),
    ],
}

DOCKER_V2 = {
    "schemaVersion": 2,
    "mediaType": oci.DOCKER_MANIFEST,
    "config": descriptor(D1, 1472, oci.DOCKER_CONFIG),
    "layers": [
        descriptor(D2, 3_408_729, oci.DOCKER_LAYER_GZIP),
        descriptor(D3, 100, oci.DOCKER_FOREIGN_LAYER_GZIP, urls=["https://example.com/l"]),
    ],
}


# --- media types


def test_accept_header_lists_the_four_manifest_types() -> None:
    accepted = [part.strip() for part in oci.MANIFEST_ACCEPT.split(",")]
    assert accepted == [
        oci.OCI_MANIFEST,
        oci.OCI_INDEX,
        oci.DOCKER_MANIFEST,
        oci.DOCKER_MANIFEST_LIST,
    ]
    assert oci.MANIFEST_TYPES == oci.INDEX_TYPES | oci.IMAGE_MANIFEST_TYPES
    assert not oci.INDEX_TYPES & oci.IMAGE_MANIFEST_TYPES
    assert oci.DOCKER_MANIFEST == "application/vnd.docker.distribution.manifest.v2+json"
    assert oci.DOCKER_CONFIG == "application/vnd.docker.container.image.v1+json"
    assert oci.OCI_EMPTY == "application/vnd.oci.empty.v1+json"
    assert oci.MAX_MANIFEST_BYTES == 4 * 1024 * 1024


@pytest.mark.parametrize(
    ("media_type", "name"),
    [
        (oci.OCI_MANIFEST, "OCI Image Manifest"),
        (oci.OCI_INDEX, "OCI Image Index"),
        (oci.DOCKER_MANIFEST, "Docker Image Manifest V2"),
        (oci.DOCKER_MANIFEST_LIST, "Docker Manifest List"),
        (oci.OCI_INDEX + "; charset=utf-8", "OCI Image Index"),
        ("application/x-unknown", "application/x-unknown"),
    ],
)
def test_manifest_type_name(media_type: str, name: str) -> None:
    assert oci.manifest_type_name(media_type) == name


# --- platforms


@pytest.mark.parametrize(
    ("text", "expected", "shown"),
    [
        ("linux/amd64", Platform("linux", "amd64"), "linux/amd64"),
        ("linux/arm/v7", Platform("linux", "arm", "v7"), "linux/arm/v7"),
        ("linux/arm64/v8", Platform("linux", "arm64", "v8"), "linux/arm64/v8"),
        ("windows/amd64", Platform("windows", "amd64"), "windows/amd64"),
        ("Linux/AMD64", Platform("linux", "amd64"), "linux/amd64"),
        ("linux/x86_64", Platform("linux", "amd64"), "linux/amd64"),
        ("linux/aarch64", Platform("linux", "arm64"), "linux/arm64"),
        ("linux/i386", Platform("linux", "386"), "linux/386"),
        ("linux/ppc64le", Platform("linux", "ppc64le"), "linux/ppc64le"),
        ("unknown/unknown", Platform("unknown", "unknown"), "unknown/unknown"),
    ],
)
def test_platform_parse(text: str, expected: Platform, shown: str) -> None:
    assert Platform.parse(text) == expected
    assert str(Platform.parse(text)) == shown


@pytest.mark.parametrize(
    "text", ["", "linux", "linux/", "/amd64", "linux/arm/v7/x", "linux amd64", "linux//v7", "é/x"]
)
def test_platform_parse_invalid(text: str) -> None:
    with pytest.raises(ValidationError, match="expected os/arch") as info:
        Platform.parse(text)
    assert "linux/amd64" in info.value.hint


def test_platform_parse_rejects_non_text() -> None:
    with pytest.raises(ValidationError):
        Platform.parse(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("wanted", "offered", "matches"),
    [
        ("linux/amd64", "linux/amd64", True),
        ("linux/amd64", "linux/arm64", False),
        ("linux/amd64", "windows/amd64", False),
        ("linux/arm", "linux/arm/v7", True),
        ("linux/arm/v7", "linux/arm/v7", True),
        ("linux/arm/v7", "linux/arm/v6", False),
        ("linux/arm/v7", "linux/arm", False),
        ("linux/arm64", "linux/arm64/v8", True),
        ("linux/arm64/v8", "linux/arm64", True),
        ("linux/arm64/v8", "linux/arm64/v8", True),
        ("linux/arm64/v9", "linux/arm64", False),
    ],
)
def test_platform_matches(wanted: str, offered: str, matches: bool) -> None:
    assert Platform.parse(wanted).matches(Platform.parse(offered)) is matches


def test_platform_os_version_must_match_when_wanted() -> None:
    server = Platform("windows", "amd64", os_version="10.0.20348.2227")
    assert Platform("windows", "amd64").matches(server)
    assert Platform("windows", "amd64", os_version="10.0.20348.2227").matches(server)
    assert not Platform("windows", "amd64", os_version="10.0.17763.1").matches(server)


def test_is_unknown() -> None:
    assert Platform.parse("unknown/unknown").is_unknown
    assert not Platform.parse("linux/unknown").is_unknown


def test_descriptor_attestation_and_hash() -> None:
    plain = Descriptor(oci.OCI_MANIFEST, D1, 1, platform=Platform("linux", "amd64"))
    assert not plain.is_attestation
    assert Descriptor(
        oci.OCI_MANIFEST, D1, 1, platform=Platform("unknown", "unknown")
    ).is_attestation
    annotated = Descriptor(oci.OCI_MANIFEST, D1, 1, annotations=ATTESTATION)
    assert annotated.is_attestation
    assert hash(annotated) == hash(Descriptor(oci.OCI_MANIFEST, D1, 1, annotations=ATTESTATION))


# --- manifests


def test_parse_hub_index() -> None:
    index = oci.parse_manifest(body(HUB_INDEX), oci.OCI_INDEX)
    assert isinstance(index, ImageIndex)
    assert (index.schema_version, index.media_type, index.is_docker) == (2, oci.OCI_INDEX, False)
    assert len(index.manifests) == 5
    assert [str(p) for p in index.platforms()] == ["linux/amd64", "linux/arm/v7", "linux/arm64/v8"]
    assert index.manifests[1].is_attestation
    assert index.manifests[4].is_attestation  # linux/amd64, but annotated as attestation
    assert index.manifests[0].annotations == {}


@pytest.mark.parametrize(
    ("wanted", "digest"),
    [
        ("linux/amd64", D1),
        ("linux/arm", D3),
        ("linux/arm/v7", D3),
        ("linux/arm64", D4),
        ("linux/arm64/v8", D4),
        ("linux/aarch64", D4),
    ],
)
def test_index_select(wanted: str, digest: str) -> None:
    index = oci.parse_manifest(body(HUB_INDEX))
    assert isinstance(index, ImageIndex)
    assert index.select(Platform.parse(wanted)).digest == digest


def test_index_select_prefers_exact_variant() -> None:
    index = oci.parse_manifest(
        body(
            {
                "schemaVersion": 2,
                "manifests": [
                    descriptor(D1, platform=platform("linux", "arm", "v6")),
                    descriptor(D2, platform=platform("linux", "arm", "v7")),
                    descriptor(D3, platform=platform("linux", "amd64")),
                    descriptor(D4, platform=platform("linux", "amd64")),
                ],
            }
        )
    )
    assert isinstance(index, ImageIndex)
    assert index.select(Platform("linux", "arm")).digest == D1
    assert index.select(Platform("linux", "arm", "v7")).digest == D2
    assert [str(p) for p in index.platforms()] == ["linux/arm/v6", "linux/arm/v7", "linux/amd64"]


def test_index_select_not_found_lists_available() -> None:
    index = oci.parse_manifest(body(HUB_INDEX))
    assert isinstance(index, ImageIndex)
    with pytest.raises(NotFoundError) as info:
        index.select(Platform.parse("linux/s390x"))
    assert str(info.value) == (
        "no image for platform linux/s390x in this index "
        "(available: linux/amd64, linux/arm/v7, linux/arm64/v8)"
    )
    with pytest.raises(NotFoundError, match="unknown/unknown"):
        index.select(Platform("unknown", "unknown"))  # attestations are never selected
    empty = ImageIndex(2, oci.OCI_INDEX, ())
    with pytest.raises(NotFoundError, match="available: none"):
        empty.select(Platform("linux", "amd64"))


def test_parse_docker_v2_manifest() -> None:
    manifest = oci.parse_manifest(body(DOCKER_V2), "text/plain")
    assert isinstance(manifest, ImageManifest)
    assert manifest.is_docker
    assert manifest.config.media_type == oci.DOCKER_CONFIG
    assert [layer.size for layer in manifest.layers] == [3_408_729, 100]
    assert manifest.layers[1].urls == ("https://example.com/l",)
    assert manifest.layers_size == 3_408_829
    assert manifest.total_size == 3_408_829 + 1472


def test_parse_oci_manifest_with_subject_and_artifact_type() -> None:
    document = {
        "schemaVersion": 2,
        "mediaType": oci.OCI_MANIFEST,
        "artifactType": "application/vnd.example.sbom",
        "config": descriptor(D1, 2, oci.OCI_EMPTY),
        "layers": [],
        "subject": descriptor(D2, 500),
        "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
        "futureField": {"ignored": True},
    }
    manifest = oci.parse_manifest(body(document))
    assert isinstance(manifest, ImageManifest)
    assert not manifest.is_docker
    assert manifest.artifact_type == "application/vnd.example.sbom"
    assert manifest.subject == Descriptor(oci.OCI_MANIFEST, D2, 500)
    assert manifest.annotations["org.opencontainers.image.created"] == "2024-01-01T00:00:00Z"
    assert manifest.total_size == 2
    with pytest.raises(TypeError):
        manifest.annotations["x"] = "y"  # type: ignore[index]


@pytest.mark.parametrize(
    ("document", "content_type", "expected"),
    [
        ({"mediaType": oci.DOCKER_MANIFEST_LIST, "manifests": []}, oci.OCI_INDEX, "list"),
        ({"manifests": []}, oci.DOCKER_MANIFEST_LIST, "list"),
        ({"manifests": []}, f"{oci.DOCKER_MANIFEST_LIST}; charset=utf-8", "list"),
        ({"manifests": []}, "application/json", "oci-index"),
        ({"manifests": []}, None, "oci-index"),
        ({"config": descriptor(), "layers": []}, None, "oci-manifest"),
        ({"config": descriptor(), "layers": []}, oci.DOCKER_MANIFEST.upper(), "docker"),
    ],
)
def test_media_type_resolution(
    document: dict[str, Any], content_type: str | None, expected: str
) -> None:
    parsed = oci.parse_manifest(body({"schemaVersion": 2, **document}), content_type)
    media_types = {
        "list": oci.DOCKER_MANIFEST_LIST,
        "oci-index": oci.OCI_INDEX,
        "oci-manifest": oci.OCI_MANIFEST,
        "docker": oci.DOCKER_MANIFEST,
    }
    assert parsed.media_type == media_types[expected]


MANIFEST_ERRORS: list[tuple[bytes, str]] = [
    (b"", "manifest is empty"),
    (b"\xff\xfe{}", "not valid UTF-8"),
    (b"{", "not valid JSON"),
    (b"{}garbage", "not valid JSON"),
    (b"[" * 100_000, "not valid JSON"),
    (b"[" * 50_000 + b"]" * 50_000, "not valid JSON"),
    (b"[]", "not a JSON object, got an array"),
    (b'"x"', "not a JSON object, got a string"),
    (b"null", "not a JSON object"),
    (body({"schemaVersion": 1, "name": "x", "fsLayers": []}), "schema 1 is not supported"),
    (body({"schemaVersion": 3, "manifests": []}), "schemaVersion 3, expected 2"),
    (body({"schemaVersion": "2", "manifests": []}), "must be an integer, got a string"),
    (body({"schemaVersion": True, "manifests": []}), "must be an integer, got a boolean"),
    (body({"manifests": []}), "missing required field 'schemaVersion'"),
    (body({"schemaVersion": 2}), "cannot tell the manifest's type"),
    (body({"schemaVersion": 2, "mediaType": 7}), "'mediaType' must be a string"),
    (body({"schemaVersion": 2, "mediaType": oci.DOCKER_MANIFEST_V1}), "unsupported manifest media"),
    (body({"schemaVersion": 2, "mediaType": oci.OCI_INDEX}), "missing required field 'manifests'"),
    (body({"schemaVersion": 2, "manifests": None}), "missing required field 'manifests'"),
    (body({"schemaVersion": 2, "mediaType": oci.OCI_MANIFEST, "layers": []}), "'config'"),
    (body({"schemaVersion": 2, "config": descriptor(), "layers": {}}), "'layers' must be an array"),
    (body({"schemaVersion": 2, "config": descriptor(), "layers": [1]}), "layers[0] must be an"),
    (body({"schemaVersion": 2, "config": [], "layers": []}), "'config' must be an object"),
    (
        body({"schemaVersion": 2, "config": descriptor(digest="sha256:abc"), "layers": []}),
        "manifest: config: invalid sha256 digest",
    ),
    (
        body({"schemaVersion": 2, "config": descriptor(size=-1), "layers": []}),
        "size must not be negative",
    ),
    (
        body({"schemaVersion": 2, "config": descriptor(size=1.5), "layers": []}),  # type: ignore[arg-type]
        "'size' must be an integer, got a number",
    ),
    (
        body({"schemaVersion": 2, "config": {"digest": D1, "size": 1}, "layers": []}),
        "missing required field 'mediaType'",
    ),
    (
        body({"schemaVersion": 2, "config": descriptor(), "layers": [{"mediaType": "x"}]}),
        "layers[0]: missing required field 'digest'",
    ),
    (
        body({"schemaVersion": 2, "manifests": [descriptor(platform={"os": "linux"})]}),
        "manifests[0].platform: missing required field 'architecture'",
    ),
    (
        body({"schemaVersion": 2, "manifests": [], "annotations": {"a": 1}}),
        "every value of 'annotations' must be a string",
    ),
    (
        body({"schemaVersion": 2, "manifests": [descriptor(urls=[1])]}),
        "every entry of 'urls' must be a string",
    ),
    (body({"schemaVersion": 2, "manifests": [], "subject": {}}), "subject: missing required"),
]


@pytest.mark.parametrize(("raw", "fragment"), MANIFEST_ERRORS)
def test_parse_manifest_errors(raw: bytes, fragment: str) -> None:
    with pytest.raises(ContentError) as info:
        oci.parse_manifest(raw)
    assert fragment in info.value.message


def test_parse_manifest_refuses_oversize() -> None:
    raw = body(HUB_INDEX)
    padded = raw[:-1] + b"," + b'"pad":"' + b"x" * oci.MAX_MANIFEST_BYTES + b'"}'
    with pytest.raises(ContentError, match="over the 4194304-byte limit"):
        oci.parse_manifest(padded)


def test_parse_manifest_rejects_text() -> None:
    with pytest.raises(ContentError, match="must be bytes"):
        oci.parse_manifest("{}")  # type: ignore[arg-type]


# --- image config

DOCKER_CONFIG_BLOB = {
    "architecture": "arm",
    "variant": "v7",
    "os": "linux",
    "created": "2024-01-27T00:29:04.123456789Z",
    "author": "someone",
    "config": {
        "User": "app",
        "Env": ["PATH=/usr/bin", "LANG=C.UTF-8"],
        "Entrypoint": ["/entrypoint.sh"],
        "Cmd": ["nginx", "-g", "daemon off;"],
        "WorkingDir": "/srv",
        "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
        "Volumes": {"/data": {}},
        "Labels": {"maintainer": "NGINX <nginx@example.com>"},
        "StopSignal": "SIGQUIT",
        "OnBuild": None,
    },
    "rootfs": {"type": "layers", "diff_ids": [D1, D2]},
    "history": [
        {"created": "2024-01-27T00:29:03Z", "created_by": "/bin/sh -c #(nop) ADD file:x in /"},
        {"created": "not a date", "created_by": 'CMD ["nginx"]', "empty_layer": True},
    ],
}


def test_parse_docker_config() -> None:
    config = oci.parse_config(body(DOCKER_CONFIG_BLOB))
    assert (config.os, config.architecture, config.variant) == ("linux", "arm", "v7")
    assert config.created == datetime(2024, 1, 27, 0, 29, 4, 123456, tzinfo=UTC)
    assert config.author == "someone"
    container = config.config
    assert container.user == "app"
    assert container.env == ("PATH=/usr/bin", "LANG=C.UTF-8")
    assert container.entrypoint == ("/entrypoint.sh",)
    assert container.cmd == ("nginx", "-g", "daemon off;")
    assert container.working_dir == "/srv"
    assert container.exposed_ports == ("80/tcp", "443/tcp")
    assert container.volumes == ("/data",)
    assert dict(container.labels) == {"maintainer": "NGINX <nginx@example.com>"}
    assert container.stop_signal == "SIGQUIT"
    assert config.rootfs.diff_ids == (D1, D2)
    assert [h.empty_layer for h in config.history] == [False, True]
    assert config.history[0].created == datetime(2024, 1, 27, 0, 29, 3, tzinfo=UTC)
    assert config.history[1].created is None


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"config": None, "rootfs": None, "history": None},
        {"config": {"Env": None, "Cmd": None, "Labels": None, "ExposedPorts": None}},
        {"config": {"User": "", "WorkingDir": ""}, "history": []},
    ],
)
def test_parse_config_is_tolerant(document: dict[str, Any]) -> None:
    assert oci.parse_config(body(document)) == ImageConfig()


def test_parse_config_odd_but_real_shapes() -> None:
    config = oci.parse_config(
        body({"config": {"Cmd": "/bin/sh -c run", "ExposedPorts": ["80/tcp"], "Entrypoint": []}})
    )
    assert config.config.cmd == ("/bin/sh -c run",)
    assert config.config.exposed_ports == ("80/tcp",)
    assert config.config.entrypoint == ()  # an explicitly empty entrypoint is not "unset"


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"config": []}, "'config' must be an object"),
        ({"config": {"Env": "A=1", "Labels": {"a": 1}}}, "every value of 'Labels'"),
        ({"config": {"Env": [1]}}, "every entry of 'Env' must be a string"),
        ({"config": {"ExposedPorts": 80}}, "'ExposedPorts' must be an object"),
        ({"architecture": 64}, "'architecture' must be a string"),
        ({"history": {}}, "'history' must be an array"),
        ({"history": ["x"]}, "history[0] must be an object"),
        ({"history": [{"empty_layer": "yes"}]}, "'empty_layer' must be a boolean"),
        ({"rootfs": {"diff_ids": [None]}}, "every entry of 'diff_ids'"),
    ],
)
def test_parse_config_errors(document: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ContentError) as info:
        oci.parse_config(body(document))
    assert fragment in info.value.message


def test_parse_config_refuses_oversize_and_non_objects() -> None:
    with pytest.raises(ContentError, match="over the"):
        oci.parse_config(b" " * (oci.MAX_CONFIG_BYTES + 1))
    with pytest.raises(ContentError, match="image config is not a JSON object"):
        oci.parse_config(b"[1]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05.123456789Z", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2024-01-02T03:04:05.999999999Z", datetime(2024, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)),
        ("2024-01-02T03:04:05.1Z", datetime(2024, 1, 2, 3, 4, 5, 100000, tzinfo=UTC)),
        ("2024-01-02t03:04:05z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02 03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2024-01-02T03:04:05", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (
            "2024-01-02T03:04:05.5+02:00",
            datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("", None),
        ("yesterday", None),
        ("2024-01-02", None),
        ("2024-13-01T00:00:00Z", None),
        ("2024-01-02T25:00:00Z", None),
        ("2024-01-02T03:04:05+24:00", None),
        ("0000-01-01T00:00:00Z", None),
        ("２０２４-01-02T03:04:05Z", None),
        (12345, None),
        (None, None),
    ],
)
def test_parse_timestamp(text: object, expected: datetime | None) -> None:
    assert oci.parse_timestamp(text) == expected


# --- properties: nothing but engine errors escapes, whatever the registry sends

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_MEDIA_TYPES = st.sampled_from([*sorted(oci.MANIFEST_TYPES), oci.DOCKER_CONFIG, "text/plain"])
_PLATFORM_OBJ = st.fixed_dictionaries(
    {},
    optional={
        "os": st.sampled_from(["linux", "windows", "unknown"]) | _JSON,
        "architecture": st.sampled_from(["amd64", "arm64", "arm", "unknown"]) | _JSON,
        "variant": st.sampled_from(["v7", "v8"]) | _JSON,
        "os.version": _JSON,
        "os.features": st.lists(st.text(max_size=4), max_size=2) | _JSON,
    },
)
_DESCRIPTOR_OBJ = st.fixed_dictionaries(
    {},
    optional={
        "mediaType": _MEDIA_TYPES | _JSON,
        "digest": st.sampled_from([D1, D2, "sha256:abc", "md5:00"]) | _JSON,
        "size": st.integers(min_value=-2, max_value=10**6) | _JSON,
        "urls": st.lists(st.text(max_size=5), max_size=2) | _JSON,
        "annotations": st.dictionaries(st.text(max_size=5), st.text(max_size=5)) | _JSON,
        "platform": _PLATFORM_OBJ | _JSON,
        "artifactType": _JSON,
    },
)
_DESCRIPTORS = st.lists(_DESCRIPTOR_OBJ | _JSON, max_size=4) | _JSON
_MANIFEST_OBJ = st.fixed_dictionaries(
    {},
    optional={
        "schemaVersion": st.sampled_from([1, 2, 2, 2]) | _JSON,
        "mediaType": _MEDIA_TYPES | _JSON,
        "config": _DESCRIPTOR_OBJ | _JSON,
        "layers": _DESCRIPTORS,
        "manifests": _DESCRIPTORS,
        "annotations": st.dictionaries(st.text(max_size=5), st.text(max_size=5)) | _JSON,
        "subject": _DESCRIPTOR_OBJ | _JSON,
        "artifactType": _JSON,
    },
)
_CONTAINER_OBJ = st.fixed_dictionaries(
    {},
    optional={
        key: st.lists(st.text(max_size=5), max_size=2) | st.text(max_size=5) | _JSON
        for key in ("User", "Env", "Entrypoint", "Cmd", "WorkingDir", "StopSignal")
    }
    | {
        key: st.dictionaries(st.text(max_size=5), st.text(max_size=5) | _JSON) | _JSON
        for key in ("ExposedPorts", "Volumes", "Labels")
    },
)
_HISTORY_OBJ = st.fixed_dictionaries(
    {},
    optional={
        "created": st.datetimes().map(lambda d: d.isoformat() + "Z") | _JSON,
        "created_by": _JSON,
        "empty_layer": st.booleans() | _JSON,
    },
)
_CONFIG_OBJ = st.fixed_dictionaries(
    {},
    optional={
        "architecture": _JSON,
        "os": _JSON,
        "variant": _JSON,
        "created": st.text(max_size=30) | _JSON,
        "config": _CONTAINER_OBJ | _JSON,
        "rootfs": st.fixed_dictionaries({}, optional={"type": _JSON, "diff_ids": _JSON}) | _JSON,
        "history": st.lists(_HISTORY_OBJ | _JSON, max_size=3) | _JSON,
    },
)


def _check_manifest(raw: bytes, content_type: str | None = None) -> None:
    try:
        parsed = oci.parse_manifest(raw, content_type)
    except ContentError:
        return
    assert parsed.schema_version == 2
    assert parsed.media_type in oci.MANIFEST_TYPES
    if isinstance(parsed, ImageIndex):
        for wanted in (*parsed.platforms(), Platform("linux", "amd64")):
            with contextlib.suppress(NotFoundError):
                assert wanted.matches(parsed.select(wanted).platform or wanted)
    else:
        assert parsed.total_size >= 0


@given(st.binary(max_size=200), st.none() | _MEDIA_TYPES)
def test_parse_manifest_random_bytes(raw: bytes, content_type: str | None) -> None:
    _check_manifest(raw, content_type)


@given(_JSON)
def test_parse_manifest_random_json(document: object) -> None:
    _check_manifest(json.dumps(document).encode())


@settings(deadline=None)
@given(_MANIFEST_OBJ, st.none() | _MEDIA_TYPES)
def test_parse_manifest_shaped_json(document: dict[str, Any], content_type: str | None) -> None:
    _check_manifest(json.dumps(document).encode(), content_type)


@given(st.binary(max_size=200))
def test_parse_config_random_bytes(raw: bytes) -> None:
    with contextlib.suppress(ContentError):
        oci.parse_config(raw)


@settings(deadline=None)
@given(_CONFIG_OBJ | _JSON)
def test_parse_config_shaped_json(document: object) -> None:
    try:
        config = oci.parse_config(json.dumps(document).encode())
    except ContentError:
        return
    assert all(isinstance(port, str) for port in config.config.exposed_ports)
    assert all(isinstance(value, str) for value in config.config.labels.values())


@given(st.text(max_size=30) | st.from_regex(r"\A[a-z0-9]{1,6}(/[a-z0-9]{1,6}){1,2}\Z"))
def test_platform_parse_random_text(text: str) -> None:
    try:
        parsed = Platform.parse(text)
    except ValidationError:
        return
    assert Platform.parse(str(parsed)) == parsed


@given(st.text(max_size=40))
def test_parse_timestamp_random_text(text: str) -> None:
    parsed = oci.parse_timestamp(text)
    assert parsed is None or parsed.tzinfo is not None


@given(st.datetimes())
def test_parse_timestamp_round_trip(moment: datetime) -> None:
    assert oci.parse_timestamp(moment.isoformat() + "Z") == moment.replace(tzinfo=UTC)
