"""The OCI Distribution API of one registry: ping, catalog, tags, manifests, blobs, referrers."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from typing import cast
from urllib.parse import quote

import httpx

from engine.errors import (
    AuthenticationError,
    ContentError,
    NotFoundError,
    ServerError,
    ValidationError,
)
from engine.oci import manifests
from engine.oci.digest import ALGORITHMS, Digest, DigestVerifier, compute
from engine.oci.models import BlobHead, Manifest, ManifestHead, PingResult
from engine.oci.reference import validate_repository, validate_tag
from engine.transport.bodies import MAX_LIST_PAGE_BYTES
from engine.transport.client import HttpClient
from engine.transport.headers import parse_link_next

__all__ = ["RegistryClient"]

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 1000
"""Distribution refuses n > 1000 unless configured otherwise."""
_FALLBACK_PAGE_SIZE = 100
_KINDS = {"repositories": "repository", "tags": "tag"}
_VALIDATORS: dict[str, Callable[[str], str]] = {
    "repositories": validate_repository,
    "tags": validate_tag,
}


def _content_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.split(";")[0].strip()


class RegistryClient:
    """Distribution API calls for one registry, over one `HttpClient`."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    @property
    def host(self) -> str:
        return self.http.host

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- version check ---------------------------------------------------

    async def ping(self) -> PingResult:
        """GET /v2/: online, or online but asking for credentials we lack."""
        started = time.perf_counter()
        status = "online"
        api_version: str | None = None
        try:
            response = await self.http.send("GET", "/v2/", what="the registry API (/v2/)")
            api_version = response.headers.get("docker-distribution-api-version")
        except AuthenticationError:
            if self.http.auth is not None and self.http.auth.credentials is not None:
                raise
            status = "auth required"
        return PingResult(self.host, status, api_version, (time.perf_counter() - started) * 1000)

    # -- listings ----------------------------------------------------------

    async def iter_catalog(self, page_size: int = MAX_PAGE_SIZE) -> AsyncGenerator[list[str], None]:
        """Repository names page by page, lazily (use under `contextlib.aclosing`)."""
        pages = self._pages("/v2/_catalog", "repositories", page_size, "the catalog")
        async with aclosing(pages):
            async for page in pages:
                yield page

    async def catalog(self, *, limit: int | None = None) -> list[str]:
        names: list[str] = []
        # aclosing: a cancelled or stopped walk closes the generators at once, not at GC.
        async with aclosing(self.iter_catalog()) as pages:
            async for page in pages:
                names.extend(page)
                if limit is not None and len(names) >= limit:
                    return names[:limit]
        return names

    async def iter_tags(
        self, repository: str, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncGenerator[list[str], None]:
        path = f"/v2/{repository}/tags/list"
        pages = self._pages(path, "tags", page_size, f"repository '{repository}'")
        async with aclosing(pages):
            async for page in pages:
                yield page

    async def tags(self, repository: str) -> list[str]:
        tags: list[str] = []
        async with aclosing(self.iter_tags(repository)) as pages:
            async for page in pages:
                tags.extend(page)
        return tags

    async def _pages(
        self, path: str, key: str, page_size: int, what: str
    ) -> AsyncGenerator[list[str], None]:
        n = max(1, min(page_size, MAX_PAGE_SIZE))
        url: str | None = f"{path}?n={n}"
        seen: set[str] = set()
        skipped: set[str] = set()
        asked = {url}  # each page's `last` (a registry paging otherwise: its whole URL)
        limit = self.http.network.max_list_names
        while url is not None:
            try:
                response = await self.http.send(
                    "GET", url, what=what, max_bytes=MAX_LIST_PAGE_BYTES
                )
            except ServerError as exc:
                codes = {d.code for d in exc.details}
                if exc.status == 400 and "PAGINATION_NUMBER_INVALID" in codes and n > 1:
                    n = min(n // 2, _FALLBACK_PAGE_SIZE)
                    logger.info("%s refused page size, retrying with n=%d", self.host, n)
                    url = f"{path}?n={n}" + (f"&last={quote(max(seen))}" if seen else "")
                    continue
                raise
            items = self._list_field(response, key, what)
            fresh = [i for i in dict.fromkeys(items) if i not in seen and i not in skipped]
            valid = self._valid_names(fresh, key, what, skipped)
            seen.update(valid)
            if len(seen) + len(skipped) > limit:
                raise ContentError(
                    f"{what} on {self.host} has more than {limit:,} names; stopped listing",
                    hint="Raise network.max_list_names if the registry really holds more.",
                    registry=self.host,
                )
            if valid:
                yield valid
            url = self._next_page(response, path, n, items, fresh)
            if url is not None:
                page = httpx.URL(url).params.get("last", url)
                if page in asked:
                    raise ContentError(
                        f"{self.host} sent a next page of {what} that was already read; "
                        "stopped listing",
                        registry=self.host,
                    )
                asked.add(page)
            if not fresh:
                return  # a page with nothing new: the listing is complete

    def _valid_names(self, names: list[str], key: str, what: str, skipped: set[str]) -> list[str]:
        """`names` without the invalid ones, each warned about once per listing."""
        validate = _VALIDATORS[key]
        valid: list[str] = []
        for name in names:
            try:
                validate(name)
            except ValidationError:
                skipped.add(name)
                # The raw name goes to the log only: its handlers escape it for a terminal.
                logger.warning(
                    "skipping invalid %s name %r in %s on %s", _KINDS[key], name, what, self.host
                )
            else:
                valid.append(name)
        return valid

    def _list_field(self, response: httpx.Response, key: str, what: str) -> list[str]:
        body = manifests.load_json(response.content, f"{what} from {self.host}")
        items = body.get(key) if isinstance(body, dict) else None
        if items is None and isinstance(body, dict):
            return []  # Distribution answers "tags": null once every tag is deleted
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ContentError(f"{self.host} sent a malformed list for {what}", registry=self.host)
        return items

    def _next_page(
        self, response: httpx.Response, path: str, n: int, items: list[str], fresh: list[str]
    ) -> str | None:
        try:
            target = parse_link_next(response.headers.get("link"))
        except ValidationError as exc:
            raise ContentError(
                f"{self.host} sent a malformed Link header", registry=self.host
            ) from exc
        if target is not None:
            next_url = response.request.url.join(target)
            if next_url.host != response.request.url.host:
                raise ContentError(
                    f"{self.host} pointed pagination at another host ({next_url.host})",
                    registry=self.host,
                )
            # A page with nothing new ends the listing, unless its link asks for a page
            # already read: the caller reports that loop.
            return str(next_url.raw_path, "ascii")
        # No Link: a full page from a registry that pages without Link asks for more
        # with `last`; one that ignores `n` sends nothing new and we stop.
        if len(items) >= n and fresh:
            return f"{path}?n={n}&last={quote(items[-1])}"
        return None

    # -- manifests ---------------------------------------------------------

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        """GET a manifest or index by tag or digest; its digest is always verified."""
        what = _manifest_label(repository, reference)
        response = await self.http.send(
            "GET",
            f"/v2/{repository}/manifests/{reference}",
            headers={"Accept": manifests.MANIFEST_ACCEPT},
            what=what,
            max_bytes=manifests.MAX_MANIFEST_BYTES,
        )
        body = response.content
        if len(body) > manifests.MAX_MANIFEST_BYTES:
            raise ContentError(f"{what} is over the 4 MiB manifest limit", registry=self.host)
        digest = self._manifest_digest(response, reference, body, what)
        parsed = manifests.parse_manifest(body, _content_type(response))
        return Manifest(digest, parsed.media_type, body, parsed)

    def _manifest_digest(
        self, response: httpx.Response, reference: str, body: bytes, what: str
    ) -> str:
        if ":" in reference:
            verifier = DigestVerifier(Digest.parse(reference))
            verifier.update(body)
            verifier.verify(what=what)
            return reference
        computed = str(compute(body))
        claimed = response.headers.get("docker-content-digest")
        if not claimed:
            return computed
        algorithm = claimed.partition(":")[0]
        if algorithm not in ALGORITHMS:
            logger.debug("%s sent a %s digest for %s; not checked", self.host, algorithm, what)
            return computed
        try:
            verifier = DigestVerifier(Digest.parse(claimed))
        except ValidationError as exc:
            raise ContentError(
                f"{self.host} sent an invalid Docker-Content-Digest for {what}",
                registry=self.host,
            ) from exc
        verifier.update(body)
        actual = verifier.actual()
        if actual != verifier.expected:
            raise ContentError(
                f"digest mismatch for {what}: the registry says {claimed}, the body is {actual}",
                registry=self.host,
            )
        return str(verifier.expected)

    async def head_manifest(self, repository: str, reference: str) -> ManifestHead:
        """HEAD a manifest: resolves a tag to its digest without the body."""
        what = _manifest_label(repository, reference)
        response = await self.http.send(
            "HEAD",
            f"/v2/{repository}/manifests/{reference}",
            headers={"Accept": manifests.MANIFEST_ACCEPT},
            what=what,
        )
        digest = response.headers.get("docker-content-digest")
        if not digest:
            # Some registries omit it on HEAD: the body is authoritative.
            manifest = await self.get_manifest(repository, reference)
            return ManifestHead(manifest.digest, manifest.media_type, len(manifest.body))
        try:
            Digest.parse(digest)
        except ValidationError as exc:
            raise ContentError(
                f"{self.host} sent an invalid digest for {what}", registry=self.host
            ) from exc
        size = response.headers.get("content-length", "0")
        return ManifestHead(digest, _content_type(response), int(size) if size.isdigit() else 0)

    # -- blobs -------------------------------------------------------------

    async def head_blob(self, repository: str, digest: str) -> BlobHead:
        Digest.parse(digest)
        response = await self.http.send(
            "HEAD", f"/v2/{repository}/blobs/{digest}", what=f"blob {digest} in {repository}"
        )
        size = response.headers.get("content-length", "0")
        return BlobHead(digest, int(size) if size.isdigit() else 0)

    async def get_blob(self, repository: str, digest: str, *, max_bytes: int) -> bytes:
        """A small blob (an image config) in memory, digest-verified."""
        verifier = DigestVerifier(Digest.parse(digest))
        what = f"blob {digest} in {repository}"
        response = await self.http.send(
            "GET", f"/v2/{repository}/blobs/{digest}", what=what, max_bytes=max_bytes
        )
        verifier.update(response.content)
        verifier.verify(what=what)
        return response.content

    async def copy_blob(
        self,
        repository: str,
        digest: str,
        write: Callable[[bytes], Awaitable[None]],
        *,
        chunk_size: int = 1 << 16,
    ) -> int:
        """Stream a blob of any size into `write`; raise after the last chunk on a mismatch.

        Memory stays constant; a caller must discard what it wrote when this raises.
        """
        verifier = DigestVerifier(Digest.parse(digest))
        what = f"blob {digest} in {repository}"
        async with self.http.open("GET", f"/v2/{repository}/blobs/{digest}", what=what) as resp:
            try:
                # aclosing: a `write` that raises (a full disk) closes the body at once.
                body = cast(AsyncGenerator[bytes, None], resp.aiter_bytes(chunk_size))
                async with aclosing(body) as chunks:
                    async for chunk in chunks:
                        verifier.update(chunk)
                        await write(chunk)
            except httpx.HTTPError as exc:
                raise self.http.body_error(exc, resp.request) from exc
        verifier.verify(what=what)
        return verifier.size

    @asynccontextmanager
    async def open_blob(
        self, repository: str, digest: str
    ) -> AsyncIterator[AsyncGenerator[bytes, None]]:
        """A blob's body as the chunks arrive, verified after the last (a mismatch raises).

        For feeding an upload directly: one task reads and writes, nothing in between.
        """
        verifier = DigestVerifier(Digest.parse(digest))
        what = f"blob {digest} in {repository}"
        async with self.http.open("GET", f"/v2/{repository}/blobs/{digest}", what=what) as resp:

            async def chunks() -> AsyncGenerator[bytes, None]:
                body = cast(AsyncGenerator[bytes, None], resp.aiter_bytes())
                try:
                    async with aclosing(body) as arriving:
                        async for chunk in arriving:
                            verifier.update(chunk)
                            yield chunk
                except httpx.HTTPError as exc:
                    raise self.http.body_error(exc, resp.request) from exc
                verifier.verify(what=what)

            async with aclosing(chunks()) as verified:
                yield verified

    # -- referrers -----------------------------------------------------------

    async def referrers(
        self, repository: str, digest: str, *, artifact_type: str | None = None
    ) -> list[manifests.Descriptor]:
        """Manifests whose `subject` is `digest`: the referrers API, else the tag schema."""
        parsed = Digest.parse(digest)
        index: manifests.ImageIndex | None = None
        try:
            response = await self.http.send(
                "GET",
                f"/v2/{repository}/referrers/{digest}",
                headers={"Accept": manifests.OCI_INDEX},
                what=f"referrers of {digest}",
                max_bytes=manifests.MAX_MANIFEST_BYTES,
            )
            found = manifests.parse_manifest(response.content, _content_type(response))
            if isinstance(found, manifests.ImageIndex):
                index = found
        except (NotFoundError, ServerError, ContentError) as exc:
            logger.debug(
                "referrers API unavailable on %s (%s); using the tag schema", self.host, exc.message
            )
        if index is None:
            fallback = f"{parsed.algorithm}-{parsed.hex}"
            try:
                manifest = await self.get_manifest(repository, fallback)
            except NotFoundError:
                return []
            if not isinstance(manifest.parsed, manifests.ImageIndex):
                return []
            index = manifest.parsed
        found_list = list(index.manifests)
        if artifact_type is not None:
            found_list = [d for d in found_list if d.artifact_type == artifact_type]
        return found_list


def _manifest_label(repository: str, reference: str) -> str:
    sep = "@" if ":" in reference else ":"
    return f"manifest {repository}{sep}{reference}"
