"""A fixture for tests that install rex's logging: the root logger is put back afterwards."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

_NAMED = ("engine", "rex_tui", "httpcore")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Restore the root logger's handlers and level (closing the test's), and our loggers'."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {name: logging.getLogger(name).level for name in _NAMED}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in named.items():
        logging.getLogger(name).setLevel(old)
