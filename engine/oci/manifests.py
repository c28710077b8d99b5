"""OCI and Docker v2 media types, and typed models of manifests, indexes and image configs.

Parsing is strict about what a registry must get right (schema version, required
descriptor fields, digests) and tolerant of everything else: unknown fields are
ignored and a config's optional sections may be missing or null.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar

from engine.errors import ContentError, NotFoundError, Remedy, ValidationError, shown
from engine.frozen import Frozen
from engine.oci.digest import Digest

__all__ = [
    "DOCKER_CONFIG",
    "DOCKER_FOREIGN_LAYER_GZIP",
    "DOCKER_LAYER_GZIP",
    "DOCKER_MANIFEST",
    "DOCKER_MANIFEST_LIST",
    "DOCKER_MANIFEST_V1",
    "DOCKER_MANIFEST_V1_SIGNED",
    "IMAGE_MANIFEST_TYPES",
    "INDEX_TYPES",
    "MANIFEST_ACCEPT",
    "MANIFEST_TYPES",
    "MAX_CONFIG_BYTES",
    "MAX_MANIFEST_BYTES",
    "OCI_CONFIG",
    "OCI_EMPTY",
    "OCI_INDEX",
    "OCI_LAYER",
    "OCI_LAYER_GZIP",
    "OCI_LAYER_ZSTD",
    "OCI_MANIFEST",
    "ContainerConfig",
    "Descriptor",
    "HistoryEntry",
    "ImageConfig",
    "ImageIndex",
    "ImageManifest",
    "Platform",
    "RootFS",
    "load_json",
    "manifest_type_name",
    "parse_config",
    "parse_manifest",
    "parse_timestamp",
]

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
DOCKER_FOREIGN_LAYER_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})
IMAGE_MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
MANIFEST_TYPES = INDEX_TYPES | IMAGE_MANIFEST_TYPES
MANIFEST_ACCEPT = ", ".join((OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST))
"""The Accept header for manifest requests; schema 1 is left out on purpose."""

# distribution's own limit for a manifest PUT; anything larger is not a manifest.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_CONFIG_BYTES = 16 * 1024 * 1024

_TYPE_NAMES = {
    OCI_MANIFEST: "OCI Image Manifest",
    OCI_INDEX: "OCI Image Index",
    DOCKER_MANIFEST: "Docker Image Manifest V2",
    DOCKER_MANIFEST_LIST: "Docker Manifest List",
}
# Architecture spellings of uname and distributions, as containerd normalises them.
_ARCH_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "i386": "386"}
_PLATFORM_PART = re.compile(r"[a-z0-9][a-z0-9._-]*", re.ASCII)
_ATTESTATION_KEY = "vnd.docker.reference.type"

_T = TypeVar("_T")
_Json = dict[str, Any]


def _empty_mapping() -> Mapping[str, str]:
    return MappingProxyType({})


def manifest_type_name(media_type: str) -> str:
    """A person's name for a manifest media type, e.g. "OCI Image Index"."""
    return _TYPE_NAMES.get(_bare_media_type(media_type), media_type)


