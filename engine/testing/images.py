"""Deterministic test images built in code, and a small pusher for a real registry.

Everything is byte-stable (fixed tar mtimes and owners, gzip mtime 0, fixed JSON layout),
so the same call gives the same digests on every run: tests assert exact digests and sizes
from the built objects instead of hard-coding them.

`Pusher` speaks the distribution API with a plain sync httpx.Client: uploads are POST then
PUT `?digest=` on the returned Location (keeping its `_state` query), blobs already known
to be in another repository are cross-mounted, and 401 challenges (Basic or Bearer) are
answered generically from `WWW-Authenticate`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
IN_TOTO = "application/vnd.in-toto+json"

#: Everything a registry may answer for a manifest; without it OCI content is a 404.
MANIFEST_ACCEPT = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST])

ATTESTATION_TYPE = "vnd.docker.reference.type"
ATTESTATION_DIGEST = "vnd.docker.reference.digest"

LAYER_MTIME = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp())
DEFAULT_CREATED = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> bytes:
    """Compact, key order as given: how image configs look in the wild."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def manifest_json(value: Any) -> bytes:
    """Indented like BuildKit/containerd manifests (the registry stores the bytes as sent)."""
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


def rfc3339(moment: dt.datetime | str) -> str:
    if isinstance(moment, str):
        return moment
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# -- platforms and blobs -------------------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.split("/")
        return cls(parts[0], parts[1], parts[2] if len(parts) > 2 else None)

    def to_json(self) -> dict[str, str]:
        out = {"architecture": self.architecture, "os": self.os}
        if self.variant:
            out["variant"] = self.variant
        return out

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


UNKNOWN_PLATFORM = Platform("unknown", "unknown")


@dataclass(frozen=True)
class Blob:
    """Bytes with a media type: a config, an artifact payload, an attestation."""

    media_type: str
    data: bytes
    annotations: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def digest(self) -> str:
        return sha256(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    def descriptor(self, media_type: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mediaType": media_type or self.media_type,
            "digest": self.digest,
            "size": self.size,
        }
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


EMPTY_CONFIG = Blob(OCI_EMPTY, b"{}")


def _tar(files: Mapping[str, bytes]) -> bytes:
    """A tar with parent directories, sorted, root-owned, every mtime fixed."""
    buf = io.BytesIO()
    seen: set[str] = set()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p.strip("/") for p in files):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                directory = "/".join(parts[:depth])
                if directory not in seen:
                    seen.add(directory)
                    info = tarfile.TarInfo(directory + "/")
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o755
                    info.mtime = LAYER_MTIME
                    tar.addfile(info)
            data = files.get(path, files.get("/" + path, b""))
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o755 if "bin/" in path else 0o644
            info.mtime = LAYER_MTIME
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@dataclass(frozen=True)
class TarEntry:
    """One tar member exactly as written: any name (hostile ones too), any type."""

    name: str
    data: bytes = b""
    kind: str = "file"
    """file, dir, symlink, hardlink, fifo."""
    link: str = ""
    mode: int | None = None
    uid: int = 0
    gid: int = 0
    uname: str = "root"
    gname: str = "root"


def whiteout(path: str) -> TarEntry:
    """The marker that deletes `path` from the layers below: `DIR/.wh.NAME`."""
    directory, _, name = path.strip("/").rpartition("/")
    return TarEntry(f"{directory}/.wh.{name}" if directory else f".wh.{name}")


def opaque(directory: str) -> TarEntry:
    """The marker that hides what lower layers put in `directory`: `DIR/.wh..wh..opq`."""
    return TarEntry(f"{directory.strip('/')}/.wh..wh..opq")


_TAR_TYPES = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "fifo": tarfile.FIFOTYPE,
}
_TAR_FORMATS = {"pax": tarfile.PAX_FORMAT, "gnu": tarfile.GNU_FORMAT, "ustar": tarfile.USTAR_FORMAT}


