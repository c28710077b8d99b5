"""Fixtures for transfer tests: skopeo, the independent reader of what rex writes."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

SKOPEO = shutil.which("skopeo")


def skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    if SKOPEO is None:
        pytest.skip("skopeo is not installed")
    return subprocess.run(
        [SKOPEO, "--insecure-policy", *args], capture_output=True, text=True, timeout=120
    )


def skopeo_inspect(target: str, *flags: str) -> Any:
    """`skopeo inspect` of `target` as JSON; fails the test with skopeo's own words."""
    done = skopeo("inspect", "--tls-verify=false", *flags, target)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def skopeo_raw(target: str) -> bytes:
    done = skopeo("inspect", "--tls-verify=false", "--raw", target)
    assert done.returncode == 0, done.stderr
    return done.stdout.encode()


from tests.print.conftest import rex  # noqa: E402  (the sandboxed `rex` CLI fixture)

__all__ = ["rex", "skopeo", "skopeo_inspect", "skopeo_raw"]
