"""The config file on disk: reading with located errors, validation, and atomic rewrites.

Every error names the file, the line and the dotted key, because the person
reading it has the file open in an editor. Lines of keys are found by a small
scan of the text (tomllib does not report them); it understands table headers,
arrays of tables and dotted keys, which covers files people write by hand.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from engine.atomic import replace_file
from engine.config import RegistryConfig
from engine.endpoint import Endpoint
from engine.errors import ConfigurationError, ValidationError
from engine.frozen import Frozen
from engine.reference import validate_repository
from engine.settings_schema import KEYS, Key, SchemaMismatch, describe

__all__ = [
    "REGISTRY_NAME",
    "REGISTRY_NAME_HINT",
    "Document",
    "FileSettings",
    "edit_document",
    "label",
    "line_of",
    "read_document",
    "registry_entry",
    "registry_url",
    "validate_document",
    "write_document",
]

Document = dict[str, Any]
"""A config file as tomllib returns it."""
KeyPath = tuple[str | int, ...]
_T = TypeVar("_T")

REGISTRY_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
REGISTRY_NAME_HINT = "A registry name is lowercase letters, digits, '.', '_' and '-'."
_REGISTRY_FIELDS = ("name", "url", "insecure", "skip_verify", "ca_file", "repositories")
# Keys people copy from docker's config.json or other tools; refused rather than
# reported as unknown so the message can say where credentials belong instead.
_SECRET_FIELDS = {
    "auth",
    "password",
    "passwd",
    "secret",
    "token",
    "identitytoken",
    "identity_token",
    "registrytoken",
    "access_token",
    "refresh_token",
}
_LOGIN_HINT = (
    "Remove it and run 'rex registry login <name>': credentials live in the system "
    "keyring or docker's config.json, never in this file."
)
# Only errors need these: patterns, compiled (and cached) by `re` on first use
# rather than by every start-up that reads a valid file.
_TOML_POSITION = r"\s*\(at line (\d+), column (\d+)\)$"
_HEADER = r"\s*(\[\[?)([^\[\]]+)\]\]?\s*(?:#.*)?$"
_PART = r"(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)"
_ASSIGN = rf"\s*({_PART}(?:\s*\.\s*{_PART})*)\s*="
_KEY_PART = r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_\-]+)"
_LIST = object()
"""Marks `registries.list` in the key tree: an array of tables, checked on its own."""


def _tree() -> dict[str, object]:
    root: dict[str, object] = {}
    for key in KEYS.values():
        *parents, leaf = key.name.split(".")
        node = root
        for part in parents:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node[leaf] = key
    registries = root["registries"]
    assert isinstance(registries, dict)
    registries["list"] = _LIST
    return root


_TREE = _tree()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class FileSettings(Frozen):
    """What a valid file sets: dotted key -> value (only keys present) and registries."""

    values: dict[str, object] = field(default_factory=dict)
    registries: tuple[RegistryConfig, ...] = ()


def read_document(path: Path, *, required: bool) -> tuple[Document, str]:
    """The parsed file and its text; a missing file is empty unless `required`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if not required:
            return {}, ""
        raise ConfigurationError(
            f"config file {path} does not exist",
            hint="Check --config / REX_CONFIG, or create it with 'rex config set KEY VALUE'.",
        ) from None
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read config file {path}: {exc.strerror or exc}",
            hint="Check that it is a readable file.",
        ) from exc
    try:
        # utf-8-sig: Windows editors put a byte-order mark in front of UTF-8.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigurationError(
            f"{path}:{line}: the file is not UTF-8 text", hint="Save the file as UTF-8."
        ) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        reason = str(exc)
        found = re.search(_TOML_POSITION, reason)
        if found:
            where = f"{path}:{found[1]}:{found[2]}"
        elif reason.endswith("(at end of document)"):
            last_line = text.count("\n") + 1
            where = f"{path}:{last_line}"
        else:
            where = str(path)
        reason = re.sub(_TOML_POSITION, "", reason).removesuffix(" (at end of document)")
        raise ConfigurationError(
            f"{where}: invalid TOML: {reason}",
            hint='Fix the syntax at that line; text values need quotes, e.g. format = "json".',
        ) from None


def _split_key(text: str) -> tuple[str, ...]:
    return tuple(next(g for g in m.groups() if g is not None) for m in re.finditer(_KEY_PART, text))


