"""An OCI image layout on disk: `oci-layout`, `index.json` and verified `blobs/ALG/HEX`.

A blob is written to a temporary name beside its final one and renamed only once its
digest is verified, so an interrupted pull leaves no half-written blob under a final
name, and a blob found under its final name (re-hashed first) need not be fetched again.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
from collections.abc import AsyncGenerator, Awaitable, Callable
from pathlib import Path
from typing import Any, BinaryIO

import trio

from engine.atomic import replace_file
from engine.errors import ContentError, RexError, ValidationError
from engine.oci.digest import Digest, DigestVerifier

__all__ = ["REF_NAME", "OciLayout", "disk_error"]

REF_NAME = "org.opencontainers.image.ref.name"
_LAYOUT_VERSION = b'{"imageLayoutVersion":"1.0.0"}'
_READ_CHUNK = 1 << 20
_TEMP_SUFFIX = ".partial"


def disk_error(exc: OSError, path: Path, doing: str) -> RexError:
    """A local file failure as one clear engine error (never a traceback)."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        hint = "Free some space there (blobs already verified are kept) and run it again."
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "Choose a directory you may write to."
    else:
        hint = "Check the path and run it again."
    return RexError(f"cannot {doing} {path}: {reason}", hint=hint, path=str(path))


class OciLayout:
    """One OCI image layout directory; every method may raise a RexError for a disk failure."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def blob_path(self, digest: str) -> Path:
        parsed = Digest.parse(digest)
        return self.root / "blobs" / parsed.algorithm / parsed.hex

    # -- creating ------------------------------------------------------------

    def create(self) -> None:
        """Make the directory and its `oci-layout` marker; refuse a non-empty non-layout."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            marker = self.root / "oci-layout"
            if not marker.exists():
                if any(p.name not in ("blobs", "index.json") for p in self.root.iterdir()):
                    raise ValidationError(
                        f"{self.root} is not empty and is no OCI image layout",
                        hint="Choose an empty or new directory.",
                        path=str(self.root),
                    )
                replace_file(marker, _LAYOUT_VERSION, new_mode=0o644)
            (self.root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
            probe = self.root / "blobs" / "sha256" / f".rex-probe-{secrets.token_hex(4)}"
            probe.touch()
            probe.unlink()
        except OSError as exc:
            raise disk_error(exc, self.root, "write to") from exc

    def is_layout(self) -> bool:
        return (self.root / "oci-layout").is_file() and (self.root / "index.json").is_file()

    # -- blobs ---------------------------------------------------------------

    async def has_blob(self, digest: str) -> bool:
        """Whether the blob is present and its bytes match `digest` (a bad copy is removed)."""
        path = self.blob_path(digest)
        if not path.is_file():
            return False

        def check() -> bool:
            verifier = DigestVerifier(Digest.parse(digest))
            with path.open("rb") as handle:
                while chunk := handle.read(_READ_CHUNK):
                    verifier.update(chunk)
            if verifier.actual() == verifier.expected:
                return True
            path.unlink()
            return False

        try:
            return await trio.to_thread.run_sync(check)
        except OSError as exc:
            raise disk_error(exc, path, "read") from exc

    async def write_blob(
        self,
        digest: str,
        fill: Callable[[Callable[[bytes], Awaitable[None]]], Awaitable[object]],
        *,
        fill_verifies: bool = False,
    ) -> None:
        """Have `fill(write)` produce the blob; keep it only if it verifies as `digest`.

        With `fill_verifies`, `fill` checks the digest itself after the last chunk and
        raises on a mismatch (the registry client's `open_blob` does): one hash, not two.
        The temp file goes on any failure; nothing appears under the final name.
        """
        final = self.blob_path(digest)
        temp = final.with_name(f".{final.name}.{secrets.token_hex(4)}{_TEMP_SUFFIX}")
        verifier = DigestVerifier(Digest.parse(digest))
        try:
            handle: BinaryIO = await trio.to_thread.run_sync(temp.open, "wb")
        except OSError as exc:
            raise disk_error(exc, final.parent, "write to") from exc
        try:
            # Chunks arrive at up to 64 KiB: written ~1 MiB at a time, on a worker thread.
            batch: list[bytes] = []
            batched = 0

            async def flush() -> None:
                nonlocal batched
                pending = batch.copy()
                batch.clear()
                batched = 0
                try:
                    await trio.to_thread.run_sync(handle.writelines, pending)
                except OSError as exc:
                    raise disk_error(exc, final.parent, "write to") from exc

            async def write(chunk: bytes) -> None:
                nonlocal batched
                if not fill_verifies:
                    verifier.update(chunk)
                batch.append(chunk)
                batched += len(chunk)
                if batched >= _READ_CHUNK:
                    await flush()

            try:
                await fill(write)
                await flush()
            finally:
                with trio.CancelScope(shield=True):
                    await trio.to_thread.run_sync(handle.close)
            if not fill_verifies:
                verifier.verify(what=f"blob {digest}")
            try:
                os.replace(temp, final)
            except OSError as exc:
                raise disk_error(exc, final.parent, "write to") from exc
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise

    async def put_bytes(self, digest: str, data: bytes) -> None:
        """A small blob (a manifest) already in memory."""

        async def fill(write: Callable[[bytes], Awaitable[None]]) -> None:
            await write(data)

        await self.write_blob(digest, fill)

    async def read_blob(
        self, digest: str, chunk_size: int = _READ_CHUNK
    ) -> AsyncGenerator[bytes, None]:
        """A blob's bytes in chunks, verified against `digest` at the end."""
        path = self.blob_path(digest)
        verifier = DigestVerifier(Digest.parse(digest))
        try:
            handle: BinaryIO = await trio.to_thread.run_sync(path.open, "rb")
        except FileNotFoundError as exc:
            raise ContentError(
                f"the layout {self.root} lacks blob {digest}", path=str(self.root)
            ) from exc
        except OSError as exc:
            raise disk_error(exc, path, "read") from exc
        try:
            while chunk := await trio.to_thread.run_sync(handle.read, chunk_size):
                verifier.update(chunk)
                yield chunk
        finally:
            handle.close()
        verifier.verify(what=f"blob {digest} in {self.root}")

    def read_small(self, digest: str, limit: int) -> bytes:
        """A manifest's bytes, verified."""
        path = self.blob_path(digest)
        try:
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise disk_error(exc, path, "read") from exc
        if len(data) > limit:
            raise ContentError(f"blob {digest} in {self.root} is over {limit:,} bytes")
        verifier = DigestVerifier(Digest.parse(digest))
        verifier.update(data)
        verifier.verify(what=f"blob {digest} in {self.root}")
        return data

    # -- index.json ------------------------------------------------------------

    def index(self) -> dict[str, Any]:
        path = self.root / "index.json"
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [],
            }
        except OSError as exc:
            raise disk_error(exc, path, "read") from exc
        except ValueError as exc:
            raise ContentError(f"{path} is not valid JSON", path=str(path)) from exc
        if not isinstance(data, dict) or not isinstance(data.get("manifests"), list):
            raise ContentError(f"{path} is no OCI image index", path=str(path))
        return data

    def add_root(self, descriptor: dict[str, Any], name: str | None) -> None:
        """List `descriptor` in index.json, under `name` (replacing what had that name)."""
        index = self.index()
        kept = [
            entry
            for entry in index["manifests"]
            if not (
                isinstance(entry, dict)
                and (
                    (name is not None and entry.get("annotations", {}).get(REF_NAME) == name)
                    or (
                        name is None
                        and entry.get("digest") == descriptor["digest"]
                        and not entry.get("annotations", {}).get(REF_NAME)
                    )
                )
            )
        ]
        if name is not None:
            descriptor = {**descriptor, "annotations": {REF_NAME: name}}
        index["manifests"] = [*kept, descriptor]
        path = self.root / "index.json"
        try:
            replace_file(path, json.dumps(index, separators=(",", ":")).encode(), new_mode=0o644)
        except OSError as exc:
            raise disk_error(exc, path, "write") from exc

    def find_root(self, name: str | None) -> dict[str, Any]:
        """The index.json entry named `name` (None: the only entry)."""
        entries = [e for e in self.index()["manifests"] if isinstance(e, dict)]
        if name is None:
            if len(entries) == 1:
                return entries[0]
            names = [str(e.get("annotations", {}).get(REF_NAME, e.get("digest"))) for e in entries]
            raise ValidationError(
                f"the layout {self.root} holds {len(entries)} images; name one "
                f"({', '.join(names[:5]) or 'none'})",
                hint="Add :NAME after the directory.",
                path=str(self.root),
            )
        for entry in entries:
            if entry.get("annotations", {}).get(REF_NAME) == name or entry.get("digest") == name:
                return entry
        from engine.errors import NotFoundError

        raise NotFoundError(
            f"no image named {name!r} in the layout {self.root}",
            hint="List the names in its index.json.",
            remedy=None,
            path=str(self.root),
        )
