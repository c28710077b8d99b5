"""The TUI application: panes, keys, and the workers that feed them from the engine.

Data flow of one keystroke: key -> keymap -> named action -> `App.do` ->
(instant) what is cached -> worker -> engine -> result -> pane update. Every
engine call runs in `Workers`; the UI never waits on the network or the disk.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import trio
import urwid

from engine.errors import AuthenticationError, RexError
from engine.format import human_size, relative_time
from engine.models import ImageInfo, TagInfo
from engine.refresh import Fetched
from engine.rex import Rex
from rex_tui.keymap import KeyDispatcher, Keymap, Outcome
from rex_tui.palette import Theme, available_themes, load_theme, set_theme
from rex_tui.tui.commands import CommandError, complete, parse
from rex_tui.tui.details import section_lines
from rex_tui.tui.filtering import FilterRunner
from rex_tui.tui.help import help_widget
from rex_tui.tui.layout import PaneLayout
from rex_tui.tui.logs import LogLine, RingHandler
from rex_tui.tui.panes import DetailsPane, ListPane
from rex_tui.tui.rows import Column, Row
from rex_tui.tui.statusbar import StatusBar
from rex_tui.tui.workers import Workers

__all__ = ["App", "AppOptions"]

logger = logging.getLogger(__name__)

_TAG_COLUMNS = (
    Column("DIGEST", 19),
    Column("SIZE", 9, "right"),
    Column("CREATED", 14),
    Column("PLATFORMS", 40),
)
_BACK = {"details": 2, "tags": 1, "repositories": 0}


@dataclass(slots=True)
class AppOptions:
    registry_names: list[str]
    """Configured registries to list, the current one first."""
    current: str
    theme: str = "dark"
    monochrome: bool = False
    theme_dir: Any = None
    config_path: Any = None


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
        self.registry = options.current
        self.repository: str | None = None
        self.tag: str | None = None
        self.registries = ListPane(
            "registries", "Registries", (Column("STATUS", 13),), on_move=None
        )
        self._registry_status: dict[str, str] = {}
        self.repos = ListPane("repositories", "Repositories", on_move=self._repo_moved)
        self.tags = ListPane("tags", "Tags", _TAG_COLUMNS, on_move=self._tag_moved)
        self.details = DetailsPane()
        self.layout = PaneLayout([self.registries, self.repos, self.tags, self.details])
        self.status = StatusBar()
        self.filter_edit = urwid.Edit(("cmdline.prompt", "/"))
        self.log_walker: urwid.SimpleFocusListWalker[urwid.Text] = urwid.SimpleFocusListWalker([])
        self.log_box = urwid.BoxAdapter(urwid.ListBox(self.log_walker), 8)
        self.footer = urwid.Pile([self.status])
        self.frame: urwid.Frame[urwid.Widget, None, urwid.Pile] = urwid.Frame(
            self.layout, footer=self.footer
        )
        self.loop: urwid.MainLoop | None = None
        self.workers: Workers | None = None
        self.filtering: ListPane | None = None
        self.runner: FilterRunner | None = None
        self.show_log = False
        self.help_shown = False
        self.command_edit = urwid.Edit(("cmdline.prompt", ":"))
        self.commanding = False
        self._completions: list[str] = []
        self._completion_index = -1
        self.platform: str | None = None
        self.sort = "date"
        self._tag_rows_source: tuple[str, Fetched[list[str]], list[TagInfo]] | None = None
        self._size = (80, 24)
        if ring is not None:
            for line in ring.lines:
                self._log(line)
            ring.listener = self._log
        urwid.connect_signal(self.filter_edit, "change", self._filter_changed)
        self.layout.focus_pane(1)

    # -- running ---------------------------------------------------------------

    async def run(self, screen: urwid.display.raw.Screen | None = None) -> None:
        event_loop = urwid.TrioEventLoop()
        palette = self.theme.urwid_palette(256, monochrome=self.options.monochrome)
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
            screen_now.set_terminal_properties(colors=256)
        async with trio.open_nursery() as nursery:
            self.rex.start_background(nursery)
            self.workers = Workers(nursery, on_error=self._failed, on_busy=self._busy)
            nursery.start_soon(self._spin)
            self._load_registries()
            with self.loop.start():
                await event_loop.run_async()
            nursery.cancel_scope.cancel()

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
                passed.append(key)  # mouse events go to the widgets
                continue
            if self.help_shown:
                action = self.keymap.lookup("help", key)
                if key in ("esc", "?", "q") or action in ("back", "help", "cancel", "quit"):
                    self._toggle_help("help")
                elif action in ("move_down", "move_up", "page_down", "page_up"):
                    passed.append({"move_down": "down", "move_up": "up"}.get(action, key))
                continue
            if self.filtering is not None:
                passed.extend(self._filter_key(key))
                continue
            if self.commanding:
                passed.extend(self._command_key(key))
                continue
            context = self.layout.focused.context
            resolution = self.dispatcher.feed(context, key)
            passed.extend(resolution.replay)
            self.status.state.pending_keys = (
                resolution.display if resolution.outcome is Outcome.PENDING else ""
            )
            if resolution.outcome is Outcome.ACTION and resolution.action:
                self.do(resolution.action)
            self.status.update()
        return passed

    def _filter_key(self, key: str) -> list[str]:
        action = self.keymap.lookup("filter", key)
        if action == "filter_clear" or key == "esc":
            self.filter_edit.set_edit_text("")
            self._close_filter()
            return []
        if action == "filter_accept" or key == "enter":
            self._close_filter()
            return []
        if action in ("move_down", "move_up") and self.filtering is not None:
            self.filtering.act(action, self._size)
            return []
        # Straight into the edit, in order with the keys around it in this batch.
        self.filter_edit.keypress((self._size[0],), key)
        return []

    # -- actions -----------------------------------------------------------------

    def do(self, action: str) -> None:
        """Run a named action (what a key is bound to)."""
        pane = self.layout.focused
        if action == "quit":
            raise urwid.ExitMainLoop()
        if action in ("focus_next", "focus_right"):
            self.layout.focus_pane(self.layout.focus_index + 1)
        elif action in ("focus_prev", "focus_left"):
            self.layout.focus_pane(self.layout.focus_index - 1)
        elif action == "open":
            self._open()
        elif action == "back":
            self._back()
        elif action == "filter" and isinstance(pane, ListPane):
            self._open_filter(pane)
        elif action == "filter_clear" and isinstance(pane, ListPane):
            pane.table.set_query("")
            pane.walker.changed()
        elif action in ("refresh", "hard_refresh"):
            self._refresh(hard=action == "hard_refresh")
        elif action == "toggle_theme":
            self._toggle_theme()
        elif action == "toggle_log":
            self._toggle_log()
        elif action == "copy_reference":
            self._copy_reference()
        elif action == "redraw" and self.loop is not None:
            self.loop.screen.clear()
        elif action == "help":
            self._toggle_help(pane.context)
        elif action == "command_line":
            self._open_command_line()
        elif not pane.act(action, self._size):
            self.status.state.notice = f"{action.replace('_', ' ')}: not available here yet"
            return
        self.status.state.notice = ""

    def _open(self) -> None:
        index = self.layout.focus_index
        if index == 0:
            row = self.registries.focused_row
            if row is not None and row.key != self.registry:
                self.registry = str(row.key)
                self._show_registries()
                self._load_repositories()
        self.layout.focus_pane(min(index + 1, 3))

    def _back(self) -> None:
        pane = self.layout.focused
        if isinstance(pane, ListPane) and pane.table.query:
            pane.table.set_query("")
            pane.walker.changed()
            return
        self.layout.focus_pane(_BACK.get(pane.context, 0))

    def _open_filter(self, pane: ListPane) -> None:
        if self.workers is None:
            return
        self.filtering = pane
        self.runner = FilterRunner(self.workers._nursery, pane.table, self._filtered)
        self.filter_edit.set_edit_text(pane.table.query)
        self.filter_edit.set_edit_pos(len(pane.table.query))
        self.footer.contents = [
            (urwid.AttrMap(self.filter_edit, "cmdline"), self.footer.options()),
            (self.status, self.footer.options()),
        ]
        self.frame.focus_position = "footer"
        self.footer.focus_position = 0

    def _close_filter(self) -> None:
        self.filtering = None
        self.footer.contents = [(self.status, self.footer.options())]
        self.frame.focus_position = "body"
        self._filtered()

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

    # -- data --------------------------------------------------------------------

    def _load_registries(self) -> None:
        self._registry_status = {name: "…" for name in self.options.registry_names}
        self._show_registries()
        assert self.workers is not None
        for name in self.options.registry_names:
            self.workers.run(
                f"ping:{name}",
                lambda name=name: self._ping(name),  # type: ignore[misc]
                lambda status, name=name: self._pinged(name, status),  # type: ignore[misc]
            )
        self._load_repositories()

    async def _ping(self, name: str) -> str:
        """online, auth required or offline: what the registries pane shows."""
        try:
            return (await self.rex.ping(name)).status
        except AuthenticationError:
            return "auth failed"
        except RexError:
            return "offline"

    def _pinged(self, name: str, status: str) -> None:
        self._registry_status[name] = status
        self._show_registries()

    def _show_registries(self) -> None:
        styles = {
            "online": "registry.online",
            "auth required": "registry.auth",
            "auth failed": "registry.auth",
            "offline": "registry.offline",
        }
        rows = []
        for name in self.options.registry_names:
            status = self._registry_status.get(name, "…")
            marker = "● " if name == self.registry else "  "
            rows.append(Row(marker + name, (status,), key=name, styles=(styles.get(status),)))
        self.registries.set_rows(rows, keep=self.registry)

    def _load_repositories(self, *, refresh: bool = False, hard: bool = False) -> None:
        assert self.workers is not None
        registry = self.registry
        self.status.state.registry = registry
        self.repos.set_title(f"Repositories ({registry})")

        async def fetch() -> Fetched[list[str]]:
            consistency = "strong" if hard else "eventual"
            return await self.rex.fetch_repositories(
                registry, consistency=consistency, refresh=refresh
            )

        self.workers.run("repositories", fetch, self._show_repositories)

    def _show_repositories(self, fetched: Fetched[list[str]]) -> None:
        names = fetched.value
        self.repos.set_rows([Row(name, key=name) for name in names])
        self.repos.set_title(f"Repositories ({len(names):,})")
        self._show_age(fetched)
        if fetched.refresh is not None and self.workers is not None:
            refresh = fetched.refresh
            self.workers.run(
                "repositories-refresh",
                refresh.wait,
                lambda fresh: self._show_repositories(Fetched(fresh)),
            )

    def _repo_moved(self, row: Row | None) -> None:
        self.repository = str(row.key) if row is not None else None
        self.tags.set_rows([])
        self.details.set_message("Select a tag to see its details.")
        if self.repository is not None and self.workers is not None:
            self._load_tags(self.repository)

    def _load_tags(self, repository: str, *, refresh: bool = False, hard: bool = False) -> None:
        assert self.workers is not None
        registry = self.registry

        async def fetch() -> tuple[Fetched[list[str]], list[TagInfo]]:
            consistency = "strong" if hard else "eventual"
            fetched = await self.rex.fetch_tags(
                repository, registry, consistency=consistency, refresh=refresh
            )
            self._show_tag_names(repository, fetched.value)
            infos = await self.rex.tag_infos(repository, fetched.value, registry=registry)
            return fetched, infos

        self.workers.run("tags", fetch, lambda result: self._show_tags(repository, *result))

    def _show_tag_names(self, repository: str, tags: list[str]) -> None:
        if repository == self.repository:
            self.tags.set_rows([Row(tag, ("…",), key=tag) for tag in sorted(tags)])
            self.tags.set_title(f"Tags: {repository} ({len(tags):,})")

    def _show_tags(
        self, repository: str, fetched: Fetched[list[str]], infos: list[TagInfo]
    ) -> None:
        if repository != self.repository:
            return
        now = datetime.now(UTC)
        rows = [
            Row(
                info.tag,
                (
                    info.digest.removeprefix("sha256:")[:12],
                    human_size(info.size) if info.size else "-",
                    relative_time(info.created, now) if info.created else "-",
                    ", ".join(info.platforms) or "-",
                ),
                key=info.tag,
                styles=("details.digest", "details.size", "details.date", "details.platform"),
            )
            for info in sorted(
                infos, key=lambda i: i.created or datetime.min.replace(tzinfo=UTC), reverse=True
            )
        ]
        self.tags.set_rows(rows)
        self._show_age(fetched)

    def _tag_moved(self, row: Row | None) -> None:
        self.tag = str(row.key) if row is not None else None
        if self.tag is None or self.repository is None or self.workers is None:
            return
        reference = f"{self.repository}:{self.tag}"
        registry = self.registry

        async def fetch() -> Fetched[ImageInfo]:
            return await self.rex.fetch_image(
                self.rex.reference(reference, registry),
                platform=self.platform,
                consistency="eventual",
            )

        self.details.set_title(f"Details: {reference}")
        self.workers.run("details", fetch, self._show_image)

    def _show_image(self, fetched: Fetched[ImageInfo]) -> None:
        info = fetched.value
        self.details.set_content(lambda section: section_lines(section, info, referrers=()))
        if fetched.refresh is not None and self.workers is not None:
            self.workers.run(
                "details-refresh", fetched.refresh.wait, lambda i: self._show_image(Fetched(i))
            )

    def _refresh(self, *, hard: bool) -> None:
        pane = self.layout.focused
        if pane is self.tags and self.repository:
            self._load_tags(self.repository, refresh=True, hard=hard)
        else:
            self._load_repositories(refresh=True, hard=hard)

    # -- status, theme, log, clipboard -------------------------------------------

    def _show_age(self, fetched: Fetched[Any]) -> None:
        self.status.state.age = fetched.age
        self.status.state.refreshing = fetched.refresh is not None
        self.status.state.error = None
        self.status.update()

    def _failed(self, slot: str, error: RexError) -> None:
        self.status.state.error = error
        self.status.state.refreshing = False
        if slot == "repositories" and not self.repos.rows_shown():
            self.repos.set_message(f"✗ {error}")
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

    # -- the : command line ------------------------------------------------------

    def _open_command_line(self) -> None:
        self.commanding = True
        self.command_edit.set_edit_text("")
        self._completions, self._completion_index = [], -1
        self.footer.contents = [
            (urwid.AttrMap(self.command_edit, "cmdline"), self.footer.options()),
            (self.status, self.footer.options()),
        ]
        self.frame.focus_position = "footer"
        self.footer.focus_position = 0

    def _close_command_line(self) -> None:
        self.commanding = False
        self.footer.contents = [(self.status, self.footer.options())]
        self.frame.focus_position = "body"

    def _command_key(self, key: str) -> list[str]:
        action = self.keymap.lookup("command", key)
        if key == "esc" or action == "cancel":
            self._close_command_line()
            return []
        if key == "enter" or action == "command_submit":
            text = self.command_edit.edit_text
            self._close_command_line()
            self._run_command(text)
            return []
        if action in ("command_complete", "command_complete_prev") or key == "tab":
            step = -1 if action == "command_complete_prev" else 1
            self._complete(step)
            return []
        self._completions, self._completion_index = [], -1
        self.command_edit.keypress((self._size[0],), key)
        return []

    def _choices(self, kind: str) -> list[str]:
        if kind == "registry":
            return list(self.options.registry_names)
        if kind == "theme":
            return available_themes(self.options.theme_dir)
        if kind == "sort":
            return ["name", "date", "size"]
        if kind == "platform":
            return ["linux/amd64", "linux/arm64", "linux/arm/v7", "default"]
        return []

    def _complete(self, step: int) -> None:
        if not self._completions:
            self._completions = complete(self.command_edit.edit_text, self._choices)
            self._completion_index = -1 if step > 0 else 0
        if not self._completions:
            self.status.state.notice = "no completion"
            self.status.update()
            return
        self._completion_index = (self._completion_index + step) % len(self._completions)
        text = self._completions[self._completion_index]
        self.command_edit.set_edit_text(text)
        self.command_edit.set_edit_pos(len(text))
        self.status.state.notice = "  ".join(self._completions[:8])
        self.status.update()

    def _run_command(self, text: str) -> None:
        try:
            command, arg = parse(text)
        except CommandError as exc:
            self.status.state.notice = str(exc)
            self.status.update()
            return
        name = command.name
        if name == "quit":
            raise urwid.ExitMainLoop()
        if name == "refresh":
            self._refresh(hard=False)
        elif name == "theme" and arg:
            self._toggle_theme(arg)
        elif name == "registry" and arg:
            if arg not in self.options.registry_names:
                self.status.state.notice = f"no registry named {arg!r}; Tab lists them"
            else:
                self.registry = arg
                self._show_registries()
                self._load_repositories()
        elif name == "sort" and arg:
            if arg not in ("name", "date", "size"):
                self.status.state.notice = "sort by name, date or size"
            else:
                self.sort = arg
                if self._tag_rows_source is not None:
                    self._show_tags(*self._tag_rows_source)
                self.status.state.notice = f"tags sorted by {arg}"
        elif name == "add-repo" and arg:
            self._add_repository(arg)
        elif name == "platform" and arg:
            self.platform = None if arg == "default" else arg
            self.status.state.notice = f"platform: {self.platform or 'host default'}"
            row = self.tags.focused_row
            self._tag_moved(row)
        else:
            self.status.state.notice = (
                f":{name} is not built yet; use the rex command line meanwhile "
                "(rex registry login, rex config)"
            )
        self.status.update()

    def _add_repository(self, repository: str) -> None:
        """Save `repository` to the current registry's list in the config, then show it."""
        from engine.settings import add_repository, default_config_path, load

        path = self.options.config_path or default_config_path()
        try:
            add_repository(path, self.registry, repository)
            self.rex.config = load(path).config
        except RexError as exc:
            self.status.state.error = exc
            return
        self.status.state.notice = f"added {repository} to {self.registry} in {path}"
        self._load_repositories(refresh=True)

    def _toggle_help(self, context: str) -> None:
        self.help_shown = not self.help_shown
        if self.help_shown:
            overlay = urwid.Overlay(
                help_widget(self.keymap, context),
                self.layout,
                "center",
                ("relative", 80),
                "middle",
                ("relative", 80),
            )
            self.frame.body = overlay
        else:
            self.frame.body = self.layout
            if self.show_log:
                self.show_log = False
                self._toggle_log()

    def _toggle_log(self) -> None:
        self.show_log = not self.show_log
        body: urwid.Widget = self.layout
        if self.show_log:
            body = urwid.Pile([self.layout, ("pack", urwid.LineBox(self.log_box, "Log"))])
        self.frame.body = body

    def _log(self, line: LogLine) -> None:
        self.log_walker.append(urwid.Text((line.style, line.text()), wrap="clip"))
        del self.log_walker[:-500]
        if self.log_walker:
            self.log_walker.set_focus(len(self.log_walker) - 1)

    def _copy_reference(self) -> None:
        if self.repository is None or self.loop is None:
            return
        reference = self.repository + (f":{self.tag}" if self.tag else "")
        host = self.rex.default_host(self.registry)
        text = f"{host}/{reference}"
        payload = base64.b64encode(text.encode()).decode()
        # OSC 52: the terminal puts it on the clipboard, even over ssh.
        screen = self.loop.screen
        if isinstance(screen, urwid.display.raw.Screen):
            screen.write(f"\x1b]52;c;{payload}\x07")
        self.status.state.notice = f"copied {text}"
