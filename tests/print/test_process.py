"""How `rex` behaves as a process: signals, pipes, concurrency, imports, progress, logs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.print.harness import Rex
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.seed import SeededRegistry


def _wait_until_fired(fault: Fault, timeout: float = 30) -> None:
    """Until the proxy holds a request of rex's in `fault`'s delay."""
    deadline = time.monotonic() + timeout
    while fault.fired == 0:
        assert time.monotonic() < deadline, "rex never reached the registry"
        time.sleep(0.05)


@pytest.mark.parametrize(
    "args",
    [
        ["image", "oci/single:1.0"],
        # Many concurrent fetches: Ctrl+C arrives inside trio nurseries.
        ["image", "tags/many"],
    ],
)
def test_ctrl_c_exits_130_without_traceback(
    rex: Rex, fault_proxy: FaultProxy, args: list[str]
) -> None:
    delayed = fault_proxy.delay(30, path="/manifests/", times=None)
    process = subprocess.Popen(
        rex.command(["-r", fault_proxy.url, "--no-cache", *args]),
        env=rex.environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with process:
        try:
            _wait_until_fired(delayed)
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=20)
        finally:
            process.kill()
    assert process.returncode == 130
    assert stdout == ""
    assert "Traceback" not in stderr and "interrupted" in stderr


def test_closed_pipe_exits_quietly(rex: Rex, registry: SeededRegistry) -> None:
    for args in (["-f", "json", "version"], ["-r", registry.url, "-f", "pretty", "image"]):
        process = subprocess.Popen(
            rex.command(args),
            env=rex.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before rex prints anything
        with process.stderr:
            stderr = process.stderr.read().decode()
        code = process.wait(60)
        assert code == 141, stderr  # 128 + SIGPIPE, as git and grep report it
        assert stderr == ""


def test_head_of_a_pipeline(rex: Rex, registry: SeededRegistry) -> None:
    command = " ".join(rex.command(["-r", registry.url, "-q", "image"])) + " | head -n 1"
    done = subprocess.run(
        ["bash", "-c", command], env=rex.environment(), capture_output=True, text=True, timeout=60
    )
    assert done.stdout == "deleted/gone\n" and done.stderr == ""


def test_many_processes_share_one_cache_dir(rex: Rex, registry: SeededRegistry) -> None:
    commands = [
        ["-r", registry.url, "-f", "json", "image", "tags/many"],
        ["-r", registry.url, "-f", "json", "image", "oci/multi:latest"],
    ] * 4
    expected = {tuple(c): rex(*c, "--no-cache").stdout for c in commands[:2]}
    with ThreadPoolExecutor(len(commands)) as pool:
        results = list(pool.map(lambda c: rex(*c), commands))
    for command, result in zip(commands, results, strict=True):
        assert result.returncode == 0, str(result)
        assert result.stdout == expected[tuple(command)]
    files = [p for p in rex.cache.rglob("*.json")]
    assert files
    for path in files:
        json.loads(path.read_text())  # no torn or interleaved writes
    plan = rex("-f", "json", "registry", "cache", "prune", "--all", "--dry-run").json()
    assert plan["corrupt"] == 0
    for command in commands[:2]:  # and the warm answers are still right
        assert rex(*command).stdout == expected[tuple(command)]


_PROBE = """
import sys
from rex_tui.cli.main import run
code = run(sys.argv[1:])
heavy = ("httpx", "httpcore", "trio", "keyring", "urwid", "pygments", "rapidfuzz", "yaml")
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}), file=sys.stderr)
"""


def _loaded(rex: Rex, *args: str) -> list[str]:
    command = rex.command(args)
    done = subprocess.run(
        [sys.executable, "-c", "import json\n" + _PROBE, *command[1:]],
        env=rex.environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    loaded: list[str] = report["loaded"]
    return loaded


def test_warm_image_by_digest_never_imports_the_network_stack(
    rex: Rex, registry: SeededRegistry
) -> None:
    """A digest's content never changes: the cache alone answers it (a tag needs a HEAD)."""
    digest = rex("-r", registry.url, "-f", "json", "image", "oci/multi:latest").json()["digest"]
    args = ("-r", registry.url, "-f", "json", "image", f"oci/multi@{digest}")
    cold = _loaded(rex, *args, "--no-cache")
    assert {"httpx", "trio"} <= set(cold)
    assert _loaded(rex, *args) == []
    assert (
        _loaded(rex, "-r", registry.url, "-f", "json", "image", "oci/multi:latest", "--offline")
        == []
    )


