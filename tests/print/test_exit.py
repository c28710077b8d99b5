"""`rex` ends without interpreter teardown, and still flushes what it printed."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.print.harness import Rex
from tests.support.seed import SeededRegistry

_SCRIPT = """
import sys
from rex_tui.cli.main import exit_now
sys.stdout.write("out" * {repeat})
sys.stderr.write("err")
exit_now({code})
"""


def _run(code: int, repeat: int = 1) -> subprocess.CompletedProcess[bytes]:
    script = _SCRIPT.format(code=code, repeat=repeat)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)


def test_buffered_output_is_flushed_and_the_code_kept() -> None:
    done = _run(5)
    assert (done.returncode, done.stdout, done.stderr) == (5, b"out", b"err")


def test_a_reader_that_left_early_gives_141_without_a_traceback() -> None:
    # The child writes only after its reader has gone, so the flush in exit_now breaks.
    script = "import sys; sys.stdin.readline()" + _SCRIPT.format(code=0, repeat=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        assert process.stdin and process.stdout and process.stderr
        process.stdout.close()
        process.stdin.write(b"go\n")
        process.stdin.close()
        err = process.stderr.read()
        assert process.wait(timeout=60) == 141
    assert err == b"err"


def test_a_platform_error_exits_5_with_the_cli_words_for_its_facts(
    rex: Rex, registry: SeededRegistry
) -> None:
    # The engine says which platforms there are; the CLI words it as --platform.
    single = rex("-r", registry.url, "image", "oci/single:1.0", "--platform", "linux/arm64")
    assert single.returncode == 5
    assert single.stderr.splitlines()[1:] == [
        "  hint: Leave out --platform, or ask for linux/amd64."
    ]
    multi = rex("-r", registry.url, "image", "oci/multi:latest", "--platform", "linux/s390x")
    assert multi.returncode == 5
    assert multi.stderr.splitlines()[1:] == [
        "  hint: Pick one of the available platforms with --platform."
    ]


def test_a_config_value_error_exits_6_naming_the_command_that_fixes_it(rex: Rex) -> None:
    rex.config.write_text("[network]\ntimeout = 'soon'\n")
    result = rex("config", "get", "network.timeout")
    assert result.returncode == 6
    assert result.stderr.splitlines()[1:] == [
        "  hint: Fix it in the file, or run 'rex config set network.timeout VALUE'."
    ]
