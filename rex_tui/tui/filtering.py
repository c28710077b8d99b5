"""Typing in a filter box over 100,000 names without ever blocking a keystroke.

The edit widget echoes each character at once (urwid does that synchronously);
the filtering itself runs in a worker thread, and a newer keystroke cancels
the older computation: it stops before ranking, and only the latest query's
result is shown.

urwid redraws when trio is about to wait for I/O, which is after every task
that is ready has run: with background fetches in flight that can be a long
while after the result arrived. `redraw`, when given, draws the result at once.

A query that does not parse yet (`^team-[` on the way to `^team-[1]`) is
normal while typing: the list stays as it was and `on_invalid` gets the
reason, once per change (None when the query parses again).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import trio

from engine import ValidationError
from rex_tui.tui.rows import RowTable

__all__ = ["FilterRunner"]


class FilterRunner:
    """Recomputes one table's filter off the UI path; the newest query wins."""

    def __init__(
        self,
        nursery: trio.Nursery,
        table: RowTable,
        on_shown: Callable[[], None],
        *,
        redraw: Callable[[], None] | None = None,
        on_invalid: Callable[[str | None], None] | None = None,
    ) -> None:
        self._nursery = nursery
        self._on_invalid = on_invalid
        self.invalid: str | None = None
        """Why the latest query does not parse, or None."""
        self._table = table
        self._on_shown = on_shown
        self._redraw = redraw
        self._scope: trio.CancelScope | None = None
        self.latest = table.query

    def request(self, query: str) -> None:
        """Filter by `query` soon; a later request supersedes this one."""
        self.latest = query
        if self._scope is not None:
            self._scope.cancel()
        scope = self._scope = trio.CancelScope()
        self._nursery.start_soon(self._run, query, scope)

    def _superseded(self, query: str) -> bool:
        """Whether a newer query was requested (asked from the worker thread)."""
        return query != self.latest

    async def _run(self, query: str, scope: trio.CancelScope) -> None:
        with scope:
            # abandon_on_cancel: a superseded computation stops once its survivors are
            # found (the next query narrows from them), and nothing of it is shown.
            try:
                result = await trio.to_thread.run_sync(
                    self._table.compute,
                    query,
                    None,
                    partial(self._superseded, query),
                    abandon_on_cancel=True,
                )
            except ValidationError as exc:
                if query == self.latest:
                    self._set_invalid(exc.message)
                    if self._redraw is not None:
                        self._redraw()
                return
            if query == self.latest:
                self._set_invalid(None)
                self._table.show(query, result)
                self._on_shown()
                if self._redraw is not None:
                    self._redraw()

    def _set_invalid(self, reason: str | None) -> None:
        if reason != self.invalid:
            self.invalid = reason
            if self._on_invalid is not None:
                self._on_invalid(reason)
