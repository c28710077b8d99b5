"""The footer: key hints for the focused context, as lazygit shows them.

    enter open │ / filter │ s sort │ : command │ ? help │ q quit

The keys come from the active keymap (so a user's own keymap is what is
shown), the words from a short list per context, most useful first; what does
not fit the width is left out from the end, never cut mid-hint.
"""

from __future__ import annotations

from collections.abc import Sequence

import urwid

from rex_tui.keymap import Keymap

__all__ = ["HINTS", "Footer", "hints"]

_LIST = (
    ("open", "open"),
    ("filter", "filter"),
    ("sort_cycle", "sort"),
    ("refresh", "refresh"),
    ("focus_next", "next pane"),
    ("command_line", "command"),
    ("help", "help"),
    ("quit", "quit"),
)

HINTS: dict[str, Sequence[tuple[str, str]]] = {
    "welcome": (  # keys as in the registries pane
        ("add_registry", "add a registry"),
        ("open", "browse the default"),
        ("help", "help"),
        ("quit", "quit"),
    ),
    "registries": (
        ("open", "browse"),
        ("add_registry", "add"),
        ("login", "login"),
        ("logout", "logout"),
        ("remove_registry", "remove"),
        ("focus_next", "next pane"),
        ("help", "help"),
        ("quit", "quit"),
    ),
    "repositories": _LIST,
    "tags": (*_LIST[:3], ("copy_reference", "copy"), *_LIST[3:]),
    "details": (
        ("next_section", "next section"),
        ("toggle_raw", "raw"),
        ("open", "open"),
        ("filter", "search"),
        ("filter_next", "next match"),
        ("back", "back"),
        ("help", "help"),
        ("quit", "quit"),
    ),
    "log": (
        ("move_down", "scroll"),
        ("bottom", "newest"),
        ("focus_next", "next pane"),
        ("toggle_log", "hide log"),
        ("help", "help"),
    ),
    "help": (("move_down", "scroll"), ("page_down", "page"), ("back", "close")),
    "filter": (
        ("filter_accept", "keep"),
        ("filter_clear", "clear"),
        ("history_prev", "history"),
    ),
    "command": (
        ("command_submit", "run"),
        ("command_complete", "complete"),
        ("history_prev", "history"),
        ("cancel", "cancel"),
    ),
    "dialog": (("confirm", "OK"), ("cancel", "cancel"), ("focus_next", "next field")),
}

_EDITING = "^A/^E start/end  ^W/^U delete"
_KEYS_FROM = {"welcome": "registries"}
"""Views that are not keymap contexts, and the context whose keys they take."""


def hints(keymap: Keymap, context: str) -> list[tuple[str, str]]:
    """(key, what it does) for `context`, in order, skipping actions with no key here."""
    found: list[tuple[str, str]] = []
    for action, words in HINTS.get(context, ()):
        try:
            keys = keymap.keys_for(action, _KEYS_FROM.get(context, context))
        except ValueError:
            continue
        if keys:
            found.append((keys[0], words))
    return found


class Footer(urwid.WidgetWrap[urwid.AttrMap[urwid.Text]]):
    """One line of hints; `show(context)` switches them to another context."""

    def __init__(self, keymap: Keymap) -> None:
        self.keymap = keymap
        self.context = ""
        self._text = urwid.Text("", wrap="clip")
        super().__init__(urwid.AttrMap(self._text, "muted"))

    def show(self, context: str, extra: Sequence[tuple[str, str]] = ()) -> None:
        if context == self.context and not extra:
            return
        self.context = context
        self._pairs = [*extra, *hints(self.keymap, context)]
        self._invalidate()

    def render(self, size: tuple[int], focus: bool = False) -> urwid.Canvas:  # type: ignore[override]
        self._text.set_text(self._markup(size[0]))
        return super().render(size, focus)

    def _markup(self, width: int) -> list[str | tuple[str, str]]:
        markup: list[str | tuple[str, str]] = []
        used = 0
        pairs = list(getattr(self, "_pairs", []))
        tail = [] if self.context not in ("filter", "command") else [("", _EDITING)]
        for key, words in [*pairs, *tail]:
            piece = len(key) + len(words) + (1 if key else 0) + (3 if markup else 0)
            if used + piece > width:
                break
            if markup:
                markup.append(" │ ")
            if key:
                markup += [("status.key", key), " "]
            markup.append(words)
            used += piece
        return markup or [" "]