def line_of(text: str, wanted: KeyPath) -> int | None:
    """The 1-based line that sets `wanted` (or the table holding it), if the scan finds it."""
    table: KeyPath = ()
    seen_arrays: dict[KeyPath, int] = {}
    nearest: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(_HEADER, line)
        if header:
            names = _split_key(header[2])
            if header[1] == "[[":
                seen_arrays[names] = seen_arrays.get(names, -1) + 1
                table = (*names, seen_arrays[names])
            else:
                table = names
            here = table
        else:
            assign = re.match(_ASSIGN, line)
            if not assign:
                continue
            here = table + _split_key(assign[1])
        if here[: len(wanted)] == wanted:
            # `wanted` itself, or a dotted key inside it (`layout.x = 1` sets `layout`).
            return number
        if wanted[: len(here)] == here:
            # The innermost table or inline table that holds the key is the next best.
            nearest = number
    return nearest


def label(parts: KeyPath) -> str:
    """A dotted key for messages; array entries as `registries.list[0]`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class _Checker:
    """Validates one document, raising located ConfigurationErrors."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def error(self, parts: KeyPath, problem: str, hint: str | None = None) -> ConfigurationError:
        line = line_of(self.text, parts)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigurationError(f"{where}: {label(parts)}: {problem}", hint=hint)

    def unknown(self, parts: KeyPath, known: list[str]) -> ConfigurationError:
        name = str(parts[-1])
        if name.lower() in _SECRET_FIELDS:
            return self.error(
                parts, "passwords and tokens never go in the config file", _LOGIN_HINT
            )
        import difflib

        close = difflib.get_close_matches(name, known, n=1)
        if close:
            hint = f"Did you mean {label((*parts[:-1], close[0]))}?"
        else:
            # A key in the wrong section is a common slip: `timeout` outside [network].
            elsewhere = [k for k in KEYS if k.endswith(f".{name}")]
            hint = f"Did you mean {elsewhere[0]}?" if elsewhere else "Known: " + ", ".join(known)
        return self.error(parts, "unknown key", hint=hint)

    def table(self, doc: Document, parts: tuple[str, ...], node: dict[str, object]) -> FileSettings:
        found = FileSettings()
        for name, value in doc.items():
            here = (*parts, name)
            child = node.get(name)
            if child is None:
                raise self.unknown(here, list(node))
            if child is _LIST:
                found = FileSettings(found.values, self.registry_list(value))
            elif isinstance(child, Key):
                found.values[child.name] = self.value(here, child, value)
            elif isinstance(child, dict):
                if not isinstance(value, dict):
                    raise self.error(
                        here, f"expected a [{label(here)}] table, got {describe(value)}"
                    )
                inner = self.table(value, here, child)
                found.values.update(inner.values)
                found = FileSettings(found.values, inner.registries or found.registries)
        return found

    def value(self, parts: KeyPath, key: Key, value: object) -> object:
        try:
            return key.check(value)
        except SchemaMismatch as exc:
            hint = f"Fix it in the file, or run 'rex config set {key.name} VALUE'."
            raise self.error(parts, str(exc), hint=hint) from None

    def registry_list(self, value: object) -> tuple[RegistryConfig, ...]:
        at: KeyPath = ("registries", "list")
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise self.error(at, f"expected [[registries.list]] tables, got {describe(value)}")
        names: set[str] = set()
        return tuple(self.registry((*at, i), entry, names) for i, entry in enumerate(value))

    def registry(self, at: KeyPath, entry: Document, names: set[str]) -> RegistryConfig:
        for given in entry:
            if given not in _REGISTRY_FIELDS:
                raise self.unknown((*at, given), list(_REGISTRY_FIELDS))
        name = entry.get("name")
        if not isinstance(name, str) or not REGISTRY_NAME.fullmatch(name):
            problem = "missing name" if name is None else f"invalid name {describe(name)}"
            raise self.error((*at, "name"), problem, REGISTRY_NAME_HINT)
        if name in names:
            raise self.error(
                (*at, "name"), f"a second registry called {name!r}", "Names must be unique."
            )
        names.add(name)
        flags = {f: entry.get(f, False) for f in ("insecure", "skip_verify")}
        for flag, value in flags.items():
            if not isinstance(value, bool):
                raise self.error((*at, flag), f"expected true or false, got {describe(value)}")
        ca_file = entry.get("ca_file")
        if ca_file is not None and (not isinstance(ca_file, str) or not ca_file):
            raise self.error((*at, "ca_file"), f"expected a path, got {describe(ca_file)}")
        repos = entry.get("repositories", [])
        if not isinstance(repos, list):
            raise self.error(
                (*at, "repositories"), f"expected an array of names, got {describe(repos)}"
            )
        try:
            url = registry_url(entry.get("url"), insecure=flags["insecure"])
        except (ValidationError, ConfigurationError) as exc:
            raise self.error((*at, "url"), exc.message, exc.hint) from None
        checked: list[str] = []
        for repo in repos:
            try:
                checked.append(validate_repository(repo))
            except ValidationError as exc:
                raise self.error((*at, "repositories"), exc.message, exc.hint) from None
        return RegistryConfig(
            name,
            url,
            insecure=flags["insecure"],
            skip_verify=flags["skip_verify"],
            ca_file=os.path.expanduser(ca_file) if ca_file else None,
            repositories=tuple(checked),
        )


