"""Key bindings as data: load `keymaps/*.toml`, look keys up, resolve multi-key sequences.

A keymap file is a list of `[[bind]]` tables (the header of `keymaps/vim.toml` documents
the format). Loading never fails: a bad file yields messages naming the file and line,
and the built-in keymap of the same name (or `fallback`) is used instead.

Lookup is the focused context first, then `global`; the text-entry contexts (filter,
command, dialog) do not inherit global bindings, so typed characters reach the input.
Where a context binding and a global binding overlap as sequences (tags binds `g g`,
global binds `g`), the context's wins and the global one is hidden in that context, so
every context's effective bindings are prefix-free: a pending sequence is never also a
complete binding and a timeout only ever hands the buffered keys back.
"""

from __future__ import annotations

import difflib
import enum
import importlib.resources
import os
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path

from rex_tui.actions import (
    ACTIONS,
    CONTEXTS,
    GLOBAL,
    TEXT_ENTRY_CONTEXTS,
    action_order,
    context_order,
)
from rex_tui.keynames import KeyNameError, format_keys, key_label, parse_key

__all__ = [
    "Binding",
    "KeyDispatcher",
    "KeyNameError",
    "Keymap",
    "LoadResult",
    "Outcome",
    "Resolution",
    "builtin_keymap_names",
    "format_keys",
    "key_label",
    "load_keymap",
    "parse_key",
    "parse_keymap",
]

# ---------------------------------------------------------------------------
# Bindings and the keymap


@dataclass(frozen=True, slots=True)
class Binding:
    """One key (or sequence of keys) bound to an action in one context."""

    keys: tuple[str, ...]
    action: str
    context: str
    help: str
    line: int | None = field(default=None, compare=False)
    """The line of its `[[bind]]` table, when it came from a file."""

    @property
    def display(self) -> str:
        return format_keys(self.keys)


def _sort_key(b: Binding) -> tuple[int, int]:
    # A stable sort: an action's keys stay in file order, the author's first choice first.
    return (context_order(b.context), action_order(b.action))


def _check(bindings: Iterable[Binding], file: str) -> tuple[list[Binding], list[str]]:
    """Keep the bindings that fit together (first wins); report the rest."""
    kept: list[Binding] = []
    errors: list[str] = []
    exact: dict[tuple[str, tuple[str, ...]], Binding] = {}
    starts: dict[tuple[str, tuple[str, ...]], Binding] = {}  # proper prefix -> a binding
    for b in bindings:
        where = _where(file, b.line)
        if b.action not in ACTIONS:
            errors.append(f"{where}: unknown action {b.action!r}")
            continue
        if b.context not in CONTEXTS:
            errors.append(f"{where}: unknown context {b.context!r}")
            continue
        if b.context not in ACTIONS[b.action].contexts:
            errors.append(f"{where}: {_not_here(b.action, b.context)}")
            continue
        if not b.keys:
            errors.append(f"{where}: no key")
            continue
        if b.context in TEXT_ENTRY_CONTEXTS and _types_text(b.keys[0]):
            errors.append(f"{where}: {_typed_key(b.keys[0], b.context)}")
            continue
        twin = exact.get((b.context, b.keys))
        if twin is not None:
            errors.append(
                f"{where}: {b.display!r} is bound twice in context {b.context!r}: "
                f"to {twin.action} ({_line_ref(twin.line)}) and to {b.action}"
            )
            continue
        other = starts.get((b.context, b.keys)) or next(
            (
                exact[(b.context, b.keys[:n])]
                for n in range(1, len(b.keys))
                if (b.context, b.keys[:n]) in exact
            ),
            None,
        )
        if other is not None:
            short, long = sorted((b, other), key=lambda x: len(x.keys))
            errors.append(
                f"{where}: {b.display!r} clashes with {other.display!r} "
                f"({_line_ref(other.line)}) in context {b.context!r}: {short.display!r} "
                f"is bound on its own, so {long.display!r} could never be typed"
            )
            continue
        exact[(b.context, b.keys)] = b
        for n in range(1, len(b.keys)):
            starts.setdefault((b.context, b.keys[:n]), b)
        kept.append(b)
    return kept, errors


