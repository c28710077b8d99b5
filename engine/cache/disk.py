"""The cache's disk tier: the seeds' file layout, locking, atomic writes and metadata.

    ROOT/catalogs/{reg16}/catalog.json
    ROOT/tags/{reg16}/{repo16}/tags.json
    ROOT/manifests/{reg16}/{repo16}/{sha256-<hex> | tag-<tag>}.json
    ROOT/configs/{reg16}/{repo16}/sha256-<hex>.json
    ROOT/storage/{reg16}/registry.json, ROOT/storage/{reg16}/{repo16}/repository.json
    ROOT/metadata.json     {"version", "last_cleanup", "hits", "misses", "registries"}
    ROOT/.lock             flock'ed by every writer, never by a reader

`reg16` and `repo16` are the first 16 hex digits of the SHA-256 of the registry host
and repository name. Writers take the lock and replace files atomically; readers
take no lock, so a reader sees either the old file or the new one, never half.
An entry file's mtime is its last access (writers and readers set it from the
cache's clock), which is what disk eviction orders by.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import itertools
import json
import logging
import os
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.cache.format import FORMAT_VERSION, CorruptEntry, decode, from_rfc3339
from engine.cache.keys import CacheEntry, CacheKey, CacheKind
from engine.errors import CacheError
from engine.frozen import Frozen

__all__ = [
    "CLOSE_WAIT",
    "KIND_DIRS",
    "LOCK_WAIT",
    "DiskItem",
    "DiskStore",
    "LockTimeout",
    "count_of",
    "explicit_lock",
    "hash16",
    "merge_counts",
    "remove_or_fail",
]

logger = logging.getLogger(__name__)

LOCK_WAIT = 2.0
"""Seconds the explicit clear and prune wait for another process's lock (then exit 7)."""
CLOSE_WAIT = 0.5
"""Seconds the last flush of a process waits for the lock: writers hold it for
milliseconds, so this rides out a busy moment, while a stuck holder costs at most this."""

KIND_DIRS: dict[CacheKind, str] = {
    CacheKind.CATALOG: "catalogs",
    CacheKind.TAGS: "tags",
    CacheKind.MANIFEST: "manifests",
    CacheKind.CONFIG: "configs",
    CacheKind.FILES: "files",
    CacheKind.STORAGE: "storage",
}
_TEMP_PREFIX, _TEMP_SUFFIX = ".", ".tmp"


class LockTimeout(Exception):
    """Another process (or thread) held the cache lock for longer than the caller would wait."""


@functools.lru_cache(maxsize=4096)
def hash16(text: str) -> str:
    """The 16-hex-digit directory name of a registry host or repository."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DiskItem(Frozen):
    """One file found under the cache root: an entry or a writer's leftover temp file."""

    path: Path
    kind: CacheKind
    registry_hash: str
    size: int
    mtime: float
    """Last access, in the cache clock's seconds."""
    temp: bool = False

    @property
    def immutable(self) -> bool:
        """Digest-addressed content, which eviction keeps over mutable entries."""
        return self.kind in (
            CacheKind.MANIFEST,
            CacheKind.CONFIG,
        ) and not self.path.name.startswith("tag-")


def _new_metadata() -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "last_cleanup": None,
        "hits": 0,
        "misses": 0,
        "registries": {},
    }