def entries_tar(entries: Sequence[TarEntry], tar_format: str = "pax") -> bytes:
    """A tar of `entries` in the order given (no parents added), every mtime fixed."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=_TAR_FORMATS[tar_format]) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.type = _TAR_TYPES[entry.kind]
            info.mode = entry.mode if entry.mode is not None else (
                0o755 if entry.kind == "dir" else 0o644)  # fmt: skip
            info.uid, info.gid = entry.uid, entry.gid
            info.uname, info.gname = entry.uname, entry.gname
            info.mtime = LAYER_MTIME
            info.linkname = entry.link
            if entry.kind == "file":
                info.size = len(entry.data)
                tar.addfile(info, io.BytesIO(entry.data))
            else:
                tar.addfile(info)
    return buf.getvalue()


def compress(tar: bytes, compression: str) -> tuple[bytes, str]:
    """(blob, layer media type) for a tar compressed with gzip, zstd or nothing."""
    if compression == "gzip":
        return gzip.compress(tar, compresslevel=6, mtime=0), OCI_LAYER
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdCompressor(level=3).compress(tar), OCI_LAYER_ZSTD
    if compression == "none":
        return tar, OCI_LAYER_TAR
    raise ValueError(f"unknown compression {compression!r}")


@dataclass(frozen=True, kw_only=True)
class Layer(Blob):
    """A gzipped tar layer; `diff_id` is the digest of the uncompressed tar."""

    media_type: str = OCI_LAYER
    diff_id: str
    files: tuple[str, ...] = ()
    uncompressed_size: int = 0

    @classmethod
    def from_files(cls, files: Mapping[str, bytes], media_type: str = OCI_LAYER) -> Layer:
        tar = _tar(files)
        data = gzip.compress(tar, compresslevel=6, mtime=0)
        return cls(
            media_type=media_type,
            data=data,
            diff_id=sha256(tar),
            files=tuple(sorted(p.strip("/") for p in files)),
            uncompressed_size=len(tar),
        )

    @classmethod
    def from_entries(
        cls, entries: Sequence[TarEntry], *, compression: str = "gzip", tar_format: str = "pax"
    ) -> Layer:
        """A layer holding exactly `entries` (whiteouts, links, hostile names...)."""
        tar = entries_tar(entries, tar_format)
        data, media_type = compress(tar, compression)
        return cls(
            media_type=media_type,
            data=data,
            diff_id=sha256(tar),
            files=tuple(e.name for e in entries),
            uncompressed_size=len(tar),
        )

    def as_docker(self) -> Layer:
        """The same bytes under the Docker layer media type."""
        return Layer(
            media_type=DOCKER_LAYER,
            data=self.data,
            diff_id=self.diff_id,
            files=self.files,
            uncompressed_size=self.uncompressed_size,
        )


# -- image configs -------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    created_by: str
    created: dt.datetime | str = DEFAULT_CREATED
    comment: str | None = None
    author: str | None = None
    empty_layer: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"created": rfc3339(self.created), "created_by": self.created_by}
        if self.author:
            out["author"] = self.author
        if self.comment:
            out["comment"] = self.comment
        if self.empty_layer:
            out["empty_layer"] = True
        return out


def make_config(
    *,
    diff_ids: Sequence[str],
    architecture: str = "amd64",
    os: str = "linux",
    variant: str | None = None,
    created: dt.datetime | str = DEFAULT_CREATED,
    author: str | None = None,
    env: Sequence[str] = (DEFAULT_PATH,),
    entrypoint: Sequence[str] | None = None,
    cmd: Sequence[str] | None = None,
    working_dir: str | None = None,
    user: str | None = None,
    exposed_ports: Sequence[str] = (),
    volumes: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    stop_signal: str | None = None,
    history: Sequence[HistoryEntry] | None = None,
) -> bytes:
    """An image config (OCI and Docker share the shape) as compact JSON bytes."""
    container: dict[str, Any] = {}
    if user:
        container["User"] = user
    if exposed_ports:
        container["ExposedPorts"] = {port: {} for port in exposed_ports}
    if env:
        container["Env"] = list(env)
    if entrypoint is not None:
        container["Entrypoint"] = list(entrypoint)
    if cmd is not None:
        container["Cmd"] = list(cmd)
    if volumes:
        container["Volumes"] = {volume: {} for volume in volumes}
    if working_dir:
        container["WorkingDir"] = working_dir
    if labels:
        container["Labels"] = dict(labels)
    if stop_signal:
        container["StopSignal"] = stop_signal
    if history is None:
        history = [HistoryEntry(f"layer {i}", created) for i in range(len(diff_ids))]
    if sum(not h.empty_layer for h in history) != len(diff_ids):
        raise ValueError("history must have one non-empty entry per layer")
    config: dict[str, Any] = {"architecture": architecture}
    if author:
        config["author"] = author
    config["config"] = container
    config["created"] = rfc3339(created)
    config["history"] = [h.to_json() for h in history]
    config["os"] = os
    config["rootfs"] = {"type": "layers", "diff_ids": list(diff_ids)}
    if variant:
        config["variant"] = variant
    return canonical_json(config)


# -- manifests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltImage:
    """One image (or artifact) manifest with every blob it references."""

    media_type: str
    manifest: bytes
    config: Blob
    layers: tuple[Blob, ...]
    platform: Platform | None = None
    artifact_type: str | None = None
    subject: Mapping[str, Any] | None = None
    #: Annotations on this manifest's descriptor when an index lists it.
    descriptor_annotations: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def digest(self) -> str:
        return sha256(self.manifest)

    @property
    def size(self) -> int:
        return len(self.manifest)

    @property
    def blobs(self) -> tuple[Blob, ...]:
        return (self.config, *self.layers)

    @property
    def layers_size(self) -> int:
        return sum(layer.size for layer in self.layers)

    @property
    def total_size(self) -> int:
        """Manifest + config + compressed layers: what a pull transfers."""
        return self.size + self.config.size + self.layers_size

    @cached_property
    def document(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.manifest)
        return value

    @cached_property
    def config_document(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.config.data)
        return value

    def descriptor(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest}
        out["size"] = self.size
        if self.platform is not None:
            out["platform"] = self.platform.to_json()
        if self.artifact_type:
            out["artifactType"] = self.artifact_type
        if self.descriptor_annotations:
            out["annotations"] = dict(self.descriptor_annotations)
        return out


@dataclass(frozen=True)
class BuiltIndex:
    """An OCI index or Docker manifest list with its child manifests."""

    media_type: str
    manifest: bytes
    children: tuple[BuiltImage, ...]

    @cached_property
    def digest(self) -> str:
        return sha256(self.manifest)

    @property
    def size(self) -> int:
        return len(self.manifest)

    @cached_property
    def document(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.manifest)
        return value

    @property
    def images(self) -> tuple[BuiltImage, ...]:
        """Children that are runnable images (attestations left out)."""
        return tuple(c for c in self.children if c.platform not in (None, UNKNOWN_PLATFORM))

    @property
    def platforms(self) -> list[str]:
        return [str(c.platform) for c in self.images]

    def child(self, platform: str) -> BuiltImage:
        for candidate in self.children:
            if str(candidate.platform) == platform:
                return candidate
        raise KeyError(platform)


Built = BuiltImage | BuiltIndex


def _platform_of(config: bytes) -> Platform:
    value = json.loads(config)
    return Platform(value["os"], value["architecture"], value.get("variant"))


def build_image(
    layers: Sequence[Layer],
    config: bytes,
    *,
    docker: bool = False,
    annotations: Mapping[str, str] | None = None,
    descriptor_annotations: Mapping[str, str] | None = None,
) -> BuiltImage:
    """An OCI image manifest, or with `docker=True` a Docker v2 schema 2 manifest."""
    if docker:
        config_blob = Blob(DOCKER_CONFIG, config)
        blobs: tuple[Blob, ...] = tuple(layer.as_docker() for layer in layers)
        media_type = DOCKER_MANIFEST
    else:
        config_blob = Blob(OCI_CONFIG, config)
        blobs = tuple(layers)
        media_type = OCI_MANIFEST
    value: dict[str, Any] = {"schemaVersion": 2, "mediaType": media_type}
    value["config"] = config_blob.descriptor()
    value["layers"] = [blob.descriptor() for blob in blobs]
    if annotations and not docker:
        value["annotations"] = dict(annotations)
    return BuiltImage(
        media_type=media_type,
        manifest=manifest_json(value),
        config=config_blob,
        layers=blobs,
        platform=_platform_of(config),
        descriptor_annotations=dict(descriptor_annotations or {}),
    )


def build_attestation(image: BuiltImage, predicate: bytes) -> BuiltImage:
    """A BuildKit-style attestation manifest for `image` (listed as unknown/unknown)."""
    statement = Blob(IN_TOTO, predicate, {"in-toto.io/predicate-type": "https://spdx.dev/Document"})
    config = canonical_json(
        {
            "architecture": "unknown",
            "os": "unknown",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [statement.digest]},
        }
    )
    config_blob = Blob(OCI_CONFIG, config)
    value: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config_blob.descriptor(),
        "layers": [statement.descriptor()],
    }
    return BuiltImage(
        media_type=OCI_MANIFEST,
        manifest=manifest_json(value),
        config=config_blob,
        layers=(statement,),
        platform=UNKNOWN_PLATFORM,
        descriptor_annotations={
            ATTESTATION_TYPE: "attestation-manifest",
            ATTESTATION_DIGEST: image.digest,
        },
    )


def build_index(
    children: Sequence[BuiltImage],
    *,
    docker: bool = False,
    annotations: Mapping[str, str] | None = None,
) -> BuiltIndex:
    """An OCI image index, or with `docker=True` a Docker manifest list."""
    media_type = DOCKER_LIST if docker else OCI_INDEX
    value: dict[str, Any] = {"schemaVersion": 2, "mediaType": media_type}
    value["manifests"] = [child.descriptor() for child in children]
    if annotations and not docker:
        value["annotations"] = dict(annotations)
    return BuiltIndex(media_type, manifest_json(value), tuple(children))


def build_artifact(
    subject: BuiltImage | BuiltIndex,
    artifact_type: str,
    payload: Blob,
    *,
    annotations: Mapping[str, str] | None = None,
) -> BuiltImage:
    """An OCI 1.1 artifact: image manifest with artifactType, empty config and a subject."""
    subject_descriptor = {
        "mediaType": subject.media_type,
        "digest": subject.digest,
        "size": subject.size,
    }
    value: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": EMPTY_CONFIG.descriptor(),
        "layers": [payload.descriptor()],
        "subject": subject_descriptor,
    }
    if annotations:
        value["annotations"] = dict(annotations)
    return BuiltImage(
        media_type=OCI_MANIFEST,
        manifest=manifest_json(value),
        config=EMPTY_CONFIG,
        layers=(payload,),
        artifact_type=artifact_type,
        subject=subject_descriptor,
        descriptor_annotations=dict(annotations or {}),
    )


def referrers_tag(digest: str) -> str:
    """The OCI 1.1 referrers fallback tag for a subject digest: `sha256-<hex>`."""
    return digest.replace(":", "-", 1)


def build_referrers_index(artifacts: Sequence[BuiltImage]) -> BuiltIndex:
    """The index a client keeps under the fallback tag, listing each referrer."""
    return build_index(artifacts)