@pytest.mark.parametrize("target", [[], ["tags/many"], ["tags/many", "--sort", "date"]])
def test_warm_listings_never_import_the_network_stack(
    rex: Rex, registry: SeededRegistry, target: list[str]
) -> None:
    args = ("-r", registry.url, "-f", "json", "image", *target)
    cold = rex(*args)
    assert {"httpx", "trio"} <= set(_loaded(rex, *args, "--no-cache"))
    assert _loaded(rex, *args) == []
    assert rex(*args).stdout == cold.stdout  # the same answer, from the cache


def test_commands_without_a_registry_stay_light(rex: Rex) -> None:
    assert _loaded(rex, "-f", "json", "version") == []
    assert _loaded(rex, "-f", "json", "config") == []
    assert _loaded(rex, "-f", "yaml", "config", "get", "output.format") == ["yaml"]


def test_cold_commands_skip_the_tui_and_highlighting(rex: Rex, registry: SeededRegistry) -> None:
    loaded = _loaded(rex, "-r", registry.url, "-f", "json", "image", "oci/single:1.0")
    assert "urwid" not in loaded and "pygments" not in loaded


def test_anonymous_registry_never_touches_the_keyring(rex: Rex, registry: SeededRegistry) -> None:
    loaded = _loaded(rex, "-r", registry.url, "-f", "json", "image", "oci/single:1.0")
    assert "keyring" not in loaded


def test_progress_only_on_a_terminal(rex: Rex, registry: SeededRegistry) -> None:
    args = ["-r", registry.url, "--no-cache", "image", "tags/many"]
    shown = rex.in_terminal(*args)
    assert shown.returncode == 0 and "Reading tags of tags/many" in shown.stdout
    assert "Reading tags" not in rex.in_terminal("-q", *args).stdout
    piped = rex(*args)
    assert piped.returncode == 0
    assert "Reading" not in piped.stderr and "\r" not in piped.stderr + piped.stdout
    assert "\x1b[" not in piped.stdout


def test_verbose_logging_and_json_logs(rex: Rex, registry: SeededRegistry) -> None:
    args = ["-r", registry.url, "-f", "json", "--no-cache", "image", "oci/single:1.0"]
    quiet = rex(*args)
    assert quiet.stderr == ""
    debug = rex("-vv", *args)
    assert "DEBUG" in debug.stderr and json.loads(debug.stdout)["reference"]
    as_json = rex("-vv", *args, env={"REX_LOG_FORMAT": "json"})
    lines = as_json.stderr.splitlines()
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert {"time", "level", "logger", "message"} <= set(entry)


def test_no_verify_tls_warns(rex: Rex, registry: SeededRegistry) -> None:
    flag = rex("-r", registry.url, "-f", "json", "--no-verify-tls", "image", "public/hello")
    env = rex(
        "-r", registry.url, "-f", "json", "image", "public/hello", env={"REX_NO_VERIFY_TLS": "1"}
    )
    for result in (flag, env):
        assert result.returncode == 0
        assert "rex: warning: TLS certificate verification is off" in result.stderr


def test_internal_errors_are_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from rex_tui.cli.commands import version
    from rex_tui.cli.main import run

    def broken() -> dict[str, object]:
        raise KeyError("boom")

    monkeypatch.setattr(version, "build_info", broken)
    monkeypatch.setenv("REX_CONFIG", str(tmp_path / "none.toml"))
    code = run(["-f", "json", "version"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines()[0] == "rex: internal error: KeyError: 'boom'"
    assert "please report" in err and "Traceback" not in err
