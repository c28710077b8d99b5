"""The view stack: overlays and input modes pushed over the panes, each with its own keys.

Like mitmproxy's console `WindowStack`: the panes are the bottom of the stack
and never leave it; help, dialogs, the welcome screen, a referrer's content and
the `/` and `:` input lines are views pushed on top. Keys go to the top view,
which looks them up in its own keymap context; Esc (or its `back`) pops it. So
"what is on screen" and "where do keys go" are one fact, not a set of flags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

import urwid

from rex_tui.keymap import Keymap
from rex_tui.keynames import SCROLL_KEYS

__all__ = ["ScrollView", "View", "ViewStack"]

Placement = Literal["overlay", "line"]


class View:
    """One entry of the stack. `handle` gets each key and returns keys for urwid, if any."""

    context = "global"
    placement: Placement = "overlay"
    modal = True
    """Mouse events do not reach the panes under it."""
    width: Any = ("relative", 80)
    height: Any = ("relative", 80)
    widget: urwid.Widget

    def handle(self, key: str) -> list[str]:
        return []

    def closed(self) -> None:
        """Popped off the stack (Esc, or the app closed it)."""


class ScrollView(View):
    """A titled, scrolling box of text lines (help, welcome, a referrer's content)."""

    context = "help"

    def __init__(
        self,
        keymap: Keymap,
        title: str,
        rows: list[urwid.Widget],
        close: Callable[[], object],
        *,
        style: str = "help",
    ) -> None:
        self.keymap = keymap
        self.close = close
        self.walker: urwid.SimpleFocusListWalker[Any] = urwid.SimpleFocusListWalker(rows)
        self.listbox = urwid.ListBox(self.walker)
        self.box = urwid.LineBox(self.listbox, title=title)
        self.widget = urwid.AttrMap(self.box, style)
        self.size = (80, 24)

    def set_rows(self, rows: list[urwid.Widget]) -> None:
        self.walker[:] = rows
        if rows:
            self.walker.set_focus(0)

    def handle(self, key: str) -> list[str]:
        action = self.keymap.lookup(self.context, key)
        if key == "esc" or action in ("back", "help", "quit", "cancel"):
            self.close()
            return []
        return self.scroll(action)

    def scroll(self, action: str | None) -> list[str]:
        """Move the view the way `action` says; the list box scrolls by its own keys."""
        if action in ("top", "bottom") and len(self.walker):
            self.listbox.set_focus(0 if action == "top" else len(self.walker) - 1)
        elif action is not None and action in SCROLL_KEYS:
            rows = max(1, self.size[1] - 2)
            self.listbox.keypress((self.size[0], rows), SCROLL_KEYS[action])
        return []


class ViewStack:
    """The views over the panes, bottom first; `changed` runs after every push and pop."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self._views: list[View] = []
        self._changed = changed

    def __iter__(self) -> Iterator[View]:
        return iter(list(self._views))

    def __len__(self) -> int:
        return len(self._views)

    @property
    def top(self) -> View | None:
        return self._views[-1] if self._views else None

    def find(self, kind: type[View]) -> View | None:
        """The topmost view of this kind, if one is open."""
        return next((v for v in reversed(self._views) if isinstance(v, kind)), None)

    def push(self, view: View) -> None:
        self._views.append(view)
        self._changed()

    def pop(self) -> View | None:
        """Close the top view."""
        return self.remove(self._views[-1]) if self._views else None

    def remove(self, view: View) -> View | None:
        """Close `view` (and nothing else), wherever it is in the stack."""
        if view not in self._views:
            return None
        self._views.remove(view)
        view.closed()
        self._changed()
        return view

    @property
    def modal(self) -> bool:
        return any(v.modal for v in self._views)
