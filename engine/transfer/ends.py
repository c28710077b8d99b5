"""The two ends of a transfer: a registry repository, or an OCI image layout on disk.

A source reads manifests and streams verified blobs; a destination takes blobs
(skipping those it has, mounting across repositories on one registry) and then
manifests, in order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, aclosing
from pathlib import Path
from typing import Any, Protocol

import trio

from engine.oci import manifests
from engine.oci.models import Manifest
from engine.oci.reference import Reference
from engine.transfer.layout import OciLayout
from engine.transfer.watch import Outcome
from engine.transport.registry import RegistryClient
from engine.transport.upload import BlobPusher

__all__ = [
    "Destination",
    "LayoutDestination",
    "LayoutSource",
    "RegistryDestination",
    "RegistrySource",
    "Source",
    "Write",
]

Write = Callable[[bytes], Awaitable[None]]
CHUNK = 1 << 20
"""Bytes per read and write: few enough calls for speed, little enough memory per job."""
_PIPE_CHUNKS = 64
"""Chunks (as they arrive: at most 64 KiB each) buffered between a download and its upload."""


class Source(Protocol):
    def describe(self) -> str: ...

    async def top(self) -> Manifest: ...

    async def child(self, digest: str) -> Manifest: ...

    async def stream(self, blob: manifests.Descriptor, write: Write) -> None:
        """Every byte of `blob` into `write`; raise after the last one if they do not verify."""

    def chunks(
        self, blob: manifests.Descriptor
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """`blob`'s bytes to iterate; the iteration raises after the last if they do not verify."""


class Destination(Protocol):
    def describe(self) -> str: ...

    async def prepare(self) -> None: ...

    async def receive(self, blob: manifests.Descriptor, source: Source, write: Write) -> Outcome:
        """Get `blob` here from `source`; `write` is told of each chunk that moves."""

    async def put_manifest(self, manifest: Manifest, *, root: bool) -> None: ...

    async def finish(self, root: Manifest) -> None: ...


def _manifest(digest: str, body: bytes, media_type: str) -> Manifest:
    parsed = manifests.parse_manifest(body, media_type)
    return Manifest(digest, parsed.media_type, body, parsed)


