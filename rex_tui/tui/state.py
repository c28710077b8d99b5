"""Where you were: the registry, repository, tag, details section, theme and layout.

Kept in `$XDG_STATE_HOME/rex/tui-state.json` (written atomically at quit) and
restored at start. The file is a convenience, never a reason not to start: a
missing file is a first run, and a corrupt or unreadable one is ignored with
one log line.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

__all__ = ["STATE_FILE", "SavedState", "load_state", "save_state"]

logger = logging.getLogger(__name__)

STATE_FILE = "tui-state.json"


@dataclass(slots=True)
class SavedState:
    registry: str | None = None
    repository: str | None = None
    tag: str | None = None
    section: str | None = None
    theme: str | None = None
    layout: str | None = None


def load_state(path: Path | None) -> SavedState:
    """The state saved at the last quit; an empty one when there is none or it is broken."""
    if path is None:
        return SavedState()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        logger.info("no saved state at %s: a first run", path)
        return SavedState()
    except (OSError, ValueError) as exc:
        logger.warning("ignoring the saved state %s: %s", path, exc)
        return SavedState()
    if not isinstance(data, dict):
        logger.warning("ignoring the saved state %s: not a JSON object", path)
        return SavedState()
    known = {f.name for f in fields(SavedState)}
    values = {k: v for k, v in data.items() if k in known and isinstance(v, str)}
    return SavedState(**values)


def save_state(path: Path | None, state: SavedState) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        logger.warning("cannot save the state to %s: %s", path, exc)
