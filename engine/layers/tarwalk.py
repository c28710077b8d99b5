"""The sync half of reading a layer, run on a worker thread: bytes in, tar entries out.

`ChunkPipe` carries the blob's chunks from the download (trio's thread) to this
thread with a bounded buffer, so memory stays constant whatever the layer's size.
The compression is recognised by its magic bytes (gzip, zstd, or a plain tar), the
output of a decompressor is bounded per read (a bomb cannot inflate in one go), and
tarfile's stream mode walks the headers, GNU long names and pax headers included,
skipping file contents unless one file is wanted.
"""

from __future__ import annotations

import collections
import tarfile
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from engine.layers.entries import MAX_ENTRIES, FileEntry, normalize_path, whiteout_target

__all__ = ["MAX_HEADER_BYTES", "ChunkPipe", "LayerFormatError", "Walk", "walk_layer"]

MAX_HEADER_BYTES = 1 << 20
"""A pax header or GNU long name bigger than this is an attack, not a file name."""
_CHUNK = 1 << 16
_TAR_BUFFER = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_KIND_OF = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.CONTTYPE: "file",
    tarfile.GNUTYPE_SPARSE: "file",
    tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink",
    tarfile.LNKTYPE: "hardlink",
    tarfile.CHRTYPE: "char",
    tarfile.BLKTYPE: "block",
    tarfile.FIFOTYPE: "fifo",
}
_LONG_HEADERS = (
    tarfile.GNUTYPE_LONGNAME,
    tarfile.GNUTYPE_LONGLINK,
    tarfile.XHDTYPE,
    tarfile.XGLTYPE,
    tarfile.SOLARIS_XHDTYPE,
)


