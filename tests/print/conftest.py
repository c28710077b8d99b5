"""The `rex` fixture: a sandbox (HOME, XDG dirs, keyring, config, cache) under tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.print.harness import REPO, Rex


@pytest.fixture
def rex(tmp_path: Path) -> Iterator[Rex]:
    root = tmp_path / "rex"
    home = root / "home"
    home.mkdir(parents=True)
    sandbox = Rex(
        root,
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "PYTHONPATH": str(REPO),
            # A keyring in a file: the machines running tests have no Secret Service.
            "PYTHON_KEYRING_BACKEND": "tests.print.filekeyring.FileKeyring",
            "REX_TEST_KEYRING": str(root / "keyring.json"),
        },
    )
    sandbox.config.write_text("")
    yield sandbox
