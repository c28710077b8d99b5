"""Image facts without I/O: descriptions from annotations and labels, aliases, signed/SBOM."""

from __future__ import annotations

import datetime as dt

from engine import (
    ArtifactMarks,
    Description,
    TagInfo,
    group_by_digest,
    is_artifact_tag,
    marks_of_referrers,
    shown_tags,
)
from engine.oci.annotations import describe
from engine.oci.manifests import Descriptor
from engine.reads.facts import with_facts

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
OCI = "org.opencontainers.image."


def row(tag: str, digest: str, size: int = 10) -> TagInfo:
    when = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return TagInfo(tag, digest, size, when, ("linux/amd64",), "m")


def test_precedence_is_manifest_then_index_then_oci_label_then_label_schema() -> None:
    found = describe(
        manifest={OCI + "title": "from manifest"},
        index={OCI + "title": "from index", OCI + "description": "index text"},
        labels={
            OCI + "title": "from label",
            OCI + "description": "label text",
            OCI + "licenses": "MIT",
            "org.label-schema.name": "legacy",
            "org.label-schema.vcs-url": "https://legacy",
            "org.label-schema.licenses": "ignored: not a key",
        },
    )
    assert found.title == "from manifest"
    assert found.description == "index text"
    assert found.licenses == "MIT"
    assert found.source == "https://legacy"


def test_label_schema_keys_map_to_oci_names() -> None:
    labels = {
        "org.label-schema.name": "n",
        "org.label-schema.description": "d",
        "org.label-schema.url": "u",
        "org.label-schema.vcs-url": "s",
        "org.label-schema.vcs-ref": "r",
        "org.label-schema.vendor": "v",
        "org.label-schema.version": "1",
        "org.label-schema.build-date": "2024-01-01T00:00:00Z",
        "org.label-schema.usage": "https://docs",
        "org.label-schema.license": "GPL-2.0",
    }
    found = describe(labels=labels)
    assert found == Description(
        title="n",
        description="d",
        version="1",
        revision="r",
        source="s",
        url="u",
        documentation="https://docs",
        licenses="GPL-2.0",
        vendor="v",
        created="2024-01-01T00:00:00Z",
    )


def test_blank_values_count_as_absent_and_long_ones_are_cut() -> None:
    found = describe(
        manifest={OCI + "description": "   "}, labels={OCI + "description": "x" * 9000}
    )
    assert found.description == "x" * 4096
    assert not describe(labels={"maintainer": "me"})
    assert describe().to_dict()["source"] is None


def test_artifact_tags_are_sha256_fallback_and_cosign_tags() -> None:
    hex_tag = "sha256-" + "a" * 64
    for tag in (hex_tag, hex_tag + ".sig", hex_tag + ".att", hex_tag + ".sbom"):
        assert is_artifact_tag(tag)
    for tag in ("latest", "sha256-abc", "sha256-" + "a" * 63, "sha256-" + "A" * 64):
        assert not is_artifact_tag(tag)
    assert shown_tags(["1.0", hex_tag + ".sig"]) == ["1.0"]
    assert shown_tags(["1.0", hex_tag], all_tags=True) == ["1.0", hex_tag]


def test_aliases_and_cosign_marks_come_from_the_tag_list() -> None:
    rows = [row("latest", A), row("1.0", B), row("1.4", A)]
    tags = ["latest", "1.0", "1.4", "sha256-" + "a" * 64 + ".sig", "sha256-" + "b" * 64 + ".sbom"]
    marked = {r.tag: r for r in with_facts(rows, tags)}
    assert marked["latest"].aliases == ("1.4",)
    assert marked["1.4"].aliases == ("latest",)
    assert marked["1.0"].aliases == ()
    assert marked["latest"].signed and not marked["latest"].sbom
    assert marked["1.0"].sbom and not marked["1.0"].signed
    assert marked["latest"].to_dict()["aliases"] == ["1.4"]


def test_referrers_are_classified_by_artifact_type() -> None:
    def ref(kind: str, **annotations: str) -> Descriptor:
        return Descriptor("application/vnd.oci.image.manifest.v1+json", A, 1, artifact_type=kind,
                          annotations=annotations)  # fmt: skip

    assert marks_of_referrers([ref("application/vnd.cncf.notary.signature")]) == ArtifactMarks(
        signed=True
    )
    assert marks_of_referrers([ref("application/vnd.cyclonedx+json")]).sbom
    intoto = ref(
        "application/vnd.in-toto+json", **{"in-toto.io/predicate-type": "https://spdx.dev/Document"}
    )
    assert marks_of_referrers([intoto]) == ArtifactMarks(sbom=True, attested=True)
    assert marks_of_referrers([ref("application/example")]) == ArtifactMarks()
    rows = with_facts([row("1.0", B)], ["1.0"], {B: [ref("application/spdx+json")]})
    assert rows[0].sbom and not rows[0].signed


def test_group_by_digest_keeps_first_appearance_order() -> None:
    groups = group_by_digest([row("latest", A), row("1.0", B), row("1.4", A)])
    assert [g.tags for g in groups] == [("latest", "1.4"), ("1.0",)]
    data = groups[0].to_dict()
    assert data["tags"] == ["latest", "1.4"] and "tag" not in data and data["digest"] == A


def test_total_size_adds_every_platform() -> None:
    info = TagInfo("t", A, 5, None, ("linux/amd64", "linux/arm64"), "m",
                   platform_sizes={"linux/amd64": 5, "linux/arm64": 7})  # fmt: skip
    assert info.total_size == 12
    assert row("t", A, 9).total_size == 9
