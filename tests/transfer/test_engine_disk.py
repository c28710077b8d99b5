"""A full disk during a pull, simulated at the OS boundary (the file's write), in process."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path
from typing import Any

import pytest

from engine import RexError
from tests.engine.helpers import make_rex
from tests.support.seed import SeededRegistry

_real_open = Path.open


class _FullDisk:
    """A file whose device fills up after `room` bytes."""

    def __init__(self, handle: Any, room: list[int]) -> None:
        self._handle = handle
        self._room = room

    def write(self, data: bytes) -> int:
        if len(data) > self._room[0]:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room[0] -= len(data)
        return int(self._handle.write(data))

    def writelines(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.write(chunk)

    def close(self) -> None:
        self._handle.close()


async def test_no_space_left_is_one_error_and_keeps_verified_blobs(
    registry: SeededRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = registry.image("oci/single:1.0")
    smallest = min(blob.size for blob in built.blobs)
    room = [smallest]  # the first (smallest) blob fits, nothing more

    def open_on_small_disk(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = _real_open(self, mode, *args, **kwargs)
        return _FullDisk(handle, room) if "w" in mode and self.name.endswith(".partial") else handle

    monkeypatch.setattr(Path, "open", open_on_small_disk)
    out = tmp_path / "out"
    async with make_rex(registry.url) as rex:
        with pytest.raises(RexError) as caught:
            await rex.pull("oci/single:1.0", out, jobs=1)
    error = caught.value
    assert str(error).startswith(f"cannot write to {out / 'blobs' / 'sha256'}: No space left")
    assert "Free some space" in error.hint
    kept = list((out / "blobs" / "sha256").iterdir())
    assert all(not p.name.startswith(".") for p in kept), kept
    for path in kept:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
    assert not (out / "index.json").exists()
