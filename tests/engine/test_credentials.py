"""CredentialStore against real files, real helper processes and real keyring backends."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keyring.compat import properties

from engine.errors import ConfigurationError, ValidationError
from engine.transport.credentials import KEYRING_SERVICE, Credentials, CredentialStore
from rex_tui.cli.errors import exit_code

# A docker-credential-helpers look-alike: each helper name keeps its own JSON
# store under $HELPER_DIR and appends every call to calls.log.
HELPER_SCRIPT = r"""#!/usr/bin/env python3
import json, os, sys
name = os.path.basename(sys.argv[0])[len("docker-credential-"):]
directory = os.environ["HELPER_DIR"]
path = os.path.join(directory, name + ".json")
try:
    with open(path) as handle:
        db = json.load(handle)
except FileNotFoundError:
    db = {}
action = sys.argv[1]
data = sys.stdin.read()
with open(os.path.join(directory, "calls.log"), "a") as log:
    log.write(f"{name} {action}\n")

def save():
    with open(path, "w") as handle:
        json.dump(db, handle)

def missing():
    print("credentials not found in native keychain")
    sys.exit(1)

if action == "get":
    if data not in db:
        missing()
    user, secret = db[data]
    print(json.dumps({"ServerURL": data, "Username": user, "Secret": secret}))
elif action == "store":
    request = json.loads(data)
    db[request["ServerURL"]] = [request["Username"], request["Secret"]]
    save()
elif action == "erase":
    if data not in db:
        missing()
    del db[data]
    save()
elif action == "list":
    print(json.dumps({server: entry[0] for server, entry in db.items()}))
else:
    print(f"unknown action {action}", file=sys.stderr)
    sys.exit(2)
"""

CRASH_SCRIPT = r"""#!/usr/bin/env python3
import sys
data = sys.stdin.read()
raise RuntimeError("helper exploded on " + data)
"""

GARBAGE_SCRIPT = """#!/usr/bin/env python3
import sys
sys.stdin.read()
print("this is not json")
"""

SLOW_SCRIPT = """#!/usr/bin/env python3
import time
time.sleep(5)
"""

NO_LIST_SCRIPT = HELPER_SCRIPT.replace('elif action == "list":', 'elif action == "never":')


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@dataclass
class Setup:
    """A fake home, PATH with helper scripts, and the helpers' stores."""

    home: Path
    helper_dir: Path
    env: dict[str, str]

    def store(self, **kwargs: Any) -> CredentialStore:
        return CredentialStore(env=self.env, home=self.home, **kwargs)

    @property
    def docker_config(self) -> Path:
        return self.home / ".docker" / "config.json"

    @property
    def auth_json(self) -> Path:
        return self.home / ".config" / "containers" / "auth.json"

    def helper_db(self, name: str) -> dict[str, list[str]]:
        path = self.helper_dir / f"{name}.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def seed_helper(self, name: str, db: dict[str, list[str]]) -> None:
        (self.helper_dir / f"{name}.json").write_text(json.dumps(db))

    def calls(self) -> list[str]:
        log = self.helper_dir / "calls.log"
        return log.read_text().splitlines() if log.exists() else []


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "test": HELPER_SCRIPT,
        "other": HELPER_SCRIPT,
        "nolist": NO_LIST_SCRIPT,
        "crash": CRASH_SCRIPT,
        "garbage": GARBAGE_SCRIPT,
        "slow": SLOW_SCRIPT,
    }
    for name, text in scripts.items():
        script = bin_dir / f"docker-credential-{name}"
        script.write_text(text)
        script.chmod(0o755)
    helper_dir = tmp_path / "helpers"
    helper_dir.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        "HELPER_DIR": str(helper_dir),
        "HOME": str(home),
    }
    return Setup(home=home, helper_dir=helper_dir, env=env)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring in a dict."""

    @properties.classproperty
    def priority(cls) -> float:
        # Never chosen automatically: only tests install it.
        raise RuntimeError("test-only backend")

    def __init__(self) -> None:
        # Not calling KeyringBackend.__init__: it only reads KEYRING_PROPERTY_* from os.environ.
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


class BrokenKeyring(MemoryKeyring):
    """A backend whose every call fails the way a dead D-Bus session does."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown")


