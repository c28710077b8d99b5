"""URLs that may carry a password (the shared cache's `cache.redis_url`): check and mask.

A password may sit in the user-info (`redis://:PASSWORD@host:6379/0`) or in the query
(`?password=...`); whatever shows such a URL (`rex config`, logs, warnings, errors)
shows `mask_url(url)` instead, e.g. `redis://:***@host:6379/0`, or only its
`endpoint_of(url)`, e.g. `redis://host:6379`.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

__all__ = ["REDIS_SCHEMES", "endpoint_of", "mask_url", "redis_url_problem", "secrets_of"]

REDIS_SCHEMES = ("redis", "rediss")
_DEFAULT_PORT = 6379
_QUERY_SECRET = re.compile(r"(?i)(?P<name>[?&;](?:password|pass|pwd|auth)=)[^&;#]*")
MASK = "***"


def mask_url(url: str) -> str:
    """`url` with any password (user-info or query) replaced by ***; never raises.

    Masks generously: everything between `://` and the last '@' is user-info, so a
    password holding '/', '?' or '@' unencoded is masked whole too.
    """
    head, rest = _split_scheme(url)
    if "@" in rest:
        info, _, tail = rest.rpartition("@")
        # "user:pass" keeps the user (a user name has no colon, a password may have
        # several); a lone "secret" may be a password, so all of it goes.
        user, colon, _ = info.partition(":")
        rest = f"{user}:{MASK}@{tail}" if colon and _plain(user) else f"{MASK}@{tail}"
    return _QUERY_SECRET.sub(lambda m: m.group("name") + MASK, head + rest)


def _split_scheme(url: str) -> tuple[str, str]:
    head, sep, rest = url.partition("://")
    return (head + sep, rest) if sep else ("", url)


def _plain(user: str) -> bool:
    return not any(c in user for c in "/?#")


def endpoint_of(url: str) -> str:
    """`scheme://host:port` of a Redis URL, with no user-info, database or query."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = parts.port or _DEFAULT_PORT
    except ValueError:
        return mask_url(url)
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}:{port}"


def secrets_of(url: str) -> list[str]:
    """The password texts `url` holds (raw and decoded), to scrub from any message."""
    found: list[str] = []
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        password = None
    rest = _split_scheme(url)[1]
    if "@" in rest:
        info = rest.rpartition("@")[0]
        found.append(info.partition(":")[2] or info)
    if password:
        found.append(password)
    for item in re.finditer(r"(?i)[?&;](?:password|pass|pwd|auth)=([^&;#]*)", url):
        found.append(item.group(1))
    texts = {text for raw in found for text in (raw, unquote(raw)) if text}
    return sorted(texts, key=len, reverse=True)


def redis_url_problem(url: str) -> str | None:
    """Why `url` is not a usable redis:// or rediss:// URL, or None when it is."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "its port is not a number from 1 to 65535"
    if parts.scheme not in REDIS_SCHEMES:
        return "it must start with redis:// or rediss://"
    if not parts.hostname:
        return "it names no host"
    if port == 0:
        return "its port is not a number from 1 to 65535"
    database = parts.path.strip("/")
    if database and not database.isdigit():
        return "its path must be a database number, e.g. /0"
    return None
