"""Another process holding a cache's writer lock (ROOT/.lock), as a second rex would.

    with LockHolder(cache_root):
        ...  # every write of this process finds the lock busy

The holder is a small Python process that takes the flock, says "held" and waits
on its stdin; closing stdin lets it go. Standard library only, like the rest of
engine.testing: it is the outside world the cache is checked against.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import TracebackType

__all__ = ["LockHolder"]

_HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


class LockHolder:
    """A process holding `root`/.lock from `__enter__` (once it says so) to `__exit__`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> LockHolder:
        self.root.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(self.root / ".lock")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._process = process
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if line != "held":
            self.release()
            raise RuntimeError(f"the lock holder did not take {self.root / '.lock'}")
        return self

    def release(self) -> None:
        """Let the lock go and wait for the holder to end."""
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