class DiskStore:
    """Files under one cache root; every method that writes expects `locked()` held."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.metadata_path = root / "metadata.json"
        self._lock_path = root / ".lock"
        # flock does not exclude threads sharing a process's lock; this does.
        self._threads = threading.Lock()
        # A listing reads and touches hundreds of entries: pathlib joins and two
        # hashes per key add up, so each key's path is worked out once.
        self._paths: dict[CacheKey, Path] = {}
        # Two tasks may read one damaged file at once (an image's summary and its
        # history both want the config): the user hears of it once.
        self._reported: set[tuple[Path, tuple[int, int, int]]] = set()
        self._reported_lock = threading.Lock()

    def path_for(self, key: CacheKey) -> Path:
        """Where `key`'s entry lives, per the seeds' layout."""
        path = self._paths.get(key)
        if path is None:
            path = self._paths[key] = self.root / _relative_path(key)
        return path

    @contextmanager
    def locked(self, timeout: float = 0.0) -> Iterator[None]:
        """Hold the cross-process writer lock: LockTimeout after `timeout`, OSError if no dir.

        The default is not to wait at all: an ordinary write that finds the lock busy is
        queued (engine.cache.store), and only clear and prune wait, for LOCK_WAIT.
        """
        if not self._threads.acquire(timeout=timeout):
            raise LockTimeout(f"another thread held {self._lock_path}{_for(timeout)}")
        try:
            fd = self._open_lock()
            try:
                _flock(fd, self._lock_path, timeout)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        finally:
            self._threads.release()

    def _open_lock(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
        try:
            return os.open(self._lock_path, flags, 0o600)
        except FileNotFoundError:  # the first write, or the root was removed meanwhile
            self.root.mkdir(parents=True, exist_ok=True)
            return os.open(self._lock_path, flags, 0o600)

    def read(self, key: CacheKey) -> CacheEntry | None:
        """`key`'s entry, or None; an unusable file is deleted with a warning. Never raises."""
        path = self.path_for(key)
        try:
            with path.open("rb") as file:
                identity = _identity(os.fstat(file.fileno()))
                raw = file.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            logger.warning("cannot read cache file %s (%s); treating it as a miss", path, exc)
            return None
        try:
            return decode(raw, key)
        except CorruptEntry as exc:
            with self._reported_lock:
                first = (path, identity) not in self._reported
                self._reported.add((path, identity))
            if first:
                logger.warning("deleting unusable cache file %s: %s", path, exc)
            self._discard(path, identity)
            return None

    def _discard(self, path: Path, identity: tuple[int, int, int]) -> None:
        # Only the file we read: a writer may have replaced it with a good one meanwhile.
        try:
            with self.locked():
                if _identity(os.stat(path)) == identity:
                    os.unlink(path)
        except (OSError, LockTimeout) as exc:
            logger.debug("could not delete %s: %s", path, exc)

    def write(self, path: Path, payload: bytes, mtime: float | None) -> None:
        """Replace `path` atomically with `payload`; raises OSError (disk full, read-only...)."""
        # No fsync: after a power cut a truncated entry is detected and dropped on read,
        # which is cheaper than paying a disk flush on every write.
        fd, temp = _create_temp(path.parent)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(payload)
            if mtime is not None:
                os.utime(temp, (mtime, mtime))
            os.replace(temp, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temp)
            raise

    @staticmethod
    def remove(path: Path) -> bool:
        """Delete `path`: False if it was already gone; raises any other OSError."""
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        return True

    @staticmethod
    def touch(path: Path, when: float) -> None:
        """Record an access at `when`, never moving the time backwards. Never raises."""
        with suppress(OSError):
            if os.stat(path).st_mtime < when:
                os.utime(path, (when, when))

    def scan(
        self,
        registry: str | None = None,
        kinds: Iterable[CacheKind] | None = None,
        *,
        strict: bool = False,
    ) -> Iterator[DiskItem]:
        """Every entry and temp file of `kinds` (default all), for one registry host or all.

        A directory that cannot be listed is skipped with a warning, or with `strict`
        (clear and prune, which must not report a partial job as done) a CacheError.
        """
        for kind in CacheKind if kinds is None else kinds:
            base = self.root / KIND_DIRS[kind]
            if registry is not None:
                tops = [base / hash16(registry)]
            else:
                tops = [Path(entry.path) for entry in _listdir(base, strict) if entry.is_dir()]
            for top in tops:
                yield from _walk(top, kind, top.name, strict)

    def existing_root(self, action: str) -> bool:
        """Whether the root is a directory (False: nothing cached yet); CacheError if unusable."""
        try:
            st = os.stat(self.root)
        except (FileNotFoundError, NotADirectoryError):  # under a file: nothing was ever cached
            return False
        except OSError as exc:
            raise CacheError(
                f"cannot {action} the cache at {self.root}: {exc.strerror or exc}"
            ) from exc
        if not stat.S_ISDIR(st.st_mode):
            raise CacheError(f"cannot {action} the cache: {self.root} is not a directory")
        return True

    def root_temp_files(self) -> list[Path]:
        """Leftover temp files of metadata.json writers."""
        return [Path(e.path) for e in _listdir(self.root) if _is_temp(e.name) and e.is_file()]

    def remove_empty_dirs(self, files: Iterable[Path]) -> None:
        """Remove the directories emptied by deleting `files`, up to the kind directories."""
        parents = {f.parent for f in files}
        for directory in sorted(parents, key=lambda p: len(p.parts), reverse=True):
            while directory.parent != self.root and directory != self.root:
                try:
                    directory.rmdir()
                except OSError:
                    break
                directory = directory.parent

    def read_metadata(self) -> dict[str, Any]:
        """metadata.json, or a fresh one when it is missing or unusable. Never raises."""
        try:
            raw = self.metadata_path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return _new_metadata()
        except OSError as exc:
            logger.warning("cannot read %s (%s); ignoring it", self.metadata_path, exc)
            return _new_metadata()
        try:
            meta = json.loads(raw)
            if not isinstance(meta, dict) or meta.get("version") != FORMAT_VERSION:
                raise ValueError("not version 1 cache metadata")
            last = meta.get("last_cleanup")
            if last is not None:
                from_rfc3339(last)
            fresh = _new_metadata()
            for name in ("hits", "misses"):
                if not isinstance(meta.get(name), int):
                    raise ValueError(f"{name} is not a count")
            if not isinstance(meta.get("registries", {}), dict):
                raise ValueError("registries is not an object")
            return fresh | meta
        except (TypeError, ValueError, RecursionError) as exc:
            # RecursionError: json's answer to a file nested absurdly deep.
            logger.warning(
                "cache metadata %s is unusable (%s); starting afresh", self.metadata_path, exc
            )
            return _new_metadata()

    def write_metadata(self, meta: dict[str, Any]) -> None:
        """Replace metadata.json; the caller read it under the same lock. Raises OSError."""
        payload = json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        self.write(self.metadata_path, payload.encode(), None)


