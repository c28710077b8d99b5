"""ANSI styles, applied only when colour is on, so a pipe never sees an escape code."""

from __future__ import annotations

import os
from typing import TextIO

__all__ = ["Palette", "color_wanted"]

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def color_wanted(when: str, stream: TextIO) -> bool:
    """Whether to colour `stream` for --color WHEN (always / never / auto)."""
    if when == "always":
        return True
    if when == "never":
        return False
    # auto: a terminal that can show colour; TERM=dumb (emacs shells, some CI) cannot.
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


class Palette:
    """Named styles for the roles text plays; every method is the identity when disabled."""

    def __init__(self, enabled: bool, *, csi: str = "\x1b[") -> None:
        self.enabled = enabled
        # The Printer paints with a secret stand-in for "ESC [", so that it can tell
        # its own colours from an escape a registry put in the text (see printer.py).
        self.csi = csi

    def paint(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"{self.csi}{codes}m{text}{self.csi}0m"

    def header(self, text: str) -> str:
        return self.paint(text, "bold")

    def ok(self, text: str) -> str:
        return self.paint(text, "green")

    def warn(self, text: str) -> str:
        return self.paint(text, "yellow")

    def bad(self, text: str) -> str:
        return self.paint(text, "red")

    def name(self, text: str) -> str:
        return self.paint(text, "cyan")

    def muted(self, text: str) -> str:
        return self.paint(text, "dim")