def _bare_media_type(value: str) -> str:
    return value.partition(";")[0].strip().lower()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Platform(Frozen):
    """The OS and CPU an image runs on, as in an index entry or `--platform`."""

    os: str
    architecture: str
    variant: str | None = None
    os_version: str | None = None
    os_features: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Parse `os/arch[/variant]`, e.g. "linux/arm/v7"."""
        if not isinstance(text, str):
            raise ValidationError(f"a platform must be text, got {type(text).__name__}")
        parts = text.strip().lower().split("/")
        if not 2 <= len(parts) <= 3 or not all(_PLATFORM_PART.fullmatch(p) for p in parts):
            raise ValidationError(
                f"invalid platform {shown(text)}: expected os/arch[/variant]",
                hint="Use a platform like 'linux/amd64' or 'linux/arm/v7'.",
            )
        arch = _ARCH_ALIASES.get(parts[1], parts[1])
        return cls(parts[0], arch, parts[2] if len(parts) == 3 else None)

    def __str__(self) -> str:
        parts = (self.os, self.architecture) + ((self.variant,) if self.variant else ())
        return "/".join(parts)

    @property
    def is_unknown(self) -> bool:
        """Whether this is `unknown/unknown`, which buildkit gives attestations."""
        return self.os == "unknown" and self.architecture == "unknown"

    def _variant(self) -> str | None:
        # arm64 has only one variant in practice; indexes write it both ways.
        if self.architecture == "arm64" and self.variant == "v8":
            return None
        return self.variant or None

    def matches(self, other: Platform) -> bool:
        """Whether `other` satisfies this wanted platform; no variant here means any."""
        if (self.os, self.architecture) != (other.os, other.architecture):
            return False
        if self.os_version and self.os_version != other.os_version:
            return False
        wanted = self._variant()
        return wanted is None or wanted == other._variant()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Descriptor(Frozen):
    """A typed, sized, digest-addressed pointer to a blob or manifest."""

    media_type: str
    digest: str
    size: int
    urls: tuple[str, ...] = ()
    # hash=False: a mapping cannot be hashed, and equal descriptors still hash equal.
    annotations: Mapping[str, str] = field(default_factory=_empty_mapping, hash=False)
    platform: Platform | None = None
    artifact_type: str | None = None

    @property
    def is_attestation(self) -> bool:
        """Whether this index entry is a buildkit attestation rather than an image."""
        if self.platform is not None and self.platform.is_unknown:
            return True
        return self.annotations.get(_ATTESTATION_KEY) == "attestation-manifest"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ImageManifest(Frozen):
    """One image for one platform: a config blob and its layers."""

    schema_version: int
    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]
    annotations: Mapping[str, str] = field(default_factory=_empty_mapping, hash=False)
    subject: Descriptor | None = None
    artifact_type: str | None = None

    @property
    def layers_size(self) -> int:
        """Compressed bytes of all layers."""
        return sum(layer.size for layer in self.layers)

    @property
    def total_size(self) -> int:
        """Bytes a pull downloads: the config plus every compressed layer."""
        return self.config.size + self.layers_size

    @property
    def is_docker(self) -> bool:
        return self.media_type == DOCKER_MANIFEST


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ImageIndex(Frozen):
    """A multi-platform image: one manifest per platform, plus attestations."""

    schema_version: int
    media_type: str
    manifests: tuple[Descriptor, ...]
    annotations: Mapping[str, str] = field(default_factory=_empty_mapping, hash=False)
    subject: Descriptor | None = None
    artifact_type: str | None = None

    @property
    def is_docker(self) -> bool:
        return self.media_type == DOCKER_MANIFEST_LIST

    def _images(self) -> list[Descriptor]:
        return [d for d in self.manifests if d.platform is not None and not d.is_attestation]

    def platforms(self) -> tuple[Platform, ...]:
        """The platforms of the index's images, in order, without attestations or repeats."""
        seen: dict[Platform, None] = {}
        for descriptor in self._images():
            assert descriptor.platform is not None  # _images() keeps only those
            seen.setdefault(descriptor.platform, None)
        return tuple(seen)

    def select(self, platform: Platform) -> Descriptor:
        """The entry for `platform`, preferring an exact match; NotFoundError if none."""
        candidates = [d for d in self._images() if d.platform and platform.matches(d.platform)]
        for descriptor in candidates:
            if descriptor.platform == platform:
                return descriptor
        if candidates:
            return candidates[0]
        names = tuple(str(p) for p in self.platforms())
        raise NotFoundError(
            f"no image for platform {platform} in this index (available: "
            f"{', '.join(names) or 'none'})",
            hint="Pick one of the available platforms.",
            remedy=Remedy.PICK_PLATFORM,
            platform=str(platform),
            available_platforms=names,
        )


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ContainerConfig(Frozen):
    """How a container of the image runs: the image config's `config` section."""

    user: str | None = None
    env: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    working_dir: str | None = None
    exposed_ports: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=_empty_mapping, hash=False)
    stop_signal: str | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RootFS(Frozen):
    """The image's filesystem as uncompressed layer digests (diff IDs)."""

    type: str = ""
    diff_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class HistoryEntry(Frozen):
    """One build step; `empty_layer` steps (ENV, CMD…) added no layer."""

    created: datetime | None = None
    created_by: str | None = None
    author: str | None = None
    comment: str | None = None
    empty_layer: bool = False


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ImageConfig(Frozen):
    """The image config blob a manifest's `config` descriptor points to."""

    architecture: str = ""
    os: str = ""
    variant: str | None = None
    os_version: str | None = None
    created: datetime | None = None
    author: str | None = None
    config: ContainerConfig = field(default_factory=ContainerConfig)
    rootfs: RootFS = field(default_factory=RootFS)
    history: tuple[HistoryEntry, ...] = ()


_TIMESTAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})?", re.ASCII
)


