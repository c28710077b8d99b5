"""`rex registry list` as a dashboard: one stopped, one slow, one rate-limited, one good."""

from __future__ import annotations

from collections.abc import Callable

from tests.print import shapes
from tests.print.harness import Rex, assert_shape
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry

DOCKER_HUB = {"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "76;w=21600"}


def _configure(rex: Rex, current: str, *pairs: tuple[str, str]) -> None:
    lines = [f'[registries]\ncurrent = "{current}"\n']
    for name, url in pairs:
        lines += ["[[registries.list]]", f'name = "{name}"', f'url = "{url}"', ""]
    rex.config.write_text("\n".join(lines))


def test_every_registry_gets_its_row_whatever_the_others_do(
    rex: Rex,
    registry: SeededRegistry,
    stopped_registry_url: str,
    fault_proxy_factory: Callable[..., FaultProxy],
) -> None:
    good = fault_proxy_factory(registry.url)
    good.add_headers(DOCKER_HUB)
    slow = fault_proxy_factory(registry.url)
    slow.delay(120, path="^/v2/$", times=None)  # far beyond the dashboard's deadline
    limited = fault_proxy_factory(registry.url)
    limited.status(429, headers={"Retry-After": "3600"}, path="^/v2/$", times=None)
    _configure(
        rex,
        "good",
        ("gone", stopped_registry_url),
        ("slow", slow.url),
        ("limited", limited.url),
        ("good", good.url),
    )
    env = {"REX_TIMEOUT": "2"}
    document = rex("-f", "json", "registry", "list", env=env)
    assert document.returncode == 0, document.stderr
    data = document.json()
    assert_shape(data, shapes.REGISTRIES)
    rows = {r["name"]: r for r in data["registries"]}
    assert list(rows) == ["gone", "slow", "limited", "good"]

    assert rows["good"]["status"] == "online" and rows["good"]["current"] is True
    assert rows["good"]["auth"] == "anonymous" and rows["good"]["latency_ms"] > 0
    assert rows["good"]["last_error"] is None
    limit = rows["good"]["rate_limit"]
    assert_shape(limit, shapes.RATE_LIMIT)
    assert (limit["limit"], limit["remaining"], limit["window_seconds"]) == (100, 76, 21600)
    assert limit["limited"] is False

    assert rows["gone"]["status"] == "offline" and rows["gone"]["latency_ms"] is None
    assert "connection refused" in rows["gone"]["last_error"]
    assert rows["slow"]["status"] == "offline"
    assert "did not answer within 2 s" in rows["slow"]["last_error"]
    assert rows["limited"]["status"] == "rate-limited"
    assert rows["limited"]["rate_limit"]["limited"] is True
    assert 3500 < rows["limited"]["rate_limit"]["resets_in_seconds"] <= 3600

    pretty = rex("-f", "pretty", "registry", "list", env=env)
    assert pretty.returncode == 0
    by_name = {
        line.split()[1 if line.startswith("*") else 0]: line
        for line in pretty.stdout.splitlines()[1:]
    }
    assert "76/100 (per 6h)" in by_name["good"]
    assert (
        "exhausted (resets in 59m" in by_name["limited"]
        or "exhausted (resets in 1h)" in by_name["limited"]
    )
    assert "offline" in by_name["slow"] and "did not answer within 2 s" in by_name["slow"]


def test_repository_count_and_last_sync_after_a_listing(rex: Rex, registry: SeededRegistry) -> None:
    _configure(rex, "local", ("local", registry.url))
    before = rex("-f", "json", "registry", "list").json()["registries"][0]
    assert before["repositories"] is None and before["last_sync"] is None
    assert rex("-f", "json", "image").returncode == 0
    after = rex("-f", "json", "registry", "list").json()["registries"][0]
    assert after["repositories"] == len(registry.repositories)
    assert after["last_sync"] is not None and after["last_sync_age_seconds"] >= 0
    pretty = rex("-f", "pretty", "registry", "list").stdout.splitlines()[1]
    assert f" {len(registry.repositories)} " in pretty and "just now" in pretty


def test_registry_text_in_the_last_error_is_escaped(
    rex: Rex, registry: SeededRegistry, fault_proxy_factory: Callable[..., FaultProxy]
) -> None:
    hostile = fault_proxy_factory(registry.url)
    from tests.support.faultproxy import registry_error

    hostile.status(
        500, body=registry_error(500, "boom\x1b]0;owned\x07\u202e"), path="^/v2/$", times=None
    )
    _configure(rex, "bad", ("bad", hostile.url))
    pretty = rex("-f", "pretty", "registry", "list")
    assert pretty.returncode == 0
    assert "\x1b" not in pretty.stdout and "\u202e" not in pretty.stdout
    assert "\\x1b]0;owned\\x07\\u202e" in pretty.stdout


def test_storage_total_once_rex_storage_worked_it_out(rex: Rex, registry: SeededRegistry) -> None:
    _configure(rex, "local", ("local", registry.url))
    before = rex("-f", "json", "registry", "list").json()["registries"][0]
    assert before["storage_bytes"] is None
    storage = rex("-f", "json", "storage")
    assert storage.returncode == 0, storage.stderr
    after = rex("-f", "json", "registry", "list").json()["registries"][0]
    assert after["storage_bytes"] == storage.json()["total_bytes"] > 0
