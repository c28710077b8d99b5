"""Pushing blobs and manifests to a registry over HTTP, answering its auth challenges."""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import httpx

from engine.testing.images import MANIFEST_ACCEPT, Blob, Built, BuiltImage, BuiltIndex, sha256

_REPO_PATH = re.compile(r"^/v2/(?P<name>.+?)/(?:blobs|manifests|tags)/")
_CHALLENGE_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """`Bearer realm="..",service="..",scope=".."` -> ("bearer", {...})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
        for m in _CHALLENGE_PARAM.finditer(rest)
    }
    return scheme.lower(), params


def _scopes_for(request: httpx.Request) -> tuple[str, ...]:
    """The scopes a push client asks for on this request (a bearer cache key too)."""
    path = request.url.path
    if path.startswith("/v2/_catalog"):
        return ("registry:catalog:*",)
    match = _REPO_PATH.match(path)
    if match is None:
        return ()
    scopes = [f"repository:{match.group('name')}:pull,push,delete"]
    source = request.url.params.get("from")
    if source:
        scopes.append(f"repository:{source}:pull")
    return tuple(scopes)


def merge_scopes(scopes: Iterable[str]) -> list[str]:
    """One scope per resource with the union of actions, first-seen order kept."""
    merged: dict[str, list[str]] = {}
    for scope in scopes:
        resource, _, actions = scope.rpartition(":")
        known = merged.setdefault(resource, [])
        known.extend(a for a in actions.split(",") if a and a not in known)
    return [f"{resource}:{','.join(actions)}" for resource, actions in merged.items()]


class ChallengeAuth(httpx.Auth):
    """Answers a registry's 401 with Basic or a Bearer token from the challenge's realm."""

    requires_response_body = True

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.credentials = credentials
        self._basic = False
        self._tokens: dict[tuple[str, ...], tuple[str, float]] = {}
        self.token_fetches = 0

    def _basic_header(self) -> str:
        assert self.credentials is not None
        user, password = self.credentials
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        key = _scopes_for(request)
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > time.monotonic():
            request.headers["Authorization"] = f"Bearer {cached[0]}"
        elif self._basic and self.credentials is not None:
            request.headers["Authorization"] = self._basic_header()
        response = yield request
        if response.status_code != 401 or "www-authenticate" not in response.headers:
            return
        scheme, params = parse_challenge(response.headers["www-authenticate"])
        if scheme == "basic":
            if self.credentials is None or self._basic:
                return
            self._basic = True
            request.headers["Authorization"] = self._basic_header()
            yield request
            return
        if scheme != "bearer" or "realm" not in params:
            return
        scopes = merge_scopes([*key, *params.get("scope", "").split()])
        query: list[tuple[str, str]] = [("scope", scope) for scope in scopes]
        if "service" in params:
            query.insert(0, ("service", params["service"]))
        token_request = httpx.Request("GET", params["realm"], params=urlencode(query))
        if self.credentials is not None:
            token_request.headers["Authorization"] = self._basic_header()
        token_response = yield token_request
        self.token_fetches += 1
        if token_response.status_code != 200:
            return
        payload = token_response.json()
        token = payload.get("token") or payload["access_token"]
        lifetime = float(payload.get("expires_in", 60))
        self._tokens[key] = (token, time.monotonic() + max(lifetime - 5, 1))
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


class PushError(RuntimeError):
    """The registry refused something the pusher sent."""


class Pusher:
    """Push blobs and manifests to one registry over one kept-alive connection."""

    def __init__(
        self,
        base_url: str,
        auth: tuple[str, str] | None = None,
        *,
        timeout: float = 30.0,
        mount: bool = True,
        check_existing: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = ChallengeAuth(auth)
        # verify=False: plain HTTP on loopback only, and it skips loading the CA bundle,
        # which costs ~30 ms per client.
        self.client = httpx.Client(
            base_url=self.base_url, auth=self.auth, timeout=timeout, verify=False
        )
        self.mount = mount
        self.check_existing = check_existing
        self._present: set[tuple[str, str]] = set()
        self._home: dict[str, str] = {}

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Pusher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _check(response: httpx.Response, *expected: int) -> httpx.Response:
        if response.status_code not in expected:
            raise PushError(
                f"{response.request.method} {response.request.url} -> "
                f"{response.status_code}: {response.text[:500]}"
            )
        return response

    def _remember(self, repo: str, digest: str) -> None:
        self._present.add((repo, digest))
        self._home.setdefault(digest, repo)

    def blob_exists(self, repo: str, digest: str) -> bool:
        response = self.client.head(f"/v2/{repo}/blobs/{digest}")
        return self._check(response, 200, 404).status_code == 200

    def push_blob(self, repo: str, data: bytes | Blob) -> str:
        """Upload (or mount, or skip) one blob; returns its digest."""
        payload = data.data if isinstance(data, Blob) else data
        digest = sha256(payload)
        if (repo, digest) in self._present:
            return digest
        source = self._home.get(digest)
        if self.mount and source is not None and source != repo:
            response = self.client.post(
                f"/v2/{repo}/blobs/uploads/", params={"mount": digest, "from": source}
            )
            self._check(response, 201, 202)
            if response.status_code == 201:
                self._remember(repo, digest)
                return digest
            # 202: the registry started a plain upload instead; finish it below.
            location = response.headers["location"]
        else:
            if self.check_existing and self.blob_exists(repo, digest):
                self._remember(repo, digest)
                return digest
            response = self._check(self.client.post(f"/v2/{repo}/blobs/uploads/"), 202)
            location = response.headers["location"]
        upload = httpx.URL(self.base_url).join(location).copy_merge_params({"digest": digest})
        response = self.client.put(
            upload, content=payload, headers={"Content-Type": "application/octet-stream"}
        )
        self._check(response, 201)
        self._remember(repo, digest)
        return digest

    def push_manifest(self, repo: str, ref: str, body: bytes, media_type: str) -> str:
        """PUT a manifest by tag or digest; returns the digest the registry computed."""
        response = self.client.put(
            f"/v2/{repo}/manifests/{ref}", content=body, headers={"Content-Type": media_type}
        )
        self._check(response, 201)
        digest = str(response.headers.get("docker-content-digest", sha256(body)))
        if digest != sha256(body):
            raise PushError(f"registry digest {digest} != {sha256(body)} for {repo}:{ref}")
        return digest

    def push_image(self, repo: str, tag: str | None, built: BuiltImage) -> str:
        for blob in built.blobs:
            self.push_blob(repo, blob)
        return self.push_manifest(repo, tag or built.digest, built.manifest, built.media_type)

    def push_index(self, repo: str, tag: str | None, built: BuiltIndex) -> str:
        for child in built.children:
            self.push_image(repo, None, child)
        return self.push_manifest(repo, tag or built.digest, built.manifest, built.media_type)

    def push(self, repo: str, tag: str | None, built: Built) -> str:
        if isinstance(built, BuiltIndex):
            return self.push_index(repo, tag, built)
        return self.push_image(repo, tag, built)

    def tag(self, repo: str, tags: Iterable[str], built: Built) -> None:
        """Point more tags at a manifest whose content is already in `repo`."""
        for tag in tags:
            self.push_manifest(repo, tag, built.manifest, built.media_type)

    def delete_manifest(self, repo: str, digest: str) -> None:
        """Delete by digest (every tag on it goes too; delete by tag is a 400 in 2.8)."""
        self._check(self.client.delete(f"/v2/{repo}/manifests/{digest}"), 202)

    def get_manifest(self, repo: str, ref: str) -> httpx.Response:
        """GET with the full Accept list, as every well-behaved client must."""
        return self.client.get(f"/v2/{repo}/manifests/{ref}", headers={"Accept": MANIFEST_ACCEPT})


def push_all(
    base_url: str,
    items: Iterable[tuple[str, str | None, Built]],
    credentials: tuple[str, str] | None = None,
    *,
    workers: int = 4,
    check_existing: bool = False,
) -> None:
    """Push `(repo, tag or None, built)` items: repositories in parallel, each in order.

    Each worker thread keeps one Pusher (one connection, one token cache). No cross-repo
    mounts, since another worker may still be pushing the source repository.
    """
    by_repo: dict[str, list[tuple[str | None, Built]]] = {}
    for repo, tag, built in items:
        by_repo.setdefault(repo, []).append((tag, built))
    local = threading.local()
    pushers: list[Pusher] = []
    lock = threading.Lock()

    def push_repo(repo: str) -> None:
        pusher: Pusher | None = getattr(local, "pusher", None)
        if pusher is None:
            pusher = Pusher(base_url, credentials, mount=False, check_existing=check_existing)
            local.pusher = pusher
            with lock:
                pushers.append(pusher)
        for tag, built in by_repo[repo]:
            pusher.push(repo, tag, built)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(push_repo, repo) for repo in by_repo]:
                future.result()
    finally:
        for pusher in pushers:
            pusher.close()