# The real "no backend" keyring; typed here because keyring's constructors are not.
FAIL_BACKEND: Callable[[], keyring.backend.KeyringBackend] = keyring.backends.fail.Keyring


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def keyring_entry(user: str, password: str) -> str:
    return json.dumps({"username": user, "password": password})


# -- Credentials ---------------------------------------------------------


def test_repr_and_str_never_show_secrets() -> None:
    creds = Credentials("alice", "hunter2-secret", identity_token="tok-secret", source="keyring")
    for text in (repr(creds), str(creds)):
        assert "alice" in text
        assert "keyring" in text
        assert "hunter2-secret" not in text
        assert "tok-secret" not in text


# -- docker config.json: auths -------------------------------------------


def test_auths_base64_auth_splits_once(setup: Setup) -> None:
    write_json(setup.docker_config, {"auths": {"ghcr.io": {"auth": b64("bob:pa:ss:word")}}})
    assert setup.store().get("ghcr.io") == Credentials(
        "bob", "pa:ss:word", source="docker config.json"
    )


def test_auths_username_and_password_fields(setup: Setup) -> None:
    entry = {"username": "carol", "password": "x:y"}
    write_json(setup.docker_config, {"auths": {"quay.io": entry}})
    creds = setup.store().get("quay.io")
    assert creds is not None
    assert (creds.username, creds.password) == ("carol", "x:y")


def test_auths_auth_without_padding(setup: Setup) -> None:
    write_json(setup.docker_config, {"auths": {"ghcr.io": {"auth": b64("ab:c").rstrip("=")}}})
    creds = setup.store().get("ghcr.io")
    assert creds is not None
    assert creds.password == "c"


def test_auths_identity_token(setup: Setup) -> None:
    entry = {"auth": b64("dave:"), "identitytoken": "refresh-123"}
    write_json(setup.docker_config, {"auths": {"myacr.azurecr.io": entry}})
    creds = setup.store().get("myacr.azurecr.io")
    assert creds == Credentials(
        "dave", "", identity_token="refresh-123", source="docker config.json"
    )


def test_auths_identity_token_alone(setup: Setup) -> None:
    write_json(setup.docker_config, {"auths": {"ghcr.io": {"identitytoken": "tok"}}})
    creds = setup.store().get("ghcr.io")
    assert creds is not None
    assert (creds.username, creds.password, creds.identity_token) == ("<token>", "", "tok")


def test_empty_auths_marker_is_no_credentials(setup: Setup) -> None:
    write_json(setup.docker_config, {"auths": {"ghcr.io": {}}})
    assert setup.store().get("ghcr.io") is None


@pytest.mark.parametrize(
    "key",
    ["localhost:5000", "http://localhost:5000", "https://localhost:5000/", "localhost:5000/",
     "LOCALHOST:5000", "https://localhost:5000/v2/"],
)  # fmt: skip
def test_auths_keys_match_by_host_and_port(setup: Setup, key: str) -> None:
    write_json(setup.docker_config, {"auths": {key: {"auth": b64("u:p")}}})
    store = setup.store()
    assert store.get("localhost:5000") is not None
    assert store.get("localhost:5001") is None
    assert store.get("localhost") is None


HUB_KEYS = ["https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io"]


@pytest.mark.parametrize("key", HUB_KEYS)
@pytest.mark.parametrize("registry", ["docker.io", "index.docker.io", "registry-1.docker.io"])
def test_docker_hub_aliases_match_each_other(setup: Setup, key: str, registry: str) -> None:
    write_json(setup.docker_config, {"auths": {key: {"auth": b64("hub:pw")}}})
    creds = setup.store().get(registry)
    assert creds is not None
    assert creds.username == "hub"


