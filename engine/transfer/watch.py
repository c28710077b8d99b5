"""How a transfer reports its progress: per blob (bytes done of its size) and what became of it."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from engine.oci.manifests import Descriptor

__all__ = ["Outcome", "TransferWatcher", "quiet"]


class Outcome(StrEnum):
    """What happened to one blob."""

    FETCHED = "fetched"
    """Downloaded and verified (pull), or streamed across (copy)."""
    PRESENT = "present"
    """The destination had it already (verified on disk, or a HEAD said so)."""
    MOUNTED = "mounted"
    """Mounted from the source repository on the same registry: no bytes moved."""


class TransferWatcher(Protocol):
    """Callbacks from a pull or copy; called on the trio thread, so they must not block."""

    def planned(self, blobs: Sequence[Descriptor]) -> None:
        """Every blob the transfer will see to, before the first starts."""

    def advanced(self, digest: str, done: int) -> None:
        """`done` bytes of `digest` have moved so far."""

    def finished(self, digest: str, outcome: Outcome) -> None:
        """`digest` is at the destination."""


class _Quiet:
    """Hears everything and shows nothing (no CLI bar, no TUI job)."""

    def planned(self, blobs: Sequence[Descriptor]) -> None:
        return None

    def advanced(self, digest: str, done: int) -> None:
        return None

    def finished(self, digest: str, outcome: Outcome) -> None:
        return None


quiet: TransferWatcher = _Quiet()
"""A watcher that ignores everything."""
