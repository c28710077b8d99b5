"""Key names as urwid spells them, checked without importing urwid.

One printable character (or `space`), or a named key (`page down`, `f5`), after
modifiers in urwid's order: `shift meta ctrl super hyper`. Common mistakes
(`Enter`, `ctrl-d`, `alt x`, `pgdn`) get a suggestion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence

__all__ = [
    "MODIFIERS",
    "NAMED_KEYS",
    "SCROLL_KEYS",
    "KeyNameError",
    "format_keys",
    "key_label",
    "parse_key",
]


MODIFIERS = ("shift", "meta", "ctrl", "super", "hyper")
"""In the order urwid writes them: Shift+Ctrl+Up arrives as "shift ctrl up"."""

NAMED_KEYS = frozenset(
    {
        "up",
        "down",
        "left",
        "right",
        "home",
        "end",
        "page up",
        "page down",
        "insert",
        "delete",
        "enter",
        "esc",
        "tab",
        "backspace",
        "menu",
        "pause",
        "print screen",
        "caps lock",
        "scroll lock",
        "num lock",
        *(f"f{n}" for n in range(1, 36)),
    }
)

_SPACE_WORD = "space"
"""The space bar: urwid calls it " ", which is easy to miss in a file."""

_NAME_HINTS = {
    "escape": "esc",
    "return": "enter",
    "cr": "enter",
    "bs": "backspace",
    "del": "delete",
    "ins": "insert",
    "pgup": "page up",
    "pageup": "page up",
    "page_up": "page up",
    "pgdn": "page down",
    "pagedown": "page down",
    "page_down": "page down",
    "spacebar": "space",
    "alt": "meta",
    "control": "ctrl",
}


class KeyNameError(ValueError):
    """A key name urwid would never deliver."""


def parse_key(text: str) -> str:
    """Return the urwid key name `text` stands for ("space" -> " "), or raise KeyNameError."""
    return _parse_key(text, hints=True)


def _parse_key(text: str, *, hints: bool) -> str:
    if not text:
        raise KeyNameError("an empty key name")
    if text == " ":
        return " "
    if len(text) == 1:
        if text.isprintable():
            return text
        raise KeyNameError(f"{text!r} is not a printable character: use the key's name")
    words = text.split(" ")
    if "" in words:
        raise KeyNameError(f"{text!r}: separate modifiers and key with one space")
    mods: list[str] = []
    while len(words) > 1 and words[0] in MODIFIERS:
        mods.append(words.pop(0))
    base = " ".join(words)
    if base == _SPACE_WORD:
        base = " "
    elif base not in NAMED_KEYS and not (len(base) == 1 and base.isprintable()):
        if len(words) > 1 and all(_is_key(w) for w in text.split(" ")):
            listed = ", ".join(f'"{w}"' for w in text.split(" "))
            raise KeyNameError(f"{text!r} is not one key: write a sequence as keys = [{listed}]")
        hint = _guess(text, base) if hints else ""
        if base in MODIFIERS:
            raise KeyNameError(f"{text!r} is only a modifier: add the key, as in '{base} d'")
        raise KeyNameError(f"unknown key name {text!r}{hint}")
    if len(set(mods)) != len(mods):
        raise KeyNameError(f"{text!r} repeats a modifier")
    ordered = sorted(mods, key=MODIFIERS.index)
    if mods != ordered:
        want = " ".join([*ordered, key_label(base)])
        raise KeyNameError(f"{text!r}: urwid writes modifiers in this order: {want!r}")
    if len(base) == 1:
        if "shift" in mods:
            typed = repr(base.upper()) if base.upper() != base else "the character it types"
            raise KeyNameError(f"{text!r}: a shifted character is named by itself: use {typed}")
        if "ctrl" in mods and base != base.lower():
            raise KeyNameError(f"{text!r}: Ctrl+letter is lower case: use 'ctrl {base.lower()}'")
    return " ".join([*mods, base])


def _is_key(text: str) -> bool:
    try:
        _parse_key(text, hints=False)
    except KeyNameError:
        return False
    return True


def _guess(text: str, base: str) -> str:
    """A ': did you mean ...?' for a misspelt key name, or ""."""
    words = [_NAME_HINTS.get(w, w) for w in re.split(r"[ +-]", text.lower()) if w]
    candidates = [" ".join(words), _NAME_HINTS.get(base.lower(), base.lower())]
    candidates += difflib.get_close_matches(base.lower(), sorted(NAMED_KEYS), n=1)
    for guess in candidates:
        if _is_key(guess) and (label := key_label(_parse_key(guess, hints=False))) != text:
            return f": did you mean {label!r}?"
    return ""


SCROLL_KEYS: Mapping[str, str] = {
    "move_down": "down",
    "move_up": "up",
    "page_down": "page down",
    "page_up": "page up",
    "half_page_down": "page down",
    "half_page_up": "page up",
}
"""The urwid key a scrolling action sends to a list box (which scrolls by its own keys)."""


def key_label(key: str) -> str:
    """How a key is written in files and shown to people ("space" for the space bar)."""
    if key == " ":
        return _SPACE_WORD
    if key.endswith("  "):
        return key[:-1] + _SPACE_WORD
    return key


def format_keys(keys: Sequence[str]) -> str:
    """Display text of a key or sequence: "g g", "ctrl d"; "ctrl w, l" when a key has spaces."""
    labels = [key_label(k) for k in keys]
    return (", " if any(" " in label for label in labels) else " ").join(labels)
