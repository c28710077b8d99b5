"""The test infrastructure checked against reference clients (httpx and skopeo).

These double as documentation of what every engine test can rely on.
"""

from __future__ import annotations

import gzip
import io
import json
import shutil
import socket
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from engine.testing.images import (
    MANIFEST_ACCEPT,
    OCI_INDEX,
    BuiltImage,
    BuiltIndex,
    Layer,
    build_image,
    make_config,
    sha256,
)
from engine.testing.pusher import Pusher, PushError, parse_challenge
from engine.testing.registry import ALICE, BOB, RegistryError, RegistryProcess
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SBOM_TYPE, SeededRegistry, standard_seed
from tests.support.tokenserver import TokenServer

needs_skopeo = pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo not installed")


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, verify=False) as client:
        yield client


def get_manifest(
    client: httpx.Client, base: str, repo: str, ref: str, token: str | None = None
) -> httpx.Response:
    headers = {"Accept": MANIFEST_ACCEPT}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(f"{base}/v2/{repo}/manifests/{ref}", headers=headers)


def fetch_token(
    client: httpx.Client,
    seeded: SeededRegistry,
    *scopes: str,
    user: str | None = None,
    password: str | None = None,
) -> httpx.Response:
    assert seeded.token_server is not None
    params = {"service": seeded.token_server.service, "scope": list(scopes)}
    auth = None
    if user is not None:
        auth = (user, password if password is not None else seeded.users[user])
    return client.get(seeded.token_server.realm, params=params, auth=auth)


def skopeo(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["skopeo", *args], capture_output=True, timeout=60, check=False)


# -- the three flavours --------------------------------------------------------------------


def test_anonymous_registry_answers_v2(registry: SeededRegistry, http: httpx.Client) -> None:
    response = http.get(f"{registry.url}/v2/")
    assert response.status_code == 200
    assert registry.users == {}
    assert registry.token_server is None
    assert registry.url == f"http://{registry.host}"


def test_basic_registry_challenges_and_accepts_both_users(
    basic_registry: SeededRegistry, http: httpx.Client
) -> None:
    response = http.get(f"{basic_registry.url}/v2/")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="rex-test"'
    for user, password in basic_registry.users.items():
        assert http.get(f"{basic_registry.url}/v2/", auth=(user, password)).status_code == 200
    assert http.get(f"{basic_registry.url}/v2/", auth=(ALICE, "wrong")).status_code == 401
    # htpasswd has no ACLs: bob reads everything here.
    bob = (BOB, basic_registry.users[BOB])
    response = http.get(
        f"{basic_registry.url}/v2/oci/single/manifests/1.0",
        headers={"Accept": MANIFEST_ACCEPT},
        auth=bob,
    )
    assert sha256(response.content) == basic_registry.digest("oci/single:1.0")


def test_token_registry_challenge_names_realm_and_service(
    token_registry: SeededRegistry, http: httpx.Client
) -> None:
    assert token_registry.token_server is not None
    response = http.get(f"{token_registry.url}/v2/")
    assert response.status_code == 401
    scheme, params = parse_challenge(response.headers["www-authenticate"])
    assert scheme == "bearer"
    assert params == {
        "realm": token_registry.token_server.realm,
        "service": token_registry.token_server.service,
    }
    response = http.get(
        f"{token_registry.url}/v2/oci/single/tags/list",
    )
    _, params = parse_challenge(response.headers["www-authenticate"])
    assert params["scope"] == "repository:oci/single:pull"


