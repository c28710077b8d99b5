"""Background work for the UI: one trio task per slot, a newer request cancels the older.

Every engine call the UI makes runs here, inside the app's nursery, so the
event loop never waits on the network. A slot is a pane's need ("tags",
"details"): asking again for a slot cancels what it was doing, because the
user has moved on. Results and failures come back as callbacks on the same
trio thread as urwid, so they may touch widgets directly. A failure goes to
the run's own `on_error` when it has one (its pane decides whether the
subject it was for is still shown), else to the app's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import trio

from engine import RexError, primary

__all__ = ["Workers"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Workers:
    """Runs UI work in slots; tracks how many are busy for the spinner."""

    def __init__(
        self,
        nursery: trio.Nursery,
        *,
        on_error: Callable[[str, RexError], None],
        on_busy: Callable[[int], None] | None = None,
    ) -> None:
        self._nursery = nursery
        self._on_error = on_error
        self._on_busy = on_busy
        self._scopes: dict[str, trio.CancelScope] = {}
        self._busy = 0

    @property
    def busy(self) -> int:
        return self._busy

    @property
    def nursery(self) -> trio.Nursery:
        """Where the workers run (a filter's computation runs there too)."""
        return self._nursery

    def run(
        self,
        slot: str,
        work: Callable[[], Awaitable[T]],
        on_result: Callable[[T], None],
        *,
        delay: float = 0.0,
        on_error: Callable[[RexError], None] | None = None,
    ) -> None:
        """Start `work` in `slot` after `delay` s, cancelling the slot's previous work.

        A slot waiting out its delay is not busy: the spinner shows work, not waits.
        """
        self.cancel(slot)
        scope = trio.CancelScope()
        self._scopes[slot] = scope
        fail = on_error or (lambda error: self._on_error(slot, error))
        self._nursery.start_soon(self._run, slot, scope, work, on_result, delay, fail)

    def cancel(self, slot: str) -> None:
        scope = self._scopes.pop(slot, None)
        if scope is not None:
            scope.cancel()

    def cancel_all(self) -> None:
        for slot in list(self._scopes):
            self.cancel(slot)

    def _set_busy(self, delta: int) -> None:
        self._busy += delta
        if self._on_busy is not None:
            self._on_busy(self._busy)

    def _fail(self, slot: str, exc: Exception, fail: Callable[[RexError], None]) -> None:
        """One readable message for `exc`: the engine error inside a group, else a bug's."""
        leaf = primary(exc, RexError)
        if isinstance(leaf, RexError):
            logger.warning("%s: %s", slot, leaf)
            error = leaf
        else:
            logger.error("unexpected failure in %s", slot, exc_info=leaf)
            error = RexError(f"internal error: {type(leaf).__name__}: {leaf}")
        try:
            fail(error)
        except Exception:  # showing the failure failed: the log has it, the UI lives on
            logger.exception("showing the failure of %s failed", slot)

    async def _run(
        self,
        slot: str,
        scope: trio.CancelScope,
        work: Callable[[], Awaitable[T]],
        on_result: Callable[[T], None],
        delay: float,
        fail: Callable[[RexError], None],
    ) -> None:
        try:
            with scope:
                if delay:
                    await trio.sleep(delay)
                self._set_busy(+1)
                try:
                    result = await work()
                except Exception as exc:  # a group of failures, or a bug, must not end the UI
                    if not scope.cancel_called:
                        self._fail(slot, exc, fail)
                    return
                finally:
                    self._set_busy(-1)
                if not scope.cancel_called:
                    try:
                        on_result(result)
                    except Exception as exc:
                        self._fail(slot, exc, fail)
        finally:
            if self._scopes.get(slot) is scope:
                del self._scopes[slot]