class _Streaming:
    """`stream` from `chunks`, which each source opens its own way."""

    def chunks(
        self, blob: manifests.Descriptor
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        raise NotImplementedError

    async def stream(self, blob: manifests.Descriptor, write: Write) -> None:
        # Chunks as they arrive (no re-chunking copies); verified after the last.
        async with self.chunks(blob) as chunks:
            async for chunk in chunks:
                await write(chunk)


class RegistrySource(_Streaming):
    def __init__(self, client: RegistryClient, ref: Reference) -> None:
        self.client = client
        self.ref = ref

    def describe(self) -> str:
        return self.ref.familiar()

    async def top(self) -> Manifest:
        return await self.client.get_manifest(self.ref.repository, self.ref.identifier)

    async def child(self, digest: str) -> Manifest:
        return await self.client.get_manifest(self.ref.repository, digest)

    def chunks(
        self, blob: manifests.Descriptor
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        return self.client.open_blob(self.ref.repository, blob.digest)


class LayoutSource(_Streaming):
    def __init__(self, layout: OciLayout, name: str | None) -> None:
        self.layout = layout
        self.name = name

    def describe(self) -> str:
        return f"oci:{self.layout.root}" + (f":{self.name}" if self.name else "")

    async def top(self) -> Manifest:
        entry = await trio.to_thread.run_sync(self.layout.find_root, self.name)
        return await self.child(str(entry.get("digest")), str(entry.get("mediaType", "")))

    async def child(self, digest: str, media_type: str = "") -> Manifest:
        body = await trio.to_thread.run_sync(
            self.layout.read_small, digest, manifests.MAX_MANIFEST_BYTES
        )
        return _manifest(digest, body, media_type)

    def chunks(
        self, blob: manifests.Descriptor
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        return aclosing(self.layout.read_blob(blob.digest, CHUNK))


class LayoutDestination:
    """An OCI image layout; the root is listed in index.json under `name`."""

    def __init__(self, layout: OciLayout, name: str | None) -> None:
        self.layout = layout
        self.name = name

    def describe(self) -> str:
        return f"oci:{self.layout.root}" + (f":{self.name}" if self.name else "")

    async def prepare(self) -> None:
        await trio.to_thread.run_sync(self.layout.create)

    async def receive(self, blob: manifests.Descriptor, source: Source, write: Write) -> Outcome:
        if await self.layout.has_blob(blob.digest):
            return Outcome.PRESENT

        async def fill(sink: Write) -> None:
            async def both(chunk: bytes) -> None:
                await sink(chunk)
                await write(chunk)

            await source.stream(blob, both)

        await self.layout.write_blob(blob.digest, fill, fill_verifies=True)
        return Outcome.FETCHED

    async def put_manifest(self, manifest: Manifest, *, root: bool) -> None:
        if not await self.layout.has_blob(manifest.digest):
            await self.layout.put_bytes(manifest.digest, manifest.body)

    async def finish(self, root: Manifest) -> None:
        descriptor: dict[str, Any] = {
            "mediaType": root.media_type,
            "digest": root.digest,
            "size": len(root.body),
        }
        await trio.to_thread.run_sync(self.layout.add_root, descriptor, self.name)


class RegistryDestination:
    """A repository, and the tag (or digest) the root goes under."""

    def __init__(self, client: RegistryClient, ref: Reference) -> None:
        self.pusher = BlobPusher(client)
        self.ref = ref

    def describe(self) -> str:
        return self.ref.familiar()

    async def prepare(self) -> None:
        """Nothing to set up: a registry repository exists once something is pushed."""

    async def receive(self, blob: manifests.Descriptor, source: Source, write: Write) -> Outcome:
        repository = self.ref.repository
        if await self.pusher.has_blob(repository, blob.digest):
            return Outcome.PRESENT
        location: str | None = None
        if (
            isinstance(source, RegistrySource)
            and source.client.host == self.pusher.host
            and source.ref.repository != repository
        ):
            location = await self.pusher.mount(repository, blob.digest, source.ref.repository)
            if location is None:
                return Outcome.MOUNTED
        if location is None:
            location = await self.pusher.start_upload(repository)
        await self._stream(location, blob, source, write)
        return Outcome.FETCHED

    async def _stream(
        self, location: str, blob: manifests.Descriptor, source: Source, write: Write
    ) -> None:
        """Download into the upload's body through a bounded buffer: nothing touches disk.

        Two tasks, so that reading the source and writing the destination overlap
        (one task doing both waits for each in turn: twice the time on loopback).
        """
        send, receive = trio.open_memory_channel[bytes](_PIPE_CHUNKS)

        async def produce() -> None:
            async with source.chunks(blob) as chunks:
                async for chunk in chunks:
                    await send.send(chunk)
                    await write(chunk)
            # Closed only once verified: on a mismatch the upload is cancelled unfinished.
            await send.aclose()

        async def body() -> AsyncIterator[bytes]:
            async for chunk in receive:
                yield chunk

        async with trio.open_nursery() as nursery:
            nursery.start_soon(produce)
            await self.pusher.put_blob(
                location, self.ref.repository, blob.digest, blob.size, body()
            )

    async def put_manifest(self, manifest: Manifest, *, root: bool) -> None:
        reference = self.ref.identifier if root else manifest.digest
        await self.pusher.put_manifest(
            self.ref.repository, reference, manifest.body, manifest.media_type
        )

    async def finish(self, root: Manifest) -> None:
        """Nothing to write: pushing the root manifest under its tag was the last step."""


def layout_at(text: str) -> tuple[Path, str | None] | None:
    """`oci:DIR[:NAME]` as (DIR, NAME); None for anything else (a registry reference)."""
    if not text.startswith("oci:"):
        return None
    path, _, name = text[4:].partition(":")
    return Path(path or "."), name or None
