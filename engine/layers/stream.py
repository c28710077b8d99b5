"""The async half of reading a layer: stream the blob into the walker, then judge the result.

The download runs on trio's thread (`RegistryClient.copy_blob`, which hashes as it
goes); the walker runs on a worker thread, fed through a bounded `ChunkPipe`. A
listing reads the blob to its end so that its digest is verified before anything is
returned; a mismatch discards the listing. Reading one file stops the download as soon
as the file has been read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import trio

from engine.errors import ContentError, RexError, leaves
from engine.layers.tarwalk import ChunkPipe, LayerFormatError, Walk, walk_layer

if TYPE_CHECKING:
    from engine.oci.manifests import Descriptor
    from engine.transport.registry import RegistryClient

__all__ = ["ByteProgress", "one_error", "scan_layer"]

ByteProgress = Callable[[int, int], None]
"""`progress(bytes_done, bytes_total)` while a layer downloads."""


def one_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The engine error inside a nursery's group (the first), else the group itself."""
    found = [leaf for leaf in leaves(group) if isinstance(leaf, RexError)]
    return found[0] if found else group


async def scan_layer(
    client: RegistryClient,
    repository: str,
    layer: Descriptor,
    *,
    want: str | None = None,
    sink: Callable[[bytes], None] | None = None,
    progress: ByteProgress | None = None,
) -> Walk:
    """The entries of `layer`, digest-verified; with `want`, stop once that file is read.

    `sink` receives the wanted file's bytes on a worker thread, as they arrive.
    """
    pipe = ChunkPipe()
    failure: list[BaseException] = []
    done = 0
    stop = trio.CancelScope()

    async def write(chunk: bytes) -> None:
        nonlocal done
        if pipe.reader_done:
            # Cancelled at the download's next wait for the network, inside httpx's own
            # body iterator, so that it closes; raising here would leave it dangling.
            stop.cancel()
            return
        if not pipe.offer(chunk):
            await trio.to_thread.run_sync(pipe.put, chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, layer.size)

    async def download() -> None:
        try:
            with stop:
                await client.copy_blob(repository, layer.digest, write)
        except RexError as exc:
            failure.append(exc)
        finally:
            pipe.finish()

    def walk() -> Walk | LayerFormatError:
        try:
            found = walk_layer(pipe, want=want, sink=sink)
            if found.found is None:
                pipe.drain()  # to the end, so that copy_blob verifies the digest
            return found
        except LayerFormatError as exc:
            return exc
        finally:
            pipe.close_reader()

    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(download)
            result = await trio.to_thread.run_sync(walk)
            # A walk that stopped early (the file read, or a bad tar) needs no more bytes;
            # one that read to the end saw the download finish, verified, already.
            stop.cancel()
    except BaseExceptionGroup as group:
        raise one_error(group) from None
    if failure:
        raise failure[0]
    if isinstance(result, LayerFormatError):
        raise ContentError(
            f"layer {layer.digest} of {repository} cannot be read: {result}",
            hint="The layer is damaged or is not a filesystem layer.",
        )
    return result
