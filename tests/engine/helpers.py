"""Building a `Rex` pointed at a seeded test registry, with recorded retry sleeps."""

from __future__ import annotations

import random
from typing import Any

from engine import Config, Credentials, NetworkConfig, RegistryConfig, RetryPolicy, Rex
from engine.cache.store import Cache


class SleepRecorder:
    """Stands in for trio.sleep: records each backoff instead of waiting it out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_rex(
    url: str,
    *,
    credentials: Credentials | None = None,
    host: str | None = None,
    retries: int = 0,
    sleep: SleepRecorder | None = None,
    cache: Cache | None = None,
    **network: Any,
) -> Rex:
    """A Rex whose current registry is `url`; retries recorded by `sleep`, not waited."""
    net = NetworkConfig(retry_attempts=retries, **network)
    config = Config(network=net, registries=(RegistryConfig("test", url),), current="test")
    creds = {}
    if credentials is not None:
        creds[host or url.split("://", 1)[-1]] = credentials
    policy = RetryPolicy(
        retries=retries,
        base=0.1,
        cap=1.0,
        max_retry_after=net.max_retry_after,
        sleep=sleep or SleepRecorder(),
        rng=random.Random(7),
    )
    return Rex(config, credentials=creds, retry=policy, cache=cache)