def test_docker_config_env_var(setup: Setup, tmp_path: Path) -> None:
    elsewhere = tmp_path / "dockercfg"
    write_json(elsewhere / "config.json", {"auths": {"ghcr.io": {"auth": b64("env:pw")}}})
    write_json(setup.docker_config, {"auths": {"ghcr.io": {"auth": b64("home:pw")}}})
    store = CredentialStore(env={**setup.env, "DOCKER_CONFIG": str(elsewhere)}, home=setup.home)
    creds = store.get("ghcr.io")
    assert creds is not None
    assert creds.username == "env"
    assert store.sources()[0] == elsewhere / "config.json"


def test_home_comes_from_env_when_not_given(setup: Setup) -> None:
    write_json(setup.docker_config, {"auths": {"ghcr.io": {"auth": b64("u:p")}}})
    assert CredentialStore(env=setup.env).get("ghcr.io") is not None


# -- docker config.json: helpers -----------------------------------------


def test_cred_helpers_entry_uses_the_helper(setup: Setup) -> None:
    setup.seed_helper("test", {"ghcr.io": ["helper-user", "helper-secret"]})
    write_json(setup.docker_config, {"credHelpers": {"ghcr.io": "test"}})
    assert setup.store().get("ghcr.io") == Credentials(
        "helper-user", "helper-secret", source="credential helper 'test'"
    )


def test_helper_token_username_means_identity_token(setup: Setup) -> None:
    setup.seed_helper("test", {"ghcr.io": ["<token>", "refresh-xyz"]})
    write_json(setup.docker_config, {"credHelpers": {"ghcr.io": "test"}})
    creds = setup.store().get("ghcr.io")
    assert creds is not None
    assert (creds.username, creds.password, creds.identity_token) == ("<token>", "", "refresh-xyz")


def test_cred_helpers_win_over_auths(setup: Setup) -> None:
    setup.seed_helper("test", {"ghcr.io": ["from-helper", "s"]})
    config = {"credHelpers": {"ghcr.io": "test"}, "auths": {"ghcr.io": {"auth": b64("file:p")}}}
    write_json(setup.docker_config, config)
    creds = setup.store().get("ghcr.io")
    assert creds is not None
    assert creds.username == "from-helper"


def test_auths_used_when_cred_helper_has_nothing(setup: Setup) -> None:
    config = {"credHelpers": {"ghcr.io": "test"}, "auths": {"ghcr.io": {"auth": b64("file:p")}}}
    write_json(setup.docker_config, config)
    creds = setup.store().get("ghcr.io")
    assert creds is not None
    assert creds.username == "file"


def test_auths_win_over_creds_store(setup: Setup) -> None:
    setup.seed_helper("test", {"ghcr.io": ["from-store", "s"]})
    config = {"credsStore": "test", "auths": {"ghcr.io": {"auth": b64("file:p")}}}
    write_json(setup.docker_config, config)
    creds = setup.store().get("ghcr.io")
    assert creds is not None
    assert creds.username == "file"
    assert setup.calls() == []


def test_creds_store_answers_for_every_registry(setup: Setup) -> None:
    setup.seed_helper("test", {"quay.io": ["q", "qs"], "https://index.docker.io/v1/": ["h", "hs"]})
    write_json(setup.docker_config, {"credsStore": "test", "auths": {"quay.io": {}}})
    store = setup.store()
    assert store.get("quay.io") == Credentials("q", "qs", source="credential helper 'test'")
    hub = store.get("registry-1.docker.io")
    assert hub is not None
    assert hub.username == "h"
    assert store.get("ghcr.io") is None


def test_helper_asked_with_dockers_recorded_server_address(setup: Setup) -> None:
    setup.seed_helper("test", {"http://localhost:5000": ["u", "p"]})
    write_json(setup.docker_config, {"credsStore": "test", "auths": {"http://localhost:5000": {}}})
    creds = setup.store().get("localhost:5000")
    assert creds is not None
    assert creds.username == "u"


