"""`rex` ends without interpreter teardown, and still flushes what it printed."""

from __future__ import annotations

import os
import subprocess
import sys

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
