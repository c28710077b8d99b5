"""What the four panes show, and the engine calls that feed them.

`Browser` owns the browsing state (registry, repository, tag, platform, sort
orders) and the panes that show it. Every engine call runs in a worker slot
named for its pane, so a newer selection cancels the older request; what is
cached shows at once (eventual consistency) and fresh data replaces it in
place, keeping the selection.

Every pane shows one subject: `subject(context)` is (registry,) for the
repositories, (registry, repository) for the tags and (registry, repository,
tag, platform) for the details. A result or failure is applied only if its
pane still shows the subject it was asked for; otherwise it is dropped.
`shown` records, per pane, the subject of its title and of its body, so a
test can check that no pane shows one subject's body under another's title.
Filters, ages and "refreshing" belong to a pane and its subject too.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import trio

from engine import (
    AuthenticationError,
    Descriptor,
    Fetched,
    ImageInfo,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RegistryStatus,
    Rex,
    RexError,
    TagInfo,
    human_size,
    relative_time,
)
from rex_tui.tui.details import section_lines
from rex_tui.tui.panes import DetailsPane, ListPane
from rex_tui.tui.registries import RegistriesPane, registry_row
from rex_tui.tui.rows import Column, LazyRows, Row, platforms_marker
from rex_tui.tui.statusbar import PaneFacts, StatusBar, tui_hint
from rex_tui.tui.workers import Workers

__all__ = ["SORT_KEYS", "Browser", "Shown", "is_referrer_tag", "version_key"]

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
# Dates and ages ("2026-10-16", "3 weeks ago") fit in 11 columns.
_REPO_STYLES = (None, "details.date")
_TAG_STYLES = ("details.digest", "details.size", "details.date", "details.platform")
_DOWN = ("offline", "rate-limited")
"""Statuses a fresh answer from the registry ends."""
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
_REFERRER_TAG = re.compile(r"sha256-[0-9a-f]{64}(\.[A-Za-z0-9_.-]+)?")
_DIGITS = re.compile(r"(\d+)")
_SORT_COLUMN = {
    ("tags", "name"): "NAME",
    ("tags", "date"): "CREATED",
    ("tags", "size"): "SIZE",
    ("repositories", "name"): "NAME",
    ("repositories", "date"): "UPDATED",
    ("repositories", "size"): "TAGS",
}
"""The header a sort order is marked on."""
_DESCENDING = {"date", "size"}
"""Orders that put the largest first unless reversed: newest, biggest."""
Subject = tuple[str | None, ...]


def is_referrer_tag(tag: str) -> bool:
    """An OCI 1.1 referrers fallback tag (`sha256-<hex>`, cosign's `.sig`/`.att` too):
    an artifact index, not an image."""
    return _REFERRER_TAG.fullmatch(tag) is not None


def version_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sorts names as versions: `2.2.0` before `2.10.0`, `v9` before `v10`."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(name) if part
    )


@dataclass(slots=True)
class Shown:
    """The subjects a pane's title and body stand for (None: a message, no data)."""

    title: Subject = ()
    body: Subject | None = None


@dataclass(slots=True)
class Freshness:
    """How old a pane's data is, and whether a refresh is under way."""

    age: float | None = None
    landed: float = field(default_factory=time.monotonic)
    refreshing: bool = False


@dataclass(slots=True)
class RepoFacts:
    """What is known of a repository without opening it."""

    tags: int | None = None
    updated: datetime | None = None


def sort_tags(infos: Iterable[TagInfo], by: str, reverse: bool = False) -> list[TagInfo]:
    """Name: version-aware, ascending; date: newest first; size: largest first."""
    if by == "name":
        return sorted(infos, key=lambda i: version_key(i.tag), reverse=reverse)
    if by == "size":
        ordered = sorted(infos, key=lambda i: (i.size, version_key(i.tag)), reverse=True)
    else:
        ordered = sorted(
            infos, key=lambda i: (i.created or _EPOCH, version_key(i.tag)), reverse=True
        )
    return ordered[::-1] if reverse else ordered


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
        self.sort_reversed: dict[str, bool] = {"tags": False, "repositories": False}
        self.show_referrer_tags = False
        """The `sha256-…` referrers fallback tags are artifacts: hidden unless asked for."""
        self.image: ImageInfo | None = None
        self.referrers: list[Descriptor] | None = None
        """The shown image's referrers, once known (Enter on one opens it)."""
        self.workers: Workers | None = None
        self.typing = False
        """A filter is being typed (set by the app): selection moves are not choices yet."""
        self.redraw: Callable[[], None] = lambda: None
        """Draw the screen now (set by the app): a list on screen before other work runs."""
        self.started = trio.Event()
        """Set once the first repository list (or why there is none) is on screen."""
        self.registries = RegistriesPane()
        self.repos = ListPane(
            "repositories", "Repositories", _REPO_COLUMNS, on_move=self._repo_moved
        )
        self.tags = ListPane("tags", "Tags", _TAG_COLUMNS, on_move=self._tag_moved, name_cap=24)
        self.details = DetailsPane()
        self.registry_status: dict[str, str] = {}
        self.dashboard: dict[str, RegistryStatus] = {}
        """Each registry's last check (latency, auth, counts, rate limit, last error)."""
        self._dashboard_seen: tuple[object, ...] = ()
        self._repo_names: list[str] = []
        self._repo_facts: dict[tuple[str, str], RepoFacts] = {}
        self._repo_rows = LazyRows([], lambda name: Row(name))
        self._tag_infos: dict[str, TagInfo] = {}
        self.shown: dict[str, Shown] = {c: Shown() for c in ("repositories", "tags", "details")}
        self._freshness: dict[str, Freshness] = {}
        self._fresh_subject: dict[str, Subject] = {}
        self._queries: dict[tuple[str, Subject], str] = {}
        """Each pane's filter per subject: a tag filter stays with its repository."""
        self._mark_sort(self.repos)
        self._mark_sort(self.tags)

    def subject(self, context: str) -> Subject:
        """What the pane of `context` shows now."""
        if context == "repositories":
            return (self.registry,)
        if context == "tags":
            return (self.registry, self.repository)
        if context == "details":
            return (self.registry, self.repository, self.tag, self.platform)
        return ()

    def _title(self, context: str) -> None:
        """The pane's title now names its current subject."""
        self.shown[context].title = self.subject(context)

    def _body(self, context: str, subject: Subject | None) -> None:
        self.shown[context].body = subject

    def _loading(self, context: str) -> None:
        """The pane's subject changed: "loading…" until its data lands, never the last body."""
        if context == "details":
            self.image = None
            self.details.set_message("loading…")
        else:
            pane = self.tags if context == "tags" else self.repos
            pane.set_rows([], top=True)
            pane.set_message("loading…" if self.subject(context)[-1] else "Select a repository.")
        self._body(context, None)

    def facts(self, pane: object) -> PaneFacts:
        """The status bar's counts, filter and age for `pane` (the focused one)."""
        context = str(getattr(pane, "context", ""))
        counts = query = ""
        if isinstance(pane, ListPane) and pane is not self.registries:
            table = pane.table
            noun = "tags" if pane is self.tags else "repos"
            query = table.query
            counts = f"{len(table.rows):,} {noun}" if table.rows else ""
            if query:
                counts = f"{table.total:,} of {len(table.rows):,} {noun}"
        fresh = self._freshness_of(context)
        if fresh is None:
            return PaneFacts(counts, query)
        return PaneFacts(counts, query, fresh.age, fresh.landed, fresh.refreshing)

    def _freshness_of(self, context: str) -> Freshness | None:
        fresh = self._freshness.get(context)
        return (
            fresh
            if fresh is not None and self._fresh_subject.get(context) == self.subject(context)
            else None
        )

    def _landed(self, context: str, subject: Subject, fetched: Fetched[Any]) -> None:
        """Data for `subject` landed in `context`'s pane: its age, and whether a refresh runs."""
        refreshing = fetched.refresh is not None and not fetched.refresh.done
        registry = subject[0] if subject else None
        if fetched.age is None and registry and self.registry_status.get(registry) in _DOWN:
            self.set_registry_status(registry, "online")  # it answered just now: it is back
        self._freshness[context] = Freshness(fetched.age, refreshing=refreshing)
        self._fresh_subject[context] = subject
        self.status.show_age(fetched.age, refreshing)

    def _refresh_ended(self, context: str, subject: Subject) -> None:
        fresh = self._freshness.get(context)
        if fresh is not None and self._fresh_subject.get(context) == subject:
            fresh.refreshing = False
            self.status.update()

    @property
    def panes(self) -> list[Any]:
        return [self.registries, self.repos, self.tags, self.details]

    def _run(
        self,
        slot: str,
        fetch: Callable[[], Awaitable[_T]],
        done: Callable[[_T], None],
        delay: float = 0.0,
        *,
        context: str = "",
        failed: Callable[[RexError], None] | None = None,
    ) -> None:
        """Run `fetch` in `slot`; its result (`done`) or failure (`failed`, else the status
        bar) is applied only while `context`'s pane still shows the subject asked for."""
        if self.workers is None:
            return
        subject = self.subject(context)

        def current(what: str) -> bool:
            if self.subject(context) == subject:
                return True
            logger.debug("%s for %s dropped: the %s pane moved on", what, subject, context)
            return False

        def result(value: _T) -> None:
            if current("a result"):
                done(value)

        def failure(error: RexError) -> None:
            if current("a failure"):
                self._failed(context, subject, error, failed)

        self.workers.run(slot, fetch, result, delay=delay, on_error=failure)

    def _failed(
        self,
        context: str,
        subject: Subject,
        error: RexError,
        show: Callable[[RexError], None] | None,
    ) -> None:
        """A read failed: say so once; a registry that went away turns offline (one that
        refuses with 429, rate-limited), and what is on screen stays."""
        registry = subject[0] if subject else None
        if isinstance(error, NetworkError) and registry in self.registry_status:
            limited = isinstance(error, RateLimitError)
            self.set_registry_status(registry, "rate-limited" if limited else "offline")
        self._refresh_ended(context, subject)
        if show is not None:
            show(error)
        self.status.state.error = error
        self.status.update()

    def failure_text(self, error: RexError) -> str:
        """A failure as a pane shows it: the message, then the TUI hint."""
        hint = tui_hint(error, self.status.key_for)
        return f"✗ {error}\n{hint}" if hint else f"✗ {error}"

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
        """online, auth required, auth failed, rate-limited or offline (the registries
        pane's status); the rest of the check goes to the dashboard's columns."""
        # A ping's first request imports the HTTP stack (~50 ms): cached names go first.
        with trio.move_on_after(_PING_DELAY_MAX):
            await self.started.wait()
        checked = await self.rex.registry_status(name)
        self.dashboard[name] = checked
        return "offline" if checked.status in ("not a registry", "error") else checked.status

    def set_registry_status(self, name: str, status: str) -> None:
        if self.registry_status.get(name) == "catalog closed" and status == "online":
            status = "catalog closed"  # the catalog's answer says more than the ping's
        self.registry_status[name] = status
        self.show_registries()

    def show_registries(self, keep: object = None) -> None:
        now = time.time()
        rows = [
            registry_row(
                name,
                current=name == self.registry,
                status=self.registry_status.get(name, "…"),
                dashboard=self.dashboard.get(name),
                rate_limit=self.rex.rate_limit(name) if name in self.dashboard else None,
                now=now,
            )
            for name in self.registry_names
        ]
        self.registries.set_rows(rows, keep=self.registry if keep is None else keep)

    def refresh_dashboard(self, now: float | None = None) -> None:
        """Called once a second: shows the rate limits registries stated since, and
        ages a minute older; the selection stays where it is."""
        now = time.time() if now is None else now
        seen = (
            int(now // 60),
            *(self.rex.rate_limit(n) for n in self.registry_names if n in self.dashboard),
        )
        if seen != self._dashboard_seen:
            self._dashboard_seen = seen
            focused = self.registries.focused_row
            self.show_registries(keep=focused.key if focused is not None else None)

    def _synced(self, registry: str, count: int, age: float | None) -> None:
        """The repositories just listed: the dashboard's count and last sync follow."""
        checked = self.dashboard.get(registry)
        if checked is not None:
            synced = time.time() - (age or 0.0)
            self.dashboard[registry] = replace(checked, repositories=count, synced_at=synced)
            self.show_registries()

    def use_registry(self, name: str) -> None:
        if name == self.registry:
            return
        self._keep_query(self.repos)
        self.registry = name
        self.repository = self.tag = None
        self._repo_names = []
        self._use_query(self.repos)
        self.repos.set_rows([], top=True)  # not the last registry's names under the new title
        self._body("repositories", None)
        self.show_registries()
        self.load_repositories()

    # -- repositories ----------------------------------------------------------------

    def load_repositories(self, *, refresh: bool = False, hard: bool = False) -> None:
        registry = self.registry
        self.status.state.registry = registry
        self.repos.set_title(f"Repositories ({registry})")
        self._title("repositories")
        if not self.repos.rows_shown():
            self._loading("repositories")

        async def fetch() -> Fetched[list[str]]:
            consistency = "strong" if hard else "eventual"
            return await self.rex.fetch_repositories(
                registry, consistency=consistency, refresh=refresh
            )

        self._run(
            "repositories",
            fetch,
            lambda f: self._show_repositories(registry, f),
            context="repositories",
            failed=self.repositories_failed,
        )

    def _show_repositories(self, registry: str, fetched: Fetched[list[str]]) -> None:
        if registry != self.registry:
            return
        self._repo_names = fetched.value
        self._synced(registry, len(fetched.value), fetched.age)
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
        self._title("repositories")
        self._body("repositories", (registry,))
        if closed:
            self.status.say("catalog closed: the configured repositories; :add-repo NAME adds one")
        self._landed("repositories", (registry,), fetched)
        if fetched.refresh is not None:
            self._run(
                "repositories-refresh",
                fetched.refresh.wait,
                lambda fresh: self._show_repositories(registry, Fetched(fresh)),
                context="repositories",
                failed=lambda _: self._refresh_ended("repositories", (registry,)),
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
            self.repos.set_message(self.failure_text(error))
            self._body("repositories", self.subject("repositories"))
        self.started.set()

    def show_repository_rows(self) -> None:
        registry = self.registry
        facts = self._repo_facts
        names = self._repo_names
        if self.repo_sort == "name":
            # Lexical, as the catalog sends it (a sorted list costs a few ms to check);
            # a version-aware key over 100,000 names would cost ~0.4 s of first paint.
            # Repository names rarely differ by a version; tag names do (sort_tags).
            names = sorted(names)
        elif self.repo_sort == "date":
            names = sorted(names, key=lambda n: self._facts(n).updated or _EPOCH, reverse=True)
        elif self.repo_sort == "size":
            names = sorted(names, key=lambda n: -(self._facts(n).tags or 0))

        def make(name: str) -> Row:
            cells = self._repo_cells(facts.get((registry, name)))
            return Row(name, cells, key=name, styles=_REPO_STYLES)

        # 100,000 names cost one list: a row is made when it is shown.
        if self.sort_reversed["repositories"]:
            names = names[::-1]
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
        repository = str(row.key) if row is not None else None
        if repository == self.repository and self.shown["tags"].title == self.subject("tags"):
            return
        self._keep_query(self.tags)
        self.repository = repository
        self.tag = None
        self._tag_infos = {}
        self._use_query(self.tags)
        self.tags.set_title(f"Tags: {repository}" if repository else "Tags")
        self._title("tags")
        self._loading("tags")
        self._show_no_tag()
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

        subject = (registry, repository)

        async def fetch() -> tuple[Fetched[list[str]], list[TagInfo]]:
            consistency = "strong" if hard else "eventual"
            fetched = await self.rex.fetch_tags(
                repository, registry, consistency=consistency, refresh=refresh
            )
            if self.subject("tags") == subject:
                self._show_tag_names(repository, fetched.value)
            infos = await self.rex.tag_infos(repository, fetched.value, registry=registry)
            return fetched, infos

        self._run(
            "tags",
            fetch,
            lambda result: self._show_tags(repository, *result),
            pause,
            context="tags",
            failed=self._tags_failed,
        )

    def _tags_failed(self, error: RexError) -> None:
        if not self.tags.table.rows:  # what is shown of this repository stays
            self.tags.set_rows([])
            self.tags.set_message(self.failure_text(error))
            self._body("tags", self.subject("tags"))

    def _tags_title(self, repository: str, names: Iterable[str]) -> None:
        listed = list(names)
        hidden = sum(map(is_referrer_tag, listed)) if not self.show_referrer_tags else 0
        shown = f"{len(listed) - hidden:,}" + (f", {hidden:,} hidden" if hidden else "")
        self.tags.set_title(f"Tags: {repository} ({shown})")
        self._title("tags")

    def _visible_tag(self, tag: str) -> bool:
        return self.show_referrer_tags or not is_referrer_tag(tag)

    def _show_tag_names(self, repository: str, tags: list[str]) -> None:
        if repository == self.repository and not self._tag_infos:
            names = [t for t in tags if self._visible_tag(t)]
            self.tags.set_rows(
                [Row(tag, ("…",), key=tag) for tag in sorted(names, key=version_key)]
            )
            self._tags_title(repository, tags)
            self._body("tags", self.subject("tags"))
            self._learn(repository, tags=len(tags))

    def _show_tags(
        self, repository: str, fetched: Fetched[list[str]], infos: list[TagInfo]
    ) -> None:
        if repository != self.repository:
            return
        first = not self._tag_infos  # a refresh keeps the selection; a new list starts on top
        self._tag_infos = {info.tag: info for info in infos}
        self.show_tag_rows(top=first)
        self._tags_title(repository, self._tag_infos)
        self._body("tags", self.subject("tags"))
        newest = max((i.created for i in infos if i.created), default=None)
        self._learn(repository, tags=len(fetched.value), updated=newest)
        subject = self.subject("tags")
        self._landed("tags", subject, fetched)
        if fetched.refresh is not None and not fetched.refresh.done:
            # The list is shown from the cache: once the refresh lands, show the fresh one.
            self._run(
                "tags-refresh",
                fetched.refresh.wait,
                lambda _: self._tags_refreshed(repository, subject),
                context="tags",
                failed=lambda _: self._refresh_ended("tags", subject),
            )

    def _tags_refreshed(self, repository: str, subject: Subject) -> None:
        self._refresh_ended("tags", subject)
        self.load_tags(repository)  # from the cache, now fresh

    def toggle_referrer_tags(self) -> str:
        """Show or hide the `sha256-…` referrers tags; what the status bar says."""
        self.show_referrer_tags = not self.show_referrer_tags
        if self.repository is not None and self._tag_infos:
            self.show_tag_rows()
            self._tags_title(self.repository, self._tag_infos)
        if self.show_referrer_tags:
            return "referrer tags (sha256-…) shown"
        return "referrer tags (sha256-…) hidden"

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
            for info in sort_tags(
                self._tag_infos.values(), self.tag_sort, self.sort_reversed["tags"]
            )
            if self._visible_tag(info.tag)
        ]
        self.tags.set_rows(rows, keep=self.tag, top=top)

    def tag_info(self) -> TagInfo | None:
        return self._tag_infos.get(self.tag or "")

    def set_sort(self, pane: ListPane, by: str, *, reverse: bool = False) -> None:
        """Sort `pane` by `by`, in its natural order or (`reverse`) the other way."""
        self.sort_reversed[pane.context] = reverse
        if pane is self.repos:
            self.repo_sort = by
            self._mark_sort(pane)
            self.show_repository_rows()
        else:
            self.tag_sort = by
            self._mark_sort(pane)
            self.show_tag_rows()

    def sort_of(self, pane: ListPane) -> tuple[str, bool]:
        by = self.repo_sort if pane is self.repos else self.tag_sort
        return by, self.sort_reversed.get(pane.context, False)

    def _mark_sort(self, pane: ListPane) -> None:
        """▲ or ▼ on the header the pane is sorted by."""
        by, reverse = self.sort_of(pane)
        descending = (by in _DESCENDING) != reverse
        pane.table.marks = {_SORT_COLUMN[pane.context, by]: "▼" if descending else "▲"}

    # -- filters, per pane and subject ------------------------------------------------

    def _keep_query(self, pane: ListPane) -> None:
        """Remember `pane`'s filter for the subject it shows (it leaves that subject)."""
        self._queries[pane.context, self.subject(pane.context)] = pane.table.query

    def _use_query(self, pane: ListPane) -> None:
        """The filter `pane` had for its (new) subject, or none."""
        pane.table.set_query(self._queries.get((pane.context, self.subject(pane.context)), ""))

    # -- details -------------------------------------------------------------------

    def _tag_moved(self, row: Row | None) -> None:
        tag = str(row.key) if row is not None else None
        if tag == self.tag and self.shown["details"].title == self.subject("details"):
            return
        self.tag = tag
        self.show_image_of_tag()

    def _show_no_tag(self) -> None:
        self.image = None
        self.details.set_title("Details")
        self.details.set_message("Select a tag to see its details.")
        self._title("details")
        self._body("details", None)

    def show_image_of_tag(self, *, refresh: bool = False) -> None:
        """Fetch the selected tag's image (manifest, config) and its referrers."""
        if self.workers is not None:
            for slot in ("details", "details-refresh", "referrers"):
                self.workers.cancel(slot)
        if self.tag is None or self.repository is None:
            self._show_no_tag()
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

        title = f"Details: {reference}"
        if self.details.title != title or self.shown["details"].title != self.subject("details"):
            # A new subject: never the last tag's body under this title.
            self.details.set_title(title)
            self._title("details")
            if not refresh:
                self._loading("details")
        self._run(
            "details",
            fetch,
            lambda f: self._show_image(reference, f),
            context="details",
            failed=self._details_failed,
        )

    def _details_failed(self, error: RexError) -> None:
        if self.image is None:  # keep what is shown of this tag; else say why there is none
            self.details.set_message(self.failure_text(error))
            self._body("details", self.subject("details"))

    def _show_image(self, reference: str, fetched: Fetched[ImageInfo]) -> None:
        if reference != f"{self.repository}:{self.tag}":
            return
        info = fetched.value
        self.image = info
        self._render_details(info, None)
        self._landed("details", self.subject("details"), fetched)
        if fetched.refresh is not None and not fetched.refresh.done:
            self._run(
                "details-refresh",
                fetched.refresh.wait,
                lambda fresh: self._show_image(reference, Fetched(fresh)),
                context="details",
                failed=lambda _: None,  # the cached details stay; the status bar says why
            )
        registry = self.registry
        pinned = f"{info.repository}@{info.digest}"

        async def referrers() -> list[Descriptor]:
            return await self.rex.referrers(self.rex.reference(pinned, registry))

        self._run(
            "referrers",
            referrers,
            lambda found: self._show_referrers(info, found),
            context="details",
            failed=lambda _: None,
        )

    def _show_referrers(self, info: ImageInfo, found: list[Descriptor]) -> None:
        if self.image is info:
            self._render_details(info, found)

    def _render_details(self, info: ImageInfo, referrers: list[Descriptor] | None) -> None:
        self.referrers = referrers
        self.details.set_content(lambda section: section_lines(section, info, referrers))
        # The body's subject as the data names it, not as it was asked for.
        host = self.rex.default_host(self.registry)
        registry = self.registry if info.registry == host else info.registry
        self._body("details", (registry, info.repository, info.tag, self.platform))

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
