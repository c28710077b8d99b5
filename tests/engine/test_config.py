"""Configuration: precedence, located errors in the file, and safe edits of the file."""

from __future__ import annotations

import os
import stat
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Config, ConfigurationError, RegistryConfig, Rex, ValidationError
from engine.config.schema import SECTIONS
from engine.config.settings import (
    KEYS,
    add_registry,
    add_repository,
    default_config_path,
    flag_overrides,
    get_value,
    load,
    remove_registry,
    remove_repository,
    set_current_registry,
    set_value,
)
from rex_tui.cli.errors import exit_code, hint

REGISTRIES = """
[[registries.list]]
name = "local"
url = "http://localhost:5000"
insecure = true

[[registries.list]]
name = "prod"
url = "https://registry.example.com"
"""


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def nested(key: str, value: object) -> dict[str, Any]:
    """`{"a": {"b": value}}` for key "a.b"."""
    *parents, leaf = key.split(".")
    doc: dict[str, Any] = {leaf: value}
    for part in reversed(parents):
        doc = {part: doc}
    return doc


# (key, value in the file, environment, flags, expected value, expected origin)
PRECEDENCE: list[tuple[str, object, dict[str, str], dict[str, object], object, str]] = [
    ("network.timeout", None, {}, {}, 30.0, "default"),
    ("network.timeout", 10, {}, {}, 10.0, "file"),
    ("network.timeout", 10, {"REX_TIMEOUT": "20"}, {}, 20.0, "env:REX_TIMEOUT"),
    ("network.timeout", 10, {"REX_TIMEOUT": "2.5"}, {}, 2.5, "env:REX_TIMEOUT"),
    ("network.timeout", 10, {"REX_TIMEOUT": "20"}, {"network.timeout": 60}, 60.0, "flag"),
    ("network.timeout", None, {}, {"network.timeout": "45"}, 45.0, "flag"),
    ("network.timeout", 10, {}, {"network.timeout": None}, 10.0, "file"),
    ("output.format", None, {}, {}, "pretty", "default"),
    ("output.format", "json", {}, {}, "json", "file"),
    ("output.format", "json", {"REX_OUTPUT_FORMAT": "yaml"}, {}, "yaml", "env:REX_OUTPUT_FORMAT"),
    (
        "output.format",
        "json",
        {"REX_OUTPUT_FORMAT": "yaml"},
        {"output.format": "pretty"},
        "pretty",
        "flag",
    ),
    ("output.color", None, {}, {}, "auto", "default"),
    ("output.color", "always", {}, {}, "always", "file"),
    ("output.color", None, {"NO_COLOR": "1"}, {}, "never", "env:NO_COLOR"),
    ("output.color", "always", {"NO_COLOR": "1"}, {}, "never", "env:NO_COLOR"),
    ("output.color", None, {"NO_COLOR": ""}, {}, "auto", "default"),
    ("output.color", None, {"NO_COLOR": "1", "REX_COLOR": "always"}, {}, "always", "env:REX_COLOR"),
    ("output.color", None, {"NO_COLOR": "1"}, {"output.color": "always"}, "always", "flag"),
    ("output.color", None, {"REX_COLOR": "always"}, {"output.color": "never"}, "never", "flag"),
    ("network.verify_tls", None, {}, {}, True, "default"),
    ("network.verify_tls", False, {}, {}, False, "file"),
    ("network.verify_tls", True, {"REX_NO_VERIFY_TLS": "1"}, {}, False, "env:REX_NO_VERIFY_TLS"),
    ("network.verify_tls", True, {}, {"network.verify_tls": False}, False, "flag"),
    ("cache.dir", None, {}, {}, None, "default"),
    ("cache.dir", "/srv/a", {}, {}, "/srv/a", "file"),
    ("cache.dir", "/srv/a", {"REX_CACHE_DIR": "/srv/b"}, {}, "/srv/b", "env:REX_CACHE_DIR"),
    ("cache.dir", "/srv/a", {"REX_CACHE_DIR": "/srv/b"}, {"cache.dir": "/srv/c"}, "/srv/c", "flag"),
    ("cache.enabled", True, {"REX_NO_CACHE": "1"}, {}, False, "env:REX_NO_CACHE"),
    ("cache.behavior.consistency", "weak", {"REX_NO_CACHE": "1"}, {}, "strong", "env:REX_NO_CACHE"),
    ("registries.current", None, {}, {}, None, "default"),
    ("registries.current", "local", {}, {}, "local", "file"),
    ("registries.current", "local", {"REX_REGISTRY": "prod"}, {}, "prod", "env:REX_REGISTRY"),
    (
        "registries.current",
        "local",
        {"REX_REGISTRY": "https://ghcr.io"},
        {},
        "https://ghcr.io",
        "env:REX_REGISTRY",
    ),
    (
        "registries.current",
        "local",
        {"REX_REGISTRY": "prod"},
        {"registries.current": "localhost:8080"},
        "localhost:8080",
        "flag",
    ),
]


