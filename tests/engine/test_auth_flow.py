"""The challenge/response flow of RegistryAuth, driven without any network."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

from engine.errors import AuthenticationError
from engine.transport.auth import RegistryAuth, TokenCache, scope_for_path
from engine.transport.credentials import Credentials
from rex_tui.cli.errors import exit_code

REGISTRY = "127.0.0.1:5000"
BEARER = 'Bearer realm="http://127.0.0.1:6000/token",service="test-registry"'
ALICE = Credentials("alice", "s3cret:with-colon")

Responder = Callable[[httpx.Request], httpx.Response]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def snapshot(request: httpx.Request) -> httpx.Request:
    """A copy: the flow re-sends one request object with new headers."""
    return httpx.Request(
        request.method, request.url, headers=request.headers.copy(), content=request.content
    )


def drive(auth: RegistryAuth, request: httpx.Request, respond: Responder) -> list[httpx.Request]:
    """Run one auth flow to the end; return every request it sent, in order."""
    flow = auth.auth_flow(request)
    outgoing = next(flow)
    sent = [snapshot(outgoing)]
    while True:
        try:
            outgoing = flow.send(respond(outgoing))
        except StopIteration:
            return sent
        sent.append(snapshot(outgoing))


class FakeRegistry:
    """Answers like a token-auth registry: 401 unless a valid Bearer token is shown."""

    def __init__(self, *, expires_in: int = 300, valid: set[str] | None = None) -> None:
        self.expires_in = expires_in
        self.issued = 0
        self.valid = valid if valid is not None else set()
        self.token_requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            self.token_requests.append(request)
            self.issued += 1
            token = f"tok-{self.issued}"
            self.valid.add(token)
            return httpx.Response(
                200, json={"token": token, "expires_in": self.expires_in}, request=request
            )
        header = request.headers.get("authorization", "")
        if header.startswith("Bearer ") and header[7:] in self.valid:
            return httpx.Response(200, request=request)
        return httpx.Response(401, headers={"www-authenticate": BEARER}, request=request)


def get(path: str) -> httpx.Request:
    return httpx.Request("GET", f"http://{REGISTRY}{path}")


def test_scope_for_path() -> None:
    assert scope_for_path("/v2/_catalog") == "registry:catalog:*"
    assert scope_for_path("/v2/team/app/tags/list") == "repository:team/app:pull"
    assert scope_for_path("/v2/a/b/c/manifests/latest", "HEAD") == "repository:a/b/c:pull"
    assert scope_for_path("/v2/x/blobs/uploads/", "POST") == "repository:x:pull,push"
    assert scope_for_path("/v2/") == ""


def test_anonymous_registry_needs_one_request() -> None:
    auth = RegistryAuth(REGISTRY, ALICE, TokenCache())
    sent = drive(auth, get("/v2/x/tags/list"), lambda r: httpx.Response(200, request=r))
    assert len(sent) == 1
    assert "authorization" not in sent[0].headers


def test_basic_challenge_is_answered_then_sent_up_front() -> None:
    auth = RegistryAuth(REGISTRY, ALICE, TokenCache())
    expected = "Basic " + base64.b64encode(b"alice:s3cret:with-colon").decode()

    def respond(r: httpx.Request) -> httpx.Response:
        if r.headers.get("authorization") == expected:
            return httpx.Response(200, request=r)
        return httpx.Response(401, headers={"www-authenticate": 'Basic realm="r"'}, request=r)

    first = drive(auth, get("/v2/x/tags/list"), respond)
    assert [r.headers.get("authorization") for r in first] == [None, expected]
    second = drive(auth, get("/v2/y/tags/list"), respond)
    assert [r.headers.get("authorization") for r in second] == [expected]


def test_basic_without_credentials_gives_up() -> None:
    auth = RegistryAuth(REGISTRY, None, TokenCache())
    sent = drive(
        auth,
        get("/v2/"),
        lambda r: httpx.Response(401, headers={"www-authenticate": 'Basic realm="r"'}, request=r),
    )
    assert len(sent) == 1


def test_bearer_flow_fetches_and_caches_tokens_per_scope() -> None:
    registry = FakeRegistry()
    auth = RegistryAuth(REGISTRY, ALICE, TokenCache())
    first = drive(auth, get("/v2/team/app/manifests/1.0"), registry)
    assert [r.url.path for r in first] == [
        "/v2/team/app/manifests/1.0",
        "/token",
        "/v2/team/app/manifests/1.0",
    ]
    token_request = first[1]
    assert token_request.url.params.get_list("scope") == ["repository:team/app:pull"]
    assert token_request.url.params["service"] == "test-registry"
    assert token_request.headers["authorization"].startswith("Basic ")
    assert first[2].headers["authorization"] == "Bearer tok-1"

    # Same scope: the cached token goes straight out.
    again = drive(auth, get("/v2/team/app/blobs/sha256:" + "a" * 64), registry)
    assert [r.url.path for r in again] == [again[0].url.path]
    # A new scope: the token service is known, so no 401 round trip.
    other = drive(auth, get("/v2/_catalog"), registry)
    assert [r.url.path for r in other] == ["/token", "/v2/_catalog"]
    assert other[0].url.params.get_list("scope") == ["registry:catalog:*"]


def test_expired_token_is_refreshed() -> None:
    clock = Clock()
    registry = FakeRegistry(expires_in=60)
    auth = RegistryAuth(REGISTRY, ALICE, TokenCache(clock))
    drive(auth, get("/v2/x/tags/list"), registry)
    clock.now += 30
    assert len(drive(auth, get("/v2/x/tags/list"), registry)) == 1
    clock.now += 30  # past expiry (minus the safety margin)
    sent = drive(auth, get("/v2/x/tags/list"), registry)
    assert [r.url.path for r in sent] == ["/token", "/v2/x/tags/list"]
    assert registry.issued == 2


def test_rejected_token_is_dropped_and_replaced_once() -> None:
    registry = FakeRegistry()
    cache = TokenCache()
    auth = RegistryAuth(REGISTRY, ALICE, cache)
    drive(auth, get("/v2/x/tags/list"), registry)
    registry.valid.clear()  # the registry revokes every token
    sent = drive(auth, get("/v2/x/tags/list"), registry)
    assert [r.url.path for r in sent] == ["/v2/x/tags/list", "/token", "/v2/x/tags/list"]
    assert sent[-1].headers["authorization"] == "Bearer tok-2"


def test_credentials_never_go_in_clear_to_another_host() -> None:
    auth = RegistryAuth(REGISTRY, ALICE, TokenCache())
    elsewhere = 'Bearer realm="http://auth.example.com/token",service="s"'

    def respond(r: httpx.Request) -> httpx.Response:
        if r.url.host == "auth.example.com":
            return httpx.Response(200, json={"token": "anon"}, request=r)
        if r.headers.get("authorization") == "Bearer anon":
            return httpx.Response(200, request=r)
        return httpx.Response(401, headers={"www-authenticate": elsewhere}, request=r)

    sent = drive(auth, get("/v2/x/tags/list"), respond)
    assert "authorization" not in sent[1].headers
    assert sent[2].headers["authorization"] == "Bearer anon"


def test_credentials_go_to_https_realm_on_another_host() -> None:
    auth = RegistryAuth(REGISTRY, ALICE, TokenCache())
    challenge = 'Bearer realm="https://auth.example.com/token",service="s"'
    sent = drive(
        auth,
        get("/v2/x/tags/list"),
        lambda r: (
            httpx.Response(200, json={"token": "t"}, request=r)
            if r.url.host == "auth.example.com"
            else httpx.Response(401, headers={"www-authenticate": challenge}, request=r)
        ),
    )
    assert sent[1].headers["authorization"].startswith("Basic ")


def test_identity_token_uses_oauth_refresh_grant() -> None:
    creds = Credentials("<token>", "", identity_token="refresh-me")
    registry = FakeRegistry()
    auth = RegistryAuth(REGISTRY, creds, TokenCache())
    sent = drive(auth, get("/v2/x/tags/list"), registry)
    token_request = sent[1]
    assert token_request.method == "POST"
    form = dict(httpx.QueryParams(token_request.content.decode()))
    assert form["grant_type"] == "refresh_token"
    assert form["refresh_token"] == "refresh-me"
    assert form["service"] == "test-registry"


def test_refused_credentials_raise_authentication_error_without_secrets() -> None:
    auth = RegistryAuth(REGISTRY, ALICE, TokenCache())

    def respond(r: httpx.Request) -> httpx.Response:
        if r.url.path == "/token":
            return httpx.Response(401, json={"details": "bad"}, request=r)
        return httpx.Response(401, headers={"www-authenticate": BEARER}, request=r)

    with pytest.raises(AuthenticationError) as info:
        drive(auth, get("/v2/x/tags/list"), respond)
    assert exit_code(info.value) == 4
    assert ALICE.password not in str(info.value)


def test_insufficient_scope_with_a_fresh_token_is_final() -> None:
    registry = FakeRegistry()
    auth = RegistryAuth(REGISTRY, ALICE, TokenCache())
    drive(auth, get("/v2/x/tags/list"), registry)  # learn the token service

    def deny(r: httpx.Request) -> httpx.Response:
        if r.url.path == "/token":
            return registry(r)
        challenge = BEARER + ',error="insufficient_scope"'
        return httpx.Response(401, headers={"www-authenticate": challenge}, request=r)

    sent = drive(auth, get("/v2/private/tags/list"), deny)
    assert [r.url.path for r in sent] == ["/token", "/v2/private/tags/list"]


@pytest.mark.parametrize(("registry_scheme", "sent"), [("http", True), ("https", False)])
def test_a_plain_http_realm_on_the_same_host_gets_basic_only_from_a_plain_http_registry(
    registry_scheme: str, sent: bool
) -> None:
    """The usual local setup (both plain HTTP, any port) may; an HTTPS registry's may not."""
    auth = RegistryAuth(REGISTRY, ALICE, TokenCache())
    challenge = 'Bearer realm="http://127.0.0.1:6000/token",service="s"'

    def respond(r: httpx.Request) -> httpx.Response:
        if r.url.path == "/token":
            return httpx.Response(200, json={"token": "t"}, request=r)
        if r.headers.get("authorization") == "Bearer t":
            return httpx.Response(200, request=r)
        return httpx.Response(401, headers={"www-authenticate": challenge}, request=r)

    request = httpx.Request("GET", f"{registry_scheme}://{REGISTRY}/v2/x/tags/list")
    token_request = drive(auth, request, respond)[1]
    assert ("authorization" in token_request.headers) is sent
