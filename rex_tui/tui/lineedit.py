"""The one-line inputs (`/` filter, `:` command): readline editing and a history kept on disk.

`LineEdit` is an `urwid.Edit` that also knows the readline keys a shell user's
fingers expect: Ctrl-A / Ctrl-E (start, end), Ctrl-U / Ctrl-K (delete to start,
to end), Ctrl-W (delete back to a blank, as readline's unix-word-rubout),
Alt-Backspace (delete a word of letters and digits), Alt-B / Alt-F (a word back,
forward). `History` remembers what was entered, newest last, in a small text file
under the state dir (`$XDG_STATE_HOME/rex/history/`), so it survives restarts.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import urwid

__all__ = ["History", "LineEdit"]

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
_BLANK_WORD = re.compile(r"\S+")
HISTORY_SIZE = 200


def _word_start(text: str, pos: int, word: re.Pattern[str] = _WORD) -> int:
    """Where the word before `pos` starts (skipping the blanks between), as readline does."""
    starts = [m.start() for m in word.finditer(text[:pos])]
    return starts[-1] if starts else 0


def _word_end(text: str, pos: int) -> int:
    match = _WORD.search(text, pos)
    return match.end() if match else len(text)


class LineEdit(urwid.Edit):
    """An Edit with the readline movement and deletion keys."""

    def keypress(self, size: tuple[int], key: str) -> str | None:  # type: ignore[override]
        text, pos = self.edit_text, self.edit_pos
        if key == "ctrl a":
            self.set_edit_pos(0)
        elif key == "ctrl e":
            self.set_edit_pos(len(text))
        elif key == "ctrl u":
            self._replace(text[pos:], 0)
        elif key == "ctrl k":
            self._replace(text[:pos], pos)
        elif key in ("ctrl w", "meta backspace"):
            start = _word_start(text, pos, _BLANK_WORD if key == "ctrl w" else _WORD)
            self._replace(text[:start] + text[pos:], start)
        elif key == "meta b":
            self.set_edit_pos(_word_start(text, pos))
        elif key == "meta f":
            self.set_edit_pos(_word_end(text, pos))
        else:
            result: str | None = super().keypress(size, key)
            return result
        return None

    def _replace(self, text: str, pos: int) -> None:
        self.set_edit_text(text)
        self.set_edit_pos(pos)

    def set_text_at_end(self, text: str) -> None:
        self._replace(text, len(text))


class History:
    """Entered lines, oldest first, with a cursor for up/down recall; saved to `path`."""

    def __init__(self, path: Path | None, size: int = HISTORY_SIZE) -> None:
        self.path = path
        self.size = size
        self.entries: list[str] = []
        self._index = 0
        self._draft = ""
        if path is not None:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                lines = []
            except (OSError, UnicodeDecodeError) as exc:
                logger.warning("ignoring the history file %s: %s", path, exc)
                lines = []
            self.entries = [line for line in lines if line.strip()][-size:]
        self.reset()

    def reset(self, draft: str = "") -> None:
        """A new line is being typed: recall starts from the newest entry again."""
        self._index = len(self.entries)
        self._draft = draft

    def add(self, line: str) -> None:
        line = line.strip()
        if not line or "\n" in line:
            return
        kept = [e for e in self.entries if e != line][-(self.size - 1) :]
        self.entries = [*kept, line]
        self.reset()
        self._save()

    def recall(self, step: int, current: str) -> str | None:
        """The entry `step` away (-1 older, +1 newer); past the newest, the line being typed."""
        if self._index == len(self.entries):
            self._draft = current
        index = max(0, min(len(self.entries), self._index + step))
        if index == self._index:
            return None
        self._index = index
        return self.entries[index] if index < len(self.entries) else self._draft

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text("".join(f"{e}\n" for e in self.entries), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as exc:
            logger.warning("cannot save the history to %s: %s", self.path, exc)