def parse_timestamp(text: object) -> datetime | None:
    """An RFC 3339 timestamp (nanoseconds allowed) as an aware datetime, else None."""
    if not isinstance(text, str):
        return None
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        return None
    date, time, fraction, zone = match.groups()
    # Go writes nanoseconds; datetime holds microseconds, so cut, never round up.
    micros = f".{fraction[:6]:0<6}" if fraction else ""
    offset = "+00:00" if zone is None or zone in "Zz" else zone
    try:
        return datetime.fromisoformat(f"{date}T{time}{micros}{offset}")
    except (ValueError, OverflowError):
        return None


# --- JSON plumbing: every accessor names the field, so errors point at the problem.


def load_json(body: bytes | bytearray | memoryview, what: str) -> Any:
    """Registry JSON, or a ContentError naming `what` (nesting too deep included)."""
    try:
        return json.loads(bytes(body).decode("utf-8"))
    except UnicodeDecodeError:
        raise ContentError(f"{what} is not valid UTF-8") from None
    except RecursionError:
        # The stdlib parser recurses per level: a registry must not crash us with [[[[...
        raise ContentError(f"{what} is not valid JSON: nested too deeply to read") from None
    except ValueError as exc:
        raise ContentError(f"{what} is not valid JSON ({str(exc)[:80]})") from None


def _load_object(body: bytes, what: str, limit: int) -> _Json:
    if not isinstance(body, bytes | bytearray | memoryview):
        raise ContentError(f"{what} body must be bytes, got {type(body).__name__}")
    if len(body) > limit:
        raise ContentError(f"{what} is {len(body)} bytes, over the {limit}-byte limit")
    if not body:
        raise ContentError(f"{what} is empty")
    document = load_json(body, what)
    if not isinstance(document, dict):
        raise ContentError(f"{what} is not a JSON object, got {_json_name(type(document))}")
    return document


_JSON_NAMES = {str: "a string", int: "an integer", list: "an array", dict: "an object"}


def _json_name(kind: type) -> str:
    return _JSON_NAMES.get(kind, "a boolean" if kind is bool else "a number")


def _get(obj: _Json, key: str, kind: type[_T], where: str, *, required: bool = False) -> _T | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise ContentError(f"{where}: missing required field {key!r}")
        return None
    # bool is an int subclass, but `"size": true` is not a size.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        # Named by type, never repr: a deeply nested value could overflow the stack.
        raise ContentError(
            f"{where}: field {key!r} must be {_json_name(kind)}, got {_json_name(type(value))}"
        )
    return value


def _require(obj: _Json, key: str, kind: type[_T], where: str) -> _T:
    value = _get(obj, key, kind, where, required=True)
    assert value is not None  # required=True raised otherwise
    return value


def _strings(obj: _Json, key: str, where: str) -> tuple[str, ...] | None:
    value = obj.get(key)
    if isinstance(value, str):  # some old configs write a shell-form Cmd as one string
        return (value,)
    items = _get(obj, key, list, where)
    if items is None:
        return None
    if not all(isinstance(item, str) for item in items):
        raise ContentError(f"{where}: every entry of {key!r} must be a string")
    return tuple(items)


def _text(obj: _Json, key: str, where: str) -> str | None:
    return _get(obj, key, str, where) or None


def _string_map(obj: _Json, key: str, where: str) -> Mapping[str, str]:
    value = _get(obj, key, dict, where) or {}
    if not all(isinstance(v, str) for v in value.values()):
        raise ContentError(f"{where}: every value of {key!r} must be a string")
    return MappingProxyType(dict(value))


def _keys(obj: _Json, key: str, where: str) -> tuple[str, ...]:
    # docker writes ExposedPorts and Volumes as {"80/tcp": {}}: only the keys matter.
    value = obj.get(key)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return tuple(_get(obj, key, dict, where) or {})


def _objects(
    obj: _Json, key: str, where: str, build: Callable[[_Json, str], _T], *, required: bool
) -> tuple[_T, ...]:
    items = _get(obj, key, list, where, required=required) or []
    out: list[_T] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ContentError(f"{where}: {key}[{i}] must be an object")
        out.append(build(item, f"{where}: {key}[{i}]"))
    return tuple(out)


def _platform(obj: _Json, where: str) -> Platform:
    return Platform(
        os=_require(obj, "os", str, where),
        architecture=_require(obj, "architecture", str, where),
        variant=_text(obj, "variant", where),
        os_version=_text(obj, "os.version", where),
        os_features=_strings(obj, "os.features", where) or (),
    )


