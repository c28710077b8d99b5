"""The cache's optional shared tier: a team's Redis, below memory and disk.

    rex:v1:{reg16}:{kind}[:{repo16}][:{name}]   ->  the entry file's bytes (engine.cache.format)

`reg16` and `repo16` are the disk tier's 16-hex-digit hashes of the registry host and
repository (engine.cache.disk.hash16), `kind` the CacheKind's value and `name` the
digest or tag, so any kind of entry maps to a key without code here. Values are
exactly what the disk tier writes, with the entry's TTL as the key's expiry (EX);
an entry that never expires gets none, and the server's maxmemory policy bounds it.

What comes back is decoded as strictly as a disk file: it must name the very key it
is read for, and a manifest or config body must hash to its digest. So a stale or
hostile Redis can make rex fetch again, never show content the registry did not send.
Credentials never reach this tier: `Cache.put` refuses data holding a credential
field before any tier sees it, and tokens and passwords are never cache entries.

Redis-py's sync client, called from worker threads only (`Cache.get` runs on one for
async callers; writes go through this tier's own writer thread), with short socket
timeouts and no retries. The first failure to reach the server logs one warning,
then the tier stays off for RETRY_AFTER seconds (a circuit breaker), so a dead Redis
costs one connect timeout per RETRY_AFTER, never a stall per read. The URL's password
is never logged: messages show `endpoint_of(url)` and have the password scrubbed.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.cache.disk import hash16
from engine.cache.format import CorruptEntry, decode, encode
from engine.cache.keys import CacheEntry, CacheKey
from engine.config.secret_url import endpoint_of, mask_url, secrets_of

if TYPE_CHECKING:
    import redis

__all__ = [
    "CLOCK_SKEW",
    "CONNECT_TIMEOUT",
    "IO_TIMEOUT",
    "MAX_QUEUED",
    "MAX_VALUE_BYTES",
    "RETRY_AFTER",
    "RedisTier",
    "redis_key",
]

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 0.5
"""Seconds to connect: Redis is on the team's network, and a dead one must not stall rex."""
IO_TIMEOUT = 2.0
"""Seconds one command may take once connected."""
RETRY_AFTER = 30.0
"""Seconds the tier stays off after a failure before it tries the server again."""
MAX_QUEUED = 1000
"""Writes waiting for the writer thread; beyond that the oldest are dropped."""
MAX_VALUE_BYTES = 128 * 1024 * 1024
"""The largest value read back: a catalog of a million names fits, a hostile blob does not."""
CLOCK_SKEW = 300.0
"""Seconds a teammate's clock may run ahead of ours before their entries are refused."""
KEY_PREFIX = "rex:v1"

Change = tuple[bytes, int | None] | None
"""A queued write: the payload and its expiry in whole seconds (None: none), or None to delete."""


def redis_key(key: CacheKey) -> str:
    """The Redis key of a cache key (see the module docstring)."""
    parts = [KEY_PREFIX, hash16(key.registry), key.kind.value]
    if key.repository is not None:
        parts.append(hash16(key.repository))
    if key.name is not None:
        parts.append(key.name)
    return ":".join(parts)


def _expiry(ttl: float) -> int | None:
    return None if math.isinf(ttl) else max(1, math.ceil(ttl))


