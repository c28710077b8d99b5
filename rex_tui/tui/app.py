"""The TUI application: the screen, the keys, and what each action does.

Data flow of one keystroke: key -> the top view of the view stack (or, with
none, the focused pane's keymap context) -> named action or `:` command ->
`App.do` -> `Browser` (what the panes show) or `Accounts` (dialogs) -> worker ->
engine -> result -> pane update. Every engine call runs in `Workers`; the UI
never waits on the network or the disk. Overlays and input lines are views on
`App.views` (`rex_tui.tui.views`), not flags.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import trio
import urwid

from engine import (
    CredentialStore,
    Endpoint,
    Reference,
    Rex,
    RexError,
    add_repository,
    default_config_path,
)
from engine import load_config as load
from rex_tui.keymap import KeyDispatcher, Keymap, Outcome
from rex_tui.palette import Theme, available_themes, load_theme, set_theme
from rex_tui.tui.accounts import Accounts
from rex_tui.tui.browse import SORT_KEYS, Browser
from rex_tui.tui.commands import CommandError, parse
from rex_tui.tui.copymenu import (
    CopyTarget,
    choices,
    osc52,
    pinned_reference,
    pull_command,
    reference,
)
from rex_tui.tui.details import SECTIONS
from rex_tui.tui.dialogs import Dialog, DialogView, Field, MenuDialog
from rex_tui.tui.footer import Footer
from rex_tui.tui.help import HelpView, help_rows
from rex_tui.tui.inputs import CommandView, FilterView
from rex_tui.tui.jobs import Job, Jobs, JobsView, default_directory
from rex_tui.tui.layout import PaneLayout
from rex_tui.tui.lineedit import History
from rex_tui.tui.logs import LogLine, LogPanel, RingHandler
from rex_tui.tui.panes import ListPane, Pane
from rex_tui.tui.referrers import details_action
from rex_tui.tui.state import STATE_FILE, SavedState, load_state, save_state
from rex_tui.tui.statusbar import StatusBar
from rex_tui.tui.views import ViewStack
from rex_tui.tui.welcome import welcome_view
from rex_tui.tui.workers import Workers

__all__ = ["App", "AppOptions"]

logger = logging.getLogger(__name__)

_BACK = {"details": 2, "tags": 1, "repositories": 0}
_PLATFORMS = ["linux/amd64", "linux/arm64", "linux/arm/v7", "linux/386", "default"]
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
    state_dir: Path | None = None
    """Where the remembered state and the line histories live (None: nothing is kept)."""
    cli_registry: str | None = None
    """The registry given with -r, if any: it is not in the config."""
    welcome: bool = False
    """No registry is configured: open the welcome view first."""


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
        self.state_path = options.state_dir / STATE_FILE if options.state_dir else None
        self.saved = load_state(self.state_path)
        self.layout_mode = self.saved.layout or rex.config.tui.layout
        self.marked: Reference | None = None
        """The tag `m` marked: the A side of the next diff."""
        current = options.current
        if options.cli_registry is None and self.saved.registry in options.registry_names:
            current = self.saved.registry
        self.status = StatusBar()
        self.browser = Browser(rex, list(options.registry_names), current, self.status)
        self.accounts = Accounts(
            rex,
            self.browser,
            self.status,
            options.credentials,
            self._config_path,
            self.show_dialog,
        )
        self.accounts.cli_registry = options.cli_registry
        self.layout = PaneLayout(self.browser.panes, options.layout)
        self.log_panel = LogPanel()
        self.show_log = False
        self.hints = Footer(keymap)
        self.footer = urwid.Pile([self.hints, self.status])
        self.frame: urwid.Frame[urwid.Widget, None, urwid.Pile] = urwid.Frame(
            self.layout, footer=self.footer
        )
        self.loop: urwid.MainLoop | None = None
        self.workers: Workers | None = None
        history_dir = options.state_dir / "history" if options.state_dir else None
        self.filter_history = History(history_dir / "filter" if history_dir else None)
        self.command_history = History(history_dir / "command" if history_dir else None)
        self.views = ViewStack(self._views_changed)
        self.details_query = ""
        """The last `/` search in the details (n / N find it again)."""
        self._size = (80, 24)
        self._save_on_quit = True
        self._touched = False
        """A key was pressed: restoring the last run's selection would overrule the user."""
        if ring is not None:
            for line in ring.lines:
                self._log(line)
            ring.listener = self._log
        self.status.pane_facts = lambda: self.browser.facts(self.layout.focused)
        self.status.key_for = lambda action: (self.keymap.keys_for(action) or [action])[0]
        self.status.rate_limit = lambda: rex.rate_limit(self.browser.registry)
        self.layout.focus_pane(1)
        if self.saved.section in SECTIONS:
            self.browser.details.show_section(SECTIONS.index(self.saved.section))
        if options.welcome:
            self.views.push(welcome_view(self))
        self._views_changed()

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

    @property
    def dialog(self) -> Dialog | None:
        """The open dialog, if any."""
        view = self.views.find(DialogView)
        return view.dialog if isinstance(view, DialogView) else None

    @property
    def help_shown(self) -> bool:
        return self.views.find(HelpView) is not None

    @property
    def context(self) -> str:
        """The keymap context keys go to: the top view's, or the focused pane's."""
        top = self.views.top
        if top is not None:
            return top.context
        return "log" if self.log_panel.focused else self.layout.focused.context

    def _config_path(self) -> Path:
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
        if self._save_on_quit:
            self.save_state()

    def start(self, nursery: trio.Nursery) -> None:
        """Start the workers in `nursery` and load what the panes show."""
        self.rex.start_background(nursery)
        self.workers = Workers(nursery, on_error=self._failed, on_busy=self._busy)
        self.jobs = Jobs(self.workers, self._jobs_changed)
        self.browser.workers = self.workers
        self.browser.redraw = self._draw
        self.browser.load_registries()
        if self.saved.theme and self.saved.theme != self.theme.name:
            self._toggle_theme(self.saved.theme)
            self.status.state.notice = ""
        if self.saved.repository:
            nursery.start_soon(self._restore_selection, self.saved.repository, self.saved.tag)

    async def _restore_selection(self, repository: str, tag: str | None) -> None:
        """Select the repository (and tag) of the last run, once their lists are shown."""
        browser = self.browser
        if not await self._select_when_listed(
            self.repos, repository, lambda: browser.repository == repository
        ):
            return
        if tag is not None and await self._select_when_listed(
            self.tags, tag, lambda: browser.tag == tag and browser.tag_info() is not None
        ):
            self.layout.focus_pane(2)
            self._draw()

    async def _select_when_listed(
        self, pane: ListPane, key: str, settled: Callable[[], bool], wait: float = 10.0
    ) -> bool:
        """Select `key` in `pane` once it is listed, again if a newer list moves the
        selection (tag names come before their details), until `settled()`."""
        with trio.move_on_after(wait):
            while not self._touched:
                row = pane.focused_row
                if row is not None and row.key == key and settled():
                    return True
                index = pane.table.index_of(key)
                if index is not None and (row is None or row.key != key):
                    pane.listbox.set_focus(index)
                    self._draw()
                await trio.sleep(0.05)
        return False

    def remembered(self) -> SavedState:
        browser = self.browser
        return SavedState(
            registry=browser.registry,
            repository=browser.repository,
            tag=browser.tag,
            section=SECTIONS[browser.details.section],
            theme=self.theme.name,
            layout=self.layout_mode,
        )

    def save_state(self) -> None:
        save_state(self.state_path, self.remembered())

    async def _started(self, callback: Callable[[], None]) -> None:
        with trio.move_on_after(STARTUP_LIMIT):
            await self.browser.started.wait()
        callback()

    async def _spin(self) -> None:
        beats = 0
        while True:
            await trio.sleep(0.1)
            if self.workers is not None and self.workers.busy:
                self.status.tick()
            beats += 1
            if beats % 10 == 0:
                self.status.clock()  # once a second: the age ticks, old notices fade
                self.browser.refresh_dashboard()

    # -- input -------------------------------------------------------------------

    def _input_filter(self, keys: list[Any], raw: list[int]) -> list[Any]:
        if self.loop is not None:
            self._size = self.loop.screen.get_cols_rows()
        passed: list[Any] = []
        self._touched = self._touched or bool(keys)
        for key in keys:
            if not isinstance(key, str):
                if not self.views.modal:
                    passed.append(key)  # mouse events go to the panes
                continue
            top = self.views.top
            passed.extend(self._pane_key(key) if top is None else top.handle(key))
        self.hints.show(self.context)
        return passed

    def _pane_key(self, key: str) -> list[str]:
        resolution = self.dispatcher.feed(self.context, key)
        self.status.state.pending_keys = (
            resolution.display if resolution.outcome is Outcome.PENDING else ""
        )
        if resolution.outcome is Outcome.ACTION and resolution.action:
            self.do(resolution.action)
        self.status.update()
        return list(resolution.replay)

    # -- actions -----------------------------------------------------------------

    def do(self, action: str) -> None:
        """Run a named action (what a key is bound to, or a `:` command runs)."""
        pane: Pane | LogPanel = self.log_panel if self.log_panel.focused else self.layout.focused
        self.status.state.notice = ""
        simple: dict[str, Callable[[], None]] = {
            "open": self._open,
            "back": self._back,
            "toggle_theme": self._toggle_theme,
            "toggle_log": self._toggle_log,
            "zoom": self._zoom,
            "copy_reference": lambda: self._copy(digest=False),
            "copy_digest": lambda: self._copy(digest=True),
            "copy_menu": self._copy_menu,
            "command_line": self._open_command_line,
            "help": lambda: self._open_help(pane.context),
            "add_registry": self.accounts.add_registry,
            "login": lambda: self.accounts.login(self._selected_registry()),
            "logout": lambda: self.accounts.logout(self._selected_registry()),
            "remove_registry": lambda: self.accounts.remove_registry(self._selected_registry()),
            "refresh": lambda: self.browser.refresh(pane, hard=False),
            "hard_refresh": lambda: self.browser.refresh(pane, hard=True),
            "toggle_referrer_tags": lambda: self.status.say(self.browser.toggle_referrer_tags()),
            "files": self._open_files,
            "mark_tag": self._mark_tag,
            "diff_marked": self._diff_marked,
            "storage": self._open_storage,
            "pull_image": lambda: self._transfer_dialog(copy=False),
            "copy_image": lambda: self._transfer_dialog(copy=True),
            "show_jobs": self._show_jobs,
        }
        if action == "quit":
            raise urwid.ExitMainLoop()
        if action in simple:
            simple[action]()
        elif action in ("focus_next", "focus_right", "focus_prev", "focus_left"):
            self._move_focus(1 if action in ("focus_next", "focus_right") else -1)
        elif action == "redraw" and self.loop is not None:
            self.loop.screen.clear()
        elif isinstance(pane, ListPane) and action.startswith(("filter", "sort")):
            self._list_action(pane, action)
        elif pane is self.browser.details and self._details_action(action):
            pass
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
        elif action in ("sort_cycle", "sort_reverse"):
            if pane is self.registries:
                self.status.state.notice = "registries are listed in config order"
                return
            current, reverse = self.browser.sort_of(pane)
            if action == "sort_reverse":
                self.browser.set_sort(pane, current, reverse=not reverse)
                way = "reversed" if not reverse else "in its usual order"
                self.status.state.notice = f"{pane.context} sorted by {current}, {way}"
                return
            by = SORT_KEYS[(SORT_KEYS.index(current) + 1) % len(SORT_KEYS)]
            self.browser.set_sort(pane, by)
            self.status.state.notice = f"{pane.context} sorted by {by}"

    def _move_focus(self, step: int) -> None:
        """Tab / Shift-Tab: the next pane, the log panel (when shown) after the last one."""
        last = len(self.layout.panes) - 1
        log = self.log_panel
        if log.focused:
            log.set_focused(False)
            self.layout.focus_pane(0 if step > 0 else last)
        elif self.show_log and self.layout.focus_index == (last if step > 0 else 0):
            log.set_focused(True)
            self.layout.focus_pane(self.layout.focus_index)  # its border: unfocused
            self.layout.focused.set_focused(False)
        else:
            self.layout.focus_pane(self.layout.focus_index + step)
        self.frame.body = self._compose()

    def _open_storage(self) -> None:
        from rex_tui.tui.storage import open_storage

        open_storage(self, self._selected_registry())

    def _details_action(self, action: str) -> bool:
        """Details keys beyond moving: Enter on a platform or a referrer, / search."""
        if action == "open" and SECTIONS[self.browser.details.section] == "Files":
            self._open_files()
            return True
        return details_action(self, action)

    # -- files inside images, diffs of two tags ------------------------------------------

    def _selected_reference(self) -> Reference | None:
        browser = self.browser
        if browser.repository is None or browser.tag is None:
            self.status.state.notice = "select a tag first"
            return None
        return self.rex.reference(f"{browser.repository}:{browser.tag}", browser.registry)

    def _open_files(self) -> None:
        """f: the Files browser of the selected tag's image, read in the background."""
        from rex_tui.tui.files import FilesView

        ref = self._selected_reference()
        if ref is not None:
            view = FilesView(self, ref, self.browser.platform)
            self.views.push(view)
            view.load()

    def _mark_tag(self) -> None:
        """m: remember the selected tag as the A side of a diff."""
        ref = self._selected_reference()
        if ref is not None:
            self.marked = ref
            self.status.say(f"marked {self.rex.display(ref)}: select another tag, D diffs them")

    def _diff_marked(self) -> None:
        """D: diff the marked tag (A) with the selected one (B)."""
        from rex_tui.tui.diff import DiffView

        ref = self._selected_reference()
        if ref is None:
            return
        if self.marked is None:
            self.status.state.notice = "no tag marked: m marks one, then D on another diffs them"
            return
        view = DiffView(self, self.marked, ref, self.browser.platform)
        self.views.push(view)
        view.load()

    def _selected_registry(self) -> str:
        row = self.registries.focused_row
        if self.layout.focused is self.registries and row is not None:
            return str(row.key)
        return self.registry

    def _open(self) -> None:
        if self.layout.focused is self.browser.details and self._details_action("open"):
            return
        index = self.layout.focus_index
        if index == 0:
            row = self.registries.focused_row
            if row is not None:
                self.browser.use_registry(str(row.key))
        self.layout.focus_pane(min(index + 1, 3))

    def _back(self) -> None:
        if self.log_panel.focused:
            self._move_focus(1)
            return
        pane = self.layout.focused
        if isinstance(pane, ListPane) and pane.table.query:
            pane.table.set_query("")
            pane.walker.changed()
            self._filtered()
            return
        if self.status.state.error is not None:  # one Esc, one thing: the error goes first
            self.status.state.error = None
            return
        self.layout.focus_pane(_BACK.get(pane.context, 0))

    # -- the / filter and the : command line (views: rex_tui.tui.inputs) ----------

    def _open_filter(self, pane: ListPane) -> None:
        if self.workers is not None:
            self.views.push(FilterView(self, pane, self.filter_history))

    def _open_command_line(self) -> None:
        self.views.push(CommandView(self, self.command_history))

    def _draw(self) -> None:
        if self.loop is not None:
            self.loop.draw_screen()

    def _filtered(self, pane: object = None) -> None:
        view = self.views.find(FilterView)
        shown = pane or (view.pane if isinstance(view, FilterView) else self.layout.focused)
        if isinstance(shown, ListPane):
            shown.walker.changed()
            self.status.state.filter = shown.table.query
            self.status.state.counts = f"{shown.table.total:,} of {len(shown.table.rows):,}"
            self.status.update()

    def choices(self, kind: str) -> list[str]:
        if kind == "registry":
            return list(self.browser.registry_names)
        if kind == "theme":
            return available_themes(self.options.theme_dir)
        if kind == "sort":
            return list(SORT_KEYS)
        if kind == "platform":
            return _PLATFORMS
        return []

    def run_command(self, text: str) -> None:
        """Run one command line (without the ':'); problems go to the status bar."""
        try:
            command, arg = parse(text)
        except CommandError as exc:
            self.status.say(str(exc))
            return
        name = command.name
        self.status.state.notice = ""
        if name == "quit!":
            self._save_on_quit = False
            raise urwid.ExitMainLoop()
        if command.argument is None and command.action is not None:
            self.do(command.action)  # the same code as its key
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
        self.status.update()

    def _sort(self, by: str) -> None:
        if by not in SORT_KEYS:
            self.status.state.notice = "sort by name, date or size"
            return
        self.browser.set_sort(self.tags, by)
        self.status.state.notice = f"tags sorted by {by}"

    def _add_repository(self, repository: str) -> None:
        """Save `repository` to the current registry's list in the config, then show it."""
        path = self._config_path()
        try:
            add_repository(path, self.registry, repository)
            self.rex.config = load(path).config
        except RexError as exc:
            self.status.state.error = exc
            return
        self.status.state.notice = f"added {repository} to {self.registry} in {path}"
        self.browser.load_repositories(refresh=True)

    # -- the view stack: dialogs, help, welcome, log -------------------------------

    def _compose(self) -> urwid.Widget:
        """The panes (with the log panel under them when shown), then each overlay view."""
        body: urwid.Widget = self.layout
        if self.show_log:
            log = self.log_panel
            body = urwid.Pile([self.layout, (log.height(self._size[1]), log)])
            body.focus_position = 1 if log.focused else 0
        for view in self.views:
            if view.placement == "overlay":
                body = urwid.Overlay(view.widget, body, "center", view.width, "middle", view.height)
        return body

    def _views_changed(self) -> None:
        """A view was pushed or popped: show the overlays, the input line, and its hints."""
        self.frame.body = self._compose()
        line = next((v for v in reversed(list(self.views)) if v.placement == "line"), None)
        items: list[urwid.Widget] = [self.hints, self.status]
        if line is not None:
            items.insert(0, line.widget)
        self.footer.contents = [(w, self.footer.options()) for w in items]
        self.footer.focus_position = 0
        typing = line is not None and self.views.top is line
        self.frame.focus_position = "footer" if typing else "body"
        self.hints.show(self.context)

    def show_dialog(self, dialog: Dialog | None) -> None:
        """Open `dialog` over the panes (None closes the open one)."""
        open_view = self.views.find(DialogView)
        if open_view is not None:
            self.views.remove(open_view)
        if dialog is not None:
            self.views.push(DialogView(self, dialog))

    def _open_help(self, context: str) -> None:
        view = self.views.find(HelpView)
        if view is not None:
            self.views.remove(view)
            return
        title = f"Help ({self.keymap.name})"
        help_view = HelpView(self.keymap, title, help_rows(self.keymap, context), self.views.pop)
        help_view.size = self._size
        self.views.push(help_view)

    def _zoom(self) -> None:
        zoomed = self.layout.toggle_zoom()
        self.status.state.notice = f"{self.layout.focused.context} pane zoomed" if zoomed else ""

    def _toggle_log(self) -> None:
        self.show_log = not self.show_log
        if not self.show_log and self.log_panel.focused:
            self.log_panel.set_focused(False)
            self.layout.focus_pane(self.layout.focus_index)
        self.frame.body = self._compose()

    def _log(self, line: LogLine) -> None:
        self.log_panel.append(line)

    # -- status, theme, clipboard ------------------------------------------------

    def _failed(self, slot: str, error: RexError) -> None:
        self.status.state.error = error
        self.status.state.refreshing = False
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

    def _copy_target(self, *, digest: bool) -> CopyTarget | None:
        """What is selected, to copy a reference to; None (and why, said) if nothing is."""
        browser = self.browser
        if browser.repository is None or self.loop is None:
            self.status.state.notice = "select a repository or a tag first"
            return None
        info = browser.tag_info()
        if digest and info is None:
            self.status.state.notice = "select a tag (with its digest shown) first"
            return None
        rc = self.rex.registry_config(self.registry)
        plain = Endpoint.parse(rc.url, insecure=rc.insecure).scheme == "http"
        return CopyTarget(
            self.rex.default_host(self.registry),
            browser.repository,
            browser.tag,
            info.digest if info is not None else None,
            plain_http=plain,
        )

    def _copy(self, *, digest: bool) -> None:
        """y: `docker pull HOST/REPO:TAG`; Y: the pinned `HOST/REPO@sha256:…`."""
        target = self._copy_target(digest=digest)
        if target is not None:
            self._to_clipboard(pinned_reference(target) if digest else pull_command(target))

    def _copy_menu(self) -> None:
        """The copy menu: docker, podman, crane and skopeo forms, by tag and pinned."""
        target = self._copy_target(digest=False)
        if target is None:
            return
        menu = choices(target)

        def chosen(index: int) -> None:
            self.show_dialog(None)
            self._to_clipboard(menu[index][1])

        self.show_dialog(MenuDialog("Copy", reference(target), menu, chosen))

    def _to_clipboard(self, text: str | None) -> None:
        if text is None or self.loop is None:
            return
        # OSC 52: the terminal puts it on the clipboard, even over ssh.
        screen = self.loop.screen
        if isinstance(screen, urwid.display.raw.Screen):
            screen.write(osc52(text))
        self.status.state.notice = f"copied {text}"

    # -- transfers (rex_tui.tui.jobs) ------------------------------------------------

    def _transfer_dialog(self, *, copy: bool) -> None:
        """P / T: ask where, then pull or copy the selected tag as a job."""
        browser = self.browser
        if browser.repository is None or browser.tag is None:
            self.status.state.notice = "select a tag first"
            return
        host = self.rex.default_host(self.registry)
        source = f"{host}/{browser.repository}:{browser.tag}"
        shown = f"{browser.repository}:{browser.tag}"

        def submit(dialog: Dialog) -> None:
            target = dialog.value("target").strip()
            if not target:
                dialog.focus_field("target")
                dialog.fail("Type where it goes.")
                return
            self.show_dialog(None)
            if copy:
                if not target.startswith("oci:"):
                    target = str(Reference.parse(target, default_registry=host))
                title = f"copy {shown} -> {target}"
                self.jobs.start(
                    title, lambda job: self.rex.copy(source, target, watcher=job), self._job_done
                )
            else:
                title = f"pull {shown} -> {target}"
                self.jobs.start(
                    title, lambda job: self.rex.pull(source, target, watcher=job), self._job_done
                )
            self.status.say(f"{title}: started (J shows the transfers)")

        if copy:
            text = f"Copy {shown} to a repository (NAME:TAG, HOST/NAME:TAG) or oci:DIR."
            field = Field("target", "To", default=shown)
        else:
            text = f"Pull {shown} to a directory (an OCI image layout)."
            field = Field("target", "Directory", default=default_directory(*shown.split(":")))
        self.show_dialog(Dialog("Copy image" if copy else "Pull image", text, [field], submit))

    def _job_done(self, job: Job, state: str) -> None:
        self.status.say(
            f"#{job.number} {job.title}: {state}" + (f" ({job.message})" if job.message else "")
        )

    def _show_jobs(self) -> None:
        view = self.views.find(JobsView)
        if view is not None:
            self.views.remove(view)
            return
        jobs_view = JobsView(self.keymap, self.jobs, self.views.pop)
        jobs_view.size = self._size
        self.views.push(jobs_view)

    def _jobs_changed(self) -> None:
        view = self.views.find(JobsView)
        if isinstance(view, JobsView):
            view.refresh()
        self._draw()
