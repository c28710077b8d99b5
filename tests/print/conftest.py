"""The `rex` fixture: a sandbox (HOME, XDG dirs, keyring, config, cache) under tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.print.harness import REPO, Rex


def sandbox(root: Path) -> Rex:
    """A `rex` with its own HOME, XDG dirs, keyring and (empty) config file under `root`."""
    home = root / "home"
    home.mkdir(parents=True)
    made = Rex(
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
    made.config.write_text("")
    return made


@pytest.fixture
def rex(tmp_path: Path) -> Iterator[Rex]:
    yield sandbox(tmp_path / "rex")
