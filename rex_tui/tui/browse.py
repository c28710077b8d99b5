"""What the four panes show, and the engine calls that feed them.

`Browser` owns the browsing state (registry, repository, tag, platform, sort
orders) and the panes that show it. Every engine call runs in a worker slot
named for its pane, so a newer selection cancels the older request; what is
cached shows at once (eventual consistency) and fresh data replaces it in
place, keeping the selection.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import trio

from engine.errors import AuthenticationError, NotFoundError, RexError
from engine.format import human_size, relative_time
from engine.models import ImageInfo, TagInfo
from engine.oci import Descriptor
from engine.refresh import Fetched
from engine.rex import Rex
from rex_tui.tui.details import section_lines
from rex_tui.tui.panes import DetailsPane, ListPane
from rex_tui.tui.rows import Column, LazyRows, Row, platforms_marker, status_icon
from rex_tui.tui.statusbar import StatusBar
from rex_tui.tui.workers import Workers

__all__ = ["SORT_KEYS", "Browser"]

logger = logging.getLogger(__name__)

SORT_KEYS = ("name", "date", "size")
"""Tags sort by name, created (newest first) or size (largest first); repositories
by name, last updated or tag count."""

# Columns give way by `keep` (lowest first): docs/guide.md "When the terminal is narrow".
_TAG_COLUMNS = (
    Column("DIGEST", 12, keep=1),
    Column("SIZE", 9, "right", keep=3),
    Column("CREATED", 11, keep=4),
    Column("PLATFORMS", 40, keep=2, short=4, short_header="ARCH", shorten=platforms_marker,
           min_width=11),
)  # fmt: skip
_REPO_COLUMNS = (Column("TAGS", 5, "right", keep=2), Column("UPDATED", 11, keep=1))
_STATUS_COLUMN = Column("STATUS", 14, short=1, shorten=status_icon)
# Dates and ages ("2026-10-16", "3 weeks ago") fit in 11 columns.
_REPO_STYLES = (None, "details.date")
_TAG_STYLES = ("details.digest", "details.size", "details.date", "details.platform")
_STATUS_STYLES = {
    "online": "registry.online",
    "auth required": "registry.auth",
    "auth failed": "registry.auth",
    "offline": "registry.offline",
    "catalog closed": "registry.closed",
}
_SETTLE = 0.25
"""Seconds the selection must rest before the tags around it are counted."""
_TYPING_PAUSE = 1.0
"""While a filter is typed, the pause that lets tags load and counts run: sooner,
they would take the CPU from the next keystroke's filtering, then be cancelled."""
_PING_DELAY_MAX = 1.0
"""Seconds the first pings wait for the first repository list to be drawn."""
_COUNT_WINDOW = 60
"""Repositories around the selection whose tags are counted in the background."""
_EPOCH = datetime.min.replace(tzinfo=UTC)
_T = TypeVar("_T")


@dataclass(slots=True)
class RepoFacts:
    """What is known of a repository without opening it."""

    tags: int | None = None
    updated: datetime | None = None


def sort_tags(infos: Iterable[TagInfo], by: str) -> list[TagInfo]:
    if by == "name":
        return sorted(infos, key=lambda i: i.tag)
    if by == "size":
        return sorted(infos, key=lambda i: (-i.size, i.tag))
    return sorted(infos, key=lambda i: (i.created or _EPOCH, i.tag), reverse=True)


