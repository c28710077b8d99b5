"""The TUI application: the screen, the keys, and what each action does.

Data flow of one keystroke: key -> keymap -> named action -> `App.do` ->
`Browser` (what the panes show) or `Accounts` (dialogs) -> worker -> engine ->
result -> pane update. Every engine call runs in `Workers`; the UI never waits
on the network or the disk.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import trio
import urwid

from engine.credentials import CredentialStore
from engine.errors import RexError
from engine.rex import Rex
from rex_tui.keymap import KeyDispatcher, Keymap, Outcome
from rex_tui.palette import Theme, available_themes, load_theme, set_theme
from rex_tui.tui.accounts import Accounts
from rex_tui.tui.browse import SORT_KEYS, Browser
from rex_tui.tui.commands import CommandError, complete, parse
from rex_tui.tui.dialogs import Dialog
from rex_tui.tui.filtering import FilterRunner
from rex_tui.tui.help import help_widget
from rex_tui.tui.layout import PaneLayout
from rex_tui.tui.logs import LogLine, RingHandler
from rex_tui.tui.panes import ListPane
from rex_tui.tui.statusbar import StatusBar
from rex_tui.tui.workers import Workers

__all__ = ["App", "AppOptions"]

logger = logging.getLogger(__name__)

_BACK = {"details": 2, "tags": 1, "repositories": 0}
_PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/386", "default"]
_LOG_LINES = 500
STARTUP_LIMIT = 3.0
"""Seconds after which App.run's `started` callback runs even with no list drawn yet."""


def terminal_colors(env: Mapping[str, str]) -> Literal[16, 256, 16777216]:
    """The colour depth to draw with: true colour, 256 or 16, from COLORTERM and TERM."""
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return 16_777_216
    return 256 if "256" in env.get("TERM", "") else 16


@dataclass(slots=True)
class AppOptions:
    registry_names: list[str]
    """Configured registries to list, the current one first."""
    current: str
    theme: str = "dark"
    monochrome: bool = False
    theme_dir: Path | None = None
    config_path: Path | None = None
    layout: str = "auto"
    """tui.layout: auto, columns or stacked."""
    credentials: CredentialStore = field(default_factory=CredentialStore)