def test_token_flow_for_alice(token_registry: SeededRegistry, http: httpx.Client) -> None:
    server = token_registry.token_server
    assert server is not None
    server.clear_requests()
    response = fetch_token(
        http, token_registry, "repository:oci/single:pull", "registry:catalog:*", user=ALICE
    )
    assert response.status_code == 200
    payload = response.json()
    assert set(payload) == {"token", "access_token", "expires_in", "issued_at"}
    assert payload["token"] == payload["access_token"]
    assert payload["expires_in"] == server.expires_in == 300
    assert payload["issued_at"].endswith("Z")
    token = payload["token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert len(header["x5c"]) == 1
    claims = server.decode(token)
    assert claims["iss"] == server.issuer
    assert claims["sub"] == ALICE
    assert claims["aud"] == server.service
    assert claims["exp"] - claims["iat"] == 300
    assert claims["nbf"] <= claims["iat"] and claims["jti"]
    assert claims["access"] == [
        {"type": "repository", "name": "oci/single", "actions": ["pull"]},
        {"type": "registry", "name": "catalog", "actions": ["*"]},
    ]
    manifest = get_manifest(http, token_registry.url, "oci/single", "1.0", token)
    assert manifest.status_code == 200
    assert sha256(manifest.content) == token_registry.digest("oci/single:1.0")
    catalog = http.get(
        f"{token_registry.url}/v2/_catalog", headers={"Authorization": f"Bearer {token}"}
    )
    assert catalog.json()["repositories"] == token_registry.repositories
    (recorded,) = server.requests
    assert recorded.username == ALICE
    assert recorded.scopes == ("repository:oci/single:pull", "registry:catalog:*")
    assert recorded.status == 200


def test_token_server_refuses_a_wrong_password(
    token_registry: SeededRegistry, http: httpx.Client
) -> None:
    server = token_registry.token_server
    assert server is not None
    server.clear_requests()
    response = fetch_token(
        http, token_registry, "repository:oci/single:pull", user=ALICE, password="nope"
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"
    (recorded,) = server.requests
    assert (recorded.username, recorded.status) == (ALICE, 401)
    assert "nope" not in repr(recorded)


def test_bob_pulls_only_under_public(token_registry: SeededRegistry, http: httpx.Client) -> None:
    server = token_registry.token_server
    assert server is not None
    response = fetch_token(
        http,
        token_registry,
        "repository:oci/single:pull",
        "repository:public/hello:pull,push",
        user=BOB,
    )
    token = response.json()["token"]
    assert server.decode(token)["access"] == [
        {"type": "repository", "name": "public/hello", "actions": ["pull"]}
    ]
    denied = get_manifest(http, token_registry.url, "oci/single", "1.0", token)
    assert denied.status_code == 401
    assert 'error="insufficient_scope"' in denied.headers["www-authenticate"]
    allowed = get_manifest(http, token_registry.url, "public/hello", "latest", token)
    assert sha256(allowed.content) == token_registry.digest("public/hello:latest")


def test_anonymous_token_grants_nothing(token_registry: SeededRegistry, http: httpx.Client) -> None:
    server = token_registry.token_server
    assert server is not None
    response = fetch_token(http, token_registry, "repository:public/hello:pull")
    token = response.json()["token"]
    claims = server.decode(token)
    assert claims["access"] == [] and claims["sub"] == ""
    auth = {"Authorization": f"Bearer {token}"}
    assert http.get(f"{token_registry.url}/v2/", headers=auth).status_code == 200
    assert (
        get_manifest(http, token_registry.url, "public/hello", "latest", token).status_code == 401
    )


# -- the seeded data set -------------------------------------------------------------------


def test_catalog_holds_the_seeded_repositories_and_pages(
    registry: SeededRegistry, http: httpx.Client
) -> None:
    names: list[str] = []
    url: str | None = f"{registry.url}/v2/_catalog?n=5"
    pages = 0
    while url is not None:
        response = http.get(url)
        names += response.json()["repositories"]
        pages += 1
        link = response.links.get("next")
        url = f"{registry.url}{link['url']}" if link else None
    assert names == registry.repositories
    assert pages == 4  # 19 repositories
    assert sum(r.startswith("paged/") for r in names) == 12


def test_tag_lists_match_the_seed(registry: SeededRegistry, http: httpx.Client) -> None:
    for repo, tags in registry.tags.items():
        body = http.get(f"{registry.url}/v2/{repo}/tags/list").json()
        assert sorted(body["tags"] or []) == tags, repo
    assert http.get(f"{registry.url}/v2/deleted/gone/tags/list").json()["tags"] is None
    assert len(registry.tags["tags/many"]) == 30
    many = {registry.digest(f"tags/many:{tag}") for tag in registry.tags["tags/many"]}
    assert len(many) == 10


def test_every_seeded_manifest_and_blob_is_served_byte_for_byte(
    registry: SeededRegistry, http: httpx.Client
) -> None:
    def check_image(repo: str, ref: str, built: BuiltImage) -> None:
        response = get_manifest(http, registry.url, repo, ref)
        assert response.content == built.manifest, ref
        assert response.headers["content-type"] == built.media_type
        assert response.headers["docker-content-digest"] == built.digest
        for blob in built.blobs:
            data = http.get(f"{registry.url}/v2/{repo}/blobs/{blob.digest}").content
            assert data == blob.data

    for ref, built in registry.images.items():
        repo, sep, tag = ref.partition("@")
        if not sep:
            repo, _, tag = ref.partition(":")
        if isinstance(built, BuiltIndex):
            response = get_manifest(http, registry.url, repo, tag)
            assert response.content == built.manifest, ref
            assert response.headers["content-type"] == built.media_type
            for child in built.children:
                check_image(repo, child.digest, child)
        else:
            check_image(repo, tag, built)


def test_seed_shapes(registry: SeededRegistry) -> None:
    single = registry.image("oci/single:1.0")
    assert registry.digest("oci/single:latest") == single.digest
    assert registry.digest("oci/single:1.0.1") == single.digest
    assert registry.digest("oci/single:2.0") != single.digest
    config = single.config_document["config"]
    assert config["ExposedPorts"] == {"8080/tcp": {}, "9090/udp": {}}
    assert config["User"] == "1000:1000" and config["WorkingDir"] == "/app"
    assert [h.get("empty_layer", False) for h in single.config_document["history"]] == [
        False,
        True,
        False,
        True,
        True,
    ]
    multi = registry.index("oci/multi:latest")
    assert multi.platforms == ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]
    attestation = multi.document["manifests"][3]
    assert attestation["platform"] == {"architecture": "unknown", "os": "unknown"}
    assert attestation["annotations"] == {
        "vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": multi.child("linux/amd64").digest,
    }
    docker = registry.index("docker/multi:latest")
    assert docker.platforms == ["linux/amd64", "linux/arm64/v8"]
    assert registry.image("docker/single:v2").config.media_type.startswith("application/vnd.docker")


def test_artifact_and_referrers_fallback_tag(registry: SeededRegistry, http: httpx.Client) -> None:
    subject = registry.digest("oci/single:1.0")
    artifact = registry.artifact
    assert artifact.artifact_type == SBOM_TYPE
    assert artifact.subject is not None and artifact.subject["digest"] == subject
    assert artifact.config.media_type == "application/vnd.oci.empty.v1+json"
    assert artifact.config.data == b"{}"
    served = get_manifest(http, registry.url, "oci/single", artifact.digest)
    assert json.loads(served.content)["subject"]["digest"] == subject
    # Distribution 2.8 has no referrers API: clients fall back to the sha256-<hex> tag.
    assert http.get(f"{registry.url}/v2/oci/single/referrers/{subject}").status_code == 404
    fallback = get_manifest(http, registry.url, "oci/single", "sha256-" + subject[7:])
    assert fallback.headers["content-type"] == OCI_INDEX
    (entry,) = json.loads(fallback.content)["manifests"]
    assert entry["digest"] == artifact.digest
    assert entry["artifactType"] == SBOM_TYPE
    assert registry.referrers_ref == f"oci/single:sha256-{subject[7:]}"


def test_images_are_deterministic() -> None:
    files = {"etc/a": b"a", "bin/b": b"b"}
    first, second = Layer.from_files(files), Layer.from_files(dict(reversed(files.items())))
    assert first.digest == second.digest and first.diff_id == second.diff_id
    assert first.data[4:8] == b"\0\0\0\0"  # gzip mtime
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(first.data))) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["bin", "bin/b", "etc", "etc/a"]
    assert {m.mtime for m in members} == {members[0].mtime}
    assert standard_seed().images.keys() == standard_seed.__wrapped__().images.keys()
    rebuilt = standard_seed.__wrapped__().images
    assert {k: v.digest for k, v in rebuilt.items()} == {
        k: v.digest for k, v in standard_seed().images.items()
    }


