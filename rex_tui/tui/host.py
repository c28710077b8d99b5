"""What a view on the app's view stack may use of the app.

The views (dialogs, input lines, the welcome and referrer views) are made by `App`
and act on it; typing them against this protocol instead of `App` keeps them from
importing the module that imports them. `App` satisfies it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from engine import Rex
from rex_tui.keymap import Keymap
from rex_tui.tui.browse import Browser
from rex_tui.tui.lineedit import History
from rex_tui.tui.statusbar import StatusBar
from rex_tui.tui.views import ViewStack
from rex_tui.tui.workers import Workers

__all__ = ["Host"]


class Host(Protocol):
    rex: Rex
    keymap: Keymap
    views: ViewStack
    workers: Workers | None
    browser: Browser
    status: StatusBar
    filter_history: History
    details_query: str
    _size: tuple[int, int]

    def do(self, action: str) -> None: ...

    def choices(self, kind: str) -> list[str]: ...

    def run_command(self, text: str) -> None: ...

    def show_dialog(self, dialog: Any) -> None: ...

    def _config_path(self) -> Path: ...

    def _draw(self) -> None: ...

    def _filtered(self, pane: object = None) -> None: ...
