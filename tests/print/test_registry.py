"""`rex registry init|use|list|login|logout|remove` against real registries."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import time

import pytest

from tests.print import shapes
from tests.print.harness import Rex, assert_shape, parse
from tests.support.seed import SeededRegistry

FORMATS = ["json", "yaml"]


def stored(rex: Rex) -> dict[str, dict[str, str]]:
    """What the test keyring holds: host -> {"username", "password"}."""
    if not rex.keyring.exists():
        return {}
    raw = json.loads(rex.keyring.read_text())
    return {key.split("\0", 1)[1]: json.loads(value) for key, value in raw.items()}


def test_init_pretty_with_set_current(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-f", "pretty", "registry", "init", "local", registry.url, "--set-current")
    assert result.returncode == 0, str(result)
    assert result.stdout.splitlines() == [
        f"✓ Connected to {registry.url}",
        "✓ Registry 'local' added successfully",
        "✓ Set 'local' as current registry",
    ]
    text = rex.config.read_text()
    assert 'current = "local"' in text and f'url = "{registry.url}"' in text
    # The registry is now the default for every command.
    assert rex("-f", "json", "image", "public/hello:latest").returncode == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_init_document(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    document = parse(rex("-f", fmt, "registry", "init", "local", registry.url), fmt)
    assert document == {
        "name": "local",
        "url": registry.url,
        "status": "online",
        "api_version": "registry/2.0",
        "current": False,
    }


def test_init_auth_required_registry_is_added_with_a_note(
    rex: Rex, basic_registry: SeededRegistry
) -> None:
    result = rex("-f", "pretty", "registry", "init", "secure", basic_registry.url)
    assert result.returncode == 0
    assert "requires authentication" in result.stdout
    assert "rex registry login secure" in result.stderr
    assert 'name = "secure"' in rex.config.read_text()


def test_init_unreachable_exits_3_and_adds_nothing(rex: Rex, stopped_registry_url: str) -> None:
    result = rex("registry", "init", "gone", stopped_registry_url)
    assert result.returncode == 3
    assert "gone" not in rex.config.read_text()


@pytest.mark.parametrize(
    ("name", "url"),
    [("Bad Name", "http://127.0.0.1:5000"), ("ok", "ftp://x"), ("ok", "http://user:pw@host")],
)
def test_init_bad_input_exits_2(rex: Rex, name: str, url: str) -> None:
    result = rex("registry", "init", name, url)
    assert result.returncode == 2
    assert "pw" not in result.stderr


def test_init_duplicate_name_exits_2(rex: Rex, registry: SeededRegistry) -> None:
    assert rex("registry", "init", "local", registry.url).returncode == 0
    assert rex("registry", "init", "local", registry.url).returncode == 2


def _setup(rex: Rex, *pairs: tuple[str, str]) -> None:
    lines: list[str] = []
    for name, url in pairs:
        lines += ["[[registries.list]]", f'name = "{name}"', f'url = "{url}"', ""]
    rex.config.write_text("\n".join(lines))


def test_use_sets_current(rex: Rex, registry: SeededRegistry) -> None:
    _setup(rex, ("one", registry.url), ("two", registry.url))
    result = rex("-f", "pretty", "registry", "use", "two")
    assert result.stdout == f"✓ Current registry set to 'two' ({registry.url})\n"
    assert rex("-f", "json", "registry", "use", "one").json() == {
        "current": "one",
        "url": registry.url,
        "status": "online",
    }
    assert 'current = "one"' in rex.config.read_text()


def test_use_unknown_registry_exits_5(rex: Rex, registry: SeededRegistry) -> None:
    _setup(rex, ("local", registry.url))
    result = rex("registry", "use", "locall")
    assert result.returncode == 5 and "Did you mean local?" in result.stderr


def test_list_pretty_and_documents(
    rex: Rex,
    registry: SeededRegistry,
    basic_registry: SeededRegistry,
    stopped_registry_url: str,
) -> None:
    _setup(rex, ("local", registry.url), ("secure", basic_registry.url))
    rex.config.write_text(
        rex.config.read_text()
        + f'[[registries.list]]\nname = "gone"\nurl = "{stopped_registry_url}"\n'
        + '[registries]\ncurrent = "local"\n'
    )
    pretty = rex("-f", "pretty", "registry", "list", env={"REX_TIMEOUT": "2"})
    assert pretty.returncode == 0
    lines = pretty.stdout.splitlines()
    assert lines[0].split() == [
        "CURRENT", "NAME", "URL", "STATUS", "LATENCY", "AUTH", "REPOS", "STORAGE", "SYNCED",
        "RATE", "LIMIT", "LAST", "ERROR",
    ]  # fmt: skip
    assert lines[1].split()[:4] == ["*", "local", registry.url, "online"]
    assert lines[1].split()[5:7] == ["ms", "anonymous"]
    assert lines[2].split()[:4] == ["secure", basic_registry.url, "auth", "required"]
    assert lines[2].split()[6] == "basic"
    assert lines[3].split()[:3] == ["gone", stopped_registry_url, "offline"]
    assert "connection refused" in lines[3]
    for fmt in FORMATS:
        document = parse(rex("-f", fmt, "registry", "ls"), fmt)
        assert_shape(document, shapes.REGISTRIES)
        assert document["current"] == "local"
        assert [r["current"] for r in document["registries"]] == [True, False, False]


def test_list_with_nothing_configured(rex: Rex) -> None:
    assert rex("-f", "json", "registry", "list").json() == {"current": None, "registries": []}
    assert "rex registry init" in rex("-f", "pretty", "registry", "list").stdout


@pytest.fixture(params=["basic_registry", "token_registry"])
def secured(request: pytest.FixtureRequest) -> SeededRegistry:
    value: SeededRegistry = request.getfixturevalue(request.param)
    return value


def test_login_wrong_password_exits_4_and_stores_nothing(rex: Rex, secured: SeededRegistry) -> None:
    _setup(rex, ("secure", secured.url))
    result = rex("registry", "login", "secure", "-u", "alice", "--password-stdin", input="nope\n")
    assert result.returncode == 4, str(result)
    assert stored(rex) == {}


def test_login_then_use_then_logout(rex: Rex, secured: SeededRegistry) -> None:
    assert secured.credentials is not None
    user, password = secured.credentials
    _setup(rex, ("secure", secured.url))
    result = rex(
        "-f",
        "pretty",
        "registry",
        "login",
        "secure",
        "-u",
        user,
        "--password-stdin",
        input=password + "\n",
    )
    assert result.returncode == 0, str(result)
    assert result.stdout.splitlines()[0] == f"✓ Successfully authenticated with {secured.host}"
    assert "keyring" in result.stdout
    assert stored(rex) == {secured.host: {"username": user, "password": password}}
    # The stored credentials are what later commands use.
    listing = rex("-r", "secure", "-f", "json", "image", "public/hello")
    assert listing.returncode == 0, str(listing)
    logout = rex("-f", "pretty", "registry", "logout", "secure")
    lines = logout.stdout.splitlines()
    assert lines[:2] == [
        f"✓ Logged out from {secured.host}",
        "✓ Credentials removed from keyring",
    ]
    # What was read with the credentials goes with them (the seeds' invalidation rules).
    assert len(lines) == 3 and re.fullmatch(
        rf"✓ Cleared [1-9][0-9]* cached entries of {re.escape(secured.host)}", lines[2]
    ), lines
    assert stored(rex) == {}
    again = rex("-f", "json", "registry", "logout", "secure")
    assert again.json() == {
        "registry": secured.host,
        "removed_from": [],
        "cache_entries_cleared": 0,
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_login_document(rex: Rex, basic_registry: SeededRegistry, fmt: str) -> None:
    assert basic_registry.credentials is not None
    user, password = basic_registry.credentials
    args = ["-f", fmt, "-r", basic_registry.url, "registry", "login", "-u", user, "-p", password]
    document = parse(rex(*args), fmt)
    assert document["registry"] == basic_registry.host and document["username"] == user
    assert "stored_in" in document and password not in json.dumps(document)


def test_login_without_terminal_or_password_is_a_usage_error(
    rex: Rex, basic_registry: SeededRegistry
) -> None:
    _setup(rex, ("secure", basic_registry.url))
    started = time.monotonic()
    no_password = rex("registry", "login", "secure", "-u", "alice")
    no_user = rex("registry", "login", "secure")
    assert no_password.returncode == no_user.returncode == 2
    assert "--password-stdin" in no_password.stderr and "--username" in no_user.stderr
    assert time.monotonic() - started < 20  # never waits for input that cannot come


def test_login_prompts_on_a_terminal(rex: Rex, basic_registry: SeededRegistry) -> None:
    assert basic_registry.credentials is not None
    user, password = basic_registry.credentials
    _setup(rex, ("secure", basic_registry.url))
    master, slave = pty.openpty()
    process = subprocess.Popen(
        rex.command(["-f", "pretty", "registry", "login", "secure"]),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=rex.environment(),
    )
    os.close(slave)
    seen = b""

    def wait_for(text: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while text not in seen:
            assert time.monotonic() < deadline, seen
            if select.select([master], [], [], 1)[0]:
                seen += os.read(master, 4096)

    wait_for(b"Username: ")
    os.write(master, user.encode() + b"\n")
    wait_for(b"Password: ")
    os.write(master, password.encode() + b"\n")
    wait_for(b"Credentials stored")
    assert process.wait(30) == 0
    os.close(master)
    assert password.encode() not in seen  # typed without echo
    assert stored(rex)[basic_registry.host]["username"] == user


def test_remove_force_drops_registry_and_credentials(
    rex: Rex, basic_registry: SeededRegistry
) -> None:
    assert basic_registry.credentials is not None
    user, password = basic_registry.credentials
    _setup(rex, ("secure", basic_registry.url), ("other", "http://127.0.0.1:1"))
    rex("registry", "use", "secure")
    login = rex("registry", "login", "secure", "-u", user, "--password-stdin", input=password)
    assert login.returncode == 0, str(login)
    result = rex("-f", "pretty", "registry", "rm", "secure", "--force")
    assert result.returncode == 0, str(result)
    assert result.stdout.splitlines() == ["✓ Registry 'secure' removed", "✓ Credentials removed"]
    assert "localhost:5000" in result.stderr  # the current registry went back to the default
    text = rex.config.read_text()
    assert "secure" not in text and "other" in text
    assert stored(rex) == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_remove_document(rex: Rex, fmt: str) -> None:
    _setup(rex, ("old", "http://127.0.0.1:1"))
    document = parse(rex("registry", "remove", "old", "-f", "--format", fmt), fmt)
    assert document["name"] == "old" and document["removed"] is True


def test_remove_without_terminal_or_force_exits_2(rex: Rex) -> None:
    _setup(rex, ("old", "http://127.0.0.1:1"))
    result = rex("registry", "remove", "old")
    assert result.returncode == 2 and "--force" in result.stderr
    assert "old" in rex.config.read_text()


def test_remove_asks_on_a_terminal(rex: Rex) -> None:
    _setup(rex, ("old", "http://127.0.0.1:1"))
    master, slave = pty.openpty()
    process = subprocess.Popen(
        rex.command(["registry", "remove", "old"]),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=rex.environment(),
    )
    os.close(slave)
    seen = b""
    while b"[y/N]: " not in seen:
        assert select.select([master], [], [], 30)[0], seen
        seen += os.read(master, 4096)
    assert b"Remove registry 'old' (http://127.0.0.1:1)? [y/N]: " in seen
    os.write(master, b"y\n")
    assert process.wait(30) == 0
    os.close(master)
    assert "old" not in rex.config.read_text()


def test_remove_unknown_exits_5(rex: Rex) -> None:
    assert rex("registry", "remove", "ghost", "--force").returncode == 5
