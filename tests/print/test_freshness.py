"""How fresh `rex image` answers are: weak, --no-cache, --offline (seeds 000/001 section 1.9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from engine.testing.images import BuiltImage, Layer, build_image, make_config
from engine.testing.pusher import Pusher
from tests.print.harness import Rex
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry


def tiny_image(n: int) -> BuiltImage:
    layer = Layer.from_files({"n.txt": f"{n}\n".encode()})
    created = dt.datetime(2025, 6, 1, tzinfo=dt.UTC) + dt.timedelta(days=n)
    return build_image([layer], make_config(diff_ids=[layer.diff_id], created=created))


@pytest.fixture
def proxy(
    fresh_registry_seeded: SeededRegistry, fault_proxy_factory: Callable[..., FaultProxy]
) -> FaultProxy:
    return fault_proxy_factory(fresh_registry_seeded.url)


def sent(proxy: FaultProxy) -> list[str]:
    return [f"{r.method} {r.path}" for r in proxy.requests if r.path != "/v2/"]


def test_a_moved_tag_shows_its_new_digest_at_once(
    rex: Rex, proxy: FaultProxy, fresh_registry_seeded: SeededRegistry
) -> None:
    with Pusher(fresh_registry_seeded.url) as pusher:
        pusher.push("moving/app", "v1", tiny_image(1))
    args = ("-r", proxy.url, "-f", "json", "image", "moving/app:v1")
    cold = rex(*args)
    assert cold.returncode == 0, str(cold)
    proxy.clear_requests()
    warm = rex(*args)
    assert warm.json() == cold.json()
    assert sent(proxy) == ["HEAD /v2/moving/app/manifests/v1"]  # weak costs one HEAD

    moved = tiny_image(2)
    with Pusher(fresh_registry_seeded.url) as pusher:
        pusher.push("moving/app", "v1", moved)
    proxy.clear_requests()
    after = rex(*args)
    assert after.returncode == 0, str(after)
    assert after.json()["digest"] == moved.digest != cold.json()["digest"]
    assert sent(proxy)[0] == "HEAD /v2/moving/app/manifests/v1"


def test_a_digest_reference_is_answered_from_the_cache_alone(
    rex: Rex, proxy: FaultProxy, fresh_registry_seeded: SeededRegistry
) -> None:
    digest = rex("-r", proxy.url, "-f", "json", "image", "oci/single:1.0").json()["digest"]
    args = ("-r", proxy.url, "-f", "json", "image", f"oci/single@{digest}")
    assert rex(*args).returncode == 0
    proxy.clear_requests()
    again = rex(*args)
    assert again.returncode == 0 and again.json()["digest"] == digest
    assert sent(proxy) == []


def test_no_cache_fetches_fresh_and_writes_through(
    rex: Rex, proxy: FaultProxy, fresh_registry_seeded: SeededRegistry
) -> None:
    args = ("-r", proxy.url, "-f", "json", "image", "oci/single:1.0")
    first = rex(*args, "--no-cache")
    assert first.returncode == 0, str(first)
    assert any(rex.cache.rglob("*.json")), "--no-cache wrote nothing to the cache"
    proxy.clear_requests()
    again = rex(*args, "--no-cache")
    assert again.json() == first.json()
    assert "GET /v2/oci/single/manifests/1.0" in sent(proxy)  # nothing read from the cache
    # ... and what it wrote answers an offline run.
    offline = rex(*args, "--offline")
    assert offline.returncode == 0, str(offline)
    assert offline.json()["digest"] == first.json()["digest"]


def test_no_cache_leaves_a_disabled_cache_alone(rex: Rex, registry: SeededRegistry) -> None:
    rex.config.write_text("[cache]\nenabled = false\n")
    result = rex("-r", registry.url, "-f", "json", "image", "oci/single:1.0", "--no-cache")
    assert result.returncode == 0, str(result)
    assert not rex.cache.exists() or not any(rex.cache.rglob("*.json"))


def test_offline_answers_from_the_cache_and_says_how_old(
    rex: Rex, proxy: FaultProxy, fresh_registry_seeded: SeededRegistry
) -> None:
    for args in (("image", "oci/single:1.0"), ("image", "oci/single"), ("image",)):
        assert rex("-r", proxy.url, "-f", "json", *args).returncode == 0
    proxy.clear_requests()
    one = rex("-r", proxy.url, "-f", "json", "--offline", "image", "oci/single:1.0")
    assert one.returncode == 0, str(one)
    assert "offline: answer from the cache" in one.stderr
    assert one.json()["reference"] == "oci/single:1.0"
    tags = rex("-r", proxy.url, "-f", "json", "image", "oci/single", "--offline")
    assert tags.returncode == 0, str(tags)
    assert isinstance(tags.json()["age"], int) and tags.json()["tags"]
    repos = rex("-r", proxy.url, "-f", "json", "image", "--offline")
    assert repos.returncode == 0 and "age" in repos.json()
    assert proxy.requests == []


def test_offline_miss_names_what_is_missing(rex: Rex, stopped_registry_url: str) -> None:
    result = rex("-r", stopped_registry_url, "--offline", "image", "team/app:1.0")
    assert result.returncode == 7, str(result)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("rex: error: offline, and the cache does not hold")
    assert "team/app:1.0" in lines[0]
    assert "without --offline" in result.stderr
    assert "Traceback" not in result.stderr
