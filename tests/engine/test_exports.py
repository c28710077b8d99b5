"""The engine's public face: what `engine` exports is exactly `__all__`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import engine
from engine.errors import RexError


def test_all_names_exist_and_are_sorted() -> None:
    for name in engine.__all__:
        assert hasattr(engine, name), name

    # ruff's isort-style order (RUF022): constants, then classes, then the rest
    def kind(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert sorted(engine.__all__, key=kind) == engine.__all__


def test_every_lazy_name_is_exported() -> None:
    assert set(engine._WHERE) == set(engine.__all__) - {"__version__"}
    assert dir(engine) == sorted(engine.__all__)


def test_every_error_has_a_neutral_hint_and_no_exit_code() -> None:
    errors = [getattr(engine, n) for n in engine.__all__ if n.endswith("Error")]
    for cls in errors:
        assert issubclass(cls, RexError)
        err = cls("boom")
        assert err.hint and not hasattr(err, "exit_code")


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_engine_never_imports_urwid() -> None:
    assert "urwid" not in _modules_after("import engine; engine.Rex")


NETWORK_STACK = {"httpx", "httpcore", "trio", "urwid"}

# What print mode touches to answer from the cache alone.
CACHED_READ_NAMES = (
    "Cache",
    "CacheKey",
    "Consistency",
    "ImageInfo",
    "Reference",
    "RexError",
    "human_size",
    "image_plan",
    "load_config",
    "repo_rows_plan",
    "run_cached",
    "tag_rows_plan",
)


def test_cached_reads_need_no_network_stack() -> None:
    names = ", ".join(f"engine.{name}" for name in CACHED_READ_NAMES)
    loaded = _modules_after(f"import engine; {names}")
    assert not NETWORK_STACK & loaded


def test_subpackages_are_import_cheap() -> None:
    packages = sorted(
        path.parent.name for path in Path(engine.__file__).parent.glob("*/__init__.py")
    )
    assert {"cache", "config", "oci", "reads", "search", "testing", "transport"} <= set(packages)
    loaded = _modules_after("; ".join(f"import engine.{name}" for name in packages))
    assert not (NETWORK_STACK | {"rapidfuzz", "yaml"}) & loaded


def test_renamed_exports_name_their_source() -> None:
    """A "module:attribute" export is that attribute, under its public name."""
    from engine.config.settings import load
    from engine.search.matcher import search

    assert engine.load_config is load
    assert engine.search_names is search
