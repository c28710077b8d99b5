"""Changing the config file safely: one writer at a time, comments kept, never half-written.

`edit_document` takes a lock beside the file (filelock), re-reads the file under
it, applies the change to plain dicts, validates the result, carries the change
over to the tomlkit document of the file as it stands, and replaces the file
atomically. So two `rex config set` at once both land, a comment or the order of
keys survives, and a failure at any step leaves the old file as it was.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

from engine.atomic import replace_file
from engine.config.file import Document, read_document, validate_document
from engine.errors import ConfigurationError, Remedy

if TYPE_CHECKING:
    import tomlkit.items

__all__ = ["LOCK_TIMEOUT", "edit_document", "lock_path"]

LOCK_TIMEOUT = 5.0
"""Seconds a change waits for another writer of the same file before giving up."""
_T = TypeVar("_T")


def lock_path(path: Path) -> Path:
    """The lock file of config file `path`: beside the file a symlink points to."""
    target = path.resolve() if path.is_symlink() else path
    return target.with_name(f".{target.name}.lock")


def edit_document(path: Path, change: Callable[[Document], _T]) -> _T:
    """Apply `change` to the file's settings under the writer lock, check them, write them.

    `change` gets plain dicts and lists; a ValidationError or ConfigurationError it
    raises, or one from validating its result, leaves the file untouched.
    """
    import filelock  # writes only: not on every start-up that reads the file

    lock = lock_path(path)
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(lock, timeout=LOCK_TIMEOUT, mode=0o600):
            return _edit_locked(path, change)
    except filelock.Timeout:
        raise ConfigurationError(
            f"cannot change {path}: another rex held {lock} for {LOCK_TIMEOUT:g} s",
            hint="Try again when the other change to the configuration is done.",
            path=str(path),
        ) from None
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write config file {path}: {exc.strerror or exc}",
            hint="Check the permissions of the file and its directory.",
        ) from exc


def _edit_locked(path: Path, change: Callable[[Document], _T]) -> _T:
    doc, text = read_document(path, required=False)
    result = change(doc)
    validate_document(doc, text, path)
    replace_file(path, _render(text, doc, path).encode("utf-8"))
    return result


def _render(text: str, doc: Document, path: Path) -> str:
    """`doc` as TOML: the file's own text with the changes carried over where possible."""
    import tomlkit

    try:
        kept = tomlkit.parse(text)
        _merge(kept, doc)
        rendered = tomlkit.dumps(kept).rstrip("\n") + "\n"  # no blank line at the end
        if _same(tomllib.loads(rendered), doc):
            return rendered
    except (tomlkit.exceptions.TOMLKitError, tomllib.TOMLDecodeError, ValueError):
        pass
    except RecursionError:
        raise ConfigurationError(
            f"{path}: invalid TOML: arrays or tables nested too deep to rewrite",
            hint="A config file nests a few tables at most; fix or recreate it.",
        ) from None
    # A layout tomlkit cannot edit in place (it would change the meaning): write the
    # settings afresh, which loses comments but never a value.
    fresh = tomlkit.dumps(doc).rstrip("\n") + "\n"
    if not _same(tomllib.loads(fresh), doc):  # never write a file that says something else
        raise ConfigurationError(
            f"cannot write config file {path}: the change does not round-trip as TOML",
            hint="Make the change by editing the file instead.",
            remedy=Remedy.EDIT_CONFIG,
            path=str(path),
        )
    return fresh


def _same(old: object, new: object) -> bool:
    """Equal as TOML values: `true` is not `1`, `1` is not `1.0`."""
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(map(_same, old, new))
    return type(old) is type(new) and old == new


def _plain(item: object) -> object:
    unwrap = getattr(item, "unwrap", None)
    return unwrap() if callable(unwrap) else item


def _merge(kept: MutableMapping[str, Any], new: Document) -> None:
    """Make tomlkit table `kept` hold `new`, touching only what differs."""
    for name in [name for name in kept if name not in new]:
        del kept[name]
    for name, value in new.items():
        current = kept.get(name)
        if name in kept and _same(_plain(current), value):
            continue  # untouched: its comments and formatting stay
        if isinstance(value, dict) and _is_table(current):
            _merge(current, value)
        elif not (_is_aot(current) and _tables(value) and _merge_tables(current, value)):
            _put(kept, name, _fresh(value))


def _put(kept: MutableMapping[str, Any], name: str, item: object) -> None:
    """Set `name`; a new plain key goes right after the table's last one.

    tomlkit would append it after the table's trailing comments, which are most
    often about the next table ("# the cache" above [cache]).
    """
    from tomlkit.items import AoT, Comment, Table, Whitespace

    container: Any = getattr(kept, "value", kept)
    body = getattr(container, "body", None)
    if name in kept or isinstance(item, Table | AoT) or not body:
        kept[name] = item
        return
    last = [
        key
        for key, value in body
        if key is not None and not isinstance(value, Whitespace | Comment | Table | AoT)
    ]
    if not last:
        kept[name] = item
        return
    # Container._insert_after is tomlkit's own (private) way to do exactly this.
    container._insert_after(last[-1], name, item)


def _merge_tables(kept: tomlkit.items.AoT, entries: list[Document]) -> bool:
    """Edit an array of tables (`[[registries.list]]`) in place, entries matched by `name`.

    False when that cannot keep the order (an entry moved or was inserted between
    others): the caller then writes the array afresh.
    """
    old = list(kept)
    by_name = {str(_plain(t.get("name"))): t for t in old}
    chosen = [by_name.get(str(entry.get("name"))) for entry in entries]
    kept_ids = [id(t) for t in chosen if t is not None]
    if len(set(kept_ids)) != len(kept_ids) or [id(t) for t in old if id(t) in kept_ids] != kept_ids:
        return False
    if any(t is not None for t in chosen[len(kept_ids) :]):
        return False  # a new entry before a kept one
    for index in reversed(range(len(old))):
        if id(old[index]) not in kept_ids:
            del kept[index]
    for table, entry in zip(chosen, entries, strict=True):
        if table is not None:
            _merge(table, entry)
        else:
            kept.append(_fresh(entry))
    return True


def _is_table(item: object) -> TypeGuard[MutableMapping[str, Any]]:
    import tomlkit.items

    return isinstance(item, tomlkit.items.Table | tomlkit.items.InlineTable)


def _is_aot(item: object) -> TypeGuard[tomlkit.items.AoT]:
    import tomlkit.items

    return isinstance(item, tomlkit.items.AoT)


def _tables(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _fresh(value: object) -> object:
    """A new value; a table gets a blank line after it, as people space them."""
    import tomlkit

    if not isinstance(value, dict):
        return tomlkit.item(value)
    table = tomlkit.table()
    for name, inner in value.items():
        table[name] = _fresh(inner)
    table.add(tomlkit.nl())
    return table
