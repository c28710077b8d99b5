"""The status bar: where you are, what is shown, how old it is, and what went wrong.

    local (http://localhost:5000) │ 1,204 repos │ /app │ ⠋ tags │ 3 min old, refreshing
    ✗ failed to connect to registry at http://localhost:5000: connection refused
      Is the registry running? …

The first line is always there; the error line appears after a failure and
stays until the next success or Esc. Both may quote a registry (a name, an
error message): every part is escaped as it is set.

When the shown registry states a rate limit, the state line ends with it:
`rate limit 76/100 (resets in 5h 12m)`, as a warning once it runs low.

The counts, filter and age are the focused pane's (`pane_facts`); the age
ticks once a second (`clock`), and a notice fades after `NOTICE_SECONDS`.
Engine errors carry CLI hints ("Run again with -vv", "--platform"): the bar
shows TUI hints naming keys instead (`tui_hint`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import urwid

from engine import (
    AuthenticationError,
    NetworkError,
    NotFoundError,
    RateLimit,
    RateLimitError,
    Remedy,
    RexError,
    ServerError,
)
from rex_tui.dashboard import rate_limit_text
from rex_tui.untrusted import visible

__all__ = [
    "NOTICE_SECONDS",
    "PaneFacts",
    "StatusBar",
    "StatusState",
    "describe_age",
    "rate_limit_part",
    "tui_hint",
]

NOTICE_SECONDS = 5.0
"""How long a notice stays on the state line."""

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
LOW_RATE_LIMIT = 0.1
"""A rate limit with this share of its requests left (or fewer) shows as a warning."""
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


_PLATFORM_HINT = ":platform NAME picks one (Tab lists them)."
_REMEDY_KEYS: dict[Remedy, str] = {
    Remedy.LOGIN: "{login} in the Registries pane (or :login) logs in.",
    Remedy.RAISE_TIMEOUT: "{refresh} retries; {toggle_log} shows the log.",
    Remedy.BYPASS_CACHE: "{hard_refresh} reloads from the registry.",
}
"""What a key can do about a remedy the engine names (before the kind's own)."""
_KEY_HINTS: tuple[tuple[type[RexError], str], ...] = (
    (RateLimitError, "{refresh} retries."),
    (NetworkError, "{refresh} retries; {toggle_log} shows the log."),
    (AuthenticationError, "{login} in the Registries pane (or :login) logs in."),
    (NotFoundError, "{hard_refresh} reloads from the registry."),
    (ServerError, "{refresh} retries; {toggle_log} shows the log."),
    (RexError, "{toggle_log} shows the log."),
)
"""What a key can do about each kind of failure (the first kind that matches)."""


def tui_hint(error: RexError, key_for: Callable[[str], str] = str) -> str:
    """`error`'s hint for the TUI: the engine's own (it names no flag), then the key for
    what the engine says can be done (`error.remedy`), worded as `key_for(action)`."""
    if error.remedy in (Remedy.PICK_PLATFORM, Remedy.DROP_PLATFORM):
        return _PLATFORM_HINT
    template = _REMEDY_KEYS.get(error.remedy) if error.remedy is not None else None
    if template is None:
        template = next(t for kind, t in _KEY_HINTS if isinstance(error, kind))
    names = ("refresh", "hard_refresh", "login", "toggle_log")
    keys = template.format(**{name: key_for(name) for name in names})
    if error.remedy is Remedy.SHOW_DEBUG_LOG and not error.specific:
        return keys  # the kind's default hint says what the key says
    hint = (error.hint or "").strip()
    if hint and hint[-1] not in ".?!":
        hint += "."
    return f"{hint} {keys}" if hint else keys


@dataclass(frozen=True, slots=True)
class PaneFacts:
    """What the focused pane says on the state line."""

    counts: str = ""
    filter: str = ""
    age: float | None = None
    """Seconds old the data was when it landed (None: unknown, or fresh)."""
    landed: float | None = None
    """time.monotonic() when it landed: the age ticks from there."""
    refreshing: bool = False


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
        self.pane_facts: Callable[[], PaneFacts | None] = lambda: None
        """The focused pane's counts, filter and age (set by the app); None: use `state`."""
        self.key_for: Callable[[str], str] = str
        """The key that runs an action, for hints (set by the app)."""
        self.rate_limit: Callable[[], RateLimit | None] = lambda: None
        """The shown registry's last stated rate limit (set by the app)."""
        self._notice_seen = ""
        self._notice_since = 0.0
        self._frame = 0
        self._line = urwid.Text("", wrap="clip")
        self._error = urwid.Text("", wrap="clip")
        self._pile = urwid.Pile([urwid.AttrMap(self._line, "status")])
        super().__init__(self._pile)

    def tick(self) -> None:
        """Advance the spinner (the app calls this from an alarm while busy)."""
        self._frame = (self._frame + 1) % len(SPINNER)
        self.update()

    def clock(self, now: float | None = None) -> None:
        """Called often (the app's timer): ages tick, and an old notice fades."""
        now = time.monotonic() if now is None else now
        if self.state.notice and now - self._notice_since >= NOTICE_SECONDS:
            self.state.notice = ""
        self.update(now)

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

    def update(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        s = self.state
        if s.notice != self._notice_seen:  # set here or straight on the state: fades from now
            self._notice_seen, self._notice_since = s.notice, now
        facts = self.pane_facts()
        counts, query, age, refreshing = s.counts, s.filter, s.age, s.refreshing
        if facts is not None:
            counts, query, refreshing = facts.counts, facts.filter, facts.refreshing
            age = facts.age
            if facts.landed is not None:
                age = (age or 0.0) + max(0.0, now - facts.landed)
        parts: list[str | tuple[str, str]] = []
        if s.registry:
            parts.append(s.registry)
        if counts:
            parts.append(counts)
        if query:
            parts.append(f"/{query}")
        if s.busy:
            label = f" {s.busy_label}" if s.busy_label else ""
            parts.append(("status.spinner", f"{SPINNER[self._frame]}{label}"))
        if age is not None or refreshing:
            style = "status.fresh" if (age or 0) < 5 and not refreshing else "status.stale"
            parts.append((style, describe_age(age, refreshing)))
        if s.pending_keys:
            parts.append(("status.key", s.pending_keys))
        if s.notice:
            parts.append(("status.warning", s.notice))
        parts.extend(s.extras)
        limit = self.rate_limit()
        if limit is not None:
            parts.append(rate_limit_part(limit, time.time()))
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
            text = tui_hint(error, self.key_for)
            hint = f"  {visible(text)}" if text else ""
            message = visible(str(error))
            self._error.set_text([("status.error", f"✗ {message}"), ("status.hint", hint)])
        if len(self._pile.contents) != wanted:
            items = [urwid.AttrMap(self._line, "status")]
            if error is not None:
                items.append(urwid.AttrMap(self._error, "status"))
            self._pile.contents = [(w, self._pile.options("pack")) for w in items]


def rate_limit_part(limit: RateLimit, now: float) -> str | tuple[str, str]:
    """'rate limit 76/100 (resets in 5h 12m)': a warning when exhausted or running low."""
    text = f"rate limit {rate_limit_text(limit, now)}"
    low = limit.exhausted(now) or (
        limit.remaining is not None
        and limit.limit is not None
        and limit.remaining <= limit.limit * LOW_RATE_LIMIT
    )
    return ("status.warning", text) if low else text
