"""The config file on disk: reading with located errors, validation, and atomic rewrites.

Every error names the file, the line and the dotted key, because the person
reading it has the file open in an editor. Lines of keys are found by a small
scan of the text (tomllib does not report them); it understands table headers,
arrays of tables and dotted keys, which covers files people write by hand.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.config.model import RegistryConfig
from engine.config.schema import ALIASES, KEYS, Key, SchemaMismatch, describe
from engine.errors import ConfigurationError, Remedy, ValidationError
from engine.frozen import Frozen
from engine.oci.reference import validate_repository
from engine.transport.endpoint import Endpoint

__all__ = [
    "MAX_CONFIG_BYTES",
    "REGISTRY_NAME",
    "REGISTRY_NAME_HINT",
    "Document",
    "FileSettings",
    "label",
    "line_of",
    "read_config_bytes",
    "read_document",
    "registry_entry",
    "registry_url",
    "validate_document",
]

Document = dict[str, Any]
"""A config file as tomllib returns it."""
KeyPath = tuple[str | int, ...]

REGISTRY_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
REGISTRY_NAME_HINT = "A registry name is lowercase letters, digits, '.', '_' and '-'."
MAX_CONFIG_BYTES = 1024 * 1024
"""A config file is a few lines; anything past 1 MiB is refused unread."""
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
    "Remove them: credentials live in the system keyring or docker's config.json, "
    "never in this file."
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
    for name, key in [*KEYS.items(), *ALIASES.items()]:
        *parents, leaf = name.split(".")
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


def _too_large(path: Path) -> ConfigurationError:
    return ConfigurationError(
        f"config file {path} is larger than {MAX_CONFIG_BYTES >> 20} MiB; not reading it",
        hint="A config file is a few lines of TOML: check which file is used.",
        remedy=Remedy.CHOOSE_CONFIG,
        path=str(path),
    )


def _refuse(path: Path, st: os.stat_result) -> None:
    """ConfigurationError unless `st` is a regular file of at most MAX_CONFIG_BYTES."""
    if stat.S_ISREG(st.st_mode):
        if st.st_size > MAX_CONFIG_BYTES:
            raise _too_large(path)
        return
    what = "not a regular file"
    if stat.S_ISDIR(st.st_mode):
        what = "a directory"
    elif stat.S_ISFIFO(st.st_mode):
        what = "a FIFO"
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        what = "a device"
    raise ConfigurationError(
        f"config file {path} is {what}; not reading it",
        hint="Use a TOML file as the configuration.",
        remedy=Remedy.CHOOSE_CONFIG,
        path=str(path),
    )


def _is_devnull(st: os.stat_result) -> bool:
    if not stat.S_ISCHR(st.st_mode):
        return False
    null = os.stat(os.devnull)
    return (st.st_rdev, st.st_ino, st.st_dev) == (null.st_rdev, null.st_ino, null.st_dev)


def read_config_bytes(path: Path) -> bytes:
    """The file's bytes, refusing FIFOs, devices (but /dev/null) and files over 1 MiB unread.

    FileNotFoundError when it does not exist; other failures are ConfigurationErrors.
    """
    try:
        # stat first: opening a FIFO would block until a writer came along.
        st = os.stat(path)
        if _is_devnull(st):
            return b""  # `--config /dev/null`: the usual way to say "no file"
        _refuse(path, st)
        # O_NONBLOCK: a FIFO swapped in after the stat still cannot hang us.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as file:
            _refuse(path, os.fstat(fd))
            data = file.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read config file {path}: {exc.strerror or exc}",
            hint="Check that it is a readable file.",
        ) from exc
    if len(data) > MAX_CONFIG_BYTES:  # it grew after the stat
        raise _too_large(path)
    return data


def read_document(path: Path, *, required: bool) -> tuple[Document, str]:
    """The parsed file and its text; a missing file is empty unless `required`."""
    try:
        data = read_config_bytes(path)
    except FileNotFoundError:
        if not required:
            return {}, ""
        raise ConfigurationError(
            f"config file {path} does not exist",
            hint="Check which file is used, or create it by setting a value.",
            remedy=Remedy.CREATE_CONFIG,
            path=str(path),
        ) from None
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
    except RecursionError:
        raise ConfigurationError(
            f"{path}: invalid TOML: arrays or tables nested too deep to read",
            hint="A config file nests a few tables at most; fix or recreate it.",
        ) from None
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

    def error(
        self,
        parts: KeyPath,
        problem: str,
        hint: str | None = None,
        *,
        remedy: Remedy | None = None,
        setting: str | None = None,
    ) -> ConfigurationError:
        line = line_of(self.text, parts)
        where = f"{self.path}:{line}" if line else str(self.path)
        return ConfigurationError(
            f"{where}: {label(parts)}: {problem}",
            hint=hint,
            remedy=remedy,
            setting=setting,
            path=str(self.path),
        )

    def unknown(self, parts: KeyPath, known: list[str]) -> ConfigurationError:
        name = str(parts[-1])
        if name.lower() in _SECRET_FIELDS:
            return self.error(
                parts,
                "passwords and tokens never go in the config file",
                _LOGIN_HINT,
                remedy=Remedy.LOGIN,
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
                if child.name in found.values:  # an alias beside its key: which one counts?
                    both = " and ".join(label((*parts, n)) for n in node if node[n] is child)
                    raise self.error(
                        here, f"{both} name the same setting", hint="Keep only one of them."
                    )
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
            hint = f"Fix {key.name} in the file, or set it to a valid value."
            raise self.error(
                parts, str(exc), hint=hint, remedy=Remedy.SET_SETTING, setting=key.name
            ) from None

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
        raise ValidationError("the url holds credentials", hint=_LOGIN_HINT, remedy=Remedy.LOGIN)
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
        parts = ("registries", "current")
        problem = f"no registry called {describe(current)}"
        if close:
            raise checker.error(parts, problem, f"Did you mean {close[0]}?")
        raise checker.error(
            parts, problem, "Add it to the configuration.", remedy=Remedy.ADD_REGISTRY
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
