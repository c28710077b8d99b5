"""HTTP transport for one registry: pooling, timeouts, retries, TLS and logging.

Every request goes through `HttpClient.send`, which retries transient
failures (connect errors, resets, timeouts, 429, 502, 503, 504) with
exponential backoff and full jitter, honours Retry-After, bounds the number of
requests in flight, and turns every failure into an engine error. Logs carry
method, URL, status and duration, never a header value.

Bounds: each try, body included, ends by an overall deadline (`network.timeout`),
so a body that drips a byte at a time cannot hold a command; and every body is
counted as it is read and reading stops at a limit (see `engine.transport.bodies`).

TLS is decided per destination: certificates are verified everywhere (with the
registry's `ca_file` trusted as well), except on the registry's own HTTPS origin
when it is configured `skip_verify`. A plain-HTTP registry turns nothing off for
its token realm or for a redirect to another host.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import certifi
import httpx
import trio

from engine._version import __version__
from engine.config.model import NetworkConfig
from engine.errors import (
    AuthenticationError,
    ConfigurationError,
    ContentError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RegistryErrorDetail,
    Remedy,
    RequestTimeout,
    RexError,
    ServerError,
    ValidationError,
)
from engine.frozen import Frozen
from engine.oci.manifests import load_json
from engine.transport.auth import RegistryAuth
from engine.transport.bodies import (
    MAX_ERROR_BYTES,
    cap_redirect,
    read_capped,
    read_within,
    with_body,
)
from engine.transport.endpoint import Endpoint
from engine.transport.headers import parse_retry_after, parse_www_authenticate
from engine.transport.observed import Observed

__all__ = ["HttpClient", "RetryPolicy", "redact_url"]

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
_SENSITIVE_PARAMS = frozenset({"token", "access_token", "refresh_token", "password", "secret"})
_DEFAULT_MAX_BYTES = 1024 * 1024
"""A success body whose caller set no limit (the /v2/ ping answers `{}`)."""

Sleep = Callable[[float], Awaitable[None]]


def redact_url(url: httpx.URL | str) -> str:
    """A URL fit for a log: no user info, no token-like query values."""
    u = httpx.URL(url)
    if u.userinfo:
        u = u.copy_with(username=None, password=None)
    if any(k.lower() in _SENSITIVE_PARAMS for k in u.params):
        params = [
            (k, "***" if k.lower() in _SENSITIVE_PARAMS else v) for k, v in u.params.multi_items()
        ]
        u = u.copy_with(params=params)
    return str(u)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RetryPolicy(Frozen):
    """How transient failures are retried; `sleep` is injectable for tests."""

    retries: int = 3
    base: float = 0.5
    cap: float = 20.0
    max_retry_after: float = 60.0
    sleep: Sleep = field(default=trio.sleep)
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return self.rng.uniform(0, min(self.cap, self.base * (2**attempt)))


def _details(response: httpx.Response) -> tuple[RegistryErrorDetail, ...]:
    """The registry's `errors[]` from a JSON error body, if there is one."""
    try:
        body = load_json(response.content, "error body")
    except (ContentError, httpx.ResponseNotRead):
        return ()
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return ()
    return tuple(
        RegistryErrorDetail(str(e.get("code", "")), str(e.get("message", "")))
        for e in errors[:5]
        if isinstance(e, dict)
    )


