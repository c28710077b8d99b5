"""Transfers started from the TUI (pull, copy), their progress, and the jobs panel.

A `Job` is the engine's `TransferWatcher` for one transfer: it counts bytes as
they move. `Jobs` starts each in its own worker slot (so it can be cancelled
alone) and tells the app when something changed; `JobsView` is the overlay that
lists them, refreshed at most a few times a second.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import urwid

from engine import human_size
from rex_tui.keymap import Keymap
from rex_tui.tui.views import ScrollView
from rex_tui.untrusted import visible

if TYPE_CHECKING:
    from engine import Descriptor, RexError, TransferOutcome, TransferResult, TransferWatcher
    from rex_tui.tui.workers import Workers

__all__ = ["Job", "Jobs", "JobsView"]

_REDRAW_EVERY = 0.2
"""Seconds between progress redraws: live enough, and cheap with thousands of chunks."""


@dataclass(eq=False)
class Job:
    """One transfer: what it is, how far it got, and how it ended."""

    number: int
    title: str
    on_change: Callable[[Job], None]
    state: str = "running"
    """running, done, failed or cancelled."""
    message: str = ""
    total: int = 0
    sizes: dict[str, int] = field(default_factory=dict)
    moved: dict[str, int] = field(default_factory=dict)

    @property
    def done_bytes(self) -> int:
        return sum(self.moved.values())

    def line(self) -> str:
        """`#2 pull app:1 -> ./app-1  45%  12.0 MiB / 26.0 MiB  running`."""
        share = f"{100 * self.done_bytes // self.total:3d}%" if self.total else "   -"
        amount = f"{human_size(self.done_bytes)} / {human_size(self.total)}"
        tail = f"{self.state}: {self.message}" if self.message else self.state
        return f"#{self.number} {visible(self.title)}  {share}  {amount}  {visible(tail)}"

    # -- TransferWatcher ---------------------------------------------------------

    def planned(self, blobs: Sequence[Descriptor]) -> None:
        self.sizes = {blob.digest: blob.size for blob in blobs}
        self.total = sum(self.sizes.values())
        self.on_change(self)

    def advanced(self, digest: str, done: int) -> None:
        self.moved[digest] = done
        self.on_change(self)

    def finished(self, digest: str, outcome: TransferOutcome) -> None:
        self.moved[digest] = self.sizes.get(digest, self.moved.get(digest, 0))
        self.on_change(self)


class Jobs:
    """Every transfer of this session; each runs in worker slot `job-N`."""

    def __init__(self, workers: Workers, on_change: Callable[[], None]) -> None:
        self.workers = workers
        self.on_change = on_change
        self.jobs: list[Job] = []
        self._last_redraw = 0.0

    def start(
        self,
        title: str,
        work: Callable[[TransferWatcher], Awaitable[TransferResult]],
        on_done: Callable[[Job, str], None],
    ) -> Job:
        job = Job(len(self.jobs) + 1, title, self._changed)
        self.jobs.append(job)

        def finished(result: TransferResult) -> None:
            job.state = "done"
            job.moved = dict(job.sizes)
            counts = (
                ("fetched", result.fetched),
                ("present", result.present),
                ("mounted", result.mounted),
            )
            job.message = ", ".join(f"{n} {what}" for what, n in counts if n) or "nothing to move"
            self._changed(job, force=True)
            on_done(job, "done")

        def failed(error: RexError) -> None:
            job.state, job.message = "failed", str(error)
            self._changed(job, force=True)
            on_done(job, "failed")

        self.workers.run(f"job-{job.number}", lambda: work(job), finished, on_error=failed)
        self._changed(job, force=True)
        return job

    def cancel(self, job: Job) -> bool:
        """Stop a running job (its half-written blobs are removed); False if it is not running."""
        if job.state != "running":
            return False
        self.workers.cancel(f"job-{job.number}")
        job.state = "cancelled"
        self._changed(job, force=True)
        return True

    @property
    def running(self) -> int:
        return sum(1 for job in self.jobs if job.state == "running")

    def _changed(self, job: Job, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_redraw >= _REDRAW_EVERY:
            self._last_redraw = now
            self.on_change()


class JobsView(ScrollView):
    """The jobs panel: one line per transfer; `cancel_job` stops the selected one."""

    def __init__(self, keymap: Keymap, jobs: Jobs, close: Callable[[], object]) -> None:
        super().__init__(keymap, "Transfers", [], close)
        self.jobs = jobs
        self.refresh()

    def refresh(self) -> None:
        focus = self.listbox.focus_position if len(self.walker) else 0
        rows: list[urwid.Widget] = [
            urwid.AttrMap(urwid.SelectableIcon(job.line(), 0), None, "help.key")
            for job in self.jobs.jobs
        ] or [urwid.Text("No transfers yet: P pulls the selected tag, T copies it.")]
        self.walker[:] = rows
        if self.jobs.jobs:
            self.listbox.set_focus(min(focus, len(rows) - 1))

    def handle(self, key: str) -> list[str]:
        if self.keymap.lookup(self.context, key) == "cancel_job":
            if self.jobs.jobs:
                self.jobs.cancel(self.jobs.jobs[self.listbox.focus_position])
            return []
        return super().handle(key)


def default_directory(repository: str, tag: str) -> str:
    """Where a pull goes unless told: ./REPO-TAG, with the repository's slashes as dashes."""
    return f"./{repository.replace('/', '-')}-{tag}"
