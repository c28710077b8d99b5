"""`Rex`: the one facade callers need, built from a `Config`."""

from __future__ import annotations

import logging
import platform as host_platform
from collections.abc import Mapping
from types import TracebackType
from typing import Protocol

import httpx
import trio

from engine import oci
from engine.auth import RegistryAuth, TokenCache
from engine.client import HttpClient, RetryPolicy
from engine.config import Config, RegistryConfig
from engine.credentials import Credentials
from engine.endpoint import Endpoint
from engine.errors import AuthenticationError, NotFoundError, RexError
from engine.models import ImageInfo, Manifest, PingResult, PlatformManifest
from engine.reference import Reference
from engine.registry import RegistryClient

__all__ = ["CredentialSource", "Rex"]

logger = logging.getLogger(__name__)

_MACHINE_ARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "arm",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
}


class CredentialSource(Protocol):
    """Anything that finds credentials for a registry host (CredentialStore does)."""

    def get(self, registry: str) -> Credentials | None: ...


class _FixedCredentials:
    def __init__(self, by_host: Mapping[str, Credentials]) -> None:
        self._by_host = dict(by_host)

    def get(self, registry: str) -> Credentials | None:
        return self._by_host.get(registry)


def host_default_platform() -> oci.Platform:
    """The platform docker would pull on this machine (linux/<arch>)."""
    machine = host_platform.machine().lower()
    arch = _MACHINE_ARCH.get(machine, machine or "amd64")
    return oci.Platform("linux", arch, "v7" if machine == "armv7l" else None)


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
    ) -> None:
        self.config = config or Config()
        if isinstance(credentials, Mapping):
            credentials = _FixedCredentials(credentials)
        self._credentials = credentials
        self._retry = retry
        self._transport = transport
        self._tokens = TokenCache()
        self._clients: dict[str, RegistryClient] = {}

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
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

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
        creds = await self._load_credentials(endpoint.host)
        auth = RegistryAuth(endpoint.host, creds, self._tokens)
        http = HttpClient(
            endpoint,
            network=self.config.network,
            auth=auth,
            skip_verify=rc.skip_verify,
            ca_file=rc.ca_file,
            retry=self._retry,
            transport=self._transport,
        )
        # Another task may have built one while we read credentials: keep the first.
        client = self._clients.setdefault(endpoint.host, RegistryClient(http))
        if client.http is not http:
            await http.aclose()
        return client

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

    # -- operations ----------------------------------------------------------

    async def ping(self, registry: str | None = None) -> PingResult:
        return await (await self.client(registry)).ping()

    async def list_repositories(
        self, registry: str | None = None, *, limit: int | None = None
    ) -> list[str]:
        """Every repository, or the configured list when the catalog is closed."""
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
            raise type(exc)(
                f"the catalog of {client.host} is closed: {exc.message}",
                hint="This registry does not list its repositories; add the ones you use "
                "to its 'repositories' list in the config.",
                status=exc.status,
                registry=exc.registry,
                details=exc.details,
            ) from exc

    async def list_tags(self, repository: str, registry: str | None = None) -> list[str]:
        ref = self.reference(repository, registry)
        return await (await self._client_for(ref)).tags(ref.repository)

    async def get_manifest(
        self, reference: str | Reference, *, platform: str | oci.Platform | None = None
    ) -> Manifest:
        """The manifest a reference names; with `platform`, an index is resolved to it."""
        ref = self.reference(reference)
        client = await self._client_for(ref)
        manifest = await client.get_manifest(ref.repository, ref.identifier)
        if platform is None or not isinstance(manifest.parsed, oci.ImageIndex):
            return manifest
        wanted = oci.Platform.parse(platform) if isinstance(platform, str) else platform
        child = manifest.parsed.select(wanted)
        return await client.get_manifest(ref.repository, child.digest)

    async def resolve(self, reference: str | Reference) -> str:
        """A tag's current digest, from the registry (a HEAD request)."""
        ref = self.reference(reference)
        if ref.digest:
            return ref.digest
        client = await self._client_for(ref)
        return (await client.head_manifest(ref.repository, ref.identifier)).digest

    async def get_config(
        self, reference: str | Reference, *, platform: str | oci.Platform | None = None
    ) -> oci.ImageConfig:
        return (await self.inspect(reference, platform=platform)).config

    async def referrers(
        self, reference: str | Reference, *, artifact_type: str | None = None
    ) -> list[oci.Descriptor]:
        ref = self.reference(reference)
        client = await self._client_for(ref)
        digest = ref.digest or await self.resolve(ref)
        return await client.referrers(ref.repository, digest, artifact_type=artifact_type)

    async def inspect(
        self, reference: str | Reference, *, platform: str | oci.Platform | None = None
    ) -> ImageInfo:
        """Manifest, config and derived facts of an image; an index shows one platform."""
        ref = self.reference(reference)
        client = await self._client_for(ref)
        top = await client.get_manifest(ref.repository, ref.identifier)
        wanted = oci.Platform.parse(platform) if isinstance(platform, str) else platform
        entries: tuple[PlatformManifest, ...] = ()
        image = top
        shown: str | None = None
        if isinstance(top.parsed, oci.ImageIndex):
            index = top.parsed
            images = [d for d in index.manifests if not d.is_attestation and d.platform]
            entries = tuple(
                PlatformManifest(str(d.platform), d.digest, d.size, d.media_type) for d in images
            )
            chosen = index.select(wanted) if wanted else self._default_child(index, images)
            shown = str(chosen.platform) if chosen.platform else None
            image = await client.get_manifest(ref.repository, chosen.digest)
        elif wanted is not None:
            logger.debug("%s is single-platform; ignoring --platform %s", ref, wanted)
        if not isinstance(image.parsed, oci.ImageManifest):
            raise RexError(
                f"{ref.familiar()} resolves to a nested index, which rex cannot show",
                hint="Inspect one of its child manifests by digest.",
            )
        config_desc = image.parsed.config
        raw_config = await client.get_blob(
            ref.repository, config_desc.digest, max_bytes=oci.MAX_CONFIG_BYTES
        )
        config = oci.parse_config(raw_config)
        return ImageInfo(
            reference=self.display(ref),
            registry=ref.registry,
            repository=ref.repository,
            tag=ref.tag,
            digest=top.digest,
            manifest=top,
            image=image,
            platform=shown or _config_platform(config),
            platform_manifests=entries,
            config=config,
            raw_config=raw_config,
        )

    @staticmethod
    def _default_child(index: oci.ImageIndex, images: list[oci.Descriptor]) -> oci.Descriptor:
        """The host's platform when the index has it, else its first image."""
        if not images:
            raise NotFoundError(
                "the index lists no platform images",
                hint="It may hold only attestations or artifacts.",
            )
        try:
            return index.select(host_default_platform())
        except NotFoundError:
            return images[0]


def _config_platform(config: oci.ImageConfig) -> str | None:
    if not config.os or not config.architecture:
        return None
    parts = [config.os, config.architecture] + ([config.variant] if config.variant else [])
    return "/".join(parts)