def test_missing_creds_store_helper_is_skipped(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    write_json(setup.docker_config, {"credsStore": "desktop"})
    with caplog.at_level(logging.WARNING, logger="engine.transport.credentials"):
        assert setup.store().get("ghcr.io") is None
    assert "docker-credential-desktop" in caplog.text


def test_missing_cred_helpers_helper_is_an_error(setup: Setup) -> None:
    write_json(setup.docker_config, {"credHelpers": {"ghcr.io": "nosuch"}})
    with pytest.raises(ConfigurationError, match="docker-credential-nosuch"):
        setup.store().get("ghcr.io")


def test_crashing_helper_on_get(setup: Setup) -> None:
    write_json(setup.docker_config, {"credHelpers": {"ghcr.io": "crash"}})
    with pytest.raises(ConfigurationError) as info:
        setup.store().get("ghcr.io")
    assert "'crash'" in str(info.value)
    assert "exit status 1: RuntimeError: helper exploded on ghcr.io" in str(info.value)
    assert exit_code(info.value) == 6
    assert info.value.hint


def test_crashing_helper_on_store_never_shows_the_secret(setup: Setup) -> None:
    write_json(setup.docker_config, {"credHelpers": {"ghcr.io": "crash"}})
    with pytest.raises(ConfigurationError) as info:
        setup.store().store("ghcr.io", Credentials("erin", "top-secret-value"))
    error = info.value
    assert "'crash'" in str(error)
    assert "top-secret-value" not in f"{error} {error.hint} {error.args}"
    assert error.__cause__ is None
    assert error.__context__ is None


def test_helper_with_invalid_output(setup: Setup) -> None:
    write_json(setup.docker_config, {"credHelpers": {"ghcr.io": "garbage"}})
    with pytest.raises(ConfigurationError, match=r"'garbage'.*invalid JSON"):
        setup.store().get("ghcr.io")


def test_helper_timeout(setup: Setup) -> None:
    write_json(setup.docker_config, {"credHelpers": {"ghcr.io": "slow"}})
    with pytest.raises(ConfigurationError, match=r"'slow'.*did not answer within 0\.3 s"):
        setup.store(helper_timeout=0.3).get("ghcr.io")


@pytest.mark.parametrize("name", ["../evil", "", 42])
def test_invalid_helper_name(setup: Setup, name: object) -> None:
    write_json(setup.docker_config, {"credHelpers": {"ghcr.io": name}})
    with pytest.raises(ConfigurationError, match="credHelpers"):
        setup.store().get("ghcr.io")


# -- containers auth.json ------------------------------------------------


def auth_entry(user: str) -> dict[str, object]:
    return {"auths": {"quay.io": {"auth": b64(f"{user}:pw")}}}


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        (["explicit", "runtime", "config"], "explicit"),
        (["runtime", "config"], "runtime"),
        (["config"], "config"),
    ],
)
def test_auth_json_locations(
    setup: Setup, tmp_path: Path, present: list[str], expected: str
) -> None:
    paths = {
        "explicit": tmp_path / "explicit-auth.json",
        "runtime": tmp_path / "run" / "containers" / "auth.json",
        "config": setup.auth_json,
    }
    for name in present:
        write_json(paths[name], auth_entry(name))
    env = {
        **setup.env,
        "REGISTRY_AUTH_FILE": str(paths["explicit"]),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
    }
    store = CredentialStore(env=env, home=setup.home)
    creds = store.get("quay.io")
    assert creds == Credentials(expected, "pw", source="containers auth.json")
    assert store.sources() == [setup.docker_config, paths[expected]]


def test_auth_json_repository_keys_match_their_host(setup: Setup) -> None:
    auths = {
        "quay.io/org/app": {"auth": b64("scoped:pw")},
        "quay.io": {"auth": b64("whole:pw")},
        "quay.io/other": {"auth": b64("other:pw")},
        "ghcr.io/team": {"auth": b64("team:pw")},
    }
    write_json(setup.auth_json, {"auths": auths})
    store = setup.store()
    whole = store.get("quay.io")
    assert whole is not None
    assert whole.username == "whole"  # the registry's own key beats namespaced ones
    team = store.get("ghcr.io")
    assert team is not None
    assert team.username == "team"


