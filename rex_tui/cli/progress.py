"""A one-line progress counter on stderr, shown only to a person watching a terminal."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TextIO

from rex_tui.untrusted import visible

__all__ = ["Progress"]

_INTERVAL = 0.05
"""Seconds between redraws: fast enough to look live, cheap with thousands of updates."""


class Progress:
    """`progress(done, total)` callbacks drawn as "label 12/50" and erased when finished.

    Disabled (every call a no-op) unless stderr is a terminal and --quiet is off,
    so pipes, logs and scripts never receive carriage returns.
    """

    def __init__(self, stream: TextIO, *, enabled: bool, label: str = "") -> None:
        self._stream = stream
        self.enabled = enabled
        self._label = visible(label)  # it may name an image
        self._drawn = False
        self._last = 0.0

    def labelled(self, label: str) -> Progress:
        return Progress(self._stream, enabled=self.enabled, label=label)

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < _INTERVAL:
            return
        self._last = now
        self._stream.write(f"\r\x1b[K{self._label} {done}/{total}")
        self._stream.flush()
        self._drawn = True

    def clear(self) -> None:
        if self._drawn:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.clear()
