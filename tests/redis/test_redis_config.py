"""cache.backend and cache.redis_url through the one config schema (file < env, masking)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config.settings import get_value, load, set_value
from engine.errors import ConfigurationError, ValidationError

URL = "redis://:s3cret-p4ss@cache.example.com:6379/0"
MASKED = "redis://:***@cache.example.com:6379/0"


def test_defaults_are_disk_and_no_url(tmp_path: Path) -> None:
    (tmp_path / "empty.toml").write_text("")
    loaded = load(tmp_path / "empty.toml", env={})
    assert loaded.config.cache.backend == "disk" and loaded.config.cache.redis_url is None


def test_the_file_sets_both_and_rex_redis_url_overrides_the_url(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[cache]\nbackend = "redis"\nredis_url = "{URL}"\n')
    loaded = load(path, env={})
    assert loaded.config.cache.backend == "redis" and loaded.config.cache.redis_url == URL
    assert loaded.origin("cache.redis_url") == "file"
    other = "rediss://:other-p4ss@cache.example.com:6380/2"
    from_env = load(path, env={"REX_REDIS_URL": other})
    assert from_env.config.cache.redis_url == other
    assert from_env.origin("cache.redis_url") == "env:REX_REDIS_URL"


def test_shown_values_mask_the_password(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert set_value(path, "cache.redis_url", URL) == MASKED
    assert URL in path.read_text()  # the file keeps what the user wrote
    loaded = load(path, env={})
    assert get_value(loaded, "cache.redis_url") == MASKED
    assert dict((k, v) for k, v, _ in loaded.items())["cache.redis_url"] == MASKED
    assert loaded.config.cache.redis_url == URL  # the engine gets the real one


def test_a_bad_url_is_refused_without_its_password(tmp_path: Path) -> None:
    bad = "http://:s3cret-p4ss@cache.example.com"
    with pytest.raises(ValidationError) as raised:
        set_value(tmp_path / "config.toml", "cache.redis_url", bad)
    assert "s3cret" not in str(raised.value) and "***" in raised.value.message
    with pytest.raises(ValidationError) as from_env:
        load(None, env={"REX_REDIS_URL": bad, "XDG_CONFIG_HOME": str(tmp_path)})
    assert "s3cret" not in from_env.value.message and "REX_REDIS_URL" in from_env.value.message
    path = tmp_path / "config.toml"
    path.write_text(f'[cache]\nredis_url = "{bad}"\n')
    with pytest.raises(ConfigurationError) as in_file:
        load(path, env={})
    assert "s3cret" not in in_file.value.message and "redis_url" in in_file.value.message


def test_an_unknown_backend_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="one of disk, redis"):
        set_value(tmp_path / "config.toml", "cache.backend", "memcached")