@pytest.mark.parametrize(("key", "in_file", "env", "flags", "expected", "origin"), PRECEDENCE)
def test_precedence(
    tmp_path: Path,
    key: str,
    in_file: object,
    env: dict[str, str],
    flags: dict[str, object],
    expected: object,
    origin: str,
) -> None:
    text = tomlkit.dumps(nested(key, in_file)) if in_file is not None else ""
    path = write(tmp_path, text + REGISTRIES)
    loaded = load(path, env=env, overrides=flags)
    assert get_value(loaded, key) == expected
    assert loaded.origin(key) == origin


def test_items_list_every_key_in_section_order_with_defaults(tmp_path: Path) -> None:
    loaded = load(env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert loaded.path == tmp_path / "rex" / "config.toml"
    assert not loaded.file_exists
    assert loaded.config == Config()
    items = loaded.items()
    assert [k for k, _, _ in items] == list(KEYS)
    sections = [k.split(".")[0] for k, _, _ in items]
    assert sections == sorted(sections, key=SECTIONS.index)
    assert ("network.timeout", 30.0, "default") in items
    for name, spec in KEYS.items():
        assert spec.check(spec.default) == spec.default, name


def test_registry_from_env_reaches_rex(tmp_path: Path) -> None:
    path = write(tmp_path, '[registries]\ncurrent = "prod"\n' + REGISTRIES)
    assert Rex(load(path, env={}).config).registry_config().name == "prod"
    by_url = load(path, env={"REX_REGISTRY": "https://registry.example.com"}).config
    assert Rex(by_url).registry_config().name == "prod"
    adhoc = load(path, env={"REX_REGISTRY": "ghcr.io"}).config
    assert Rex(adhoc).registry_config().url == "ghcr.io"


def test_flag_overrides_map_the_global_options(tmp_path: Path) -> None:
    flags = flag_overrides(timeout="60", color="never", no_cache=True, no_verify_tls=True)
    loaded = load(write(tmp_path, ""), env={"REX_TIMEOUT": "5"}, overrides=flags)
    cfg = loaded.config
    assert (cfg.network.timeout, cfg.output.color, cfg.network.verify_tls) == (60.0, "never", False)
    assert (cfg.cache.enabled, cfg.cache.behavior.consistency) == (False, "strong")
    assert {loaded.origin(k) for k in flags} == {"flag"}
    assert flag_overrides() == {}


def test_default_config_path(tmp_path: Path) -> None:
    assert default_config_path({"REX_CONFIG": "/etc/rex.toml"}) == Path("/etc/rex.toml")
    xdg = default_config_path({"XDG_CONFIG_HOME": str(tmp_path)})
    assert xdg == tmp_path / "rex" / "config.toml"
    assert default_config_path({}).name == "config.toml"


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigurationError, match="does not exist"):
        load(missing, env={})
    with pytest.raises(ConfigurationError, match="nope") as caught:
        load(env={"REX_CONFIG": str(missing)})
    assert exit_code(caught.value) == 6


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[output]\nformat = "json"\n\n[network]\ntimeout = thirty\n')
    with pytest.raises(ConfigurationError) as caught:
        load(path, env={})
    assert caught.value.message.startswith(f"{path}:5:")
    assert "invalid TOML" in caught.value.message


def test_syntax_error_at_the_end_names_the_last_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[output]\nformat = "json')
    with pytest.raises(ConfigurationError, match=r":2: invalid TOML: Unterminated string$"):
        load(path, env={})


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'\xef\xbb\xbf[tui]\ntheme = "light"\n')
    assert load(path, env={}).config.tui.theme == "light"