class LayerFormatError(Exception):
    """The blob is not a (gzip / zstd compressed) tar, or it breaks a bound; the message says."""


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class ChunkPipe:
    """A bounded, thread-safe byte pipe: the download puts chunks, the walker reads them.

    `finish` (the download's end, even a failed one) and `close_reader` (the walker
    is done) never block, so neither side can be left waiting on the other.
    """

    def __init__(self, max_chunks: int = 16) -> None:
        self._chunks: collections.deque[bytes] = collections.deque()
        self._max = max(2, max_chunks)
        self._cond = threading.Condition()
        self._finished = False
        self._reader_done = False
        self._head = b""

    @property
    def reader_done(self) -> bool:
        return self._reader_done

    def offer(self, chunk: bytes) -> bool:
        """Put without waiting: False when the pipe is full (then call `put` on a thread)."""
        with self._cond:
            if self._reader_done:
                return True
            if len(self._chunks) >= self._max:
                return False
            self._chunks.append(chunk)
            self._cond.notify()
            return True

    def put(self, chunk: bytes) -> None:
        """Put, waiting for room (or for the reader to stop)."""
        with self._cond:
            while len(self._chunks) >= self._max and not self._reader_done:
                self._cond.wait()
            if not self._reader_done:
                self._chunks.append(chunk)
                self._cond.notify()

    def finish(self) -> None:
        """No more chunks will come."""
        with self._cond:
            self._finished = True
            self._cond.notify_all()

    def close_reader(self) -> None:
        """The reader wants no more: drop what is queued and let the writer go."""
        with self._cond:
            self._reader_done = True
            self._chunks.clear()
            self._cond.notify_all()

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes (at least one unless the stream has ended)."""
        if not self._head:
            with self._cond:
                while not self._chunks and not self._finished:
                    self._cond.wait()
                if not self._chunks:
                    return b""
                self._head = self._chunks.popleft()
                self._cond.notify()
        if size < 0 or size >= len(self._head):
            data, self._head = self._head, b""
            return data
        data, self._head = self._head[:size], self._head[size:]
        return data

    def drain(self) -> None:
        """Read to the end, discarding: the download must reach the end to be verified."""
        while self.read(_CHUNK):
            continue  # the bytes only feed the digest check


class _Gunzip:
    """gzip members one after another, at most `size` bytes of output per read."""

    def __init__(self, raw: _Readable) -> None:
        self._raw = raw
        self._inflate = zlib.decompressobj(wbits=47)
        self._pending = b""
        self._started = False

    def read(self, size: int = -1, /) -> bytes:
        size = size if size > 0 else _CHUNK
        while True:
            if not self._pending:
                self._pending = self._raw.read(_CHUNK)
                if not self._pending:
                    if self._started and not self._inflate.eof:
                        raise LayerFormatError("the gzip stream ends before its end")
                    return b""
            if self._inflate.eof:  # another member follows
                self._inflate = zlib.decompressobj(wbits=47)
            self._started = True
            try:
                out = self._inflate.decompress(self._pending, size)
            except zlib.error as exc:
                raise LayerFormatError(f"not valid gzip ({exc})") from None
            self._pending = (
                self._inflate.unused_data if self._inflate.eof else self._inflate.unconsumed_tail
            )
            if out:
                return out


class _Sniffed:
    """The raw stream with its first bytes read ahead (to recognise the compression)."""

    def __init__(self, raw: _Readable) -> None:
        self._raw = raw
        head = b""
        while len(head) < 4:
            more = raw.read(4 - len(head))
            if not more:
                break
            head += more
        self.head = head

    def read(self, size: int = -1, /) -> bytes:
        if self.head:
            data, self.head = self.head, b""
            return data
        return self._raw.read(size)


def _decompressed(raw: _Readable) -> tuple[_Readable, str]:
    sniffed = _Sniffed(raw)
    head = sniffed.head
    if head.startswith(_GZIP_MAGIC):
        return _Gunzip(sniffed), "gzip"
    if head.startswith(_ZSTD_MAGIC):
        import zstandard

        source: Any = sniffed  # zstandard wants only its read()
        reader = zstandard.ZstdDecompressor().stream_reader(
            source, read_size=_CHUNK, read_across_frames=True
        )
        return reader, "zstd"
    return sniffed, "none"


class _BoundedTarInfo(tarfile.TarInfo):
    """A TarInfo that refuses giant pax headers and GNU long names before reading them."""

    def _proc_member(self, tar: tarfile.TarFile) -> Any:
        if self.type in _LONG_HEADERS and self.size > MAX_HEADER_BYTES:
            raise LayerFormatError(
                f"a tar header of {self.size:,} bytes (pax or long name) is over the "
                f"{MAX_HEADER_BYTES:,}-byte bound"
            )
        return super()._proc_member(tar)  # type: ignore[misc]


@dataclass
class Walk:
    """What one pass over a layer found."""

    entries: list[FileEntry] = field(default_factory=list)
    compression: str = "none"
    found: FileEntry | None = None
    """The wanted file, when one was asked for and reached (the walk stopped there)."""


def _entry(info: tarfile.TarInfo) -> FileEntry | None:
    path = normalize_path(info.name)
    marker = whiteout_target(path)
    if marker is not None:
        kind, target = marker
        if not kind:
            return None
        return FileEntry(target, kind, 0, 0, info.uid, info.gid, info.uname, info.gname, None)
    if path == "/":
        return None
    kind = _KIND_OF.get(info.type, "file")
    link: str | None = None
    if kind == "symlink":
        link = info.linkname
    elif kind == "hardlink":
        link = normalize_path(info.linkname)
    size = info.size if kind == "file" else 0
    return FileEntry(
        path, kind, size, info.mode & 0o7777, info.uid, info.gid, info.uname, info.gname, link
    )


def walk_layer(
    raw: ChunkPipe,
    *,
    want: str | None = None,
    sink: Callable[[bytes], None] | None = None,
) -> Walk:
    """Every entry of the layer `raw` streams; with `want`, stop at that file and
    hand its content to `sink` in chunks. LayerFormatError when it is no tar."""
    stream, compression = _decompressed(raw)
    walk = Walk(compression=compression)
    try:
        with tarfile.open(  # type: ignore[call-overload]
            fileobj=stream,
            mode="r|",
            bufsize=_TAR_BUFFER,
            tarinfo=_BoundedTarInfo,
            encoding="utf-8",
            errors="replace",
        ) as tar:
            while True:
                info = tar.next()
                tar.members.clear()  # stream mode keeps every header otherwise
                if info is None:
                    break
                entry = _entry(info)
                if entry is None:
                    continue
                walk.entries.append(entry)
                if len(walk.entries) > MAX_ENTRIES:
                    raise LayerFormatError(
                        f"the layer has more than {MAX_ENTRIES:,} entries; stopped reading"
                    )
                if want is not None and entry.path == want and entry.kind == "file":
                    walk.found = entry
                    _copy(tar, info, sink)
                    return walk
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise LayerFormatError(f"not a valid tar ({exc})") from None
    except Exception as exc:
        if type(exc).__name__ == "ZstdError":  # zstandard is imported only for zstd layers
            raise LayerFormatError(f"not valid zstd ({exc})") from None
        raise
    return walk


def _copy(
    tar: tarfile.TarFile, info: tarfile.TarInfo, sink: Callable[[bytes], None] | None
) -> None:
    member: IO[bytes] | None = tar.extractfile(info)
    if member is None or sink is None:
        return
    while True:
        data = member.read(_CHUNK)
        if not data:
            return
        sink(data)
