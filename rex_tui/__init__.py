"""rex-tui: a keyboard-driven terminal browser for OCI / Docker registries."""

from engine import __version__

__all__ = ["__version__"]
