"""A Redis URL's password is never shown: not in -vvv logs, warnings, errors, `rex config`."""

from __future__ import annotations

import pytest

from engine.testing.redis_server import RedisServer
from tests.redis.conftest import REDIS_PASSWORD, HomeFactory
from tests.support.seed import SeededRegistry

DEADLINE = 60.0
# Each piece of the password around its ':' and '@' too, as a URL parser might split it.
PIECES = [REDIS_PASSWORD, *REDIS_PASSWORD.replace("@", ":").split(":")]


def assert_no_password(text: str) -> None:
    for piece in PIECES:
        assert piece not in text, text


@pytest.mark.parametrize("in_file", [True, False], ids=["config-file", "REX_REDIS_URL"])
def test_a_password_in_the_url_is_never_logged(
    in_file: bool,
    secure_redis: RedisServer,
    registry: SeededRegistry,
    home_factory: HomeFactory,
) -> None:
    alice = home_factory("alice", registry.url, secure_redis.url, in_file=in_file)
    bob = home_factory("bob", registry.url, secure_redis.url, in_file=in_file)
    first = alice("-vvv", "-f", "json", "image", "oci/single:1.0", timeout=DEADLINE)
    assert first.returncode == 0, first
    assert "redis" in first.stderr.lower()  # -vv does talk about the shared cache
    assert_no_password(first.stdout + first.stderr)
    second = bob("-vvv", "-f", "json", "image", "oci/single:1.0", timeout=DEADLINE)
    assert second.returncode == 0 and second.json() == first.json(), second
    assert_no_password(second.stdout + second.stderr)

    shown = alice("-f", "json", "config")
    assert shown.returncode == 0, shown
    assert_no_password(shown.stdout + shown.stderr)
    masked = f"redis://:***@{secure_redis.host}/0"
    assert shown.json()["cache"]["redis_url"] == masked
    one = alice("-f", "pretty", "config", "get", "cache.redis_url")
    assert one.returncode == 0 and one.stdout.strip() == masked, one


def test_a_wrong_password_is_one_masked_warning_and_the_command_works(
    secure_redis: RedisServer, registry: SeededRegistry, home_factory: HomeFactory
) -> None:
    wrong = secure_redis.url.replace(REDIS_PASSWORD, "not-" + REDIS_PASSWORD)
    alice = home_factory("alice", registry.url, wrong, in_file=False)
    result = alice("-f", "json", "image", "oci/single", timeout=DEADLINE)
    assert result.returncode == 0, result
    assert_no_password(result.stdout + result.stderr)
    (warning,) = [line for line in result.stderr.splitlines() if "redis" in line]
    assert warning.startswith(f"rex: warning: redis cache at redis://{secure_redis.host} ")
    assert "unreachable" in warning and warning.endswith("; using the disk cache")
    # -vvv: debug from every library too (redis-py's own), still no password.
    verbose = alice("-vvv", "-f", "json", "image", "oci/single:1.0", timeout=DEADLINE)
    assert verbose.returncode == 0, verbose
    assert_no_password(verbose.stdout + verbose.stderr)


@pytest.mark.parametrize(
    "url",
    [
        f"http://:{REDIS_PASSWORD}@127.0.0.1:6379/0",
        f"redis://:{REDIS_PASSWORD}@127.0.0.1:notaport/0",
        f"redis://:{REDIS_PASSWORD}@127.0.0.1:6379/cache",
    ],
    ids=["scheme", "port", "database"],
)
def test_a_bad_url_is_refused_without_showing_its_password(
    url: str, redis_server: RedisServer, registry: SeededRegistry, home_factory: HomeFactory
) -> None:
    alice = home_factory("alice", registry.url, redis_server.url)
    result = alice("config", "set", "cache.redis_url", url)
    assert result.returncode != 0 and result.stderr.startswith("rex: error: "), result
    assert "cache.redis_url" in result.stderr and "***" in result.stderr
    assert_no_password(result.stdout + result.stderr)
    from_env = alice("image", "oci/single", env={"REX_REDIS_URL": url})
    assert from_env.returncode != 0 and "REX_REDIS_URL" in from_env.stderr, from_env
    assert_no_password(from_env.stdout + from_env.stderr)
    alice.config.write_text(alice.config.read_text().replace(redis_server.url, url))
    in_file = alice("image", "oci/single")
    assert in_file.returncode != 0 and "redis_url" in in_file.stderr, in_file
    assert_no_password(in_file.stdout + in_file.stderr)