@pytest.mark.parametrize(
    ("text", "line", "key", "hint"),
    [
        (
            "[network]\ntimeout = 5\nretry_attemps = 2\n",
            3,
            "network.retry_attemps",
            "network.retry_attempts",
        ),
        ("[cache.ttl]\ncatalog = 1\n\ncatlog = 2\n", 4, "cache.ttl.catlog", "cache.ttl.catalog"),
        ("timeout = 5\n", 1, "timeout", "network.timeout"),
        ("[outptu]\nformat = 'json'\n", 1, "outptu", "output"),
        ("[tui]\nlayout.x = 1\n", 2, "tui.layout", ""),
    ],
)
def test_unknown_key_suggests_the_closest(
    tmp_path: Path, text: str, line: int, key: str, hint: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigurationError) as caught:
        load(path, env={})
    assert caught.value.message.startswith(f"{path}:{line}: {key}: ")
    assert hint in caught.value.hint


@pytest.mark.parametrize(
    ("text", "line", "key", "expected"),
    [
        ('[network]\n\ntimeout = "slow"\n', 3, "network.timeout", "number of seconds"),
        ("[network]\ntimeout = -1\n", 2, "network.timeout", "> 0"),
        ("[network]\nretry_attempts = true\n", 2, "network.retry_attempts", "whole number"),
        ("[network]\nconcurrency = 0\n", 2, "network.concurrency", ">= 1"),
        ('[output]\nformat = "xml"\n', 2, "output.format", "pretty, json, yaml"),
        ('[cache.behavior]\nconsistency = "sometimes"\n', 2, "cache.behavior.consistency", "weak"),
        ('[tui]\nvim_bindings = "yes"\n', 2, "tui.vim_bindings", "true or false"),
        ('[tui]\ntheme = "Dark Mode"\n', 2, "tui.theme", "lowercase"),
        ("output = 5\n", 1, "output", "table"),
        ("[tui]\nlayout.x = 1\n", 2, "tui.layout", "got a table"),
        ('[cache]\nttl = {catalog = "x"}\n', 2, "cache.ttl.catalog", "whole number"),
        ('[registries]\ncurrent = "lcoal"\n' + REGISTRIES, 2, "registries.current", "lcoal"),
        (
            '[[registries.list]]\nname = "Bad Name"\nurl = "x.io"\n',
            2,
            "registries.list[0].name",
            "",
        ),
        (
            '[[registries.list]]\nname = "a"\nurl = "ftp://x"\n',
            3,
            "registries.list[0].url",
            "scheme",
        ),
        (
            '[[registries.list]]\nname = "a"\nurl = "http://x.io"\n',
            3,
            "registries.list[0].url",
            "HTTP",
        ),
        ('[[registries.list]]\nname = "a"\n', 1, "registries.list[0].url", "missing url"),
        (
            '[[registries.list]]\nname = "a"\nurl = "x.io"\nrepositories = ["Up"]\n',
            4,
            "registries.list[0].repositories",
            "lowercase",
        ),
        (
            REGISTRIES + '\n[[registries.list]]\nname = "prod"\nurl = "y.io"\n',
            12,
            "registries.list[2].name",
            "second",
        ),
    ],
)
def test_wrong_value_names_file_line_key_and_expectation(
    tmp_path: Path, text: str, line: int, key: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigurationError) as caught:
        load(path, env={})
    assert caught.value.message.startswith(f"{path}:{line}: {key}: ")
    assert expected in caught.value.message


@pytest.mark.parametrize("field", ["password", "token", "auth", "Password"])
def test_a_registry_with_a_secret_is_refused(tmp_path: Path, field: str) -> None:
    path = write(tmp_path, f'[[registries.list]]\nname = "a"\nurl = "a.io"\n{field} = "hunter2"\n')
    with pytest.raises(ConfigurationError) as caught:
        load(path, env={})
    assert f"{path}:4:" in caught.value.message
    assert "never go in the config file" in caught.value.message
    assert "rex registry login" in hint(caught.value)
    assert "hunter2" not in str(caught.value) + hint(caught.value)


def test_credentials_in_a_url_are_refused_and_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, '[[registries.list]]\nname = "a"\nurl = "https://me:hunter2@a.io"\n')
    with pytest.raises(ConfigurationError) as caught:
        load(path, env={})
    assert "hunter2" not in caught.value.message
    with pytest.raises(ValidationError) as refused:
        add_registry(tmp_path / "new.toml", RegistryConfig("a", "https://me:hunter2@a.io"))
    assert "hunter2" not in refused.value.message
    assert not (tmp_path / "new.toml").exists()


