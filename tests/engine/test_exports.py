"""The engine's public face: what `engine` exports is exactly `__all__`."""

from __future__ import annotations

import subprocess
import sys

import engine
from engine.errors import RexError


def test_all_names_exist_and_are_sorted() -> None:
    for name in engine.__all__:
        assert hasattr(engine, name), name
    assert sorted(engine.__all__) == engine.__all__


def test_public_members_are_all_exported() -> None:
    public = {n for n in vars(engine) if not n.startswith("_")}
    modules = {n for n, v in vars(engine).items() if type(v) is type(engine)}
    assert public - modules == set(engine.__all__) - {"__version__"}


def test_every_error_has_an_exit_code_and_a_hint() -> None:
    errors = [getattr(engine, n) for n in engine.__all__ if n.endswith("Error")]
    for cls in errors:
        assert issubclass(cls, RexError)
        err = cls("boom")
        assert err.exit_code in {1, 2, 3, 4, 5, 6, 7}
        assert err.hint


def test_engine_does_not_import_urwid() -> None:
    code = "import sys, engine; print('urwid' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