def test_priority_docker_then_auth_json_then_keyring(
    setup: Setup, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.entries[(KEYRING_SERVICE, "ghcr.io")] = keyring_entry("ring", "p")
    store = setup.store()
    assert store.get("ghcr.io") == Credentials("ring", "p", source="keyring")
    write_json(setup.auth_json, {"auths": {"ghcr.io": {"auth": b64("podman:p")}}})
    assert store.get("ghcr.io") == Credentials("podman", "p", source="containers auth.json")
    write_json(setup.docker_config, {"auths": {"ghcr.io": {"auth": b64("docker:p")}}})
    assert store.get("ghcr.io") == Credentials("docker", "p", source="docker config.json")


def test_sources_without_any_file(setup: Setup) -> None:
    assert setup.store().sources() == [setup.docker_config, setup.auth_json]
    assert setup.store().get("ghcr.io") is None


# -- invalid files -------------------------------------------------------


@pytest.mark.parametrize("which", ["docker", "podman"])
def test_invalid_json_names_the_file(setup: Setup, which: str) -> None:
    path = setup.docker_config if which == "docker" else setup.auth_json
    path.parent.mkdir(parents=True)
    path.write_text('{"auths": {"ghcr.io": {"auth": "c2VjcmV0LXB3"}')
    with pytest.raises(ConfigurationError) as info:
        setup.store().get("ghcr.io")
    assert str(path) in str(info.value)
    assert "c2VjcmV0LXB3" not in str(info.value)
    assert info.value.__cause__ is None
    assert exit_code(info.value) == 6


@pytest.mark.parametrize(
    "config",
    [
        [1, 2],
        {"auths": []},
        {"auths": {"ghcr.io": "user:pw"}},
        {"auths": {"ghcr.io": {"auth": "!!!not base64!!!"}}},
        {"auths": {"ghcr.io": {"auth": b64("no-colon")}}},
        {"auths": {"ghcr.io": {"auth": base64.b64encode(b"\xff\xfe:x").decode()}}},
        {"auths": {"ghcr.io": {"username": 7, "password": "p"}}},
        {"credHelpers": "test"},
    ],
)
def test_invalid_structure_is_a_configuration_error(setup: Setup, config: object) -> None:
    write_json(setup.docker_config, config)
    with pytest.raises(ConfigurationError, match=str(setup.docker_config)):
        setup.store().get("ghcr.io")


def test_empty_config_file_is_empty(setup: Setup) -> None:
    setup.docker_config.parent.mkdir(parents=True)
    setup.docker_config.write_text("")
    assert setup.store().get("ghcr.io") is None


def test_unreadable_file(setup: Setup) -> None:
    setup.docker_config.mkdir(parents=True)  # a directory where a file belongs
    with pytest.raises(ConfigurationError, match="cannot read"):
        setup.store().get("ghcr.io")


def test_invalid_registry_name(setup: Setup) -> None:
    with pytest.raises(ValidationError):
        setup.store().get("  ")


# -- keyring -------------------------------------------------------------


def test_store_and_get_through_the_keyring(setup: Setup, memory_keyring: MemoryKeyring) -> None:
    store = setup.store()
    where = store.store("localhost:5000", Credentials("frank", "pw:with:colons"))
    assert where.startswith("keyring")
    raw = memory_keyring.entries[(KEYRING_SERVICE, "localhost:5000")]
    assert json.loads(raw) == {"username": "frank", "password": "pw:with:colons"}
    assert store.get("localhost:5000") == Credentials("frank", "pw:with:colons", source="keyring")
    # Never a plaintext password on disk.
    assert not any(p.is_file() for p in setup.home.rglob("*"))


def test_keyring_identity_token_round_trip(setup: Setup) -> None:
    store = setup.store()
    store.store("docker.io", Credentials("<token>", "", identity_token="refresh"))
    creds = store.get("index.docker.io")
    assert creds is not None
    assert creds.identity_token == "refresh"


def _docker_login_entry(setup: Setup, server: str) -> dict[str, str]:
    data = json.loads(setup.docker_config.read_text())
    entry: dict[str, str] = data["auths"][server]
    return entry


def test_fail_keyring_stores_as_docker_login_does(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    # Behaviour changed (issue 11): no usable keyring was a ConfigurationError; now the
    # login goes where `docker login` puts it without a credential store.
    keyring.set_keyring(FAIL_BACKEND())
    store = setup.store()
    assert store.get("ghcr.io") is None
    with caplog.at_level(logging.WARNING, logger="engine.transport.credentials"):
        where = store.store("ghcr.io", Credentials("u", "the-password"))
    assert where == f"docker config.json ({setup.docker_config}), not encrypted"
    assert _docker_login_entry(setup, "ghcr.io") == {"auth": b64("u:the-password")}
    assert stat.S_IMODE(setup.docker_config.stat().st_mode) == 0o600
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    message = warning.getMessage()
    assert "no usable keyring: NoKeyringError" in message and "not encrypted" in message
    assert "\n" not in message and "the-password" not in caplog.text
    assert store.get("ghcr.io") == Credentials("u", "the-password", source="docker config.json")
    assert store.erase("ghcr.io") == [f"docker config.json ({setup.docker_config})"]
    assert store.get("ghcr.io") is None


def test_broken_keyring_backend(setup: Setup) -> None:
    keyring.set_keyring(BrokenKeyring())
    store = setup.store()
    assert store.get("ghcr.io") is None
    assert store.store("ghcr.io", Credentials("u", "p")).startswith("docker config.json")
    assert store.get("ghcr.io") == Credentials("u", "p", source="docker config.json")


def test_keyring_disabled(setup: Setup, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.entries[(KEYRING_SERVICE, "ghcr.io")] = keyring_entry("ring", "p")
    store = setup.store(use_keyring=False)
    assert store.get("ghcr.io") is None
    assert store.erase("ghcr.io") == []
    assert store.store("ghcr.io", Credentials("u", "p")).startswith("docker config.json")
    assert (KEYRING_SERVICE, "ghcr.io") in memory_keyring.entries  # the keyring untouched


def test_file_store_respects_docker_config_and_keeps_the_rest(setup: Setup) -> None:
    keyring.set_keyring(FAIL_BACKEND())
    elsewhere = setup.home / "elsewhere"
    config = write_json(
        elsewhere / "config.json",
        {
            "auths": {"https://index.docker.io/v1/": {"auth": b64("old:old"), "email": "x@y"}},
            "psFormat": "table {{.ID}}",
        },
    )
    config.chmod(0o644)
    store = CredentialStore(env={**setup.env, "DOCKER_CONFIG": str(elsewhere)}, home=setup.home)
    store.store("docker.io", Credentials("<token>", "", identity_token="refresh-tok"))
    store.store("localhost:5000", Credentials("bob", "pa:ss"))
    data = json.loads(config.read_text())
    assert data["psFormat"] == "table {{.ID}}"
    assert data["auths"]["https://index.docker.io/v1/"] == {
        "email": "x@y",
        "auth": b64("<token>:"),
        "identitytoken": "refresh-tok",
    }
    assert data["auths"]["localhost:5000"] == {"auth": b64("bob:pa:ss")}
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # tightened: it holds a password
    hub = store.get("index.docker.io")
    assert hub is not None and hub.identity_token == "refresh-tok"
    assert not setup.docker_config.exists()


@pytest.mark.parametrize("raw", ["not json", "[]", '{"username": "u"}', '{"username": 1}'])
def test_invalid_keyring_entry(setup: Setup, memory_keyring: MemoryKeyring, raw: str) -> None:
    memory_keyring.entries[(KEYRING_SERVICE, "ghcr.io")] = raw
    with pytest.raises(ConfigurationError, match=r"keyring entry for ghcr\.io"):
        setup.store().get("ghcr.io")


# -- store through helpers -----------------------------------------------


def test_store_uses_cred_helpers_entry(setup: Setup, memory_keyring: MemoryKeyring) -> None:
    config = {"credHelpers": {"ghcr.io": "test"}, "credsStore": "other"}
    write_json(setup.docker_config, config)
    before = setup.docker_config.read_bytes()
    store = setup.store()
    assert store.store("ghcr.io", Credentials("gina", "s3cret")) == "credential helper 'test'"
    assert setup.helper_db("test") == {"ghcr.io": ["gina", "s3cret"]}
    assert setup.helper_db("other") == {}
    assert memory_keyring.entries == {}
    assert setup.docker_config.read_bytes() == before
    assert store.get("ghcr.io") == Credentials("gina", "s3cret", source="credential helper 'test'")


def test_store_uses_creds_store_with_hub_server_address(setup: Setup) -> None:
    write_json(setup.docker_config, {"credsStore": "test"})
    store = setup.store()
    assert store.store("registry-1.docker.io", Credentials("h", "pw")) == "credential helper 'test'"
    assert setup.helper_db("test") == {"https://index.docker.io/v1/": ["h", "pw"]}
    assert store.get("docker.io") == Credentials("h", "pw", source="credential helper 'test'")


def test_store_identity_token_through_helper(setup: Setup) -> None:
    write_json(setup.docker_config, {"credsStore": "test"})
    setup.store().store("ghcr.io", Credentials("ignored", "", identity_token="refresh"))
    assert setup.helper_db("test") == {"ghcr.io": ["<token>", "refresh"]}


def test_store_with_missing_helper_is_an_error(setup: Setup) -> None:
    write_json(setup.docker_config, {"credsStore": "desktop"})
    with pytest.raises(ConfigurationError, match="docker-credential-desktop"):
        setup.store().store("ghcr.io", Credentials("u", "p"))


# -- erase ---------------------------------------------------------------


def test_erase_removes_from_every_place_and_keeps_the_rest(
    setup: Setup, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.entries[(KEYRING_SERVICE, "ghcr.io")] = keyring_entry("a", "b")
    memory_keyring.entries[(KEYRING_SERVICE, "quay.io")] = keyring_entry("keep", "me")
    setup.seed_helper("test", {"ghcr.io": ["h", "s"], "quay.io": ["keep", "me"]})
    docker: dict[str, Any] = {
        "auths": {
            "https://ghcr.io": {"auth": b64("x:y")},
            "ghcr.io": {},
            "quay.io": {"auth": b64("keep:me"), "email": "k@example.com"},
        },
        "credHelpers": {"ghcr.io": "test"},
        "psFormat": "table {{.ID}}",
        "proxies": {"default": {"httpProxy": "http://proxy:3128"}},
    }
    podman = {"auths": {"ghcr.io/team": {"auth": b64("t:p")}, "quay.io": {"auth": b64("q:p")}}}
    write_json(setup.docker_config, docker)
    write_json(setup.auth_json, podman)
    setup.docker_config.chmod(0o600)
    setup.auth_json.chmod(0o640)

    removed = setup.store().erase("ghcr.io")

    assert removed == [
        "keyring",
        f"docker config.json ({setup.docker_config})",
        f"containers auth.json ({setup.auth_json})",
        "credential helper 'test'",
    ]
    assert memory_keyring.entries == {(KEYRING_SERVICE, "quay.io"): keyring_entry("keep", "me")}
    assert setup.helper_db("test") == {"quay.io": ["keep", "me"]}
    del docker["auths"]["https://ghcr.io"], docker["auths"]["ghcr.io"]
    assert json.loads(setup.docker_config.read_text()) == docker
    assert json.loads(setup.auth_json.read_text()) == {
        "auths": {"quay.io": podman["auths"]["quay.io"]}
    }
    assert stat.S_IMODE(setup.docker_config.stat().st_mode) == 0o600
    assert stat.S_IMODE(setup.auth_json.stat().st_mode) == 0o640
    assert sorted(p.name for p in setup.docker_config.parent.iterdir()) == ["config.json"]
    assert setup.store().get("ghcr.io") is None


def test_erase_with_nothing_stored(setup: Setup) -> None:
    write_json(setup.docker_config, {"auths": {"quay.io": {"auth": b64("q:p")}}})
    before = setup.docker_config.read_bytes()
    assert setup.store().erase("ghcr.io") == []
    assert setup.docker_config.read_bytes() == before


def test_erase_docker_hub_removes_every_alias(setup: Setup) -> None:
    auths = {key: {"auth": b64("h:p")} for key in HUB_KEYS}
    write_json(
        setup.docker_config,
        {"auths": {**auths, "ghcr.io": {"auth": b64("g:p")}}, "credsStore": "test"},
    )
    setup.seed_helper("test", {"https://index.docker.io/v1/": ["h", "p"], "docker.io": ["h", "p"]})
    removed = setup.store().erase("docker.io")
    assert removed == [f"docker config.json ({setup.docker_config})", "credential helper 'test'"]
    assert list(json.loads(setup.docker_config.read_text())["auths"]) == ["ghcr.io"]
    assert setup.helper_db("test") == {}


def test_erase_probes_helpers_without_list(setup: Setup) -> None:
    setup.seed_helper("nolist", {"ghcr.io": ["u", "p"], "quay.io": ["q", "p"]})
    write_json(setup.docker_config, {"credsStore": "nolist"})
    assert setup.store().erase("ghcr.io") == ["credential helper 'nolist'"]
    assert setup.helper_db("nolist") == {"quay.io": ["q", "p"]}
    assert setup.store().erase("ghcr.io") == []


def test_erase_skips_a_file_that_does_not_parse(
    setup: Setup, memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    memory_keyring.entries[(KEYRING_SERVICE, "ghcr.io")] = keyring_entry("a", "b")
    write_json(setup.docker_config, {"auths": {"ghcr.io": {"auth": b64("x:y")}}})
    setup.auth_json.parent.mkdir(parents=True)
    setup.auth_json.write_text("{broken")
    with caplog.at_level(logging.WARNING, logger="engine.transport.credentials"):
        removed = setup.store().erase("ghcr.io")
    assert removed == ["keyring", f"docker config.json ({setup.docker_config})"]
    assert str(setup.auth_json) in caplog.text
    assert setup.auth_json.read_text() == "{broken"


def test_erase_follows_a_symlinked_config(setup: Setup, tmp_path: Path) -> None:
    real = write_json(tmp_path / "dotfiles" / "config.json", {"auths": {"ghcr.io": {}}})
    setup.docker_config.parent.mkdir(parents=True)
    setup.docker_config.symlink_to(real)
    assert setup.store().erase("ghcr.io") == [f"docker config.json ({setup.docker_config})"]
    assert setup.docker_config.is_symlink()
    assert json.loads(real.read_text()) == {"auths": {}}


def test_erase_that_cannot_rewrite_is_a_configuration_error(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Faked because a read-only directory does not stop root, who runs CI here.
    def refuse(source: str, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    write_json(setup.docker_config, {"auths": {"ghcr.io": {"auth": b64("x:y")}}})
    before = setup.docker_config.read_bytes()
    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ConfigurationError, match=r"cannot rewrite .*Permission denied"):
        setup.store().erase("ghcr.io")
    assert setup.docker_config.read_bytes() == before
    assert sorted(p.name for p in setup.docker_config.parent.iterdir()) == ["config.json"]


# -- properties ----------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    user=st.text(min_size=1).filter(lambda s: ":" not in s),
    password=st.text(),
)
def test_base64_auth_round_trips(user: str, password: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        home = Path(directory)
        auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        write_json(home / ".docker" / "config.json", {"auths": {"ghcr.io": {"auth": auth}}})
        creds = CredentialStore(env={}, home=home, use_keyring=False).get("ghcr.io")
    assert creds == Credentials(user, password, source="docker config.json")