# -- skopeo as the reference client --------------------------------------------------------


@needs_skopeo
def test_skopeo_reads_the_index_we_pushed(registry: SeededRegistry) -> None:
    image = f"docker://{registry.host}/oci/multi:latest"
    raw = skopeo("inspect", "--tls-verify=false", "--raw", image)
    assert raw.returncode == 0, raw.stderr
    assert sha256(raw.stdout) == registry.digest("oci/multi:latest")
    arm64 = registry.index("oci/multi:latest").child("linux/arm64/v8")
    picked = skopeo("--override-arch", "arm64", "inspect", "--tls-verify=false", image)
    assert picked.returncode == 0, picked.stderr
    info = json.loads(picked.stdout)
    assert info["Architecture"] == "arm64"
    assert info["Layers"] == [layer.digest for layer in arm64.layers]
    config = skopeo(
        "--override-arch", "arm64", "inspect", "--tls-verify=false", "--config", "--raw", image
    )
    assert config.stdout == arm64.config.data


@needs_skopeo
def test_skopeo_lists_tags(registry: SeededRegistry) -> None:
    listed = skopeo("list-tags", "--tls-verify=false", f"docker://{registry.host}/tags/many")
    assert listed.returncode == 0, listed.stderr
    assert sorted(json.loads(listed.stdout)["Tags"]) == registry.tags["tags/many"]


