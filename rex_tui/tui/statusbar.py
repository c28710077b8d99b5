"""The status bar: where you are, what is shown, how old it is, and what went wrong.

    local (http://localhost:5000) │ 1,204 repos │ /app │ ⠋ tags │ 3 min old, refreshing
    ✗ failed to connect to registry at http://localhost:5000: connection refused
      Is the registry running? …

The first line is always there; the error line appears after a failure and
stays until the next success or Esc. Both may quote a registry (a name, an
error message): every part is escaped as it is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import urwid

from engine import RexError
from rex_tui.untrusted import visible

__all__ = ["StatusBar", "StatusState", "describe_age"]

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_SEP = " │ "


def describe_age(age: float | None, refreshing: bool) -> str:
    """'fresh', '40 s old', '3 min old, refreshing', '2 h old'."""
    if age is None or age < 5:
        text = "fresh"
    elif age < 60:
        text = f"{int(age)} s old"
    elif age < 3600:
        text = f"{int(age // 60)} min old"
    elif age < 86400:
        text = f"{int(age // 3600)} h old"
    else:
        text = f"{int(age // 86400)} d old"
    return f"{text}, refreshing" if refreshing else text


@dataclass(slots=True)
class StatusState:
    """Everything the bar shows; the app mutates it and calls `StatusBar.update()`."""

    registry: str = ""
    counts: str = ""
    filter: str = ""
    busy: int = 0
    busy_label: str = ""
    age: float | None = None
    refreshing: bool = False
    pending_keys: str = ""
    error: RexError | None = None
    notice: str = ""
    extras: list[str] = field(default_factory=list)


class StatusBar(urwid.WidgetWrap[urwid.Pile]):
    """Two lines at most: the state line, and the last error with its hint."""

    def __init__(self) -> None:
        self.state = StatusState()
        self._frame = 0
        self._line = urwid.Text("", wrap="clip")
        self._error = urwid.Text("", wrap="clip")
        self._pile = urwid.Pile([urwid.AttrMap(self._line, "status")])
        super().__init__(self._pile)

    def tick(self) -> None:
        """Advance the spinner (the app calls this from an alarm while busy)."""
        self._frame = (self._frame + 1) % len(SPINNER)
        self.update()

    def show_age(self, age: float | None, refreshing: bool) -> None:
        """Fresh data landed (or cached data with its age): the last error is over."""
        self.state.age = age
        self.state.refreshing = refreshing
        self.state.error = None
        self.update()

    def say(self, notice: str) -> None:
        """A one-line message on the state line until the next action."""
        self.state.notice = notice
        self.update()

    def update(self) -> None:
        s = self.state
        parts: list[str | tuple[str, str]] = []
        if s.registry:
            parts.append(s.registry)
        if s.counts:
            parts.append(s.counts)
        if s.filter:
            parts.append(f"/{s.filter}")
        if s.busy:
            label = f" {s.busy_label}" if s.busy_label else ""
            parts.append(("status.spinner", f"{SPINNER[self._frame]}{label}"))
        if s.age is not None or s.refreshing:
            style = "status.fresh" if (s.age or 0) < 5 and not s.refreshing else "status.stale"
            parts.append((style, describe_age(s.age, s.refreshing)))
        if s.pending_keys:
            parts.append(("status.key", s.pending_keys))
        if s.notice:
            parts.append(("status.warning", s.notice))
        parts.extend(s.extras)
        markup: list[str | tuple[str, str]] = []
        for i, part in enumerate(parts):
            if i:
                markup.append(_SEP)
            markup.append(visible(part) if isinstance(part, str) else (part[0], visible(part[1])))
        self._line.set_text(markup or " ")
        self._show_error(s.error)

    def _show_error(self, error: RexError | None) -> None:
        wanted = 2 if error is not None else 1
        if error is not None:
            hint = f"  {visible(error.hint)}" if error.hint else ""
            message = visible(str(error))
            self._error.set_text([("status.error", f"✗ {message}"), ("status.hint", hint)])
        if len(self._pile.contents) != wanted:
            items = [urwid.AttrMap(self._line, "status")]
            if error is not None:
                items.append(urwid.AttrMap(self._error, "status"))
            self._pile.contents = [(w, self._pile.options("pack")) for w in items]
