"""The push side of the Distribution API: blob HEAD, cross-repository mount, upload, manifest PUT.

An upload is a POST, one streamed PATCH with the whole blob (known length), and a
PUT `?digest=`: memory stays constant whatever the blob's size, and the registry
checks the digest before it accepts the blob.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx

from engine.errors import ContentError, NotFoundError, ServerError
from engine.oci.digest import Digest, compute
from engine.oci.reference import validate_repository
from engine.transport.registry import RegistryClient

__all__ = ["BlobPusher"]

logger = logging.getLogger(__name__)


class BlobPusher:
    """Blob and manifest uploads to one registry, over its `RegistryClient`'s connection pool."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client

    @property
    def host(self) -> str:
        return self.client.host

    async def has_blob(self, repository: str, digest: str) -> bool:
        """Whether `repository` already holds the blob (HEAD; a 404 means no)."""
        try:
            await self.client.head_blob(repository, digest)
        except NotFoundError:
            return False
        return True

    async def mount(self, repository: str, digest: str, source: str) -> str | None:
        """Mount `digest` from `source` (same registry); None when mounted, else an upload URL.

        A registry that cannot mount (the blob is not in `source`, or the user may not
        read it) starts a plain upload instead and answers 202 with its location.
        """
        validate_repository(source)
        Digest.parse(digest)
        response = await self.client.http.send_body(
            "POST",
            f"/v2/{repository}/blobs/uploads/?mount={digest}&from={source}",
            content=b"",
            what=f"mount of blob {digest} from {source} into {repository}",
        )
        if response.status_code == 201:
            return None
        return self._location(response, repository)

    async def start_upload(self, repository: str) -> str:
        """POST an upload session; its URL (with the registry's state) for `put_blob`."""
        response = await self.client.http.send_body(
            "POST",
            f"/v2/{repository}/blobs/uploads/",
            content=b"",
            what=f"blob upload to {repository}",
        )
        return self._location(response, repository)

    def _location(self, response: httpx.Response, repository: str, expected: int = 202) -> str:
        location = response.headers.get("location")
        if response.status_code != expected or not location:
            raise ServerError(
                f"{self.host} did not start a blob upload to {repository} "
                f"(HTTP {response.status_code})",
                status=response.status_code,
                registry=self.host,
            )
        url = response.request.url.join(location)
        if url.host != response.request.url.host or url.port != response.request.url.port:
            raise ContentError(
                f"{self.host} pointed a blob upload at another host ({url.host})",
                registry=self.host,
            )
        return str(url)

    async def put_blob(
        self,
        location: str,
        repository: str,
        digest: str,
        size: int,
        body: AsyncIterator[bytes] | bytes,
    ) -> None:
        """Send the whole blob (streamed) in one PATCH, then close the upload with its digest.

        A PATCH lets the registry hash the bytes as they arrive; a PUT with the body
        makes Distribution read the whole blob back from its storage to check it.
        """
        what = f"blob {digest} upload to {repository}"
        response = await self.client.http.send_body(
            "PATCH",
            location,
            content=body,
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
            what=what,
        )
        location = self._location(response, repository, expected=202)
        url = httpx.URL(location).copy_merge_params({"digest": digest})
        await self.client.http.send_body("PUT", str(url), content=b"", what=what)

    async def put_manifest(
        self, repository: str, reference: str, body: bytes, media_type: str
    ) -> str:
        """PUT a manifest's exact bytes by tag or digest; its digest, checked against the answer."""
        expected = str(compute(body))
        response = await self.client.http.send_body(
            "PUT",
            f"/v2/{repository}/manifests/{reference}",
            content=body,
            headers={"Content-Type": media_type},
            what=f"manifest {repository}:{reference}",
        )
        claimed = response.headers.get("docker-content-digest")
        if claimed and claimed != expected:
            raise ContentError(
                f"{self.host} stored manifest {repository}:{reference} as {claimed}, "
                f"not {expected}",
                registry=self.host,
            )
        return expected
