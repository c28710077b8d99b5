"""The rex-tui engine: an async, UI-agnostic OCI registry client."""

from engine._version import __version__

__all__ = ["__version__"]
