"""Registry authentication: anonymous, Basic and Bearer, as an `httpx.Auth`.

The challenge/response logic lives in `RegistryAuth.auth_flow`, a generator
that only builds requests and reads responses (no I/O), so it can be tested
by feeding it responses. `async_auth_flow` adds the two things that need the
event loop: reading a token response's body, and a per-scope lock so that
many concurrent first requests fetch one token, not many.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from datetime import datetime

import httpx
import trio

from engine.errors import (
    AuthenticationError,
    ContentError,
    Remedy,
    ServerError,
    ValidationError,
)
from engine.oci.manifests import load_json
from engine.transport.bodies import MAX_ERROR_BYTES, MAX_TOKEN_BYTES, cap_stream
from engine.transport.credentials import Credentials
from engine.transport.headers import Challenge, parse_www_authenticate
from engine.transport.tokens import TokenCache

__all__ = ["RegistryAuth", "TokenCache", "scope_for_path"]

logger = logging.getLogger(__name__)

_TOKEN_REQUEST = "rex_token_request"
_DEFAULT_TOKEN_LIFETIME = 60.0  # distribution spec: assume 60 s when expires_in is absent
_REPO_PATH = re.compile(r"^/v2/(.+?)/(?:manifests|blobs|tags|referrers)/")


def scope_for_path(path: str, method: str = "GET") -> str:
    """The token scope a request needs: `repository:NAME:pull`, catalog, or none."""
    if path.startswith("/v2/_catalog"):
        return "registry:catalog:*"
    m = _REPO_PATH.match(path)
    if not m:
        return ""
    actions = "pull" if method in ("GET", "HEAD") else "pull,push"
    return f"repository:{m.group(1)}:{actions}"


def _basic_header(credentials: Credentials) -> str:
    raw = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _hostname(url: httpx.URL) -> str:
    return url.host.lower()


class RegistryAuth(httpx.Auth):
    """Answers a registry's 401 challenges with Basic credentials or a Bearer token."""

    def __init__(
        self,
        registry: str,
        credentials: Credentials | None,
        tokens: TokenCache,
        *,
        load_credentials: Callable[[], Awaitable[Credentials | None]] | None = None,
    ) -> None:
        self.registry = registry
        self.credentials = credentials
        self._load_credentials = load_credentials
        """Read on the first 401 only: an anonymous registry never costs a keyring lookup."""
        self._load_lock = trio.Lock()
        self.tokens = tokens
        self._basic = False
        """The registry asked for Basic once: send it up front from now on."""
        self._bearer: Challenge | None = None
        self._anonymous_ok = False
        self._locks: dict[str, trio.Lock] = {}

    # -- the pure flow -------------------------------------------------

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        scope = scope_for_path(request.url.path, request.method)
        token = self.tokens.get(self.registry, scope)
        fresh = False
        if token is None and self._bearer is not None:
            # We know the token service already: fetch first, skip the 401 round trip.
            token = yield from self._fetch_token(self._bearer, scope, request.url)
            fresh = True
        self._authorize(request, token)
        response = yield request
        if response.status_code != 401:
            if "Authorization" not in request.headers:
                self._anonymous_ok = True
            return
        challenges = self._challenges(response)
        bearer = next((c for c in challenges if c.scheme == "bearer"), None)
        basic = next((c for c in challenges if c.scheme == "basic"), None)
        if bearer is not None and bearer.get("realm"):
            # Keep only where tokens come from; scopes and errors belong to one request.
            kept = {k: v for k, v in bearer.params.items() if k in ("realm", "service")}
            self._bearer = Challenge("bearer", kept)
            self.tokens.drop(self.registry, scope)
            if fresh and bearer.get("error") == "insufficient_scope":
                return  # a token made for this very request lacks the access: final
            token = yield from self._fetch_token(bearer, scope, request.url)
            self._authorize(request, token)
            yield request
        elif (
            basic is not None
            and self.credentials is not None
            and "Authorization" not in request.headers
        ):
            # Not "not self._basic": a concurrent request may have switched to Basic
            # while this one was on its way without credentials.
            self._basic = True
            self._authorize(request, None)
            yield request

    def _authorize(self, request: httpx.Request, token: str | None) -> None:
        if token:
            request.headers["Authorization"] = f"Bearer {token}"
        elif self._basic and self.credentials is not None:
            request.headers["Authorization"] = _basic_header(self.credentials)

    def _challenges(self, response: httpx.Response) -> list[Challenge]:
        try:
            return parse_www_authenticate(response.headers.get_list("www-authenticate"))
        except ValidationError as exc:
            raise AuthenticationError(
                f"{self.registry} sent a malformed authentication challenge",
                hint="The registry's WWW-Authenticate header could not be read; report it.",
                status=401,
                registry=self.registry,
            ) from exc

    def _fetch_token(
        self, challenge: Challenge, scope: str, registry_url: httpx.URL
    ) -> Generator[httpx.Request, httpx.Response, str]:
        response = yield self._token_request(challenge, scope, registry_url)
        value, lifetime = self._read_token(response)
        self.tokens.put(self.registry, scope, value, lifetime)
        logger.debug("token acquired for %s, expires in %.0fs", self.registry, lifetime)
        return value

    def _token_request(
        self, challenge: Challenge, scope: str, registry_url: httpx.URL
    ) -> httpx.Request:
        realm = httpx.URL(challenge.get("realm") or "")
        scopes = [s for s in (challenge.get("scope") or "").split() if s]
        if scope and scope not in scopes:
            scopes.append(scope)
        service = challenge.get("service")
        creds = self.credentials if self._may_send_credentials(realm, registry_url) else None
        extensions = {_TOKEN_REQUEST: True}
        if creds is not None and creds.identity_token:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": creds.identity_token,
                "client_id": "rex-tui",
                "scope": " ".join(scopes),
            }
            if service:
                form["service"] = service
            return httpx.Request(
                "POST",
                realm,
                data=form,
                headers={"Accept-Encoding": "identity"},
                extensions=extensions,
            )
        params: list[tuple[str, str | int | float | bool | None]] = []
        if service:
            params.append(("service", service))
        params += [("scope", s) for s in scopes]
        # identity: the answer is small, and a compressed one could decode to any size.
        headers = {"Accept-Encoding": "identity"}
        if creds is not None:
            headers["Authorization"] = _basic_header(creds)
        url = realm.copy_merge_params(params) if params else realm
        return httpx.Request("GET", url, headers=headers, extensions=extensions)

    def _may_send_credentials(self, realm: httpx.URL, registry_url: httpx.URL) -> bool:
        """Over HTTPS (the client verifies every host but a skip_verify registry's own),
        or to the same host as a registry that is itself plain HTTP: the usual local setup."""
        if self.credentials is None:
            return False
        if realm.scheme == "https":
            return True
        if registry_url.scheme == "http" and _hostname(realm) == _hostname(registry_url):
            return True
        logger.warning(
            "not sending credentials for %s to token service %s over plain HTTP",
            self.registry,
            _hostname(realm),
        )
        return False

    def _read_token(self, response: httpx.Response) -> tuple[str, float]:
        if response.status_code in (401, 403):
            who = "the credentials" if self.credentials else "anonymous access"
            raise AuthenticationError(
                f"authentication failed for {self.registry}: the token service refused {who}",
                hint="Check the username and password.",
                remedy=Remedy.LOGIN,
                status=response.status_code,
                registry=self.registry,
            )
        if response.status_code != 200:
            raise ServerError(
                f"token service for {self.registry} answered HTTP {response.status_code}",
                status=response.status_code,
                registry=self.registry,
            )
        body = load_json(response.content, f"token answer for {self.registry}")
        try:
            value = body.get("token") or body.get("access_token")
            if not isinstance(value, str) or not value:
                raise ValueError("no token in the response")
            lifetime = float(body.get("expires_in") or _DEFAULT_TOKEN_LIFETIME)
        except (ValueError, TypeError, AttributeError) as exc:
            raise ContentError(
                f"token service for {self.registry} sent an unreadable answer",
                registry=self.registry,
            ) from exc
        issued = body.get("issued_at")
        if isinstance(issued, str):
            lifetime = _remaining(issued, lifetime)
        return value, lifetime

    # -- the event-loop wrapper ----------------------------------------

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        scope = scope_for_path(request.url.path, request.method)
        lock: trio.Lock | None = None
        if not self._anonymous_ok and not self._basic and not self.tokens.get(self.registry, scope):
            lock = self._locks.setdefault(scope, trio.Lock())
            await lock.acquire()
        try:
            flow = self.auth_flow(request)
            outgoing = next(flow)
            while True:
                response = yield outgoing
                if outgoing.extensions.get(_TOKEN_REQUEST):
                    cap_stream(response, MAX_TOKEN_BYTES, self._token_too_big(response))
                    await response.aread()
                elif response.status_code == 401:
                    # httpx reads this body whole before the flow's next request.
                    cap_stream(response, MAX_ERROR_BYTES)
                    await self._ensure_credentials()
                try:
                    outgoing = flow.send(response)
                except StopIteration:
                    return
        finally:
            if lock is not None:
                lock.release()

    def _token_too_big(self, response: httpx.Response) -> Callable[[], Exception]:
        realm = _hostname(response.request.url)

        def error() -> Exception:
            return ContentError(
                f"token answer for {self.registry} from {realm} is over the "
                f"{MAX_TOKEN_BYTES:,}-byte limit; stopped reading there",
                registry=self.registry,
            )

        return error

    async def _ensure_credentials(self) -> None:
        async with self._load_lock:
            load, self._load_credentials = self._load_credentials, None
            if load is not None and self.credentials is None:
                self.credentials = await load()


def _remaining(issued_at: str, lifetime: float) -> float:
    """Lifetime left given the server's issued_at; trust expires_in on clock skew."""
    try:
        issued = datetime.fromisoformat(issued_at.replace("Z", "+00:00"))
    except ValueError:
        return lifetime
    if issued.tzinfo is None:
        return lifetime
    left = issued.timestamp() + lifetime - time.time()
    return left if 0 < left <= lifetime else lifetime
