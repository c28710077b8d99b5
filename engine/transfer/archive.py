"""A docker archive (what `docker load` reads), built from a pulled OCI layout.

The blobs are pulled (in parallel, verified, resumable) into a staging layout beside
the archive; the tar is then written in one pass to a temporary name and renamed,
so an interrupted pull never leaves a truncated archive under the final name.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import tarfile
from pathlib import Path

import trio

from engine.errors import ValidationError
from engine.oci import manifests
from engine.oci.digest import Digest
from engine.oci.models import Manifest
from engine.transfer.layout import OciLayout, disk_error

__all__ = ["staging_dir", "write_archive"]


def staging_dir(archive: Path) -> Path:
    """Where the blobs of `archive` wait: a hidden directory beside it, kept to resume."""
    return archive.with_name(f".{archive.name}.rex-blobs")


def _member(digest: str) -> str:
    parsed = Digest.parse(digest)
    return f"blobs/{parsed.algorithm}/{parsed.hex}"


async def write_archive(
    archive: Path, staging: OciLayout, root: Manifest, repo_tags: tuple[str, ...]
) -> None:
    """Write `archive` from `staging`'s blobs for the image `root`, then drop `staging`."""
    image = root.parsed
    if not isinstance(image, manifests.ImageManifest):
        raise ValidationError("a docker archive holds one platform's image, not an index")
    entry = {
        "Config": _member(image.config.digest),
        "RepoTags": list(repo_tags),
        "Layers": [_member(layer.digest) for layer in image.layers],
    }
    manifest_json = json.dumps([entry], separators=(",", ":")).encode()
    digests = list(dict.fromkeys([image.config.digest, *(layer.digest for layer in image.layers)]))

    def write() -> None:
        temp = archive.with_name(f".{archive.name}.{secrets.token_hex(4)}.partial")
        try:
            with tarfile.open(temp, "w", format=tarfile.PAX_FORMAT) as tar:
                for digest in digests:
                    path = staging.blob_path(digest)
                    info = tar.gettarinfo(str(path), arcname=_member(digest))
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    info.mode = 0o644
                    with path.open("rb") as handle:
                        tar.addfile(info, handle)  # copied in chunks: bounded memory
                info = tarfile.TarInfo("manifest.json")
                info.size = len(manifest_json)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(manifest_json))
            os.replace(temp, archive)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        shutil.rmtree(staging.root, ignore_errors=True)

    try:
        await trio.to_thread.run_sync(write)
    except OSError as exc:
        raise disk_error(exc, archive, "write") from exc