@needs_skopeo
def test_skopeo_authenticates_against_our_token_server(token_registry: SeededRegistry) -> None:
    def inspect(user: str, password: str, ref: str) -> subprocess.CompletedProcess[bytes]:
        return skopeo(
            "inspect",
            "--tls-verify=false",
            "--raw",
            "--creds",
            f"{user}:{password}",
            f"docker://{token_registry.host}/{ref}",
        )

    alice = inspect(ALICE, token_registry.users[ALICE], "docker/single:v2")
    assert sha256(alice.stdout) == token_registry.digest("docker/single:v2")
    assert inspect(BOB, token_registry.users[BOB], "oci/single:1.0").returncode != 0
    assert inspect(BOB, token_registry.users[BOB], "public/hello:latest").returncode == 0
    assert inspect(BOB, "wrong", "public/hello:latest").returncode != 0


# -- processes: fresh, restart, corrupt, refuse --------------------------------------------


def _tiny_image(text: bytes) -> BuiltImage:
    layer = Layer.from_files({"f.txt": text})
    return build_image([layer], make_config(diff_ids=[layer.diff_id]))


def test_fresh_registry_restart_keeps_data_and_port(
    fresh_registry: RegistryProcess, http: httpx.Client
) -> None:
    image = _tiny_image(b"restart")
    with Pusher(fresh_registry.url) as pusher:
        pusher.push_image("x/y", "t", image)
    port = fresh_registry.port
    fresh_registry.restart()
    assert fresh_registry.port == port
    assert sha256(get_manifest(http, fresh_registry.url, "x/y", "t").content) == image.digest


def test_corrupting_blob_path_changes_the_served_bytes(
    fresh_registry: RegistryProcess, http: httpx.Client
) -> None:
    image = _tiny_image(b"corrupt me")
    with Pusher(fresh_registry.url) as pusher:
        pusher.push_image("x/y", "t", image)
    layer = image.layers[0]
    path = fresh_registry.blob_path(layer.digest)
    assert path.read_bytes() == layer.data
    path.write_bytes(bytes([layer.data[0] ^ 0xFF]) + layer.data[1:])
    served = http.get(f"{fresh_registry.url}/v2/x/y/blobs/{layer.digest}")
    assert served.status_code == 200
    assert served.headers["docker-content-digest"] == layer.digest
    assert len(served.content) == layer.size and sha256(served.content) != layer.digest


def test_push_through_auth_flavours(tmp_path: Path, http: httpx.Client) -> None:
    image = _tiny_image(b"auth push")
    with RegistryProcess("token", workdir=tmp_path / "token", token_server=TokenServer()) as token:
        assert token.token_server is not None
        with Pusher(token.url, (ALICE, token.users[ALICE])) as pusher:
            pusher.push_image("team/app", "1", image)
            pusher.push_image("team/app", "2", image)
            assert pusher.auth.token_fetches == 1  # the token is cached per repository
        with Pusher(token.url, (BOB, token.users[BOB])) as pusher, pytest.raises(PushError):
            pusher.push_image("public/app", "1", image)
    with RegistryProcess("basic", workdir=tmp_path / "basic") as basic:
        with Pusher(basic.url, (ALICE, basic.users[ALICE])) as pusher:
            assert pusher.push_image("team/app", "1", image) == image.digest
        with Pusher(basic.url, (ALICE, "wrong")) as pusher, pytest.raises(PushError):
            pusher.push_image("team/app", "2", image)


def test_cross_repository_mount(fresh_registry: RegistryProcess) -> None:
    image = _tiny_image(b"mounted")
    with Pusher(fresh_registry.url) as pusher:
        pusher.push_image("a/one", "t", image)
        pusher.push_image("a/two", "t", image)
    assert fresh_registry.blob_path(image.layers[0].digest).exists()