def count_of(value: Any) -> int:
    """A counter read from metadata.json; anything but an int counts as 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def merge_counts(meta: dict[str, Any], counts: dict[str, list[int]]) -> None:
    """Add per-registry [hits, misses] to metadata read under the writer lock."""
    registries = meta.setdefault("registries", {})
    for registry, (hits, misses) in counts.items():
        meta["hits"] = count_of(meta.get("hits")) + hits
        meta["misses"] = count_of(meta.get("misses")) + misses
        mine = registries.get(hash16(registry))
        if not isinstance(mine, dict):
            mine = registries[hash16(registry)] = {}
        mine["registry"] = registry
        mine["hits"] = count_of(mine.get("hits")) + hits
        mine["misses"] = count_of(mine.get("misses")) + misses


def _relative_path(key: CacheKey) -> str:
    parts = [KIND_DIRS[key.kind], hash16(key.registry)]
    if key.kind is CacheKind.STORAGE:
        parts += (
            ["registry.json"]
            if key.repository is None
            else [hash16(key.repository), "repository.json"]
        )
    elif key.repository is None:
        parts.append("catalog.json")
    elif key.name is None:
        parts += [hash16(key.repository), "tags.json"]
    elif key.immutable:
        parts += [hash16(key.repository), f"{key.name.replace(':', '-', 1)}.json"]
    else:
        parts += [hash16(key.repository), f"tag-{key.name}.json"]
    return os.path.join(*parts)


_temp_serial = itertools.count()


def _create_temp(directory: Path) -> tuple[int, str]:
    """A new, exclusively created temp file in `directory` (made if missing): (fd, path).

    tempfile.mkstemp would do, but its random names cost an import and ~20 us a
    write; pid, thread and a counter are unique enough, and O_EXCL settles the rest
    (a leftover of a dead process with the same pid).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    stem = f"{directory}/{_TEMP_PREFIX}{os.getpid()}-{threading.get_ident()}-"
    for _ in range(100):
        temp = f"{stem}{next(_temp_serial)}{_TEMP_SUFFIX}"
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            continue
        except FileNotFoundError:
            directory.mkdir(parents=True, exist_ok=True)
    raise FileExistsError(f"no free temp file name in {directory}")


def _identity(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_ino, st.st_mtime_ns, st.st_size


def _is_temp(name: str) -> bool:
    return name.startswith(_TEMP_PREFIX) and name.endswith(_TEMP_SUFFIX)


def _listdir(directory: Path, strict: bool = False) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as entries:
            return list(entries)
    except FileNotFoundError:
        return []
    except OSError as exc:
        if strict:
            raise CacheError(
                f"cannot read cache directory {directory}: {exc.strerror or exc}"
            ) from exc
        if not isinstance(exc, NotADirectoryError):
            logger.warning("cannot list cache directory %s (%s); skipping it", directory, exc)
        return []


def _walk(
    directory: Path, kind: CacheKind, registry_hash: str, strict: bool = False
) -> Iterator[DiskItem]:
    for entry in _listdir(directory, strict):
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), kind, registry_hash, strict)
            continue
        temp = _is_temp(entry.name)
        if not temp and (entry.name.startswith(".") or not entry.name.endswith(".json")):
            continue  # not ours: leave it alone
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # deleted while we looked
        yield DiskItem(Path(entry.path), kind, registry_hash, st.st_size, st.st_mtime, temp)


def _flock(fd: int, path: Path, timeout: float) -> None:
    # Polling instead of a blocking flock, so a stopped process holding the lock costs
    # at most `timeout` rather than a hung application.
    deadline = time.monotonic() + timeout
    delay = 0.0005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockTimeout(f"another process held {path}{_for(timeout)}") from None
            time.sleep(delay)
            # Short: a poller must catch the lock between other processes' writes,
            # which take it again within milliseconds.
            delay = min(delay * 2, 0.002)


def _for(timeout: float) -> str:
    return f" for {timeout:g} s" if timeout > 0 else ""


@contextmanager
def explicit_lock(disk: DiskStore, action: str, wait: float) -> Iterator[None]:
    """The writer lock for clear and prune, whose failures the caller must see."""
    try:
        with disk.locked(wait):
            yield
    except LockTimeout as exc:
        raise CacheError(f"cannot {action} the cache: {exc}") from exc
    except OSError as exc:
        raise CacheError(f"cannot {action} the cache at {disk.root}: {exc}") from exc


def remove_or_fail(disk: DiskStore, path: Path) -> bool:
    """`DiskStore.remove` for clear and prune: CacheError when the file will not go."""
    try:
        return disk.remove(path)
    except OSError as exc:
        raise CacheError(f"cannot delete cache file {path}: {exc.strerror or exc}") from exc
