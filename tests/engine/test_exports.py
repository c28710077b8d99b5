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


def test_every_lazy_name_is_exported() -> None:
    assert set(engine._WHERE) == set(engine.__all__) - {"__version__"}
    assert dir(engine) == sorted(engine.__all__)


def test_every_error_has_an_exit_code_and_a_hint() -> None:
    errors = [getattr(engine, n) for n in engine.__all__ if n.endswith("Error")]
    for cls in errors:
        assert issubclass(cls, RexError)
        err = cls("boom")
        assert err.exit_code in {1, 2, 3, 4, 5, 6, 7}
        assert err.hint


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_engine_never_imports_urwid() -> None:
    assert "urwid" not in _modules_after("import engine; engine.Rex")


def test_cached_reads_need_no_network_stack() -> None:
    loaded = _modules_after(
        "import engine, engine.models, engine.oci, engine.reference, engine.errors"
    )
    assert not {"httpx", "httpcore", "trio", "urwid"} & loaded
