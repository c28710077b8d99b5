"""--help wraps at the terminal width, which the parser reads without shutil."""

from __future__ import annotations

import pytest

from rex_tui.cli import parser


def _help(monkeypatch: pytest.MonkeyPatch, columns: str) -> list[str]:
    monkeypatch.setenv("COLUMNS", columns)
    parser._columns.cache_clear()
    try:
        return parser.build_parser(["image"]).format_help().splitlines()
    finally:
        parser._columns.cache_clear()


def test_help_wraps_at_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    narrow, wide = _help(monkeypatch, "60"), _help(monkeypatch, "140")
    assert len(narrow) > len(wide)
    assert sum(len(line) > 58 for line in narrow) <= 2  # argparse never breaks a long word
    assert max(len(line) for line in wide) > 80


def test_without_columns_or_terminal_the_width_is_80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr("os.get_terminal_size", _no_terminal)
    parser._columns.cache_clear()
    try:
        assert parser._columns() == 80
    finally:
        parser._columns.cache_clear()


def _no_terminal(fd: int) -> object:
    raise OSError("not a terminal")