def _types_text(key: str) -> bool:
    return len(key) == 1


def _typed_key(key: str, context: str) -> str:
    return (
        f"{key_label(key)!r} can't be bound in context {context!r}: it is typed into the "
        "input line there (bind a named key or a ctrl/meta key)"
    )


def _not_here(action: str, context: str) -> str:
    where = ", ".join(sorted(ACTIONS[action].contexts, key=context_order))
    return f"action {action!r} does not apply in context {context!r} (it does in: {where})"


def _where(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file


def _line_ref(line: int | None) -> str:
    return f"line {line}" if line else "same file"


class Keymap:
    """Validated bindings, with lookup by context (then global)."""

    def __init__(self, bindings: Iterable[Binding], *, name: str = "", source: str = "") -> None:
        """Raise ValueError when the bindings don't fit together (see `parse_keymap`)."""
        self.name = name
        self.source = source
        kept, errors = _check(bindings, source or "<keymap>")
        if errors:
            raise ValueError("\n".join(errors))
        self._own: dict[str, dict[tuple[str, ...], Binding]] = {c: {} for c in CONTEXTS}
        for b in kept:
            self._own[b.context][b.keys] = b
        self._effective: dict[str, dict[tuple[str, ...], Binding]] = {}
        self._prefixes: dict[str, frozenset[tuple[str, ...]]] = {}
        for context, own in self._own.items():
            view = dict(own)
            if context != GLOBAL and context not in TEXT_ENTRY_CONTEXTS:
                own_starts = _proper_prefixes(own)
                for keys, b in self._own[GLOBAL].items():
                    hidden = keys in own or keys in own_starts
                    hidden = hidden or any(keys[:n] in own for n in range(1, len(keys)))
                    if not hidden:
                        view[keys] = b
            self._effective[context] = view
            self._prefixes[context] = _proper_prefixes(view)

    def __repr__(self) -> str:
        count = sum(len(own) for own in self._own.values())
        return f"<Keymap {self.name or self.source!r}: {count} bindings>"

    def lookup(self, context: str, keys: str | Sequence[str]) -> str | None:
        """The action `keys` (one key, or a sequence) runs in `context`, or None."""
        b = self.binding(context, keys)
        return b.action if b else None

    def binding(self, context: str, keys: str | Sequence[str]) -> Binding | None:
        """The binding `keys` hits in `context` (its own first, then global), or None."""
        seq = (keys,) if isinstance(keys, str) else tuple(keys)
        return self._view(context).get(seq)

    def starts_sequence(self, context: str, keys: str | Sequence[str]) -> bool:
        """True when `keys` is the start of a longer binding in `context`."""
        seq = (keys,) if isinstance(keys, str) else tuple(keys)
        self._view(context)
        return seq in self._prefixes[context]

    def bindings(self, context: str | None = None, *, inherited: bool = False) -> list[Binding]:
        """Bindings for help screens and docs, sorted by context, action, keys.

        With a context: that context's own bindings, plus (inherited=True) the global
        ones that apply there. Without: every binding of every context.
        """
        if context is None:
            found = [b for own in self._own.values() for b in own.values()]
        elif inherited:
            found = list(self._view(context).values())
        else:
            self._view(context)
            found = list(self._own[context].values())
        return sorted(found, key=_sort_key)

    def keys_for(self, action: str, context: str = GLOBAL) -> list[str]:
        """Display texts of the keys that run `action` in `context` (for hints)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        return [b.display for b in self.bindings(context, inherited=True) if b.action == action]

    def keys_anywhere(self, action: str) -> list[str]:
        """Display texts of the keys that run `action` in any context, each once."""
        return list(dict.fromkeys(b.display for b in self.bindings() if b.action == action))

    def _view(self, context: str) -> dict[tuple[str, ...], Binding]:
        try:
            return self._effective[context]
        except KeyError:
            raise ValueError(f"unknown context {context!r}") from None


def _proper_prefixes(keys: Iterable[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    return frozenset(seq[:n] for seq in keys for n in range(1, len(seq)))


# ---------------------------------------------------------------------------
# Files

_FIELDS = ("key", "keys", "action", "context", "help")
_BIND_HEADER = re.compile(r"\s*\[\[\s*bind\s*\]\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"\s*\[")
_ASSIGNMENT = re.compile(r"\s*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*=")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _table_lines(text: str) -> list[dict[str, int]]:
    """For each `[[bind]]` table in order: its header line ("") and each field's line."""
    tables: list[dict[str, int]] = []
    current: dict[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if _BIND_HEADER.match(line):
            current = {"": number}
            tables.append(current)
        elif _ANY_HEADER.match(line):
            current = None
        elif current is not None and (m := _ASSIGNMENT.match(line)):
            current.setdefault(m.group(1).strip("\"'"), number)
    return tables


def _top_level_line(text: str, name: str) -> int | None:
    pattern = re.compile(rf"\s*(\[+\s*)?[\"']?{re.escape(name)}[\"']?\s*[=\].]")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse_keymap(text: str, file: str) -> tuple[list[Binding], list[str]]:
    """Parse keymap TOML: the usable bindings and one "FILE:LINE: problem" per problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _TOML_POSITION.search(message)
        if m is None:
            return [], [f"{file}: malformed TOML: {message}"]
        problem = message[: m.start()]
        return [], [f"{file}:{m.group(1)}:{m.group(2)}: malformed TOML: {problem}"]
    errors: list[str] = []
    for name in data:
        if name != "bind":
            where = _where(file, _top_level_line(text, name))
            errors.append(f"{where}: unknown table or key {name!r}: a keymap has only [[bind]]")
    entries = data.get("bind", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        where = _where(file, _top_level_line(text, "bind"))
        return [], [*errors, f"{where}: write each binding as a [[bind]] table"]
    tables = _table_lines(text)
    if len(tables) != len(entries):
        tables = [{} for _ in entries]  # not [[bind]] headers (inline tables): no line numbers
    found: list[Binding] = []
    for entry, lines in zip(entries, tables, strict=True):
        bindings, problems = _parse_entry(entry, lines, file)
        found.extend(bindings)
        errors.extend(problems)
    kept, clashes = _check(found, file)
    return kept, errors + clashes


def _parse_entry(
    entry: dict[str, object], lines: dict[str, int], file: str
) -> tuple[list[Binding], list[str]]:
    def at(name: str) -> str:
        return _where(file, lines.get(name) or lines.get(""))

    errors = [
        f"{at(name)}: unknown field {name!r}{_suggest(name, _FIELDS)}"
        f" (a binding has {', '.join(_FIELDS)})"
        for name in entry
        if name not in _FIELDS
    ]
    keys: tuple[str, ...] = ()
    if ("key" in entry) == ("keys" in entry):
        errors.append(f'{at("")}: give either key = "..." (one key) or keys = [...] (a sequence)')
    elif "key" in entry:
        raw = entry["key"]
        if not isinstance(raw, str):
            errors.append(f"{at('key')}: key must be a string; a sequence is keys = [...]")
        else:
            try:
                keys = (parse_key(raw),)
            except KeyNameError as exc:
                errors.append(f"{at('key')}: {exc}")
    else:
        raw = entry["keys"]
        if not isinstance(raw, list) or not raw or not all(isinstance(k, str) for k in raw):
            errors.append(f'{at("keys")}: keys must be a list of key names, as ["g", "g"]')
        else:
            try:
                keys = tuple(parse_key(k) for k in raw)
            except KeyNameError as exc:
                errors.append(f"{at('keys')}: {exc}")

    action = entry.get("action")
    if not isinstance(action, str):
        errors.append(f"{at('action')}: action must be a string naming an action")
    elif action not in ACTIONS:
        errors.append(f"{at('action')}: unknown action {action!r}{_suggest(action, ACTIONS)}")
        action = None

    raw_context = entry.get("context", GLOBAL)
    contexts: list[str] = []
    if isinstance(raw_context, str):
        raw_context = [raw_context]
    if not isinstance(raw_context, list) or not all(isinstance(c, str) for c in raw_context):
        errors.append(f"{at('context')}: context must be a context name or a list of them")
    else:
        for c in raw_context:
            if c not in CONTEXTS:
                errors.append(f"{at('context')}: unknown context {c!r}{_suggest(c, CONTEXTS)}")
            elif isinstance(action, str) and c not in ACTIONS[action].contexts:
                errors.append(f"{at('context')}: {_not_here(action, c)}")
            elif keys and c in TEXT_ENTRY_CONTEXTS and _types_text(keys[0]):
                errors.append(
                    f"{at('key' if 'key' in entry else 'keys')}: {_typed_key(keys[0], c)}"
                )
            else:
                contexts.append(c)

    help_text = entry.get("help")
    if help_text is not None and (
        not isinstance(help_text, str) or not help_text.strip() or "\n" in help_text
    ):
        errors.append(f"{at('help')}: help must be one line of text")

    if errors or not isinstance(action, str) or not keys:
        return [], errors
    text = help_text if isinstance(help_text, str) else ACTIONS[action].help
    line = lines.get("")
    return [Binding(keys, action, c, text, line) for c in contexts], []


# ---------------------------------------------------------------------------
# Loading: built-in files, user files, fallback


def _builtin_dir() -> Traversable | None:
    """The installed wheel's `rex_tui/data/keymaps`, else a source checkout's `keymaps/`."""
    packaged = importlib.resources.files("rex_tui") / "data" / "keymaps"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "keymaps"
    return checkout if checkout.is_dir() else None


def builtin_keymap_names() -> list[str]:
    """Names of the keymaps shipped with rex-tui ("default", "vim")."""
    folder = _builtin_dir()
    if folder is None:
        return []
    return sorted(f.name[: -len(".toml")] for f in folder.iterdir() if f.name.endswith(".toml"))


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The keymap to use, and what was wrong with the one asked for (empty when nothing)."""

    keymap: Keymap
    errors: list[str]


def load_keymap(
    name_or_path: str | os.PathLike[str],
    *,
    user_dir: Path | None = None,
    fallback: str = "default",
) -> LoadResult:
    """Load a keymap by name or from a file; never raises.

    A name is looked up as `user_dir/NAME.toml` first (a user file named like a built-in
    replaces it), then among the built-ins. Anything that is a path (`os.PathLike`, or
    a string with a "/" or ending in ".toml") is read as a file. On any problem the
    built-in keymap of the same name, or `fallback`, is returned with the errors.
    """
    text_name = os.fspath(name_or_path)
    is_path = not isinstance(name_or_path, str) or text_name.endswith(".toml")
    is_path = is_path or "/" in text_name or os.sep in text_name
    name = Path(text_name).stem if is_path else text_name
    builtins = builtin_keymap_names()
    if is_path:
        path: Path | None = Path(text_name).expanduser()
    elif user_dir is not None and (user_dir / f"{name}.toml").is_file():
        path = user_dir / f"{name}.toml"
    else:
        path = None
    if path is None and name in builtins:
        return _load_builtin(name)

    errors: list[str]
    if path is None:
        where = f"; no {user_dir / (name + '.toml')}" if user_dir is not None else ""
        errors = [f"no keymap named {name!r} (built in: {', '.join(builtins)}{where})"]
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            errors = [f"{path}: not UTF-8 text"]
        except OSError as exc:
            errors = [f"{path}: cannot read: {exc.strerror or exc}"]
        else:
            bindings, errors = parse_keymap(text, str(path))
            if not errors:
                return LoadResult(Keymap(bindings, name=name, source=str(path)), [])
    base = _load_builtin(name if name in builtins else fallback)
    return LoadResult(base.keymap, errors + base.errors)


def _load_builtin(name: str) -> LoadResult:
    folder = _builtin_dir()
    source = folder / f"{name}.toml" if folder is not None else None
    if source is None or not source.is_file():
        # A broken installation: run with no bindings rather than not at all.
        return LoadResult(Keymap((), name=name), [f"the built-in keymap {name!r} is missing"])
    bindings, errors = parse_keymap(source.read_text(encoding="utf-8"), str(source))
    # A built-in file is checked by the tests; should one ship broken, keep what is usable.
    return LoadResult(Keymap(bindings, name=name, source=str(source)), errors)


# ---------------------------------------------------------------------------
# Multi-key sequences


class Outcome(enum.Enum):
    """The kind of a Resolution."""

    ACTION = "action"
    """Run `Resolution.action`."""
    PENDING = "pending"
    """A sequence has started: show `Resolution.keys` in the status bar and wait."""
    UNHANDLED = "unhandled"
    """No binding: `Resolution.replay` goes to the focused widget."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a key press came to.

    The app first hands every key of `replay` to the focused widget, in order (keys of
    a started sequence that came to nothing, and for UNHANDLED the key just pressed),
    then acts on `outcome`.
    """

    outcome: Outcome
    action: str | None = None
    keys: tuple[str, ...] = ()
    """ACTION: the keys that made it; PENDING: the keys of the sequence so far."""
    replay: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        return format_keys(self.keys)


class KeyDispatcher:
    """Turns key presses into actions, buffering the start of a multi-key sequence.

    Like alot's input filter: a key that starts a sequence is held until the next
    key completes it, breaks it, or `timeout` seconds pass (`expire`, called by the
    app from an alarm at `deadline`); a broken or expired sequence is replayed.
    """

    def __init__(
        self,
        keymap: Keymap,
        timeout: float = 0.8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keymap = keymap
        self.timeout = timeout
        self._clock = clock
        self._pending: tuple[str, ...] = ()
        self._context = GLOBAL
        self._deadline: float | None = None

    @property
    def pending(self) -> tuple[str, ...]:
        """The keys of a sequence started but not finished."""
        return self._pending

    @property
    def deadline(self) -> float | None:
        """When (on `clock`) the pending sequence expires; None when none is pending."""
        return self._deadline

    def feed(self, context: str, key: str) -> Resolution:
        """Resolve one key pressed in `context` (raises ValueError for an unknown context)."""
        if context not in CONTEXTS:
            raise ValueError(f"unknown context {context!r}")
        now = self._clock()
        replay: tuple[str, ...] = ()
        if self._pending and (
            context != self._context or (self._deadline is not None and now >= self._deadline)
        ):
            replay = self.cancel()
        if self._pending:
            seq = (*self._pending, key)
            resolved = self._match(context, seq, now, replay)
            if resolved is not None:
                return resolved
            replay += self.cancel()  # the sequence is broken: its keys go through first
        resolved = self._match(context, (key,), now, replay)
        if resolved is not None:
            return resolved
        return Resolution(Outcome.UNHANDLED, replay=(*replay, key))

    def expire(self, now: float | None = None) -> Resolution | None:
        """Give up a pending sequence whose time is up: its keys, as UNHANDLED; else None."""
        if self._deadline is None:
            return None
        if (self._clock() if now is None else now) < self._deadline:
            return None
        return Resolution(Outcome.UNHANDLED, replay=self.cancel())

    def cancel(self) -> tuple[str, ...]:
        """Drop the pending sequence (e.g. the focus moved); return its keys."""
        dropped, self._pending, self._deadline = self._pending, (), None
        return dropped

    def _match(
        self, context: str, seq: tuple[str, ...], now: float, replay: tuple[str, ...]
    ) -> Resolution | None:
        action = self.keymap.lookup(context, seq)
        if action is not None:
            self.cancel()
            return Resolution(Outcome.ACTION, action=action, keys=seq, replay=replay)
        if self.keymap.starts_sequence(context, seq):
            self._pending, self._context = seq, context
            self._deadline = now + self.timeout
            return Resolution(Outcome.PENDING, keys=seq, replay=replay)
        return None
