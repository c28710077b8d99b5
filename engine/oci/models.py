"""Results: plain dataclasses, importable without the network stack (for cached reads)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engine.frozen import Frozen
from engine.oci import manifests
from engine.oci.annotations import Description, describe

__all__ = [
    "BlobHead",
    "ImageInfo",
    "Manifest",
    "ManifestHead",
    "PingResult",
    "PlatformManifest",
    "RepoInfo",
    "TagInfo",
    "TagMatch",
    "isoformat",
]


def isoformat(when: datetime | None) -> str | None:
    """RFC 3339 in UTC with a trailing Z, as the seeds print timestamps."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PingResult(Frozen):
    registry: str
    status: str
    """"online" or "auth required"."""
    api_version: str | None
    elapsed_ms: float


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ManifestHead(Frozen):
    digest: str
    media_type: str
    size: int


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Manifest(Frozen):
    """A manifest or index as fetched: its digest, raw bytes and parsed form."""

    digest: str
    media_type: str
    body: bytes
    parsed: manifests.ImageManifest | manifests.ImageIndex

    @property
    def is_index(self) -> bool:
        return isinstance(self.parsed, manifests.ImageIndex)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class BlobHead(Frozen):
    digest: str
    size: int


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PlatformManifest(Frozen):
    """One entry of an index: which platform, and the manifest that serves it."""

    platform: str
    digest: str
    size: int
    media_type: str


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ImageInfo(Frozen):
    """Everything `rex image NAME:TAG` shows: the manifest, the config and what follows."""

    reference: str
    registry: str
    repository: str
    tag: str | None
    digest: str
    """Digest of what the reference names: the index for a multi-platform image."""
    manifest: Manifest
    """The top-level manifest or index as fetched."""
    image: Manifest
    """The single-platform manifest shown (the same as `manifest` for one platform)."""
    platform: str | None
    """The platform whose config and layers are shown."""
    platform_manifests: tuple[PlatformManifest, ...]
    config: manifests.ImageConfig
    raw_config: bytes
    platform_sizes: Mapping[str, int] = field(default_factory=dict, hash=False)
    """Pull size (compressed layers) per platform: every platform of an index, else the one."""
    aliases: tuple[str, ...] | None = None
    """The repository's other tags on this digest; None when not looked up."""
    signed: bool | None = None
    """Whether a signature refers to this image; None when not looked up."""
    sbom: bool | None = None
    """Whether an SBOM refers to this image; None when not looked up."""
    attested: bool | None = None
    """Whether an attestation (in-toto, provenance) refers to it; None when not looked up."""

    @property
    def media_type(self) -> str:
        return self.manifest.media_type

    @property
    def total_size(self) -> int:
        """The pull sizes of every platform added up (the shown one's when none is known)."""
        return sum(self.platform_sizes.values()) if self.platform_sizes else self.size

    @property
    def description(self) -> Description:
        """What the image says about itself: annotations, then config labels."""
        index = self.manifest.parsed.annotations if self.is_multi_platform else None
        return describe(
            manifest=self.image.parsed.annotations, index=index, labels=self.config.config.labels
        )

    @property
    def manifest_type(self) -> str:
        return manifests.manifest_type_name(self.manifest.media_type)

    @property
    def is_multi_platform(self) -> bool:
        return self.manifest.is_index

    @property
    def image_manifest(self) -> manifests.ImageManifest:
        parsed = self.image.parsed
        assert isinstance(parsed, manifests.ImageManifest)  # inspect() guarantees it
        return parsed

    @property
    def platforms(self) -> tuple[str, ...]:
        if self.platform_manifests:
            return tuple(p.platform for p in self.platform_manifests)
        return (self.platform,) if self.platform else ()

    @property
    def layers(self) -> tuple[manifests.Descriptor, ...]:
        return self.image_manifest.layers

    @property
    def config_digest(self) -> str:
        return self.image_manifest.config.digest

    @property
    def size(self) -> int:
        """What a pull of the shown platform downloads: the sum of its compressed layers."""
        return self.image_manifest.layers_size

    @property
    def config_size(self) -> int:
        """Bytes of the shown platform's config blob, apart from `size`."""
        return self.image_manifest.config.size

    @property
    def manifest_size(self) -> int:
        """Bytes of the shown platform's image manifest, apart from `size`."""
        return len(self.image.body)

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.config.config.labels)

    @property
    def created(self) -> datetime | None:
        return self.config.created

    def to_dict(self) -> dict[str, Any]:
        """The `rex image NAME:TAG -f json` shape of seed 001 section 2.5."""
        cfg = self.config.config
        return {
            "reference": self.reference,
            "digest": self.digest,
            "manifest_type": self.manifest_type,
            "size": self.size,
            "config_size": self.config_size,
            "manifest_size": self.manifest_size,
            "total_size": self.total_size,
            "platform_sizes": dict(self.platform_sizes),
            "platforms": list(self.platforms),
            "config": {
                "entrypoint": list(cfg.entrypoint or ()),
                "cmd": list(cfg.cmd or ()),
                "env": list(cfg.env),
                "working_dir": cfg.working_dir or "",
                "user": cfg.user or "",
                "exposed_ports": list(cfg.exposed_ports),
                "volumes": list(cfg.volumes),
            },
            "layers": [{"digest": d.digest, "size": d.size} for d in self.layers],
            "labels": self.labels,
            "created": isoformat(self.created),
            **self._facts(),
        }

    def _facts(self) -> dict[str, Any]:
        """Description, aliases and signed/SBOM: keys shown whether known or not."""
        facts: dict[str, Any] = self.description.to_dict()
        # The config's `created` is the image's; the annotation's stands in only without it.
        announced = facts.pop("created")
        facts.update(
            created=isoformat(self.created) or announced,
            aliases=None if self.aliases is None else list(self.aliases),
            signed=self.signed,
            sbom=self.sbom,
            attested=self.attested,
        )
        return facts


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TagInfo(Frozen):
    """One row of `rex image NAME`: a tag and what it points at."""

    tag: str
    digest: str
    size: int
    """Compressed layers of the shown platform's image (the host's, else the first)."""
    created: datetime | None
    platforms: tuple[str, ...]
    media_type: str
    platform_sizes: Mapping[str, int] = field(default_factory=dict, hash=False)
    """Pull size per platform (empty for an artifact)."""
    aliases: tuple[str, ...] = ()
    """The other tags listed with this one that name the same digest."""
    signed: bool = False
    sbom: bool = False
    attested: bool = False

    @property
    def total_size(self) -> int:
        """Every platform's pull size added up (`size` when the platforms are not known)."""
        return sum(self.platform_sizes.values()) if self.platform_sizes else self.size

    def to_dict(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "digest": self.digest,
            "size": self.size,
            "total_size": self.total_size,
            "platform_sizes": dict(self.platform_sizes),
            "created": isoformat(self.created),
            "platforms": list(self.platforms),
            "aliases": list(self.aliases),
            "signed": self.signed,
            "sbom": self.sbom,
            "attested": self.attested,
        }


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RepoInfo(Frozen):
    """One row of `rex image`: a repository, its tag count and its newest image."""

    name: str
    tags: int
    last_updated: datetime | None
    """The newest `created` among its tags' configs; None when not fetched or unknown."""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "tags": self.tags, "last_updated": isoformat(self.last_updated)}


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TagMatch(Frozen):
    """A tag found by `rex search tags`."""

    image: str
    tag: str
    digest: str
    size: int

    @property
    def reference(self) -> str:
        return f"{self.image}:{self.tag}"

    def to_dict(self, *, scoped: bool = False) -> dict[str, Any]:
        """The seed's shape; within one image (`scoped`) the image name is left out."""
        data: dict[str, Any] = {} if scoped else {"image": self.image}
        data.update(tag=self.tag, reference=self.reference, digest=self.digest, size=self.size)
        return data