def test_delete_by_digest_removes_every_tag(
    fresh_registry: RegistryProcess, http: httpx.Client
) -> None:
    image = _tiny_image(b"deleted")
    with Pusher(fresh_registry.url) as pusher:
        pusher.push_image("d/e", "a", image)
        pusher.tag("d/e", ["b"], image)
        pusher.delete_manifest("d/e", image.digest)
    assert http.get(f"{fresh_registry.url}/v2/d/e/tags/list").json()["tags"] is None


def test_a_registry_that_cannot_bind_reports_its_log(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        process = RegistryProcess(workdir=tmp_path)
        process.port = busy.getsockname()[1]
        with pytest.raises(RegistryError, match="address already in use"):
            process.start(timeout=5)
        process.close()


def test_stopped_registry_url_refuses(stopped_registry_url: str, http: httpx.Client) -> None:
    with pytest.raises(httpx.ConnectError):
        http.get(f"{stopped_registry_url}/v2/")


def test_token_server_expiry_is_configurable() -> None:
    with TokenServer(expires_in=2) as server, httpx.Client(verify=False) as client:
        body = client.get(server.realm, params={"service": server.service}).json()
        assert body["expires_in"] == 2
        assert server.decode(body["token"])["exp"] - server.decode(body["token"])["iat"] == 2


# -- the fault proxy -----------------------------------------------------------------------


@pytest.fixture
def via_proxy(fault_proxy: FaultProxy) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fault_proxy.url, timeout=10, verify=False) as client:
        yield client


def test_proxy_passes_through_and_logs(
    registry: SeededRegistry, fault_proxy: FaultProxy, via_proxy: httpx.Client
) -> None:
    response = via_proxy.get(
        "/v2/oci/single/manifests/1.0",
        headers={"Accept": MANIFEST_ACCEPT, "Authorization": "Bearer abc"},
    )
    assert sha256(response.content) == registry.digest("oci/single:1.0")
    via_proxy.get("/v2/_catalog", params={"n": 2})
    first, second = fault_proxy.requests
    assert (first.method, first.path, first.status, first.fault) == (
        "GET",
        "/v2/oci/single/manifests/1.0",
        200,
        None,
    )
    assert first.authorization == "Bearer abc" and first.has_auth
    assert second.params == {"n": ["2"]} and not second.has_auth
    assert first.client_port == second.client_port  # kept alive
    assert response.headers["docker-content-digest"] == registry.digest("oci/single:1.0")


def test_proxy_status_fault_fires_count_times(
    fault_proxy: FaultProxy, via_proxy: httpx.Client
) -> None:
    fault = fault_proxy.status(429, headers={"Retry-After": "3"}, path="^/v2/$", times=2)
    answers = [via_proxy.get("/v2/") for _ in range(3)]
    assert [r.status_code for r in answers] == [429, 429, 200]
    assert answers[0].headers["retry-after"] == "3"
    assert answers[0].json()["errors"][0]["code"] == "TOOMANYREQUESTS"
    assert fault.fired == 2
    body = b'{"errors":[{"code":"UNKNOWN","message":"boom"}]}'
    fault_proxy.status(500, body=body, method="GET", path="/manifests/")
    head = via_proxy.head("/v2/docker/single/manifests/v2", headers={"Accept": MANIFEST_ACCEPT})
    assert head.status_code == 200  # HEAD does not match a GET fault
    broken = via_proxy.get("/v2/docker/single/manifests/v2", headers={"Accept": MANIFEST_ACCEPT})
    assert (broken.status_code, broken.content) == (500, body)


def test_proxy_skip_and_query_matching(fault_proxy: FaultProxy, via_proxy: httpx.Client) -> None:
    fault_proxy.status(503, path="/_catalog", query="last=", skip=1)
    assert via_proxy.get("/v2/_catalog", params={"n": 5}).status_code == 200
    assert via_proxy.get("/v2/_catalog", params={"n": 5, "last": "a"}).status_code == 200
    assert via_proxy.get("/v2/_catalog", params={"n": 5, "last": "a"}).status_code == 503
    assert via_proxy.get("/v2/_catalog", params={"n": 5, "last": "a"}).status_code == 200


