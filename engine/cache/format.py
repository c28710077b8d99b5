"""The cache's entry-file format (version 1): encoding, strict decoding, and a quick look.

    {"version": 1, "cached_at": "2024-01-15T10:30:00.250000Z", "ttl_seconds": 300,
     "registry": "localhost:5000", "key": "localhost:5000/my/app/tags",
     "repository": "my/app", "name": null, "data": {...}}

`ttl_seconds` is null for an entry that never expires.

Manifest and config entries keep the content as `body` text (engine.reads.plan). A
body is checked against its digest on every decode, so a file damaged or edited on
disk is never trusted: under a digest key the body must hash to that digest (and a
`digest` field, if any, must name it); under a tag, to the entry's own `digest`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.cache.keys import CacheEntry, CacheKey, CacheKind

__all__ = [
    "FORMAT_VERSION",
    "CorruptEntry",
    "decode",
    "encode",
    "from_rfc3339",
    "read_head",
    "secret_field",
    "to_rfc3339",
    "verify_body",
]

FORMAT_VERSION = 1

# encode() writes these three fields first and compactly, so prune can learn an
# entry's expiry from its first bytes without parsing a 50 KB manifest. A pattern,
# compiled (and cached) by `re` when prune first needs it, not at every start-up.
_HEAD = (
    rb'\{"version":(\d{1,9}),"cached_at":"([^"]{1,40})","ttl_seconds":(null|[-+.eE0-9]{1,40})[,}]'
)
_HEAD_BYTES = 256
_DIGEST_HEX = {"sha256": 64, "sha512": 128}


class CorruptEntry(Exception):
    """An entry file that cannot be used: not JSON, another version, or another key's."""


def to_rfc3339(epoch: float) -> str:
    """`epoch` as UTC RFC 3339 with microseconds, e.g. 2024-01-15T10:30:00.250000Z."""
    text = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="microseconds")
    return text.removesuffix("+00:00") + "Z"


def from_rfc3339(text: str) -> float:
    """Epoch seconds of an RFC 3339 time; ValueError when it is not one."""
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"time without a zone: {text!r}")
    return when.timestamp()


def _ttl_to_json(ttl: float) -> float | int | None:
    # JSON has no infinity; an integral TTL is written as the integer the config gave.
    if ttl == float("inf"):
        return None
    return int(ttl) if ttl.is_integer() else ttl


def _ttl_from_json(value: Any) -> float:
    if value is None:
        return float("inf")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CorruptEntry(f"ttl_seconds is {value!r}")
    return float(value)


def encode(key: CacheKey, data: Any, cached_at: float, ttl: float) -> bytes:
    """The entry file's bytes; TypeError or ValueError when `data` is not JSON."""
    document = {
        "version": FORMAT_VERSION,
        "cached_at": to_rfc3339(cached_at),
        "ttl_seconds": _ttl_to_json(ttl),
        "registry": key.registry,
        "key": str(key),
        "repository": key.repository,
        "name": key.name,
        "data": data,
    }
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode()


# Compared after lower-casing and dropping '-' and '_': the engine never hands the
# cache credentials, and this makes sure a slip cannot write them to disk.
_SECRET_FIELDS = frozenset(
    {
        "password",
        "passwd",
        "token",
        "accesstoken",
        "refreshtoken",
        "identitytoken",
        "registrytoken",
        "secret",
        "clientsecret",
        "authorization",
        "auth",
    }
)