class _DeferredRoots(ssl.SSLContext):
    """Verifies like httpx's default context, but loads the trust roots (~30 ms) at the
    first handshake: a plain-HTTP registry with a plain-HTTP realm never pays for them."""

    loaded = False

    def load_roots(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        # httpx's own choice of roots: SSL_CERT_FILE, SSL_CERT_DIR, else certifi's bundle.
        if os.environ.get("SSL_CERT_FILE"):
            self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
        elif os.environ.get("SSL_CERT_DIR"):
            self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
        else:
            self.load_verify_locations(cafile=certifi.where())

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_roots()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_roots()
        return super().wrap_socket(*args, **kwargs)


def _verifying_context(ca_file: str | None) -> ssl.SSLContext:
    """Verify every certificate; a `ca_file` is trusted besides the usual roots."""
    context = _DeferredRoots(ssl.PROTOCOL_TLS_CLIENT)  # hostname check, CERT_REQUIRED
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(
                f"cannot load CA file {ca_file}: {exc.strerror or exc}",
                hint="Point ca_file at a readable PEM bundle.",
            ) from exc
    return context


def _unverified_origin(
    endpoint: Endpoint, network: NetworkConfig, skip_verify: bool, limits: httpx.Limits
) -> dict[str, httpx.AsyncBaseTransport]:
    """A transport without verification for the registry's own HTTPS origin, if asked for.

    Mounted for that origin only: its token realm and redirect targets elsewhere
    keep the verifying transport.
    """
    if endpoint.scheme != "https" or not (skip_verify or not network.verify_tls):
        return {}
    origin = endpoint.base_url
    proxies = urllib.request.getproxies()
    proxy = proxies.get("https") or proxies.get("all")
    if proxy and urllib.request.proxy_bypass(endpoint.api_host):
        proxy = None
    return {origin: httpx.AsyncHTTPTransport(verify=False, limits=limits, proxy=proxy)}


class HttpClient:
    """One pooled `httpx.AsyncClient` for one registry, with retries and error mapping."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        network: NetworkConfig | None = None,
        auth: RegistryAuth | None = None,
        skip_verify: bool = False,
        ca_file: str | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        network = network or NetworkConfig()
        self.endpoint = endpoint
        self.auth = auth
        self.retry = retry or RetryPolicy(
            retries=network.retry_attempts,
            base=network.backoff_base,
            cap=network.backoff_max,
            max_retry_after=network.max_retry_after,
        )
        self.network = network
        self._limiter = trio.CapacityLimiter(max(1, network.concurrency))
        limits = httpx.Limits(
            max_connections=network.concurrency,
            max_keepalive_connections=network.concurrency,
        )
        self._client = httpx.AsyncClient(
            base_url=endpoint.base_url,
            timeout=httpx.Timeout(network.timeout),
            limits=limits,
            verify=_verifying_context(ca_file),
            mounts=None
            if transport is not None
            else _unverified_origin(endpoint, network, skip_verify, limits),
            follow_redirects=True,
            event_hooks={"response": [_cap_redirect]},
            headers={"User-Agent": network.user_agent or f"rex-tui/{__version__}"},
            transport=transport,
            trust_env=True,
        )
        self.requests_sent = 0
        self.observed = Observed()
        """Auth scheme, rate limit and last failure, as the registry's answers showed them."""

    @property
    def host(self) -> str:
        return self.endpoint.host

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        what: str = "",
        max_bytes: int | None = None,
    ) -> httpx.Response:
        """Send and read the whole body (a broken body is retried); raise unless < 400.

        A body over `max_bytes` (default 1 MiB) is a ContentError: refused on its
        Content-Length, else when reading reaches the limit.
        """
        async with self._limiter:
            return await self._send_with_retries(
                method, url, headers, what, read_body=True, max_bytes=max_bytes
            )

    @asynccontextmanager
    async def open(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        what: str = "",
    ) -> AsyncIterator[httpx.Response]:
        """A streamed response (headers read, body not yet) after retries and checks."""
        async with self._limiter:
            response = await self._send_with_retries(
                method, url, headers, what, read_body=False, max_bytes=None
            )
            try:
                yield response
            finally:
                await response.aclose()

    def body_error(self, exc: httpx.HTTPError, request: httpx.Request) -> NetworkError:
        """The engine error for a body that broke off or stalled."""
        path = request.url.path
        if isinstance(exc, httpx.TimeoutException):
            error: NetworkError = RequestTimeout(
                f"{self.host} stopped answering while sending {path}", registry=self.host
            )
        else:
            error = NetworkError(
                f"connection to {self.host} broke while reading {path}: {_describe(exc)}",
                registry=self.host,
            )
        error.__cause__ = exc
        return error

    async def _send_with_retries(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        what: str,
        *,
        read_body: bool,
        max_bytes: int | None,
    ) -> httpx.Response:
        attempt = 0
        while True:
            request = self._client.build_request(method, url, headers=headers)
            outcome = await self._attempt(request, what, read_body=read_body, max_bytes=max_bytes)
            if isinstance(outcome, httpx.Response):
                return outcome
            failure, transient = outcome
            self.observed.failed(failure)
            delay = self._retry_delay(failure, attempt) if transient else None
            if delay is None:
                raise failure
            attempt += 1
            # INFO, not WARNING: a retry that succeeds is not the user's problem, and one
            # that fails ends in an error that says so.
            logger.info(
                "retrying %s %s (%d/%d) in %.2fs: %s",
                method,
                request.url.path,
                attempt,
                self.retry.retries,
                delay,
                failure.message,
            )
            await self.retry.sleep(delay)

    async def _attempt(
        self, request: httpx.Request, what: str, *, read_body: bool, max_bytes: int | None
    ) -> httpx.Response | tuple[RexError, bool]:
        """One try within the deadline: the response, or the error and whether to retry."""
        # httpx's timeouts restart with every byte read; this one bounds the whole try,
        # token requests and the body included (a streamed body is the caller's to bound).
        with trio.move_on_after(self.network.timeout):
            return await self._exchange(request, what, read_body=read_body, max_bytes=max_bytes)
        return RequestTimeout(
            f"{self.host} did not finish {request.method} {request.url.path} "
            f"within {self.network.timeout:g} s",
            registry=self.host,
        ), True

    async def _exchange(
        self, request: httpx.Request, what: str, *, read_body: bool, max_bytes: int | None
    ) -> httpx.Response | tuple[RexError, bool]:
        started = time.perf_counter()
        auth = self.auth or httpx.USE_CLIENT_DEFAULT
        try:
            response = await self._client.send(request, auth=auth, stream=True)
        except httpx.TimeoutException as exc:
            error: RexError = RequestTimeout(
                f"{self.host} did not answer {request.method} {request.url.path} in time",
                registry=self.host,
            )
            error.__cause__ = exc
            return error, True
        except (httpx.TransportError, ssl.SSLError) as exc:
            error = self._network_error(exc, request)
            error.__cause__ = exc
            return error, _transient(exc)
        except httpx.HTTPError as exc:
            error = NetworkError(
                f"request to {self.host} failed: {_describe(exc)}", registry=self.host
            )
            error.__cause__ = exc
            return error, False
        self.requests_sent += 1
        self.observed.note(response)
        logger.debug(
            "%s %s -> %d in %.1f ms",
            request.method,
            redact_url(request.url),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        if response.status_code < 400 and not read_body:
            return response
        limit = _DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
        subject = what or request.url.path
        try:
            if response.status_code >= 400:
                # Only the first errors[] entries are shown: the rest is left unread.
                body, _ = await read_capped(response, MAX_ERROR_BYTES)
                error = self._status_error(with_body(response, body), what)
                return error, response.status_code in RETRY_STATUSES
            length = response.headers.get("content-length", "")
            if length.isascii() and length.isdigit() and int(length) > limit:
                return ContentError(
                    f"{subject} from {self.host} is {int(length):,} bytes, "
                    f"over the {limit:,}-byte limit",
                    registry=self.host,
                ), False
            return await read_within(response, limit, what=subject, registry=self.host)
        except ContentError as exc:
            return exc, False
        except httpx.HTTPError as exc:
            return self.body_error(exc, request), True
        finally:
            await response.aclose()

    def _retry_delay(self, failure: RexError, attempt: int) -> float | None:
        if attempt >= self.retry.retries:
            return None
        if isinstance(failure, RateLimitError) and failure.retry_after is not None:
            if failure.retry_after > self.retry.max_retry_after:
                return None
            return failure.retry_after
        return self.retry.backoff(attempt)

    def _network_error(self, exc: Exception, request: httpx.Request) -> NetworkError:
        if _tls_failure(exc) is not None:
            peer = _peer(exc)
            if peer is not None and peer != self.endpoint.api_host:
                # A token realm or a redirect target: skip_verify never covers those.
                return NetworkError(
                    f"TLS handshake with {peer} (on behalf of {self.host}) failed: "
                    f"{_describe(exc)}",
                    hint="Add the CA that signed its certificate to this registry's ca_file.",
                    registry=self.host,
                )
            return NetworkError(
                f"TLS handshake with {self.host} failed: {_describe(exc)}",
                hint="Set ca_file for this registry, or turn off TLS verification "
                "(skip_verify) if you trust the network.",
                remedy=Remedy.SKIP_TLS_VERIFY,
                registry=self.host,
            )
        if isinstance(exc, httpx.ConnectError):
            return NetworkError(
                f"failed to connect to registry at {self.endpoint}: {_describe(exc)}",
                hint="Is the registry running? Check the URL, port and proxy settings.",
                registry=self.host,
            )
        return NetworkError(
            f"connection to {self.host} failed during {request.method} {request.url.path}: "
            f"{_describe(exc)}",
            registry=self.host,
        )

    def _status_error(self, response: httpx.Response, what: str) -> RexError:
        status = response.status_code
        details = _details(response)
        codes = {d.code for d in details}
        subject = what or response.request.url.path
        common: dict[str, Any] = {"status": status, "registry": self.host, "details": details}
        if status == 401:
            creds = self.auth.credentials if self.auth else None
            if creds is not None and _insufficient_scope(response):
                return PermissionDeniedError(
                    f"access to {subject} on {self.host} denied for user '{creds.username}'",
                    **common,
                )
            if creds is not None:
                return AuthenticationError(
                    f"authentication failed for {self.host}: invalid username or password",
                    hint="The stored credentials were refused.",
                    remedy=Remedy.LOGIN,
                    **common,
                )
            return AuthenticationError(
                f"{self.host} requires authentication for {subject}",
                hint="Credentials may also come from ~/.docker/config.json.",
                remedy=Remedy.LOGIN,
                **common,
            )
        if status == 403:
            return PermissionDeniedError(
                f"access to {subject} on {self.host} is forbidden", **common
            )
        if status == 404:
            if "NAME_UNKNOWN" in codes:
                return NotFoundError(
                    f"repository not found in registry {self.host}: {subject}", **common
                )
            return NotFoundError(f"{subject} not found in registry {self.host}", **common)
        if status == 429:
            try:
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            except ValidationError:
                retry_after = None
            error = RateLimitError(f"{self.host} is rate-limiting requests (HTTP 429)", **common)
            error.retry_after = retry_after
            return error
        if status >= 500:
            return ServerError(f"{self.host} failed with HTTP {status} on {subject}", **common)
        return ServerError(
            f"{self.host} refused {subject} with HTTP {status}",
            hint="The request was not accepted.",
            remedy=Remedy.SHOW_DEBUG_LOG,
            **common,
        )


def _insufficient_scope(response: httpx.Response) -> bool:
    try:
        challenges = parse_www_authenticate(response.headers.get_list("www-authenticate"))
    except ValidationError:
        return False
    return any(c.get("error") == "insufficient_scope" for c in challenges)


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    return next((e for e in _causes(exc) if isinstance(e, ssl.SSLError)), None)


async def _cap_redirect(response: httpx.Response) -> None:
    cap_redirect(response)


def _peer(exc: Exception) -> str | None:
    """host[:port] of the request that failed, which may not be the registry's."""
    try:
        url = exc.request.url if isinstance(exc, httpx.RequestError) else None
    except RuntimeError:  # httpx raises when the error carries no request
        return None
    if url is None:
        return None
    return url.host + (f":{url.port}" if url.port else "")


def _transient(exc: Exception) -> bool:
    """Worth retrying: the connection failed or broke, not the request's fault."""
    if _tls_failure(exc) is not None:
        return False
    return isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError))


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, its causes and contexts, and members of exception groups."""
    seen: list[BaseException] = []
    stack = [exc]
    while stack and len(seen) < 50:
        current = stack.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return seen


def _describe(exc: BaseException) -> str:
    """A short, secret-free reason: 'connection refused' rather than a socket error chain."""
    causes = _causes(exc)
    tls = _tls_failure(exc)
    if isinstance(tls, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {tls.verify_message}"
    if tls is not None:
        return tls.reason or str(tls)
    if any(isinstance(e, ConnectionRefusedError) for e in causes):
        return "connection refused"
    if any(isinstance(e, ConnectionResetError) for e in causes):
        return "connection reset by peer"
    if any(isinstance(e, socket.gaierror) for e in causes):
        return "host name not found"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