def registry_url(url: object, *, insecure: bool) -> str:
    """`url` stripped if rex can use it, else the Endpoint's Validation/ConfigurationError."""
    if not isinstance(url, str) or not url.strip():
        raise ValidationError(
            "missing url", hint='For example: url = "https://registry.example.com".'
        )
    if "@" in url:
        # Never echo it: the part before '@' is a password.
        raise ValidationError("the url holds credentials", hint=_LOGIN_HINT)
    Endpoint.parse(url, insecure=insecure)
    return url.strip()


def validate_document(doc: Document, text: str, path: Path) -> FileSettings:
    """What `doc` sets, or a ConfigurationError naming the file, line and key."""
    checker = _Checker(path, text)
    found = checker.table(doc, (), _TREE)
    current = found.values.get("registries.current")
    names = [r.name for r in found.registries]
    if current is not None and current not in names:
        import difflib

        close = difflib.get_close_matches(str(current), names, n=1)
        hint = f"Did you mean {close[0]}?" if close else "Add it with 'rex registry init NAME URL'."
        raise checker.error(
            ("registries", "current"), f"no registry called {describe(current)}", hint
        )
    return found


def registry_entry(registry: RegistryConfig) -> Document:
    """The `[[registries.list]]` table for `registry`, leaving defaults out where they are noise."""
    entry: Document = {"name": registry.name, "url": registry.url, "insecure": registry.insecure}
    if registry.skip_verify:
        entry["skip_verify"] = True
    if registry.ca_file:
        entry["ca_file"] = registry.ca_file
    if registry.repositories:
        entry["repositories"] = list(registry.repositories)
    return entry


def _dumps(doc: Document) -> str:
    """`doc` as TOML, with registries always as `[[registries.list]]` tables."""
    import tomli_w  # only writing needs it, not every start-up that reads the file

    # tomli-w writes an array of short tables inline (`list = [{...}]`); the seeds
    # and every hand-written file use one [[registries.list]] block per registry.
    registries = doc.get("registries")
    entries = registries.get("list") if isinstance(registries, dict) else None
    if not isinstance(registries, dict) or not isinstance(entries, list) or not entries:
        return tomli_w.dumps(doc)
    if not all(isinstance(e, dict) for e in entries):
        return tomli_w.dumps(doc)
    rest = {k: v for k, v in doc.items() if k != "registries"}
    others = {k: v for k, v in registries.items() if k != "list"}
    if others:
        rest["registries"] = others  # last, so [registries] sits right above its list
    chunks = [tomli_w.dumps(rest)] if rest else []
    chunks += ["[[registries.list]]\n" + tomli_w.dumps(entry) for entry in entries]
    return "\n".join(chunks)


def write_document(path: Path, doc: Document) -> None:
    """Replace the file with `doc` atomically: a reader sees the old file or the new one."""
    try:
        replace_file(path, _dumps(doc).encode("utf-8"))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write config file {path}: {exc.strerror or exc}",
            hint="Check the permissions of the file and its directory.",
        ) from exc


def edit_document(path: Path, change: Callable[[Document], _T]) -> _T:
    """Apply `change` to the file's document, check the result, and write it back."""
    doc, text = read_document(path, required=False)
    result = change(doc)
    validate_document(doc, text, path)
    write_document(path, doc)
    return result
