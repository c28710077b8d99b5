"""The first-run welcome: no registry is configured, so say how to add one and what -r does.

Without it a first run quietly tried the default registry (localhost:5000) and
showed a connection error. The view names the keys of the active keymap.
"""

from __future__ import annotations

import urwid

from rex_tui.tui.host import Host
from rex_tui.tui.views import View
from rex_tui.untrusted import visible

__all__ = ["WelcomeView", "welcome_view"]


class WelcomeView(View):
    """The registries pane's keys work here: add opens the dialog, Enter/Esc browse."""

    context = "welcome"

    width = ("relative", 90)
    height = "pack"

    def __init__(self, app: Host, rows: list[urwid.Widget]) -> None:
        self.app = app
        box = urwid.LineBox(urwid.Pile(rows), title="Welcome to rex-tui")
        self.widget = urwid.AttrMap(box, "help")

    def _close(self) -> None:
        self.app.views.remove(self)

    def handle(self, key: str) -> list[str]:
        action = self.app.keymap.lookup("registries", key)
        if action in ("add_registry", "help", "quit", "command_line"):
            if action != "help":
                self._close()
            self.app.do(action)
        elif key in ("esc", "enter") or action in ("back", "open"):
            self._close()
        return []


def _key(app: Host, action: str, fallback: str) -> str:
    keys = app.keymap.keys_for(action, "registries")
    return keys[0] if keys else fallback


def welcome_view(app: Host) -> WelcomeView:
    default = app.browser.registry
    host = app.rex.default_host(default)
    add = _key(app, "add_registry", ":add-registry")
    config = app._config_path()
    keys = [
        (add, f"add a registry: a name and a URL, checked, then saved to {config}"),
        ("Enter", f"browse {default} for now ({host}, the default)"),
        ("?", "all keys and : commands"),
    ]
    rows: list[urwid.Widget] = [
        urwid.Text(("help.heading", "No registry is configured yet.")),
        urwid.Divider(),
        *(_row(key, text) for key, text in keys),
        urwid.Divider(),
        urwid.Text("Or start with a registry for one run, without saving it:"),
        _row("rex-tui -r ghcr.io", "-r takes a configured name, a URL or host[:port]", width=22),
    ]
    return WelcomeView(app, rows)


def _row(key: str, text: str, width: int = 10) -> urwid.Widget:
    """A key and what it does; the text wraps in its own column."""
    label = urwid.Padding(urwid.Text(("help.key", key)), left=2)
    return urwid.Columns([(width, label), urwid.Text(visible(text))])