def test_proxy_reset_is_a_connection_reset(
    fault_proxy: FaultProxy, via_proxy: httpx.Client
) -> None:
    fault_proxy.reset(path="/manifests/")
    with pytest.raises(httpx.ReadError):
        via_proxy.get("/v2/oci/single/manifests/1.0", headers={"Accept": MANIFEST_ACCEPT})
    assert via_proxy.get("/v2/").status_code == 200
    assert fault_proxy.requests[0].status is None


def test_proxy_truncate_cuts_the_body(
    registry: SeededRegistry, fault_proxy: FaultProxy, via_proxy: httpx.Client
) -> None:
    layer = registry.image("oci/single:1.0").layers[1]
    fault_proxy.truncate(100, path="/blobs/")
    with pytest.raises(httpx.RemoteProtocolError, match="received 100 bytes"):
        via_proxy.get(f"/v2/oci/single/blobs/{layer.digest}")
    assert via_proxy.get(f"/v2/oci/single/blobs/{layer.digest}").content == layer.data


def test_proxy_delay(fault_proxy: FaultProxy, via_proxy: httpx.Client) -> None:
    fault_proxy.delay(0.3)
    started = time.monotonic()
    assert via_proxy.get("/v2/").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_proxy_corrupt_and_replace_body(
    registry: SeededRegistry, fault_proxy: FaultProxy, via_proxy: httpx.Client
) -> None:
    config = registry.image("oci/single:1.0").config
    fault_proxy.corrupt(path="/blobs/")
    corrupted = via_proxy.get(f"/v2/oci/single/blobs/{config.digest}").content
    assert len(corrupted) == config.size and corrupted != config.data
    assert sum(a != b for a, b in zip(corrupted, config.data, strict=True)) == 1
    fault_proxy.replace_body(b'{"lies": true}', path="/manifests/")
    response = via_proxy.get("/v2/oci/single/manifests/1.0", headers={"Accept": MANIFEST_ACCEPT})
    assert response.content == b'{"lies": true}'
    assert response.headers["docker-content-digest"] == registry.digest("oci/single:1.0")


def test_proxy_pages_tags_with_link_headers(
    registry: SeededRegistry, fault_proxy: FaultProxy, via_proxy: httpx.Client
) -> None:
    fault_proxy.page_tags(7)
    pages: list[list[str]] = []
    url: str | None = "/v2/tags/many/tags/list"
    while url is not None:
        response = via_proxy.get(url)
        pages.append(response.json()["tags"])
        link = response.links.get("next")
        url = link["url"] if link else None
    assert [len(p) for p in pages] == [7, 7, 7, 7, 2]
    assert [tag for page in pages for tag in page] == registry.tags["tags/many"]
    assert fault_proxy.requests[1].params == {"n": ["7"], "last": ["v1.0.6"]}
    small = via_proxy.get("/v2/tags/many/tags/list", params={"n": 2, "last": "v2.0.7"})
    assert small.json()["tags"] == ["v2.0.8", "v2.0.9"] and "link" not in small.headers
    fault_proxy.page_tags(None)
    assert len(via_proxy.get("/v2/tags/many/tags/list").json()["tags"]) == 30


def test_proxy_rewrites_upload_locations(
    fresh_registry: RegistryProcess, fault_proxy_factory: Callable[..., FaultProxy]
) -> None:
    proxy = fault_proxy_factory(fresh_registry.url)
    with Pusher(proxy.url) as pusher:
        pusher.push_image("via/proxy", "t", _tiny_image(b"proxied"))
    assert all(r.status in (200, 201, 202, 404) for r in proxy.requests)
    puts = [r for r in proxy.requests if r.method == "PUT" and "/uploads/" in r.path]
    assert puts and all("_state=" in r.query for r in puts)
    assert len({r.client_port for r in proxy.requests}) == 1


def test_proxy_in_front_of_a_token_registry(
    token_registry: SeededRegistry, fault_proxy_factory: Callable[..., FaultProxy]
) -> None:
    proxy = fault_proxy_factory(token_registry.url)
    proxy.status(503, path="/manifests/", times=1)
    with Pusher(proxy.url, token_registry.credentials) as pusher:
        assert pusher.get_manifest("public/hello", "latest").status_code == 503
        response = pusher.get_manifest("public/hello", "latest")
    assert sha256(response.content) == token_registry.digest("public/hello:latest")
    sent = [r.authorization or "" for r in proxy.requests]
    assert sent[-1].startswith("Bearer ")