def secret_field(data: Any) -> str | None:
    """The first key of `data` (at any depth) that names a credential, if any."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for name, value in item.items():
                if str(name).lower().replace("-", "").replace("_", "") in _SECRET_FIELDS:
                    return str(name)
                if isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(value for value in item if isinstance(value, dict | list))
    return None


def decode(raw: bytes, key: CacheKey) -> CacheEntry:
    """The entry `raw` holds for `key`; CorruptEntry when it is unusable or another key's."""
    try:
        document = json.loads(raw)
    # ValueError covers JSONDecodeError and UnicodeDecodeError; a crafted deep nesting
    # raises RecursionError, and a read must never raise.
    except (ValueError, RecursionError) as exc:
        raise CorruptEntry(f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise CorruptEntry("not a JSON object")
    version = document.get("version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise CorruptEntry(f"format version {version!r}, expected {FORMAT_VERSION}")
    if (
        document.get("key") != str(key)
        or document.get("registry") != key.registry
        or document.get("repository") != key.repository
        or document.get("name") != key.name
    ):
        raise CorruptEntry(f"holds {str(document.get('key'))!r}, not {str(key)!r}")
    if "data" not in document:
        raise CorruptEntry("no data")
    cached_at = document.get("cached_at")
    try:
        when = from_rfc3339(cached_at) if isinstance(cached_at, str) else None
    except ValueError:
        when = None
    if when is None:
        raise CorruptEntry(f"cached_at is {cached_at!r}")
    ttl = _ttl_from_json(document.get("ttl_seconds"))
    _check_content(key, document["data"])
    return CacheEntry(key, document["data"], when, ttl, len(raw))


def verify_body(body: str, digest: str) -> str | None:
    """Why `body` (as UTF-8) does not hash to `digest`, or None when it does."""
    algorithm, _, expected = digest.partition(":")
    if len(expected) != _DIGEST_HEX.get(algorithm, -1):
        return f"cannot verify a {algorithm or 'malformed'} digest"
    try:
        content = body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate escaped in the JSON
        return "its body is not UTF-8 text"
    if hashlib.new(algorithm, content).hexdigest() != expected:
        return f"its body does not match its digest {digest}"
    return None


def _check_content(key: CacheKey, data: Any) -> None:
    """CorruptEntry when a manifest's or config's body no longer matches its digest."""
    if key.kind not in (CacheKind.MANIFEST, CacheKind.CONFIG):
        return
    if not isinstance(data, dict) or "body" not in data:
        return  # not content the engine stores: its reader judges the shape
    body, named = data["body"], data.get("digest")
    if key.immutable:
        assert key.name is not None
        if named is not None and named != key.name:
            raise CorruptEntry(f"names digest {str(named)!r}, not {key.name}")
        named = key.name
    if not isinstance(body, str) or not isinstance(named, str):
        raise CorruptEntry(f"{key.kind} entry without a body text and digest")
    problem = verify_body(body, named)
    if problem is not None:
        raise CorruptEntry(f"{key.kind} content: {problem}")


def read_head(path: Path) -> tuple[float, float]:
    """An entry file's (cached_at, ttl) from its first bytes; CorruptEntry or OSError."""
    with path.open("rb") as file:
        head = file.read(_HEAD_BYTES)
        match = re.match(_HEAD, head)
        if match is None:
            # Not as encode() writes it; judge it by its whole content instead.
            document = _parse_whole(head + file.read())
            return _when_and_ttl(
                document.get("version"), document.get("cached_at"), document.get("ttl_seconds")
            )
    version, cached_at, ttl = match.groups()
    return _when_and_ttl(int(version), cached_at.decode(), json.loads(ttl))


def _parse_whole(raw: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise CorruptEntry(f"not JSON: {exc}") from None
    if not isinstance(document, dict) or "data" not in document:
        raise CorruptEntry("not a cache entry")
    return document


def _when_and_ttl(version: Any, cached_at: Any, ttl: Any) -> tuple[float, float]:
    if type(version) is not int or version != FORMAT_VERSION:
        raise CorruptEntry(f"format version {version!r}, expected {FORMAT_VERSION}")
    try:
        when = from_rfc3339(cached_at)
    except (TypeError, ValueError):
        raise CorruptEntry(f"cached_at is {cached_at!r}") from None
    return when, _ttl_from_json(ttl)