class App:
    """Builds the widgets and reacts to actions; `run()` drives it on trio."""

    def __init__(
        self,
        rex: Rex,
        keymap: Keymap,
        theme: Theme,
        options: AppOptions,
        ring: RingHandler | None = None,
    ) -> None:
        self.rex = rex
        self.keymap = keymap
        self.dispatcher = KeyDispatcher(keymap)
        self.theme = theme
        self.options = options
        self.status = StatusBar()
        self.browser = Browser(rex, list(options.registry_names), options.current, self.status)
        self.accounts = Accounts(
            rex,
            self.browser,
            self.status,
            options.credentials,
            self._config_path,
            self.show_dialog,
        )
        self.layout = PaneLayout(self.browser.panes, options.layout)
        self.log_walker: urwid.SimpleFocusListWalker[urwid.Text] = urwid.SimpleFocusListWalker([])
        self.log_box = urwid.BoxAdapter(urwid.ListBox(self.log_walker), 8)
        self.footer = urwid.Pile([self.status])
        self.frame: urwid.Frame[urwid.Widget, None, urwid.Pile] = urwid.Frame(
            self.layout, footer=self.footer
        )
        self.loop: urwid.MainLoop | None = None
        self.workers: Workers | None = None
        # The one-line inputs at the bottom: "/" filter and ":" command line.
        self.filter_edit = urwid.Edit(("cmdline.prompt", "/"))
        self.command_edit = urwid.Edit(("cmdline.prompt", ":"))
        self.filtering: ListPane | None = None
        self.runner: FilterRunner | None = None
        self.commanding = False
        self._completions: list[str] = []
        self._completion_index = -1
        self._history: list[str] = []
        self._history_index = 0
        # Overlays over the panes.
        self.show_log = False
        self.help_shown = False
        self.dialog: Dialog | None = None
        self._size = (80, 24)
        if ring is not None:
            for line in ring.lines:
                self._log(line)
            ring.listener = self._log
        urwid.connect_signal(self.filter_edit, "change", self._filter_changed)
        self.layout.focus_pane(1)

    # -- convenient names ----------------------------------------------------------

    @property
    def registry(self) -> str:
        return self.browser.registry

    @property
    def repos(self) -> ListPane:
        return self.browser.repos

    @property
    def tags(self) -> ListPane:
        return self.browser.tags

    @property
    def registries(self) -> ListPane:
        return self.browser.registries

    def _config_path(self) -> Path:
        from engine.settings import default_config_path

        return self.options.config_path or default_config_path()

    # -- running ---------------------------------------------------------------

    async def run(
        self,
        screen: urwid.display.raw.Screen | None = None,
        *,
        started: Callable[[], None] | None = None,
    ) -> None:
        """Run until quit; `started` is called once the first screen of names is drawn
        (or `STARTUP_LIMIT` seconds have passed)."""
        event_loop = urwid.TrioEventLoop()
        colors = terminal_colors(os.environ)
        palette = self.theme.urwid_palette(colors, monochrome=self.options.monochrome)
        self.loop = urwid.MainLoop(
            self.frame,
            palette=palette,
            screen=screen,
            event_loop=event_loop,
            input_filter=self._input_filter,
            handle_mouse=True,
        )
        screen_now = self.loop.screen
        if not self.options.monochrome and isinstance(screen_now, urwid.display.raw.Screen):
            screen_now.set_terminal_properties(colors=colors)
        async with trio.open_nursery() as nursery:
            self.start(nursery)
            nursery.start_soon(self._spin)
            if started is not None:
                nursery.start_soon(self._started, started)
            with self.loop.start():
                await event_loop.run_async()
            nursery.cancel_scope.cancel()

    def start(self, nursery: trio.Nursery) -> None:
        """Start the workers in `nursery` and load what the panes show."""
        self.rex.start_background(nursery)
        self.workers = Workers(nursery, on_error=self._failed, on_busy=self._busy)
        self.browser.workers = self.workers
        self.browser.redraw = self._draw
        self.browser.load_registries()

    async def _started(self, callback: Callable[[], None]) -> None:
        with trio.move_on_after(STARTUP_LIMIT):
            await self.browser.started.wait()
        callback()

    async def _spin(self) -> None:
        while True:
            await trio.sleep(0.1)
            if self.workers is not None and self.workers.busy:
                self.status.tick()

    # -- input -------------------------------------------------------------------

    def _input_filter(self, keys: list[Any], raw: list[int]) -> list[Any]:
        if self.loop is not None:
            self._size = self.loop.screen.get_cols_rows()
        passed: list[Any] = []
        for key in keys:
            if not isinstance(key, str):
                if self.dialog is None and not self.help_shown:
                    passed.append(key)  # mouse events go to the panes
                continue
            if self.help_shown:
                passed.extend(self._help_key(key))
            elif self.dialog is not None:
                self._dialog_key(self.dialog, key)
            elif self.filtering is not None:
                self._filter_key(key)
            elif self.commanding:
                self._command_key(key)
            else:
                passed.extend(self._pane_key(key))
        return passed

    def _pane_key(self, key: str) -> list[str]:
        resolution = self.dispatcher.feed(self.layout.focused.context, key)
        self.status.state.pending_keys = (
            resolution.display if resolution.outcome is Outcome.PENDING else ""
        )
        if resolution.outcome is Outcome.ACTION and resolution.action:
            self.do(resolution.action)
        self.status.update()
        return list(resolution.replay)

    def _help_key(self, key: str) -> list[str]:
        action = self.keymap.lookup("help", key)
        if key in ("esc", "?", "q") or action in ("back", "help", "cancel", "quit"):
            self._toggle_help("help")
        elif action in ("move_down", "move_up", "page_down", "page_up"):
            return [{"move_down": "down", "move_up": "up"}.get(action, key)]
        return []

    def _dialog_key(self, dialog: Dialog, key: str) -> None:
        action = self.keymap.lookup("dialog", key)
        if not dialog.fields and key in ("y", "n"):
            action = "confirm" if key == "y" else "cancel"
        if action == "cancel" or key == "esc":
            self.show_dialog(None)
        elif action == "confirm" or key == "enter":
            dialog.submit()
        elif action in ("focus_next", "focus_prev"):
            dialog.move(1 if action == "focus_next" else -1)
        else:
            dialog.type_key((self._size[0],), key)

    # -- actions -----------------------------------------------------------------

    def do(self, action: str) -> None:
        """Run a named action (what a key is bound to)."""
        pane = self.layout.focused
        self.status.state.notice = ""
        simple: dict[str, Callable[[], None]] = {
            "open": self._open,
            "back": self._back,
            "toggle_theme": self._toggle_theme,
            "toggle_log": self._toggle_log,
            "zoom": self._zoom,
            "copy_reference": lambda: self._copy(digest=False),
            "copy_digest": lambda: self._copy(digest=True),
            "command_line": self._open_command_line,
            "help": lambda: self._toggle_help(pane.context),
            "add_registry": self.accounts.add_registry,
            "login": lambda: self.accounts.login(self._selected_registry()),
            "logout": lambda: self.accounts.logout(self._selected_registry()),
            "remove_registry": lambda: self.accounts.remove_registry(self._selected_registry()),
            "refresh": lambda: self.browser.refresh(pane, hard=False),
            "hard_refresh": lambda: self.browser.refresh(pane, hard=True),
        }
        if action == "quit":
            raise urwid.ExitMainLoop()
        if action in simple:
            simple[action]()
        elif action in ("focus_next", "focus_right"):
            self.layout.focus_pane(self.layout.focus_index + 1)
        elif action in ("focus_prev", "focus_left"):
            self.layout.focus_pane(self.layout.focus_index - 1)
        elif action == "redraw" and self.loop is not None:
            self.loop.screen.clear()
        elif isinstance(pane, ListPane) and action.startswith(("filter", "sort")):
            self._list_action(pane, action)
        elif not pane.act(action, self._size):
            name = action.replace("_", " ")
            self.status.state.notice = f"{name}: nothing to do in the {pane.context} pane"

    def _list_action(self, pane: ListPane, action: str) -> None:
        if action == "filter":
            self._open_filter(pane)
        elif action == "filter_clear":
            pane.table.set_query("")
            pane.walker.changed()
            self._filtered()
        elif action in ("filter_next", "filter_prev"):
            # The list shows only the matches: the next match is the next row, round.
            if not pane.table.query:
                self.status.state.notice = "no filter: / starts one"
                return
            count = len(pane.table)
            if count:
                step = 1 if action == "filter_next" else -1
                pane.listbox.set_focus((pane.walker.focus + step) % count)
        elif action == "sort_cycle":
            if pane is self.registries:
                self.status.state.notice = "registries are listed in config order"
                return
            current = self.browser.repo_sort if pane is self.repos else self.browser.tag_sort
            by = SORT_KEYS[(SORT_KEYS.index(current) + 1) % len(SORT_KEYS)]
            self.browser.set_sort(pane, by)
            self.status.state.notice = f"{pane.context} sorted by {by}"

    def _selected_registry(self) -> str:
        row = self.registries.focused_row
        if self.layout.focused is self.registries and row is not None:
            return str(row.key)
        return self.registry

    def _open(self) -> None:
        index = self.layout.focus_index
        if index == 0:
            row = self.registries.focused_row
            if row is not None:
                self.browser.use_registry(str(row.key))
        self.layout.focus_pane(min(index + 1, 3))

    def _back(self) -> None:
        pane = self.layout.focused
        if isinstance(pane, ListPane) and pane.table.query:
            pane.table.set_query("")
            pane.walker.changed()
            self._filtered()
            return
        if self.status.state.error is not None:
            self.status.state.error = None
        self.layout.focus_pane(_BACK.get(pane.context, 0))

    # -- the / filter --------------------------------------------------------------

    def _open_line(self, edit: urwid.Edit) -> None:
        self.footer.contents = [
            (urwid.AttrMap(edit, "cmdline"), self.footer.options()),
            (self.status, self.footer.options()),
        ]
        self.frame.focus_position = "footer"
        self.footer.focus_position = 0

    def _close_line(self) -> None:
        self.footer.contents = [(self.status, self.footer.options())]
        self.frame.focus_position = "body"

    def _open_filter(self, pane: ListPane) -> None:
        if self.workers is None:
            return
        self.filtering = pane
        self.browser.typing = True
        self.browser.filter_typed(pane)  # background work waits until typing pauses
        self.runner = FilterRunner(
            self.workers.nursery, pane.table, self._filtered, redraw=self._draw
        )
        self.filter_edit.set_edit_text(pane.table.query)
        self.filter_edit.set_edit_pos(len(pane.table.query))
        self._open_line(self.filter_edit)

    def _close_filter(self) -> None:
        self._close_line()
        self._filtered()
        self.filtering = None
        self.browser.typing = False
        if self.browser.repository is not None and not self.browser.tag_info():
            self.browser.load_tags(self.browser.repository)  # the pause is over: load now

    def _filter_key(self, key: str) -> None:
        action = self.keymap.lookup("filter", key)
        pane = self.filtering
        if action == "filter_clear" or key == "esc":
            self.filter_edit.set_edit_text("")
            if pane is not None:
                pane.table.set_query("")
                pane.walker.changed()
            self._close_filter()
        elif action == "filter_accept" or key == "enter":
            self._close_filter()
        elif action in ("move_down", "move_up", "page_down", "page_up") and pane is not None:
            pane.act(action, self._size)
        else:
            # Straight into the edit, in order with the keys around it in this batch,
            # and on screen now rather than after the background work queued behind it.
            self.browser.filter_typed(pane)
            self.filter_edit.keypress((self._size[0],), key)
            self._draw()

    def _draw(self) -> None:
        if self.loop is not None:
            self.loop.draw_screen()

    def _filter_changed(self, _edit: urwid.Edit, text: str) -> None:
        if self.runner is not None and self.filtering is not None:
            self.runner.request(text)

    def _filtered(self) -> None:
        pane = self.filtering or self.layout.focused
        if isinstance(pane, ListPane):
            pane.walker.changed()
            self.status.state.filter = pane.table.query
            self.status.state.counts = f"{pane.table.total:,} of {len(pane.table.rows):,}"
            self.status.update()

    # -- the : command line ------------------------------------------------------

    def _open_command_line(self) -> None:
        self.commanding = True
        self.command_edit.set_edit_text("")
        self._completions, self._completion_index = [], -1
        self._history_index = len(self._history)
        self._open_line(self.command_edit)

    def _command_key(self, key: str) -> None:
        action = self.keymap.lookup("command", key)
        if key == "esc" or action == "cancel":
            self.commanding = False
            self._close_line()
        elif key == "enter" or action == "command_submit":
            text = self.command_edit.edit_text
            self.commanding = False
            self._close_line()
            if text.strip():
                self._history = [h for h in self._history if h != text] + [text]
            self.run_command(text)
        elif action in ("command_complete", "command_complete_prev") or key == "tab":
            self._complete(-1 if action == "command_complete_prev" else 1)
        elif action in ("history_prev", "history_next"):
            self._recall(-1 if action == "history_prev" else 1)
        else:
            self._completions, self._completion_index = [], -1
            self.command_edit.keypress((self._size[0],), key)

    def _recall(self, step: int) -> None:
        if not self._history:
            return
        self._history_index = max(0, min(len(self._history), self._history_index + step))
        recalled = self._history[self._history_index : self._history_index + 1]
        text = recalled[0] if recalled else ""
        self.command_edit.set_edit_text(text)
        self.command_edit.set_edit_pos(len(text))

    def _choices(self, kind: str) -> list[str]:
        if kind == "registry":
            return list(self.browser.registry_names)
        if kind == "theme":
            return available_themes(self.options.theme_dir)
        if kind == "sort":
            return list(SORT_KEYS)
        if kind == "platform":
            return _PLATFORMS
        return []

    def _complete(self, step: int) -> None:
        if not self._completions:
            self._completions = complete(self.command_edit.edit_text, self._choices)
            self._completion_index = -1 if step > 0 else 0
        if not self._completions:
            self.status.say("no completion")
            return
        self._completion_index = (self._completion_index + step) % len(self._completions)
        text = self._completions[self._completion_index]
        self.command_edit.set_edit_text(text)
        self.command_edit.set_edit_pos(len(text))
        self.status.say("  ".join(self._completions[:8]))

    def run_command(self, text: str) -> None:
        """Run one command line (without the ':'); problems go to the status bar."""
        try:
            command, arg = parse(text)
        except CommandError as exc:
            self.status.say(str(exc))
            return
        name = command.name
        self.status.state.notice = ""
        if name == "quit":
            raise urwid.ExitMainLoop()
        if name == "refresh":
            self.browser.refresh(self.layout.focused, hard=False)
        elif name == "theme" and arg:
            self._toggle_theme(arg)
        elif name in ("registry", "remove-registry") and arg:
            if arg not in self.browser.registry_names:
                self.status.state.notice = f"no registry named {arg!r}; Tab lists them"
            elif name == "registry":
                self.browser.use_registry(arg)
            else:
                self.accounts.remove_registry(arg)
        elif name == "sort" and arg:
            self._sort(arg)
        elif name == "add-repo" and arg:
            self._add_repository(arg)
        elif name == "platform" and arg:
            self.browser.platform = None if arg == "default" else arg
            self.status.state.notice = f"platform: {self.browser.platform or 'host default'}"
            self.browser.show_image_of_tag()
        elif name == "login":
            self.accounts.login(self.registry)
        elif name == "logout":
            self.accounts.logout(self.registry)
        elif name == "add-registry":
            self.accounts.add_registry()
        self.status.update()

    def _sort(self, by: str) -> None:
        if by not in SORT_KEYS:
            self.status.state.notice = "sort by name, date or size"
            return
        self.browser.set_sort(self.tags, by)
        self.status.state.notice = f"tags sorted by {by}"

    def _add_repository(self, repository: str) -> None:
        """Save `repository` to the current registry's list in the config, then show it."""
        from engine.settings import add_repository, load

        path = self._config_path()
        try:
            add_repository(path, self.registry, repository)
            self.rex.config = load(path).config
        except RexError as exc:
            self.status.state.error = exc
            return
        self.status.state.notice = f"added {repository} to {self.registry} in {path}"
        self.browser.load_repositories(refresh=True)

    # -- overlays: dialogs, help, log ----------------------------------------------

    def _body(self) -> urwid.Widget:
        """The panes, with the log panel under them when it is shown."""
        if self.show_log:
            return urwid.Pile([self.layout, ("pack", urwid.LineBox(self.log_box, "Log"))])
        return self.layout

    def _overlay(self, top: urwid.Widget, width: Any, height: Any) -> None:
        self.frame.body = urwid.Overlay(top, self._body(), "center", width, "middle", height)

    def show_dialog(self, dialog: Dialog | None) -> None:
        """Open `dialog` over the panes (None closes the open one)."""
        if self.dialog is not None and self.workers is not None:
            for slot in ("login", "logout", "add-registry", "remove-registry"):
                self.workers.cancel(slot)
        self.dialog = dialog
        if dialog is None:
            self.frame.body = self._body()
        else:
            self._overlay(dialog, ("relative", 60), "pack")

    def _toggle_help(self, context: str) -> None:
        self.help_shown = not self.help_shown
        if self.help_shown:
            self._overlay(help_widget(self.keymap, context), ("relative", 80), ("relative", 80))
        else:
            self.frame.body = self._body()

    def _zoom(self) -> None:
        zoomed = self.layout.toggle_zoom()
        self.status.state.notice = f"{self.layout.focused.context} pane zoomed" if zoomed else ""

    def _toggle_log(self) -> None:
        self.show_log = not self.show_log
        self.frame.body = self._body()

    def _log(self, line: LogLine) -> None:
        self.log_walker.append(urwid.Text((line.style, line.text()), wrap="clip"))
        del self.log_walker[:-_LOG_LINES]
        if self.log_walker:
            self.log_walker.set_focus(len(self.log_walker) - 1)

    # -- status, theme, clipboard ------------------------------------------------

    def _failed(self, slot: str, error: RexError) -> None:
        self.status.state.error = error
        self.status.state.refreshing = False
        if slot == "repositories":
            self.browser.repositories_failed(error)
        self.status.update()

    def _busy(self, count: int) -> None:
        self.status.state.busy = count
        self.status.update()

    def _toggle_theme(self, name: str | None = None) -> None:
        name = name or ("light" if self.theme.name == "dark" else "dark")
        result = load_theme(name, user_dir=self.options.theme_dir)
        if result.errors:
            self.status.state.notice = result.errors[0]
            return
        self.theme = result.theme
        if self.loop is not None:
            set_theme(self.loop, self.theme, monochrome=self.options.monochrome)
        self.status.state.notice = f"theme: {self.theme.name}"

    def _copy(self, *, digest: bool) -> None:
        """y / Y: the pull reference (or the pinned one) to the clipboard, by OSC 52."""
        browser = self.browser
        if browser.repository is None or self.loop is None:
            self.status.state.notice = "select a repository or a tag first"
            return
        host = self.rex.default_host(self.registry)
        info = browser.tag_info()
        if digest and info is None:
            self.status.state.notice = "select a tag (with its digest shown) first"
            return
        if digest and info is not None:
            text = f"{host}/{browser.repository}@{info.digest}"
        else:
            text = f"{host}/{browser.repository}" + (f":{browser.tag}" if browser.tag else "")
        payload = base64.b64encode(text.encode()).decode()
        # OSC 52: the terminal puts it on the clipboard, even over ssh.
        screen = self.loop.screen
        if isinstance(screen, urwid.display.raw.Screen):
            screen.write(f"\x1b]52;c;{payload}\x07")
        self.status.state.notice = f"copied {text}"