class Browser:
    """Registries -> repositories -> tags -> details, fed by the engine."""

    def __init__(
        self,
        rex: Rex,
        registry_names: list[str],
        current: str,
        status: StatusBar,
    ) -> None:
        self.rex = rex
        self.registry_names = registry_names
        self.registry = current
        self.status = status
        self.repository: str | None = None
        self.tag: str | None = None
        self.platform: str | None = None
        self.tag_sort = "date"
        self.repo_sort = "name"
        self.image: ImageInfo | None = None
        self.workers: Workers | None = None
        self.typing = False
        """A filter is being typed (set by the app): selection moves are not choices yet."""
        self.redraw: Callable[[], None] = lambda: None
        """Draw the screen now (set by the app): a list on screen before other work runs."""
        self.started = trio.Event()
        """Set once the first repository list (or why there is none) is on screen."""
        # A registry's status matters more than its name's tail: it may be cut to "auth r…".
        self.registries = ListPane("registries", "Registries", (_STATUS_COLUMN,))
        self.repos = ListPane(
            "repositories", "Repositories", _REPO_COLUMNS, on_move=self._repo_moved
        )
        self.tags = ListPane("tags", "Tags", _TAG_COLUMNS, on_move=self._tag_moved, name_cap=24)
        self.details = DetailsPane()
        self.registry_status: dict[str, str] = {}
        self._repo_names: list[str] = []
        self._repo_facts: dict[tuple[str, str], RepoFacts] = {}
        self._repo_rows = LazyRows([], lambda name: Row(name))
        self._tag_infos: dict[str, TagInfo] = {}

    @property
    def panes(self) -> list[Any]:
        return [self.registries, self.repos, self.tags, self.details]

    def _run(
        self,
        slot: str,
        fetch: Callable[[], Awaitable[_T]],
        done: Callable[[_T], None],
        delay: float = 0.0,
    ) -> None:
        if self.workers is not None:
            self.workers.run(slot, fetch, done, delay=delay)

    # -- registries ----------------------------------------------------------------

    def load_registries(self) -> None:
        """Show the configured registries, load the current one, and ping each."""
        self.show_registries()
        self.load_repositories()
        for name in self.registry_names:
            self.registry_status.setdefault(name, "…")
            self._run(
                f"ping:{name}",
                lambda name=name: self._ping(name),  # type: ignore[misc]
                lambda status, name=name: self.set_registry_status(name, status),  # type: ignore[misc]
            )

    async def _ping(self, name: str) -> str:
        """online, auth required, auth failed or offline: what the registries pane shows."""
        # A ping's first request imports the HTTP stack (~50 ms): cached names go first.
        with trio.move_on_after(_PING_DELAY_MAX):
            await self.started.wait()
        try:
            return (await self.rex.ping(name)).status
        except AuthenticationError:
            return "auth failed"
        except RexError:
            return "offline"

    def set_registry_status(self, name: str, status: str) -> None:
        if self.registry_status.get(name) == "catalog closed" and status == "online":
            return  # the catalog's answer says more than the ping's
        self.registry_status[name] = status
        self.show_registries()

    def show_registries(self) -> None:
        rows = []
        for name in self.registry_names:
            status = self.registry_status.get(name, "…")
            marker = "● " if name == self.registry else "  "
            rows.append(
                Row(marker + name, (status,), key=name, styles=(_STATUS_STYLES.get(status),))
            )
        self.registries.set_rows(rows, keep=self.registry)

    def use_registry(self, name: str) -> None:
        if name == self.registry:
            return
        self.registry = name
        self.repository = self.tag = None
        self._repo_names = []
        self.repos.set_rows([], top=True)  # not the last registry's names under the new title
        self.show_registries()
        self.load_repositories()

    # -- repositories ----------------------------------------------------------------

    def load_repositories(self, *, refresh: bool = False, hard: bool = False) -> None:
        registry = self.registry
        self.status.state.registry = registry
        self.repos.set_title(f"Repositories ({registry})")
        if not self.repos.rows_shown():
            self.repos.set_message("loading…")

        async def fetch() -> Fetched[list[str]]:
            consistency = "strong" if hard else "eventual"
            return await self.rex.fetch_repositories(
                registry, consistency=consistency, refresh=refresh
            )

        self._run("repositories", fetch, lambda f: self._show_repositories(registry, f))

    def _show_repositories(self, registry: str, fetched: Fetched[list[str]]) -> None:
        if registry != self.registry:
            return
        self._repo_names = fetched.value
        configured = list(self.rex.registry_config(registry).repositories)
        closed = bool(configured) and self._repo_names == configured
        if closed and self.registry_status.get(registry) != "catalog closed":
            # The engine falls back to the configured list only when the catalog is closed.
            self.registry_status[registry] = "catalog closed"
            self.show_registries()
        self.show_repository_rows()
        count = f"{len(self._repo_names):,}"
        self.repos.set_title(
            f"Repositories ({count}, configured)" if closed else f"Repositories ({count})"
        )
        if closed:
            self.status.say("catalog closed: the configured repositories; :add-repo NAME adds one")
        self.status.show_age(fetched.age, fetched.refresh is not None)
        if fetched.refresh is not None:
            self._run(
                "repositories-refresh",
                fetched.refresh.wait,
                lambda fresh: self._show_repositories(registry, Fetched(fresh)),
            )
        self._count_tags_near_selection()
        self.redraw()
        self.started.set()

    def repositories_failed(self, error: RexError) -> None:
        """The catalog could not be read: say why in the pane if nothing is shown."""
        if isinstance(error, AuthenticationError):
            self.repos.set_message(
                "This registry wants a login before it lists its repositories: "
                ":login (or i on it in the Registries pane)."
            )
        elif isinstance(error, NotFoundError):  # a 404 for /v2/_catalog: no catalog here
            self.registry_status[self.registry] = "catalog closed"
            self.show_registries()
            self.repos.set_message(
                "This registry does not list its repositories. Type :add-repo NAME "
                "to add one you know (saved to the config)."
            )
        elif not self.repos.rows_shown():
            self.repos.set_message(f"✗ {error}")
        self.started.set()

    def show_repository_rows(self) -> None:
        registry = self.registry
        facts = self._repo_facts
        names = self._repo_names
        if self.repo_sort == "date":
            names = sorted(names, key=lambda n: self._facts(n).updated or _EPOCH, reverse=True)
        elif self.repo_sort == "size":
            names = sorted(names, key=lambda n: -(self._facts(n).tags or 0))

        def make(name: str) -> Row:
            cells = self._repo_cells(facts.get((registry, name)))
            return Row(name, cells, key=name, styles=_REPO_STYLES)

        # 100,000 names cost one list: a row is made when it is shown.
        self._repo_rows = LazyRows(names, make)
        self.repos.set_rows(self._repo_rows, keep=self.repository)

    def _facts(self, name: str) -> RepoFacts:
        return self._repo_facts.get((self.registry, name)) or RepoFacts()

    @staticmethod
    def _repo_cells(known: RepoFacts | None) -> tuple[str, str]:
        if known is None:
            return ("", "")
        tags = f"{known.tags:,}" if known.tags is not None else ""
        updated = relative_time(known.updated, datetime.now(UTC)) if known.updated else ""
        return (tags, updated)

    def _learn(
        self,
        name: str,
        *,
        tags: int | None = None,
        updated: datetime | None = None,
        redraw: bool = True,
    ) -> None:
        """Record a fact about a repository and show it in its row, in place."""
        facts = self._repo_facts.setdefault((self.registry, name), RepoFacts())
        if tags is not None:
            facts.tags = tags
        if updated is not None:
            facts.updated = updated
        row = self._repo_rows.made(name)  # a row made later reads the facts then
        if row is not None:
            row.cells = self._repo_cells(facts)
            if redraw:
                self.repos.refresh_rows()

    def _count_tags_near_selection(self) -> None:
        """Tag counts of the repositories on screen around the selection, in the background."""
        table = self.repos.table
        focus = self.repos.walker.focus
        start = max(0, focus - _COUNT_WINDOW // 3)
        names = [
            table.match(i)[0].name for i in range(start, min(len(table), start + _COUNT_WINDOW))
        ]
        wanted = [n for n in names if self._facts(n).tags is None]
        if not wanted:
            return
        registry = self.registry

        async def count() -> dict[str, int]:
            counts: dict[str, int] = {}

            async def one(name: str) -> None:
                try:
                    fetched = await self.rex.fetch_tags(name, registry, consistency="eventual")
                except RexError as exc:
                    logger.debug("cannot count the tags of %s: %s", name, exc)
                    return
                counts[name] = len(fetched.value)

            # The engine bounds the requests in flight per registry.
            async with trio.open_nursery() as nursery:
                for name in wanted:
                    nursery.start_soon(one, name)
            return counts

        def show(counts: dict[str, int]) -> None:
            if registry == self.registry:
                for name, n in counts.items():
                    self._learn(name, tags=n, redraw=False)
                self.repos.refresh_rows()  # once for the batch

        # Only once the selection rests: each move (a filter keystroke too) restarts this.
        self._run("repo-counts", count, show, delay=_TYPING_PAUSE if self.typing else _SETTLE)

    def filter_typed(self, pane: object) -> None:
        """A filter opened or typed in on `pane`: the selection's background work waits
        until typing pauses (a selection that is about to move needs none of it)."""
        if pane is self.repos and self.repository is not None:
            if not self._tag_infos:
                self.load_tags(self.repository, pause=_TYPING_PAUSE)
            self._count_tags_near_selection()

    def _repo_moved(self, row: Row | None) -> None:
        self.repository = str(row.key) if row is not None else None
        self.tags.set_rows([])
        self.tags.set_title("Tags")
        self._tag_infos = {}
        self.details.set_message("Select a tag to see its details.")
        if self.repository is not None:
            # While a filter is typed every keystroke moves the selection: wait for a pause.
            self.load_tags(self.repository, pause=_TYPING_PAUSE if self.typing else 0.0)
            self._count_tags_near_selection()

    # -- tags ----------------------------------------------------------------------

    def load_tags(
        self, repository: str, *, refresh: bool = False, hard: bool = False, pause: float = 0.0
    ) -> None:
        """Load `repository`'s tags (after `pause` s, unless a newer load supersedes it)."""
        registry = self.registry

        async def fetch() -> tuple[Fetched[list[str]], list[TagInfo]]:
            consistency = "strong" if hard else "eventual"
            fetched = await self.rex.fetch_tags(
                repository, registry, consistency=consistency, refresh=refresh
            )
            self._show_tag_names(repository, fetched.value)
            infos = await self.rex.tag_infos(repository, fetched.value, registry=registry)
            return fetched, infos

        self._run("tags", fetch, lambda result: self._show_tags(repository, *result), pause)

    def _show_tag_names(self, repository: str, tags: list[str]) -> None:
        if repository == self.repository and not self._tag_infos:
            self.tags.set_rows([Row(tag, ("…",), key=tag) for tag in sorted(tags)])
            self.tags.set_title(f"Tags: {repository} ({len(tags):,})")
            self._learn(repository, tags=len(tags))

    def _show_tags(
        self, repository: str, fetched: Fetched[list[str]], infos: list[TagInfo]
    ) -> None:
        if repository != self.repository:
            return
        first = not self._tag_infos  # a refresh keeps the selection; a new list starts on top
        self._tag_infos = {info.tag: info for info in infos}
        self.show_tag_rows(top=first)
        self.tags.set_title(f"Tags: {repository} ({len(infos):,})")
        newest = max((i.created for i in infos if i.created), default=None)
        self._learn(repository, tags=len(fetched.value), updated=newest)
        self.status.show_age(fetched.age, fetched.refresh is not None)

    def show_tag_rows(self, *, top: bool = False) -> None:
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
                styles=_TAG_STYLES,
            )
            for info in sort_tags(self._tag_infos.values(), self.tag_sort)
        ]
        self.tags.set_rows(rows, keep=self.tag, top=top)

    def tag_info(self) -> TagInfo | None:
        return self._tag_infos.get(self.tag or "")

    def set_sort(self, pane: ListPane, by: str) -> None:
        if pane is self.repos:
            self.repo_sort = by
            self.show_repository_rows()
        else:
            self.tag_sort = by
            self.show_tag_rows()

    # -- details -------------------------------------------------------------------

    def _tag_moved(self, row: Row | None) -> None:
        self.tag = str(row.key) if row is not None else None
        self.show_image_of_tag()

    def show_image_of_tag(self, *, refresh: bool = False) -> None:
        """Fetch the selected tag's image (manifest, config) and its referrers."""
        if self.tag is None or self.repository is None:
            return
        reference = f"{self.repository}:{self.tag}"
        registry, platform = self.registry, self.platform

        async def fetch() -> Fetched[ImageInfo]:
            return await self.rex.fetch_image(
                self.rex.reference(reference, registry),
                platform=platform,
                consistency="eventual",
                refresh=refresh,
            )

        self.details.set_title(f"Details: {reference}")
        if self.workers is not None:
            self.workers.cancel("referrers")
        self._run("details", fetch, lambda f: self._show_image(reference, f))

    def _show_image(self, reference: str, fetched: Fetched[ImageInfo]) -> None:
        if reference != f"{self.repository}:{self.tag}":
            return
        info = fetched.value
        self.image = info
        self._render_details(info, None)
        if fetched.refresh is not None:
            self._run(
                "details-refresh",
                fetched.refresh.wait,
                lambda fresh: self._show_image(reference, Fetched(fresh)),
            )
        registry = self.registry
        pinned = f"{info.repository}@{info.digest}"

        async def referrers() -> list[Descriptor]:
            return await self.rex.referrers(self.rex.reference(pinned, registry))

        self._run("referrers", referrers, lambda found: self._show_referrers(info, found))

    def _show_referrers(self, info: ImageInfo, found: list[Descriptor]) -> None:
        if self.image is info:
            self._render_details(info, found)

    def _render_details(self, info: ImageInfo, referrers: list[Descriptor] | None) -> None:
        self.details.set_content(lambda section: section_lines(section, info, referrers))

    # -- refreshing ----------------------------------------------------------------

    def refresh(self, pane: object, *, hard: bool) -> None:
        """r / R: the focused pane's data again (R bypasses the cache)."""
        if pane is self.registries:
            self.load_registries()
        elif pane is self.details:
            self.show_image_of_tag(refresh=True)
        elif pane is self.tags and self.repository:
            self.load_tags(self.repository, refresh=True, hard=hard)
        else:
            self.load_repositories(refresh=True, hard=hard)
