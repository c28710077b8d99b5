"""`Rex`: the one facade callers need, built from a `Config`."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, TypeVar

import trio

from engine.cache.store import Cache
from engine.config.model import Config, RegistryConfig
from engine.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    Remedy,
)
from engine.oci import manifests
from engine.oci.models import ImageInfo, Manifest, PingResult, RepoInfo, TagInfo, TagMatch
from engine.oci.reference import Reference
from engine.reads import overview
from engine.reads.driver import AsyncDriver
from engine.reads.overview import Progress
from engine.reads.plan import (
    Answer,
    Consistency,
    Plan,
    image_facts_plan,
    image_plan,
    manifest_plan,
    referrers_plan,
    repo_rows_plan,
    repositories_plan,
    tag_rows_plan,
    tags_plan,
)
from engine.reads.refresh import Fetched, Refresher
from engine.transport.credentials import Credentials
from engine.transport.endpoint import Endpoint
from engine.transport.tokens import TokenCache

if TYPE_CHECKING:  # the network stack is imported on the first request, not before
    import httpx

    from engine.layers.diff import ImageDiff
    from engine.layers.entries import FileEntry
    from engine.layers.reader import ImageFiles, LayerFiles, LayerReader
    from engine.layers.stream import ByteProgress
    from engine.status import RegistryStatus
    from engine.storage.accounting import StorageReport
    from engine.storage.totals import StorageTotal
    from engine.transfer import TransferResult, TransferWatcher
    from engine.transport.auth import RegistryAuth
    from engine.transport.client import RetryPolicy
    from engine.transport.headers import RateLimit
    from engine.transport.registry import RegistryClient

__all__ = ["CredentialSource", "Rex"]

T = TypeVar("T")

logger = logging.getLogger(__name__)

_CLOSE_CLIENTS = 2.0
"""Seconds `aclose` gives its connection pools to close, cancelled or not."""


class CredentialSource(Protocol):
    """Anything that finds credentials for a registry host (CredentialStore does)."""

    def get(self, registry: str) -> Credentials | None: ...


class _FixedCredentials:
    def __init__(self, by_host: Mapping[str, Credentials]) -> None:
        self._by_host = dict(by_host)

    def get(self, registry: str) -> Credentials | None:
        return self._by_host.get(registry)


class Rex:
    """Browse registries: repositories, tags, manifests, configs and whole images.

    Use as an async context manager so connections are closed::

        async with Rex(config) as rex:
            info = await rex.inspect("team/app:1.2")
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        credentials: CredentialSource | Mapping[str, Credentials] | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        cache: Cache | None = None,
    ) -> None:
        self.config = config or Config()
        self._cache = cache
        self._refresher = Refresher()
        if isinstance(credentials, Mapping):
            credentials = _FixedCredentials(credentials)
        self._credentials = credentials
        self._retry = retry
        self._transport = transport
        self._tokens = TokenCache()
        self._clients: dict[str, RegistryClient] = {}
        self._retired: list[RegistryClient] = []
        self._driver = AsyncDriver(cache, self._fetch_client, self._catalog, self._refresher)

    async def __aenter__(self) -> Rex:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        clients, self._clients = [*self._clients.values(), *self._retired], {}
        self._retired = []
        # Shielded, so that a cancelled session (quitting the TUI, Ctrl+C) still closes
        # its sockets and saves what it fetched; bounded, so that it cannot hang: closing
        # a pool is local work, and the cache waits at most CLOSE_WAIT for its lock.
        with trio.CancelScope(shield=True):
            with trio.move_on_after(_CLOSE_CLIENTS):
                for client in clients:
                    await client.aclose()
            if self._cache is not None:
                await trio.to_thread.run_sync(self._cache.flush)

    @property
    def cache(self) -> Cache | None:
        return self._cache

    def _now(self) -> float:
        return self._cache.now() if self._cache is not None else time.time()

    # -- registries --------------------------------------------------------

    def registry_config(self, registry: str | None = None) -> RegistryConfig:
        """The configured registry named (or at the URL) `registry`, else an ad-hoc one."""
        wanted = registry or self.config.current
        if wanted is None:
            return RegistryConfig(
                name=self.config.default_registry, url=self.config.default_registry
            )
        found = self.config.find_registry(wanted)
        if found is not None:
            return found
        host = Endpoint.parse(wanted, insecure=True).host
        for rc in self.config.registries:
            if Endpoint.parse(rc.url, insecure=True).host == host:
                return rc
        return RegistryConfig(name=host, url=wanted)

    def default_host(self, registry: str | None = None) -> str:
        rc = self.registry_config(registry)
        return Endpoint.parse(rc.url, insecure=True).host

    async def client(self, registry: str | None = None) -> RegistryClient:
        """The (pooled) client of a registry given by name, URL or host."""
        rc = self.registry_config(registry)
        endpoint = Endpoint.parse(rc.url, insecure=rc.insecure)
        existing = self._clients.get(endpoint.host)
        if existing is not None:
            return existing
        host = endpoint.host
        from engine.transport.auth import RegistryAuth

        auth = RegistryAuth(
            host, None, self._tokens, load_credentials=lambda: self._load_credentials(host)
        )
        client = self._build_client(rc, endpoint, auth)
        self._clients[host] = client
        return client

    def forget_login(self, registry: str | None = None) -> None:
        """Drop `registry`'s client and tokens, so the next request loads its login afresh.

        For after a login or logout in a long-running session (the TUI).
        """
        host = self.default_host(registry)
        self._tokens.drop_registry(host)
        client = self._clients.pop(host, None)
        if client is not None:
            # Requests may still be under way on it: close it with the others, at the end.
            self._retired.append(client)

    def _build_client(
        self, rc: RegistryConfig, endpoint: Endpoint, auth: RegistryAuth
    ) -> RegistryClient:
        from engine.transport.client import HttpClient
        from engine.transport.registry import RegistryClient

        http = HttpClient(
            endpoint,
            network=self.config.network,
            auth=auth,
            skip_verify=rc.skip_verify,
            ca_file=rc.ca_file,
            retry=self._retry,
            transport=self._transport,
        )
        return RegistryClient(http)

    async def _load_credentials(self, host: str) -> Credentials | None:
        source = self._credentials
        if source is None:
            return None
        # Credential helpers are subprocesses and files are disk: keep them off the loop.
        return await trio.to_thread.run_sync(source.get, host)

    def reference(self, text: str | Reference, registry: str | None = None) -> Reference:
        if isinstance(text, Reference):
            return text
        return Reference.parse(text, default_registry=self.default_host(registry))

    def display(self, ref: Reference) -> str:
        """A reference as the user would type it: no registry when it is the current one."""
        if ref.registry != self.default_host():
            return ref.familiar()
        text = ref.repository + (f":{ref.tag}" if ref.tag else "")
        return text + (f"@{ref.digest}" if ref.digest else "")

    async def _client_for(self, ref: Reference) -> RegistryClient:
        return await self.client(ref.registry)

    # -- reads: the plan (engine.reads.plan) driven on trio -------------------

    def _consistency(self, value: str | Consistency | None) -> Consistency:
        level = Consistency.of(value, self.config.cache.behavior.consistency)
        if level is Consistency.EVENTUAL and not self._refresher.can_refresh:
            return Consistency.WEAK  # nobody to refresh in the background: ask now
        return level

    def _one_shot(self, value: str | Consistency | None) -> Consistency:
        """The level of an answer given once: eventual reads as weak (nothing to update)."""
        level = self._consistency(value)
        return Consistency.WEAK if level is Consistency.EVENTUAL else level

    def start_background(self, nursery: trio.Nursery | None) -> None:
        """Let eventual reads refresh in `nursery` (the TUI's); None stops that."""
        self._refresher.attach(nursery)

    async def read(self, plan: Plan[T]) -> T:
        """Run a read plan with the registry and the cache (see engine.reads.plan)."""
        return await self._driver.run(plan)

    async def _fetch_client(self, host: str) -> RegistryClient:
        return await self.client(host)

    def _eventually(
        self,
        answer: Answer[T],
        key: object,
        again: Callable[[], Awaitable[T]],
        *,
        refresh: bool,
    ) -> Fetched[T]:
        """A cached answer, with its background refresh when it is stale or asked for."""
        if answer.age is None:
            return Fetched(answer.value)
        # Its own key: the refresh's requests go through `Refresher.run` under theirs.
        wanted = answer.stale or refresh
        started = self._refresher.start(("eventual", key), again) if wanted else None
        return Fetched(answer.value, answer.age, answer.stale, started)

    # -- operations ----------------------------------------------------------

    async def ping(self, registry: str | None = None) -> PingResult:
        return await (await self.client(registry)).ping()

    async def check_credentials(self, registry: str | None, credentials: Credentials) -> PingResult:
        """Whether `credentials` work on `registry` (AuthenticationError if not); stores nothing."""
        from engine.transport.auth import RegistryAuth

        rc = self.registry_config(registry)
        endpoint = Endpoint.parse(rc.url, insecure=rc.insecure)
        client = self._build_client(
            rc, endpoint, RegistryAuth(endpoint.host, credentials, TokenCache())
        )
        try:
            result = await client.ping()
            if result.status != "online":
                raise AuthenticationError(
                    f"authentication failed for {endpoint.host}: invalid username or password",
                    hint="Check the username and password and try again.",
                    registry=endpoint.host,
                )
            # /v2/ may accept any valid token; the catalog needs the credentials to count.
            with contextlib.suppress(NotFoundError, PermissionDeniedError):
                await client.catalog(limit=1)
            return result
        finally:
            await client.aclose()

    async def fetch_repositories(
        self,
        registry: str | None = None,
        *,
        consistency: str | Consistency | None = None,
        refresh: bool = False,
    ) -> Fetched[list[str]]:
        """Every repository (or the configured list when the catalog is closed), with age."""
        host = self.default_host(registry)
        level = self._consistency(consistency)
        answer = await self.read(repositories_plan(registry, host, level, self._now()))

        async def again() -> list[str]:
            fresh = repositories_plan(registry, host, Consistency.STRONG, self._now())
            return (await self.read(fresh)).value

        return self._eventually(answer, ("catalog", host), again, refresh=refresh)

    async def list_repositories(
        self,
        registry: str | None = None,
        *,
        limit: int | None = None,
        consistency: str | Consistency | None = None,
    ) -> list[str]:
        if limit is not None and self._cache is None:
            return await self._catalog(registry, limit=limit)
        names = (await self.fetch_repositories(registry, consistency=consistency)).value
        return names if limit is None else names[:limit]

    async def _catalog(self, registry: str | None, *, limit: int | None = None) -> list[str]:
        rc = self.registry_config(registry)
        client = await self.client(registry)
        try:
            return await client.catalog(limit=limit)
        except (NotFoundError, AuthenticationError) as exc:
            if rc.repositories:
                logger.info(
                    "catalog of %s is closed (%s); using the configured repositories",
                    client.host,
                    exc.message,
                )
                return list(rc.repositories)[:limit]
            needs_login = isinstance(exc, AuthenticationError) and (
                client.http.auth is None or client.http.auth.credentials is None
            )
            hint = (
                "It may list its repositories only to users it knows. Otherwise, add the "
                "ones you use to its 'repositories' list in the config."
                if needs_login
                else "This registry does not list its repositories; add the ones you use "
                "to its 'repositories' list in the config."
            )
            raise type(exc)(
                f"the catalog of {client.host} is closed: {exc.message}",
                hint=hint,
                remedy=Remedy.LOGIN if needs_login else None,
                status=exc.status,
                registry=exc.registry,
                details=exc.details,
            ) from exc

    async def fetch_tags(
        self,
        repository: str,
        registry: str | None = None,
        *,
        consistency: str | Consistency | None = None,
        refresh: bool = False,
    ) -> Fetched[list[str]]:
        """A repository's tags, with their age under the consistency rules."""
        ref = self.reference(repository, registry)
        level = self._consistency(consistency)
        answer = await self.read(tags_plan(ref.registry, ref.repository, level, self._now()))

        async def again() -> list[str]:
            fresh = tags_plan(ref.registry, ref.repository, Consistency.STRONG, self._now())
            return (await self.read(fresh)).value

        key = ("tags", ref.registry, ref.repository)
        return self._eventually(answer, key, again, refresh=refresh)

    async def list_tags(
        self,
        repository: str,
        registry: str | None = None,
        *,
        consistency: str | Consistency | None = None,
    ) -> list[str]:
        return (await self.fetch_tags(repository, registry, consistency=consistency)).value

    async def get_manifest(
        self,
        reference: str | Reference,
        *,
        platform: str | manifests.Platform | None = None,
        consistency: str | Consistency | None = None,
    ) -> Manifest:
        """The manifest a reference names; with `platform`, an index is resolved to it."""
        ref = self.reference(reference)
        level = self._one_shot(consistency)
        now = self._now()
        plan = manifest_plan(ref.registry, ref.repository, ref.identifier, level, now)
        manifest = (await self.read(plan)).value
        if platform is None or not isinstance(manifest.parsed, manifests.ImageIndex):
            return manifest
        wanted = manifests.Platform.parse(platform) if isinstance(platform, str) else platform
        digest = manifest.parsed.select(wanted).digest
        child = manifest_plan(ref.registry, ref.repository, digest, level, now)
        return (await self.read(child)).value

    async def resolve(self, reference: str | Reference) -> str:
        """A tag's current digest, from the registry (a HEAD request, never the cache)."""
        ref = self.reference(reference)
        if ref.digest:
            return ref.digest
        client = await self._client_for(ref)
        return (await client.head_manifest(ref.repository, ref.identifier)).digest

    async def get_config(
        self,
        reference: str | Reference,
        *,
        platform: str | manifests.Platform | None = None,
        consistency: str | Consistency | None = None,
    ) -> manifests.ImageConfig:
        return (await self.inspect(reference, platform=platform, consistency=consistency)).config

    async def referrers(
        self,
        reference: str | Reference,
        *,
        artifact_type: str | None = None,
        consistency: str | Consistency | None = None,
    ) -> list[manifests.Descriptor]:
        ref = self.reference(reference)
        level = self._consistency(consistency)
        return (await self.read(referrers_plan(ref, artifact_type, level)))[1]

    async def fetch_inspect(
        self,
        reference: str | Reference,
        *,
        platform: str | manifests.Platform | None = None,
        consistency: str | Consistency | None = None,
    ) -> Answer[ImageInfo]:
        """`inspect` with the answer's age (set when it came from the cache unconfirmed)."""
        ref = self.reference(reference)
        level = self._consistency(consistency)
        wanted = manifests.Platform.parse(platform) if isinstance(platform, str) else platform
        return await self.read(image_plan(ref, self.display(ref), wanted, level, self._now()))

    async def image_facts(
        self, info: ImageInfo, *, consistency: str | Consistency | None = None
    ) -> ImageInfo:
        """`info` with its aliases and signed/SBOM marks (engine.reads.facts)."""
        level = self._consistency(consistency)
        return (await self.read(image_facts_plan(info, level, self._now()))).value

    async def inspect(
        self,
        reference: str | Reference,
        *,
        platform: str | manifests.Platform | None = None,
        consistency: str | Consistency | None = None,
    ) -> ImageInfo:
        """Manifest, config and derived facts of an image; an index shows one platform."""
        level = self._one_shot(consistency)  # fetch_image() does the refreshing
        return (await self.fetch_inspect(reference, platform=platform, consistency=level)).value

    async def fetch_image(
        self,
        reference: str | Reference,
        *,
        platform: str | None = None,
        consistency: str | Consistency | None = None,
        refresh: bool = False,
    ) -> Fetched[ImageInfo]:
        """`inspect` for a UI: under eventual consistency, cached at once plus a revalidation.

        A tag answered from the cache is always revalidated (one HEAD under weak
        consistency); the refresh's value is the image as the registry has it now.
        """
        ref = self.reference(reference)
        level = self._consistency(consistency)
        answer = await self.fetch_inspect(ref, platform=platform, consistency=level)

        async def again() -> ImageInfo:
            return await self.inspect(ref, platform=platform, consistency=Consistency.WEAK)

        key = ("image", str(ref), platform)
        return self._eventually(answer, key, again, refresh=refresh or answer.age is not None)

    # -- summaries and search --------------------------------------------------

    async def tag_infos(
        self,
        repository: str,
        tags: Sequence[str] | None = None,
        *,
        registry: str | None = None,
        consistency: str | Consistency | None = None,
        progress: Progress | None = None,
        listed: Sequence[str] | None = None,
    ) -> list[TagInfo]:
        """Rows of `tags` (all when None); `listed`, the whole tag list, marks aliases'
        signatures and SBOMs (default: `tags`)."""
        ref = self.reference(repository, registry)
        level = self._one_shot(consistency)
        if tags is None:
            tags = await self.list_tags(ref.repository, ref.registry, consistency=level)
        plan = tag_rows_plan(
            ref.registry, ref.repository, tags, level, self._now(), progress, listed=listed
        )
        return (await self.read(plan)).value

    async def repo_infos(
        self,
        repositories: Sequence[str],
        *,
        registry: str | None = None,
        last_updated: bool = True,
        consistency: str | Consistency | None = None,
        progress: Progress | None = None,
    ) -> list[RepoInfo]:
        """Tag count and, with `last_updated`, the newest image date of each repository."""
        host = self.default_host(registry)
        level = self._one_shot(consistency)
        plan = repo_rows_plan(host, repositories, last_updated, level, self._now(), progress)
        return (await self.read(plan)).value

    async def search_images(
        self,
        query: str,
        *,
        registry: str | None = None,
        tag: str | None = None,
        exact: bool = False,
        limit: int | None = 50,
        last_updated: bool = True,
        progress: Progress | None = None,
    ) -> list[RepoInfo]:
        return await overview.search_images(
            self, query, registry, tag, exact, limit, last_updated, progress
        )

    async def search_tags(
        self,
        query: str,
        *,
        registry: str | None = None,
        image: str | None = None,
        exact: bool = False,
        limit: int | None = 50,
        progress: Progress | None = None,
    ) -> list[TagMatch]:
        return await overview.search_tags(self, query, registry, image, exact, limit, progress)

    # -- files inside images (engine.layers) ---------------------------------------------

    async def _layer_reader(self, ref: Reference) -> LayerReader:
        from engine.layers.reader import LayerReader

        client = await self._client_for(ref)
        fresh = not self._consistency(None).reads_cache  # --no-cache: stream, write through
        return LayerReader(client, ref.registry, ref.repository, self._cache, read_cache=not fresh)

    async def image_files(
        self,
        reference: str | Reference,
        *,
        platform: str | None = None,
        progress: ByteProgress | None = None,
    ) -> ImageFiles:
        """Every layer's files and the merged filesystem, layers streamed (or cached)."""
        from engine.layers.reader import ImageFiles

        ref = self.reference(reference)
        info = await self.inspect(ref, platform=platform)
        reader = await self._layer_reader(ref)
        listings, merged = await reader.merged(info.layers, progress)
        return ImageFiles(info, tuple(listings), merged)

    async def layer_files(
        self,
        reference: str | Reference,
        layer: int | str,
        *,
        platform: str | None = None,
        progress: ByteProgress | None = None,
    ) -> tuple[ImageInfo, LayerFiles]:
        """One layer's entries as its tar lists them (whiteouts included)."""
        from engine.layers.reader import pick_layer

        ref = self.reference(reference)
        info = await self.inspect(ref, platform=platform)
        number = pick_layer(info.layers, layer)
        reader = await self._layer_reader(ref)
        return info, await reader.layer(number, info.layers[number - 1], progress)

    async def read_file(
        self,
        reference: str | Reference,
        path: str,
        sink: Callable[[bytes], None],
        *,
        platform: str | None = None,
        files: ImageFiles | None = None,
        progress: ByteProgress | None = None,
    ) -> FileEntry:
        """Send one file's content to `sink` (on a worker thread), stopping once it is read.

        `files`, from `image_files` on the same reference, saves listing the layers again.
        """
        ref = self.reference(reference)
        reader = await self._layer_reader(ref)
        if files is None:
            files = await self.image_files(ref, platform=platform, progress=progress)
        return await reader.read(files.image.layers, files.merged, path, sink)

    async def diff_images(
        self,
        a: str | Reference,
        b: str | Reference,
        *,
        platform: str | None = None,
        files: bool = True,
        progress: ByteProgress | None = None,
    ) -> ImageDiff:
        """What changes from A to B; with `files`, their merged filesystems too."""
        from engine.layers.diff import diff_images

        ref_a, ref_b = self.reference(a), self.reference(b)
        info_a = await self.inspect(ref_a, platform=platform)
        info_b = await self.inspect(ref_b, platform=platform)
        if not files:
            return diff_images(info_a, info_b)
        reader_a, reader_b = await self._layer_reader(ref_a), await self._layer_reader(ref_b)
        layers = [*info_a.layers, *info_b.layers]
        total = sum(d.size for d in layers)
        done = {"a": 0, "b": 0}

        def part(side: str) -> ByteProgress:
            def report(so_far: int, _total: int) -> None:
                done[side] = so_far
                if progress is not None:
                    progress(done["a"] + done["b"], total)

            return report

        _, merged_a = await reader_a.merged(info_a.layers, part("a"))
        _, merged_b = await reader_b.merged(info_b.layers, part("b"))
        return diff_images(info_a, info_b, (merged_a, merged_b))

    # -- the registry dashboard (engine.status) ----------------------------------

    async def registry_status(
        self, registry: str | None = None, *, timeout: float | None = None
    ) -> RegistryStatus:
        """A registry's health: a short ping, plus what the cache and its answers told."""
        from engine.status import check_registry

        return await check_registry(self, registry, timeout=self._status_timeout(timeout))

    async def registry_statuses(
        self, registries: Sequence[str], *, timeout: float | None = None
    ) -> list[RegistryStatus]:
        """`registry_status` of each, side by side: one that fails never delays the others."""
        from engine.status import check_registries

        return await check_registries(self, registries, timeout=self._status_timeout(timeout))

    def _status_timeout(self, timeout: float | None) -> float:
        """A dashboard ping's deadline: as asked, else the shorter of the network
        timeout and STATUS_TIMEOUT."""
        from engine.status import STATUS_TIMEOUT

        return timeout or min(self.config.network.timeout, STATUS_TIMEOUT)

    def rate_limit(self, registry: str | None = None) -> RateLimit | None:
        """The last rate limit `registry` stated in this session (no request is made)."""
        client = self._clients.get(self.default_host(registry))
        return client.http.observed.rate_limit if client is not None else None

    # -- storage accounting (engine.storage) ------------------------------------------

    async def storage(
        self,
        registry: str | None = None,
        *,
        scope: str | None = None,
        sort: str = "size",
        refresh: bool = False,
        max_requests: int | None = None,
        progress: Progress | None = None,
    ) -> StorageReport:
        """What each repository and namespace stores, shared blobs once (a resumable crawl)."""
        from engine.storage.crawl import crawl_storage

        return await crawl_storage(
            self,
            registry,
            scope=scope,
            sort=sort,
            refresh=refresh,
            max_requests=max_requests,
            progress=progress,
        )

    def storage_total(self, registry: str | None = None) -> StorageTotal | None:
        """The registry's last storage totals from the cache, or None; no network, cheap."""
        from engine.storage.totals import cached_total

        return cached_total(self._cache, self.default_host(registry))

    # -- transfers (engine.transfer) -------------------------------------------

    async def pull(
        self,
        reference: str | Reference,
        output: str | os.PathLike[str],
        *,
        layout: str = "oci",
        platform: str | None = None,
        all_platforms: bool = False,
        jobs: int = 4,
        watcher: TransferWatcher | None = None,
    ) -> TransferResult:
        """An image into an OCI layout directory, or a docker archive file (one platform)."""
        from engine.transfer import quiet
        from engine.transfer.images import pull_image

        ref = self.reference(reference)
        return await pull_image(
            ref,
            Path(output),
            self.client,
            layout=layout,
            platform=platform,
            all_platforms=all_platforms,
            jobs=jobs,
            watcher=watcher or quiet,
            repo_tag=self.display(ref) if ref.tag else None,
        )

    async def copy(
        self,
        source: str,
        destination: str,
        *,
        platform: str | None = None,
        all_platforms: bool = False,
        jobs: int = 4,
        watcher: TransferWatcher | None = None,
    ) -> TransferResult:
        """An image from a registry or `oci:DIR[:NAME]` to another, every digest kept."""
        from engine.transfer import quiet
        from engine.transfer.images import copy_image

        return await copy_image(
            source,
            destination,
            self.client,
            self.reference,
            platform=platform,
            all_platforms=all_platforms,
            jobs=jobs,
            concurrency=self.config.network.concurrency,
            watcher=watcher or quiet,
        )
