"""Facts about a repository's tags that come from its tag list: aliases, signed, SBOM.

Pure functions, no I/O:

- tags that name the same digest are aliases of each other;
- `sha256-<hex>` tags are artifacts, not images: the OCI 1.1 referrers fallback
  tag (an index of the manifests that refer to `sha256:<hex>`), and cosign's
  `sha256-<hex>.sig`, `.att` and `.sbom`. They are hidden from tag lists by
  default, and they tell which digests are signed or have an SBOM without one
  more request (the tag list is already there);
- a referrers index's entries are classified by their artifact type.

The reads that feed them (the fallback tags a tag list names, each tag's
digest for aliases) are plans in `engine.reads.plan`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from engine.oci import manifests
from engine.oci.models import ImageInfo, TagInfo

__all__ = [
    "ArtifactMarks",
    "DigestGroup",
    "artifact_subject",
    "group_by_digest",
    "image_with_facts",
    "is_artifact_tag",
    "marks_of_referrers",
    "marks_of_tags",
    "shown_tags",
    "tag_row",
    "with_facts",
]


_ARTIFACT_TAG = re.compile(r"(sha256)-([0-9a-f]{64})(?:\.([A-Za-z0-9_-]+))?")

_SIGNATURE_WORDS = ("signature", "cosign.artifact.sig", "sigstore", "notary", "notation")
_SBOM_WORDS = ("sbom", "spdx", "cyclonedx", "syft")
_ATTESTATION_WORDS = ("in-toto", "intoto", "dsse", "attestation", "provenance", "slsa", ".att.")


_DIGITS = re.compile(r"(\d+)")


def _in_order(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as people read versions: 1.4 before 1.4.2 before 1.10, then words."""
    return tuple(
        sorted(
            tags, key=lambda t: [(0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(t)]
        )
    )


@dataclass(frozen=True, slots=True)
class ArtifactMarks:
    """What refers to one digest: a signature, an SBOM, an attestation."""

    signed: bool = False
    sbom: bool = False
    attested: bool = False

    def __or__(self, other: ArtifactMarks) -> ArtifactMarks:
        return ArtifactMarks(
            self.signed or other.signed, self.sbom or other.sbom, self.attested or other.attested
        )


def tag_row(tag: str, info: ImageInfo) -> TagInfo:
    """The row of `tag`, whose image is `info` (aliases and marks come later)."""
    return TagInfo(
        tag,
        info.digest,
        info.size,
        info.created,
        info.platforms,
        info.media_type,
        platform_sizes=dict(info.platform_sizes),
    )


def is_artifact_tag(tag: str) -> bool:
    """A referrers fallback tag (`sha256-<hex>`) or a cosign one (`.sig`, `.att`, `.sbom`)."""
    return _ARTIFACT_TAG.fullmatch(tag) is not None


def artifact_subject(tag: str) -> tuple[str, str] | None:
    """(subject digest, suffix) of an artifact tag; the suffix is "" for a fallback tag."""
    found = _ARTIFACT_TAG.fullmatch(tag)
    if found is None:
        return None
    return f"{found[1]}:{found[2]}", found[3] or ""


def shown_tags(tags: Iterable[str], *, all_tags: bool = False) -> list[str]:
    """The tags a listing shows: artifact tags left out unless `all_tags`."""
    return list(tags) if all_tags else [t for t in tags if not is_artifact_tag(t)]


def marks_of_tags(tags: Iterable[str]) -> dict[str, ArtifactMarks]:
    """Per subject digest, what cosign's tags (`.sig`, `.sbom`, `.att`) say refers to it."""
    marks: dict[str, ArtifactMarks] = {}
    for tag in tags:
        found = artifact_subject(tag)
        if found is None or not found[1]:
            continue
        digest, suffix = found
        mark = ArtifactMarks(suffix == "sig", suffix == "sbom", suffix == "att")
        marks[digest] = marks.get(digest, ArtifactMarks()) | mark
    return marks


def _kind_words(descriptor: manifests.Descriptor) -> str:
    words = [descriptor.artifact_type or "", *descriptor.annotations.values()]
    return " ".join(words).lower()


def marks_of_referrers(referrers: Iterable[manifests.Descriptor]) -> ArtifactMarks:
    """What a list of referrers holds, by each one's artifact type (and annotations).

    Types vary by tool (cosign, notation, syft, trivy...): known words decide,
    e.g. `application/vnd.dev.cosign.artifact.sig.v1+json` and
    `application/vnd.cncf.notary.signature` are signatures; `application/spdx+json`,
    `application/vnd.cyclonedx+json` are SBOMs; `application/vnd.in-toto+json` an
    attestation (whose predicate type may still say SPDX: then an SBOM too).
    """
    marks = ArtifactMarks()
    for descriptor in referrers:
        words = _kind_words(descriptor)
        marks = marks | ArtifactMarks(
            any(w in words for w in _SIGNATURE_WORDS),
            any(w in words for w in _SBOM_WORDS),
            any(w in words for w in _ATTESTATION_WORDS),
        )
    return marks


def with_facts(
    rows: Sequence[TagInfo],
    tags: Iterable[str],
    referrers: Mapping[str, Sequence[manifests.Descriptor]] | None = None,
) -> list[TagInfo]:
    """`rows` with their aliases (among `rows`) and signed/SBOM marks set.

    `tags` is the repository's whole tag list (its cosign tags mark digests);
    `referrers` maps a digest to the referrers known for it (its fallback index).
    """
    by_digest: dict[str, list[str]] = {}
    for row in rows:
        by_digest.setdefault(row.digest, []).append(row.tag)
    marks = marks_of_tags(tags)
    for digest, found in (referrers or {}).items():
        marks[digest] = marks.get(digest, ArtifactMarks()) | marks_of_referrers(found)
    out: list[TagInfo] = []
    for row in rows:
        mark = marks.get(row.digest, ArtifactMarks())
        aliases = _in_order(t for t in by_digest[row.digest] if t != row.tag)
        out.append(
            replace(
                row, aliases=aliases, signed=mark.signed, sbom=mark.sbom, attested=mark.attested
            )
        )
    return out


def image_with_facts(
    info: ImageInfo,
    digests: Mapping[str, str],
    listed: Iterable[str],
    referrers: Sequence[manifests.Descriptor] = (),
) -> ImageInfo:
    """`info` with its aliases (the tags of `digests`, tag -> digest, on its digest) and
    its signed/SBOM marks (from the cosign tags in `listed` and from `referrers`)."""
    aliases = _in_order(t for t, d in digests.items() if d == info.digest and t != info.tag)
    mark = marks_of_tags(listed).get(info.digest, ArtifactMarks()) | marks_of_referrers(referrers)
    return replace(
        info, aliases=aliases, signed=mark.signed, sbom=mark.sbom, attested=mark.attested
    )


@dataclass(frozen=True, slots=True)
class DigestGroup:
    """The tags that name one digest, and the row that describes them."""

    tags: tuple[str, ...]
    info: TagInfo

    def to_dict(self) -> dict[str, object]:
        data = self.info.to_dict()
        del data["tag"], data["aliases"]
        return {"tags": list(self.tags), **data}


def group_by_digest(rows: Iterable[TagInfo]) -> list[DigestGroup]:
    """One group per digest, in the order each digest first appears; tags in row order."""
    groups: dict[str, list[TagInfo]] = {}
    for row in rows:
        groups.setdefault(row.digest, []).append(row)
    return [DigestGroup(tuple(r.tag for r in found), found[0]) for found in groups.values()]