def _descriptor(obj: _Json, where: str) -> Descriptor:
    digest = _require(obj, "digest", str, where)
    try:
        Digest.parse(digest)
    except ValidationError as exc:
        raise ContentError(f"{where}: {exc.message}") from None
    size = _require(obj, "size", int, where)
    if size < 0:
        raise ContentError(f"{where}: size must not be negative, got {size}")
    platform = _get(obj, "platform", dict, where)
    return Descriptor(
        media_type=_require(obj, "mediaType", str, where),
        digest=digest,
        size=size,
        urls=_strings(obj, "urls", where) or (),
        annotations=_string_map(obj, "annotations", where),
        platform=_platform(platform, f"{where}.platform") if platform is not None else None,
        artifact_type=_text(obj, "artifactType", where),
    )


def _media_type(document: _Json, content_type: str | None) -> str:
    declared = _get(document, "mediaType", str, "manifest")
    if declared is not None:
        return declared
    header = _bare_media_type(content_type) if isinstance(content_type, str) else ""
    if header in MANIFEST_TYPES:
        return header
    # Content-Type is often just application/json; OCI lets the body omit mediaType.
    if "manifests" in document:
        return OCI_INDEX
    if "config" in document and "layers" in document:
        return OCI_MANIFEST
    raise ContentError("cannot tell the manifest's type: no mediaType, manifests or layers")


def parse_manifest(body: bytes, content_type: str | None = None) -> ImageManifest | ImageIndex:
    """Parse a manifest or index body; ContentError for anything we refuse."""
    document = _load_object(body, "manifest", MAX_MANIFEST_BYTES)
    version = _require(document, "schemaVersion", int, "manifest")
    if version == 1:
        raise ContentError(
            "Docker image manifest schema 1 is not supported",
            hint="Push the image again with a current docker or buildkit to get schema 2.",
        )
    if version != 2:
        raise ContentError(f"unsupported manifest schemaVersion {version}, expected 2")
    media_type = _media_type(document, content_type)
    if media_type not in MANIFEST_TYPES:
        raise ContentError(f"unsupported manifest media type {shown(media_type)}")
    annotations = _string_map(document, "annotations", "manifest")
    subject_obj = _get(document, "subject", dict, "manifest")
    subject = _descriptor(subject_obj, "manifest: subject") if subject_obj is not None else None
    artifact_type = _text(document, "artifactType", "manifest")
    if media_type in INDEX_TYPES:
        manifests = _objects(document, "manifests", "manifest", _descriptor, required=True)
        return ImageIndex(version, media_type, manifests, annotations, subject, artifact_type)
    config = _descriptor(_require(document, "config", dict, "manifest"), "manifest: config")
    layers = _objects(document, "layers", "manifest", _descriptor, required=True)
    return ImageManifest(version, media_type, config, layers, annotations, subject, artifact_type)


def _container_config(obj: _Json, where: str) -> ContainerConfig:
    return ContainerConfig(
        user=_text(obj, "User", where),
        env=_strings(obj, "Env", where) or (),
        entrypoint=_strings(obj, "Entrypoint", where),
        cmd=_strings(obj, "Cmd", where),
        working_dir=_text(obj, "WorkingDir", where),
        exposed_ports=_keys(obj, "ExposedPorts", where),
        volumes=_keys(obj, "Volumes", where),
        labels=_string_map(obj, "Labels", where),
        stop_signal=_text(obj, "StopSignal", where),
    )


def _history(obj: _Json, where: str) -> HistoryEntry:
    return HistoryEntry(
        created=parse_timestamp(obj.get("created")),
        created_by=_text(obj, "created_by", where),
        author=_text(obj, "author", where),
        comment=_text(obj, "comment", where),
        empty_layer=bool(_get(obj, "empty_layer", bool, where)),
    )


def parse_config(body: bytes) -> ImageConfig:
    """Parse an image config blob, tolerating missing or null optional sections."""
    document = _load_object(body, "image config", MAX_CONFIG_BYTES)
    where = "image config"
    container = _get(document, "config", dict, where) or {}
    rootfs = _get(document, "rootfs", dict, where) or {}
    history = _objects(document, "history", where, _history, required=False)
    return ImageConfig(
        architecture=_get(document, "architecture", str, where) or "",
        os=_get(document, "os", str, where) or "",
        variant=_text(document, "variant", where),
        os_version=_text(document, "os.version", where),
        created=parse_timestamp(document.get("created")),
        author=_text(document, "author", where),
        config=_container_config(container, f"{where}: config"),
        rootfs=RootFS(
            type=_get(rootfs, "type", str, f"{where}: rootfs") or "",
            diff_ids=_strings(rootfs, "diff_ids", f"{where}: rootfs") or (),
        ),
        history=history,
    )
