"""Replacing a small file so that a crash leaves either the old or the new one."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

__all__ = ["replace_file"]


def replace_file(path: Path, data: bytes, *, new_mode: int = 0o600) -> None:
    """Write `data` to a temp file beside `path`, fsync it, and rename it over `path`.

    A symlink is followed, so dotfile managers keep their link; an existing file
    keeps its mode, a new one gets `new_mode`. Raises OSError; nothing is left behind.
    """
    target = path.resolve() if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = new_mode
    import tempfile  # config writes only: not on every command's start-up path

    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
