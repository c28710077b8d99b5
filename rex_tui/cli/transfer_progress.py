"""Bars on stderr for a pull or copy: one per blob in flight, and the total."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from rex_tui.untrusted import visible

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from engine import Descriptor, TransferOutcome

__all__ = ["TransferBars"]


class TransferBars:
    """A `TransferWatcher` drawn with rich; does nothing when `enabled` is False.

    Bars are erased when the transfer ends, so the summary line is all that stays.
    """

    def __init__(self, stream: TextIO, *, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self._stream = stream
        self._label = visible(label)
        self._progress: Progress | None = None
        self._total: TaskID | None = None
        self._tasks: dict[str, TaskID] = {}
        self._sizes: dict[str, int] = {}
        self._done: dict[str, int] = {}

    def __enter__(self) -> TransferBars:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TransferSpeedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(binary_units=True),
                TransferSpeedColumn(),
                console=Console(file=self._stream),
                transient=True,
            )
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    # -- TransferWatcher -------------------------------------------------------

    def planned(self, blobs: Sequence[Descriptor]) -> None:
        self._sizes = {blob.digest: blob.size for blob in blobs}
        if self._progress is not None:
            self._total = self._progress.add_task(
                f"{self._label} total", total=sum(self._sizes.values())
            )

    def advanced(self, digest: str, done: int) -> None:
        self._done[digest] = done
        if self._progress is None:
            return
        task = self._tasks.get(digest)
        if task is None:
            # Digests are validated hex, but they came from a registry: escaped all the same.
            task = self._progress.add_task(
                visible(digest.partition(":")[2][:12]), total=self._sizes.get(digest)
            )
            self._tasks[digest] = task
        self._progress.update(task, completed=done)
        self._update_total()

    def finished(self, digest: str, outcome: TransferOutcome) -> None:
        self._done[digest] = self._sizes.get(digest, self._done.get(digest, 0))
        if self._progress is None:
            return
        task = self._tasks.pop(digest, None)
        if task is not None:
            self._progress.remove_task(task)
        self._update_total()

    def _update_total(self) -> None:
        if self._progress is not None and self._total is not None:
            self._progress.update(self._total, completed=sum(self._done.values()))