class RedisTier:
    """One Redis server shared by a team, as a cache tier; no method raises."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._url = url
        self.endpoint = endpoint_of(url)
        """scheme://host:port, what messages may show of the URL."""
        self._secrets = secrets_of(url)
        self._clock = clock
        self._client: redis.Redis | None = None
        self._lock = threading.Lock()
        self._down_until = -math.inf
        self._warned = False
        self._refused: set[CacheKey] = set()
        self._queued: dict[str, Change] = {}
        self._changed = threading.Condition()
        self._writing = False
        self._worker: threading.Thread | None = None

    # -- reads -------------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """False while the circuit breaker keeps the tier off after a failure."""
        with self._lock:
            return self._clock() >= self._down_until

    def read(self, key: CacheKey, now: float, max_ttl: float) -> tuple[CacheEntry, bytes] | None:
        """`key`'s entry and its bytes, verified like a disk file; None on a miss or failure.

        Its freshness is this reader's to judge, not the writer's: an entry fetched in
        the future (beyond CLOCK_SKEW of `now`) is refused, and a TTL longer than
        `max_ttl` (this reader's for the kind) is cut to it, so a teammate's config, or
        a hostile server, cannot keep a tag's answer fresh for longer than ours allows.
        """
        client = self._usable_client()
        if client is None:
            return None
        name = redis_key(key)
        try:
            # One round trip; never more than MAX_VALUE_BYTES read, whatever the server holds.
            pipe = client.pipeline(transaction=False)
            pipe.strlen(name)
            pipe.getrange(name, 0, MAX_VALUE_BYTES)
            length, raw = pipe.execute()
        except Exception as exc:  # redis-py's errors, OSError, a broken reply
            self._failed(exc)
            return None
        if not length or not isinstance(raw, bytes):
            return None  # a miss (or another type's key: its reader would not know it)
        if length > MAX_VALUE_BYTES:
            self._refuse(key, f"it holds {length} bytes, more than {MAX_VALUE_BYTES}")
            return None
        try:
            entry = decode(raw, key)
        except CorruptEntry as exc:
            self._refuse(key, str(exc))
            return None
        if entry.cached_at > now + CLOCK_SKEW:
            self._refuse(key, f"it was cached {entry.cached_at - now:.0f} s in the future")
            return None
        if entry.ttl > max_ttl:
            entry = CacheEntry(key, entry.data, entry.cached_at, max_ttl, entry.size)
            raw = encode(key, entry.data, entry.cached_at, max_ttl)
        return entry, raw

    def _refuse(self, key: CacheKey, reason: str) -> None:
        # Not deleted: the refetch's write replaces it, and one member's odd read
        # should not remove what the rest of the team may read fine.
        with self._lock:
            first = key not in self._refused
            self._refused.add(key)
        if first:
            logger.warning("refusing the redis cache entry of %s: %s", key, reason)

    # -- writes ------------------------------------------------------------------------

    def put(self, key: CacheKey, payload: bytes, ttl: float) -> None:
        """Queue `payload` under `key` with `ttl` seconds of expiry; returns at once."""
        if ttl <= 0:
            return
        self._queue(redis_key(key), (payload, _expiry(ttl)))

    def delete(self, key: CacheKey) -> None:
        """Queue the removal of `key`; returns at once."""
        self._queue(redis_key(key), None)

    def flush(self, timeout: float) -> bool:
        """Wait up to `timeout` for queued writes to reach Redis; False if some did not."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._queued or self._writing:
                left = deadline - time.monotonic()
                if left <= 0:
                    logger.debug("redis cache: %d writes not sent", len(self._queued))
                    return False
                self._changed.wait(left)
        return True

    def _queue(self, name: str, change: Change) -> None:
        if not self.available:
            return  # down: the disk has it, and a later run shares it
        with self._changed:
            self._queued.pop(name, None)  # the newest change of a key goes last
            self._queued[name] = change
            if len(self._queued) > MAX_QUEUED:
                del self._queued[next(iter(self._queued))]
            if self._worker is None:
                # A daemon, like the disk's writer: an exit without a flush loses writes,
                # which a cache may do, rather than hanging on a dead server.
                self._worker = threading.Thread(
                    target=self._run, name="rex-cache-redis", daemon=True
                )
                self._worker.start()
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._queued))
                batch, self._queued = self._queued, {}
                self._writing = True
            try:
                self._send(batch)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()

    def _send(self, batch: dict[str, Change]) -> None:
        client = self._usable_client()
        if client is None:
            return  # down: dropped, the disk tier keeps them
        try:
            pipe = client.pipeline(transaction=False)
            for name, change in batch.items():
                if change is None:
                    pipe.delete(name)
                else:
                    pipe.set(name, change[0], ex=change[1])
            results = pipe.execute(raise_on_error=False)
        except Exception as exc:
            self._failed(exc)
            return
        logger.debug("redis cache: %d changes sent to %s", len(batch), self.endpoint)
        errors = [r for r in results if isinstance(r, Exception)]
        if errors:  # e.g. OOM under a noeviction policy: those entries are not shared
            logger.debug(
                "redis cache at %s refused %d writes: %s",
                self.endpoint,
                len(errors),
                self._scrub(str(errors[0])),
            )

    # -- the connection and its failures ------------------------------------------------

    def _usable_client(self) -> redis.Redis | None:
        with self._lock:
            if self._clock() < self._down_until:
                return None
            if self._client is not None:
                return self._client
        try:
            client = self._connect()
        except Exception as exc:  # a URL redis-py refuses, a missing ssl module...
            self._failed(exc)
            return None
        with self._lock:
            if self._client is None:
                self._client = client
                logger.debug("redis cache: sharing entries through %s", mask_url(self._url))
            return self._client

    def _connect(self) -> redis.Redis:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options: dict[str, Any] = {
            "socket_connect_timeout": CONNECT_TIMEOUT,
            "socket_timeout": IO_TIMEOUT,
            "retry": Retry(NoBackoff(), 0),
            "retry_on_timeout": False,
            "health_check_interval": 0,
            "client_name": "rex",
        }
        # No CLIENT SETINFO: redis-py would look its own version up in the installed
        # packages' metadata on every connect (~9 ms) to send it. redis-py 7.1 and later
        # spell that driver_info=None (lib_name/lib_version are deprecated there).
        try:
            import redis.driver_info
        except ImportError:
            options |= {"lib_name": None, "lib_version": None}
        else:
            options["driver_info"] = None
        return redis.Redis.from_url(self._url, **options)

    def _failed(self, exc: BaseException) -> None:
        reason = self._scrub(str(exc) or type(exc).__name__)
        with self._lock:
            self._down_until = self._clock() + RETRY_AFTER
            first, self._warned = not self._warned, True
            client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception as close_error:
                logger.debug("closing the redis client: %s", self._scrub(str(close_error)))
        if first:
            logger.warning(
                "redis cache at %s unreachable (%s); using the disk cache", self.endpoint, reason
            )
        else:
            logger.debug("redis cache at %s unreachable again (%s)", self.endpoint, reason)
        with self._changed:
            self._queued.clear()  # the disk has them; nothing waits on a dead server

    def _scrub(self, text: str) -> str:
        """`text` with the URL's password replaced, and short enough for one line."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        text = " ".join(text.split())
        return text if len(text) <= 200 else text[:199] + "…"