@pytest.mark.parametrize(
    ("env", "flags", "named"),
    [
        ({"REX_TIMEOUT": "soon"}, {}, "REX_TIMEOUT"),
        ({"REX_TIMEOUT": "0"}, {}, "REX_TIMEOUT"),
        ({"REX_OUTPUT_FORMAT": "xml"}, {}, "REX_OUTPUT_FORMAT"),
        ({"REX_COLOR": "sometimes"}, {}, "REX_COLOR"),
        ({"REX_REGISTRY": "prdo"}, {}, "REX_REGISTRY"),
        ({"REX_REGISTRY": "ftp://x.io"}, {}, "REX_REGISTRY"),
        ({}, {"network.timeout": "soon"}, "--timeout"),
        ({}, {"output.format": 3}, "--format"),
        ({}, {"registries.current": "prdo"}, "--registry"),
    ],
)
def test_bad_env_or_flag_values_name_their_source(
    tmp_path: Path, env: dict[str, str], flags: dict[str, object], named: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        load(write(tmp_path, REGISTRIES), env=env, overrides=flags)
    assert caught.value.message.startswith(f"{named}: ")
    assert exit_code(caught.value) == 2


def test_unknown_keys_in_get_and_set_suggest_the_closest(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, ""), env={})
    with pytest.raises(ValidationError) as caught:
        get_value(loaded, "network.timout")
    assert caught.value.hint == "Did you mean network.timeout?"
    with pytest.raises(ValidationError):
        set_value(loaded.path, "network.timout", "5")
    with pytest.raises(ValidationError):
        loaded.origin("nope")


FULL = (
    """# my settings
[output]
format = "json"  # for jq

[network]
timeout = 10
verify_tls = false

[cache.ttl]
catalog = 60

[tui]
theme = "light"

[registries]
current = "prod"
"""
    + REGISTRIES
)


def test_set_keeps_every_other_key_and_table(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    before = tomllib.loads(FULL)
    assert set_value(path, "network.timeout", "60") == 60.0
    assert set_value(path, "cache.behavior.serve_stale", "no") is False
    after = tomllib.loads(path.read_text(encoding="utf-8"))
    before["network"]["timeout"] = 60
    before["cache"]["behavior"] = {"serve_stale": False}
    assert after == before
    assert path.read_text(encoding="utf-8").count("[[registries.list]]") == 2
    loaded = load(path, env={})
    assert loaded.origin("network.timeout") == "file"
    assert loaded.config.network.timeout == 60.0


def test_set_on_a_missing_file_creates_it_private(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "config.toml"
    assert set_value(path, "cache.ttl.catalog", "600") == 600
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"cache": {"ttl": {"catalog": 600}}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # No temp file left; the writers' lock file stays (deleting it would race a waiter).
    assert sorted(p.name for p in path.parent.iterdir()) == [".config.toml.lock", "config.toml"]


def test_set_keeps_an_existing_files_mode(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    os.chmod(path, 0o644)
    set_value(path, "tui.layout", "stacked")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        ("output.quiet", "yes", True),
        ("output.quiet", "0", False),
        ("tui.vim_bindings", "False", False),
        ("network.timeout", "2.5", 2.5),
        ("network.retry_attempts", " 0 ", 0),
        ("cache.dir", "~/rex-cache", os.path.expanduser("~/rex-cache")),
        ("cache.dir", "", None),
        ("network.user_agent", "rex-ci/1", "rex-ci/1"),
        ("tui.theme", "solarized-dark", "solarized-dark"),
    ],
)
def test_set_parses_by_type_and_round_trips(
    tmp_path: Path, key: str, raw: str, value: object
) -> None:
    path = write(tmp_path, '[cache]\ndir = "/old"\n')
    assert set_value(path, key, raw) == value
    assert get_value(load(path, env={}), key) == value


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("output.quiet", "maybe"),
        ("network.timeout", "0"),
        ("network.timeout", "nan"),
        ("network.retry_attempts", "1.5"),
        ("network.retry_attempts", "-1"),
        ("output.format", "xml"),
        ("network.user_agent", "a\nb"),
        ("cache.dir", "/tmp/\udcff"),
        ("registries.current", "nope"),
    ],
)
def test_set_refuses_bad_values_and_leaves_the_file(tmp_path: Path, key: str, raw: str) -> None:
    path = write(tmp_path, FULL.replace('current = "prod"', ""))
    with pytest.raises(ValidationError) as caught:
        set_value(path, key, raw)
    assert exit_code(caught.value) == 2
    assert path.read_text(encoding="utf-8") == FULL.replace('current = "prod"', "")


def test_set_writes_through_a_symlink(tmp_path: Path) -> None:
    target = write(tmp_path, FULL, "dotfiles.toml")
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    set_value(link, "tui.theme", "dark")
    assert link.is_symlink()
    assert tomllib.loads(target.read_text(encoding="utf-8"))["tui"]["theme"] == "dark"


def test_set_refuses_to_rewrite_a_broken_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[network\n")
    with pytest.raises(ConfigurationError):
        set_value(path, "network.timeout", "5")
    assert path.read_text(encoding="utf-8") == "[network\n"


def test_registries_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    local = RegistryConfig("local", "http://localhost:5000", insecure=True)
    prod = RegistryConfig("prod", "https://registry.example.com", ca_file="/etc/ca.pem")
    add_registry(path, local, set_current=True)
    add_registry(path, prod)
    loaded = load(path, env={})
    assert loaded.config.registries == (local, prod)
    assert loaded.config.current == "local"

    with pytest.raises(ValidationError, match="already exists"):
        add_registry(path, RegistryConfig("prod", "https://other.example.com"))
    with pytest.raises(ValidationError, match="invalid registry name"):
        add_registry(path, RegistryConfig("Prod!", "https://other.example.com"))

    set_current_registry(path, "prod")
    assert load(path, env={}).config.current == "prod"
    with pytest.raises(ValidationError) as caught:
        set_current_registry(path, "prdo")
    assert caught.value.hint == "Did you mean prod?"
    set_value(path, "registries.current", "local")
    assert load(path, env={}).origin("registries.current") == "file"

    add_repository(path, "prod", "team/app")
    add_repository(path, "prod", "team/db")
    with pytest.raises(ValidationError, match="already listed"):
        add_repository(path, "prod", "team/app")
    with pytest.raises(ValidationError):
        add_repository(path, "prod", "Team/App")
    remove_repository(path, "prod", "team/db")
    found = load(path, env={}).config.find_registry("prod")
    assert found is not None and found.repositories == ("team/app",)

    set_current_registry(path, "prod")
    removed = remove_registry(path, "prod")
    assert removed == RegistryConfig(
        "prod", "https://registry.example.com", ca_file="/etc/ca.pem", repositories=("team/app",)
    )
    after = load(path, env={}).config
    assert (after.registries, after.current) == ((local,), None)
    remove_registry(path, "local")
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {}
    with pytest.raises(ValidationError):
        remove_registry(path, "local")


def test_registry_edits_keep_other_settings(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    add_registry(path, RegistryConfig("hub", "docker.io"))
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    expected = tomllib.loads(FULL)
    expected["registries"]["list"].append({"name": "hub", "url": "docker.io", "insecure": False})
    assert doc == expected
    assert "password" not in path.read_text(encoding="utf-8")


FRAGMENTS = [
    "[output]",
    "[network]",
    "[cache]",
    "[cache.ttl]",
    "[tui]",
    "[registries]",
    "[[registries.list]]",
    'format = "json"',
    "timeout = -3",
    "timeout = 5",
    'name = "a"',
    'url = "localhost:5000"',
    'url = "http://x.io"',
    "insecure = true",
    'current = "a"',
    "password = 'x'",
    'repositories = ["a/b", 3]',
    "catalog = 1979-05-27",
    "ttl = {tags = 1}",
    "list = 3",
    "x.y.z = [1, {a = 2}]",
]
CONFIG_TEXT = st.text() | st.lists(
    st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=12
).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=CONFIG_TEXT)
def test_any_text_as_a_config_file_fails_only_with_configuration_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.toml"
        path.write_text(text, encoding="utf-8", newline="")
        try:
            loaded = load(path, env={})
        except ConfigurationError:
            return
        assert isinstance(loaded.config, Config)


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(sorted(KEYS)), raw=st.text(max_size=30))
def test_any_raw_value_to_set_fails_only_with_rex_errors(key: str, raw: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.toml"
        path.write_text(REGISTRIES, encoding="utf-8")
        try:
            value = set_value(path, key, raw)
        except (ValidationError, ConfigurationError):
            assert path.read_text(encoding="utf-8") == REGISTRIES
            return
        assert get_value(load(path, env={}), key) == value


# -- safe edits: comments kept, one writer at a time, nothing lost on failure ----------

COMMENTED = """\
# my rex config
[output]
format = "json"  # machines read it

# the cache
[cache]
enabled = true

[cache.ttl]
tags = 300  # 5 minutes

[registries]
current = "a"  # the usual one

# first registry
[[registries.list]]
name = "a"   # primary
url = "http://a.example"
insecure = true

[[registries.list]]
name = "b"
url = "http://b.example"
insecure = true
"""


def test_set_keeps_comments_order_and_spacing(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    set_value(path, "cache.ttl.tags", "60")
    set_value(path, "output.color", "never")
    set_value(path, "network.timeout", "7")
    assert (
        path.read_text()
        == COMMENTED.replace("tags = 300", "tags = 60").replace(
            "# machines read it\n", '# machines read it\ncolor = "never"\n'
        )
        + "\n[network]\ntimeout = 7\n"
    )


def test_registry_edits_keep_the_other_entries_comments(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    add_registry(path, RegistryConfig("c", "http://c.example", insecure=True))
    set_current_registry(path, "b")
    removed = remove_registry(path, "a")
    assert removed.name == "a"
    text = path.read_text()
    assert text.startswith('# my rex config\n[output]\nformat = "json"  # machines read it\n')
    assert 'current = "b"  # the usual one' in text and "# primary" not in text
    assert tomllib.loads(text)["registries"]["list"] == [
        {"name": "b", "url": "http://b.example", "insecure": True},
        {"name": "c", "url": "http://c.example", "insecure": True},
    ]


def test_unset_removes_only_that_line(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED.replace("enabled = true", 'enabled = true\ndir = "/x"'))
    set_value(path, "cache.dir", "")
    assert path.read_text() == COMMENTED


def test_a_refused_change_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    before = path.read_bytes()
    with pytest.raises(ValidationError, match="already exists"):
        add_registry(path, RegistryConfig("a", "http://again.example", insecure=True))
    with pytest.raises(ValidationError, match="no registry called"):
        set_value(path, "registries.current", "nope")
    assert path.read_bytes() == before


def test_a_failed_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, COMMENTED)
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(ConfigurationError, match="No space left on device"):
        set_value(path, "output.color", "never")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".config.toml.lock", "config.toml"]


def test_a_held_lock_gives_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures

    import filelock

    from engine.config import edit as settings_edit

    path = write(tmp_path, COMMENTED)
    monkeypatch.setattr(settings_edit, "LOCK_TIMEOUT", 0.05)
    # Another thread opens the lock file anew, so it waits like another process.
    with (
        filelock.FileLock(settings_edit.lock_path(path)),
        concurrent.futures.ThreadPoolExecutor(1) as pool,
    ):
        attempt = pool.submit(set_value, path, "output.color", "never")
        with pytest.raises(ConfigurationError, match="another rex held"):
            attempt.result()
    assert path.read_text() == COMMENTED


# -- cache.location: the seeds' name for cache.dir --------------------------------------


def test_cache_location_is_read_as_cache_dir(tmp_path: Path) -> None:
    path = write(tmp_path, '[cache]\nlocation = "~/elsewhere"\n')
    loaded = load(path, env={})
    assert loaded.config.cache.dir == os.path.expanduser("~/elsewhere")
    assert loaded.origin("cache.dir") == loaded.origin("cache.location") == "file"
    assert get_value(loaded, "cache.location") == get_value(loaded, "cache.dir")


def test_cache_location_and_dir_together_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[cache]\ndir = "/a"\nlocation = "/b"\n')
    with pytest.raises(ConfigurationError) as caught:
        load(path, env={})
    assert caught.value.message == (
        f"{path}:3: cache.location: cache.dir and cache.location name the same setting"
    )


def test_set_writes_the_spelling_the_file_already_has(tmp_path: Path) -> None:
    path = write(tmp_path, '[cache]\nlocation = "/a"  # seeds\n')
    set_value(path, "cache.dir", "/b")
    assert path.read_text() == '[cache]\nlocation = "/b"  # seeds\n'
    fresh = tmp_path / "new.toml"
    set_value(fresh, "cache.location", "/c")
    assert tomllib.loads(fresh.read_text()) == {"cache": {"location": "/c"}}
    set_value(fresh, "cache.location", "")
    assert load(fresh, env={}).config.cache.dir is None


def test_dotted_keys_and_inline_tables_keep_every_value(tmp_path: Path) -> None:
    path = write(tmp_path, '# dotted\ncache.ttl.tags = 300\noutput = { format = "json" }\n')
    set_value(path, "cache.dir", "/x")
    set_value(path, "output.color", "never")
    set_value(path, "cache.ttl.tags", "5")
    text = path.read_text()
    assert text.startswith("# dotted\n")
    assert tomllib.loads(text) == {
        "cache": {"dir": "/x", "ttl": {"tags": 5}},
        "output": {"format": "json", "color": "never"},
    }
